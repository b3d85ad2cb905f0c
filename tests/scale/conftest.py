"""Fixtures of the scale tests: a canned-reply server in its own process."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator

import pytest

from tests.conftest import ROOT


def start_canned(delay: float = 0.0) -> tuple[subprocess.Popen[str], str]:
    """Start ``tests/scale/canned_server.py``; return the process and its base URL."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "tests.scale.canned_server", "--delay", str(delay)],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None
    url = proc.stdout.readline().strip()
    assert url.startswith("http://127.0.0.1:"), url
    return proc, url


@pytest.fixture(scope="module")
def canned_url() -> Iterator[str]:
    proc, url = start_canned()
    yield url
    proc.kill()
    proc.wait()

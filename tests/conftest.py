"""Shared fixtures. Network guard: tests may only open sockets to loopback addresses."""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest

# the reliability tally: a `reliability` fixture and `--reliability-report DIR`
pytest_plugins = ["tests.faults.tally"]

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
_real_connect = socket.socket.connect


def _is_loopback(address: object) -> bool:
    if isinstance(address, tuple) and address:
        host = str(address[0])
        if host == "localhost":
            return True
        try:
            return ipaddress.ip_address(host).is_loopback
        except ValueError:
            return False
    return isinstance(address, str | bytes)  # AF_UNIX paths are local


def _guarded_connect(self: socket.socket, address: object) -> None:
    if not _is_loopback(address):
        raise RuntimeError(f"tests may only connect to loopback, not {address!r}")
    _real_connect(self, address)  # type: ignore[arg-type]


@pytest.fixture(autouse=True)
def _loopback_only(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(socket.socket, "connect", _guarded_connect)


@pytest.fixture(autouse=True)
def _no_keys(monkeypatch: pytest.MonkeyPatch) -> None:
    # A developer's real key must never reach a test (or a cassette, log or report).
    for var in ("OPENAI_API_KEY", "EXTRACTOR_API_KEY", "OPENAI_BASE_URL"):
        monkeypatch.delenv(var, raising=False)


@pytest.fixture(scope="session")
def seed_text() -> str:
    path = ROOT / "gold" / "v1" / "articles.jsonl"
    import json

    for line in path.read_text(encoding="utf-8").splitlines():
        rec = json.loads(line)
        if rec["id"] == "seed:afp_hama":
            return str(rec["text"])
    raise AssertionError("seed article missing from gold/v1")


@pytest.fixture()
def extractor_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """An empty EXTRACTOR_HOME, for tests that must not touch the user's cache."""
    home = tmp_path / "home"
    monkeypatch.setenv("EXTRACTOR_HOME", str(home))
    yield home

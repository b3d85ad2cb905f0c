"""Every committed run is checked by ``make test``: its suite is in the Makefile's CHECKED_SUITES.

A run folder (``eval/runs/<suite>__<name>/run.json``) whose suite CI never checks could go stale,
or fall below its thresholds, without anyone seeing it.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from tests.conftest import ROOT


def checked_suites() -> set[str]:
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    found = re.search(r"^CHECKED_SUITES :=((?:.*\\\n)*.*)$", makefile, re.MULTILINE)
    assert found, "Makefile has no CHECKED_SUITES"
    return {Path(p).stem for p in found.group(1).replace("\\\n", " ").split()}


def test_every_committed_run_belongs_to_a_suite_make_test_checks() -> None:
    runs = sorted((ROOT / "eval" / "runs").glob("*/run.json"))
    assert runs  # the canonical runs are committed
    suites = {json.loads(p.read_text(encoding="utf-8"))["suite"] for p in runs}
    assert suites <= checked_suites(), suites - checked_suites()
    for name in checked_suites():
        assert (ROOT / "eval" / "suites" / f"{name}.toml").is_file(), name

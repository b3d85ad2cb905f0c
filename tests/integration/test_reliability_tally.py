"""The reliability tally (``tests/faults/tally.py``) counts what happened, and what went wrong.

Each test runs a small test file in a pytest of its own (``pytester``) with the tally plugin and
``--reliability-report``, then reads the ``reliability.json`` it wrote: a test whose fixture fails
is counted as an error (a failure), not dropped, and a fault counts only when the fault server
(``tests/faults/server.py``, on 127.0.0.1) says it served it.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

pytest_plugins = ["pytester"]


def _tally(pytester: pytest.Pytester, source: str) -> tuple[pytest.RunResult, dict[str, Any]]:
    pytester.makepyfile(test_inner=source)
    report = pytester.path / "report"
    result = pytester.runpytest("-p", "tests.faults.tally", f"--reliability-report={report}")
    payload = json.loads((report / "reliability.json").read_text(encoding="utf-8"))
    return result, payload


def _outcomes(payload: dict[str, Any]) -> dict[str, str]:
    return {t["test"].split("::")[-1]: t["outcome"] for t in payload["tests"]}


def test_a_fixture_failing_in_setup_or_teardown_counts_the_test_as_failed(
    pytester: pytest.Pytester,
) -> None:
    result, payload = _tally(
        pytester,
        """
import pytest

@pytest.fixture
def broken():
    raise RuntimeError("setup broke")

@pytest.fixture
def breaks_after():
    yield
    raise RuntimeError("teardown broke")

def test_setup_fails_before_the_tally(broken, reliability):
    reliability.bad_input("never tried")

def test_setup_fails_after_the_tally(reliability, broken):
    reliability.bad_input("never tried")

def test_teardown_fails(reliability, breaks_after):
    reliability.bad_input("tried")

def test_passes(reliability):
    reliability.bad_input("tried")
""",
    )
    result.assert_outcomes(passed=2, errors=3)  # test_teardown_fails passes, then errors
    assert _outcomes(payload) == {
        "test_setup_fails_before_the_tally": "error",
        "test_setup_fails_after_the_tally": "error",
        "test_teardown_fails": "error",
        "test_passes": "passed",
    }
    totals = payload["totals"]
    assert (totals["tests"], totals["passed"], totals["failed"]) == (4, 1, 3)
    assert totals["bad_inputs_tried"] == 2


def test_a_fault_counts_only_when_the_server_served_it(pytester: pytest.Pytester) -> None:
    result, payload = _tally(
        pytester,
        """
import urllib.request

from tests.faults.server import CannedServer, faults_of

PLAN = ["ok", "status:429", "ok"]

def _post(server, times):
    for _ in range(times):
        try:
            urllib.request.urlopen(urllib.request.Request(
                server.url + "/chat/completions", data=b"{}", method="POST"))
        except urllib.error.HTTPError as exc:
            assert exc.code == 429

def test_fault_never_fired(reliability):
    server = CannedServer.start("{}", PLAN)
    try:
        _post(server, 1)  # only the "ok" before the 429
    finally:
        server.stop()
    reliability.faults_served("429, once", faults_of(PLAN), faults_of(server.actions))

def test_fault_fired(reliability):
    server = CannedServer.start("{}", PLAN)
    try:
        _post(server, 3)
    finally:
        server.stop()
    reliability.faults_served("429, once", faults_of(PLAN), faults_of(server.actions))
""",
    )
    result.assert_outcomes(passed=1, failed=1)
    result.stdout.re_match_lines(
        [r".*429, once: planned fault\(s\) never served: \['status:429'\]"]
    )
    assert _outcomes(payload) == {"test_fault_never_fired": "failed", "test_fault_fired": "passed"}
    faults = {t["test"].split("::")[-1]: t["faults"] for t in payload["tests"]}
    assert faults == {"test_fault_never_fired": [], "test_fault_fired": ["429, once"]}
    assert (payload["totals"]["faults_injected"], payload["totals"]["failed"]) == (1, 1)

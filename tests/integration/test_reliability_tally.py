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


def test_the_readme_block_is_rewritten_from_the_tally_with_the_headline_row(
    pytester: pytest.Pytester,
) -> None:
    readme = pytester.path / "README.md"
    readme.write_text(
        "# Tool\n\nbefore\n<!-- reliability:begin -->\n| stale | 99 |\n"
        "<!-- reliability:end -->\nafter\n",
        encoding="utf-8",
    )
    pytester.makepyfile(
        test_inner="""
def test_soak(reliability):
    reliability.headline_row("tiny soak")
    for kind in ("soak: 429", "soak: 429", "soak: reset"):
        reliability.fault(kind)
    reliability.records(["a", "b", "c"], ["a", "b", "b"])

def test_other(reliability):
    reliability.bad_input("empty file")
"""
    )
    result = pytester.runpytest(
        "-p",
        "tests.faults.tally",
        f"--reliability-report={pytester.path / 'report'}",
        f"--reliability-readme={readme}",
    )
    result.assert_outcomes(passed=2)
    text = readme.read_text(encoding="utf-8")
    assert text.startswith("# Tool\n\nbefore\n<!-- reliability:begin -->\n| figure | value |")
    assert text.endswith("<!-- reliability:end -->\nafter\n")
    assert "stale" not in text
    assert "| reliability tests (passed / failed) | 2 (2 / 0) |" in text
    assert "| faults injected (2 kinds) | 3 |" in text
    # the soak's own rows: 3 expected, "c" lost, "b" twice
    assert "| tiny soak (passed): articles / lost / duplicated / wall s | 3 / 1 / 1 / " in text
    assert "| tiny soak: faults served | soak: 429 (x2); soak: reset |" in text


def test_a_readme_without_the_block_is_refused_and_left_alone(pytester: pytest.Pytester) -> None:
    readme = pytester.path / "README.md"
    readme.write_text("# Tool\n", encoding="utf-8")
    pytester.makepyfile(test_inner="def test_x(reliability):\n    reliability.fault('500')\n")
    result = pytester.runpytest(
        "-p",
        "tests.faults.tally",
        f"--reliability-report={pytester.path / 'report'}",
        f"--reliability-readme={readme}",
    )
    assert "no <!-- reliability:begin --> ... <!-- reliability:end --> block" in str(
        result.stderr
    ) + str(result.stdout)
    assert readme.read_text(encoding="utf-8") == "# Tool\n"

"""Reliability figures counted by the tests themselves, written at the end of the session.

A reliability test asks for the ``reliability`` fixture and records what it actually did: each
fault the fault server says it served (``faults_served``: a planned fault that never fired fails
the test instead of being counted), each bad input it tried, each injection article it sent, and
the article ids it expected against the ids it found in the output (lost = expected but missing,
duplicated = written more than once). The figures are recorded before the test's own assertions,
so a failing test is counted with its outcome rather than hidden; the tally exists from the start
of setup, so a test whose fixture fails is counted as an ``error`` (setup or teardown), not dropped.

``pytest --reliability-report=DIR`` writes ``DIR/reliability.json`` and ``DIR/reliability.md``
(with "=": a bare DIR would be read as a test path before this plugin is loaded)
(``make test`` passes ``eval/reports``); without the option nothing is written, so running a
single test never overwrites the figures of a full run with a partial tally.
``--reliability-readme=FILE`` also rewrites the figures table between the file's
``<!-- reliability:begin -->`` and ``<!-- reliability:end -->`` lines (``make test`` passes
``README.md``), so the README quotes what the last full run counted, never a hand copy.
"""

from __future__ import annotations

import datetime as dt
import json
import platform
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path

import pytest

_TALLIES = pytest.StashKey[list["Tally"]]()
_NODE = pytest.StashKey["Tally"]()


@dataclass
class Tally:
    """What one test did, and how it ended."""

    test: str
    faults: list[str] = field(default_factory=list[str])
    bad_inputs: list[str] = field(default_factory=list[str])
    injections: list[str] = field(default_factory=list[str])
    articles: int = 0
    """Articles that had to end up in an output file (done or recorded with their error)."""
    lost: int = 0
    duplicated: int = 0
    outcome: str = "not run"
    duration_s: float = 0.0
    headline: str = ""
    """A name for this test's own row in the figures table (the soak), or empty."""

    def fault(self, name: str) -> None:
        """A fault this test injected (that it knows was served: prefer ``faults_served``)."""
        self.faults.append(name)

    def faults_served(self, name: str, planned: Iterable[str], served: Iterable[str]) -> None:
        """Count, as ``name``, each fault a server says it served; fail if a planned one never was.

        Args:
            name: What the report calls this fault ("429 with Retry-After, once").
            planned: The fault actions the test planned (its fault server's plan, benign ones left
                out).
            served: The fault actions that server reports it served, one per request.

        Raises:
            AssertionError: A planned fault was never served (the test tested nothing).
        """
        served = list(served)
        for _ in served:
            self.fault(name)
        never = sorted(set(planned) - set(served))
        if never:
            raise AssertionError(f"{name}: planned fault(s) never served: {never}")

    def headline_row(self, name: str) -> None:
        """Give this test rows of its own in the figures table (articles, faults, wall time)."""
        self.headline = name

    def bad_input(self, name: str) -> None:
        """A bad input this test fed in."""
        self.bad_inputs.append(name)

    def injection(self, name: str) -> None:
        """An article with planted instructions this test sent through the pipeline."""
        self.injections.append(name)

    def records(self, expected: Iterable[str], written: Sequence[str]) -> None:
        """Compare the ids a run had to produce with the ids found in its output."""
        want = set(expected)
        self.articles += len(want)
        self.lost += len(want - set(written))
        self.duplicated += len(written) - len(set(written))


def _start(item: pytest.Item) -> Tally:
    tally = Tally(test=item.nodeid)
    item.stash[_NODE] = tally
    item.config.stash.setdefault(_TALLIES, []).append(tally)
    return tally


@pytest.fixture()
def reliability(request: pytest.FixtureRequest) -> Tally:
    """The tally of the current test (counted in the reliability report)."""
    node = request.node
    tally = node.stash.get(_NODE, None) if isinstance(node, pytest.Item) else None
    if tally is None:  # asked for with request.getfixturevalue: not seen before setup
        assert isinstance(node, pytest.Item), "the reliability tally is a per-test fixture"
        tally = _start(node)
    return tally


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--reliability-report",
        metavar="DIR",
        default=None,
        help="write reliability.json and reliability.md (figures counted by the tests) to DIR",
    )
    parser.addoption(
        "--reliability-readme",
        metavar="FILE",
        default=None,
        help="with --reliability-report, also rewrite FILE's reliability figures block",
    )


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item: pytest.Item) -> None:
    # Before any fixture runs: a fixture that fails ahead of `reliability` still leaves a tally.
    if "reliability" in getattr(item, "fixturenames", ()):
        _start(item)


def _outcome(before: str, report: pytest.TestReport) -> str:
    """A test's outcome once ``report`` (of one phase) is in."""
    if report.when == "call":
        return report.outcome
    if report.failed:  # a fixture raised in setup or teardown
        return before if before == "failed" else "error"
    if report.skipped and report.when == "setup":
        return "skipped"
    return before


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Iterator[None] | pytest.TestReport:
    report: pytest.TestReport = yield
    tally = item.stash.get(_NODE, None)
    if tally is not None:
        tally.outcome = _outcome(tally.outcome, report)
        if report.when == "call" or report.failed:
            tally.duration_s += report.duration
    return report


def totals(tallies: Sequence[Tally]) -> dict[str, int]:
    """The figures the README quotes."""
    return {
        "tests": len(tallies),
        "passed": sum(t.outcome == "passed" for t in tallies),
        # an error in a fixture is a failure of the test, not a test less
        "failed": sum(t.outcome in ("failed", "error") for t in tallies),
        "faults_injected": sum(len(t.faults) for t in tallies),
        "fault_kinds": len({f for t in tallies for f in t.faults}),
        "bad_inputs_tried": sum(len(t.bad_inputs) for t in tallies),
        "injection_attempts": sum(len(t.injections) for t in tallies),
        "articles_checked": sum(t.articles for t in tallies),
        "records_lost": sum(t.lost for t in tallies),
        "records_duplicated": sum(t.duplicated for t in tallies),
    }


def _counted(names: Iterable[str]) -> str:
    seen: dict[str, int] = {}
    for n in names:
        seen[n] = seen.get(n, 0) + 1
    return "; ".join(f"{n} (x{k})" if k > 1 else n for n, k in sorted(seen.items())) or "none"


def figures_table(figures: dict[str, int], tallies: Sequence[Tally]) -> list[str]:
    """The figures table (markdown lines): totals, then one row per headline test."""
    lines = [
        "| figure | value |",
        "|---|---:|",
        f"| reliability tests (passed / failed) | {figures['tests']} "
        f"({figures['passed']} / {figures['failed']}) |",
        f"| faults injected ({figures['fault_kinds']} kinds) | {figures['faults_injected']} |",
        f"| bad inputs tried | {figures['bad_inputs_tried']} |",
        f"| prompt-injection attempts | {figures['injection_attempts']} |",
        f"| articles checked for loss and duplication | {figures['articles_checked']} |",
        f"| records lost | {figures['records_lost']} |",
        f"| records duplicated | {figures['records_duplicated']} |",
    ]
    for t in sorted((t for t in tallies if t.headline), key=lambda t: t.headline):
        lines.append(
            f"| {t.headline} ({t.outcome}): articles / lost / duplicated / wall s | "
            f"{t.articles} / {t.lost} / {t.duplicated} / {t.duration_s:.0f} |"
        )
        lines.append(f"| {t.headline}: faults served | {_counted(t.faults)} |")
    return lines


README_BEGIN = "<!-- reliability:begin -->"
README_END = "<!-- reliability:end -->"


def rewrite_readme(path: Path, table: Sequence[str]) -> None:
    """Replace the lines between the README's markers with ``table``.

    Raises:
        pytest.UsageError: The file lacks the markers (nothing is written).
    """
    text = path.read_text(encoding="utf-8")
    head, begin, rest = text.partition(README_BEGIN + "\n")
    _, end, tail = rest.partition(README_END)
    if not begin or not end:
        raise pytest.UsageError(f"{path}: no {README_BEGIN} ... {README_END} block to rewrite")
    path.write_text(head + begin + "\n".join(table) + "\n" + end + tail, encoding="utf-8")


def _markdown(figures: dict[str, int], tallies: Sequence[Tally], when: str) -> str:
    def names(kind: str) -> str:
        return _counted(n for t in tallies for n in getattr(t, kind))

    lines = [
        "# Reliability",
        "",
        f"Counted by the reliability tests themselves ({when}, "
        f"Python {platform.python_version()}).",
        "",
        *figures_table(figures, tallies),
        "",
        f"**Faults:** {names('faults')}.",
        "",
        f"**Bad inputs:** {names('bad_inputs')}.",
        "",
        f"**Injections:** {names('injections')}.",
        "",
        "| test | outcome | faults | bad inputs | injections | articles | lost | dup | s |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    lines += [
        f"| `{t.test}` | {t.outcome} | {len(t.faults)} | {len(t.bad_inputs)} | "
        f"{len(t.injections)} | {t.articles} | {t.lost} | {t.duplicated} | {t.duration_s:.1f} |"
        for t in sorted(tallies, key=lambda t: t.test)
    ]
    return "\n".join(lines) + "\n"


def pytest_sessionfinish(session: pytest.Session) -> None:
    target = session.config.getoption("--reliability-report")
    tallies = session.config.stash.get(_TALLIES, [])
    if not target or not tallies:
        return
    out = Path(target)
    out.mkdir(parents=True, exist_ok=True)
    when = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    figures = totals(tallies)
    payload = {"generated": when, "totals": figures, "tests": [asdict(t) for t in tallies]}
    (out / "reliability.json").write_text(json.dumps(payload, indent=1), encoding="utf-8")
    (out / "reliability.md").write_text(_markdown(figures, tallies, when), encoding="utf-8")
    readme = session.config.getoption("--reliability-readme")
    if readme:
        rewrite_readme(Path(readme), figures_table(figures, tallies))

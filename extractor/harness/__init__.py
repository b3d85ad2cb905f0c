"""The evaluation harness: suites, recorded runs (typed ``run.json``), staleness and comparisons.

``suite.py`` reads ``eval/suites/*.toml``; ``run.py`` records a system's run and reads runs back;
``check.py`` re-scores recorded runs (CI), compares them and evaluates whole suites.
"""

from extractor.harness.check import (
    RunComparison,
    SuiteResult,
    check_suite,
    common_articles,
    compare_runs,
    evaluate_suite,
    staleness,
)
from extractor.harness.run import (
    LoadedRun,
    RunSetup,
    git_commit,
    load_run,
    run_entry,
    score_records,
    summarise_run,
    write_run_info,
)
from extractor.harness.suite import Suite, SuiteEntry, load_suite

__all__ = [
    "LoadedRun",
    "RunComparison",
    "RunSetup",
    "Suite",
    "SuiteEntry",
    "SuiteResult",
    "check_suite",
    "common_articles",
    "compare_runs",
    "evaluate_suite",
    "git_commit",
    "load_run",
    "load_suite",
    "run_entry",
    "score_records",
    "staleness",
    "summarise_run",
    "write_run_info",
]

"""Recorded runs checked and compared: staleness, thresholds, paired comparisons, suite evaluation.

Everything here reads recorded runs and scores them against today's gold, with no model call
except in :func:`evaluate_suite`, which first runs (or resumes) every system of a suite.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from extractor.backends.models import get_model
from extractor.gold import GoldSet, load_gold
from extractor.harness.run import LoadedRun, load_run, run_entry, score_records
from extractor.harness.suite import Suite, SuiteEntry, load_suite
from extractor.pipeline import load_prompt, schema_sha256
from extractor.records import RunInfo, RunSummary
from extractor.scoring import Comparison, CorpusScore, ScoreKey, compare_all
from extractor.text import sha256

__all__ = [
    "RunComparison",
    "SuiteResult",
    "check_suite",
    "common_articles",
    "compare_runs",
    "evaluate_suite",
    "staleness",
]


def staleness(info: RunInfo, gold: GoldSet) -> list[str]:
    """Why a recorded run's predictions no longer answer today's task (empty if fresh).

    Predictions depend on the prompt, the schema, the model and the article texts, so a change to
    any of them makes the run stale. A correction of the gold *labels* does not: the predictions
    are simply re-scored against the new labels (``gold_sha256`` records which labels a stored
    report used).
    """
    reasons: list[str] = []
    prompt = load_prompt(info.prompt_id)
    if info.prompt_sha256 != prompt.sha256:
        reasons.append(f"prompt {prompt.id} changed since the run")
    if info.schema_sha256 != schema_sha256():
        reasons.append("schema changed since the run")
    if info.backend.get("backend", "").startswith("local/"):
        name = info.backend.get("model", "")
        if info.backend.get("model_sha256") != get_model(name).sha256:
            reasons.append(f"model {name} changed since the run")
    texts = {ga.article.id: sha256(ga.article.text) for ga in gold.articles}
    changed = [k for k, v in info.article_sha256.items() if texts.get(k) != v]
    if changed:
        reasons.append(f"{len(changed)} article text(s) changed or left the gold set")
    return reasons


@dataclass(frozen=True)
class SuiteResult:
    """The runs of a suite scored against its gold, and what fails the suite's checks."""

    suite: Suite
    gold: GoldSet
    runs: dict[str, LoadedRun]
    """By system name, in suite order."""
    scores: dict[str, CorpusScore]
    """By system name, each on the articles its run covers."""
    problems: list[str] = field(default_factory=list[str])
    """Stale runs and missed thresholds (``check_suite``), one line each."""

    @property
    def summaries(self) -> dict[str, RunSummary]:
        """Cost and failures per run, by system name."""
        return {name: run.info.summary for name, run in self.runs.items()}


def _score_runs(suite: Suite, gold: GoldSet, runs: dict[str, LoadedRun]) -> SuiteResult:
    scores = {
        name: score_records(run.records, gold, only=run.info.articles) for name, run in runs.items()
    }
    return SuiteResult(suite, gold, runs, scores)


def evaluate_suite(
    path: Path,
    runs_dir: Path,
    *,
    limit: int | None = None,
    on_entry: Callable[[SuiteEntry, Suite], None] | None = None,
) -> SuiteResult:
    """Run every system of a suite over its gold set (cached, resumable), then score the runs.

    Args:
        path: the suite file.
        runs_dir: where the runs are recorded.
        limit: only the first N gold articles.
        on_entry: called before each system runs (a progress line).
    """
    suite = load_suite(path)
    gold = load_gold(suite.gold)
    runs: dict[str, LoadedRun] = {}
    for entry in suite.entries:
        if on_entry:
            on_entry(entry, suite)
        runs[entry.name] = load_run(run_entry(entry, suite, runs_dir, limit=limit))
    return _score_runs(suite, gold, runs)


def check_suite(path: Path, runs_dir: Path) -> SuiteResult:
    """CI: re-score the recorded runs of a suite (no model calls) and list what fails.

    A run fails when it is stale (:func:`staleness`) or a score is below the suite's threshold.

    Raises:
        InputError: a run is missing or unreadable.
        ConfigError: the suite is invalid.
    """
    suite = load_suite(path)
    gold = load_gold(suite.gold)
    paths = {entry.name: runs_dir / suite.run_name(entry) for entry in suite.entries}
    result = _score_runs(suite, gold, {name: load_run(p) for name, p in paths.items()})
    for name, run in result.runs.items():
        where = paths[name]
        result.problems.extend(f"{where}: stale: {why}" for why in staleness(run.info, gold))
        for key, minimum in suite.thresholds.items():
            got = result.scores[name].results[key].f1
            if got < minimum:
                result.problems.append(
                    f"{where}: {key} F1 {got:.3f} is below the threshold {minimum}"
                )
    return result


def common_articles(gold: GoldSet, runs: Sequence[LoadedRun]) -> list[str]:
    """The gold articles every run covers, in gold order (a paired test needs the same ones)."""
    common = [ga.article.id for ga in gold.articles]
    for run in runs:
        covered = set(run.info.articles or common)
        common = [i for i in common if i in covered]
    return common


@dataclass(frozen=True)
class RunComparison:
    """Runs scored on the articles they all cover, with their paired comparisons."""

    runs: list[LoadedRun]
    articles: list[str]
    """The common articles."""
    scores: dict[str, CorpusScore]
    """By run folder name."""
    comparisons: tuple[Comparison, ...]

    @property
    def summaries(self) -> dict[str, RunSummary]:
        """Cost and failures per run, by run folder name."""
        return {run.name: run.info.summary for run in self.runs}


def compare_runs(
    paths: Sequence[Path], gold: GoldSet, *, key: ScoreKey, rounds: int = 10_000
) -> RunComparison:
    """Compare recorded runs on one score, paired on their common articles (AR, bootstrap, Holm).

    Raises:
        InputError: a run is missing or unreadable.
    """
    runs = [load_run(p) for p in paths]
    common = common_articles(gold, runs)
    scores = {r.name: score_records(r.records, gold, only=common) for r in runs}
    comparisons = compare_all(
        scores, level=key.level, field=key.field, tier=key.tier, rounds=rounds, resamples=rounds
    )
    return RunComparison(runs, common, scores, comparisons)

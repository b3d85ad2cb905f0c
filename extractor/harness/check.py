"""Recorded runs checked and compared: staleness, thresholds, paired comparisons, suite evaluation.

Everything here reads recorded runs and scores them against today's gold, with no model call
except in :func:`evaluate_suite`, which first runs (or resumes) every system of a suite.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from extractor.backends.models import get_model
from extractor.gold import GoldSet, load_gold
from extractor.harness.run import LoadedRun, load_run, run_entry, score_records
from extractor.harness.suite import Suite, SuiteEntry, load_suite
from extractor.pipeline import PIPELINE_VERSION, PipelineSettings, load_prompt, schema_sha256
from extractor.records import ExtractionRecord, RunInfo, RunSummary
from extractor.redact import redact_url
from extractor.run import RunPolicy, Work
from extractor.scoring import Comparison, CorpusScore, ScoreKey, compare_all
from extractor.text import sha256

__all__ = [
    "RunComparison",
    "SuiteResult",
    "check_suite",
    "common_articles",
    "compare_runs",
    "evaluate_suite",
    "mismatches",
    "record_staleness",
    "staleness",
    "unversioned",
    "unversioned_staleness",
]


def staleness(info: RunInfo, gold: GoldSet) -> list[str]:
    """Why a recorded run's predictions no longer answer today's task (empty if fresh).

    Predictions depend on the pipeline's code, the prompt, the schema, the model and the article
    texts, so a change to any of them makes the run stale. A correction of the gold *labels* does
    not: the predictions are simply re-scored against the new labels (``gold_sha256`` records
    which labels a stored report used).
    """
    reasons: list[str] = []
    if info.pipeline_version is not None and info.pipeline_version != PIPELINE_VERSION:
        reasons.append(
            f"made by pipeline version {info.pipeline_version}; the code is at {PIPELINE_VERSION}"
        )
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


def record_staleness(records: Sequence[ExtractionRecord]) -> list[str]:
    """Records made by another pipeline version than today's.

    Records without a version predate declared versions; :func:`unversioned` counts them.
    """
    other = Counter(
        r.meta.pipeline_version
        for r in records
        if r.meta.pipeline_version is not None and r.meta.pipeline_version != PIPELINE_VERSION
    )
    return [
        f"{n} record(s) made by pipeline version {v}; the code is at {PIPELINE_VERSION}"
        for v, n in sorted(other.items())
    ]


def unversioned(records: Sequence[ExtractionRecord]) -> int:
    """Records made before pipeline versions were declared (2026-12-02)."""
    return sum(r.meta.pipeline_version is None for r in records)


def unversioned_staleness(n: int, suite: Suite) -> tuple[list[str], list[str]]:
    """Problems and notes for ``n`` records made before pipeline versions were declared.

    They are stale unless the suite says which version they are, and why
    (``[records_before_versions]``).
    """
    if not n:
        return [], []
    if suite.unversioned_as is None:
        return [
            f"{n} record(s) made before pipeline versions were declared (a suite may say which "
            "version they are in [records_before_versions], with the reason)"
        ], []
    version, because = suite.unversioned_as
    note = f"{n} record(s) made before pipeline versions are taken as version {version}: {because}"
    if version != PIPELINE_VERSION:
        return [f"{note}; the code is at {PIPELINE_VERSION}"], []
    return [], [note]


def mismatches(info: RunInfo, entry: SuiteEntry, suite: Suite) -> list[str]:
    """Where a run differs from the suite entry it is recorded for (backend, strategy, settings).

    A suite names its system; a run made by other settings, or resumed under other ones, does
    not answer for it.
    """
    wanted = Work(
        prompt=load_prompt(suite.prompt),
        strategy=entry.strategy,
        pipeline=PipelineSettings(constrain=entry.constrain),
    )
    expected: dict[str, object] = {
        "backend": redact_url(entry.backend),  # as the backend shows its id
        "strategy": entry.strategy.value,
        "constrain": entry.constrain.value,
        "prompt": suite.prompt,
    }
    got: dict[str, object] = {
        "backend": info.backend.get("backend", ""),
        "strategy": info.strategy,
        "constrain": info.constrain,
        "prompt": info.prompt_id,
    }
    out = [f"{k} is {got[k]!r}, the suite says {v!r}" for k, v in expected.items() if got[k] != v]
    settings = wanted.flat_settings()
    for k in sorted(set(settings) | set(info.settings)):
        if k == "article_token_budget":  # a budget the run never reached changes nothing
            continue
        if info.settings.get(k) != settings.get(k):
            out.append(
                f"setting {k} is {info.settings.get(k)!r}, the default is {settings.get(k)!r}"
            )
    return out


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
    """Stale, incomplete or mismatched runs, missed thresholds (``check_suite``): one line each."""
    notes: list[str] = field(default_factory=list[str])
    """What the check saw but does not fail on (records older than declared pipeline versions)."""

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
    policy: RunPolicy | None = None,
) -> SuiteResult:
    """Run every system of a suite over its gold set (cached, resumable), then score the runs.

    Args:
        path: the suite file.
        runs_dir: where the runs are recorded.
        limit: only the first N gold articles.
        on_entry: called before each system runs (a progress line).
        policy: retry failures, allow a mixed log (``run.RunPolicy``).
    """
    suite = load_suite(path)
    gold = load_gold(suite.gold)
    runs: dict[str, LoadedRun] = {}
    for entry in suite.entries:
        if on_entry:
            on_entry(entry, suite)
        run_dir = run_entry(entry, suite, runs_dir, limit=limit, policy=policy)
        runs[entry.name] = load_run(run_dir)
    return _score_runs(suite, gold, runs)


def check_suite(path: Path, runs_dir: Path) -> SuiteResult:
    """CI: re-score the recorded runs of a suite (no model calls) and list what fails.

    A run fails when it is incomplete, stale (:func:`staleness`, :func:`record_staleness`), made
    otherwise than its suite entry says (:func:`mismatches`), or a score is below the suite's
    threshold.

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
        entry = next(e for e in suite.entries if e.name == name)
        if not run.info.complete:
            result.problems.append(f"{where}: incomplete: resume it with `extractor eval {path}`")
        stale, notes = unversioned_staleness(unversioned(run.records), suite)
        stale += staleness(run.info, gold) + record_staleness(run.records)
        result.notes.extend(f"{where}: {why}" for why in notes)
        if suite.historical:  # kept for the record: what makes it stale is said, not failed
            result.notes.append(f"{where}: historical: {suite.historical}")
            result.notes.extend(f"{where}: stale (historical run): {why}" for why in stale)
        else:
            result.problems.extend(f"{where}: stale: {why}" for why in stale)
        result.problems.extend(f"{where}: {why}" for why in mismatches(run.info, entry, suite))
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

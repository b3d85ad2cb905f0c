"""Recorded runs: one system of a suite over its gold set, into ``eval/runs/RUN_ID/``.

A run folder holds ``predictions.jsonl`` (the record log, appended as each article finishes, so an
interrupted eval resumes) and ``run.json`` (``records.RunInfo``: backend, model sha256, prompt and
schema sha256, gold sha256, git commit, settings, tokens, timings, errors). Scoring a run needs no
model: ``load_run`` reads the files back, and CI does exactly that.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import logging
import os
import statistics
import subprocess
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from pydantic import ValidationError

from extractor.backends import GenerateSettings, get_backend
from extractor.errors import InputError
from extractor.gold import GoldSet, load_gold
from extractor.harness.suite import Suite, SuiteEntry
from extractor.pipeline import PIPELINE_VERSION, PipelineSettings, load_prompt, schema_sha256
from extractor.records import (
    ExtractionRecord,
    RunError,
    RunInfo,
    RunSummary,
    atomic_write,
    read_records,
)
from extractor.run import ResponseCache, RunPolicy, Work, default_concurrency, run_batch
from extractor.schema import Article, ArticleExtraction, GoldDocument
from extractor.scoring import CorpusScore, score_documents
from extractor.text import sha256

logger = logging.getLogger(__name__)

__all__ = [
    "LoadedRun",
    "RunSetup",
    "git_commit",
    "load_run",
    "run_entry",
    "score_records",
    "summarise_run",
    "write_run_info",
]


@dataclass(frozen=True)
class LoadedRun:
    """A recorded run read back from disk."""

    path: Path
    info: RunInfo
    records: list[ExtractionRecord]

    @property
    def name(self) -> str:
        """The run folder's name (``<suite>__<system>``)."""
        return self.path.name


def load_run(path: Path) -> LoadedRun:
    """Read ``run.json`` and ``predictions.jsonl`` of a run folder.

    Raises:
        InputError: missing or invalid files.
    """
    info_path = path / "run.json"
    try:
        info = RunInfo.model_validate_json(info_path.read_bytes())
    except (OSError, ValidationError) as exc:
        raise InputError(f"{info_path}: {exc}") from exc
    return LoadedRun(path, info, read_records(path / "predictions.jsonl"))


def git_commit() -> str | None:
    """The current commit, if we are in a git checkout."""
    try:
        done = subprocess.run(
            ["git", "rev-parse", "HEAD"],
            capture_output=True,
            text=True,
            check=False,
            cwd=Path(__file__).parent,
        )
    except OSError:
        return None
    return done.stdout.strip() or None


def score_records(
    records: Sequence[ExtractionRecord],
    gold: GoldSet,
    *,
    ci_resamples: int = 1000,
    only: Sequence[str] | None = None,
) -> CorpusScore:
    """Score records against a gold set; a missing or failed article counts as empty.

    Args:
        records: the predictions.
        gold: the gold set.
        ci_resamples: bootstrap resamples for the 95% intervals.
        only: score these article ids (a run's own list, e.g. with ``--limit``); default all.
    """
    by_id = {r.id: r for r in records}
    keep = set(only) if only is not None else None
    preds: list[ArticleExtraction | None] = []
    golds: list[GoldDocument] = []
    for ga, doc in gold.pairs():
        if keep is not None and ga.article.id not in keep:
            continue
        rec = by_id.get(ga.article.id)
        preds.append(rec.extraction if rec is not None else None)
        golds.append(doc)
    return score_documents(preds, golds, gold.aliases, ci_resamples=ci_resamples)


def summarise_run(records: Sequence[ExtractionRecord]) -> RunSummary:
    """Medians and totals of cost and time per article."""
    latencies = [r.meta.latency_s for r in records if not r.meta.cached]
    tokens = [r.meta.usage.prompt_tokens + r.meta.usage.completion_tokens for r in records]
    completion = [r.meta.usage.completion_tokens for r in records]
    return RunSummary(
        articles=len(records),
        failed=sum(r.error is not None for r in records),
        median_latency_s=round(statistics.median(latencies), 2) if latencies else None,
        median_tokens=statistics.median(tokens) if tokens else None,
        median_completion_tokens=statistics.median(completion) if completion else None,
        prompt_tokens=sum(r.meta.usage.prompt_tokens for r in records),
        completion_tokens=sum(r.meta.usage.completion_tokens for r in records),
        requests=sum(r.meta.requests for r in records),
        dropped_items=sum(len(r.extraction.diagnostics) for r in records if r.extraction),
    )


def _read_info(path: Path) -> RunInfo | None:
    try:
        return RunInfo.model_validate_json(path.read_bytes())
    except (OSError, ValidationError):
        return None


def _set_aside_if_stale(run_dir: Path, gold: GoldSet) -> None:
    """Never mix predictions of two prompts or models in one run: a stale run is moved aside."""
    from extractor.harness.check import staleness

    info_path = run_dir / "run.json"
    if not info_path.exists():
        return
    info = _read_info(info_path)
    why = ["run.json is unreadable"] if info is None else staleness(info, gold)
    if why:
        stamp = int(dt.datetime.now(dt.UTC).timestamp())
        aside = run_dir.with_name(f"{run_dir.name}.stale-{stamp}")
        run_dir.rename(aside)
        logger.warning("%s is stale (%s); moved to %s", run_dir, "; ".join(why), aside)


@dataclass(frozen=True)
class RunSetup:
    """What a run is started with, recorded in its ``run.json``."""

    suite: Suite
    entry: SuiteEntry
    backend: dict[str, str]
    """The backend's ``describe()``."""
    work: Work
    gold: GoldSet
    articles: list[Article]
    """The articles asked for."""
    started: dt.datetime


def write_run_info(run_dir: Path, setup: RunSetup, *, complete: bool) -> RunInfo:
    """Write ``run.json`` atomically: what ran, on what, and a summary of what came out."""
    records = read_records(run_dir / "predictions.jsonl")
    done = {r.id for r in records}
    started = setup.started.isoformat(timespec="seconds")
    previous = _read_info(run_dir / "run.json")
    if previous is not None and previous.started < started:
        started = previous.started  # a resumed run started when its first part did
    summary = summarise_run(records)
    if previous is not None and previous.complete == complete and previous.summary == summary:
        # nothing was made this time (a re-score): the run finished when, and on what, it did
        finished, commit = previous.finished, previous.git_commit
    else:
        finished, commit = dt.datetime.now(dt.UTC).isoformat(timespec="seconds"), git_commit()
    gold_path = setup.suite.gold
    cwd = Path.cwd()
    info = RunInfo(
        suite=setup.suite.name,
        name=setup.entry.name,
        complete=complete,
        backend=setup.backend,
        strategy=setup.entry.strategy.value,
        constrain=setup.entry.constrain.value,
        prompt_id=setup.work.prompt.id,
        pipeline_version=PIPELINE_VERSION,
        prompt_sha256=setup.work.prompt.sha256,
        schema_sha256=schema_sha256(),
        gold=str(gold_path.relative_to(cwd) if gold_path.is_relative_to(cwd) else gold_path),
        gold_sha256=setup.gold.sha256,
        articles=[a.id for a in setup.articles if complete or a.id in done],
        article_sha256={a.id: sha256(a.text) for a in setup.articles},
        git_commit=commit,
        settings=setup.work.flat_settings(),
        started=started,
        finished=finished,
        summary=summary,
        errors=[RunError(id=r.id, error=r.error) for r in records if r.error],
    )
    atomic_write(run_dir / "run.json", json.dumps(info.model_dump(mode="json"), indent=1))
    return info


def run_entry(
    entry: SuiteEntry,
    suite: Suite,
    runs_dir: Path,
    *,
    limit: int | None = None,
    settings: GenerateSettings | None = None,
    policy: RunPolicy | None = None,
) -> Path:
    """Run one system over the gold set into ``runs_dir/<suite>__<name>/`` (resumable).

    Args:
        entry: the system.
        suite: the suite it belongs to.
        runs_dir: where runs are recorded.
        limit: only the first N gold articles.
        settings: what each request is sent with (default ``GenerateSettings()``).
        policy: retry failures, allow a mixed log (``run.RunPolicy``).

    Returns:
        The run folder.

    Raises:
        OutputError: another run holds the predictions or the cache.
        ConfigError: the predictions hold records made otherwise (unless ``policy.force_mix``).
    """
    gold = load_gold(suite.gold)
    run_dir = runs_dir / suite.run_name(entry)
    _set_aside_if_stale(run_dir, gold)
    run_dir.mkdir(parents=True, exist_ok=True)
    backend = get_backend(entry.backend)
    setup = RunSetup(
        suite=suite,
        entry=entry,
        backend=backend.describe(),
        work=Work(
            prompt=load_prompt(suite.prompt),
            strategy=entry.strategy,
            settings=settings or GenerateSettings(),
            pipeline=PipelineSettings(constrain=entry.constrain),
        ),
        gold=gold,
        articles=[ga.article for ga in gold.articles][: limit or suite.limit or None],
        started=dt.datetime.now(dt.UTC),
    )
    cache = ResponseCache(Path(os.environ.get("EXTRACTOR_CACHE", runs_dir / "cache.sqlite")))

    async def go() -> None:
        try:
            await run_batch(
                setup.articles,
                backend,
                output=run_dir / "predictions.jsonl",
                work=setup.work,
                concurrency=default_concurrency(entry.backend),
                cache=cache,
                policy=policy,
            )
        finally:
            await backend.aclose()

    complete = False
    try:
        asyncio.run(go())
        complete = True
    finally:
        # Written also when interrupted (Ctrl-C, a dead server): a partial run is scored on the
        # articles it finished, says it is incomplete, and the next `eval` resumes it.
        cache.close()
        write_run_info(run_dir, setup, complete=complete)
    return run_dir

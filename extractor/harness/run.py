"""Run an evaluation suite: backends x strategies over a gold set -> recorded runs -> scores.

A run lives in ``eval/runs/RUN_ID/``: ``predictions.jsonl`` (one record per article, appended as
each finishes, so an interrupted eval resumes) and ``run.json`` (what ran: backend, model sha256,
prompt and schema sha256, gold sha256, git commit, settings, tokens, timings, errors). Scoring a run
needs no model: ``rescore`` reads the files back, and CI does exactly that.
"""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt
import hashlib
import json
import logging
import os
import statistics
import subprocess
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal, cast

from extractor.backends import GenerateSettings, get_backend
from extractor.errors import ConfigError, InputError
from extractor.gold import GoldSet, load_gold
from extractor.pipeline.extract import ExtractionRecord, schema_sha256
from extractor.pipeline.prompts import DEFAULT_PROMPT, Prompt, load_prompt
from extractor.pipeline.strategies import STRATEGIES, StrategyName
from extractor.run.runner import ResponseCache, run_batch
from extractor.schema import Article, ArticleExtraction, GoldDocument
from extractor.scoring import CorpusScore, score_documents

logger = logging.getLogger(__name__)

RUN_FORMAT_VERSION = 1


@dataclass(frozen=True)
class SuiteEntry:
    """One system of a suite: a backend with a strategy (and, optionally, constrained decoding)."""

    backend: str
    strategy: StrategyName
    name: str
    constrain: Literal["none", "article"] = "none"


@dataclass(frozen=True)
class Suite:
    """What to evaluate, on which gold, and the thresholds CI holds the canonical runs to."""

    name: str
    gold: Path
    entries: list[SuiteEntry]
    prompt: str = DEFAULT_PROMPT
    thresholds: dict[str, float] = field(default_factory=dict[str, float])
    """Minimum micro F1 per score key (e.g. ``"L1/counts/value" = 0.3``)."""
    limit: int | None = None


def load_suite(path: Path) -> Suite:
    """Read ``eval/suites/NAME.toml``.

    Raises:
        ConfigError: missing keys or unknown strategy; the message names the file.
    """
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"{path}: {exc}") from exc
    entries: list[SuiteEntry] = []
    for i, sys_ in enumerate(data.get("systems", [])):
        strategy = sys_.get("strategy", "sentence")
        if strategy not in STRATEGIES or "backend" not in sys_:
            raise ConfigError(f"{path}: systems[{i}]: needs backend and a strategy in {STRATEGIES}")
        constrain = sys_.get("constrain", "none")
        if constrain not in ("none", "article"):
            raise ConfigError(f"{path}: systems[{i}]: constrain must be none or article")
        name = sys_.get("name") or f"{sys_['backend'].replace('/', '_')}__{strategy}"
        entries.append(SuiteEntry(sys_["backend"], strategy, name, constrain))
    if not entries:
        raise ConfigError(f"{path}: no [[systems]]")
    gold = (path.parent / data.get("gold", "../../gold/v1")).resolve()
    return Suite(
        name=path.stem,
        gold=gold,
        entries=entries,
        prompt=data.get("prompt", DEFAULT_PROMPT),
        thresholds={str(k): float(v) for k, v in data.get("thresholds", {}).items()},
        limit=data.get("limit"),
    )


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


def read_predictions(path: Path) -> list[ExtractionRecord]:
    """Read a predictions file; a bad line is an error naming the file and line.

    Raises:
        InputError: unreadable file or invalid record.
    """
    records: list[ExtractionRecord] = []
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        raise InputError(f"{path}: {exc}") from exc
    for n, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            records.append(ExtractionRecord.model_validate_json(line))
        except ValueError as exc:
            first = str(exc).splitlines()[:3]
            raise InputError(f"{path}:{n}: invalid record: {' '.join(first)}") from exc
    return records


def score_records(
    records: list[ExtractionRecord],
    gold: GoldSet,
    *,
    ci_resamples: int = 1000,
    only: list[str] | None = None,
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


def summarise_run(records: list[ExtractionRecord]) -> dict[str, object]:
    """Medians and totals of cost and time per article."""
    latencies = [r.meta.latency_s for r in records if not r.meta.cached]
    tokens = [r.meta.usage.prompt_tokens + r.meta.usage.completion_tokens for r in records]
    return {
        "articles": len(records),
        "failed": sum(r.error is not None for r in records),
        "median_latency_s": round(statistics.median(latencies), 2) if latencies else None,
        "median_tokens": statistics.median(tokens) if tokens else None,
        "median_completion_tokens": statistics.median(
            [r.meta.usage.completion_tokens for r in records]
        )
        if records
        else None,
        "prompt_tokens": sum(r.meta.usage.prompt_tokens for r in records),
        "completion_tokens": sum(r.meta.usage.completion_tokens for r in records),
        "requests": sum(r.meta.requests for r in records),
        "dropped_items": sum(len(r.extraction.diagnostics) for r in records if r.extraction),
    }


def run_entry(
    entry: SuiteEntry,
    suite: Suite,
    runs_dir: Path,
    *,
    limit: int | None = None,
    settings: GenerateSettings | None = None,
) -> Path:
    """Run one system over the gold set into ``runs_dir/<suite>__<name>/`` (resumable).

    Returns:
        The run folder.
    """
    gold = load_gold(suite.gold)
    prompt = load_prompt(suite.prompt)
    settings = dataclasses.replace(settings or GenerateSettings(), constrain=entry.constrain)
    run_dir = runs_dir / f"{suite.name}__{entry.name}"
    old_info = run_dir / "run.json"
    if old_info.exists():
        why = staleness(json.loads(old_info.read_text(encoding="utf-8")), gold)
        if why:  # never mix predictions of two prompts/models in one run: start afresh
            aside = run_dir.with_name(
                f"{run_dir.name}.stale-{int(dt.datetime.now(dt.UTC).timestamp())}"
            )
            run_dir.rename(aside)
            logger.warning("%s is stale (%s); moved to %s", run_dir, "; ".join(why), aside)
    run_dir.mkdir(parents=True, exist_ok=True)
    articles = [ga.article for ga in gold.articles][: limit or suite.limit or None]
    backend = get_backend(entry.backend)
    cache = ResponseCache(Path(os.environ.get("EXTRACTOR_CACHE", runs_dir / "cache.sqlite")))
    started = dt.datetime.now(dt.UTC)

    async def go() -> None:
        try:
            await run_batch(
                articles,
                backend,
                output=run_dir / "predictions.jsonl",
                prompt=prompt,
                strategy=entry.strategy,
                settings=settings,
                concurrency=1 if entry.backend.startswith("local/") else 8,
                cache=cache,
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
        write_run_info(
            run_dir,
            suite,
            entry,
            backend.describe(),
            prompt,
            gold,
            articles,
            settings,
            started,
            complete=complete,
        )
    return run_dir


def write_run_info(
    run_dir: Path,
    suite: Suite,
    entry: SuiteEntry,
    backend: dict[str, str],
    prompt: Prompt,
    gold: GoldSet,
    articles: list[Article],
    settings: GenerateSettings,
    started: dt.datetime,
    *,
    complete: bool,
) -> None:
    """Write ``run.json`` atomically: what ran, on what, and a summary of what came out."""
    records = read_predictions(run_dir / "predictions.jsonl")
    done = {r.id for r in records}
    previous = run_dir / "run.json"
    if previous.exists():  # a resumed run started when its first part did
        first = json.loads(previous.read_text(encoding="utf-8")).get("started")
        if isinstance(first, str) and first < started.isoformat(timespec="seconds"):
            started = dt.datetime.fromisoformat(first)
    info = {
        "format_version": RUN_FORMAT_VERSION,
        "suite": suite.name,
        "name": entry.name,
        "complete": complete,
        "backend": backend,
        "strategy": entry.strategy,
        "constrain": entry.constrain,
        "prompt_id": prompt.id,
        "prompt_sha256": prompt.sha256,
        "schema_sha256": schema_sha256(),
        "gold": str(
            suite.gold.relative_to(Path.cwd())
            if suite.gold.is_relative_to(Path.cwd())
            else suite.gold
        ),
        "gold_sha256": gold.sha256,
        # the articles this run covers: all asked for when complete, else those finished
        "articles": [a.id for a in articles if complete or a.id in done],
        "article_sha256": {a.id: text_sha256(a.text) for a in articles},
        "git_commit": git_commit(),
        "settings": dataclasses.asdict(settings),
        "started": started.isoformat(timespec="seconds"),
        "finished": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "summary": summarise_run(records),
        "errors": [{"id": r.id, "error": r.error} for r in records if r.error],
    }
    tmp = run_dir / "run.json.tmp"
    tmp.write_text(json.dumps(info, indent=1), encoding="utf-8")
    tmp.replace(run_dir / "run.json")


@dataclass(frozen=True)
class LoadedRun:
    """A recorded run read back from disk."""

    path: Path
    info: dict[str, object]
    records: list[ExtractionRecord]


def run_articles(run: LoadedRun) -> list[str] | None:
    """The article ids a run was asked to cover (None for an old run without the list)."""
    ids = run.info.get("articles")
    return [str(i) for i in ids] if isinstance(ids, list) else None  # pyright: ignore[reportUnknownVariableType, reportUnknownArgumentType]


def load_run(path: Path) -> LoadedRun:
    """Read ``run.json`` and ``predictions.jsonl`` of a run folder.

    Raises:
        InputError: missing or invalid files.
    """
    try:
        info = json.loads((path / "run.json").read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise InputError(f"{path / 'run.json'}: {exc}") from exc
    return LoadedRun(path, info, read_predictions(path / "predictions.jsonl"))


def text_sha256(text: str) -> str:
    """sha256 of an article text."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def staleness(info: dict[str, object], gold: GoldSet) -> list[str]:
    """Why a recorded run's predictions no longer answer today's task (empty if fresh).

    Predictions depend on the prompt, the schema, the model and the article texts, so a change to
    any of them makes the run stale. A correction of the gold *labels* does not: the predictions
    are simply re-scored against the new labels (``gold_sha256`` records which labels a stored
    report used).
    """
    reasons: list[str] = []
    prompt = load_prompt(str(info.get("prompt_id", DEFAULT_PROMPT)))
    if info.get("prompt_sha256") != prompt.sha256:
        reasons.append(f"prompt {prompt.id} changed since the run")
    if info.get("schema_sha256") != schema_sha256():
        reasons.append("schema changed since the run")
    raw_backend = info.get("backend")
    backend = cast("dict[str, object]", raw_backend) if isinstance(raw_backend, dict) else {}
    if str(backend.get("backend", "")).startswith("local/"):
        from extractor.backends.models import get_model

        name = str(backend.get("model", ""))
        if backend.get("model_sha256") != get_model(name).sha256:
            reasons.append(f"model {name} changed since the run")
    texts = {ga.article.id: text_sha256(ga.article.text) for ga in gold.articles}
    recorded = info.get("article_sha256")
    if isinstance(recorded, dict):
        pairs = cast("dict[str, object]", recorded).items()
        changed = [k for k, v in pairs if texts.get(k) != v]
        if changed:
            reasons.append(f"{len(changed)} article text(s) changed or left the gold set")
    return reasons

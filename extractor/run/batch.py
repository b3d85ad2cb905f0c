"""OpenAI Batch API runs: prepare the requests offline, and collect the replies into a record log.

The flow is ``prepare`` -> ``submit`` -> ``status`` (until ``completed``) -> ``download`` the output
file -> ``collect`` (the middle three are ``backends.openai_batch``, the only network calls). Half
the price of live requests, at the cost of a 24-hour window and of no re-asks: a reply is validated
and grounded once, exactly as the live pipeline treats a reply whose retries ran out (unsupported
items are dropped into the diagnostics, not re-asked).

Only the ``whole`` strategy is batched: one request per article, the same messages and the same
schema as a live ``whole`` run, sent as an OpenAI structured-outputs schema (``strict_schema``).

``prepare`` writes a manifest next to the request file: prompt, schema, model, settings and the
sha256 of every article. ``collect`` refuses an output it cannot trust (an article edited since
``prepare``, another prompt or schema), because a record must say exactly what the model saw.
"""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt
import hashlib
import json
import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from extractor.backends import GenerateSettings
from extractor.backends.openai_batch import (
    BatchManifest,
    JSONObject,
    ManifestArticle,
    ManifestMismatchError,
    ReplayBackend,
    manifest_path,
    output_lines,
    read_manifest,
    reply_of,
    request_file,
    request_line,
    strict_schema,
)
from extractor.errors import InputError
from extractor.pipeline import (
    GroundedExtraction,
    Prompt,
    Strategy,
    extract_article,
    load_prompt,
    schema_sha256,
    whole_request,
)
from extractor.records import RecordLog, atomic_write, done_ids
from extractor.schema import Article
from extractor.text import sha256

logger = logging.getLogger(__name__)

__all__ = ["CollectStats", "collect", "prepare", "request_schema"]


def request_schema() -> JSONObject:
    """The strict schema of the ``whole`` strategy's reply (``GroundedExtraction``)."""
    return strict_schema(GroundedExtraction)


def _published(article: Article) -> str | None:
    return article.published.isoformat() if article.published else None


def prepare(
    articles: Iterable[Article],
    *,
    model: str,
    prompt: Prompt,
    out: Path,
    settings: GenerateSettings,
) -> Path:
    """Write the Batch API request file for the ``whole`` strategy, and its manifest next to it.

    Each line is ``{"custom_id": <article id>, "method": "POST", "url": "/v1/chat/completions",
    "body": ...}`` with the messages of a live ``whole`` request and the reply schema as a strict
    ``json_schema`` response format. ``settings`` give temperature, ``max_tokens`` and seed; there
    are no re-asks in a batch, so ``max_retries`` and ``token_budget`` do not apply. Both files are
    replaced atomically if they exist.

    Args:
        articles: the articles; their ids become the ``custom_id`` values.
        model: an OpenAI model name, e.g. ``gpt-4.1-mini``.
        prompt: the prompt, as for a live run.
        out: the request JSONL to write; the manifest goes to ``manifest_path(out)``.
        settings: sampling settings.

    Returns:
        ``out``.

    Raises:
        InputError: no articles, a duplicate id, or more than the Batch API takes in one file.
    """
    schema = request_schema()
    lines: list[str] = []
    seen: dict[str, ManifestArticle] = {}
    for article in articles:
        if article.id in seen:
            raise InputError(
                f"duplicate article id {article.id!r}: Batch API custom_id values must be unique"
            )
        seen[article.id] = ManifestArticle(
            sha256=sha256(article.text), published=_published(article)
        )
        # the model reads what the live pipeline shows it: planted instructions masked
        messages = whole_request(article, prompt)
        lines.append(
            request_line(
                article.id, model=model, messages=messages, schema=schema, settings=settings
            )
        )
    data = request_file(lines)
    atomic_write(out, data)
    manifest = BatchManifest(
        created=dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        backend=f"openai-batch/{model}",
        model=model,
        prompt_id=prompt.id,
        prompt_sha256=prompt.sha256,
        schema_sha256=schema_sha256(),
        request_schema_sha256=sha256(json.dumps(schema, sort_keys=True)),
        settings=dataclasses.asdict(settings),
        requests=out.name,
        requests_sha256=hashlib.sha256(data).hexdigest(),
        articles=seen,
    )
    # The manifest goes last and pins the request file's sha256: a crash between the two writes
    # leaves a stale manifest, which submit then refuses rather than sending unverifiable work.
    atomic_write(manifest_path(out), manifest.model_dump_json(indent=2) + "\n")
    logger.info("wrote %d batch requests to %s", len(lines), out)
    return out


@dataclass
class CollectStats:
    """What ``collect`` did."""

    lines: int = 0
    """Lines in the output file."""
    skipped: int = 0
    """Already in the record file (an earlier collect)."""
    written: int = 0
    failed: int = 0
    """Written records with an error (HTTP error, truncated or invalid reply...)."""
    dropped: int = 0
    """Items grounding dropped into the diagnostics, over the written records."""
    missing: int = 0
    """Articles of the manifest that still have no record (not in this output file)."""


def _check_article(cid: str, article: Article, expected: ManifestArticle, where: Path) -> None:
    """Refuse an article whose text or date is not what the batch was prepared from."""
    if sha256(article.text) != expected.sha256:
        raise ManifestMismatchError(
            f"article {cid!r} changed since prepare (its text no longer matches the sha256 "
            f"in {where}): collect with the articles the batch was prepared from"
        )
    published = _published(article)
    if published != expected.published:
        raise ManifestMismatchError(
            f"article {cid!r}: publication date {published} differs from "
            f"{expected.published} in {where}"
        )


def _check(
    output_jsonl: Path, manifest: BatchManifest, where: Path, articles: Mapping[str, Article]
) -> int:
    """Refuse, before writing anything, an output that does not match the manifest."""
    if manifest.schema_sha256 != schema_sha256():
        raise ManifestMismatchError(
            f"{where}: the extraction schema changed since prepare "
            f"({manifest.schema_sha256[:12]} -> {schema_sha256()[:12]}); "
            "collect with the code that prepared the batch"
        )
    seen: set[str] = set()
    for n, line in output_lines(output_jsonl):
        cid = line.custom_id
        if cid in seen:
            raise InputError(f"{output_jsonl}:{n}: duplicate custom_id {cid!r}")
        seen.add(cid)
        expected = manifest.articles.get(cid)
        if expected is None:
            raise ManifestMismatchError(
                f"{output_jsonl}:{n}: custom_id {cid!r} is not in the manifest {where}: "
                "is this the output of another batch?"
            )
        article = articles.get(cid)
        if article is None:
            raise ManifestMismatchError(
                f"{output_jsonl}:{n}: article {cid!r} is missing from the articles given"
            )
        _check_article(cid, article, expected, where)
    return len(seen)


def collect(
    output_jsonl: Path, *, manifest: Path, articles: Mapping[str, Article], out: Path
) -> CollectStats:
    """Turn a Batch output (or error) file into ``ExtractionRecord`` lines appended to ``out``.

    Each reply goes through the live pipeline (``extract_article`` with the ``whole`` strategy):
    validated as ``GroundedExtraction``, grounded in the article (unsupported items dropped into
    the diagnostics), merged, dates resolved. A line that failed (HTTP error, error object,
    refusal, truncated or invalid JSON, schema violation) becomes a record with ``error`` and
    ``raw``, never an exception. Records carry the meta of a live record (``backend`` is
    ``openai-batch/MODEL``, usage from the reply, one attempt and one request; no latency).

    Resumable: ids already in ``out`` are skipped, so collecting the output file and then the
    error file, or the same file twice, never duplicates a record. Runs its own event loop (the
    pipeline is async): call it from synchronous code.

    Args:
        output_jsonl: the Batch output or error file (see ``download``).
        manifest: the manifest written by ``prepare``.
        articles: the articles by id, as given to ``prepare``.
        out: the record JSONL (the format of ``extractor extract``).

    Returns:
        Counts of what was written, skipped and failed.

    Raises:
        InputError: unreadable manifest or output, or a malformed output line (file and line).
        ManifestMismatchError: an article changed since ``prepare``, an id not in the manifest, or
            another schema or prompt; nothing is written.
        ConfigError: the manifest's prompt cannot be loaded.
    """
    meta = read_manifest(manifest)
    total = _check(output_jsonl, meta, manifest, articles)
    prompt = load_prompt(meta.prompt_id)
    if prompt.sha256 != meta.prompt_sha256:
        raise ManifestMismatchError(
            f"prompt {meta.prompt_id!r} changed since prepare (sha256 differs from {manifest})"
        )
    stats = CollectStats(lines=total)
    with RecordLog(out) as log:
        done = done_ids(out)
        asyncio.run(_collect(output_jsonl, meta, prompt, articles, log, done, stats))
    stats.missing = sum(cid not in done for cid in meta.articles)
    logger.info(
        "collected %s: %d written (%d failed), %d skipped, %d articles still missing",
        output_jsonl,
        stats.written,
        stats.failed,
        stats.skipped,
        stats.missing,
    )
    return stats


async def _collect(
    output_jsonl: Path,
    meta: BatchManifest,
    prompt: Prompt,
    articles: Mapping[str, Article],
    log: RecordLog,
    done: set[str],
    stats: CollectStats,
) -> None:
    for _, line in output_lines(output_jsonl):
        if line.custom_id in done:
            stats.skipped += 1
            continue
        reply = reply_of(line)
        record = await extract_article(
            articles[line.custom_id],
            ReplayBackend(meta.backend, meta.model, reply),
            strategy=Strategy.WHOLE,
            prompt=prompt,
            # Sampling settings were applied by the API; the replay ignores them.
            settings=GenerateSettings(),
        )
        # extract_article timed local validation only; a batch has no per-request latency.
        update: dict[str, Any] = {"meta": record.meta.model_copy(update={"latency_s": 0.0})}
        if record.error is not None and record.raw is None:
            update["raw"] = reply.raw
        record = record.model_copy(update=update)
        log.write(record)
        done.add(record.id)
        stats.written += 1
        stats.failed += record.error is not None
        if record.extraction is not None:
            stats.dropped += len(record.extraction.diagnostics)

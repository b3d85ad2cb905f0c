"""Batch runs: bounded concurrency, a response cache, and resumable append-only output.

- Concurrency is bounded per run (a llama.cpp server serves one request at a time; a hosted API
  many).
- The cache (SQLite) is keyed by backend, model, prompt sha256, schema sha256, strategy, settings
  and article sha256: identical work is never paid for twice, and an unchanged eval makes no
  model call.
- Output is JSONL, one record per article, written and flushed as each finishes (so a killed
  process loses nothing the OS has seen) and fsynced at most once a second (an fsync per record
  took ~10 ms here and stalled the event loop); on restart, ids already in the file are skipped,
  so an interrupted run resumes where it stopped and never duplicates a record.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import hashlib
import json
import logging
import os
import sqlite3
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from extractor.backends import Backend, GenerateSettings
from extractor.errors import BackendError, InputError
from extractor.pipeline.extract import ExtractionRecord, extract_article, schema_sha256
from extractor.pipeline.prompts import Prompt
from extractor.pipeline.strategies import StrategyName
from extractor.schema import Article

logger = logging.getLogger(__name__)


def cache_key(
    backend: Backend, prompt: Prompt, strategy: str, settings: GenerateSettings, article: Article
) -> str:
    """The identity of one unit of work; any change to what the model sees changes it."""
    # the same model on another port is the same work: the URL is not part of the key
    described = {k: v for k, v in backend.describe().items() if k != "base_url"}
    # A record that stayed within the article's token budget is the same whatever the budget,
    # and one that hit it is never cached (below), so the budget is not part of the work.
    knobs = {k: v for k, v in dataclasses.asdict(settings).items() if k != "article_token_budget"}
    facts = {
        "backend": described,
        "prompt": prompt.sha256,
        "schema": schema_sha256(),
        "strategy": strategy,
        "settings": knobs,
        "article": hashlib.sha256(article.text.encode("utf-8")).hexdigest(),
        "published": article.published.isoformat() if article.published else None,
    }
    return hashlib.sha256(json.dumps(facts, sort_keys=True).encode("utf-8")).hexdigest()


class ResponseCache:
    """A small SQLite key-value store of finished records.

    Failures and records cut short by the token budget are not cached.
    """

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(path)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("CREATE TABLE IF NOT EXISTS records (key TEXT PRIMARY KEY, json TEXT)")

    def get(self, key: str) -> ExtractionRecord | None:
        """The cached record for a key, if any."""
        row = self._db.execute("SELECT json FROM records WHERE key = ?", (key,)).fetchone()
        return ExtractionRecord.model_validate_json(row[0]) if row else None

    def put(self, key: str, record: ExtractionRecord) -> None:
        """Store a successful record."""
        with self._db:
            self._db.execute(
                "INSERT OR REPLACE INTO records VALUES (?, ?)", (key, record.model_dump_json())
            )

    def close(self) -> None:
        """Close the database."""
        self._db.close()


def done_ids(path: Path) -> set[str]:
    """Ids already written to an output file; a torn last line (killed mid-write) is ignored."""
    ids: set[str] = set()
    if not path.exists():
        return ids
    with path.open(encoding="utf-8") as f:
        for line in f:
            with contextlib.suppress(json.JSONDecodeError, KeyError, TypeError):
                ids.add(str(json.loads(line)["id"]))
    return ids


def repair_tail(path: Path) -> None:
    """Cut a partial last line left by a kill, so appends start on a fresh line."""
    if not path.exists() or path.stat().st_size == 0:
        return
    with path.open("rb+") as f:
        data = f.read()
        if data.endswith(b"\n"):
            return
        cut = data.rfind(b"\n") + 1
        f.truncate(cut)


class RecordLog:
    """The append-only JSONL output: one line per record, flushed at once, fsynced once a second.

    A killed process loses nothing already written (the kernel has it); a power cut loses at most
    the last second. The torn line a kill can leave is cut by ``repair_tail`` on the next open.
    """

    def __init__(self, path: Path, *, sync_every_s: float = 1.0) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        repair_tail(path)
        self.path = path
        self._file = path.open("a", encoding="utf-8")
        self._sync_every_s = sync_every_s
        self._synced = time.monotonic()

    def write(self, record: ExtractionRecord) -> None:
        """Append one record as one line."""
        self._file.write(record.model_dump_json(exclude_none=False) + "\n")
        self._file.flush()
        if time.monotonic() - self._synced >= self._sync_every_s:
            os.fsync(self._file.fileno())
            self._synced = time.monotonic()

    def close(self) -> None:
        """Fsync and close."""
        if not self._file.closed:
            self._file.flush()
            os.fsync(self._file.fileno())
            self._file.close()


def cacheable(record: ExtractionRecord) -> bool:
    """Whether a finished record may be served again from the cache.

    Failures are not, nor records cut short by the article's token budget.
    """
    return record.error is None and not record.meta.budget_exhausted


def from_cache(record: ExtractionRecord, article: Article) -> ExtractionRecord:
    """A cached record re-issued for this article id, marked as served from the cache."""
    return record.model_copy(
        update={"id": article.id, "meta": record.meta.model_copy(update={"cached": True})}
    )


def unique_articles(articles: Iterable[Article]) -> Sequence[Article]:
    """The articles as a list, checked for duplicate ids.

    Raises:
        InputError: two articles share an id (their records could not be told apart).
    """
    items: Sequence[Article] = list(articles)
    seen: set[str] = set()
    for a in items:
        if a.id in seen:
            raise InputError(f"duplicate article id {a.id!r} in the input")
        seen.add(a.id)
    return items


@dataclass
class RunStats:
    """What a run did."""

    total: int = 0
    skipped: int = 0
    cached: int = 0
    done: int = 0
    failed: int = 0


async def run_batch(
    articles: Iterable[Article],
    backend: Backend,
    *,
    output: Path,
    prompt: Prompt,
    strategy: StrategyName,
    settings: GenerateSettings,
    concurrency: int = 1,
    cache: ResponseCache | None = None,
    on_record: Callable[[ExtractionRecord], None] | None = None,
) -> RunStats:
    """Extract every article not yet in ``output`` and append its record.

    Raises:
        BackendError: the backend became unreachable; records already written stay, and a rerun
            resumes after them.
        InputError: duplicate article ids in the input.
    """
    items = unique_articles(articles)
    log = RecordLog(output)
    already = done_ids(output)
    stats = RunStats(total=len(items), skipped=sum(a.id in already for a in items))
    todo = [a for a in items if a.id not in already]
    sem = asyncio.Semaphore(max(1, concurrency))
    with contextlib.closing(log):

        async def one(article: Article) -> None:
            key = cache_key(backend, prompt, strategy, settings, article)
            record = cache.get(key) if cache else None
            if record is not None:
                record = from_cache(record, article)
                stats.cached += 1
            else:
                async with sem:
                    record = await extract_article(
                        article, backend, strategy=strategy, prompt=prompt, settings=settings
                    )
                if cache and cacheable(record):
                    cache.put(key, record)
            log.write(record)  # synchronous: no other task can interleave a line
            stats.done += 1
            stats.failed += record.error is not None
            if on_record:
                on_record(record)

        tasks = [asyncio.create_task(one(a)) for a in todo]
        try:
            await asyncio.gather(*tasks)
        except BackendError:
            for t in tasks:
                t.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            raise
    return stats

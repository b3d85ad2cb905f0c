"""The local runner: bounded concurrency on one asyncio loop, the response cache, a resumable log.

- Concurrency is bounded per run (a llama.cpp server serves one request at a time; a hosted API
  many: :func:`default_concurrency`).
- Finished records are cached (``cache.py``): identical work is never paid for twice.
- Output is the record log (``records.RecordLog``): one line per article, written as each
  finishes; on restart, ids already in the log are skipped, so an interrupted run resumes where it
  stopped and never duplicates a record, whichever engine wrote the log.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from extractor.backends import Backend
from extractor.errors import BackendError, InputError
from extractor.records import ExtractionRecord, RecordLog, done_ids
from extractor.run.cache import ResponseCache, cacheable, from_cache
from extractor.run.work import Work, cache_key
from extractor.schema import Article

__all__ = ["RunLog", "RunStats", "default_concurrency", "run_batch", "unique_articles"]

OnRecord = Callable[[ExtractionRecord], None]
"""Called with each record once it is written (a progress display, stdout)."""


def default_concurrency(backend_id: str) -> int:
    """Requests in flight when none is asked for: 1 on the embedded server, 8 on anything else.

    The embedded llama.cpp server serves one request at a time: more would only queue.
    """
    return 1 if backend_id.startswith("local/") else 8


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


class RunLog:
    """What every engine does around the extraction: the log, the cache and the counts.

    It skips what the log has, serves what the cache has, writes and caches what comes back. One
    process writes both the log and the cache, so no node needs a shared file system.
    """

    def __init__(
        self,
        articles: Iterable[Article],
        output: Path,
        cache: ResponseCache | None,
        on_record: OnRecord | None,
    ) -> None:
        items = unique_articles(articles)
        self._log = RecordLog(output)
        already = done_ids(output)
        self.stats = RunStats(total=len(items), skipped=sum(a.id in already for a in items))
        self.todo = [a for a in items if a.id not in already]
        """The articles the log does not have yet, in input order."""
        self._cache = cache
        self._on_record = on_record

    def cached(self, key: str, article: Article) -> ExtractionRecord | None:
        """The cached record of this work, re-issued for the article, if the cache has it."""
        hit = self._cache.get(key) if self._cache else None
        if hit is None:
            return None
        self.stats.cached += 1
        return from_cache(hit, article)

    def emit(self, record: ExtractionRecord, key: str | None = None) -> None:
        """Cache a new record (under ``key``) if it may be, and append it to the log."""
        if key is not None and self._cache and cacheable(record):
            self._cache.put(key, record)
        self._log.write(record)  # synchronous: no other task can interleave a line
        self.stats.done += 1
        self.stats.failed += record.error is not None
        if self._on_record:
            self._on_record(record)

    def close(self) -> None:
        """Close the log (the cache belongs to the caller)."""
        self._log.close()


async def run_batch(
    articles: Iterable[Article],
    backend: Backend,
    *,
    output: Path,
    work: Work,
    concurrency: int = 1,
    cache: ResponseCache | None = None,
    on_record: OnRecord | None = None,
) -> RunStats:
    """Extract every article not yet in ``output`` and append its record.

    Raises:
        BackendError: the backend became unreachable; records already written stay, and a rerun
            resumes after them.
        InputError: duplicate article ids in the input.
    """
    run = RunLog(articles, output, cache, on_record)
    sem = asyncio.Semaphore(max(1, concurrency))
    with contextlib.closing(run):

        async def one(article: Article) -> None:
            key = cache_key(backend, work, article)
            record = run.cached(key, article)
            if record is not None:
                run.emit(record)
                return
            async with sem:
                record = await work.extract(article, backend)
            run.emit(record, key)

        tasks = [asyncio.create_task(one(a)) for a in run.todo]
        try:
            await asyncio.gather(*tasks)
        except BackendError:
            for t in tasks:
                t.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            raise
    return run.stats

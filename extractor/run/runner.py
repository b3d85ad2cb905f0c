"""The local runner: bounded concurrency on one asyncio loop, the response cache, a resumable log.

- Concurrency is bounded per run (a llama.cpp server serves one request at a time; a hosted API
  many: :func:`default_concurrency`).
- Finished records are cached (``cache.py``): identical work is never paid for twice.
- Output is the record log (``records.RecordLog``): one line per article, written as each
  finishes; on restart, ids already in the log are skipped, so an interrupted run resumes where it
  stopped and never duplicates a record, whichever engine wrote the log.
- A failed article is its error record (``Work.extract``) and the run goes on. A run stops only
  for what would fail every article (the backend unreachable, the disk full, too many failures in
  a row: :class:`RunPolicy`), with the log valid and resumable.
- A resume refuses to mix, in one log, records of another backend, model, prompt, schema,
  strategy or pipeline version (unless forced), and can redo the failures (``retry_failed``).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from extractor.backends import Backend
from extractor.backends.servers import default_slots
from extractor.errors import ConfigError, InputError, TooManyFailures
from extractor.records import ExtractionRecord, RecordLog, RecordMeta, iter_records
from extractor.run.cache import ResponseCache, cacheable, from_cache
from extractor.run.work import Work, cache_key, mix_problems
from extractor.schema import Article

logger = logging.getLogger(__name__)

__all__ = [
    "RunLog",
    "RunPolicy",
    "RunStats",
    "default_concurrency",
    "run_batch",
    "unique_articles",
]

OnRecord = Callable[[ExtractionRecord], None]
"""Called with each record once it is written (a progress display, stdout)."""


def default_concurrency(backend_id: str) -> int:
    """Requests in flight when none is asked for: the embedded server's slots, 8 elsewhere.

    llama-cpp-python's server serves one request at a time (more would only queue); llama.cpp's
    own (``EXTRACTOR_LLAMA_SERVER=native``) decodes one sequence per slot at once.
    """
    return default_slots() if backend_id.startswith("local/") else 8


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


@dataclass(frozen=True)
class RunPolicy:
    """How a run treats the log it resumes, and when it gives up."""

    retry_failed: bool = False
    """Redo the articles of the input whose record in the log is an error: the log is first
    rewritten without those records (atomically), then their new records are appended."""
    force_mix: bool = False
    """Resume even when the log's records were made by another backend, model, prompt, schema,
    strategy or pipeline version."""
    max_error_rate: float | None = None
    """Stop the run (``TooManyFailures``) when more than this share of the last
    :attr:`error_window` records it wrote are errors; None never stops."""
    error_window: int = 100
    """Records the error rate is measured over (none is measured before the window is full)."""


@dataclass
class RunStats:
    """What a run did."""

    total: int = 0
    skipped: int = 0
    cached: int = 0
    done: int = 0
    failed: int = 0
    retried: int = 0
    """Failed records dropped from the log to be done again (``RunPolicy.retry_failed``)."""


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
        *,
        expected: RecordMeta | None = None,
        policy: RunPolicy | None = None,
    ) -> None:
        """Lock and read the log; drop its failures when they are to be redone.

        Args:
            articles: the input.
            output: the record log (created or resumed).
            cache: the response cache.
            on_record: called with each record once it is written.
            expected: what this run's records will say they were made with (``Work.meta``);
                the log's records are compared with it unless ``policy.force_mix``.
            policy: retry, mixing and error-rate rules.

        Raises:
            InputError: duplicate article ids, or a log line that is not a record.
            OutputError: another run holds the log, or it cannot be written.
            ConfigError: the log's records were made otherwise than this run's would be.
        """
        items = unique_articles(articles)
        self.policy = policy or RunPolicy()
        self._log = RecordLog(output)
        try:
            done = self._resume(output, {a.id for a in items}, expected)
        except BaseException:
            self._log.close()
            raise
        self.stats = RunStats(
            total=len(items), skipped=sum(a.id in done for a in items), retried=self._retried
        )
        self.todo = [a for a in items if a.id not in done]
        """The articles the log does not have yet, in input order."""
        self._cache = cache
        self._on_record = on_record
        self._recent: deque[bool] = deque(maxlen=max(1, self.policy.error_window))
        self._last_error = ""

    def _resume(self, output: Path, wanted: set[str], expected: RecordMeta | None) -> set[str]:
        """The ids the log has (once its failures to redo are dropped)."""
        done: set[str] = set()
        failed: set[str] = set()

        def scan() -> Iterator[ExtractionRecord]:
            for record in iter_records(output):
                done.add(record.id)
                if record.error is None:
                    failed.discard(record.id)
                else:
                    failed.add(record.id)
                yield record

        if expected is not None and not self.policy.force_mix:
            problems = mix_problems(scan(), expected)
            if problems:
                raise ConfigError(
                    f"{output}: resuming would mix records made otherwise in one log: "
                    + "; ".join(problems)
                    + ". Write to another output, or resume anyway with --force-mix"
                )
        else:
            for _ in scan():
                pass
        self._retried = 0
        if self.policy.retry_failed and (redo := failed & wanted):
            self._log.rewrite(redo)
            self._retried = len(redo)
            done -= redo
            logger.info("%s: %d failed record(s) dropped, to be done again", output, len(redo))
        return done

    def cached(self, key: str, article: Article) -> ExtractionRecord | None:
        """The cached record of this work, re-issued for the article, if the cache has it."""
        hit = self._cache.get(key) if self._cache else None
        if hit is None:
            return None
        self.stats.cached += 1
        return from_cache(hit, article)

    def emit(self, record: ExtractionRecord, key: str | None = None) -> None:
        """Cache a new record (under ``key``) if it may be, and append it to the log.

        Raises:
            OutputError: the log cannot be written (disk full); it stays valid.
            TooManyFailures: the error rate is over ``policy.max_error_rate``.
        """
        if key is not None and self._cache and cacheable(record):
            self._cache.put(key, record)
        self._log.write(record)  # synchronous: no other task can interleave a line
        self.stats.done += 1
        self.stats.failed += record.error is not None
        if self._on_record:
            self._on_record(record)
        self._check_error_rate(record)

    def _check_error_rate(self, record: ExtractionRecord) -> None:
        rate = self.policy.max_error_rate
        if rate is None:
            return
        self._recent.append(record.error is not None)
        if record.error is not None:
            self._last_error = record.error
        window = self._recent.maxlen or 1
        failed = sum(self._recent)
        if len(self._recent) == window and failed > rate * window:
            raise TooManyFailures(
                f"{self._log.path}: {failed} of the last {window} articles failed, more than "
                f"--max-error-rate {rate:g} allows; stopped (last error: "
                f"{self._last_error[:300]}). The log keeps every record written: fix the cause, "
                "then rerun with --retry-failed to redo the failures"
            )

    def close(self) -> None:
        """Close (and unlock) the log; the cache belongs to the caller."""
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
    policy: RunPolicy | None = None,
) -> RunStats:
    """Extract every article not yet in ``output`` and append its record.

    Args:
        articles: the input.
        backend: where the requests go (the caller closes it).
        output: the record log (created or resumed).
        work: the prompt, strategy and settings.
        concurrency: requests in flight.
        cache: the response cache.
        on_record: called with each record once it is written.
        policy: retry, mixing and error-rate rules (:class:`RunPolicy`).

    Raises:
        BackendError: the backend became unreachable; records already written stay, and a rerun
            resumes after them.
        InputError: duplicate article ids in the input.
        OutputError: the log is held by another run, or cannot be written (it stays valid).
        ConfigError: the log holds records made otherwise (see ``RunPolicy.force_mix``).
        TooManyFailures: the error rate went over ``policy.max_error_rate``.
    """
    run = RunLog(articles, output, cache, on_record, expected=work.meta(backend), policy=policy)
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
        except BaseException:
            # whatever stopped the run (the backend, the disk, Ctrl-C), no task writes after it
            for t in tasks:
                t.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            raise
    return run.stats

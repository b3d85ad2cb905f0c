"""The Ray engine: the same pipeline on Ray Data, for many endpoints, replicas or machines.

- The driver (the process that calls ``run_ray``) reads the input, skips the ids already in the
  output log and serves what the response cache holds. Only the remaining articles go to Ray.
- Ray Data runs ``map_batches`` over a pool of actors. Each actor owns one backend client and runs
  ``extract_article`` on its batches with asyncio, ``ceil(concurrency / actors)`` requests in
  flight, so ``concurrency`` stays the total number of requests in flight against the endpoint.
- The actors return the records, and the driver appends them to the JSONL log (flushed per record)
  and puts the successful ones in the SQLite cache. One process writes both files (and holds
  their locks), so no node needs a shared file system (SQLite over NFS is unsafe), and resuming
  works exactly as with the local runner: the log says what is done, whichever engine wrote it,
  and the same rules refuse a mixed log and redo failures (``runner.RunPolicy``).
- Parquet and ``datasets`` outputs are written from the log at the end (``run.outputs.export``).

Ray is an optional dependency (``pip install 'extractor[ray]'``), imported only here.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import importlib
import logging
import math
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from extractor.backends import Backend, get_backend
from extractor.errors import BackendError, ConfigError
from extractor.records import ExtractionRecord
from extractor.run.cache import ResponseCache
from extractor.run.runner import OnRecord, RunLog, RunPolicy, RunStats
from extractor.run.work import RUN_LEVEL, Work, cache_key
from extractor.schema import Article

logger = logging.getLogger(__name__)


def _ray() -> Any:
    try:
        return importlib.import_module("ray")
    except ImportError as exc:
        raise ConfigError(
            "--engine ray needs Ray: pip install 'extractor[ray]' (or 'ray[data]')"
        ) from exc


class ExtractBatch:
    """The Ray Data actor: extracts a batch of articles with its own backend client."""

    def __init__(self, backend_id: str, work: Work, in_flight: int) -> None:
        self._backend_id = backend_id
        self._work = work
        self._in_flight = in_flight
        # made on the first call, inside the actor's event loop
        self._backend: Backend | None = None
        self._gate: asyncio.Semaphore | None = None

    async def _one(self, article: Article) -> tuple[str, str]:
        assert self._backend is not None and self._gate is not None
        async with self._gate:
            try:
                record = await self._work.extract(article, self._backend)
            except RUN_LEVEL as exc:  # the driver stops the run, as the local runner does
                return "", str(exc)
        return record.model_dump_json(exclude_none=False), ""

    async def __call__(self, batch: dict[str, Any]) -> dict[str, list[str]]:
        """Extract a batch (columns ``id``, ``text``, ``published``); one record per row."""
        if self._backend is None:
            self._backend = get_backend(self._backend_id)
            self._gate = asyncio.Semaphore(self._in_flight)
        ids = [str(i) for i in batch["id"]]
        articles = [
            Article(id=i, text=str(t), published=dt.date.fromisoformat(str(d)) if d else None)
            for i, t, d in zip(ids, batch["text"], batch["published"], strict=True)
        ]
        results = await asyncio.gather(*(self._one(a) for a in articles))
        return {
            "id": ids,
            "record": [r for r, _ in results],
            "fatal": [f for _, f in results],
        }


@dataclass(frozen=True)
class RayOptions:
    """How the Ray engine spreads the work."""

    concurrency: int = 8
    """Requests in flight against the endpoint, all actors together."""
    actors: int | None = None
    """Actors in the pool (default: up to 4, never more than ``concurrency``)."""
    cpus_per_actor: float = 0.25
    """Ray CPUs reserved per actor (they mostly wait on the network)."""
    address: str | None = None
    """A Ray cluster to join (``ray://...`` or ``auto``); default a local Ray, or the one this
    process already started."""


def _on_ray(
    pending: list[Article], backend_id: str, work: Work, options: RayOptions
) -> Iterator[tuple[str, str, str]]:
    """Extract the articles on a Ray Data actor pool: (id, record JSON, fatal error) per row."""
    ray = _ray()
    if not ray.is_initialized():
        ray.init(address=options.address, include_dashboard=False, log_to_driver=False)
    data = importlib.import_module("ray.data")
    data.DataContext.get_current().enable_progress_bars = False
    pool = max(1, min(options.actors or 4, options.concurrency, len(pending)))
    in_flight = max(1, math.ceil(options.concurrency / pool))
    rows = [
        {"id": a.id, "text": a.text, "published": a.published.isoformat() if a.published else ""}
        for a in pending
    ]
    results = data.from_items(rows).map_batches(
        ExtractBatch,
        fn_constructor_kwargs={"backend_id": backend_id, "work": work, "in_flight": in_flight},
        batch_size=in_flight,
        compute=data.ActorPoolStrategy(size=pool),
        num_cpus=options.cpus_per_actor,
        batch_format="numpy",
    )
    for batch in results.iter_batches(batch_size=None, batch_format="numpy"):
        for rid, blob, problem in zip(batch["id"], batch["record"], batch["fatal"], strict=True):
            yield str(rid), str(blob), str(problem)


def run_ray(
    articles: Iterable[Article],
    backend_id: str,
    *,
    output: Path,
    work: Work,
    options: RayOptions | None = None,
    cache: ResponseCache | None = None,
    on_record: OnRecord | None = None,
    policy: RunPolicy | None = None,
) -> RunStats:
    """Extract every article not yet in ``output`` on Ray Data and append its record.

    Args:
        articles: the input.
        backend_id: a backend every actor can reach (``openai-compatible/MODEL@URL``,
            ``openai/MODEL``); each actor builds its own client from it.
        output: the JSONL log (resumed as by ``runner.run_batch``).
        work: the prompt, strategy and settings (shipped to the actors).
        options: concurrency, actors, CPUs per actor, the cluster to join.
        cache: the response cache, read and written by this process only.
        on_record: called with each record once it is written.
        policy: retry, mixing and error-rate rules, as for ``runner.run_batch``.

    Returns:
        What the run did.

    Raises:
        ConfigError: Ray is not installed, or the backend is the embedded local one (each actor
            would start its own server).
        BackendError: an actor could not reach the backend; records already written stay.
        InputError: duplicate article ids in the input.
        OutputError, ConfigError, TooManyFailures: as ``runner.run_batch``.
    """
    if backend_id.startswith("local/"):
        raise ConfigError(
            "--engine ray needs a server every actor can reach, e.g. "
            "openai-compatible/MODEL@http://host:8000/v1 (start one with `extractor serve`)"
        )
    _ray()  # fail before anything is written when Ray is missing
    backend = get_backend(backend_id)  # for cache keys only: the driver makes no request
    run = RunLog(articles, output, cache, on_record, expected=work.meta(backend), policy=policy)
    keys: dict[str, str] = {}
    pending: list[Article] = []
    with contextlib.closing(run):
        for article in run.todo:
            key = keys[article.id] = cache_key(backend, work, article)
            hit = run.cached(key, article)
            if hit is None:
                pending.append(article)
            else:
                run.emit(hit)
        if not pending:  # all served from the cache: no Ray needed
            return run.stats
        fatal: str | None = None
        for rid, blob, problem in _on_ray(pending, backend_id, work, options or RayOptions()):
            if problem:
                fatal = fatal or problem
            else:
                run.emit(ExtractionRecord.model_validate_json(blob), keys[rid])
        if fatal:
            raise BackendError(backend.id, fatal.removeprefix(f"{backend.id}: "))
    return run.stats

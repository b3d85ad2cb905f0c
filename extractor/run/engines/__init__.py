"""Engines: where a run's extractions execute, behind one call (:func:`run_engine`).

``local`` is one asyncio loop in this process (``runner.run_batch``); ``ray`` is Ray Data actors,
for many endpoints, replicas or machines (``ray.py``). Each engine takes the same articles,
backend, prompt, strategy, settings, output log and cache, writes the same records to the same
append-only log, and returns the same ``RunStats``; an interrupted run of either engine is resumed
by either engine.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from enum import StrEnum
from pathlib import Path

from extractor.backends import get_backend
from extractor.run.cache import ResponseCache
from extractor.run.runner import OnRecord, RunPolicy, RunStats, default_concurrency, run_batch
from extractor.run.work import Work
from extractor.schema import Article

__all__ = ["Engine", "run_engine"]


class Engine(StrEnum):
    """Where the extractions of a run execute."""

    LOCAL = "local"
    """asyncio, in this process."""
    RAY = "ray"
    """Ray Data actors (``pip install 'extractor[ray]'``)."""


def run_engine(
    engine: Engine,
    articles: Iterable[Article],
    backend_id: str,
    *,
    output: Path,
    work: Work,
    concurrency: int = 0,
    cache: ResponseCache | None = None,
    on_record: OnRecord | None = None,
    ray_actors: int | None = None,
    ray_address: str | None = None,
    policy: RunPolicy | None = None,
) -> RunStats:
    """Extract every article not yet in ``output`` with the engine, appending each record.

    Args:
        engine: ``local`` or ``ray``.
        articles: the input.
        backend_id: the backend (built here; closed when the run ends).
        output: the record log (resumed).
        work: the prompt, strategy and settings.
        concurrency: requests in flight (0: ``default_concurrency`` of the backend).
        cache: the response cache (the caller closes it).
        on_record: called with each record once it is written.
        ray_actors: actors in the Ray pool (``ray`` only; default up to 4).
        ray_address: the Ray cluster to join (``ray`` only).
        policy: retry, mixing and error-rate rules (``runner.RunPolicy``).

    Raises:
        BackendError: the backend became unreachable; records already written stay.
        ConfigError: a bad backend id, Ray missing for ``ray``, or a resume that would mix
            records made otherwise.
        InputError: duplicate article ids.
        OutputError: the log or cache is held by another run, or the log cannot be written.
        TooManyFailures: the error rate went over ``policy.max_error_rate``.
    """
    in_flight = concurrency or default_concurrency(backend_id)
    if engine == Engine.RAY:
        from extractor.run.engines.ray import RayOptions, run_ray

        options = RayOptions(concurrency=in_flight, actors=ray_actors, address=ray_address)
        return run_ray(
            articles,
            backend_id,
            output=output,
            work=work,
            options=options,
            cache=cache,
            on_record=on_record,
            policy=policy,
        )
    backend = get_backend(backend_id)

    async def go() -> RunStats:
        try:
            return await run_batch(
                articles,
                backend,
                output=output,
                work=work,
                concurrency=in_flight,
                cache=cache,
                on_record=on_record,
                policy=policy,
            )
        finally:
            await backend.aclose()

    return asyncio.run(go())

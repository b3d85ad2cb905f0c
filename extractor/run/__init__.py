"""Runs over many articles: the local runner, the Ray engine, the cache, inputs and outputs.

Every engine writes the same records to the same log (``records.py``) and uses the same cache
rule, so a run interrupted under one engine is resumed by either.
"""

from extractor.run.cache import ResponseCache, cacheable, from_cache
from extractor.run.engines import Engine, run_engine
from extractor.run.runner import (
    RunLog,
    RunPolicy,
    RunStats,
    default_concurrency,
    run_batch,
    unique_articles,
)
from extractor.run.work import RUN_LEVEL, Work, cache_key, mix_problems

__all__ = [
    "RUN_LEVEL",
    "Engine",
    "ResponseCache",
    "RunLog",
    "RunPolicy",
    "RunStats",
    "Work",
    "cache_key",
    "cacheable",
    "default_concurrency",
    "from_cache",
    "mix_problems",
    "run_batch",
    "run_engine",
    "unique_articles",
]

"""Runs over many articles: the local runner, the Ray engine, the cache, inputs and outputs.

Every engine writes the same records to the same log (``records.py``) and uses the same cache
rule, so a run interrupted under one engine is resumed by either.
"""

from extractor.run.cache import ResponseCache, cacheable, from_cache
from extractor.run.engines import Engine, run_engine
from extractor.run.runner import RunLog, RunStats, default_concurrency, run_batch, unique_articles
from extractor.run.work import Work, cache_key

__all__ = [
    "Engine",
    "ResponseCache",
    "RunLog",
    "RunStats",
    "Work",
    "cache_key",
    "cacheable",
    "default_concurrency",
    "from_cache",
    "run_batch",
    "run_engine",
    "unique_articles",
]

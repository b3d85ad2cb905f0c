"""The response cache: finished records by the identity of the work that produced them.

The key (``work.cache_key``) hashes backend, model, prompt sha256, schema sha256, strategy,
settings and the article text: identical work is never paid for twice, and an unchanged eval
makes no model call. The local runner and the Ray engine share this one rule for what is cached
(:func:`cacheable`).
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

from extractor.records import ExtractionRecord
from extractor.schema import Article

__all__ = ["ResponseCache", "cacheable", "from_cache"]


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


class ResponseCache:
    """A small SQLite key-value store of finished records (only :func:`cacheable` ones)."""

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
        """Store a finished record."""
        with self._db:
            self._db.execute(
                "INSERT OR REPLACE INTO records VALUES (?, ?)", (key, record.model_dump_json())
            )

    def close(self) -> None:
        """Close the database."""
        self._db.close()

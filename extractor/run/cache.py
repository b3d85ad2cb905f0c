"""The response cache: finished records by the identity of the work that produced them.

The key (``work.cache_key``) hashes backend, model, prompt sha256, schema sha256, strategy,
settings and the article text: identical work is never paid for twice, and an unchanged eval
makes no model call. The local runner and the Ray engine share this one rule for what is cached
(:func:`cacheable`).

One run at a time: the cache is locked while open (``records.FileLock``, on ``<cache>.lock``).
A row that cannot be read back (corrupt, or written by an incompatible version) is a cache miss,
logged, and is replaced when the article is done again; a failed write is logged and the run goes
on (the record is in the log either way).
"""

from __future__ import annotations

import logging
import sqlite3
from pathlib import Path

from pydantic import ValidationError

from extractor.errors import OutputError
from extractor.records import ExtractionRecord, FileLock
from extractor.schema import Article

logger = logging.getLogger(__name__)

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
        """Lock and open (or create) the cache.

        Raises:
            OutputError: another run holds the cache, or the file is not a usable SQLite
                database; the message names it.
        """
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise OutputError(f"{path}: cannot create the cache's folder: {exc}") from exc
        self.path = path
        self._lock = FileLock(path, what="response cache")
        try:
            self._db = sqlite3.connect(path)
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("CREATE TABLE IF NOT EXISTS records (key TEXT PRIMARY KEY, json TEXT)")
        except sqlite3.Error as exc:
            self._lock.release()
            raise OutputError(
                f"{path}: not a usable response cache ({exc}); delete it or give another --cache"
            ) from exc

    def get(self, key: str) -> ExtractionRecord | None:
        """The cached record for a key, if any; a row that cannot be read is a miss (logged)."""
        try:
            row = self._db.execute("SELECT json FROM records WHERE key = ?", (key,)).fetchone()
            return ExtractionRecord.model_validate_json(row[0]) if row else None
        except (sqlite3.Error, ValidationError, TypeError) as exc:
            first = " ".join(str(exc).splitlines()[:2])
            logger.warning("%s: unreadable cache row %s… (a miss): %s", self.path, key[:12], first)
            return None

    def put(self, key: str, record: ExtractionRecord) -> None:
        """Store a finished record; a failed write is logged (the record is in the log anyway)."""
        try:
            with self._db:
                self._db.execute(
                    "INSERT OR REPLACE INTO records VALUES (?, ?)", (key, record.model_dump_json())
                )
        except sqlite3.Error as exc:
            logger.warning("%s: could not cache a record of %s: %s", self.path, record.id, exc)

    def close(self) -> None:
        """Close the database and unlock it."""
        try:
            self._db.close()
        finally:
            self._lock.release()

"""The response cache: finished records by the identity of the work that produced them.

The key hashes backend, model, prompt sha256, schema sha256, strategy, settings and the article
text: identical work is never paid for twice, and an unchanged eval makes no model call. The
local runner and the Ray engine share this one rule for what is cached (:func:`cacheable`).
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
from pathlib import Path

from extractor.backends import Backend, GenerateSettings
from extractor.pipeline import PipelineSettings, Prompt, Strategy, flat_settings, schema_sha256
from extractor.records import ExtractionRecord
from extractor.schema import Article
from extractor.text import sha256

__all__ = ["ResponseCache", "cache_key", "cacheable", "from_cache"]


def cache_key(
    backend: Backend,
    prompt: Prompt,
    strategy: Strategy,
    settings: GenerateSettings,
    pipeline: PipelineSettings,
    article: Article,
) -> str:
    """The identity of one unit of work; any change to what the model sees changes it."""
    # the same model on another port is the same work: the URL is not part of the key
    described = {k: v for k, v in backend.describe().items() if k != "base_url"}
    # A record that stayed within the article's token budget is the same whatever the budget,
    # and one that hit it is never cached (below), so the budget is not part of the work.
    knobs = {
        k: v for k, v in flat_settings(settings, pipeline).items() if k != "article_token_budget"
    }
    facts = {
        "backend": described,
        "prompt": prompt.sha256,
        "schema": schema_sha256(),
        "strategy": strategy,
        "settings": knobs,
        "article": sha256(article.text),
        "published": article.published.isoformat() if article.published else None,
    }
    return hashlib.sha256(json.dumps(facts, sort_keys=True).encode("utf-8")).hexdigest()


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

"""The work of a run: what every article is put through, and the cache key that names it."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field

from pydantic import JsonValue

from extractor.backends import Backend, GenerateSettings
from extractor.pipeline import (
    DEFAULT_STRATEGY,
    PIPELINE_VERSION,
    PipelineSettings,
    Prompt,
    Strategy,
    extract_article,
    flat_settings,
    load_prompt,
    schema_sha256,
)
from extractor.records import ExtractionRecord
from extractor.schema import Article
from extractor.text import sha256

__all__ = ["Work", "cache_key"]


@dataclass(frozen=True)
class Work:
    """The prompt, strategy and settings every article of a run is extracted with."""

    prompt: Prompt = field(default_factory=load_prompt)
    strategy: Strategy = DEFAULT_STRATEGY
    settings: GenerateSettings = field(default_factory=GenerateSettings)
    """What each request is sent with."""
    pipeline: PipelineSettings = field(default_factory=PipelineSettings)
    """How requests are spent on an article."""

    def flat_settings(self) -> dict[str, JsonValue]:
        """Both settings in one mapping, as ``run.json`` records them."""
        return flat_settings(self.settings, self.pipeline)

    async def extract(self, article: Article, backend: Backend) -> ExtractionRecord:
        """Extract one article (``pipeline.extract_article``).

        Raises:
            BackendError: the backend is unreachable.
        """
        return await extract_article(
            article,
            backend,
            strategy=self.strategy,
            prompt=self.prompt,
            settings=self.settings,
            pipeline=self.pipeline,
        )


def cache_key(backend: Backend, work: Work, article: Article) -> str:
    """The identity of one unit of work; any change to what the model sees changes it."""
    # the same model on another port is the same work: the URL is not part of the key
    described = {k: v for k, v in backend.describe().items() if k != "base_url"}
    # A record that stayed within the article's token budget is the same whatever the budget,
    # and one that hit it is never cached, so the budget is not part of the work.
    knobs = {k: v for k, v in work.flat_settings().items() if k != "article_token_budget"}
    facts = {
        "backend": described,
        "pipeline": PIPELINE_VERSION,
        "prompt": work.prompt.sha256,
        "schema": schema_sha256(),
        "strategy": work.strategy,
        "settings": knobs,
        "article": sha256(article.text),
        "published": article.published.isoformat() if article.published else None,
    }
    return hashlib.sha256(json.dumps(facts, sort_keys=True).encode("utf-8")).hexdigest()

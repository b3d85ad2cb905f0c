"""The work of a run: what every article is put through, and the cache key that names it.

Also where an article's failure becomes its record: whatever goes wrong inside one article's
extraction (a bug, a plugin backend raising something unexpected) is that article's error record,
and the run goes on. Only what would fail every article stops a run (:data:`RUN_LEVEL`).
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field

from pydantic import JsonValue

from extractor.backends import Backend, GenerateSettings
from extractor.errors import BackendError, ConfigError, ModelPullError
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
from extractor.records import ExtractionRecord, RecordMeta
from extractor.redact import redact_url, scrub
from extractor.schema import Article
from extractor.text import sha256

logger = logging.getLogger(__name__)

__all__ = ["RUN_LEVEL", "Work", "cache_key", "mix_problems", "scrubbed"]

RUN_LEVEL: tuple[type[Exception], ...] = (BackendError, ConfigError, ModelPullError)
"""Failures of the run, not of one article: the backend unreachable or failing at the HTTP level
after its retries (request-specific ones are already the article's, in the pipeline), a bad
configuration, a model that cannot be pulled. Everything else is the article's error record."""


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

    def meta(self, backend: Backend) -> RecordMeta:
        """What a record of this work on ``backend`` says it was made with."""
        return RecordMeta(
            backend=backend.id,
            model=backend.model,
            prompt_id=self.prompt.id,
            prompt_sha256=self.prompt.sha256,
            schema_sha256=schema_sha256(),
            strategy=Strategy(self.strategy).value,
            pipeline_version=PIPELINE_VERSION,
        )

    async def extract(self, article: Article, backend: Backend) -> ExtractionRecord:
        """Extract one article (``pipeline.extract_article``); any other failure is its record.

        Raises:
            BackendError, ConfigError, ModelPullError: a failure of the run (:data:`RUN_LEVEL`).
        """
        try:
            record = await extract_article(
                article,
                backend,
                strategy=self.strategy,
                prompt=self.prompt,
                settings=self.settings,
                pipeline=self.pipeline,
            )
        except RUN_LEVEL:
            raise
        except Exception as exc:
            error = scrub(f"{type(exc).__name__}: {' '.join(str(exc).split())}")[:800]
            logger.warning("%s: failed: %s", article.id, error)
            logger.debug("%s: traceback", article.id, exc_info=True)
            record = ExtractionRecord(
                id=article.id, extraction=None, meta=self.meta(backend), error=error
            )
        return scrubbed(record)


def scrubbed(record: ExtractionRecord) -> ExtractionRecord:
    """The record without secrets in its text (``redact.scrub``); itself when it has none.

    The last guard before the log, the cache and every output: the backends scrub what they
    raise and return, but a plugin backend may not. Events are left alone: their quotes are the
    article's, verbatim, not the server's.
    """
    meta, extraction = record.meta, record.extraction
    error = None if record.error is None else scrub(record.error)
    raw = None if record.raw is None else scrub(record.raw)
    backend = redact_url(meta.backend)
    if extraction is not None and any(scrub(d.reason) != d.reason for d in extraction.diagnostics):
        kept = [d.model_copy(update={"reason": scrub(d.reason)}) for d in extraction.diagnostics]
        extraction = extraction.model_copy(update={"diagnostics": kept})
    if (error, raw, backend) == (record.error, record.raw, meta.backend) and (
        extraction is record.extraction
    ):
        return record
    update = {"error": error, "raw": raw, "extraction": extraction}
    return record.model_copy(
        update={**update, "meta": meta.model_copy(update={"backend": backend})}
    )


_FACTS = {
    "backend": "backend",
    "model": "model",
    "prompt sha256": "prompt_sha256",
    "schema sha256": "schema_sha256",
    "strategy": "strategy",
    "pipeline version": "pipeline_version",
}


def _facts(meta: RecordMeta) -> dict[str, object]:
    facts: dict[str, object] = {k: getattr(meta, name) for k, name in _FACTS.items()}
    # the same model on another port is the same backend (a restarted server, another replica)
    facts["backend"] = meta.backend.partition("@")[0]
    return facts


def mix_problems(records: Iterable[ExtractionRecord], expected: RecordMeta) -> list[str]:
    """How records differ from what a run would write (``Work.meta``): one line per fact.

    Compared: backend (without its URL), model, prompt and schema sha256, strategy, and the
    pipeline version where a record has one (older records have none).
    """
    want = _facts(expected)
    seen: dict[str, Counter[object]] = {k: Counter() for k in want}
    for record in records:
        for k, v in _facts(record.meta).items():
            if v != want[k] and not (k == "pipeline version" and v is None):
                seen[k][v] += 1

    def show(v: object) -> str:  # a sha256 by its first 12 digits, as the reports print it
        return repr(v[:12] if isinstance(v, str) and len(v) == 64 else v)

    return [
        f"{k}: the log has "
        + ", ".join(f"{show(v)} ({n} record{'s' * (n > 1)})" for v, n in found.most_common(3))
        + f", this run {show(want[k])}"
        for k, found in seen.items()
        if found
    ]


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

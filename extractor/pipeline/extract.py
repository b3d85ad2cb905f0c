"""The one extraction pipeline: render, call, validate, ground, merge, resolve dates, account.

``extract``/``aextract`` are the public API; ``extract_article`` does the work for one article and
returns a record that is written as one JSON line by the CLI and the runner.
"""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt
import hashlib
import json
import logging
import time
from collections.abc import Mapping
from functools import cache
from typing import Any, Self

from pydantic import BaseModel, ConfigDict, Field, ValidationError, ValidationInfo, model_validator

from extractor.backends import (
    Backend,
    FailedCompletion,
    GenerateSettings,
    get_backend,
    validation_context,
)
from extractor.backends.prices import estimate_cost
from extractor.errors import BackendError, ExtractionFailed
from extractor.pipeline.constrain import candidates, candidates_hint, constrained_schema
from extractor.pipeline.dates import resolve
from extractor.pipeline.grounding import ground, grounding_errors
from extractor.pipeline.planted import mask_planted
from extractor.pipeline.prompts import DEFAULT_PROMPT, Message, Prompt, load_prompt
from extractor.pipeline.replies import CompactExtraction, to_events
from extractor.pipeline.strategies import StrategyName, merge_events, plan
from extractor.schema import SCHEMA_VERSION, Article, ArticleExtraction, Diagnostic, Event

logger = logging.getLogger(__name__)

DEFAULT_BACKEND = "local/qwen2.5-coder-1.5b"
DEFAULT_STRATEGY: StrategyName = "sentence"


class GroundedExtraction(ArticleExtraction):
    """The response model sent to instructor: the schema plus grounding as a validator.

    A reply whose quotes, names or numbers are not in the article fails validation with a precise
    message, and instructor re-asks the model with it. What still fails when the retries run out is
    dropped by ``ground`` afterwards and listed in the diagnostics.
    """

    model_config = ConfigDict(title="ArticleExtraction")

    @model_validator(mode="after")
    def _grounded(self, info: ValidationInfo) -> Self:
        context: Mapping[str, Any] = info.context or validation_context.get() or {}
        article = context.get("article")
        if isinstance(article, str) and context.get("reask_grounding", True):
            errors = grounding_errors(self, article)
            if errors:
                raise ValueError(
                    "items not supported by the article (copy quotes exactly, use "
                    "only numbers written in the quote):\n- " + "\n- ".join(errors[:12])
                )
        return self


@cache
def schema_sha256() -> str:
    """sha256 of the JSON schemas the model is asked to fill (part of every run's identity)."""
    schemas = [GroundedExtraction.model_json_schema(), CompactExtraction.model_json_schema()]
    blob = json.dumps({"version": SCHEMA_VERSION, "schemas": schemas}, sort_keys=True)
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()


class UsageRecord(BaseModel):
    """Tokens per article, failed attempts included."""

    prompt_tokens: int = 0
    completion_tokens: int = 0
    cached_tokens: int = 0


class RecordMeta(BaseModel):
    """How a record was produced: enough to reproduce it and to cost it."""

    backend: str
    model: str
    prompt_id: str
    prompt_sha256: str
    schema_sha256: str
    strategy: str
    usage: UsageRecord = Field(default_factory=UsageRecord)
    latency_s: float = 0.0
    attempts: int = 0
    requests: int = 0
    failed_requests: int = 0
    cached: bool = False
    """True when the record came from the response cache (no model call)."""
    budget_exhausted: bool = False
    """True when the article's token budget ran out (``GenerateSettings.article_token_budget``):
    requests after that point were not sent, or re-asks were cut short."""
    cost_usd: float | None = None
    """Estimated cost from the price table (0 for the embedded model; None when unknown)."""


class ExtractionRecord(BaseModel):
    """One output line: the article id, its extraction (or the error), and the meta."""

    id: str
    extraction: ArticleExtraction | None
    meta: RecordMeta
    error: str | None = None
    raw: str | None = None
    """The last raw reply, kept when the article failed, for debugging."""


def _lenient_parse(
    raw: str | None, *, compact: bool
) -> ArticleExtraction | CompactExtraction | None:
    """Parse a last reply that failed only grounding: ``ground`` will drop the bad items."""
    if not raw:
        return None
    try:
        if compact:
            return CompactExtraction.model_validate_json(raw)
        return ArticleExtraction.model_validate_json(raw)
    except ValidationError:
        return None


async def extract_article(
    article: Article,
    backend: Backend,
    *,
    strategy: StrategyName = DEFAULT_STRATEGY,
    prompt: Prompt | None = None,
    settings: GenerateSettings | None = None,
) -> ExtractionRecord:
    """Extract, ground and merge the events of one article. Never raises for a bad reply.

    Raises:
        BackendError: the backend is unreachable (the caller decides whether to go on).
    """
    prompt = prompt or load_prompt(DEFAULT_PROMPT)
    settings = settings or GenerateSettings()
    # Text addressed to a model ("ignore previous instructions...") is blanked before anything
    # reads it; offsets are kept, so spans still point into the original article.
    text, planted = mask_planted(article.text)
    published = article.published.isoformat() if article.published else None
    meta = RecordMeta(
        backend=backend.id,
        model=backend.model,
        prompt_id=prompt.id,
        prompt_sha256=prompt.sha256,
        schema_sha256=schema_sha256(),
        strategy=strategy,
    )
    events: list[Event] = []
    diagnostics: list[Diagnostic] = [
        Diagnostic(
            path=f"article[{p.start}:{p.end}]",
            reason="text addressed to a model, not to readers; masked before extraction",
            item={"text": p.text[:300]},
        )
        for p in planted
    ]
    usage = UsageRecord()
    last_error: str | None = None
    last_raw: str | None = None
    start = time.perf_counter()
    focuses = plan(text, strategy)
    budget = settings.article_token_budget
    for n, focus in enumerate(focuses):
        spent = usage.prompt_tokens + usage.completion_tokens
        if budget is not None and spent >= budget:
            meta.budget_exhausted = True
            diagnostics.append(
                Diagnostic(
                    path=f"request[{n}]",
                    reason=f"token budget of {budget} per article spent ({spent} tokens) after "
                    f"{n} of {len(focuses)} requests; the remaining requests were not sent",
                )
            )
            break
        if focus.task == "window" and focus.text:
            # a window is asked about as an article of its own, so a request stays bounded
            # however long the article (a 1 MB page); its quotes are grounded in the whole text
            messages = prompt.messages(focus.text, task="whole", published=published)
        else:
            messages = prompt.messages(text, task=focus.task, focus=focus.text, published=published)
        compact = focus.task == "sentence" and focus.text is not None
        model: type[GroundedExtraction] | type[CompactExtraction] = (
            CompactExtraction if compact else GroundedExtraction
        )
        request_settings = (
            dataclasses.replace(settings, max_tokens=settings.max_tokens_focused)
            if compact
            else settings
        )
        if budget is not None:  # re-asks of this request stop where the article's budget does
            left = budget - spent
            cap = left if settings.token_budget is None else min(settings.token_budget, left)
            request_settings = dataclasses.replace(request_settings, token_budget=cap)
        json_schema: dict[str, Any] | None = None
        if settings.constrain == "article":
            found = candidates(text, focus.text)
            if backend.supports_constrained_decoding:
                json_schema = constrained_schema(model, found)
            else:  # the same candidates as advice; grounding still checks the reply
                last = messages[-1]
                messages[-1] = Message(
                    role=last["role"], content=f"{last['content']}\n\n{candidates_hint(found)}"
                )
        try:
            result = await backend.generate(
                messages,
                model,
                request_settings,
                context={"article": text},
                json_schema=json_schema,
            )
        except BackendError as exc:
            if not exc.request_specific:  # unreachable or failing server: the caller stops
                raise
            # Too slow or too large for this request (a long reply on a loaded machine, a page
            # beyond the model's context): record it for the article and go on.
            meta.requests += 1
            meta.failed_requests += 1
            last_error = str(exc)
            diagnostics.append(Diagnostic(path=f"request[{n}]", reason=last_error[:300]))
            continue
        usage = UsageRecord(
            prompt_tokens=usage.prompt_tokens + result.usage.prompt_tokens,
            completion_tokens=usage.completion_tokens + result.usage.completion_tokens,
            cached_tokens=usage.cached_tokens + result.usage.cached_tokens,
        )
        meta.attempts += result.attempts
        meta.requests += 1
        logger.debug(
            "%s request %d/%d: %d+%d tokens, %d attempt(s), %.1f s",
            article.id,
            n + 1,
            len(focuses),
            result.usage.prompt_tokens,
            result.usage.completion_tokens,
            result.attempts,
            result.latency_s,
        )
        if isinstance(result, FailedCompletion):
            parsed = _lenient_parse(result.raw, compact=compact)
            if parsed is None:
                meta.failed_requests += 1
                last_error, last_raw = result.error, result.raw
                diagnostics.append(Diagnostic(path=f"request[{n}]", reason=result.error[:300]))
                continue
        else:
            parsed = result.output
        if isinstance(parsed, CompactExtraction):
            parsed = ArticleExtraction(events=to_events(parsed, focus.text or ""))
        grounded = ground(ArticleExtraction(events=parsed.events), text)
        events.extend(grounded.events)
        diagnostics += [
            d.model_copy(update={"path": f"request[{n}].{d.path}"}) for d in grounded.diagnostics
        ]
    meta.usage = usage
    if budget is not None and usage.prompt_tokens + usage.completion_tokens >= budget:
        meta.budget_exhausted = True
    meta.cost_usd = estimate_cost(
        backend.id, backend.model, usage.prompt_tokens, usage.completion_tokens
    )
    meta.latency_s = round(time.perf_counter() - start, 3)
    if focuses and meta.failed_requests == meta.requests:
        return ExtractionRecord(
            id=article.id,
            extraction=None,
            meta=meta,
            error=last_error or "every request failed",
            raw=last_raw,
        )
    merged = [
        e.model_copy(update={"date": resolve(e.date, article.published)})
        for e in merge_events(events)
    ]
    return ExtractionRecord(
        id=article.id,
        meta=meta,
        extraction=ArticleExtraction(events=merged, diagnostics=diagnostics),
    )


async def aextract(
    text: str,
    *,
    backend: str | Backend = DEFAULT_BACKEND,
    published: dt.date | None = None,
    strategy: StrategyName = DEFAULT_STRATEGY,
    settings: GenerateSettings | None = None,
) -> ArticleExtraction:
    """Extract the events of one article text.

    Args:
        text: the article.
        backend: a backend id (``local/qwen2.5-coder-1.5b``, ``openai/gpt-4.1-mini``,
            ``openai-compatible/MODEL@URL``) or a ``Backend`` you manage yourself.
        published: publication date, to resolve relative dates ("on Wednesday").
        strategy: ``whole``, ``sentence`` or ``window``.
        settings: sampling and retry settings.

    Returns:
        The grounded events; dropped items are listed in ``diagnostics``.

    Raises:
        ExtractionFailed: no request produced a valid reply.
        BackendError: the backend could not be reached.
        ConfigError: bad backend id, missing key or dependency.
    """
    owned = isinstance(backend, str)
    engine = get_backend(backend) if isinstance(backend, str) else backend
    try:
        record = await extract_article(
            Article(id="article", text=text, published=published),
            engine,
            strategy=strategy,
            settings=settings,
        )
    finally:
        if owned:
            await engine.aclose()
    if record.extraction is None:
        raise ExtractionFailed(
            record.error or "extraction failed", attempts=record.meta.attempts, last_raw=record.raw
        )
    return record.extraction


def extract(
    text: str,
    *,
    backend: str | Backend = DEFAULT_BACKEND,
    published: dt.date | None = None,
    strategy: StrategyName = DEFAULT_STRATEGY,
    settings: GenerateSettings | None = None,
) -> ArticleExtraction:
    """Synchronous ``aextract``; see there."""
    return asyncio.run(
        aextract(text, backend=backend, published=published, strategy=strategy, settings=settings)
    )

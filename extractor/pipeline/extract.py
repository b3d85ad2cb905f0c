"""The one extraction pipeline: render, call, validate, ground, merge, resolve dates, account.

``extract``/``aextract`` are the public API; ``extract_article`` does the work for one article and
returns a record that is written as one JSON line by the CLI and the runner.
"""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt
import logging
import time
from dataclasses import dataclass
from typing import Any, TypedDict, Unpack

from extractor.backends import (
    Backend,
    Completion,
    FailedCompletion,
    GenerateSettings,
    get_backend,
)
from extractor.backends.prices import estimate_cost
from extractor.errors import BackendError, ExtractionFailed
from extractor.pipeline.candidates import candidates, candidates_hint
from extractor.pipeline.constrain import constrained_schema
from extractor.pipeline.dates import resolve
from extractor.pipeline.grounding import ground
from extractor.pipeline.planted import mask_planted
from extractor.pipeline.prompts import DEFAULT_PROMPT, Message, Prompt, load_prompt
from extractor.pipeline.replies import (
    CompactExtraction,
    GroundedExtraction,
    ReplyModel,
    lenient_parse,
    schema_sha256,
    to_events,
)
from extractor.pipeline.settings import Constrain, PipelineSettings
from extractor.pipeline.strategies import Focus, Strategy, merge_events, plan
from extractor.pipeline.version import PIPELINE_VERSION
from extractor.records import ExtractionRecord, RecordMeta, UsageRecord
from extractor.schema import Article, ArticleExtraction, Diagnostic, Event

logger = logging.getLogger(__name__)

__all__ = [
    "DEFAULT_BACKEND",
    "DEFAULT_STRATEGY",
    "ExtractOptions",
    "aextract",
    "extract",
    "extract_article",
    "request_messages",
    "whole_request",
]

DEFAULT_BACKEND = "local/qwen2.5-coder-1.5b"
DEFAULT_STRATEGY = Strategy.SENTENCE


def request_messages(
    prompt: Prompt, text: str, focus: Focus, published: str | None
) -> list[Message]:
    """The chat messages of one request about ``focus`` in the (masked) article ``text``.

    A window is asked about as an article of its own, so a request stays bounded however long the
    article (a 1 MB page); its quotes are still grounded in the whole text.
    """
    if focus.task == Strategy.WINDOW and focus.text:
        return prompt.messages(focus.text, task=Strategy.WHOLE, published=published)
    return prompt.messages(text, task=focus.task, focus=focus.text, published=published)


def _published(article: Article) -> str | None:
    return article.published.isoformat() if article.published else None


def whole_request(article: Article, prompt: Prompt) -> list[Message]:
    """The messages of the one request of the ``whole`` strategy, as ``extract_article`` sends them.

    Planted instructions are masked first; the Batch API is sent exactly these messages.
    """
    text, _ = mask_planted(article.text)
    return request_messages(prompt, text, plan(text, Strategy.WHOLE)[0], _published(article))


@dataclass(frozen=True)
class _Request:
    """One request, ready to send."""

    messages: list[Message]
    model: ReplyModel
    settings: GenerateSettings
    json_schema: dict[str, Any] | None


class _ArticleRun:
    """One article's extraction across its requests: what came back, what it cost, what failed."""

    def __init__(
        self,
        article: Article,
        backend: Backend,
        prompt: Prompt,
        settings: GenerateSettings,
        pipeline: PipelineSettings,
        strategy: Strategy,
    ) -> None:
        self.article, self.backend, self.prompt = article, backend, prompt
        self.settings, self.pipeline = settings, pipeline
        # Text addressed to a model ("ignore previous instructions...") is blanked before anything
        # reads it; offsets are kept, so spans still point into the original article.
        self.text, planted = mask_planted(article.text)
        self.meta = RecordMeta(
            backend=backend.id,
            model=backend.model,
            prompt_id=prompt.id,
            prompt_sha256=prompt.sha256,
            schema_sha256=schema_sha256(),
            strategy=strategy.value,
            pipeline_version=PIPELINE_VERSION,
        )
        self.events: list[Event] = []
        self.diagnostics = [
            Diagnostic(
                path=f"article[{p.start}:{p.end}]",
                reason="text addressed to a model, not to readers; masked before extraction",
                item={"text": p.text[:300]},
            )
            for p in planted
        ]
        self.usage = UsageRecord()
        self.last_error: str | None = None
        self.last_raw: str | None = None

    @property
    def spent(self) -> int:
        """Tokens spent on the article so far (prompt and completion, every attempt)."""
        return self.usage.prompt_tokens + self.usage.completion_tokens

    def out_of_budget(self, n: int, total: int) -> bool:
        """True (and said in a diagnostic) when the article's budget is spent before request n."""
        budget = self.pipeline.article_token_budget
        if budget is None or self.spent < budget:
            return False
        self.meta.budget_exhausted = True
        self.diagnostics.append(
            Diagnostic(
                path=f"request[{n}]",
                reason=f"token budget of {budget} per article spent ({self.spent} tokens) after "
                f"{n} of {total} requests; the remaining requests were not sent",
            )
        )
        return True

    def prepare(self, focus: Focus) -> _Request:
        """The messages, reply model, settings and (constrained) schema of a request."""
        messages = request_messages(self.prompt, self.text, focus, _published(self.article))
        compact = focus.task == Strategy.SENTENCE and focus.text is not None
        model: ReplyModel = CompactExtraction if compact else GroundedExtraction
        settings = self.settings
        if compact:
            settings = dataclasses.replace(settings, max_tokens=self.pipeline.max_tokens_focused)
        budget = self.pipeline.article_token_budget
        if budget is not None:  # re-asks of this request stop where the article's budget does
            left = budget - self.spent
            cap = left if settings.token_budget is None else min(settings.token_budget, left)
            settings = dataclasses.replace(settings, token_budget=cap)
        json_schema: dict[str, Any] | None = None
        if self.pipeline.constrain == Constrain.ARTICLE:
            found = candidates(self.text, focus.text)
            if self.backend.supports_constrained_decoding:
                json_schema = constrained_schema(model, found)
            else:  # the same candidates as advice; grounding still checks the reply
                last = messages[-1]
                messages[-1] = Message(
                    role=last["role"], content=f"{last['content']}\n\n{candidates_hint(found)}"
                )
        return _Request(messages, model, settings, json_schema)

    def fail(self, n: int, error: str) -> None:
        """A request that gave nothing usable: counted, and said in a diagnostic."""
        self.meta.failed_requests += 1
        self.last_error = error
        self.diagnostics.append(Diagnostic(path=f"request[{n}]", reason=error[:300]))

    async def send(self, n: int, total: int, focus: Focus) -> None:
        """Send request n and keep what grounding keeps of its reply.

        Raises:
            BackendError: the server is unreachable or failing (not this request's fault).
        """
        request = self.prepare(focus)
        try:
            result = await self.backend.generate(
                request.messages,
                request.model,
                request.settings,
                context={"article": self.text},
                json_schema=request.json_schema,
            )
        except BackendError as exc:
            if not exc.request_specific:  # unreachable or failing server: the caller stops
                raise
            # Too slow or too large for this request (a long reply on a loaded machine, a page
            # beyond the model's context): record it for the article and go on.
            self.meta.requests += 1
            self.fail(n, str(exc))
            return
        self.account(n, total, result)
        self.take(n, focus, request.model, result)

    def account(self, n: int, total: int, result: Completion[Any] | FailedCompletion) -> None:
        """Add a reply's tokens and attempts, failed attempts included."""
        self.usage = UsageRecord(
            prompt_tokens=self.usage.prompt_tokens + result.usage.prompt_tokens,
            completion_tokens=self.usage.completion_tokens + result.usage.completion_tokens,
            cached_tokens=self.usage.cached_tokens + result.usage.cached_tokens,
        )
        self.meta.attempts += result.attempts
        self.meta.requests += 1
        logger.debug(
            "%s request %d/%d: %d+%d tokens, %d attempt(s), %.1f s",
            self.article.id,
            n + 1,
            total,
            result.usage.prompt_tokens,
            result.usage.completion_tokens,
            result.attempts,
            result.latency_s,
        )

    def take(
        self, n: int, focus: Focus, model: ReplyModel, result: Completion[Any] | FailedCompletion
    ) -> None:
        """Ground a reply (or what parses of a failed one) and keep its events and diagnostics."""
        if isinstance(result, FailedCompletion):
            parsed = lenient_parse(result.raw, model)
            if parsed is None:
                self.last_raw = result.raw
                self.fail(n, result.error)
                return
        else:
            parsed = result.output
        if isinstance(parsed, CompactExtraction):
            parsed = ArticleExtraction(events=to_events(parsed, focus.text or ""))
        grounded = ground(ArticleExtraction(events=parsed.events), self.text)
        self.events.extend(grounded.events)
        self.diagnostics += [
            d.model_copy(update={"path": f"request[{n}].{d.path}"}) for d in grounded.diagnostics
        ]

    def record(self, requests: int, latency_s: float) -> ExtractionRecord:
        """The article's record: its merged events with resolved dates, or the error."""
        meta = self.meta
        meta.usage = self.usage
        budget = self.pipeline.article_token_budget
        if budget is not None and self.spent >= budget:
            meta.budget_exhausted = True
        meta.cost_usd = estimate_cost(
            self.backend.id,
            self.backend.model,
            self.usage.prompt_tokens,
            self.usage.completion_tokens,
        )
        meta.latency_s = round(latency_s, 3)
        article = self.article
        if requests and meta.failed_requests == meta.requests:
            return ExtractionRecord(
                id=article.id,
                extraction=None,
                meta=meta,
                error=self.last_error or "every request failed",
                raw=self.last_raw,
            )
        merged = [
            e.model_copy(update={"date": resolve(e.date, article.published)})
            for e in merge_events(self.events)
        ]
        extraction = ArticleExtraction(events=merged, diagnostics=self.diagnostics)
        return ExtractionRecord(id=article.id, meta=meta, extraction=extraction)


async def extract_article(
    article: Article,
    backend: Backend,
    *,
    strategy: Strategy = DEFAULT_STRATEGY,
    prompt: Prompt | None = None,
    settings: GenerateSettings | None = None,
    pipeline: PipelineSettings | None = None,
) -> ExtractionRecord:
    """Extract, ground and merge the events of one article. Never raises for a bad reply.

    Args:
        article: the article.
        backend: where the requests go.
        strategy: how the article is put to the model.
        prompt: the prompt (default: the current one).
        settings: what each request is sent with.
        pipeline: focused caps, the article's token budget, constrained decoding.

    Raises:
        BackendError: the backend is unreachable (the caller decides whether to go on).
    """
    strategy = Strategy(strategy)
    run = _ArticleRun(
        article,
        backend,
        prompt or load_prompt(DEFAULT_PROMPT),
        settings or GenerateSettings(),
        pipeline or PipelineSettings(),
        strategy,
    )
    start = time.perf_counter()
    focuses = plan(run.text, strategy)
    for n, focus in enumerate(focuses):
        if run.out_of_budget(n, len(focuses)):
            break
        await run.send(n, len(focuses), focus)
    return run.record(len(focuses), time.perf_counter() - start)


class ExtractOptions(TypedDict, total=False):
    """The options of :func:`aextract` and :func:`extract` (all optional)."""

    backend: str | Backend
    """A backend id (default ``DEFAULT_BACKEND``) or a ``Backend`` you manage yourself."""
    published: dt.date | None
    """Publication date, to resolve relative dates ("on Wednesday")."""
    strategy: Strategy
    """``whole``, ``sentence`` (default) or ``window``."""
    settings: GenerateSettings | None
    """What each request is sent with (sampling, output cap, re-asks, timeout)."""
    pipeline: PipelineSettings | None
    """Focused caps, the article's token budget, constrained decoding."""


async def aextract(text: str, **options: Unpack[ExtractOptions]) -> ArticleExtraction:
    """Extract the events of one article text.

    Args:
        text: the article.
        **options: ``backend`` (an id such as ``local/qwen2.5-coder-1.5b``, ``openai/gpt-4.1-mini``
            or ``openai-compatible/MODEL@URL``, or a ``Backend``), ``published``, ``strategy``,
            ``settings``, ``pipeline``: see :class:`ExtractOptions`.

    Returns:
        The grounded events; dropped items are listed in ``diagnostics``.

    Raises:
        ExtractionFailed: no request produced a valid reply.
        BackendError: the backend could not be reached.
        ConfigError: bad backend id, missing key or dependency.
    """
    backend = options.get("backend", DEFAULT_BACKEND)
    engine = get_backend(backend) if isinstance(backend, str) else backend
    try:
        record = await extract_article(
            Article(id="article", text=text, published=options.get("published")),
            engine,
            strategy=options.get("strategy", DEFAULT_STRATEGY),
            settings=options.get("settings"),
            pipeline=options.get("pipeline"),
        )
    finally:
        if isinstance(backend, str):  # built here, so closed here
            await engine.aclose()
    if record.extraction is None:
        raise ExtractionFailed(
            record.error or "extraction failed", attempts=record.meta.attempts, last_raw=record.raw
        )
    return record.extraction


def extract(text: str, **options: Unpack[ExtractOptions]) -> ArticleExtraction:
    """Synchronous :func:`aextract`; see there."""
    return asyncio.run(aextract(text, **options))

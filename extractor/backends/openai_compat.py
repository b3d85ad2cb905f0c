"""One backend for every OpenAI-compatible server, through ``openai`` + ``instructor``.

The instructor mode is chosen per server because servers differ in what they accept (measured):
llama.cpp's server answers HTTP 500 to ``response_format: json_schema`` but constrains decoding to a
schema given as ``{"type": "json_object", "schema": ...}``; OpenAI takes tool calls. ``mode=`` in
the backend id overrides the default (``openai-compatible/M@URL?mode=tools``).

Credentials in the URL are used, never shown: userinfo (``https://user:KEY@host/v1``) is sent as a
Basic ``Authorization`` header and taken out of the URL the SDK holds (so its logs and exceptions
never carry it), other query parameters (``?api-key=KEY``) go with every request. The id, the
``base_url`` shown and every error message are redacted (``extractor.redact``).
"""

from __future__ import annotations

import base64
import functools
import logging
import os
import time
from collections.abc import Mapping, Sequence
from contextvars import ContextVar
from typing import Any
from urllib.parse import unquote, urlencode, urlsplit, urlunsplit

import instructor
import openai
from instructor.core.exceptions import InstructorError, InstructorRetryException

from extractor.backends import (
    BackendSpec,
    Completion,
    FailedCompletion,
    GenerateSettings,
    T,
    Usage,
    validation_context,
)
from extractor.backends.profile import event_hooks, recording
from extractor.errors import BackendError, ConfigError
from extractor.redact import ScrubFilter, redact_url, remember, scrub

# The SDK and its HTTP client log request URLs (query secrets included) at INFO/DEBUG; these are
# the loggers they log to, for programs that configure logging themselves (the CLI scrubs its
# handler too).
for _name in ("httpx", "httpx2", "openai._base_client"):
    logging.getLogger(_name).addFilter(ScrubFilter())

_OPTIONS = frozenset({"mode", "schema_in_body"})
"""Query parameters of a backend id that are ours; the others are the server's."""

# Attempts of the request running in this asyncio task, counted by instructor's
# "completion:kwargs" hook, which fires exactly once per call to the server (re-asks included).
_attempts: ContextVar[list[int] | None] = ContextVar("_attempts", default=None)


def _count_attempt(*_args: Any, **_kwargs: Any) -> None:
    seen = _attempts.get()
    if seen is not None:
        seen.append(1)


_MODES: dict[str, instructor.Mode] = {
    "json": instructor.Mode.JSON,
    "json_schema": instructor.Mode.JSON_SCHEMA,
    "tools": instructor.Mode.TOOLS,
    "md_json": instructor.Mode.MD_JSON,
}


@functools.cache
def _response_schema(model: type[T]) -> type[T]:
    """The model as instructor's ``ResponseSchema`` subclass, built once per model.

    instructor builds this subclass itself when given a plain model, on every request: a new class
    each time, whose JSON schema is then generated afresh. That was most of the CPU a request cost
    us (``benchmarks/throughput.py``); built once, the schema cache on ``Strict`` applies.
    """
    return instructor.openai_schema(model)


def _usage_from(total_usage: Any) -> Usage:
    """Read instructor's cumulative usage (all attempts) into our Usage."""
    return _usage_of(type("_WithUsage", (), {"usage": total_usage})())


def _backend_error(backend: str, base_url: str | None, exc: openai.APIError) -> BackendError:
    """One clear line for an HTTP-level failure; the SDK has already retried it.

    The text is scrubbed before it is cut: a server's error body may echo the key or the URL.
    """
    if isinstance(exc, openai.APIStatusError):
        return BackendError(backend, scrub(f"HTTP {exc.status_code}: {exc.message}")[:500])
    where = redact_url(base_url or "the API")
    if isinstance(exc, openai.APITimeoutError):
        return BackendError(backend, f"request to {where} timed out", timeout=True)
    if isinstance(exc, openai.APIConnectionError):
        return BackendError(backend, scrub(f"cannot reach {where}: {exc}")[:500])
    return BackendError(backend, scrub(f"{type(exc).__name__}: {exc}")[:500])


def _without_userinfo(url: str) -> tuple[str, dict[str, str]]:
    """The URL without its userinfo, and the Basic ``Authorization`` header it stood for.

    What httpx would send for a URL with userinfo, made explicit: the secret then lives in one
    header instead of in every URL the SDK logs or puts in an exception.
    """
    parts = urlsplit(url)
    if "@" not in parts.netloc:
        return url, {}
    userinfo, _, host = parts.netloc.rpartition("@")
    user, _, password = userinfo.partition(":")
    basic = base64.b64encode(f"{unquote(user)}:{unquote(password)}".encode()).decode("ascii")
    return urlunsplit(parts._replace(netloc=host)), {"Authorization": f"Basic {basic}"}


def _usage_of(obj: Any) -> Usage:
    usage = getattr(obj, "usage", None) if obj is not None else None
    if usage is None:
        return Usage()
    details = getattr(usage, "prompt_tokens_details", None)
    cached = getattr(details, "cached_tokens", 0) if details is not None else 0
    return Usage(
        int(getattr(usage, "prompt_tokens", 0) or 0),
        int(getattr(usage, "completion_tokens", 0) or 0),
        int(cached or 0),
    )


def _raw_text(completion: Any) -> str:
    """The text of a chat completion, whether it came as content or as a tool call."""
    try:
        message = completion.choices[0].message
    except (AttributeError, IndexError, TypeError):
        return ""
    if getattr(message, "tool_calls", None):
        return str(message.tool_calls[0].function.arguments)
    return str(message.content or "")


class OpenAICompatBackend:
    """Any OpenAI-compatible chat completions endpoint."""

    def __init__(
        self,
        *,
        backend_id: str,
        model: str,
        base_url: str | None,
        api_key: str,
        mode: str,
        schema_in_body: bool,
        http_retries: int = 2,
        instructor_client: Any = None,
        query: Mapping[str, str] | None = None,
    ) -> None:
        if mode not in _MODES:
            raise ConfigError(f"unknown instructor mode {mode!r}; choose from {sorted(_MODES)}")
        query = dict(query or {})
        full = f"{base_url}?{urlencode(query)}" if base_url and query else base_url
        if full:
            remember(full)
        self.id = redact_url(backend_id)
        self.model = model
        self.base_url = redact_url(full) if full else None
        """The endpoint as shown in records and messages: its secrets masked."""
        self.mode = mode
        self._schema_in_body = schema_in_body
        self.supports_constrained_decoding = schema_in_body or mode == "json_schema"
        # The SDK retries 408/409/429/5xx with backoff and honours Retry-After; instructor's own
        # retries are for validation re-asks only.
        # Another provider's instructor client (``instructor.from_provider``) may stand in for
        # the OpenAI one: the validation, accounting and error handling below are the same.
        self._client: openai.AsyncOpenAI | None = None
        if instructor_client is None:
            url, auth = _without_userinfo(base_url) if base_url else (None, {})
            self._client = openai.AsyncOpenAI(
                base_url=url,
                api_key=api_key,
                max_retries=http_retries,
                default_headers=auth or None,
                default_query=query or None,
                # the SDK's own client settings, plus hooks that time each request
                http_client=openai.DefaultAsyncHttpxClient(event_hooks=event_hooks()),
            )
            instructor_client = instructor.from_openai(self._client, mode=_MODES[mode])
        self._instructor: Any = instructor_client
        self._instructor.on("completion:kwargs", _count_attempt)

    @classmethod
    def from_spec(cls, spec: BackendSpec, **kwargs: Any) -> OpenAICompatBackend:
        """Build from a parsed id; the key comes from the environment only.

        Query parameters of the id that are not options go to the server with every request.

        Raises:
            ConfigError: ``openai/`` without ``OPENAI_API_KEY``.
        """
        query = {k: v for k, v in spec.options.items() if k not in _OPTIONS}
        if spec.provider == "openai":
            key = os.environ.get("OPENAI_API_KEY")
            if not key:
                raise ConfigError(
                    "backend openai/... needs the OPENAI_API_KEY environment variable"
                )
            base_url = spec.base_url or os.environ.get("OPENAI_BASE_URL")
            mode = spec.options.get("mode", "tools")
            schema_in_body = False
            backend_id = f"openai/{spec.model}"
        else:
            if not spec.base_url:
                raise ConfigError(
                    "openai-compatible backends need a URL: "
                    "openai-compatible/MODEL@http://host:port/v1"
                )
            key = os.environ.get("EXTRACTOR_API_KEY") or "not-needed"
            base_url = spec.base_url
            mode = spec.options.get("mode", "json")
            schema_in_body = (
                spec.options.get("schema_in_body", "1" if mode == "json" else "0") == "1"
            )
            backend_id = f"openai-compatible/{spec.model}@{base_url}"
            if query:  # they name the endpoint too (redacted in __init__)
                backend_id += "?" + "&".join(f"{k}={v}" for k, v in query.items())
        return cls(
            backend_id=backend_id,
            model=spec.model,
            base_url=base_url,
            api_key=key,
            mode=mode,
            schema_in_body=schema_in_body,
            query={k: unquote(v) for k, v in query.items()},
            **kwargs,
        )

    def describe(self) -> dict[str, str]:
        """Facts for run records; never the key."""
        return {
            "backend": self.id,
            "model": self.model,
            "base_url": self.base_url or "",
            "instructor_mode": self.mode,
        }

    async def generate(
        self,
        messages: Sequence[Mapping[str, str]],
        response_model: type[T],
        settings: GenerateSettings,
        *,
        context: Mapping[str, Any] | None = None,
        json_schema: Mapping[str, Any] | None = None,
    ) -> Completion[T] | FailedCompletion:
        """Ask for one validated object; see ``Backend.generate``."""
        extra_body: dict[str, Any] = {}
        if self._schema_in_body:
            schema = json_schema or response_model.model_json_schema()
            extra_body["response_format"] = {"type": "json_object", "schema": schema}
        start = time.perf_counter()
        attempts: list[int] = []
        token = _attempts.set(attempts)
        context_token = validation_context.set(dict(context or {}))
        with recording() as requests:
            try:
                output, completion = await self._instructor.chat.completions.create_with_completion(
                    model=self.model,
                    messages=list(messages),
                    response_model=_response_schema(response_model),
                    max_retries=settings.max_retries,
                    temperature=settings.temperature,
                    max_tokens=settings.max_tokens,
                    seed=settings.seed,
                    timeout=settings.timeout_s,
                    extra_body=extra_body or None,
                    token_budget=settings.token_budget,
                )
            except InstructorRetryException as exc:
                cause = exc.__cause__
                if isinstance(cause, openai.APIError):  # HTTP-level failure, not a bad reply
                    raise _backend_error(self.id, self.base_url, cause) from cause
                message = (
                    scrub(" ".join(str(exc).split()))[:800] or "validation failed after retries"
                )
                return FailedCompletion(
                    raw=scrub(_raw_text(exc.last_completion)) or None,
                    usage=_usage_from(exc.total_usage),
                    attempts=max(len(attempts), int(exc.n_attempts or 0)),
                    latency_s=time.perf_counter() - start,
                    error=message,
                    requests=tuple(requests),
                )
            except InstructorError as exc:  # truncated output, token budget...
                last = getattr(exc, "last_completion", None)
                total = getattr(exc, "total_usage", None)
                return FailedCompletion(
                    raw=scrub(_raw_text(last)) or None,
                    usage=_usage_from(total) if total is not None else _usage_of(last),
                    attempts=max(1, len(attempts)),
                    latency_s=time.perf_counter() - start,
                    error=f"{type(exc).__name__}: {scrub(' '.join(str(exc).split()))[:600]}",
                    requests=tuple(requests),
                )
            except openai.APIError as exc:
                raise _backend_error(self.id, self.base_url, exc) from exc
            finally:
                _attempts.reset(token)
                validation_context.reset(context_token)
        total = getattr(output, "_total_usage", None)
        return Completion(
            output=output,
            raw=_raw_text(completion),
            usage=_usage_from(total) if total is not None else _usage_of(completion),
            attempts=max(1, len(attempts)),
            latency_s=time.perf_counter() - start,
            requests=tuple(requests),
        )

    async def aclose(self) -> None:
        """Close the HTTP client."""
        if self._client is not None:
            await self._client.close()

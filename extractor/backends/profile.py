"""Where a request's seconds go: one :class:`RequestProfile` per HTTP request to a model server.

llama.cpp's own server (``tools/server``) sends ``timings`` with every reply: the prompt tokens it
took from the slot's cache (``cache_n``) and those it evaluated (``prompt_n``), and the
milliseconds of prefill and of decoding. The client adds the wall time from sending the request
to reading the reply. What is left, wall - prefill - decode, is what no server timer covers:
waiting for a free slot, building the grammar of the schema, tokenising and HTTP.
llama-cpp-python's server sends no timings: its profiles have tokens and wall time only (None
for the rest, never a guess).

Profiles are collected by httpx event hooks on the OpenAI client, into every :func:`recording`
active in the current asyncio task (a ``ContextVar``: tasks started inside inherit it), so a
caller can profile one request (the backend does, into ``Completion.requests``) or a whole
article (``benchmarks/local_model.py``)::

    with recording() as requests:
        extract(article, backend="local/qwen2.5-coder-1.5b")
    summarise(requests)
"""

from __future__ import annotations

import json
import time
from collections.abc import Generator, Iterable, Mapping, MutableMapping
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any, Protocol, cast

__all__ = [
    "ProfileSummary",
    "RequestProfile",
    "event_hooks",
    "profile_of",
    "recording",
    "summarise",
]

_START = "extractor_profile_start"
"""Key of the send time in ``httpx.Request.extensions``."""


class _Request(Protocol):
    """What the hooks read of the SDK's request (``httpx`` or ``httpx2``, whichever it ships)."""

    @property
    def extensions(self) -> MutableMapping[str, Any]: ...
    @property
    def content(self) -> bytes: ...


class _Response(Protocol):
    @property
    def request(self) -> _Request: ...
    @property
    def status_code(self) -> int: ...
    @property
    def headers(self) -> Mapping[str, str]: ...
    async def aread(self) -> bytes: ...


_recorders: ContextVar[tuple[list[RequestProfile], ...]] = ContextVar("_recorders", default=())


@dataclass(frozen=True)
class RequestProfile:
    """One HTTP request to a model server, timed (tokens and seconds; None: not reported)."""

    wall_s: float
    """From sending the request to having read the whole reply (client clock)."""
    status: int
    grammar: bool
    """The request constrained decoding (a schema in ``response_format``, a grammar)."""
    prompt_tokens: int | None = None
    completion_tokens: int | None = None
    cached_tokens: int | None = None
    """Prompt tokens served from the server's cache (``timings.cache_n``, else the usage's
    ``prompt_tokens_details.cached_tokens``)."""
    evaluated_tokens: int | None = None
    """Prompt tokens the server evaluated (prefilled): ``timings.prompt_n``."""
    prefill_s: float | None = None
    decode_s: float | None = None
    draft_tokens: int | None = None
    """Tokens drafted by speculative decoding, and of those accepted (when it is on)."""
    draft_accepted: int | None = None

    @property
    def other_s(self) -> float | None:
        """Wall time no server timer covers (slot wait, grammar set-up, tokenising, HTTP)."""
        if self.prefill_s is None or self.decode_s is None:
            return None
        return max(0.0, self.wall_s - self.prefill_s - self.decode_s)


def _int(value: Any) -> int | None:
    return int(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


def _seconds(ms: Any) -> float | None:
    return float(ms) / 1000.0 if isinstance(ms, int | float) and not isinstance(ms, bool) else None


def _json(body: bytes) -> dict[str, Any]:
    try:
        data: object = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        return {}
    return cast("dict[str, Any]", data) if isinstance(data, dict) else {}


def _object(value: object) -> dict[str, Any]:
    return cast("dict[str, Any]", value) if isinstance(value, dict) else {}


def _constrained(request: dict[str, Any]) -> bool:
    fmt = _object(request.get("response_format"))
    if fmt.get("schema") or fmt.get("json_schema"):
        return True
    return bool(request.get("grammar") or request.get("json_schema") or request.get("tools"))


def profile_of(
    request_body: bytes, status: int, reply_body: bytes, wall_s: float
) -> RequestProfile:
    """The profile of one exchange, from the bodies as sent and received.

    Args:
        request_body: The JSON request (chat completions).
        status: The HTTP status of the reply.
        reply_body: The reply's body (an error body gives a profile without tokens).
        wall_s: Seconds from sending to having read the reply.

    Returns:
        What the exchange reports; fields the server does not report are None.
    """
    reply = _json(reply_body)
    usage = _object(reply.get("usage"))
    timings = _object(reply.get("timings"))
    cached = _int(timings.get("cache_n"))
    if cached is None:
        cached = _int(_object(usage.get("prompt_tokens_details")).get("cached_tokens"))
    return RequestProfile(
        wall_s=wall_s,
        status=status,
        grammar=_constrained(_json(request_body)),
        prompt_tokens=_int(usage.get("prompt_tokens")),
        completion_tokens=_int(usage.get("completion_tokens")),
        cached_tokens=cached,
        evaluated_tokens=_int(timings.get("prompt_n")),
        prefill_s=_seconds(timings.get("prompt_ms")),
        decode_s=_seconds(timings.get("predicted_ms")),
        draft_tokens=_int(timings.get("draft_n")),
        draft_accepted=_int(timings.get("draft_n_accepted")),
    )


@contextmanager
def recording() -> Generator[list[RequestProfile]]:
    """Collect the profile of every request made in this context (nested recordings all get it).

    Yields:
        The list the profiles are appended to, in the order the replies arrived.
    """
    requests: list[RequestProfile] = []
    token = _recorders.set((*_recorders.get(), requests))
    try:
        yield requests
    finally:
        _recorders.reset(token)


async def _on_request(request: _Request) -> None:
    if _recorders.get():
        request.extensions[_START] = time.perf_counter()


async def _on_response(response: _Response) -> None:
    recorders = _recorders.get()
    start = response.request.extensions.get(_START)
    if not recorders or not isinstance(start, float):
        return
    if "text/event-stream" in response.headers.get("content-type", ""):
        return  # a stream is read by its consumer; we never stream
    body = await response.aread()
    profile = profile_of(
        response.request.content, response.status_code, body, time.perf_counter() - start
    )
    for requests in recorders:
        requests.append(profile)


def event_hooks() -> dict[str, list[Any]]:
    """The ``event_hooks`` of the SDK's async HTTP client (``openai.DefaultAsyncHttpxClient``)."""
    return {"request": [_on_request], "response": [_on_response]}


@dataclass(frozen=True)
class ProfileSummary:
    """The requests of one article (or run), added up."""

    requests: int
    wall_s: float
    prompt_tokens: int
    completion_tokens: int
    cached_tokens: int | None
    evaluated_tokens: int | None
    prefill_s: float | None
    decode_s: float | None
    other_s: float | None
    grammar_requests: int

    @property
    def decode_tokens_per_s(self) -> float | None:
        """Completion tokens per second of decoding (the model's speed, grammar included)."""
        if not self.decode_s:
            return None
        return self.completion_tokens / self.decode_s

    @property
    def effective_tokens_per_s(self) -> float:
        """Completion tokens per second of wall time (what a user waits for)."""
        return self.completion_tokens / self.wall_s if self.wall_s else 0.0


def _total(values: Iterable[float | int | None]) -> Any:
    seen = list(values)
    return (
        None if not seen or any(v is None for v in seen) else sum(v for v in seen if v is not None)
    )


def summarise(requests: Iterable[RequestProfile]) -> ProfileSummary:
    """Add up profiles; a timing is None unless every request reported it."""
    rs = list(requests)
    return ProfileSummary(
        requests=len(rs),
        wall_s=sum(r.wall_s for r in rs),
        prompt_tokens=sum(r.prompt_tokens or 0 for r in rs),
        completion_tokens=sum(r.completion_tokens or 0 for r in rs),
        cached_tokens=_total(r.cached_tokens for r in rs),
        evaluated_tokens=_total(r.evaluated_tokens for r in rs),
        prefill_s=_total(r.prefill_s for r in rs),
        decode_s=_total(r.decode_s for r in rs),
        other_s=_total(r.other_s for r in rs),
        grammar_requests=sum(r.grammar for r in rs),
    )

"""The Backend protocol: chat messages in, a validated Pydantic object (or the failure) out.

Also what a request is sent with (``GenerateSettings``), what comes back (``Completion``,
``FailedCompletion``, ``Usage``), and how a backend hands the validation context to a response
model's validators (``validation_context``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any, Generic, Protocol, TypeVar

from pydantic import BaseModel

from extractor.backends.profile import RequestProfile

T = TypeVar("T", bound=BaseModel)

validation_context: ContextVar[Mapping[str, Any] | None] = ContextVar(
    "validation_context", default=None
)
"""The ``context`` of the request in flight in this asyncio task, for validators to read.

A backend sets it around a request when its SDK cannot pass ``context`` to validation itself:
instructor can, but renders every message as a Jinja template with it, so an article containing
``{{`` broke the request and ``{{ article }}`` in an article was replaced by the article (and the
rendering cost a template compilation per message). A validator reads ``info.context`` first, then
this."""


@dataclass(frozen=True)
class Usage:
    """Tokens spent, failed attempts included."""

    prompt_tokens: int = 0
    completion_tokens: int = 0
    cached_tokens: int = 0
    """Prompt tokens the server reported as served from its cache, where it reports them."""


@dataclass(frozen=True)
class GenerateSettings:
    """What one request is sent with. Part of the cache key: change one and the work is done again.

    How the pipeline spends requests on an article (focused caps, the article's budget,
    constrained decoding) is ``extractor.pipeline.PipelineSettings``.
    """

    temperature: float = 0.0
    max_tokens: int = 1536
    max_retries: int = 1
    """Re-asks after a reply fails validation or grounding (instructor's re-ask)."""
    token_budget: int | None = 24_000
    """Cap on tokens per request across re-asks; re-asks grow the context each time."""
    timeout_s: float = 600.0
    seed: int | None = 0


@dataclass(frozen=True)
class Completion(Generic[T]):
    """A validated reply with its accounting."""

    output: T
    raw: str
    usage: Usage
    attempts: int
    latency_s: float
    requests: tuple[RequestProfile, ...] = ()
    """Each HTTP request made for it (re-asks and SDK retries included), timed; empty when the
    backend does not profile (``extractor.backends.profile``)."""


@dataclass(frozen=True)
class FailedCompletion:
    """What is left of a request whose replies never validated: the last raw reply and the cost."""

    raw: str | None
    usage: Usage
    attempts: int
    latency_s: float
    error: str
    requests: tuple[RequestProfile, ...] = ()
    """As ``Completion.requests``."""


class Backend(Protocol):
    """Anything that turns chat messages into a validated Pydantic object."""

    id: str
    model: str
    supports_constrained_decoding: bool
    """True when the server restricts decoding to a JSON schema sent with the request."""

    async def generate(
        self,
        messages: Sequence[Mapping[str, str]],
        response_model: type[T],
        settings: GenerateSettings,
        *,
        context: Mapping[str, Any] | None = None,
        json_schema: Mapping[str, Any] | None = None,
    ) -> Completion[T] | FailedCompletion:
        """Ask for one object; never raises for a reply that fails validation (returns failure).

        Args:
            messages: chat messages.
            response_model: the Pydantic model to fill.
            settings: sampling and retry settings.
            context: validation context passed to the model's validators (the article text).
            json_schema: a schema for constrained decoding instead of the model's own, where the
                backend supports it (a per-article schema, for instance).

        Raises:
            BackendError: the server could not be reached or kept failing at the HTTP level.
        """
        ...

    def describe(self) -> dict[str, str]:
        """Facts about the backend for run records (never a key)."""
        ...

    async def aclose(self) -> None:
        """Release connections (and stop a server the backend started)."""
        ...


@dataclass(frozen=True)
class BackendSpec:
    """A parsed backend id."""

    provider: str
    model: str
    base_url: str | None = None
    options: Mapping[str, str] = field(default_factory=dict[str, str])


class BackendFactory(Protocol):
    """Builds a backend from its parsed id (``register_backend`` keeps one per provider)."""

    def __call__(self, spec: BackendSpec, /, **kwargs: Any) -> Backend:
        """The backend; options beyond the id (threads, context size...) come as keywords."""
        ...

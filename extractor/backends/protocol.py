"""Backends: where a request for structured output goes, behind one protocol.

Backend ids are strings a user types:
- ``local/NAME``: the embedded llama.cpp server with a model from the registry (``models.py``);
- ``openai/MODEL``: OpenAI's API (key from ``OPENAI_API_KEY``);
- ``openai-compatible/MODEL@URL``: any OpenAI-compatible server (vLLM, Ollama, LM Studio,
  llama.cpp...), key from ``EXTRACTOR_API_KEY`` if the server wants one;
- ``provider/NAME/MODEL``: any other provider instructor supports (``instructor.from_provider``,
  e.g. ``provider/anthropic/claude-sonnet-4-5``), with that provider's SDK installed as an extra.
All three go through the same ``openai`` + ``instructor`` code path.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any, Generic, Literal, Protocol, TypeVar

from pydantic import BaseModel

from extractor.errors import ConfigError

T = TypeVar("T", bound=BaseModel)

validation_context: ContextVar[Mapping[str, Any] | None] = ContextVar(
    "validation_context", default=None
)
"""The validation context of the request in flight in this asyncio task (the article text).

Backends set it around a request instead of handing it to instructor as ``context=``: instructor
renders every message as a Jinja template with that context, so an article containing ``{{`` broke
the request and ``{{ article }}`` in an article was replaced by the article; the rendering also
cost a template compilation per message."""


@dataclass(frozen=True)
class Usage:
    """Tokens spent, failed attempts included."""

    prompt_tokens: int = 0
    completion_tokens: int = 0
    cached_tokens: int = 0
    """Prompt tokens the server reported as served from its cache, where it reports them."""


@dataclass(frozen=True)
class GenerateSettings:
    """Per-request settings. Part of the cache key: change one and the work is done again."""

    temperature: float = 0.0
    max_tokens: int = 1536
    max_tokens_focused: int = 512
    """Cap for a request about one sentence: it rarely holds more than two events, and the cap
    stops a small model that starts repeating itself from burning the whole budget."""
    max_retries: int = 1
    """Re-asks after a reply fails validation or grounding (instructor's re-ask)."""
    token_budget: int | None = 24_000
    """Cap on tokens per request across re-asks; re-asks grow the context each time."""
    article_token_budget: int | None = 250_000
    """Cap on tokens (prompt + completion) spent on one article across all its requests and
    re-asks. When it is reached the article's remaining requests are not sent, and the record says
    so (``meta.budget_exhausted`` and a diagnostic). About twice the costliest gold article
    (128k tokens, 28 sentence requests), so it stops runaway cost (a 1 MB page) and nothing else."""
    timeout_s: float = 600.0
    constrain: Literal["none", "article"] = "none"
    """``article``: restrict decoding to the article's own numbers and names (``constrain.py``),
    on backends that accept a JSON schema for constrained decoding."""
    seed: int | None = 0


@dataclass(frozen=True)
class Completion(Generic[T]):
    """A validated reply with its accounting."""

    output: T
    raw: str
    usage: Usage
    attempts: int
    latency_s: float


@dataclass(frozen=True)
class FailedCompletion:
    """What is left of a request whose replies never validated: the last raw reply and the cost."""

    raw: str | None
    usage: Usage
    attempts: int
    latency_s: float
    error: str


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


def parse_backend_id(backend_id: str) -> BackendSpec:
    """Split ``provider/model[@url][?k=v&...]`` into its parts.

    Raises:
        ConfigError: the id has no provider or model.
    """
    body, _, query = backend_id.partition("?")
    options = dict(kv.split("=", 1) for kv in query.split("&") if "=" in kv)
    provider, sep, rest = body.partition("/")
    if not sep or not rest:
        raise ConfigError(
            f"backend id {backend_id!r} must look like local/NAME, openai/MODEL or "
            "openai-compatible/MODEL@URL"
        )
    model, _, url = rest.partition("@")
    return BackendSpec(provider, model, url or None, options)


def get_backend(backend_id: str, **kwargs: Any) -> Backend:
    """Build a backend from its id; optional dependencies are imported only when needed.

    Raises:
        ConfigError: unknown provider, missing key, or missing optional dependency.
    """
    spec = parse_backend_id(backend_id)
    if spec.provider == "local":
        from extractor.backends.local import LocalBackend

        return LocalBackend(spec, **kwargs)
    if spec.provider in ("openai", "openai-compatible"):
        from extractor.backends.openai_compat import OpenAICompatBackend

        return OpenAICompatBackend.from_spec(spec, **kwargs)
    if spec.provider == "provider":
        from extractor.backends.provider import provider_backend

        return provider_backend(spec)
    raise ConfigError(
        f"unknown backend provider {spec.provider!r} in {backend_id!r}; "
        "use local/, openai/, openai-compatible/ or provider/NAME/MODEL"
    )

"""Backend ids and the registry that turns them into backends, importing each one only when used.

Backend ids are strings a user types:

- ``local/NAME``: the embedded llama.cpp server with a model from the registry (``models.py``);
- ``openai/MODEL``: OpenAI's API (key from ``OPENAI_API_KEY``);
- ``openai-compatible/MODEL@URL``: any OpenAI-compatible server (vLLM, Ollama, LM Studio,
  llama.cpp...), key from ``EXTRACTOR_API_KEY`` if the server wants one;
- ``provider/NAME/MODEL``: any other provider instructor supports (``instructor.from_provider``,
  e.g. ``provider/anthropic/claude-sonnet-4-5``), with that provider's SDK installed as an extra.

All go through the same ``openai`` + ``instructor`` code path. Options follow a ``?``
(``openai-compatible/M@URL?mode=tools``); on an OpenAI-compatible URL, the other query parameters
(``?api-key=KEY``) are sent with every request and userinfo (``https://user:KEY@host``) as Basic
authentication, and both are masked wherever the id or URL is shown (``extractor.redact``). A
provider is added with :func:`register_backend` on a factory; the built-in factories below import
their module on first use, so an optional dependency is needed only by the backend that uses it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from extractor.backends.protocol import Backend, BackendFactory, BackendSpec
from extractor.errors import ConfigError
from extractor.redact import redact_url, remember

__all__ = ["get_backend", "parse_backend_id", "providers", "register_backend"]

_FACTORIES: dict[str, BackendFactory] = {}


def register_backend(*providers: str) -> Callable[[BackendFactory], BackendFactory]:
    """Register a factory for the backend ids ``PROVIDER/...`` of each provider named.

    Example::

        @register_backend("my-server")
        def _mine(spec: BackendSpec, **kwargs: Any) -> Backend:
            from my_package import MyBackend  # imported on first use

            return MyBackend(spec.model, spec.base_url)
    """

    def add(factory: BackendFactory) -> BackendFactory:
        for provider in providers:
            _FACTORIES[provider] = factory
        return factory

    return add


def providers() -> tuple[str, ...]:
    """The providers registered, in registration order."""
    return tuple(_FACTORIES)


def parse_backend_id(backend_id: str) -> BackendSpec:
    """Split ``provider/model[@url][?k=v&...]`` into its parts.

    The secrets of its URL are remembered (``redact.remember``), so no message shows them.

    Raises:
        ConfigError: the id has no provider or model.
    """
    remember(backend_id)
    body, _, query = backend_id.partition("?")
    options = dict(kv.split("=", 1) for kv in query.split("&") if "=" in kv)
    provider, sep, rest = body.partition("/")
    if not sep or not rest:
        raise ConfigError(
            f"backend id {redact_url(backend_id)!r} must look like local/NAME, openai/MODEL or "
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
    factory = _FACTORIES.get(spec.provider)
    if factory is None:
        known = ", ".join(f"{p}/" for p in providers() if p != "provider")
        raise ConfigError(
            f"unknown backend provider {spec.provider!r} in {redact_url(backend_id)!r}; "
            f"use {known} or provider/NAME/MODEL"
        )
    return factory(spec, **kwargs)


@register_backend("local")
def _local(spec: BackendSpec, **kwargs: Any) -> Backend:
    from extractor.backends.local import LocalBackend

    return LocalBackend(spec, **kwargs)


@register_backend("openai", "openai-compatible")
def _openai(spec: BackendSpec, **kwargs: Any) -> Backend:
    from extractor.backends.openai_compat import OpenAICompatBackend

    return OpenAICompatBackend.from_spec(spec, **kwargs)


@register_backend("provider")
def _provider(spec: BackendSpec, **_: Any) -> Backend:
    from extractor.backends.provider import provider_backend

    return provider_backend(spec)

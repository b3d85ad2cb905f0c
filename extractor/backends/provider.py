"""Other providers through ``instructor.from_provider`` (Anthropic, Gemini, Mistral, ...).

Their SDKs are optional extras: a missing package or key is a ``ConfigError`` that says what to
install or set. Validation, grounding, accounting and error handling are those of the
OpenAI-compatible backend, which this wraps.
"""

from __future__ import annotations

from typing import Any

import instructor

from extractor.backends.openai_compat import OpenAICompatBackend
from extractor.backends.protocol import BackendSpec
from extractor.errors import ConfigError


def provider_backend(spec: BackendSpec) -> OpenAICompatBackend:
    """Build ``provider/NAME/MODEL`` (``spec.model`` is ``NAME/MODEL``).

    Raises:
        ConfigError: malformed id, missing SDK, or missing key.
    """
    name, sep, model = spec.model.partition("/")
    if not sep or not model:
        raise ConfigError(f"provider backends look like provider/NAME/MODEL, not {spec.model!r}")
    try:
        client: Any = instructor.from_provider(spec.model, async_client=True)
    except ImportError as exc:
        raise ConfigError(
            f"provider {name!r} needs its SDK: pip install 'instructor[{name}]' ({exc})"
        ) from exc
    except Exception as exc:  # the SDKs raise their own types for a missing key
        raise ConfigError(f"cannot set up provider {name!r}: {exc}") from exc
    return OpenAICompatBackend(
        backend_id=f"provider/{spec.model}",
        model=model,
        base_url=None,
        api_key="",
        mode="tools",
        schema_in_body=False,
        instructor_client=client,
    )

"""Backends: where a request for structured output goes, behind one protocol and one registry.

``protocol.py`` holds the ``Backend`` protocol and its values, ``registry.py`` the backend ids and
``get_backend``; ``openai_compat`` (every OpenAI-compatible server), ``local`` (the embedded
llama.cpp server), ``provider`` (instructor's other providers) and ``openai_batch`` (the Batch
API) are the backends; ``models`` pulls and verifies local models, ``prices`` costs hosted ones.
"""

from extractor.backends.protocol import (
    Backend,
    BackendFactory,
    BackendSpec,
    Completion,
    FailedCompletion,
    GenerateSettings,
    T,
    Usage,
    validation_context,
)
from extractor.backends.registry import (
    get_backend,
    parse_backend_id,
    providers,
    register_backend,
)

__all__ = [
    "Backend",
    "BackendFactory",
    "BackendSpec",
    "Completion",
    "FailedCompletion",
    "GenerateSettings",
    "T",
    "Usage",
    "get_backend",
    "parse_backend_id",
    "providers",
    "register_backend",
    "validation_context",
]

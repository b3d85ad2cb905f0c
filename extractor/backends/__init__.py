from extractor.backends.protocol import *  # noqa: F403 (moved as is; split in the next commit)
from extractor.backends.protocol import (
    Backend,
    BackendSpec,
    Completion,
    FailedCompletion,
    GenerateSettings,
    T,
    Usage,
    get_backend,
    parse_backend_id,
    validation_context,
)

__all__ = [
    "Backend",
    "BackendSpec",
    "Completion",
    "FailedCompletion",
    "GenerateSettings",
    "T",
    "Usage",
    "get_backend",
    "parse_backend_id",
    "validation_context",
]

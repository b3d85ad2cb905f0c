"""extractor: conflict news in, verifiable ACLED-style event records out.

The evaluation harness scores them against hand-labelled gold.

    from extractor import extract
    events = extract(text, backend="local/qwen2.5-coder-1.5b")
"""

from extractor.errors import (
    BackendError,
    ConfigError,
    ExtractionFailed,
    ExtractorError,
    GoldDataError,
    InputError,
)
from extractor.extract import DEFAULT_BACKEND, aextract, extract
from extractor.schema import (
    Actor,
    Article,
    ArticleExtraction,
    Count,
    Event,
    EventDate,
    GoldDocument,
    Place,
)

__all__ = [
    "DEFAULT_BACKEND",
    "Actor",
    "Article",
    "ArticleExtraction",
    "BackendError",
    "ConfigError",
    "Count",
    "Event",
    "EventDate",
    "ExtractionFailed",
    "ExtractorError",
    "GoldDataError",
    "GoldDocument",
    "InputError",
    "Place",
    "aextract",
    "extract",
]

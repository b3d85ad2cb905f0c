"""extractor: conflict news in, verifiable ACLED-style event records out.

The evaluation harness scores them against hand-labelled gold.

    from extractor import Strategy, extract
    events = extract(text, backend="local/qwen2.5-coder-1.5b", strategy=Strategy.SENTENCE)
"""

from extractor.backends import GenerateSettings
from extractor.errors import (
    BackendError,
    ConfigError,
    ExtractionFailed,
    ExtractorError,
    GoldDataError,
    InputError,
)
from extractor.pipeline import Constrain, PipelineSettings, Strategy
from extractor.pipeline.extract import DEFAULT_BACKEND, aextract, extract
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
    "Constrain",
    "Count",
    "Event",
    "EventDate",
    "ExtractionFailed",
    "ExtractorError",
    "GenerateSettings",
    "GoldDataError",
    "GoldDocument",
    "InputError",
    "PipelineSettings",
    "Place",
    "Strategy",
    "aextract",
    "extract",
]

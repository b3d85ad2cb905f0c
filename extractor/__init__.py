"""extractor: conflict news in, verifiable ACLED-style event records out.

The evaluation harness scores them against hand-labelled gold.

    from extractor import extract
    events = extract(text, backend="local/qwen2.5-coder-1.5b")
"""

# ``extractor.extract`` is also a module kept for old imports: loading it first leaves the name
# bound to the function imported below, whatever imports the module later.
import extractor.extract as _compat_module
from extractor.errors import (
    BackendError,
    ConfigError,
    ExtractionFailed,
    ExtractorError,
    GoldDataError,
    InputError,
)
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

del _compat_module

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

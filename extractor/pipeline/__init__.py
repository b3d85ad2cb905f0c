"""The one extraction pipeline: article text in, grounded events out (no I/O but the backend call).

``extract``/``aextract`` for one text; ``extract_article`` for one article, returning the record
the run machinery (``extractor.run``) writes.
"""

from extractor.pipeline.extract import (
    DEFAULT_BACKEND,
    DEFAULT_STRATEGY,
    aextract,
    extract,
    extract_article,
    request_messages,
    whole_request,
)
from extractor.pipeline.prompts import DEFAULT_PROMPT, Message, Prompt, load_prompt
from extractor.pipeline.replies import GroundedExtraction, schema_sha256
from extractor.pipeline.settings import Constrain, PipelineSettings, flat_settings
from extractor.pipeline.strategies import Strategy
from extractor.pipeline.version import PIPELINE_VERSION, sources_sha256

__all__ = [
    "DEFAULT_BACKEND",
    "DEFAULT_PROMPT",
    "DEFAULT_STRATEGY",
    "PIPELINE_VERSION",
    "Constrain",
    "GroundedExtraction",
    "Message",
    "PipelineSettings",
    "Prompt",
    "Strategy",
    "aextract",
    "extract",
    "extract_article",
    "flat_settings",
    "load_prompt",
    "request_messages",
    "schema_sha256",
    "sources_sha256",
    "whole_request",
]

"""Compatibility: the pipeline moved to ``extractor.pipeline``, the record to ``extractor.records``.

Kept for code that still imports from here (``benchmarks/local_model.py``); new code imports
``extractor.pipeline`` and ``extractor.records``. Remove once nothing does.
"""

from extractor.pipeline import extract_article
from extractor.records import ExtractionRecord

__all__ = ["ExtractionRecord", "extract_article"]

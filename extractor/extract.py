"""Compatibility: ``extractor.extract`` moved to ``extractor.pipeline``.

Kept for code that still imports from here (``benchmarks/local_model.py``); new code imports
``extractor.pipeline`` and ``extractor.records``.
"""

from extractor.pipeline.extract import ExtractionRecord, extract_article

__all__ = ["ExtractionRecord", "extract_article"]

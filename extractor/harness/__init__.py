from extractor.harness.run import score_records

__all__ = ["score_records"]

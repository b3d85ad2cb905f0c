"""Distributed runners behind the same interface as ``extractor.run.runner`` (``ray.py``).

Each engine takes the same articles, backend, prompt, strategy, settings, output log and cache as
``runner.run_batch``, writes the same records to the same append-only JSONL log, and returns the
same ``RunStats``; an interrupted run of either engine is resumed by either engine.
"""

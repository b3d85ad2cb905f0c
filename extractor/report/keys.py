"""Which scores the reports show, and what they call them: rows of ``scoring.ScoreKey``."""

from __future__ import annotations

from extractor.scoring import Level, ScoreKey

__all__ = ["CHART_KEYS", "DETAIL_ROWS", "HEADLINE_ROWS", "SUMMARY_ROWS"]

HEADLINE_ROWS: tuple[tuple[ScoreKey, str], ...] = (
    (ScoreKey.L1_ACTORS_LENIENT, "actors"),
    (ScoreKey.L1_PLACES_LENIENT, "places"),
    (ScoreKey.L1_COUNTS_VALUE, "counts"),
    (ScoreKey.L1_DATES_LENIENT, "dates"),
    (ScoreKey.L1_TYPES_STRICT, "event types"),
    (ScoreKey.L1_ALL_HEADLINE, "all (micro)"),
    (ScoreKey.L2_ALL_HEADLINE, "L2 event arguments"),
    (ScoreKey.L2_C_ALL_HEADLINE, "L2-C (roles)"),
    (ScoreKey.DETECTION_EVENTS_HEADLINE, "event detection"),
)
"""The rows of the Markdown headline table: L1 per field at the headline tier, then the events."""

SUMMARY_ROWS: tuple[tuple[ScoreKey, str], ...] = tuple(
    (key, label) for key, label in HEADLINE_ROWS if key.level is Level.L1
)
"""The HTML summary table's rows: the L1 rows of the headline table, same keys and labels."""

DETAIL_ROWS: tuple[tuple[ScoreKey, str], ...] = tuple(
    (key, label) for key, label in SUMMARY_ROWS if key is not ScoreKey.L1_ALL_HEADLINE
)
"""The HTML per-article item lists. ``L1/all`` is the sum of actors, places and counts: not
repeated."""

CHART_KEYS: tuple[ScoreKey, ...] = tuple(key for key, _ in SUMMARY_ROWS)
"""The chart's fields: L1 actors, places, counts, dates, types and the micro total (headline)."""

"""Score keys: every (level, field, tier) the scorer computes, as one enum of ``level/field/tier``.

``ScoreKey.L1_ALL_HEADLINE`` is ``"L1/all/headline"``, the headline. A key is a ``str``, so results
keyed by it are read with either. Members are in report order: L1 per field and tier, then the
overall profiles; L2, L2-I and L2-C likewise; then event detection.
"""

from __future__ import annotations

from enum import StrEnum
from functools import cache

from extractor.scoring.matching import Field, Tier

__all__ = ["SCORE_KEYS", "Level", "ScoreKey", "score_key"]


class Level(StrEnum):
    """The unit scored (SCORING.md §1)."""

    L1 = "L1"
    """Document bags (headline)."""
    L2 = "L2"
    """Event arguments on the type-gated alignment, roles ignored."""
    L2_I = "L2-I"
    """Event arguments on the type-agnostic alignment, roles ignored (diagnostic)."""
    L2_C = "L2-C"
    """Event arguments on the type-gated alignment, actor roles required."""
    DETECTION = "detection"
    """Events detected (Dice >= 0.5) on the type-gated alignment."""
    DETECTION_I = "detection-I"
    """Events detected on the type-agnostic alignment."""


class ScoreKey(StrEnum):
    """One score: ``level/field/tier``. ``Field.ALL`` keys use the profile tiers."""

    L1_ACTORS_STRICT = "L1/actors/strict"
    L1_ACTORS_LENIENT = "L1/actors/lenient"
    L1_ACTORS_TYPE = "L1/actors/type"
    L1_PLACES_STRICT = "L1/places/strict"
    L1_PLACES_LENIENT = "L1/places/lenient"
    L1_COUNTS_STRICT = "L1/counts/strict"
    L1_COUNTS_VALUE = "L1/counts/value"
    L1_COUNTS_TOLERANT = "L1/counts/tolerant"
    L1_DATES_STRICT = "L1/dates/strict"
    L1_DATES_LENIENT = "L1/dates/lenient"
    L1_TYPES_STRICT = "L1/types/strict"
    L1_TYPES_LENIENT = "L1/types/lenient"
    L1_ALL_STRICT = "L1/all/strict"
    L1_ALL_HEADLINE = "L1/all/headline"
    L1_ALL_LOOSE = "L1/all/loose"
    L2_ACTORS_STRICT = "L2/actors/strict"
    L2_ACTORS_LENIENT = "L2/actors/lenient"
    L2_ACTORS_TYPE = "L2/actors/type"
    L2_PLACES_STRICT = "L2/places/strict"
    L2_PLACES_LENIENT = "L2/places/lenient"
    L2_COUNTS_STRICT = "L2/counts/strict"
    L2_COUNTS_VALUE = "L2/counts/value"
    L2_COUNTS_TOLERANT = "L2/counts/tolerant"
    L2_ALL_STRICT = "L2/all/strict"
    L2_ALL_HEADLINE = "L2/all/headline"
    L2_ALL_LOOSE = "L2/all/loose"
    L2_I_ACTORS_STRICT = "L2-I/actors/strict"
    L2_I_ACTORS_LENIENT = "L2-I/actors/lenient"
    L2_I_ACTORS_TYPE = "L2-I/actors/type"
    L2_I_PLACES_STRICT = "L2-I/places/strict"
    L2_I_PLACES_LENIENT = "L2-I/places/lenient"
    L2_I_COUNTS_STRICT = "L2-I/counts/strict"
    L2_I_COUNTS_VALUE = "L2-I/counts/value"
    L2_I_COUNTS_TOLERANT = "L2-I/counts/tolerant"
    L2_I_ALL_STRICT = "L2-I/all/strict"
    L2_I_ALL_HEADLINE = "L2-I/all/headline"
    L2_I_ALL_LOOSE = "L2-I/all/loose"
    L2_C_ACTORS_STRICT = "L2-C/actors/strict"
    L2_C_ACTORS_LENIENT = "L2-C/actors/lenient"
    L2_C_ACTORS_TYPE = "L2-C/actors/type"
    L2_C_PLACES_STRICT = "L2-C/places/strict"
    L2_C_PLACES_LENIENT = "L2-C/places/lenient"
    L2_C_COUNTS_STRICT = "L2-C/counts/strict"
    L2_C_COUNTS_VALUE = "L2-C/counts/value"
    L2_C_COUNTS_TOLERANT = "L2-C/counts/tolerant"
    L2_C_ALL_STRICT = "L2-C/all/strict"
    L2_C_ALL_HEADLINE = "L2-C/all/headline"
    L2_C_ALL_LOOSE = "L2-C/all/loose"
    DETECTION_EVENTS_HEADLINE = "detection/events/headline"
    DETECTION_I_EVENTS_HEADLINE = "detection-I/events/headline"

    @property
    def level(self) -> Level:
        """The level, e.g. ``Level.L1``."""
        return _parts(self)[0]

    @property
    def field(self) -> Field:
        """The field, e.g. ``Field.ALL``."""
        return _parts(self)[1]

    @property
    def tier(self) -> Tier:
        """The tier or profile, e.g. ``Tier.HEADLINE``."""
        return _parts(self)[2]


@cache
def _parts(key: ScoreKey) -> tuple[Level, Field, Tier]:
    level, field, tier = key.value.split("/")
    return Level(level), Field(field), Tier(tier)


@cache
def score_key(level: Level, field: Field, tier: Tier) -> ScoreKey:
    """The key of a score, e.g. ``score_key(Level.L1, Field.ACTORS, Tier.LENIENT)``.

    Raises:
        ValueError: the scorer computes no such score.
    """
    return ScoreKey(f"{level.value}/{field.value}/{tier.value}")


SCORE_KEYS: tuple[tuple[Level, Field, Tier], ...] = tuple(_parts(k) for k in ScoreKey)
"""Every (level, field, tier) scored, in report order (the order of :class:`ScoreKey`)."""

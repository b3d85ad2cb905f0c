"""Score keys: one enum, in report order, naming every score the scorer computes."""

from __future__ import annotations

import pytest

from extractor.scoring import (
    FIELD_TIERS,
    PROFILES,
    SCORE_KEYS,
    Field,
    Level,
    ScoreKey,
    Tier,
    score_key,
)


def _spec_order() -> list[tuple[Level, Field, Tier]]:
    # SCORING.md's keys, in the order reports list them (the construction the enum replaced).
    keys: list[tuple[Level, Field, Tier]] = []
    l1 = (Field.ACTORS, Field.PLACES, Field.COUNTS, Field.DATES, Field.TYPES)
    keys += [(Level.L1, f, t) for f in l1 for t in FIELD_TIERS[f]]
    keys += [(Level.L1, Field.ALL, p) for p in PROFILES]
    for level in (Level.L2, Level.L2_I, Level.L2_C):
        args = (Field.ACTORS, Field.PLACES, Field.COUNTS)
        keys += [(level, f, t) for f in args for t in FIELD_TIERS[f]]
        keys += [(level, Field.ALL, p) for p in PROFILES]
    keys += [(Level.DETECTION, Field.EVENTS, Tier.HEADLINE)]
    keys += [(Level.DETECTION_I, Field.EVENTS, Tier.HEADLINE)]
    return keys


def test_the_enum_lists_every_key_in_report_order() -> None:
    assert list(SCORE_KEYS) == _spec_order()
    assert [score_key(*k) for k in _spec_order()] == list(ScoreKey)


def test_a_key_is_its_string_and_knows_its_parts() -> None:
    key = ScoreKey.L2_C_ALL_HEADLINE
    assert key == "L2-C/all/headline" and f"{key}" == "L2-C/all/headline"
    assert (key.level, key.field, key.tier) == (Level.L2_C, Field.ALL, Tier.HEADLINE)
    assert {"L1/all/headline": 1}[ScoreKey.L1_ALL_HEADLINE] == 1  # reads results keyed either way


def test_a_score_the_scorer_does_not_compute_has_no_key() -> None:
    with pytest.raises(ValueError, match="is not a valid ScoreKey"):
        score_key(Level.L1, Field.EVENTS, Tier.HEADLINE)

"""L2 alignment (SCORING.md §4): gating, variants, optional items, duplicates, detection."""

from __future__ import annotations

from typing import TYPE_CHECKING

from extractor.schema import ArticleExtraction, Event, GoldDocument
from extractor.scoring import Field, Level, Tier, score_document
from tests.unit.test_scoring_seed import actor, count, event, place

if TYPE_CHECKING:
    from extractor.scoring.results import DocumentScore

HEAD = Tier.HEADLINE
A = actor("regime loyalists", role="initiator")
B = actor("opposition fighters", "rebel_group", "target")
C = actor("Russia", "external_forces", "initiator")
X = place("Kafr Zita")


def score(gold: list[Event], pred: list[Event] | None) -> DocumentScore:
    output = None if pred is None else ArticleExtraction(events=pred)
    return score_document(output, GoldDocument(article_id="a", events=gold))


def tfn(
    doc: DocumentScore, level: Level, field: Field = Field.ALL, tier: Tier = HEAD
) -> tuple[int, int, int]:
    s = doc.get(level, field, tier)
    return s.tp, s.fp, s.fn


def test_a_duplicated_event_becomes_false_positives() -> None:
    clash = event("armed_clash", actors=(A, B))
    doc = score([clash], [clash, clash])
    assert tfn(doc, Level.L2) == (2, 2, 0)
    assert tfn(doc, Level.DETECTION, Field.EVENTS) == (1, 1, 0)
    # L1 deduplicates: the two copies are one set of facts.
    assert tfn(doc, Level.L1) == (2, 0, 0)


def test_a_duplicate_can_align_to_a_second_gold_event_sharing_an_actor() -> None:
    # CEAF's alignment optimism (§8): the copy earns the shared actor of the second gold event.
    doc = score(
        [event("armed_clash", actors=(A, B)), event("armed_clash", actors=(A,))],
        [event("armed_clash", actors=(A, B))] * 2,
    )
    assert [(p.pred_event, p.gold_event, p.similarity) for p in doc.alignment.pairs] == [
        (0, 0, 2),
        (1, 1, 1),
    ]
    assert tfn(doc, Level.L2) == (3, 1, 0)


def test_arguments_of_unaligned_events_stay_in_the_denominators() -> None:
    doc = score(
        [event("armed_clash", actors=(A,), places=(X,))],
        [event("peaceful_protest", actors=(A,), places=(X,))],
    )
    assert doc.alignment.pairs == ()
    assert tfn(doc, Level.L2) == (0, 2, 2)
    assert tfn(doc, Level.L2_C) == (0, 2, 2)
    # The type-agnostic diagnostic aligns them; the type is wrong.
    assert tfn(doc, Level.L2_I) == (2, 0, 0)
    assert (doc.event_type.correct, doc.event_type.total) == (0, 1)
    assert tfn(doc, Level.DETECTION, Field.EVENTS) == (0, 1, 1)
    assert tfn(doc, Level.DETECTION_I, Field.EVENTS) == (1, 0, 0)


def test_l2_c_requires_the_actor_role() -> None:
    flipped = actor("regime loyalists", role="target")
    doc = score([event("armed_clash", actors=(A, C))], [event("armed_clash", actors=(flipped, C))])
    assert tfn(doc, Level.L2, Field.ACTORS, Tier.LENIENT) == (2, 0, 0)
    assert tfn(doc, Level.L2_C, Field.ACTORS, Tier.LENIENT) == (1, 1, 1)
    assert tfn(doc, Level.L2_C, Field.ALL) == (1, 1, 1)


def test_sub_event_type_differences_do_not_break_the_gate() -> None:
    doc = score(
        [event("armed_clash", actors=(A,))], [event("government_regains_territory", actors=(A,))]
    )
    assert tfn(doc, Level.L2) == (1, 0, 0)
    assert (doc.sub_event_type.correct, doc.sub_event_type.total) == (0, 1)


def test_optional_argument_of_an_aligned_pair_is_dropped_from_the_prediction() -> None:
    frame = place("northwest Syria", "region", optional=True)
    gold = [event("government_regains_territory", actors=(A,), places=(X, frame))]
    pred = [
        event(
            "government_regains_territory",
            actors=(A,),
            places=(X, place("northwest Syria", "region")),
        )
    ]
    doc = score(gold, pred)
    [pair] = doc.alignment.pairs
    assert (pair.similarity, pair.gold_args, pair.pred_args) == (2, 2, 2)
    assert tfn(doc, Level.L2) == (2, 0, 0)
    assert [m.pred.label for m in doc.get(Level.L2, Field.PLACES, Tier.LENIENT).ignored] == [
        "northwest Syria"
    ]


def test_optional_gold_event_never_takes_a_prediction_from_a_required_one() -> None:
    gold = [event("armed_clash", actors=(A, B)), event("armed_clash", actors=(A,), optional=True)]
    doc = score(gold, [event("armed_clash", actors=(A,))])
    assert [(p.pred_event, p.gold_event, p.optional) for p in doc.alignment.pairs] == [
        (0, 0, False)
    ]
    assert tfn(doc, Level.L2) == (1, 0, 1)


def test_a_prediction_aligned_to_an_optional_event_is_dropped_whole() -> None:
    gold = [
        event("armed_clash", actors=(A,)),
        event("air_drone_strike", actors=(C,), optional=True),
    ]
    pred = [
        event("armed_clash", actors=(A,)),
        event("air_drone_strike", actors=(C,), counts=(count("killed", 5),)),
    ]
    doc = score(gold, pred)
    assert tfn(doc, Level.L2) == (1, 0, 0)
    assert tfn(doc, Level.DETECTION, Field.EVENTS) == (1, 0, 0)


def test_dice_threshold_is_inclusive() -> None:
    gold = [event("armed_clash", actors=(A,))]
    three = [event("armed_clash", actors=(A,), places=(X, place("Al-Latamneh")))]
    four = [event("armed_clash", actors=(A, C), places=(X, place("Al-Latamneh")))]
    # S = 1, |g| = 1: |p| = 3 gives Dice 2/4 = 0.5; |p| = 4 gives 2/5.
    assert tfn(score(gold, three), Level.DETECTION, Field.EVENTS) == (1, 0, 0)
    assert tfn(score(gold, four), Level.DETECTION, Field.EVENTS) == (0, 1, 1)


def test_an_event_without_arguments_cannot_align() -> None:
    doc = score([event("agreement")], [event("agreement")])
    assert doc.alignment.pairs == ()
    assert tfn(doc, Level.L2) == (0, 0, 0)
    assert tfn(doc, Level.DETECTION, Field.EVENTS) == (0, 1, 1)


def test_a_failed_output_is_scored_as_empty() -> None:
    doc = score([event("armed_clash", actors=(A, B), counts=(count("killed", 3),))], None)
    assert doc.failed
    assert tfn(doc, Level.L1) == (0, 0, 3)
    assert tfn(doc, Level.L2) == (0, 0, 3)
    assert tfn(doc, Level.DETECTION, Field.EVENTS) == (0, 0, 1)


def test_strict_tier_on_the_headline_alignment() -> None:
    # Alignment uses LENIENT; STRICT is scored on the same pairs.
    doc = score(
        [event("armed_clash", places=(X,), actors=(A,))],
        [event("armed_clash", places=(place("Kafr Zeita"),), actors=(A,))],
    )
    assert tfn(doc, Level.L2, Field.ALL, Tier.STRICT) == (1, 1, 1)
    assert tfn(doc, Level.L2, Field.ALL, Tier.HEADLINE) == (2, 0, 0)

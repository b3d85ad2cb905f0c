"""Count tiers (SCORING.md §3): STRICT, VALUE, TOLERANT; the seed cases; optional and FP counts."""

from __future__ import annotations

import math

import pytest

from extractor.schema import ArticleExtraction, Count, Entity, GoldDocument
from extractor.scoring import BagScorer, Field, Level, Rule, Tier, score_document
from extractor.scoring.counts import count_link, within_tolerance
from extractor.scoring.names import AliasTable, NameTarget, name
from tests.unit.test_scoring_seed import ENTITIES, GOLD_WITH_BACKGROUND, PRED, actor, count, event

TIERS = (Tier.STRICT, Tier.VALUE, Tier.TOLERANT)
NO_ALIASES = AliasTable.from_mapping(None)


def tp_by_tier(preds: list[Count], golds: list[Count]) -> tuple[int, ...]:
    g = GoldDocument(
        article_id="a", events=[event("armed_clash", counts=tuple(golds))], entities=ENTITIES
    )
    p = ArticleExtraction(events=[event("armed_clash", counts=tuple(preds))])
    return tuple(BagScorer(Field.COUNTS, t)(p, g).tp for t in TIERS)


def link_level(pred: Count, gold: Count) -> int | None:
    pw = None if pred.who is None else name(pred.who)
    gw = None if gold.who is None else NameTarget.build("w", gold.who, [gold.who], NO_ALIASES, None)
    lk = count_link(pred, pw, gold, gw)
    return None if lk is None else lk.level


# ------------------------------------------------------------------------ seed cases


def test_28_against_nearly_30_is_tolerant_only() -> None:
    pred = count("killed", 28, who="combatants")
    gold = count("killed", 30, "approximate", "combatants")
    assert abs(math.log(29 / 31)) == pytest.approx(0.0667, abs=1e-4)
    assert within_tolerance(28, 30)
    assert tp_by_tier([pred], [gold]) == (0, 0, 1)


def test_27_against_nearly_30_fails() -> None:
    assert abs(math.log(28 / 31)) > math.log(1.1)
    assert not within_tolerance(27, 30)
    assert tp_by_tier([count("killed", 27)], [count("killed", 30, "approximate")]) == (0, 0, 0)


def test_13_extremists_are_never_added_to_the_18() -> None:
    golds = [count("killed", 18, who="opposition fighters"), count("killed", 13, who="extremists")]
    assert tp_by_tier([count("killed", 31, who="opposition fighters")], golds) == (0, 0, 0)
    both = [count("killed", 18, who="opposition fighters"), count("killed", 13, who="HTS")]
    # "HTS" is in the cluster of gold's "extremists": STRICT.
    assert tp_by_tier(both, golds) == (2, 2, 2)


def test_optional_370000_is_removed_from_both_sides() -> None:
    war_toll = count("killed", 370_000, "at_least", scope="cumulative")
    pred = ArticleExtraction(events=[event("armed_clash", counts=(war_toll,))])
    doc = score_document(pred, GOLD_WITH_BACKGROUND)
    for tier in TIERS:
        s = doc.get(Level.L1, Field.COUNTS, tier)
        assert (s.tp, s.fp, s.fn) == (0, 0, 6)  # the six required gold counts stay FN
        assert [(m.pred.label, m.gold.label) for m in s.ignored] == [
            ("killed 370000 (at_least)", "killed 370000 (at_least)")
        ]
    # At L2 the predicted event aligns with the optional war-toll event and is dropped whole.
    assert [(p.pred_event, p.gold_event, p.optional) for p in doc.alignment.pairs] == [(0, 8, True)]
    l2 = doc.get(Level.L2, Field.COUNTS, Tier.VALUE)
    assert (l2.tp, l2.fp) == (0, 0)


def test_three_million_population_is_a_false_positive() -> None:
    population = count("other", 3_000_000, who="people")
    pred = PRED.model_copy(
        update={"events": [*PRED.events, event("agreement", counts=(population,))]}
    )
    doc = score_document(pred, GOLD_WITH_BACKGROUND)
    base = score_document(PRED, GOLD_WITH_BACKGROUND)
    for tier in TIERS:
        s, b = doc.get(Level.L1, Field.COUNTS, tier), base.get(Level.L1, Field.COUNTS, tier)
        assert (s.tp, s.fp, s.fn) == (b.tp, b.fp + 1, b.fn)
        assert s.false_positives[-1].label == "other 3000000 (exact) of people"


# ------------------------------------------------------------------------ tier rules


@pytest.mark.parametrize(
    ("pred", "gold", "level"),
    [
        # STRICT: equal value and qualifier, who STRICT or both generic
        (
            count("killed", 10, who="regime loyalists"),
            count("killed", 10, who="Regime loyalists"),
            0,
        ),
        (count("killed", 10), count("killed", 10), 0),
        (count("killed", 10, who="people"), count("killed", 10), 0),  # "people" is generic
        # VALUE: qualifier differs, or who LENIENT, or one side generic
        (count("killed", 30, "exact"), count("killed", 30, "approximate"), 1),
        (count("killed", 10, who="loyalists"), count("killed", 10, who="regime loyalists"), 1),
        (count("killed", 10), count("killed", 10, who="civilians"), 1),
        (count("killed", 10, who="civilians"), count("killed", 10), 1),
        # who disagrees: only TOLERANT (who is ignored there)
        (count("killed", 10, who="soldiers"), count("killed", 10, who="civilians"), 2),
        # TOLERANT boundary, inclusive: 10 * (p + 1) <= 11 * (g + 1) and back
        (count("killed", 10), count("killed", 9), 2),
        (count("killed", 9), count("killed", 10), 2),
        (count("killed", 11), count("killed", 9), None),
        (count("killed", 0), count("killed", 1), None),
        # kind must agree at every tier
        (count("injured", 10), count("killed", 10), None),
    ],
)
def test_count_tiers(pred: Count, gold: Count, level: int | None) -> None:
    assert link_level(pred, gold) == level


def test_rules_and_log_error_are_recorded() -> None:
    gold = count("killed", 30, "approximate")
    lk = count_link(count("killed", 28), None, gold, None)
    assert lk is not None and lk.rule is Rule.LOG_TOLERANCE
    assert lk.log_error == pytest.approx(math.log(29 / 31))
    exact = count_link(count("killed", 30, "approximate"), None, gold, None)
    assert exact is not None and (exact.rule, exact.log_error) == (Rule.EXACT, 0.0)


def test_gold_who_resolves_through_the_entity_cluster() -> None:
    golds = [count("killed", 13, who="extremists")]
    assert tp_by_tier([count("killed", 13, who="Hayat Tahrir al-Sham (HTS)")], golds) == (1, 1, 1)
    assert tp_by_tier([count("killed", 13, who="rebels")], golds) == (0, 0, 1)


# ------------------------------------------------------------------------ L1 multiset


def test_a_figure_repeated_across_split_events_is_one_prediction() -> None:
    g = GoldDocument(article_id="a", events=[event("armed_clash", counts=(count("killed", 30),))])
    p = ArticleExtraction(
        events=[
            event("armed_clash", counts=(count("killed", 30),)),
            event("government_regains_territory", counts=(count("killed", 30),)),
        ]
    )
    s = BagScorer(Field.COUNTS, Tier.STRICT)(p, g)
    assert (s.tp, s.fp, s.fn) == (1, 0, 0)
    # At L2 the second copy stays: it is an argument of an event gold does not have.
    l2 = score_document(p, g).get(Level.L2, Field.COUNTS, Tier.STRICT)
    assert (l2.tp, l2.fp, l2.fn) == (1, 1, 0)


def test_a_figure_gold_states_twice_needs_two_predictions() -> None:
    soldier = count("killed", 1, who="soldier")
    g = GoldDocument(
        article_id="a",
        events=[event("armed_clash", counts=(soldier,)), event("attack", counts=(soldier,))],
    )
    one = ArticleExtraction(events=[event("armed_clash", counts=(soldier,))])
    two = ArticleExtraction(events=[event("armed_clash", counts=(soldier, soldier))])
    three = ArticleExtraction(events=[event("armed_clash", counts=(soldier,) * 3)])
    scorer = BagScorer(Field.COUNTS, Tier.STRICT)
    assert [(s.tp, s.fp, s.fn) for s in map(lambda x: scorer(x, g), (one, two, three))] == [
        (1, 0, 1),
        (2, 0, 0),
        (2, 0, 0),  # the third copy is beyond gold's multiplicity: deduplicated
    ]


def test_actor_in_count_is_not_an_actor() -> None:
    # A count's who never feeds the actor bag.
    g = GoldDocument(article_id="a", events=[event("armed_clash", counts=(count("killed", 3),))])
    p = ArticleExtraction(
        events=[
            event(
                "armed_clash",
                counts=(count("killed", 3, who="civilians"),),
                actors=(actor("civilians", "civilians", "target"),),
            )
        ]
    )
    s = BagScorer(Field.ACTORS, Tier.LENIENT)(p, g)
    assert (s.tp, s.fp, s.fn) == (0, 1, 0)


def test_gold_who_resolves_through_an_alias_variant() -> None:
    isil = Entity(id="ISIL", kind="actor", category="rebel_group", mentions=["IS fighters"])
    g = GoldDocument(
        article_id="a",
        events=[event("armed_clash", counts=(count("killed", 4, who="Daesh"),))],
        entities=[isil],
    )
    p = ArticleExtraction(
        events=[event("armed_clash", counts=(count("killed", 4, who="IS fighters"),))]
    )
    aliases = AliasTable.from_mapping({"ISIL": ["Daesh", "ISIS"]})
    assert BagScorer(Field.COUNTS, Tier.STRICT, aliases)(p, g).tp == 1
    assert BagScorer(Field.COUNTS, Tier.STRICT)(p, g).tp == 0

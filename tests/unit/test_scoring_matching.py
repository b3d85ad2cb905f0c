"""Name tiers (SCORING.md §2), the alias table, and one-to-one assignment with optional items."""

from __future__ import annotations

import pytest

from extractor.schema import ArticleExtraction, Entity, GoldDocument
from extractor.scoring import AliasTable, BagScorer, Field, Rule, Tier
from extractor.scoring.assign import assign
from extractor.scoring.matching import Link
from extractor.scoring.names import NameTarget, match_name, name
from tests.unit.test_scoring_seed import actor, event, place

SYR_GOV = Entity(
    id="SYR_GOV",
    kind="actor",
    category="state_forces",
    mentions=["regime loyalists", "regime", "Syrian government forces"],
)  # the spec's example cluster
OPPOSITION = Entity(
    id="OPPOSITION", kind="actor", category="rebel_group", mentions=["opposition fighters"]
)


def place_tp(pred: str, gold: str, aliases: AliasTable | None = None) -> tuple[int, int]:
    """TP at (STRICT, LENIENT) of one predicted place against one gold place."""
    g = GoldDocument(
        article_id="a",
        events=[event("armed_clash", places=(place(gold, entity="G"),))],
        entities=[Entity(id="G", kind="place", category="town", mentions=[gold])],
    )
    p = ArticleExtraction(events=[event("armed_clash", places=(place(pred),))])
    table = aliases or AliasTable.from_mapping(None)
    return tuple(BagScorer(Field.PLACES, t, table)(p, g).tp for t in (Tier.STRICT, Tier.LENIENT))  # type: ignore[return-value]


def actor_tp(
    pred: str, pred_type: str, gold: str, gold_entity: Entity | None, aliases: AliasTable
) -> tuple[int, int, int]:
    """TP at (STRICT, LENIENT, TYPE) of one predicted actor against one gold actor."""
    entity_id = gold_entity.id if gold_entity else None
    gold_type = gold_entity.category if gold_entity else "rebel_group"
    g = GoldDocument(
        article_id="a",
        events=[event("armed_clash", actors=(actor(gold, gold_type, entity=entity_id),))],
        entities=[gold_entity] if gold_entity else [],
    )
    p = ArticleExtraction(events=[event("armed_clash", actors=(actor(pred, pred_type),))])
    scores = [BagScorer(Field.ACTORS, t, aliases)(p, g).tp for t in FIELD_ACTOR_TIERS]
    return scores[0], scores[1], scores[2]


FIELD_ACTOR_TIERS = (Tier.STRICT, Tier.LENIENT, Tier.TYPE)
NO_ALIASES = AliasTable.from_mapping(None)


# ------------------------------------------------------------------------ §2 seed table, places


@pytest.mark.parametrize(
    ("pred", "gold", "expected", "rule"),
    [
        ("az-Zakat", "Al-Zakat", (1, 1), Rule.NORM),  # STRICT: both normalise to "zakat"
        ("Hama", "Hama province", (1, 1), Rule.NORM),  # STRICT: both "hama"
        ("Kafr Zeita", "Kafr Zita", (0, 1), Rule.SKELETON),  # LENIENT: "kfr zt"
        ("al-Lataminah", "Al-Latamneh", (0, 1), Rule.SKELETON),  # LENIENT: "ltmn"
        ("al-Arbain", "Al-Arba'een", (0, 1), Rule.SKELETON),  # LENIENT: "arbn"
        ("Kafr Sita", "Kafr Zita", (0, 0), None),  # none: "kfr st" != "kfr zt"
        ("Kafr Nabudah", "Kafr Nabl", (0, 0), None),  # none: different towns
    ],
)
def test_seed_table_places(
    pred: str, gold: str, expected: tuple[int, int], rule: Rule | None
) -> None:
    assert place_tp(pred, gold) == expected
    target = NameTarget.build("G", gold, [gold], NO_ALIASES, None)
    hit = match_name(name(pred), target, containment=False)
    assert (hit[1] if hit else None) is rule


# ------------------------------------------------------------------------ §2 seed table, actors


def test_seed_table_same_cluster_is_strict() -> None:
    # Syrian government forces | regime loyalists | same ID, SYR_GOV | STRICT
    assert actor_tp(
        "Syrian government forces", "state_forces", "regime loyalists", SYR_GOV, NO_ALIASES
    ) == (1, 1, 1)
    target = NameTarget.build("SYR_GOV", "regime loyalists", SYR_GOV.mentions, NO_ALIASES, None)
    assert match_name(name("Syrian government forces"), target, containment=True) == (
        0,
        Rule.CLUSTER,
        "Syrian government forces",
    )


def test_seed_table_same_category_is_type_only() -> None:
    # rebels | opposition fighters | different IDs, both rebel | TYPE
    assert actor_tp("rebels", "rebel_group", "opposition fighters", OPPOSITION, NO_ALIASES) == (
        0,
        0,
        1,
    )
    # ... and not even TYPE when the predicted category differs
    assert actor_tp("rebels", "civilians", "opposition fighters", OPPOSITION, NO_ALIASES) == (
        0,
        0,
        0,
    )


def test_actor_token_containment_is_lenient() -> None:
    assert actor_tp("HTS", "rebel_group", "Hayat Tahrir al-Sham (HTS)", None, NO_ALIASES) == (
        0,
        1,
        1,
    )
    assert actor_tp("Hayat Tahrir al-Sham", "rebel_group", "HTS", None, NO_ALIASES) == (0, 0, 1)
    target = NameTarget.build("x", "Hayat Tahrir al-Sham (HTS)", [], NO_ALIASES, None)
    assert match_name(name("HTS"), target, containment=True) == (
        1,
        Rule.CONTAINMENT,
        "Hayat Tahrir al-Sham (HTS)",
    )


def test_places_never_match_by_containment() -> None:
    assert place_tp("Hama", "Hama city centre") == (0, 0)


# ------------------------------------------------------------------------ alias table


ALIASES = AliasTable.from_mapping({"ISIL": ["ISIS", "Islamic State", "Daesh"]})


def test_alias_table_links_variants_strictly() -> None:
    assert actor_tp("Daesh", "rebel_group", "ISIS", None, ALIASES) == (1, 1, 1)
    assert actor_tp("Daesh", "other", "ISIS", None, NO_ALIASES) == (0, 0, 0)
    target = NameTarget.build("name:isis", "ISIS", ["ISIS"], ALIASES, None)
    assert match_name(name("Islamic State"), target, containment=False) == (
        0,
        Rule.ALIAS,
        "Islamic State",
    )


def test_alias_id_equal_to_the_entity_id_links_the_cluster() -> None:
    # The cluster's own mentions are not in the table; its id is.
    entity = Entity(id="ISIL", kind="actor", category="rebel_group", mentions=["IS fighters"])
    assert actor_tp("Daesh", "other", "IS fighters", entity, ALIASES) == (1, 1, 1)


def test_alias_variants_feed_the_skeleton() -> None:
    target = NameTarget.build("name:isis", "ISIS", ["ISIS"], ALIASES, None)
    assert match_name(name("Daish"), target, containment=False) == (1, Rule.SKELETON, "Daesh")


def test_a_name_that_normalises_to_nothing_matches_nothing() -> None:
    target = NameTarget.build("G", "the region", ["the region"], NO_ALIASES, None)
    assert match_name(name("the province"), target, containment=True) is None
    assert place_tp("the region", "the region") == (0, 0)
    # not even at TYPE
    assert actor_tp("the", "rebel_group", "opposition fighters", OPPOSITION, NO_ALIASES) == (
        0,
        0,
        0,
    )


# ------------------------------------------------------------------------ assignment

STRICT = Link(0, Rule.NORM, "")
LENIENT = Link(1, Rule.SKELETON, "")


def test_assignment_maximises_matches_before_strictness() -> None:
    # A matches X strictly and Y leniently; B matches X leniently only.
    cands = [[(0, STRICT), (1, LENIENT)], [(0, LENIENT)]]
    required, optional = assign(cands, [False, False], level=0)
    assert [(p, g) for p, g, _ in required] == [(0, 0)] and optional == ()
    required, optional = assign(cands, [False, False], level=1)
    assert [(p, g) for p, g, _ in required] == [(0, 1), (1, 0)] and optional == ()


def test_assignment_prefers_the_stricter_pair_at_equal_counts() -> None:
    # One prediction, a LENIENT candidate listed first and a STRICT one second.
    required, _ = assign([[(0, LENIENT), (1, STRICT)]], [False, False], level=1)
    assert [(p, g, lk.level) for p, g, lk in required] == [(0, 1, 0)]


def test_optional_gold_removes_a_prediction_from_both_sides() -> None:
    # A matches required X and optional O; B matches X only: B takes X, A is removed with O.
    cands = [[(0, STRICT), (1, STRICT)], [(0, STRICT)]]
    required, optional = assign(cands, [False, True], level=0)
    assert [(p, g) for p, g, _ in required] == [(1, 0)]
    assert [(p, g) for p, g, _ in optional] == [(0, 1)]


def test_required_gold_wins_over_optional_for_a_single_prediction() -> None:
    required, optional = assign([[(0, STRICT), (1, STRICT)]], [True, False], level=0)
    assert [(p, g) for p, g, _ in required] == [(0, 1)] and optional == ()


def test_optional_matching_is_one_to_one() -> None:
    # Two copies of a prediction and one optional item: one is removed, the other stays an FP.
    required, optional = assign([[(0, STRICT)], [(0, STRICT)]], [True], level=0)
    assert required == () and [(p, g) for p, g, _ in optional] == [(0, 0)]


def test_bag_scorer_reports_pairs_like_nervaluate() -> None:
    g = GoldDocument(
        article_id="a",
        events=[event("armed_clash", places=(place("Kafr Zita"), place("Al-Latamneh")))],
    )
    p = ArticleExtraction(events=[event("armed_clash", places=(place("Kafr Zeita"), place("X")))])
    scorer = BagScorer(Field.PLACES, Tier.LENIENT)
    score = scorer(p, g)
    assert scorer.name == "L1/places/lenient"
    assert (score.tp, score.fp, score.fn) == (1, 1, 1)
    assert score.pairs == ((0, 0), (1, None), (None, 1))
    assert [(m.tier, m.rule, m.via) for m in score.matches] == [
        (Tier.LENIENT, Rule.SKELETON, "Kafr Zita")
    ]


def test_l1_keeps_two_places_that_normalise_alike_when_gold_has_both() -> None:
    # "Hama" (the city) and "Hama province" both normalise to "hama": a prediction matching both
    # clusters is keyed by its name and place kind, so the two predictions stay two items.
    g = GoldDocument(
        article_id="a",
        events=[
            event(
                "armed_clash",
                places=(
                    place("Hama", "city", entity="HAMA_CITY"),
                    place("Hama province", "province", entity="HAMA_PROV"),
                ),
            )
        ],
        entities=[
            Entity(id="HAMA_CITY", kind="place", category="city", mentions=["Hama"]),
            Entity(id="HAMA_PROV", kind="place", category="province", mentions=["Hama province"]),
        ],
    )
    both = ArticleExtraction(
        events=[
            event("armed_clash", places=(place("Hama", "city"), place("Hama province", "province")))
        ]
    )
    again = ArticleExtraction(
        events=[
            event("armed_clash", places=(place("Hama", "city"),)),
            event("attack", places=(place("Hama", "city"),)),
        ]
    )
    scorer = BagScorer(Field.PLACES, Tier.STRICT)
    assert [(s.tp, s.fp, s.fn) for s in (scorer(both, g), scorer(again, g))] == [
        (2, 0, 0),
        (1, 0, 1),
    ]


def test_l1_merges_spelling_variants_of_one_gold_place() -> None:
    # "Kafr Zeita" matches only the Kafr Zita cluster (LENIENT): it joins "Kafr Zita".
    g = GoldDocument(article_id="a", events=[event("armed_clash", places=(place("Kafr Zita"),))])
    p = ArticleExtraction(
        events=[
            event("armed_clash", places=(place("Kafr Zita"),)),
            event("attack", places=(place("Kafr Zeita"),)),
        ]
    )
    for tier in (Tier.STRICT, Tier.LENIENT):
        s = BagScorer(Field.PLACES, tier)(p, g)
        assert (s.tp, s.fp, s.fn) == (1, 0, 0)

"""The seed article (AFP, Hama, 2019-08-07) as hand-computed scoring fixtures.

SCORING.md §4 worked example: gold G1..G4 are events E1..E4 of gold/GUIDELINES.md §8. The
prediction P1 merges the capture (G1) and the overnight clashes (G2) into one clash, with the summed
28 instead of "nearly 30"; P2 is the air campaign; P3 is an invented "ceasefire collapse" between
HTS and rebels. Every number below is derived by hand, in the comments, from the spec's definitions.
Other scoring test modules import the builders (actor, place, count, event) from here.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import TYPE_CHECKING

import pytest

from extractor.codebook import (
    ActorRole,
    ActorType,
    CountKind,
    CountScope,
    DatePrecision,
    PlaceKind,
    Qualifier,
    SubEventType,
)
from extractor.schema import (
    Actor,
    ArticleExtraction,
    Count,
    Entity,
    Event,
    EventDate,
    GoldDocument,
    Place,
)
from extractor.scoring import (
    Field,
    Level,
    Rule,
    Tier,
    score_document,
    score_documents,
    to_jsonable,
)
from extractor.scoring.metrics import prf

if TYPE_CHECKING:
    from extractor.scoring.results import DocumentScore

WED = dt.date(2019, 8, 7)  # publication date, a Wednesday

S, R, P = "state_forces", "rebel_group", "participant"


def actor(
    name: str, actor_type: str = S, role: str = P, entity: str | None = None, optional: bool = False
) -> Actor:
    return Actor(
        evidence=name,
        name=name,
        actor_type=ActorType(actor_type),
        role=ActorRole(role),
        entity=entity,
        optional=optional,
    )


def place(
    name: str, kind: str = "town", entity: str | None = None, optional: bool = False
) -> Place:
    return Place(evidence=name, name=name, kind=PlaceKind(kind), entity=entity, optional=optional)


def count(
    kind: str,
    value: int,
    qualifier: str = "exact",
    who: str | None = None,
    optional: bool = False,
    scope: str = "incident",
) -> Count:
    return Count(
        evidence=f"{value} {who or 'people'}",
        kind=CountKind(kind),
        value=value,
        qualifier=Qualifier(qualifier),
        who=who,
        optional=optional,
        scope=CountScope(scope),
    )


def event(
    sub: str,
    *,
    actors: tuple[Actor, ...] = (),
    places: tuple[Place, ...] = (),
    counts: tuple[Count, ...] = (),
    date: tuple[dt.date, dt.date] | None = None,
    optional: bool = False,
    summary: str = "",
) -> Event:
    from extractor.codebook import SUB_EVENT_PARENT

    st = SubEventType(sub)
    when = (
        EventDate()
        if date is None
        else EventDate(text="x", precision=DatePrecision.DAY, start=date[0], end=date[1])
    )
    return Event(
        evidence=summary or sub,
        event_type=SUB_EVENT_PARENT[st],
        sub_event_type=st,
        summary=summary or sub,
        date=when,
        actors=list(actors),
        places=list(places),
        counts=list(counts),
        optional=optional,
    )


ENTITIES = [
    Entity(
        id="SYR_GOV",
        kind="actor",
        category=S,
        mentions=["Regime loyalists", "regime loyalists", "regime", "the government", "Damascus"],
    ),
    Entity(
        id="HTS",
        kind="actor",
        category=R,
        mentions=["extremists", "Hayat Tahrir al-Sham (HTS)", "HTS"],
    ),
    Entity(id="REBELS", kind="actor", category=R, mentions=["allied rebels", "rebels"]),
    Entity(
        id="OPPOSITION",
        kind="actor",
        category=R,
        mentions=["opposition fighters", "the opposition"],
    ),
    Entity(id="RUSSIA", kind="actor", category="external_forces", mentions=["Russia", "Moscow"]),
    Entity(id="CIVILIANS", kind="actor", category="civilians", mentions=["civilians"]),
    Entity(id="AL_ZAKAT", kind="place", category="town", mentions=["Al-Zakat"]),
    Entity(id="AL_ARBAEEN", kind="place", category="village", mentions=["Al-Arba'een"]),
    Entity(id="HAMA", kind="place", category="province", mentions=["Hama province"]),
    Entity(id="NW_SYRIA", kind="place", category="region", mentions=["northwest Syria"]),
    Entity(id="KAFR_ZITA", kind="place", category="town", mentions=["Kafr Zita"]),
    Entity(id="AL_LATAMNEH", kind="place", category="village", mentions=["Al-Latamneh"]),
    Entity(id="IDLIB", kind="place", category="region", mentions=["Idlib region"]),
    Entity(id="SYRIA", kind="place", category="country", mentions=["Syria"]),
]

# G1 capture: 3 required places + 3 actors = 6 arguments (northwest Syria is optional).
G1 = event(
    "government_regains_territory",
    summary="capture of Al-Zakat and Al-Arba'een",
    date=(WED, WED),
    places=(
        place("Al-Zakat", entity="AL_ZAKAT"),
        place("Al-Arba'een", "village", entity="AL_ARBAEEN"),
        place("Hama province", "province", entity="HAMA"),
        place("northwest Syria", "region", entity="NW_SYRIA", optional=True),
    ),
    actors=(
        actor("regime loyalists", role="initiator", entity="SYR_GOV"),
        actor("extremists", R, "target", entity="HTS"),
        actor("allied rebels", R, "target", entity="REBELS"),
    ),
)
# G2 overnight clashes: 3 actors + 4 counts = 7 arguments.
G2 = event(
    "armed_clash",
    summary="overnight clashes",
    date=(WED - dt.timedelta(days=1), WED),
    actors=(
        actor("regime loyalists", entity="SYR_GOV"),
        actor("opposition fighters", R, entity="OPPOSITION"),
        actor("extremists", R, entity="HTS"),
    ),
    counts=(
        count("killed", 30, "approximate", "combatants"),
        count("killed", 10, who="regime loyalists"),
        count("killed", 18, who="opposition fighters"),
        count("killed", 13, who="extremists"),
    ),
)
# G3 advance: 2 places + 2 actors = 4 arguments; no date.
G3 = event(
    "change_to_group_activity",
    summary="advance to Kafr Zita and Al-Latamneh",
    places=(
        place("Kafr Zita", entity="KAFR_ZITA"),
        place("Al-Latamneh", "village", entity="AL_LATAMNEH"),
    ),
    actors=(
        actor("regime loyalists", role="initiator", entity="SYR_GOV"),
        actor("the opposition", R, "target", entity="OPPOSITION"),
    ),
)
# G4 air campaign: 3 actors + 2 counts = 5 arguments (Idlib region is optional).
G4 = event(
    "air_drone_strike",
    summary="air campaign since the end of April",
    date=(dt.date(2019, 4, 30), WED),
    places=(place("Idlib region", "region", entity="IDLIB", optional=True),),
    actors=(
        actor("the regime", role="initiator", entity="SYR_GOV"),
        actor("Russia", "external_forces", "initiator", entity="RUSSIA"),
        actor("civilians", "civilians", "target", entity="CIVILIANS"),
    ),
    counts=(
        count("killed", 800, "at_least", "civilians", scope="cumulative"),
        count("displaced", 400_000, scope="cumulative"),
    ),
)

# GUIDELINES.md §8 E5-E9: optional background events (used only where a test says so).
BACKGROUND = (
    event("agreement", summary="truce starts Friday", optional=True),
    event(
        "change_to_group_activity",
        summary="HTS refuses the truce condition",
        optional=True,
        actors=(actor("HTS", R, "initiator", entity="HTS"),),
    ),
    event(
        "change_to_group_activity",
        summary="government declares the truce over",
        optional=True,
        actors=(actor("the government", role="initiator", entity="SYR_GOV"),),
    ),
    event(
        "air_drone_strike",
        summary="air strikes resumed",
        optional=True,
        actors=(
            actor("Moscow", "external_forces", "initiator", entity="RUSSIA"),
            actor("Damascus", role="initiator", entity="SYR_GOV"),
        ),
    ),
    event(
        "armed_clash",
        summary="war toll since 2011",
        optional=True,
        places=(place("Syria", "country", entity="SYRIA"),),
        counts=(count("killed", 370_000, "at_least", scope="cumulative", optional=True),),
    ),
)

GOLD = GoldDocument(article_id="seed:afp_hama", events=[G1, G2, G3, G4], entities=ENTITIES)
GOLD_WITH_BACKGROUND = GOLD.model_copy(update={"events": [G1, G2, G3, G4, *BACKGROUND]})

# P1 merges G1 and G2: 3 places + 3 actors + 4 counts = 10 arguments; 28 = 10 + 18 summed.
P1 = event(
    "armed_clash",
    summary="regime captures Al-Zakat and Al-Arba'een after clashes",
    date=(WED, WED),
    places=(place("Al-Zakat"), place("Al-Arba'een", "village"), place("Hama", "city")),
    actors=(actor("regime loyalists"), actor("opposition fighters", R), actor("extremists", R)),
    counts=(
        count("killed", 28, who="combatants"),
        count("killed", 10, who="regime loyalists"),
        count("killed", 18, who="opposition fighters"),
        count("killed", 13, who="extremists"),
    ),
)
# P2 air campaign: 3 actors + 2 counts = 5 arguments.
P2 = event(
    "air_drone_strike",
    summary="regime and Russian air strikes",
    date=(dt.date(2019, 4, 30), WED),
    actors=(
        actor("the regime", role="initiator"),
        actor("Russia", "external_forces", "initiator"),
        actor("civilians", "civilians", "target"),
    ),
    counts=(
        count("killed", 800, "at_least", "civilians", scope="cumulative"),
        count("displaced", 400_000, scope="cumulative"),
    ),
)
# P3 invented ceasefire collapse: 2 actors. Total |args(p)| = 10 + 5 + 2 = 17.
P3 = event(
    "change_to_group_activity",
    summary="ceasefire collapses",
    date=(dt.date(2019, 8, 5), dt.date(2019, 8, 5)),
    actors=(actor("HTS", R, "initiator"), actor("rebels", R, "target")),
)
PRED = ArticleExtraction(events=[P1, P2, P3])


@pytest.fixture(scope="module")
def seed() -> DocumentScore:
    return score_document(PRED, GOLD)


def counts(doc: DocumentScore, level: Level, field: Field, tier: Tier) -> tuple[int, int, int]:
    s = doc.get(level, field, tier)
    return s.tp, s.fp, s.fn


# ----------------------------------------------------------------------------- §4 worked example


def test_type_gated_l2_is_11_of_17_and_11_of_22(seed: DocumentScore) -> None:
    # Gated S: P1-G1 = 3 places + 2 actors = 5 < P1-G2 = 3 actors + 3 counts (28 is not VALUE) = 6;
    # P2-G4 = 5; P3 (strategic) vs G3 shares nothing: HTS, rebels vs regime loyalists, opposition.
    pairs = [(p.pred_event, p.gold_event, p.similarity) for p in seed.alignment.pairs]
    assert pairs == [(0, 1, 6), (1, 3, 5)]
    assert counts(seed, Level.L2, Field.ALL, Tier.HEADLINE) == (11, 17 - 11, 22 - 11)
    r = prf(11, 6, 11)
    assert r.precision == pytest.approx(11 / 17)
    assert r.recall == pytest.approx(11 / 22)
    assert r.f1 == pytest.approx(22 / 39)
    assert round(r.f1, 2) == 0.56


def test_type_agnostic_l2_pairs_p3_with_g1_through_actors(seed: DocumentScore) -> None:
    # Without the gate P3-G1 = HTS~extremists (cluster) + rebels~allied rebels = 2: TP 13 of 17/22.
    pairs = [(p.pred_event, p.gold_event, p.similarity) for p in seed.alignment_agnostic.pairs]
    assert pairs == [(2, 0, 2), (0, 1, 6), (1, 3, 5)]
    assert counts(seed, Level.L2_I, Field.ALL, Tier.HEADLINE) == (13, 4, 9)
    f1 = prf(13, 4, 9).f1
    assert f1 == pytest.approx(26 / 39)
    assert round(f1, 2) == 0.67


def test_l1_headline_is_14_of_15_and_14_of_17(seed: DocumentScore) -> None:
    # Pred actors: SYR_GOV (regime loyalists, the regime), OPPOSITION, HTS (extremists, HTS),
    # RUSSIA, CIVILIANS, REBELS = 6 of gold's 6. Places: 3 predicted, 5 required in gold.
    # Counts: 6 predicted, 6 gold; 28 vs nearly 30 fails VALUE. TP = 6 + 3 + 5 = 14.
    assert counts(seed, Level.L1, Field.ACTORS, Tier.LENIENT) == (6, 0, 0)
    assert counts(seed, Level.L1, Field.PLACES, Tier.LENIENT) == (3, 0, 2)
    assert counts(seed, Level.L1, Field.COUNTS, Tier.VALUE) == (5, 1, 1)
    assert counts(seed, Level.L1, Field.ALL, Tier.HEADLINE) == (14, 1, 3)
    r = prf(14, 1, 3)
    assert (r.precision, r.recall) == (pytest.approx(14 / 15), pytest.approx(14 / 17))
    # F1 is exactly 7/8. The spec prints 0.87: 2PR/(P+R) in floating point is 0.8749999999999999.
    assert r.f1 == 0.875
    assert f"{2 * r.precision * r.recall / (r.precision + r.recall):.2f}" == "0.87"  # type: ignore[operator]


def test_l1_strict_and_loose_profiles(seed: DocumentScore) -> None:
    # STRICT: all actors by norm/cluster, places by norm (Hama = Hama province), counts 10/18/13
    # and 800/400,000 exact: 14 again. LOOSE adds 28 ~ nearly 30 (TOLERANT): 15.
    assert counts(seed, Level.L1, Field.ALL, Tier.STRICT) == (14, 1, 3)
    assert counts(seed, Level.L1, Field.ALL, Tier.LOOSE) == (15, 0, 2)


def test_l2_c_and_strict_tiers(seed: DocumentScore) -> None:
    # Roles agree on both aligned pairs, so L2-C equals L2; every matched argument is STRICT.
    assert counts(seed, Level.L2_C, Field.ALL, Tier.HEADLINE) == (11, 6, 11)
    assert counts(seed, Level.L2, Field.ALL, Tier.STRICT) == (11, 6, 11)
    # TOLERANT adds 28 ~ nearly 30: all 6 counts match. Gold actors 3 + 3 + 2 + 3 = 11.
    assert counts(seed, Level.L2, Field.COUNTS, Tier.TOLERANT) == (6, 0, 0)
    assert counts(seed, Level.L2, Field.ACTORS, Tier.TYPE) == (6, 2, 5)


def test_event_detection_and_type_accuracy(seed: DocumentScore) -> None:
    # Gated: P1-G2 4*6 >= 7+10, P2-G4 4*5 >= 5+5: 2 detected of 3 predicted and 4 gold.
    assert counts(seed, Level.DETECTION, Field.EVENTS, Tier.HEADLINE) == (2, 1, 2)
    # Agnostic: P3-G1 has Dice 2*2/(6+2) = 0.5 exactly, so it counts; its types differ.
    assert counts(seed, Level.DETECTION_I, Field.EVENTS, Tier.HEADLINE) == (3, 0, 1)
    assert (seed.event_type.correct, seed.event_type.total) == (2, 3)


def test_l1_dates_and_types(seed: DocumentScore) -> None:
    # Pred dates {08-07, 04-30..08-07, 08-05}; gold {08-07, 08-06..08-07, 04-30..08-07}.
    assert counts(seed, Level.L1, Field.DATES, Tier.STRICT) == (2, 1, 1)
    # Overlap: 08-05 lies inside 04-30..08-07, so all three pair up one-to-one.
    assert counts(seed, Level.L1, Field.DATES, Tier.LENIENT) == (3, 0, 0)
    # Gold sub-types {regains, clash, change, air}; pred {clash, air, change}.
    assert counts(seed, Level.L1, Field.TYPES, Tier.STRICT) == (3, 0, 1)


def test_background_events_absorb_the_invented_event() -> None:
    # With E5-E9 as optional gold, P3 aligns with the optional "HTS refuses" event (S = 1: HTS)
    # and is dropped: |args(p)| falls to 15, TP and |args(g)| do not change.
    doc = score_document(PRED, GOLD_WITH_BACKGROUND)
    assert counts(doc, Level.L2, Field.ALL, Tier.HEADLINE) == (11, 4, 11)
    dropped = [(p.pred_event, p.gold_event) for p in doc.alignment.pairs if p.optional]
    assert dropped == [(2, 5)]
    assert counts(doc, Level.L1, Field.ALL, Tier.HEADLINE) == (14, 1, 3)


def test_every_match_lists_tier_and_rule(seed: DocumentScore) -> None:
    # L1 items are shown by their first mention; "the regime" and "HTS" were merged into the
    # SYR_GOV and HTS items of "regime loyalists" and "extremists".
    matches = seed.get(Level.L1, Field.ACTORS, Tier.LENIENT).matches
    assert [(m.pred.label, m.gold.label, m.tier, m.rule, m.via) for m in matches] == [
        ("regime loyalists", "regime loyalists", Tier.STRICT, Rule.NORM, "regime loyalists"),
        (
            "opposition fighters",
            "opposition fighters",
            Tier.STRICT,
            Rule.NORM,
            "opposition fighters",
        ),
        ("extremists", "extremists", Tier.STRICT, Rule.NORM, "extremists"),
        ("Russia", "Russia", Tier.STRICT, Rule.NORM, "Russia"),
        ("civilians", "civilians", Tier.STRICT, Rule.NORM, "civilians"),
        ("rebels", "allied rebels", Tier.STRICT, Rule.CLUSTER, "rebels"),
    ]
    places = seed.get(Level.L1, Field.PLACES, Tier.LENIENT).matches
    assert [(m.pred.label, m.gold.label, m.rule) for m in places] == [
        ("Al-Zakat", "Al-Zakat", Rule.NORM),
        ("Al-Arba'een", "Al-Arba'een", Rule.NORM),
        ("Hama", "Hama province", Rule.NORM),
    ]
    agnostic = seed.get(Level.L2_I, Field.ACTORS, Tier.LENIENT).matches
    p3 = [(m.pred.label, m.gold.label, m.rule) for m in agnostic if m.pred.path[:9] == "events[2]"]
    assert p3 == [("HTS", "extremists", Rule.CLUSTER), ("rebels", "allied rebels", Rule.CLUSTER)]


def test_count_mismatch_lists_both_values_and_log_error(seed: DocumentScore) -> None:
    [mm] = seed.count_mismatches
    assert (mm.pred_value, mm.gold_value, mm.tier) == (28, 30, Tier.TOLERANT)
    assert mm.log_error == pytest.approx(-0.0667, abs=1e-4)
    assert (mm.pred_qualifier, mm.gold_qualifier) == ("exact", "approximate")


def test_false_positives_carry_predicted_evidence(seed: DocumentScore) -> None:
    fps = seed.get(Level.L2, Field.ACTORS, Tier.LENIENT).false_positives
    assert [(i.path, i.evidence) for i in fps] == [
        ("events[2].actors[0]", "HTS"),
        ("events[2].actors[1]", "rebels"),
    ]
    fns = seed.get(Level.L1, Field.PLACES, Tier.LENIENT).false_negatives
    assert [i.label for i in fns] == ["Kafr Zita", "Al-Latamneh"]


def test_corpus_score_of_the_seed_serialises() -> None:
    corpus = score_documents([PRED], [GOLD], ci_resamples=50)
    head = corpus.result(Level.L1, Field.ALL, Tier.HEADLINE)
    assert (head.tp, head.fp, head.fn, head.support, head.predicted) == (14, 1, 3, 17, 15)
    assert head.f1 == 0.875
    assert head.ci is not None and head.ci.low == head.ci.high == 0.875  # one document
    text = json.dumps(to_jsonable(corpus))
    assert json.loads(text)["results"]["L1/all/headline"]["f1"] == 0.875

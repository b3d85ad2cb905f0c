"""Properties over random documents: perfect output, duplicates, bounds and monotone tiers."""

from __future__ import annotations

import datetime as dt

from hypothesis import given, settings
from hypothesis import strategies as st

from extractor.codebook import SUB_EVENT_PARENT, DatePrecision, PlaceKind, SubEventType
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
    FIELD_TIERS,
    SCORE_KEYS,
    Field,
    Level,
    Tier,
    prf,
    score_document,
    score_key,
)

# Clusters whose mentions all normalise differently, so a copied name identifies its cluster.
ACTORS = [
    ("SYR_GOV", "state_forces", ["regime loyalists", "the regime", "Syrian army"]),
    ("HTS", "rebel_group", ["extremists", "Hayat Tahrir al-Sham (HTS)"]),
    ("OPPOSITION", "rebel_group", ["opposition fighters", "rebels"]),
    ("RUSSIA", "external_forces", ["Russia", "Moscow"]),
    ("CIVILIANS", "civilians", ["civilians"]),
]
PLACES = ["Al-Zakat", "Al-Arba'een", "Kafr Zita", "Al-Latamneh", "Hama province", "Idlib"]
SUBTYPES = [
    "armed_clash",
    "government_regains_territory",
    "air_drone_strike",
    "attack",
    "agreement",
]
ENTITIES = [Entity(id=i, kind="actor", category=c, mentions=m) for i, c, m in ACTORS] + [
    Entity(id=f"P{k}", kind="place", category="town", mentions=[p]) for k, p in enumerate(PLACES)
]
DAY = dt.date(2019, 8, 7)

actors = st.builds(
    lambda k, m, role, opt: Actor(
        evidence="x",
        name=ACTORS[k][2][m % len(ACTORS[k][2])],
        actor_type=ACTORS[k][1],
        role=role,
        entity=ACTORS[k][0],
        optional=opt,
    ),
    st.integers(0, len(ACTORS) - 1),
    st.integers(0, 2),
    st.sampled_from(["initiator", "target", "participant"]),
    st.booleans(),
)
places = st.builds(
    lambda k, opt: Place(
        evidence="x", name=PLACES[k], kind=PlaceKind.TOWN, entity=f"P{k}", optional=opt
    ),
    st.integers(0, len(PLACES) - 1),
    st.booleans(),
)
counts = st.builds(
    lambda kind, value, q, who, opt: Count(
        evidence="x", kind=kind, value=value, qualifier=q, who=who, optional=opt
    ),
    st.sampled_from(["killed", "injured"]),
    st.sampled_from([1, 3, 10, 11, 28, 30]),
    st.sampled_from(["exact", "approximate", "at_least"]),
    st.sampled_from([None, "civilians", "regime loyalists", "fighters"]),
    st.booleans(),
)
dates = st.one_of(
    st.none(),
    st.builds(
        lambda a, n: (DAY - dt.timedelta(days=a), DAY - dt.timedelta(days=a - n)),
        st.integers(0, 5),
        st.integers(0, 2),
    ),
)


@st.composite
def events(draw: st.DrawFn) -> Event:
    sub = SubEventType(draw(st.sampled_from(SUBTYPES)))
    acts = draw(st.lists(actors, min_size=1, max_size=3))
    # Every event keeps one required argument: an event whose arguments are all optional can
    # never be aligned (align.py), which the guidelines avoid by making the event optional.
    acts[0] = acts[0].model_copy(update={"optional": False})
    when = draw(dates)
    return Event(
        evidence="x",
        event_type=SUB_EVENT_PARENT[sub],
        sub_event_type=sub,
        summary="x",
        date=EventDate()
        if when is None
        else EventDate(text="x", precision=DatePrecision.DAY, start=when[0], end=when[1]),
        actors=acts,
        places=draw(st.lists(places, max_size=3)),
        counts=draw(st.lists(counts, max_size=3)),
        optional=draw(st.booleans()) and draw(st.booleans()),
    )


def distinct_counts(doc_events: list[Event]) -> list[Event]:
    """Drop gold counts that repeat a (kind, value, who) already in the document."""
    seen: set[tuple[str, int, str | None]] = set()
    out: list[Event] = []
    for ev in doc_events:
        keep: list[Count] = []
        for c in ev.counts:
            key = (c.kind.value, c.value, c.who)
            if key not in seen:
                seen.add(key)
                keep.append(c)
        out.append(ev.model_copy(update={"counts": keep}))
    return out


golds = st.builds(
    lambda evs: GoldDocument(article_id="a", events=evs, entities=ENTITIES),
    st.lists(events(), max_size=4),
)
distinct_golds = st.builds(
    lambda evs: GoldDocument(article_id="a", events=distinct_counts(evs), entities=ENTITIES),
    st.lists(events(), max_size=4),
)


def as_prediction(gold: GoldDocument) -> ArticleExtraction:
    """What a perfect system outputs: the gold events without the gold-only marks."""

    def strip(items: list[Actor] | list[Place] | list[Count]) -> list[object]:
        return [
            i.model_copy(
                update={"optional": False, **({} if isinstance(i, Count) else {"entity": None})}
            )
            for i in items
        ]

    return ArticleExtraction(
        events=[
            ev.model_copy(
                update={
                    "optional": False,
                    "id": None,
                    "actors": strip(ev.actors),
                    "places": strip(ev.places),
                    "counts": strip(ev.counts),
                }
            )
            for ev in gold.events
        ]
    )


def tps(gold: GoldDocument, pred: ArticleExtraction) -> dict[str, int]:
    doc = score_document(pred, gold)
    return {k: s.tp for k, s in doc.scores.items()}


@settings(max_examples=150, deadline=None)
@given(golds)
def test_perfect_output_scores_one_everywhere(gold: GoldDocument) -> None:
    doc = score_document(as_prediction(gold), gold)
    for key, s in doc.scores.items():
        assert (key, s.fp, s.fn) == (key, 0, 0)
        assert prf(s.tp, s.fp, s.fn).f1 == 1.0


@settings(max_examples=150, deadline=None)
@given(golds, golds)
def test_scores_stay_in_the_unit_interval(gold: GoldDocument, other: GoldDocument) -> None:
    doc = score_document(as_prediction(other), gold)
    for s in doc.scores.values():
        assert min(s.tp, s.fp, s.fn) >= 0
        r = prf(s.tp, s.fp, s.fn)
        assert all(v is None or 0.0 <= v <= 1.0 for v in (r.precision, r.recall, r.f1))


@settings(max_examples=150, deadline=None)
@given(distinct_golds, golds, st.data())
def test_a_duplicated_prediction_never_adds_a_true_positive_at_l1(
    gold: GoldDocument, other: GoldDocument, data: st.DataObject
) -> None:
    # Precondition: gold states each (kind, value, who) once. A figure gold states twice needs two
    # predictions (test_scoring_counts), so there a second copy may rightly earn a TP.
    pred = as_prediction(other if data.draw(st.booleans()) else gold)
    if not pred.events:
        return
    j = data.draw(st.integers(0, len(pred.events) - 1))
    ev = pred.events[j]
    what = data.draw(st.sampled_from(["event", "actors", "places", "counts"]))
    if what == "event":
        dup = pred.model_copy(update={"events": [*pred.events, ev]})
    else:
        items = getattr(ev, what)
        if not items:
            return
        k = data.draw(st.integers(0, len(items) - 1))
        twice = ev.model_copy(update={what: [*items, items[k]]})
        dup = pred.model_copy(update={"events": [*pred.events[:j], twice, *pred.events[j + 1 :]]})
    before, after = tps(gold, pred), tps(gold, dup)
    for level, field, tier in SCORE_KEYS:
        if level is Level.L1:
            key = score_key(level, field, tier)
            assert after[key] <= before[key], key


@settings(max_examples=100, deadline=None)
@given(golds, golds)
def test_looser_tiers_never_lose_a_true_positive(gold: GoldDocument, other: GoldDocument) -> None:
    t = tps(gold, as_prediction(other))
    for level in (Level.L1, Level.L2, Level.L2_I, Level.L2_C):
        for field in (Field.ACTORS, Field.PLACES, Field.COUNTS):
            ladder = [t[score_key(level, field, tier)] for tier in FIELD_TIERS[field]]
            assert ladder == sorted(ladder), (level, field, ladder)
        profiles = [
            t[score_key(level, Field.ALL, p)] for p in (Tier.STRICT, Tier.HEADLINE, Tier.LOOSE)
        ]
        assert profiles == sorted(profiles)

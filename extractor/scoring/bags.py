"""L1 document bags, the headline unit (SCORING.md §1).

Per document: the set of canonical actors, the set of canonical places, the multiset of counts
``(kind, value, who)``, plus the set of resolved date intervals and the set of event (sub-)types.
L1 ignores how the facts are split into events. Predictions are deduplicated; gold items of
optional events, and optional gold items, are optional (a prediction matching one is dropped
from both sides).

Decisions (the spec leaves these open):

* A predicted name's canonical key is the one gold cluster it matches STRICT; failing that, the one
  it matches LENIENT; failing that, its alias-table id; failing that, its ``norm`` (plus the place
  kind, so "Hama" the city and "Hama province" stay two places when gold has both). Predictions
  with one key are one item, which matches a cluster at the strictest tier any of its names does.
* Counts are a multiset: a predicted ``(kind, value, who)`` key is kept at most as many times as
  gold holds it, and at least once. So a figure repeated across split events is one prediction,
  while an article that states "a soldier was killed" for two events needs both.
* The headline overall L1 (:attr:`Field.ALL`) sums actors, places and counts only, the three bags
  §1 defines; dates and types are scored and reported beside it.
* Dates: STRICT equal intervals, LENIENT overlapping; events without a resolved start are skipped.
  Types: STRICT equal sub-event type, LENIENT equal event type.
"""

from __future__ import annotations

import dataclasses
from collections import Counter
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from extractor.scoring.assign import assign, assign_levels, field_score
from extractor.scoring.document import PreparedDocument
from extractor.scoring.matching import (
    FIELD_TIERS,
    Field,
    FieldScore,
    Item,
    Link,
    Match,
    Rule,
    Tier,
    add_profiles,
)
from extractor.scoring.names import AliasTable

if TYPE_CHECKING:
    import datetime as dt
    from collections.abc import Callable, Mapping, Sequence

    from extractor.codebook import SubEventType
    from extractor.schema import ArticleExtraction, GoldDocument
    from extractor.scoring.document import EventInfo, GoldName, PredName
    from extractor.scoring.names import NameTarget

__all__ = ["BAG_FIELDS", "Bag", "BagScorer", "bag", "score_bags"]

_Cands = list[list[tuple[int, Link]]]


@dataclass(frozen=True)
class Bag:
    """The L1 items of one field of one document, with the candidate links between them."""

    field: Field
    pred: tuple[Item, ...]
    gold: tuple[Item, ...]
    gold_optional: tuple[bool, ...]
    cands: tuple[tuple[tuple[int, Link], ...], ...]
    """Per predicted item, its (gold index, link) candidates."""

    def score(self, tier: Tier, *, details: bool = True) -> FieldScore:
        """Score the bag at one of its field's tiers."""
        level = FIELD_TIERS[self.field].index(tier)
        assigned = assign(self.cands, self.gold_optional, level)
        return field_score(
            self.field, assigned, self.pred, self.gold, self.gold_optional, details=details
        )


def _freeze(cands: _Cands) -> tuple[tuple[tuple[int, Link], ...], ...]:
    return tuple(tuple(c) for c in cands)


def _name_bag(
    doc: PreparedDocument,
    field: Field,
    preds: Sequence[PredName],
    golds: Sequence[GoldName],
    clusters: Mapping[str, NameTarget],
    link: Callable[[PredName, NameTarget], Link | None],
) -> Bag:
    # Gold: one item per cluster an event mentions, required if any mention is.
    order: dict[str, list[GoldName]] = {}
    for g in golds:
        order.setdefault(g.group, []).append(g)
    targets: list[NameTarget] = []
    gold_items: list[Item] = []
    gold_optional: list[bool] = []
    for key, members in order.items():
        shown = next((m for m in members if not m.optional), members[0])
        targets.append(clusters[key].relabel(shown.item.label))
        gold_items.append(
            Item(len(gold_items), shown.item.path, shown.item.label, shown.item.evidence)
        )
        gold_optional.append(all(m.optional for m in members))
    keys = list(order)
    # Predictions: canonical key, then one item per key.
    groups: dict[str, list[tuple[PredName, dict[int, Link]]]] = {}
    for p in preds:
        links: dict[int, Link] = {}
        for g, target in enumerate(targets):
            lk = link(p, target)
            if lk is not None:
                links[g] = lk
        groups.setdefault(_canonical(doc.aliases, p, links, keys), []).append((p, links))
    pred_items: list[Item] = []
    cands: _Cands = []
    for members in groups.values():
        first = members[0][0].item
        pred_items.append(Item(len(pred_items), first.path, first.label, first.evidence))
        best: dict[int, Link] = {}
        for _, links in members:
            for g, lk in links.items():
                if g not in best or lk.level < best[g].level:
                    best[g] = lk
        cands.append(sorted(best.items()))
    return Bag(field, tuple(pred_items), tuple(gold_items), tuple(gold_optional), _freeze(cands))


def _canonical(
    aliases: AliasTable, p: PredName, links: Mapping[int, Link], keys: Sequence[str]
) -> str:
    for level in (0, 1):
        hits = [g for g, lk in links.items() if lk.level == level]
        if len(hits) == 1:
            return keys[hits[0]]
        if hits:
            break  # ambiguous between clusters: fall back to the name itself
    ids = aliases.ids_for([p.name.norm])
    if ids:
        return f"alias:{min(ids)}"
    return f"name:{p.name.norm}|{p.kind or ''}"


def _count_bag(doc: PreparedDocument) -> Bag:
    gold_items = tuple(g.item for g in doc.gold_counts)
    gold_optional = tuple(g.optional for g in doc.gold_counts)
    in_gold = Counter(
        (g.count.kind, g.count.value, doc.gold_who_key(g.who)) for g in doc.gold_counts
    )
    kept: Counter[tuple[object, ...]] = Counter()
    pred_items: list[Item] = []
    cands: _Cands = []
    for p in doc.pred_counts:
        key = (p.count.kind, p.count.value, doc.pred_who_key(p.who))
        if kept[key] >= max(1, in_gold[key]):
            continue  # a repeat of a figure already predicted: deduplicated at L1
        kept[key] += 1
        pred_items.append(Item(len(pred_items), p.item.path, p.item.label, p.item.evidence))
        row: list[tuple[int, Link]] = []
        for g, gc in enumerate(doc.gold_counts):
            lk = doc.count_link(p, gc)
            if lk is not None:
                row.append((g, lk))
        cands.append(row)
    return Bag(Field.COUNTS, tuple(pred_items), gold_items, gold_optional, _freeze(cands))


def _interval_label(interval: tuple[dt.date, dt.date]) -> str:
    return f"{interval[0].isoformat()}..{interval[1].isoformat()}"


def _date_bag(doc: PreparedDocument) -> Bag:
    gold: dict[tuple[dt.date, dt.date], tuple[Item, bool]] = {}
    for ev in doc.gold_events:
        if ev.interval is None:
            continue
        seen = gold.get(ev.interval)
        if seen is None or (seen[1] and not ev.optional):
            it = Item(0, f"{ev.item.path}.date", _interval_label(ev.interval), ev.item.evidence)
            gold[ev.interval] = (it, ev.optional)
    gold_keys = list(gold)
    gold_items = tuple(replace(gold[k][0], index=i) for i, k in enumerate(gold_keys))
    pred: dict[tuple[dt.date, dt.date], Item] = {}
    for ev in doc.pred_events:
        if ev.interval is not None and ev.interval not in pred:
            label = _interval_label(ev.interval)
            pred[ev.interval] = Item(len(pred), f"{ev.item.path}.date", label, ev.item.evidence)
    cands: _Cands = []
    for ps, pe in pred:
        row: list[tuple[int, Link]] = []
        for g, (gs, ge) in enumerate(gold_keys):
            if (ps, pe) == (gs, ge):
                row.append((g, Link(0, Rule.EQUAL_INTERVAL, _interval_label((gs, ge)))))
            elif ps <= ge and gs <= pe:
                row.append((g, Link(1, Rule.OVERLAP, _interval_label((gs, ge)))))
        cands.append(row)
    optional = tuple(gold[k][1] for k in gold_keys)
    return Bag(Field.DATES, tuple(pred.values()), gold_items, optional, _freeze(cands))


def _type_label(ev: EventInfo) -> str:
    return f"{ev.event_type.value}/{ev.sub_event_type.value}"


def _type_bag(doc: PreparedDocument) -> Bag:
    gold: dict[SubEventType, EventInfo] = {}
    for ev in doc.gold_events:
        seen = gold.get(ev.sub_event_type)
        if seen is None or (seen.optional and not ev.optional):
            gold[ev.sub_event_type] = ev
    golds = list(gold.values())
    preds = list({ev.sub_event_type: ev for ev in reversed(doc.pred_events)}.values())[::-1]
    cands: _Cands = []
    for p in preds:
        row: list[tuple[int, Link]] = []
        for g, ge in enumerate(golds):
            if p.sub_event_type == ge.sub_event_type:
                row.append((g, Link(0, Rule.SUB_EVENT_TYPE, _type_label(ge))))
            elif p.event_type == ge.event_type:
                row.append((g, Link(1, Rule.EVENT_TYPE, _type_label(ge))))
        cands.append(row)
    return Bag(
        Field.TYPES,
        tuple(Item(i, e.item.path, _type_label(e), e.item.evidence) for i, e in enumerate(preds)),
        tuple(Item(i, e.item.path, _type_label(e), e.item.evidence) for i, e in enumerate(golds)),
        tuple(e.optional for e in golds),
        _freeze(cands),
    )


def bag(doc: PreparedDocument, field: Field) -> Bag:
    """Build the L1 bag of one field of a prepared document.

    Args:
        doc: The prepared document.
        field: ACTORS, PLACES, COUNTS, DATES or TYPES.

    Returns:
        The bag.

    Raises:
        ValueError: For a field that has no bag (ALL, EVENTS).
    """
    if field is Field.ACTORS:
        return _name_bag(
            doc, field, doc.pred_actors, doc.gold_actors, doc.actor_clusters, doc.actor_link
        )
    if field is Field.PLACES:
        return _name_bag(
            doc, field, doc.pred_places, doc.gold_places, doc.place_clusters, doc.place_link
        )
    if field is Field.COUNTS:
        return _count_bag(doc)
    if field is Field.DATES:
        return _date_bag(doc)
    if field is Field.TYPES:
        return _type_bag(doc)
    raise ValueError(f"no L1 bag for field {field.value!r}")


BAG_FIELDS = (Field.ACTORS, Field.PLACES, Field.COUNTS, Field.DATES, Field.TYPES)
"""The L1 fields, in report order."""


def score_bags(
    doc: PreparedDocument,
    *,
    details: bool = True,
    bags: Mapping[Field, Bag] | None = None,
) -> dict[tuple[Field, Tier], FieldScore]:
    """Score every L1 field of a document at every tier, and the overall profiles.

    Args:
        doc: The prepared document.
        details: Keep matches and FP/FN items.
        bags: Bags already built for this document (by :func:`bag`), to reuse.

    Returns:
        (field, tier) -> score, including ``(Field.ALL, profile)`` for each of :data:`PROFILES`.
    """
    out: dict[tuple[Field, Tier], FieldScore] = {}
    for f in BAG_FIELDS:
        b = bag(doc, f) if bags is None else bags[f]
        memo: dict[tuple[int, int], Match] = {}
        tiers = FIELD_TIERS[f]
        for tier, assigned in zip(
            tiers, assign_levels(b.cands, b.gold_optional, len(tiers)), strict=True
        ):
            out[f, tier] = field_score(
                f, assigned, b.pred, b.gold, b.gold_optional, details=details, memo=memo
            )
    return add_profiles(out)


@dataclass(frozen=True)
class BagScorer:
    """A :class:`~extractor.scoring.matching.Scorer` for one L1 field at one tier.

    Example: ``BagScorer(Field.PLACES, Tier.LENIENT)(pred, gold).tp``.
    """

    field: Field
    tier: Tier
    aliases: AliasTable = dataclasses.field(default_factory=lambda: AliasTable.from_mapping(None))

    @property
    def name(self) -> str:
        """``L1/<field>/<tier>``."""
        return f"L1/{self.field.value}/{self.tier.value}"

    def __call__(self, pred: ArticleExtraction | None, gold: GoldDocument) -> FieldScore:
        """Score a prediction (None for a failed output) against its gold document."""
        doc = PreparedDocument.build(pred, gold, self.aliases)
        if self.field is Field.ALL:
            return score_bags(doc)[Field.ALL, self.tier]
        return bag(doc, self.field).score(self.tier)

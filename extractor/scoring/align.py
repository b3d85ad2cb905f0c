"""L2 event alignment and argument scores (SCORING.md §4): CEAF-RME with a matched-filler count.

``S[i, j]`` is the number of arguments of gold event ``i`` and predicted event ``j`` that match
one-to-one at the alignment tiers (:data:`~extractor.scoring.matching.ALIGNMENT_TIERS`), summed over
actors, places and counts, and 0 when the event types differ (type-gated). The Hungarian algorithm
maximises the total S; a pair is aligned when ``S > 0``. TP is the sum of S over aligned pairs,
P = TP / Σ|args(p)| and R = TP / Σ|args(g)|, and arguments of unaligned events stay in both sums.

Variants:

* ``L2`` (headline): type-gated alignment, roles ignored.
* ``L2-I``: type-agnostic alignment, roles ignored (the diagnostic of §4; ACE identification).
* ``L2-C``: type-gated alignment, and an actor matches only with the same ``role`` (ACE
  classification). The alignment is the headline one: the alignment criterion stays separate from
  what is scored (Kehler et al. 2001).

Decisions:

* The date is not an argument: the worked example's denominators (17 and 22) count actors,
  places and counts only.
* Optional gold arguments are left out of Σ|args(g)|; a predicted argument of an aligned pair that
  matches one is left out of Σ|args(p)|. Optional gold events join the same Hungarian problem with a
  weight below any required similarity, so they never take a prediction a required event could
  use; a prediction aligned to one is dropped with all its arguments.
* An event whose arguments are all optional (or that has none) can never be aligned: S is 0. The
  guidelines make such background events optional as a whole.
* Event detection uses the headline alignment: an aligned pair is detected when
  ``Dice = 2S/(|g|+|p|) >= 0.5``, tested as ``4S >= |g|+|p|`` in integers. Event-type accuracy is
  measured on the type-agnostic alignment, since on the gated one it is 1 by construction.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from extractor.scoring.assign import Assigned, assign, hungarian, trivial_levels
from extractor.scoring.matching import (
    ALIGNMENT_TIERS,
    FIELD_TIERS,
    Field,
    FieldScore,
    Item,
    Link,
    Match,
    Rule,
    Tier,
)

if TYPE_CHECKING:
    from collections.abc import Sequence

    from extractor.scoring.document import EventInfo, PreparedDocument

__all__ = ["ARG_FIELDS", "AlignedPair", "Alignment", "EventScorer"]

ARG_FIELDS: tuple[Field, ...] = (Field.ACTORS, Field.PLACES, Field.COUNTS)
"""The argument fields of an event, as summed into S."""

_ALIGN_LEVEL: dict[Field, int] = {
    f: FIELD_TIERS[f].index(ALIGNMENT_TIERS[f]) for f in ALIGNMENT_TIERS
}


_EMPTY: Assigned = ((), ())


@dataclass(slots=True)
class _PairLinks:
    cands: list[list[tuple[int, Link]]]
    """Per predicted argument of the pair (local index), its (gold local index, link) pairs."""
    min_level: int = 99


@dataclass(frozen=True, slots=True)
class AlignedPair:
    """A gold event aligned to a predicted event."""

    gold_event: int
    pred_event: int
    similarity: int
    """S: matched arguments at the alignment tiers."""
    gold_args: int
    """|args(g)|: required arguments of the gold event."""
    pred_args: int
    """|args(p)|: arguments of the predicted event, less those matching optional gold arguments."""
    detected: bool
    """Dice 2S/(|g|+|p|) >= 0.5."""
    same_type: bool
    same_sub_type: bool
    optional: bool
    """The gold event is optional: the prediction is dropped, with no credit and no penalty."""


@dataclass(frozen=True, slots=True)
class Alignment:
    """The one-to-one alignment of a document's gold and predicted events."""

    type_gated: bool
    pairs: tuple[AlignedPair, ...]

    @property
    def required(self) -> tuple[AlignedPair, ...]:
        """Pairs with a required gold event (the ones scored)."""
        return tuple(p for p in self.pairs if not p.optional)

    @property
    def dropped_pred_events(self) -> frozenset[int]:
        """Predicted events aligned to optional gold events."""
        return frozenset(p.pred_event for p in self.pairs if p.optional)


class EventScorer:
    """Aligns and scores the events of one prepared document; caches every pair's matching."""

    def __init__(self, doc: PreparedDocument) -> None:
        """Wrap a prepared document.

        Args:
            doc: The prepared document.
        """
        self.doc = doc
        self._links: dict[Field, dict[tuple[int, int], _PairLinks]] = {}
        self._assigned: dict[tuple[Field, int, int, int, bool], Assigned] = {}
        self._optional: dict[tuple[Field, int], list[bool]] = {}
        self._similarity: dict[tuple[int, int], int] = {}
        for f in ARG_FIELDS:
            self._pairs(f)

    # ------------------------------------------------------------------ pairs

    def _args(self, ev: EventInfo, f: Field) -> tuple[int, ...]:
        return ev.actors if f is Field.ACTORS else ev.places if f is Field.PLACES else ev.counts

    def _gold_optional(self, f: Field, i: int) -> list[bool]:
        got = self._optional.get((f, i))
        if got is not None:
            return got
        ev = self.doc.gold_events[i]
        if ev.optional:
            got = [False] * len(self._args(ev, f))  # S of an optional event counts every argument
        elif f is Field.COUNTS:
            got = [self.doc.gold_counts[g].optional for g in ev.counts]
        else:
            golds = self.doc.gold_actors if f is Field.ACTORS else self.doc.gold_places
            got = [golds[g].optional for g in self._args(ev, f)]
        self._optional[f, i] = got
        return got

    def _pairs(self, f: Field) -> dict[tuple[int, int], _PairLinks]:
        """Every link of one field, bucketed by (gold event, predicted event).

        A pair without a bucket shares nothing and is never assigned: that is most pairs.
        """
        got = self._links.get(f)
        if got is not None:
            return got
        doc = self.doc
        gold_pos = [
            (i, c) for i, ev in enumerate(doc.gold_events) for c in range(len(self._args(ev, f)))
        ]
        if f is Field.COUNTS:
            cl, pc, gc = doc.count_link, doc.pred_counts, doc.gold_counts

            def link(p: int, g: int) -> Link | None:
                return cl(pc[p], gc[g])
        elif f is Field.ACTORS:
            al, pa, ga = doc.actor_link, doc.pred_actors, doc.gold_actors

            def link(p: int, g: int) -> Link | None:
                return al(pa[p], ga[g].target)
        else:
            pl, pp, gp = doc.place_link, doc.pred_places, doc.gold_places

            def link(p: int, g: int) -> Link | None:
                return pl(pp[p], gp[g].target)

        out: dict[tuple[int, int], _PairLinks] = {}
        for j, p_ev in enumerate(doc.pred_events):
            p_args = self._args(p_ev, f)
            for r, p in enumerate(p_args):
                for g, (i, c) in enumerate(gold_pos):
                    lk = link(p, g)
                    if lk is None:
                        continue
                    entry = out.get((i, j))
                    if entry is None:
                        entry = out[i, j] = _PairLinks([[] for _ in p_args])
                    entry.cands[r].append((c, lk))
                    entry.min_level = min(entry.min_level, lk.level)
        self._links[f] = out
        return out

    def cands(self, f: Field, i: int, j: int, role_aware: bool) -> list[list[tuple[int, Link]]]:
        """Candidate links between predicted event ``j`` and gold event ``i`` for one field.

        With ``role_aware``, an actor link holds only between actors with the same role.
        """
        entry = self._links[f].get((i, j))
        if entry is None:
            return []
        if not (role_aware and f is Field.ACTORS):
            return entry.cands
        doc = self.doc
        p_roles = [doc.pred_actors[p].role for p in doc.pred_events[j].actors]
        g_roles = [doc.gold_actors[g].role for g in doc.gold_events[i].actors]
        return [
            [(c, lk) for c, lk in row if g_roles[c] == p_roles[r]]
            for r, row in enumerate(entry.cands)
        ]

    def matched(self, f: Field, i: int, j: int, level: int, role_aware: bool = False) -> Assigned:
        """One-to-one matches of one field of a pair at a tier index: (required, optional)."""
        entry = self._links[f].get((i, j))
        if entry is None or entry.min_level > level:
            return _EMPTY
        ra = role_aware and f is Field.ACTORS
        key = (f, i, j, level, ra)
        got = self._assigned.get(key)
        if got is None:
            cands = self.cands(f, i, j, role_aware) if ra else entry.cands
            optional = self._gold_optional(f, i)
            every = trivial_levels(cands, optional, len(FIELD_TIERS[f]))
            if every is None:
                got = assign(cands, optional, level)
            else:  # one pass gave every tier: keep them all
                for lv, a in enumerate(every):
                    self._assigned[f, i, j, lv, ra] = a
                got = every[level]
            self._assigned[key] = got
        return got

    def similarity(self, i: int, j: int) -> int:
        """S[i, j] ignoring types: arguments matched at the alignment tiers, roles ignored."""
        got = self._similarity.get((i, j))
        if got is None:
            got = 0
            for f in ARG_FIELDS:
                if (i, j) in self._links[f]:
                    got += len(self.matched(f, i, j, _ALIGN_LEVEL[f])[0])
            self._similarity[i, j] = got
        return got

    def _dropped(self, i: int, j: int) -> int:
        return sum(len(self.matched(f, i, j, _ALIGN_LEVEL[f])[1]) for f in ARG_FIELDS)

    # ------------------------------------------------------------------ alignment

    def align(self, *, type_gated: bool) -> Alignment:
        """Align gold and predicted events one-to-one (Hungarian on S).

        Args:
            type_gated: Set S to 0 when the event types differ (the headline); False gives the
                type-agnostic diagnostic.

        Returns:
            The alignment: pairs with S > 0.
        """
        golds, preds = self.doc.gold_events, self.doc.pred_events
        if not golds or not preds:
            return Alignment(type_gated, ())
        # Any required similarity outweighs the sum of all optional ones.
        big = 1 + sum(ev.n_args for ev in golds if ev.optional)
        weights = np.zeros((len(golds), len(preds)))
        for i, g in enumerate(golds):
            for j, p in enumerate(preds):
                if type_gated and g.event_type is not p.event_type:
                    continue
                s = self.similarity(i, j)
                weights[i, j] = s if g.optional else s * big
        pairs: list[AlignedPair] = []
        for i, j in hungarian(weights):
            if weights[i, j] <= 0:
                continue
            g, p = golds[i], preds[j]
            s = self.similarity(i, j)
            g_args = sum(not o for f in ARG_FIELDS for o in self._gold_optional(f, i))
            p_args = p.n_args - self._dropped(i, j)
            pairs.append(
                AlignedPair(
                    i,
                    j,
                    s,
                    g_args,
                    p_args,
                    4 * s >= g_args + p_args,
                    g.event_type is p.event_type,
                    g.sub_event_type is p.sub_event_type,
                    g.optional,
                )
            )
        pairs.sort(key=lambda pr: pr.gold_event)
        return Alignment(type_gated, tuple(pairs))

    # ------------------------------------------------------------------ scores

    def score(
        self,
        alignment: Alignment,
        *,
        role_aware: bool = False,
        details: bool = True,
        fields: Sequence[Field] = ARG_FIELDS,
    ) -> dict[tuple[Field, Tier], FieldScore]:
        """Score the arguments of the given fields at every tier on a fixed alignment.

        Args:
            alignment: From :meth:`align`.
            role_aware: Actors match only with equal roles (the L2-C variant).
            details: Keep matches and FP/FN items.
            fields: The argument fields to score.

        Returns:
            (field, tier) -> score. ``matching.add_profiles`` adds the overall profiles.
        """
        doc = self.doc
        dropped = alignment.dropped_pred_events
        required = alignment.required
        out: dict[tuple[Field, Tier], FieldScore] = {}
        for f in fields:
            pred_all, gold_all = self._items(f)
            pred_items = [it for it, _ in pred_all]
            gold_items = [it for it, _ in gold_all]
            preds = [it for it, ev in pred_all if ev not in dropped]
            golds = [it for it, opt in gold_all if not opt]
            memo: dict[tuple[int, int, int], Match] = {}
            per_pair = [
                (
                    self._args(doc.pred_events[pair.pred_event], f),
                    self._args(doc.gold_events[pair.gold_event], f),
                    pair.gold_event,
                    pair.pred_event,
                )
                for pair in required
            ]
            for level, tier in enumerate(FIELD_TIERS[f]):
                hits: list[tuple[int, int, Link]] = []
                removed: list[tuple[int, int, Link]] = []
                for p_args, g_args, i, j in per_pair:
                    req, opt = self.matched(f, i, j, level, role_aware)
                    hits.extend((p_args[r], g_args[c], lk) for r, c, lk in req)
                    removed.extend((p_args[r], g_args[c], lk) for r, c, lk in opt)
                tp = len(hits)
                score = FieldScore(tp, len(preds) - tp - len(removed), len(golds) - tp)
                if details:
                    score = self._details(
                        score, f, hits, removed, pred_items, gold_items, golds, preds, memo
                    )
                out[f, tier] = score
        return out

    def _items(self, f: Field) -> tuple[list[tuple[Item, int]], list[tuple[Item, bool]]]:
        """Predicted items of a field with their event; gold items with their optional flag."""
        d = self.doc
        if f is Field.ACTORS:
            return [(a.item, a.event) for a in d.pred_actors], [
                (a.item, a.optional) for a in d.gold_actors
            ]
        if f is Field.PLACES:
            return [(a.item, a.event) for a in d.pred_places], [
                (a.item, a.optional) for a in d.gold_places
            ]
        return [(c.item, c.event) for c in d.pred_counts], [
            (c.item, c.optional) for c in d.gold_counts
        ]

    @staticmethod
    def _details(
        score: FieldScore,
        f: Field,
        hits: list[tuple[int, int, Link]],
        removed: list[tuple[int, int, Link]],
        pred_items: Sequence[Item],
        gold_items: Sequence[Item],
        scored_gold: Sequence[Item],
        scored_pred: Sequence[Item],
        memo: dict[tuple[int, int, int], Match],
    ) -> FieldScore:
        tiers = FIELD_TIERS[f]

        def mk(p: int, g: int, lk: Link) -> Match:
            key = (p, g, lk.level)
            m = memo.get(key)
            if m is None:
                m = Match(pred_items[p], gold_items[g], tiers[lk.level], lk.rule, lk.via)
                if f is Field.COUNTS:
                    m = Match(m.pred, m.gold, m.tier, m.rule, m.via, lk.log_error)
                memo[key] = m
            return m

        used_pred = {p for p, _, _ in hits} | {p for p, _, _ in removed}
        used_gold = {g for _, g, _ in hits}
        return FieldScore(
            score.tp,
            score.fp,
            score.fn,
            tuple(mk(*h) for h in hits),
            tuple(it for it in scored_pred if it.index not in used_pred),
            tuple(it for it in scored_gold if it.index not in used_gold),
            tuple(mk(*h) for h in removed),
        )

    def detection(self, alignment: Alignment, *, details: bool = True) -> FieldScore:
        """Event detection: detected pairs over #predicted and #gold events.

        Args:
            alignment: From :meth:`align`.
            details: Keep matches and FP/FN events.

        Returns:
            TP = detected pairs; FP = other scored predicted events; FN = other required gold
            events. Predicted events aligned to optional gold events are in no count.
        """
        doc = self.doc
        dropped = alignment.dropped_pred_events
        detected = [p for p in alignment.required if p.detected]
        n_pred = len(doc.pred_events) - len(dropped)
        n_gold = sum(not ev.optional for ev in doc.gold_events)
        tp = len(detected)
        score = FieldScore(tp, n_pred - tp, n_gold - tp)
        if not details:
            return score
        hit_p = {p.pred_event for p in detected} | dropped
        hit_g = {p.gold_event for p in detected}
        return FieldScore(
            score.tp,
            score.fp,
            score.fn,
            tuple(
                Match(
                    doc.pred_events[p.pred_event].item,
                    doc.gold_events[p.gold_event].item,
                    Tier.HEADLINE,
                    Rule.DICE,
                    f"S={p.similarity} |g|={p.gold_args} |p|={p.pred_args}",
                )
                for p in detected
            ),
            tuple(ev.item for j, ev in enumerate(doc.pred_events) if j not in hit_p),
            tuple(
                ev.item
                for i, ev in enumerate(doc.gold_events)
                if i not in hit_g and not ev.optional
            ),
        )

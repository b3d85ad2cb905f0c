"""Matching tiers, one-to-one assignment and the per-field score of one document.

SCORING.md §2-§3. A *link* says that one predicted item matches one gold item, at which tier and by
which rule. :func:`assign` turns the links of a document into a one-to-one matching with the
Hungarian algorithm, preferring stricter tiers, and removes predictions that match *optional* gold
items from both sides. :class:`FieldScore` holds the resulting counts; only ``metrics.py`` divides.

Tiers of a field are ordered from strict to loose and a pair matches at its strictest tier and at
every looser one, so scores never fall as the tier loosens.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from functools import lru_cache
from typing import TYPE_CHECKING, Protocol, cast

import numpy as np
from scipy.optimize import linear_sum_assignment  # pyright: ignore[reportUnknownVariableType]

from extractor.scoring.normalise import norm, skeleton

if TYPE_CHECKING:
    from numpy.typing import NDArray

    from extractor.schema import ArticleExtraction, Count, GoldDocument

__all__ = [
    "ALIGNMENT_TIERS",
    "FIELD_TIERS",
    "GENERIC_WHO",
    "PROFILES",
    "AliasTable",
    "Field",
    "FieldScore",
    "Item",
    "Link",
    "Match",
    "Name",
    "NameTarget",
    "Rule",
    "Scorer",
    "Tier",
    "WhoMatch",
    "add_profiles",
    "assign",
    "assign_levels",
    "count_link",
    "hungarian",
    "log_error",
    "match_name",
    "name",
    "trivial_levels",
    "within_tolerance",
]


class Tier(StrEnum):
    """A matching tier (nervaluate / SemEval-2013 style), or an overall profile.

    ``STRICT``, ``LENIENT`` and ``TYPE`` apply to names, ``STRICT``, ``VALUE`` and ``TOLERANT`` to
    counts, ``STRICT`` and ``LENIENT`` to dates and event types. ``HEADLINE`` and ``LOOSE`` name the
    profiles of :data:`PROFILES`, used for the overall field :attr:`Field.ALL`.
    """

    STRICT = "strict"
    LENIENT = "lenient"
    TYPE = "type"
    VALUE = "value"
    TOLERANT = "tolerant"
    HEADLINE = "headline"
    LOOSE = "loose"


class Field(StrEnum):
    """What is scored. ``ALL`` sums actors, places and counts; ``EVENTS`` is event detection."""

    ACTORS = "actors"
    PLACES = "places"
    COUNTS = "counts"
    DATES = "dates"
    TYPES = "types"
    ALL = "all"
    EVENTS = "events"


class Rule(StrEnum):
    """Why a pair matched: reports list it next to every match so LENIENT matches can be audited."""

    NORM = "norm"
    """Equal after ``norm`` to the gold mention itself ("az-Zakat" = "Al-Zakat")."""
    CLUSTER = "cluster"
    """Equal after ``norm`` to another mention of the same gold entity cluster."""
    ALIAS = "alias"
    """Same canonical id through the project alias table."""
    SKELETON = "skeleton"
    """Same consonant skeleton ("Kafr Zeita" = "Kafr Zita")."""
    CONTAINMENT = "containment"
    """One name's tokens contain the other's ("HTS" in "Hayat Tahrir al-Sham (HTS)")."""
    CATEGORY = "category"
    """Only the actor category agrees (TYPE tier)."""
    EXACT = "exact"
    """Count: equal value and qualifier, and ``who`` matches STRICT or both are generic."""
    SAME_VALUE = "same_value"
    """Count: equal value, ``who`` matches LENIENT or one side is generic."""
    LOG_TOLERANCE = "log_tolerance"
    """Count: |ln((p+1)/(g+1))| <= ln 1.1."""
    EQUAL_INTERVAL = "equal_interval"
    """Date: the same ISO interval."""
    OVERLAP = "overlap"
    """Date: overlapping intervals."""
    SUB_EVENT_TYPE = "sub_event_type"
    """Event type: the same ACLED sub-event type."""
    EVENT_TYPE = "event_type"
    """Event type: the same ACLED event type."""
    DICE = "dice"
    """Event detection: an aligned pair with Dice 2S/(|g|+|p|) >= 0.5."""


FIELD_TIERS: Mapping[Field, tuple[Tier, ...]] = {
    Field.ACTORS: (Tier.STRICT, Tier.LENIENT, Tier.TYPE),
    Field.PLACES: (Tier.STRICT, Tier.LENIENT),
    Field.COUNTS: (Tier.STRICT, Tier.VALUE, Tier.TOLERANT),
    Field.DATES: (Tier.STRICT, Tier.LENIENT),
    Field.TYPES: (Tier.STRICT, Tier.LENIENT),
}
"""The tiers of each field, strict to loose. A link's ``level`` indexes this tuple."""

ALIGNMENT_TIERS: Mapping[Field, Tier] = {
    Field.ACTORS: Tier.LENIENT,
    Field.PLACES: Tier.LENIENT,
    Field.COUNTS: Tier.VALUE,
}
"""The tier of each argument field in the L2 similarity S and in the headline.

Decision: SCORING.md §4 sums "LENIENT" bipartite matches, but counts have no LENIENT tier; VALUE,
the count tier marked *headline* in §3, stands in for it.
"""

PROFILES: Mapping[Tier, Mapping[Field, Tier]] = {
    Tier.STRICT: {Field.ACTORS: Tier.STRICT, Field.PLACES: Tier.STRICT, Field.COUNTS: Tier.STRICT},
    Tier.HEADLINE: ALIGNMENT_TIERS,
    Tier.LOOSE: {Field.ACTORS: Tier.TYPE, Field.PLACES: Tier.LENIENT, Field.COUNTS: Tier.TOLERANT},
}
"""Overall profiles: the tier of each argument field summed into :attr:`Field.ALL`."""

GENERIC_WHO: frozenset[str] = frozenset({"", "people", "person", "persons", "individuals"})
"""Normalised ``who`` values treated like null: the schema asks for null for unspecified people."""


# --------------------------------------------------------------------------- result values


@dataclass(frozen=True, slots=True)
class Item:
    """One scored item (a name, count, date or event type) as a report shows it."""

    index: int
    """Position in this document's item list for this level and field (the NV ``pairs`` index)."""
    path: str
    """Where it sits, e.g. ``events[0].actors[1]``; for a deduplicated L1 item, its first copy."""
    label: str
    """What was compared: the name, ``killed 30 (approximate) of combatants``, a date interval."""
    evidence: str
    """The item's evidence quote: predicted for false positives, gold for false negatives."""


@dataclass(frozen=True, slots=True)
class Match:
    """A predicted item matched one-to-one to a gold item."""

    pred: Item
    gold: Item
    tier: Tier
    """The strictest tier at which the pair matches."""
    rule: Rule
    via: str
    """The gold surface form (mention, alias variant) or value that made the match."""
    log_error: float | None = None
    """Counts only: ln(p+1) - ln(g+1)."""


@dataclass(frozen=True, slots=True)
class FieldScore:
    """Counts for one field of one document at one tier, with the pairs behind them.

    ``tp + fp`` is the number of scored predictions and ``tp + fn`` the number of required gold
    items. Predictions matched to optional gold items are in ``ignored`` and in no count.
    The detail tuples are empty when scoring ran with ``details=False``.
    """

    tp: int
    fp: int
    fn: int
    matches: tuple[Match, ...] = ()
    false_positives: tuple[Item, ...] = ()
    false_negatives: tuple[Item, ...] = ()
    ignored: tuple[Match, ...] = ()

    @property
    def pairs(self) -> tuple[tuple[int | None, int | None], ...]:
        """(pred index, gold index) per match, FP (gold None) and FN (pred None), as nervaluate.

        Indices point into the field's item list; a ``Field.ALL`` score mixes three fields.
        """
        return (
            *((m.pred.index, m.gold.index) for m in self.matches),
            *((i.index, None) for i in self.false_positives),
            *((None, i.index) for i in self.false_negatives),
        )

    def __add__(self, other: FieldScore) -> FieldScore:
        return FieldScore(
            self.tp + other.tp,
            self.fp + other.fp,
            self.fn + other.fn,
            self.matches + other.matches,
            self.false_positives + other.false_positives,
            self.false_negatives + other.false_negatives,
            self.ignored + other.ignored,
        )


EMPTY_SCORE = FieldScore(0, 0, 0)


def add_profiles(
    scores: dict[tuple[Field, Tier], FieldScore],
) -> dict[tuple[Field, Tier], FieldScore]:
    """Add ``(Field.ALL, profile)`` for every profile: the sum of its fields at its tiers.

    Args:
        scores: (field, tier) -> score, holding every tier of actors, places and counts.

    Returns:
        The same dict, completed.
    """
    for profile, tiers in PROFILES.items():
        total = EMPTY_SCORE
        for f, tier in tiers.items():
            total += scores[f, tier]
        scores[Field.ALL, profile] = total
    return scores


class Scorer(Protocol):
    """Scores one field of one document: returns counts, never ratios (STYLE.md §2)."""

    @property
    def name(self) -> str:
        """What is scored, e.g. ``L1/actors/lenient``."""
        ...

    def __call__(self, pred: ArticleExtraction | None, gold: GoldDocument) -> FieldScore:
        """Score a prediction (None for a failed output) against its gold document."""
        ...


# --------------------------------------------------------------------------- names


@dataclass(frozen=True, slots=True)
class Name:
    """A name with its matching keys computed once."""

    text: str
    norm: str
    skeleton: str
    tokens: frozenset[str]


@lru_cache(maxsize=65536)
def name(text: str) -> Name:
    """Build (and cache) the matching keys of a name.

    Args:
        text: The name as written.

    Returns:
        The :class:`Name` with its ``norm``, ``skeleton`` and token set.
    """
    n = norm(text)
    return Name(text, n, skeleton(text), frozenset(n.split()))


@dataclass(frozen=True)
class AliasTable:
    """The project alias table, canonical id -> surface variants, normalised once.

    Loading ``gold/aliases.toml`` is the caller's job; pass the mapping to :meth:`from_mapping`. The
    canonical id itself counts as a variant ("ISIL" in ``{"ISIL": ["ISIS", "Daesh"]}``).
    """

    ids_by_norm: Mapping[str, frozenset[str]]
    """norm(variant) -> the canonical ids it belongs to."""
    variants_by_id: Mapping[str, tuple[Name, ...]]
    """Canonical id -> its variants, the id first."""
    targets: dict[tuple[object, ...], NameTarget] = dataclasses.field(
        default_factory=dict[tuple[object, ...], "NameTarget"], compare=False, repr=False
    )
    """Clusters already built against this table (a corpus repeats the same few)."""

    @classmethod
    def from_mapping(cls, mapping: Mapping[str, Sequence[str]] | None) -> AliasTable:
        """Normalise an alias mapping.

        Args:
            mapping: Canonical id -> variants, e.g. ``{"ISIL": ["ISIS", "Islamic State"]}``.

        Returns:
            The table; an empty one for ``None``.
        """
        ids: dict[str, set[str]] = {}
        variants: dict[str, tuple[Name, ...]] = {}
        for cid, forms in (mapping or {}).items():
            names = tuple(name(f) for f in (cid, *forms) if norm(f))
            variants[cid] = names
            for n in names:
                ids.setdefault(n.norm, set()).add(cid)
        return cls({k: frozenset(v) for k, v in ids.items()}, variants)

    def ids_for(self, norms: Iterable[str]) -> frozenset[str]:
        """Return the canonical ids any of these normalised names belongs to."""
        out: set[str] = set()
        for n in norms:
            out |= self.ids_by_norm.get(n, frozenset())
        return frozenset(out)


@dataclass(frozen=True, slots=True)
class NameTarget:
    """A gold identity a predicted name is compared with: an entity cluster or a bare gold name."""

    key: str
    """The entity id, or ``name:<norm>`` for a gold name without an entity."""
    label: Name
    """The gold mention the target stands for in reports (and the ``NORM`` rule)."""
    mentions: Mapping[str, str]
    """norm -> text of every cluster mention."""
    aliases: Mapping[str, str]
    """norm -> text of every alias-table variant of the cluster's canonical ids."""
    skeletons: Mapping[str, str]
    """skeleton -> text over mentions and alias variants."""
    token_sets: tuple[tuple[frozenset[str], str], ...]
    """(tokens, text) over mentions and alias variants, for containment."""
    category: str | None
    """Actor category (an ``ActorType`` value) for the TYPE tier; None for places."""

    @classmethod
    def build(
        cls,
        key: str,
        label: str,
        mentions: Iterable[str],
        aliases: AliasTable,
        category: str | None,
    ) -> NameTarget:
        """Build a target from its mentions, linked to the alias table.

        The cluster is linked to every canonical id one of its mentions is a variant of, and to
        the id equal to ``key`` when the alias table has one.

        Args:
            key: Entity id, or ``name:<norm>``.
            label: The mention shown in reports.
            mentions: All surface forms of the cluster (``label`` is added).
            aliases: The alias table.
            category: Actor category, or None.

        Returns:
            The target.
        """
        forms = tuple(mentions)
        memo_key = (key, label, forms, category)
        got = aliases.targets.get(memo_key)
        if got is None:
            got = aliases.targets[memo_key] = cls._build(key, label, forms, aliases, category)
        return got

    @classmethod
    def _build(
        cls,
        key: str,
        label: str,
        mentions: Iterable[str],
        aliases: AliasTable,
        category: str | None,
    ) -> NameTarget:
        forms = [name(m) for m in (label, *mentions)]
        by_norm: dict[str, str] = {}
        for f in forms:
            if f.norm:
                by_norm.setdefault(f.norm, f.text)
        ids = set(aliases.ids_for(by_norm))
        if key in aliases.variants_by_id:
            ids.add(key)
        alias_forms = [v for cid in sorted(ids) for v in aliases.variants_by_id[cid]]
        alias_by_norm: dict[str, str] = {}
        for v in alias_forms:
            if v.norm not in by_norm:
                alias_by_norm.setdefault(v.norm, v.text)
        every = [f for f in forms if f.norm] + alias_forms
        skeletons: dict[str, str] = {}
        for f in every:
            skeletons.setdefault(f.skeleton, f.text)
        token_sets = tuple(dict.fromkeys((f.tokens, f.text) for f in every))
        return cls(key, name(label), by_norm, alias_by_norm, skeletons, token_sets, category)

    def relabel(self, label: str, category: str | None = None) -> NameTarget:
        """The same cluster shown as another of its mentions (and, optionally, another category)."""
        return NameTarget(
            self.key,
            name(label),
            self.mentions,
            self.aliases,
            self.skeletons,
            self.token_sets,
            self.category if category is None else category,
        )


def match_name(
    pred: Name, target: NameTarget, *, containment: bool
) -> tuple[int, Rule, str] | None:
    """Match a predicted name against a gold target at the name tiers of SCORING.md §2.

    Level 0 (STRICT): ``norm`` equal to the target's label (NORM), to another mention of its
    cluster (CLUSTER), or to an alias variant of one of its canonical ids (ALIAS). Level 1
    (LENIENT): the same consonant skeleton as any of those forms (SKELETON), or, when
    ``containment`` is set (actors), one token set containing the other (CONTAINMENT).

    Decision: a name that normalises to nothing ("the region") matches nothing.

    Args:
        pred: The predicted name.
        target: The gold target.
        containment: Allow token containment (actors and ``who``; not places).

    Returns:
        (level, rule, gold form that matched), or None.
    """
    n = pred.norm
    if not n:
        return None
    if n == target.label.norm:
        return 0, Rule.NORM, target.label.text
    hit = target.mentions.get(n)
    if hit is not None:
        return 0, Rule.CLUSTER, hit
    hit = target.aliases.get(n)
    if hit is not None:
        return 0, Rule.ALIAS, hit
    hit = target.skeletons.get(pred.skeleton)
    if hit is not None:
        return 1, Rule.SKELETON, hit
    if containment:
        toks = pred.tokens
        for other, text in target.token_sets:
            if toks <= other or other <= toks:
                return 1, Rule.CONTAINMENT, text
    return None


# --------------------------------------------------------------------------- counts


def log_error(pred: int, gold: int) -> float:
    """Return ln(p+1) - ln(g+1), the signed log1p error of a count (no division needed)."""
    return math.log1p(pred) - math.log1p(gold)


def within_tolerance(pred: int, gold: int) -> bool:
    """Return whether |ln((p+1)/(g+1))| <= ln 1.1, the TOLERANT count tier.

    Decision: computed exactly in integers, 10(p+1) <= 11(g+1) and 10(g+1) <= 11(p+1), so the
    boundary (p=10, g=9) is inclusive and never depends on floating-point rounding.
    """
    return 10 * (pred + 1) <= 11 * (gold + 1) and 10 * (gold + 1) <= 11 * (pred + 1)


class WhoMatch(StrEnum):
    """How two ``who`` values of a count agree."""

    BOTH_GENERIC = "both_generic"
    GENERIC = "generic"
    """Exactly one side is generic (null or "people")."""
    STRICT = "strict"
    LENIENT = "lenient"
    NONE = "none"


def who_match(pred: Name | None, gold: NameTarget | None) -> tuple[WhoMatch, str]:
    """Compare the ``who`` of a predicted and a gold count (actor name rules, with containment).

    Args:
        pred: The predicted ``who``; None or a word of :data:`GENERIC_WHO` is generic.
        gold: The gold ``who`` as a target (its entity cluster when it names one); None or a
            generic label is generic.

    Returns:
        How they agree, and the gold form that matched (or "").
    """
    if pred is not None and pred.norm in GENERIC_WHO:
        pred = None
    if gold is not None and gold.label.norm in GENERIC_WHO:
        gold = None
    if pred is None and gold is None:
        return WhoMatch.BOTH_GENERIC, ""
    if pred is None or gold is None:
        return WhoMatch.GENERIC, ""
    hit = match_name(pred, gold, containment=True)
    if hit is None:
        return WhoMatch.NONE, ""
    return (WhoMatch.STRICT if hit[0] == 0 else WhoMatch.LENIENT), hit[2]


@dataclass(frozen=True, slots=True)
class Link:
    """A predicted item matches a gold item: at ``level`` (index into the field's tiers)."""

    level: int
    rule: Rule
    via: str
    log_error: float | None = None


def count_link(
    pred: Count, pred_who: Name | None, gold: Count, gold_who: NameTarget | None
) -> Link | None:
    """Match two counts at the tiers of SCORING.md §3 (levels: 0 STRICT, 1 VALUE, 2 TOLERANT).

    ``kind`` must be equal at every tier. STRICT: equal value and qualifier, ``who`` STRICT or both
    generic. VALUE: equal value, ``who`` LENIENT or generic. TOLERANT: within ±10% on the log1p
    scale, ``who`` ignored.

    Decisions: "generic" at VALUE means *either* side is generic; ``upper``, ``vague`` and ``scope``
    are not compared (they are reported through the evidence, not scored).

    Args:
        pred: Predicted count.
        pred_who: Its ``who`` as a name, None when generic.
        gold: Gold count.
        gold_who: Its ``who`` as a target, None when generic.

    Returns:
        The link at the strictest tier that holds, or None.
    """
    if pred.kind != gold.kind:
        return None
    err = log_error(pred.value, gold.value)
    if pred.value == gold.value:
        who, via = who_match(pred_who, gold_who)
        if pred.qualifier == gold.qualifier and who in (WhoMatch.STRICT, WhoMatch.BOTH_GENERIC):
            return Link(0, Rule.EXACT, via, err)
        if who is not WhoMatch.NONE:
            return Link(1, Rule.SAME_VALUE, via, err)
    if within_tolerance(pred.value, gold.value):
        return Link(2, Rule.LOG_TOLERANCE, str(gold.value), err)
    return None


# --------------------------------------------------------------------------- assignment


def hungarian(weights: NDArray[np.float64]) -> list[tuple[int, int]]:
    """Maximum-weight assignment (scipy's ``linear_sum_assignment``), as (row, column) pairs.

    Args:
        weights: A rectangular weight matrix.

    Returns:
        The assigned (row, column) pairs, including zero-weight ones.
    """
    rows, cols = cast(
        "tuple[NDArray[np.intp], NDArray[np.intp]]",
        linear_sum_assignment(weights, maximize=True),
    )
    return [(int(r), int(c)) for r, c in zip(rows, cols, strict=True)]


Candidates = Sequence[Sequence[tuple[int, Link]]]
"""Per predicted item, the (gold index, link) pairs it could be matched to."""


Matched = tuple[tuple[int, int, Link], ...]
"""(pred index, gold index, link) triples."""
Assigned = tuple[Matched, Matched]
"""(matches with required gold, matches with optional gold)."""
_EMPTY: Assigned = ((), ())


def assign(cands: Candidates, gold_optional: Sequence[bool], level: int) -> Assigned:
    """Match predictions to gold one-to-one at a tier, then remove optional matches.

    Only links at ``level`` or stricter are used. The Hungarian algorithm maximises, in this order:
    the number of required gold items matched; then the number of leftover predictions matched to
    optional gold items (removed from both sides, like a MUC optional fill); then strictness, so a
    STRICT pair is preferred to a LENIENT one when both give the same counts.

    Most pairs give a graph where no item has two candidates: the matching is then the graph
    itself, found without scipy.

    Args:
        cands: Per prediction, (gold index, link) pairs.
        gold_optional: Per gold index, whether it is optional.
        level: The tier index to score at.

    Returns:
        (matches with required gold, matches with optional gold), each as (pred, gold, link).
    """
    rows: list[int] = []
    edges: list[list[tuple[int, Link]]] = []
    used: set[int] = set()
    trivial = True
    for p, links in enumerate(cands):
        if not links:
            continue
        ok = [(g, lk) for g, lk in links if lk.level <= level]
        if not ok:
            continue
        if trivial and (len(ok) > 1 or ok[0][0] in used):
            trivial = False
        rows.append(p)
        edges.append(ok)
        used.update(g for g, _ in ok)
    if not rows:
        return _EMPTY
    if trivial:
        required = tuple((p, ok[0][0], ok[0][1]) for p, ok in zip(rows, edges, strict=True))
        if not any(gold_optional[g] for _, g, _ in required):
            return required, ()
        return (
            tuple(t for t in required if not gold_optional[t[1]]),
            tuple(t for t in required if gold_optional[t[1]]),
        )
    cols = sorted(used)
    col_of = {g: c for c, g in enumerate(cols)}
    k = min(len(rows), len(cols))
    w_opt = level * k + 1  # one optional match outweighs every strictness bonus
    w_req = w_opt * k + level * k + 1  # one required match outweighs all of the above
    weights = np.zeros((len(rows), len(cols)))
    chosen: dict[tuple[int, int], Link] = {}
    for r, ok in enumerate(edges):
        for g, lk in ok:
            c = col_of[g]
            weights[r, c] = w_opt if gold_optional[g] else w_req + (level - lk.level)
            chosen[r, c] = lk
    req: list[tuple[int, int, Link]] = []
    opt: list[tuple[int, int, Link]] = []
    for r, c in hungarian(weights):
        if weights[r, c] > 0:
            g = cols[c]
            (opt if gold_optional[g] else req).append((rows[r], g, chosen[r, c]))
    req.sort(key=lambda t: t[0])
    opt.sort(key=lambda t: t[0])
    return tuple(req), tuple(opt)


def trivial_levels(
    cands: Candidates, gold_optional: Sequence[bool], levels: int
) -> list[Assigned] | None:
    """:func:`assign` at every tier index at once, when no item has two candidates.

    Such a graph is its own one-to-one matching at every tier, so one pass gives all of them.

    Args:
        cands: Per prediction, (gold index, link) pairs (links at any tier).
        gold_optional: Per gold index, whether it is optional.
        levels: The number of tiers of the field.

    Returns:
        The assignment at each tier index, or None when some item has two candidates.
    """
    edges: list[tuple[int, int, Link]] = []
    seen: set[int] = set()
    for p, links in enumerate(cands):
        if not links:
            continue
        g, lk = links[0]
        if len(links) > 1 or g in seen:
            return None
        seen.add(g)
        edges.append((p, g, lk))
    out: list[Assigned] = []
    for lv in range(levels):
        kept = [e for e in edges if e[2].level <= lv]
        out.append(
            (
                tuple(e for e in kept if not gold_optional[e[1]]),
                tuple(e for e in kept if gold_optional[e[1]]),
            )
        )
    return out


def assign_levels(cands: Candidates, gold_optional: Sequence[bool], levels: int) -> list[Assigned]:
    """:func:`assign` at every tier index ``0 .. levels - 1``.

    Args:
        cands: Per prediction, (gold index, link) pairs (links at any tier).
        gold_optional: Per gold index, whether it is optional.
        levels: The number of tiers of the field.

    Returns:
        The assignment at each tier index.
    """
    quick = trivial_levels(cands, gold_optional, levels)
    if quick is not None:
        return quick
    return [assign(cands, gold_optional, lv) for lv in range(levels)]


def field_score(
    field: Field,
    assigned: Assigned,
    pred_items: Sequence[Item],
    gold_items: Sequence[Item],
    gold_optional: Sequence[bool],
    *,
    details: bool = True,
    memo: dict[tuple[int, int], Match] | None = None,
) -> FieldScore:
    """Count TP, FP and FN of one field at one tier from its assignment.

    Args:
        field: The field (to name the tier of each match).
        assigned: From :func:`assign` at the tier.
        pred_items: The predicted items (after any deduplication).
        gold_items: The gold items.
        gold_optional: Per gold item, whether it is optional.
        details: Keep the matches and the FP/FN items (False keeps only the counts).
        memo: Shares one :class:`Match` per pair across the tiers of a field.

    Returns:
        The field score.
    """
    required, optional = assigned
    n_required = sum(1 for o in gold_optional if not o)
    tp = len(required)
    fp = len(pred_items) - tp - len(optional)
    fn = n_required - tp
    if not details:
        return FieldScore(tp, fp, fn)
    tiers = FIELD_TIERS[field]
    shared = {} if memo is None else memo

    def mk(p: int, g: int, lk: Link) -> Match:
        m = shared.get((p, g))
        if m is None:
            m = Match(pred_items[p], gold_items[g], tiers[lk.level], lk.rule, lk.via, lk.log_error)
            shared[p, g] = m
        return m

    matched_pred = {p for p, _, _ in required} | {p for p, _, _ in optional}
    matched_gold = {g for _, g, _ in required}
    return FieldScore(
        tp,
        fp,
        fn,
        tuple(mk(*t) for t in required),
        tuple(it for i, it in enumerate(pred_items) if i not in matched_pred),
        tuple(
            it for i, it in enumerate(gold_items) if i not in matched_gold and not gold_optional[i]
        ),
        tuple(mk(*t) for t in optional),
    )

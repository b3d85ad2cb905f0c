"""The vocabulary of matching: fields, tiers, rules, links, and the per-field score of a document.

SCORING.md §2-§3. A *link* says that one predicted item matches one gold item, at which tier and by
which rule (names: ``names.py``, counts: ``counts.py``). ``assign.py`` turns the links of a
document into a one-to-one matching, and :class:`FieldScore` holds the resulting counts; only
``metrics.py`` divides.

Tiers of a field are ordered from strict to loose and a pair matches at its strictest tier and at
every looser one, so scores never fall as the tier loosens.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from extractor.schema import ArticleExtraction, GoldDocument

__all__ = [
    "ALIGNMENT_TIERS",
    "EMPTY_SCORE",
    "FIELD_TIERS",
    "GENERIC_WHO",
    "PROFILES",
    "Field",
    "FieldScore",
    "Item",
    "Link",
    "Match",
    "Rule",
    "Scorer",
    "Tier",
    "add_profiles",
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


@dataclass(frozen=True, slots=True)
class Link:
    """A predicted item matches a gold item: at ``level`` (index into the field's tiers)."""

    level: int
    rule: Rule
    via: str
    log_error: float | None = None

"""Result values of the scorer: frozen dataclasses that turn into JSON with :func:`to_jsonable`.

A score is addressed by (level, field, tier), or by the string key ``"L1/actors/lenient"``.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
from collections.abc import Mapping
from dataclasses import dataclass
from enum import Enum, StrEnum
from typing import TYPE_CHECKING, cast

import numpy as np

from extractor.scoring.matching import FIELD_TIERS, PROFILES, Field, Tier

if TYPE_CHECKING:
    from collections.abc import Iterable

    from numpy.typing import NDArray

    from extractor.scoring.align import Alignment
    from extractor.scoring.matching import FieldScore, Item

__all__ = [
    "SCORE_KEYS",
    "Comparison",
    "CorpusScore",
    "CountComparison",
    "DocumentScore",
    "FieldResult",
    "Interval",
    "Level",
    "Tally",
    "score_key",
    "to_jsonable",
]


class Level(StrEnum):
    """The unit scored (SCORING.md §1)."""

    L1 = "L1"
    """Document bags (headline)."""
    L2 = "L2"
    """Event arguments on the type-gated alignment, roles ignored."""
    L2_I = "L2-I"
    """Event arguments on the type-agnostic alignment, roles ignored (diagnostic)."""
    L2_C = "L2-C"
    """Event arguments on the type-gated alignment, actor roles required."""
    DETECTION = "detection"
    """Events detected (Dice >= 0.5) on the type-gated alignment."""
    DETECTION_I = "detection-I"
    """Events detected on the type-agnostic alignment."""


_KEYS: dict[tuple[Level, Field, Tier], str] = {}


def score_key(level: Level, field: Field, tier: Tier) -> str:
    """Return the string key of a score, e.g. ``"L1/actors/lenient"``."""
    key = _KEYS.get((level, field, tier))
    if key is None:
        key = _KEYS[level, field, tier] = f"{level.value}/{field.value}/{tier.value}"
    return key


def _keys() -> tuple[tuple[Level, Field, Tier], ...]:
    keys: list[tuple[Level, Field, Tier]] = []
    l1_fields = (Field.ACTORS, Field.PLACES, Field.COUNTS, Field.DATES, Field.TYPES)
    keys += [(Level.L1, f, t) for f in l1_fields for t in FIELD_TIERS[f]]
    keys += [(Level.L1, Field.ALL, p) for p in PROFILES]
    for level in (Level.L2, Level.L2_I, Level.L2_C):
        keys += [
            (level, f, t)
            for f in (Field.ACTORS, Field.PLACES, Field.COUNTS)
            for t in FIELD_TIERS[f]
        ]
        keys += [(level, Field.ALL, p) for p in PROFILES]
    keys += [(Level.DETECTION, Field.EVENTS, Tier.HEADLINE)]
    keys += [(Level.DETECTION_I, Field.EVENTS, Tier.HEADLINE)]
    return tuple(keys)


SCORE_KEYS: tuple[tuple[Level, Field, Tier], ...] = _keys()
"""Every (level, field, tier) scored, in report order. ``Field.ALL`` uses the profile tiers."""


@dataclass(frozen=True, slots=True)
class Tally:
    """``correct`` out of ``total`` (an accuracy before division)."""

    correct: int
    total: int

    def __add__(self, other: Tally) -> Tally:
        return Tally(self.correct + other.correct, self.total + other.total)


@dataclass(frozen=True, slots=True)
class CountComparison:
    """A predicted count matched to a gold count at the TOLERANT tier but not STRICT."""

    pred: Item
    gold: Item
    pred_value: int
    gold_value: int
    pred_qualifier: str
    gold_qualifier: str
    log_error: float
    """ln(p+1) - ln(g+1)."""
    tier: Tier
    """The strictest tier the pair reaches: VALUE or TOLERANT."""


@dataclass(frozen=True)
class DocumentScore:
    """Every score of one document, with the details a report lists."""

    article_id: str
    failed: bool
    """The output failed or was invalid; it was scored as an empty prediction."""
    scores: Mapping[str, FieldScore]
    """:func:`score_key` -> counts and matches."""
    alignment: Alignment
    """The type-gated (headline) event alignment."""
    alignment_agnostic: Alignment
    """The type-agnostic (diagnostic) event alignment."""
    event_type: Tally
    """Event types equal, on the required pairs of the type-agnostic alignment."""
    sub_event_type: Tally
    """Sub-event types equal, on the same pairs."""
    qualifier: Tally
    """Qualifiers equal, on the L1 count pairs matched at TOLERANT."""
    log_errors: tuple[float, ...]
    """ln(p+1) - ln(g+1) of every L1 count pair matched at TOLERANT."""
    count_mismatches: tuple[CountComparison, ...]
    """L1 count pairs matched at TOLERANT that differ in value, qualifier or ``who``."""

    def get(self, level: Level, field: Field, tier: Tier) -> FieldScore:
        """Return one score of this document."""
        return self.scores[score_key(level, field, tier)]


@dataclass(frozen=True, slots=True)
class Interval:
    """A point estimate with a percentile confidence interval."""

    estimate: float
    low: float
    high: float


@dataclass(frozen=True)
class FieldResult:
    """One (level, field, tier) over the corpus: micro counts and ratios, macro F1, optional CI.

    ``precision`` is None when nothing was predicted and ``recall`` None when gold is empty ("—"
    in a report); F1 is then 0 unless both are empty (1).
    """

    level: Level
    field: Field
    tier: Tier
    tp: int
    fp: int
    fn: int
    predicted: int
    """tp + fp."""
    support: int
    """tp + fn: required gold items."""
    precision: float | None
    recall: float | None
    f1: float
    """Micro F1: counts summed over documents, then divided."""
    macro_f1: float | None
    """Mean per-document F1 (a document with both sides empty scores 1)."""
    both_empty: int
    """Documents with nothing predicted and nothing in gold (listed, scored 1 in the macro)."""
    field_macro_f1: float | None = None
    """For ``Field.ALL``: the mean of the micro F1 of actors, places and counts at the profile."""
    ci: Interval | None = None
    """Document-level bootstrap CI of the micro F1, when requested."""


@dataclass(frozen=True)
class CorpusScore:
    """Scores of one system over a gold set. Produced by ``score_documents``."""

    n_documents: int
    n_failed: int
    failure_rate: float | None
    """Failed or invalid outputs over documents (they are scored as empty, never dropped)."""
    results: Mapping[str, FieldResult]
    """:func:`score_key` -> corpus result, in :data:`SCORE_KEYS` order."""
    documents: tuple[DocumentScore, ...]
    event_type_accuracy: float | None
    """On the type-agnostic alignment's required pairs."""
    sub_event_type_accuracy: float | None
    qualifier_accuracy: float | None
    """On the L1 count pairs matched at TOLERANT."""
    median_abs_log_error: float | None
    """Median |ln(p+1) - ln(g+1)| on the L1 count pairs matched at TOLERANT."""
    both_empty_documents: tuple[str, ...]
    """Article ids with empty prediction and empty gold at L1/all/headline."""

    def result(self, level: Level, field: Field, tier: Tier) -> FieldResult:
        """Return one corpus result."""
        return self.results[score_key(level, field, tier)]

    def counts(self, level: Level, field: Field, tier: Tier) -> NDArray[np.int64]:
        """Per-document (tp, fp, fn) of one score, shape (n_documents, 3), for ``stats``."""
        key = score_key(level, field, tier)
        out = np.zeros((len(self.documents), 3), dtype=np.int64)
        for d, doc in enumerate(self.documents):
            s = doc.scores[key]
            out[d] = (s.tp, s.fp, s.fn)
        return out

    def article_ids(self) -> tuple[str, ...]:
        """The article ids in document order."""
        return tuple(d.article_id for d in self.documents)


@dataclass(frozen=True)
class Comparison:
    """System A against system B on one score, paired by document (SCORING.md §6)."""

    key: str
    system_a: str
    system_b: str
    f1_a: float
    f1_b: float
    delta: float
    """Micro F1 of A minus micro F1 of B."""
    ci: Interval
    """Paired-bootstrap percentile CI of ``delta``."""
    p_value: float
    """Approximate randomisation, (#|δ_r| >= |δ| + 1) / (R + 1): the primary test."""
    p_bootstrap: float
    """Paired-bootstrap p-value with the shifted null P(δ_b > 2δ) (Berg-Kirkpatrick 2012)."""
    rounds: int
    resamples: int
    seed: int
    p_holm: float | None = None
    """Holm-Bonferroni adjusted ``p_value`` across the pairs compared together."""


def to_jsonable(obj: object) -> object:
    """Convert a result to plain JSON types (dicts, lists, str, int, float, bool, None).

    Dataclasses become dicts of their fields, enums their values, dates ISO strings, tuples lists;
    a non-finite float becomes None. ``json.dumps(to_jsonable(score))`` always works.

    Args:
        obj: Any value built from the result types of this package.

    Returns:
        The JSON-ready value.
    """
    if obj is None or isinstance(obj, bool | int | str):
        return obj.value if isinstance(obj, Enum) else obj
    if isinstance(obj, Enum):
        return obj.value
    if isinstance(obj, float):
        return obj if math.isfinite(obj) else None
    if isinstance(obj, dt.date):
        return obj.isoformat()
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        return {f.name: to_jsonable(getattr(obj, f.name)) for f in dataclasses.fields(obj)}
    if isinstance(obj, Mapping):
        items = cast("Mapping[object, object]", obj)
        return {str(to_jsonable(k)): to_jsonable(v) for k, v in items.items()}
    if isinstance(obj, tuple | list | set | frozenset):
        return [to_jsonable(v) for v in cast("Iterable[object]", obj)]
    if isinstance(obj, np.generic):
        return to_jsonable(cast("object", obj.item()))
    raise TypeError(f"cannot convert {type(obj).__name__} to JSON")

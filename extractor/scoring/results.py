"""Result values of the scorer: frozen dataclasses that turn into JSON with :func:`to_jsonable`.

A score is addressed by (level, field, tier), or by the string key ``"L1/actors/lenient"``.
"""

from __future__ import annotations

import numbers
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
from pydantic_core import to_jsonable_python

from extractor.scoring.keys import SCORE_KEYS, Level, ScoreKey, score_key
from extractor.scoring.matching import Field, Tier

if TYPE_CHECKING:
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
    """:class:`ScoreKey` -> counts and matches (read with a key or its string)."""
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
    """:class:`ScoreKey` -> corpus result, in :data:`SCORE_KEYS` order (read with a key or its
    string)."""
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

    key: ScoreKey
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


def _scalar(value: object) -> object:
    # numpy registers its scalar types as numbers.Integral and numbers.Real
    if isinstance(value, numbers.Integral):
        return int(value)
    if isinstance(value, numbers.Real):
        return float(value)
    raise TypeError(f"cannot convert {type(value).__name__} to JSON")


def to_jsonable(obj: object) -> object:
    """Convert a result to plain JSON types (dicts, lists, str, int, float, bool, None).

    Dataclasses become dicts of their fields, enums their values, dates ISO strings, tuples lists;
    a non-finite float becomes None. ``json.dumps(to_jsonable(score))`` always works.

    Args:
        obj: Any value built from the result types of this package.

    Returns:
        The JSON-ready value.

    Raises:
        TypeError: a value that has no JSON form.
    """
    value: object = to_jsonable_python(obj, inf_nan_mode="null", fallback=_scalar)
    return value

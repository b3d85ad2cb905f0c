"""Counts become ratios here, and only here (STYLE.md §2; SCORING.md §5).

Conventions, defined once:

* Both sides empty (tp = fp = fn = 0): P = R = F1 = 1.
* Nothing predicted, gold non-empty: P is undefined (None, "—" in a report), R = 0, F1 = 0.
* Something predicted, gold empty: R is undefined (None), P = 0, F1 = 0.
* F1 = 2TP / (2TP + FP + FN), which equals 2PR/(P+R) but is exact in floating point where
  2PR/(P+R) is not (P = 14/15, R = 14/17 gives 0.8749999999999999 instead of 0.875).
* Micro sums counts over documents, then divides; macro averages per-document F1.
"""

from __future__ import annotations

import itertools
import statistics
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from extractor.scoring.keys import SCORE_KEYS, Level, ScoreKey, score_key
from extractor.scoring.matching import PROFILES, Field, FieldScore, Tier
from extractor.scoring.results import CorpusScore, DocumentScore, FieldResult, Tally

if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping, Sequence

    from numpy.typing import ArrayLike, NDArray

__all__ = [
    "PRF",
    "accuracy",
    "aggregate",
    "count_matrix",
    "f1",
    "f1_array",
    "macro_f1",
    "mean",
    "mean_counts",
    "median",
    "micro_prf",
    "prf",
    "ratio",
    "run_sd",
]


@dataclass(frozen=True, slots=True)
class PRF:
    """Precision, recall and F1; None marks an undefined ratio."""

    precision: float | None
    recall: float | None
    f1: float


def ratio(numerator: float, denominator: float) -> float | None:
    """Divide, or return None when the denominator is 0."""
    return None if denominator == 0 else numerator / denominator


def f1(tp: float, fp: float, fn: float) -> float:
    """F1 from counts: 2TP/(2TP+FP+FN); 1 when all three are 0."""
    den = 2 * tp + fp + fn
    return 1.0 if den == 0 else 2 * tp / den


def prf(tp: float, fp: float, fn: float) -> PRF:
    """Precision, recall and F1 from counts, with the conventions of this module.

    Args:
        tp: True positives.
        fp: False positives.
        fn: False negatives.

    Returns:
        The three ratios.
    """
    if tp + fp + fn == 0:
        return PRF(1.0, 1.0, 1.0)
    return PRF(ratio(tp, tp + fp), ratio(tp, tp + fn), f1(tp, fp, fn))


def micro_prf(scores: Iterable[FieldScore]) -> PRF:
    """Sum the counts, then divide.

    Args:
        scores: Per-document scores of one field and tier.

    Returns:
        The micro-averaged ratios.
    """
    tp = fp = fn = 0
    for s in scores:
        tp, fp, fn = tp + s.tp, fp + s.fp, fn + s.fn
    return prf(tp, fp, fn)


def mean(values: Iterable[float]) -> float | None:
    """Arithmetic mean, or None for no values."""
    vals = list(values)
    return ratio(sum(vals), len(vals))


def macro_f1(scores: Iterable[FieldScore]) -> float | None:
    """Mean per-document F1 (a document with both sides empty scores 1); None for no documents."""
    return mean(f1(s.tp, s.fp, s.fn) for s in scores)


def median(values: Sequence[float]) -> float | None:
    """Median, or None for no values."""
    return statistics.median(values) if values else None


def accuracy(tally: Tally) -> float | None:
    """``correct / total``, or None when nothing was counted."""
    return ratio(tally.correct, tally.total)


def f1_array(tp: ArrayLike, fp: ArrayLike, fn: ArrayLike) -> NDArray[np.float64]:
    """Vectorised F1 with the both-empty convention, for the bootstrap and permutation tests.

    Args:
        tp: True positives (any shape; floats allowed, e.g. averaged runs).
        fp: False positives, same shape.
        fn: False negatives, same shape.

    Returns:
        F1 per element.
    """
    t = np.asarray(tp, dtype=np.float64)
    den = 2 * t + np.asarray(fp, dtype=np.float64) + np.asarray(fn, dtype=np.float64)
    safe = np.where(den == 0, 1.0, den)
    return np.where(den == 0, 1.0, 2 * t / safe)


def mean_counts(runs: Sequence[NDArray[np.int64]]) -> NDArray[np.float64]:
    """Average per-document counts over repeated runs of a stochastic backend (SCORING.md §6).

    Args:
        runs: One (n_documents, 3) array per run, documents in the same order.

    Returns:
        The per-document mean, to resample as one system.
    """
    return np.mean(np.stack(runs).astype(np.float64), axis=0)


def run_sd(values: Sequence[float]) -> float | None:
    """Sample standard deviation of a score over runs; None for fewer than two runs."""
    return statistics.stdev(values) if len(values) > 1 else None


def _field_result(
    level: Level,
    field: Field,
    tier: Tier,
    per_doc: NDArray[np.int64],
    micro_f1: Mapping[tuple[Level, Field, Tier], float],
) -> FieldResult:
    tp, fp, fn = (int(v) for v in per_doc.sum(axis=0))
    r = prf(tp, fp, fn)
    field_macro = None
    if field is Field.ALL:
        field_macro = mean(micro_f1[level, f, t] for f, t in PROFILES[tier].items())
    doc_f1 = f1_array(per_doc[:, 0], per_doc[:, 1], per_doc[:, 2])
    return FieldResult(
        level=level,
        field=field,
        tier=tier,
        tp=tp,
        fp=fp,
        fn=fn,
        predicted=tp + fp,
        support=tp + fn,
        precision=r.precision,
        recall=r.recall,
        f1=r.f1,
        macro_f1=float(doc_f1.mean()) if len(doc_f1) else None,
        both_empty=int(np.count_nonzero(per_doc.sum(axis=1) == 0)),
        field_macro_f1=field_macro,
    )


def count_matrix(documents: Sequence[DocumentScore]) -> NDArray[np.int64]:
    """Per-document counts of every score: shape (n_documents, len(SCORE_KEYS), 3).

    Args:
        documents: Document scores; their ``scores`` hold every key of :data:`SCORE_KEYS`.

    Returns:
        tp, fp, fn of each document and key, keys in :data:`SCORE_KEYS` order.
    """
    keys = tuple(ScoreKey)
    n, k = len(documents), len(keys)
    flat = itertools.chain.from_iterable(
        (s.tp, s.fp, s.fn) for d in documents for s in map(d.scores.__getitem__, keys)
    )
    return np.fromiter(flat, dtype=np.int64, count=n * k * 3).reshape(n, k, 3)


def aggregate(documents: Sequence[DocumentScore]) -> CorpusScore:
    """Aggregate per-document scores into a corpus score (no confidence intervals).

    Args:
        documents: Document scores of one system, in gold order.

    Returns:
        The corpus score: micro and macro per (level, field, tier), the failure rate, event-type
        and qualifier accuracy, and the median absolute log1p error of TOLERANT count pairs.
    """
    matrix = count_matrix(documents)
    sums = matrix.sum(axis=0)
    micro = {k: f1(*(int(v) for v in sums[n])) for n, k in enumerate(SCORE_KEYS)}
    results: dict[str, FieldResult] = {
        score_key(level, f, t): _field_result(level, f, t, matrix[:, n], micro)
        for n, (level, f, t) in enumerate(SCORE_KEYS)
    }
    event_type = sum((d.event_type for d in documents), Tally(0, 0))
    sub_type = sum((d.sub_event_type for d in documents), Tally(0, 0))
    qualifier = sum((d.qualifier for d in documents), Tally(0, 0))
    errors = [abs(e) for d in documents for e in d.log_errors]
    headline = score_key(Level.L1, Field.ALL, Tier.HEADLINE)
    n_failed = sum(d.failed for d in documents)
    return CorpusScore(
        n_documents=len(documents),
        n_failed=n_failed,
        failure_rate=ratio(n_failed, len(documents)),
        results=results,
        documents=tuple(documents),
        event_type_accuracy=accuracy(event_type),
        sub_event_type_accuracy=accuracy(sub_type),
        qualifier_accuracy=accuracy(qualifier),
        median_abs_log_error=median(errors),
        both_empty_documents=tuple(
            d.article_id for d in documents if (s := d.scores[headline]).tp + s.fp + s.fn == 0
        ),
    )

"""Uncertainty and comparison over documents (SCORING.md §6), vectorised with numpy.

Every function takes per-document counts: an array of shape (n_documents, 3) holding tp, fp, fn
(``CorpusScore.counts``; floats are fine, e.g. runs averaged with ``metrics.mean_counts``). A
resample is a vector of document multiplicities, so the resampled sums are one matrix product and
10,000 documents x 1,000 resamples take a fraction of a second. Seeded
``numpy.random.Generator``; the same seed and arguments give the same numbers.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import ArrayLike, NDArray

from extractor.scoring.metrics import f1_array, ratio
from extractor.scoring.results import Interval

if TYPE_CHECKING:
    from collections.abc import Iterator, Sequence

__all__ = [
    "PairedBootstrap",
    "approximate_randomization",
    "bootstrap_f1",
    "bootstrap_f1_many",
    "holm",
    "paired_bootstrap",
]

_CHUNK = 128
"""Resamples drawn per block: bounds memory at _CHUNK x n_documents."""
_TIE = 1e-12
"""|δ_r| >= |δ| is tested with this slack, so float noise cannot break an exact tie."""

Counts = NDArray[np.float64]


def _as_counts(counts: ArrayLike) -> Counts:
    arr = np.asarray(counts, dtype=np.float64)
    if arr.ndim != 2 or arr.shape[1] % 3 != 0:
        raise ValueError(f"expected per-document counts of shape (n, 3k), got {arr.shape}")
    return arr


def _weights(rng: np.random.Generator, n: int, resamples: int) -> Iterator[Counts]:
    """Blocks of bootstrap multiplicities: row b says how often each document was drawn."""
    done = 0
    while done < resamples:
        c = min(_CHUNK, resamples - done)
        idx = rng.integers(0, n, size=(c, n))
        flat = (idx + (np.arange(c) * n)[:, None]).ravel()
        yield np.bincount(flat, minlength=c * n).reshape(c, n).astype(np.float64)
        done += c


def _f1_of_sums(sums: Counts) -> NDArray[np.float64]:
    """F1 of each (tp, fp, fn) triple along the last axis."""
    return f1_array(sums[..., 0::3], sums[..., 1::3], sums[..., 2::3])


def _percentiles(values: NDArray[np.float64], confidence: float) -> tuple[float, float]:
    tail = 50.0 * (1.0 - confidence)
    lo, hi = np.percentile(values, [tail, 100.0 - tail], axis=0)
    return float(lo), float(hi)


def bootstrap_f1_many(
    counts: ArrayLike, *, resamples: int = 1000, confidence: float = 0.95, seed: int = 0
) -> list[Interval]:
    """Cluster bootstrap of micro F1 for several scores at once, resampling documents.

    All scores share the same resampled documents, so their intervals are comparable.

    Args:
        counts: Shape (n_documents, 3k): tp, fp, fn of k scores side by side.
        resamples: B, the number of bootstrap resamples.
        confidence: Coverage of the percentile interval.
        seed: Seed of the ``numpy.random.Generator``.

    Returns:
        One interval per score: the micro F1 of all documents and its percentile CI.

    Raises:
        ValueError: For malformed counts, no documents or no resamples.
    """
    arr = _as_counts(counts)
    n = arr.shape[0]
    if n == 0 or resamples < 1:
        raise ValueError("the bootstrap needs at least one document and one resample")
    rng = np.random.default_rng(seed)
    point = _f1_of_sums(arr.sum(axis=0))
    f1s = np.concatenate([_f1_of_sums(w @ arr) for w in _weights(rng, n, resamples)])
    out: list[Interval] = []
    for k in range(point.shape[0]):
        lo, hi = _percentiles(f1s[:, k], confidence)
        out.append(Interval(float(point[k]), lo, hi))
    return out


def bootstrap_f1(
    counts: ArrayLike, *, resamples: int = 1000, confidence: float = 0.95, seed: int = 0
) -> Interval:
    """Cluster bootstrap CI of one micro F1 (SCORING.md §6: resample documents, percentile CI).

    Args:
        counts: Shape (n_documents, 3): tp, fp, fn per document.
        resamples: B (10,000 for reports, 1,000 in CI).
        confidence: Coverage of the percentile interval.
        seed: Seed of the ``numpy.random.Generator``.

    Returns:
        The micro F1 of all documents and its percentile interval.
    """
    return bootstrap_f1_many(counts, resamples=resamples, confidence=confidence, seed=seed)[0]


def _paired(a: ArrayLike, b: ArrayLike) -> tuple[Counts, Counts]:
    aa, bb = _as_counts(a), _as_counts(b)
    if aa.shape != bb.shape or aa.shape[1] != 3:
        raise ValueError(f"paired counts must both be (n, 3), got {aa.shape} and {bb.shape}")
    if aa.shape[0] == 0:
        raise ValueError("a paired test needs at least one document")
    return aa, bb


def _delta(a_sums: Counts, b_sums: Counts) -> NDArray[np.float64]:
    return (_f1_of_sums(a_sums) - _f1_of_sums(b_sums))[..., 0]


def approximate_randomization(
    a: ArrayLike, b: ArrayLike, *, rounds: int = 10_000, seed: int = 0
) -> float:
    """Paired approximate randomisation test of micro F1 (Yeh 2000; Dror et al. 2018).

    Each round swaps the two systems' counts per document with probability 0.5 and recomputes
    δ_r = F1(A') - F1(B'). The inputs are never modified (the copied-scorer pitfall of §8).

    Args:
        a: System A's per-document (tp, fp, fn), shape (n, 3).
        b: System B's, same documents in the same order.
        rounds: R, the number of shuffles.
        seed: Seed of the ``numpy.random.Generator``.

    Returns:
        p = (#{|δ_r| >= |δ|} + 1) / (R + 1), two-sided.
    """
    aa, bb = _paired(a, b)
    n = aa.shape[0]
    diff = bb - aa
    sum_a, sum_b = aa.sum(axis=0), bb.sum(axis=0)
    observed = abs(float(_delta(sum_a, sum_b)))
    rng = np.random.default_rng(seed)
    hits = 0
    done = 0
    while done < rounds:
        c = min(_CHUNK, rounds - done)
        swap = (rng.random((c, n)) < 0.5).astype(np.float64)
        moved = swap @ diff
        deltas = _delta(sum_a + moved, sum_b - moved)
        hits += int(np.count_nonzero(np.abs(deltas) >= observed - _TIE))
        done += c
    p = ratio(hits + 1, rounds + 1)
    if p is None:  # rounds + 1 >= 1 always; this keeps the type checker honest
        raise ValueError("rounds must be >= 0")
    return p


@dataclass(frozen=True, slots=True)
class PairedBootstrap:
    """Effect size of A over B on micro F1."""

    delta: float
    """F1(A) - F1(B) on all documents."""
    ci: Interval
    p_shifted: float
    """P(δ_b > 2δ) for δ >= 0 (P(δ_b < 2δ) for δ < 0): the shifted-null p-value."""


def paired_bootstrap(
    a: ArrayLike,
    b: ArrayLike,
    *,
    resamples: int = 10_000,
    confidence: float = 0.95,
    seed: int = 0,
) -> PairedBootstrap:
    """Paired document bootstrap of δ = F1(A) - F1(B) (Berg-Kirkpatrick et al. 2012).

    Both systems are resampled with the same documents. The p-value uses the shifted null,
    P(δ_b > 2δ); the unshifted P(δ_b < 0) of some copied scorers is wrong (SCORING.md §6).

    Args:
        a: System A's per-document (tp, fp, fn), shape (n, 3).
        b: System B's, same documents in the same order.
        resamples: B.
        confidence: Coverage of the percentile interval.
        seed: Seed of the ``numpy.random.Generator``.

    Returns:
        δ, its percentile CI and the shifted-null p-value.
    """
    aa, bb = _paired(a, b)
    n = aa.shape[0]
    if resamples < 1:
        raise ValueError("resamples must be >= 1")
    delta = float(_delta(aa.sum(axis=0), bb.sum(axis=0)))
    rng = np.random.default_rng(seed)
    deltas = np.concatenate([_delta(w @ aa, w @ bb) for w in _weights(rng, n, resamples)])
    lo, hi = _percentiles(deltas, confidence)
    beyond = deltas > 2 * delta if delta >= 0 else deltas < 2 * delta
    p = ratio(int(np.count_nonzero(beyond)), resamples)
    return PairedBootstrap(delta, Interval(delta, lo, hi), 0.0 if p is None else p)


def holm(p_values: Sequence[float]) -> list[float]:
    """Holm-Bonferroni step-down adjustment.

    The i-th smallest of m p-values becomes max over j <= i of min(1, (m - j + 1) p_(j)).

    Args:
        p_values: Unadjusted p-values, in any order.

    Returns:
        Adjusted p-values in the input order.
    """
    m = len(p_values)
    order = sorted(range(m), key=lambda i: p_values[i])
    adjusted = [0.0] * m
    running = 0.0
    for rank, i in enumerate(order):
        running = max(running, min(1.0, (m - rank) * p_values[i]))
        adjusted[i] = running
    return adjusted

"""Bootstrap, approximate randomisation and Holm (SCORING.md §6)."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from extractor.scoring import (
    Field,
    Level,
    Tier,
    approximate_randomization,
    bootstrap_f1,
    compare,
    compare_all,
    holm,
    paired_bootstrap,
    score_documents,
)
from extractor.scoring.metrics import f1_array
from extractor.scoring.stats import bootstrap_f1_many
from tests.unit.test_scoring_metrics import NAMES, doc, out


def system(n: int, hit_rate: float, seed: int) -> np.ndarray:
    """Per-document (tp, fp, fn) of a system that finds each of 5 gold items with hit_rate."""
    rng = np.random.default_rng(seed)
    tp = rng.binomial(5, hit_rate, size=n)
    fp = rng.binomial(2, 1 - hit_rate, size=n)
    return np.stack([tp, fp, 5 - tp], axis=1)


def micro(counts: np.ndarray) -> float:
    tp, fp, fn = counts.sum(axis=0)
    return float(f1_array(tp, fp, fn))


GOOD, BAD = system(300, 0.8, 1), system(300, 0.5, 2)


def test_bootstrap_ci_contains_the_point_estimate() -> None:
    ci = bootstrap_f1(GOOD, resamples=1000, seed=7)
    assert ci.estimate == pytest.approx(micro(GOOD))
    assert ci.low < ci.estimate < ci.high
    assert ci.high - ci.low < 0.1


def test_bootstrap_is_seeded() -> None:
    a = bootstrap_f1(GOOD, resamples=300, seed=3)
    assert bootstrap_f1(GOOD, resamples=300, seed=3) == a
    assert bootstrap_f1(GOOD, resamples=300, seed=4) != a


def test_bootstrap_of_one_document_is_a_point() -> None:
    ci = bootstrap_f1([[3, 1, 1]], resamples=50)
    assert (ci.estimate, ci.low, ci.high) == (0.75, 0.75, 0.75)


def test_bootstrap_many_shares_the_resamples() -> None:
    both = np.concatenate([GOOD, BAD], axis=1)
    many = bootstrap_f1_many(both, resamples=400, seed=5)
    assert many[0] == bootstrap_f1(GOOD, resamples=400, seed=5)
    assert many[1] == bootstrap_f1(BAD, resamples=400, seed=5)
    with pytest.raises(ValueError, match="shape"):
        bootstrap_f1_many(np.zeros((3, 4)))
    with pytest.raises(ValueError, match="at least one document"):
        bootstrap_f1(np.zeros((0, 3)))


def test_ar_p_is_one_for_identical_systems() -> None:
    assert approximate_randomization(GOOD, GOOD.copy(), rounds=2000, seed=1) == 1.0


def test_ar_p_is_small_for_a_clearly_better_system() -> None:
    rounds = 2000
    p = approximate_randomization(GOOD, BAD, rounds=rounds, seed=1)
    assert p == pytest.approx(1 / (rounds + 1))  # no shuffle reaches the observed gap


def test_ar_matches_exact_enumeration_on_three_documents() -> None:
    a = np.array([[3, 0, 1], [1, 2, 2], [4, 1, 0]])
    b = np.array([[2, 1, 2], [1, 0, 2], [1, 3, 3]])
    observed = abs(micro(a) - micro(b))
    extreme = 0
    for mask in itertools.product([0, 1], repeat=3):
        m = np.array(mask)[:, None]
        a2, b2 = np.where(m, b, a), np.where(m, a, b)
        extreme += abs(micro(a2) - micro(b2)) >= observed - 1e-12
    exact = extreme / 8  # 4 of the 8 swap patterns here
    rounds = 20_000
    p = approximate_randomization(a, b, rounds=rounds, seed=3)
    assert p == pytest.approx(exact, abs=0.02)


def test_ar_never_modifies_its_inputs() -> None:
    a, b = GOOD.copy(), BAD.copy()
    approximate_randomization(a, b, rounds=200)
    paired_bootstrap(a, b, resamples=200)
    assert (a == GOOD).all() and (b == BAD).all()


def test_paired_bootstrap_ci_and_shifted_p() -> None:
    boot = paired_bootstrap(GOOD, BAD, resamples=2000, seed=2)
    assert boot.delta == pytest.approx(micro(GOOD) - micro(BAD))
    assert boot.ci.low < boot.delta < boot.ci.high
    assert boot.ci.low > 0
    assert boot.p_shifted < 0.01
    same = paired_bootstrap(GOOD, GOOD, resamples=500)
    assert (same.delta, same.ci.low, same.ci.high, same.p_shifted) == (0.0, 0.0, 0.0, 0.0)
    flipped = paired_bootstrap(BAD, GOOD, resamples=2000, seed=2)
    assert flipped.delta == pytest.approx(-boot.delta) and flipped.p_shifted < 0.01


def test_paired_inputs_must_have_the_same_shape() -> None:
    with pytest.raises(ValueError, match="paired"):
        approximate_randomization(GOOD, BAD[:10])


@pytest.mark.parametrize(
    ("p", "adjusted"),
    [
        ([0.01, 0.04, 0.03, 0.005], [0.03, 0.06, 0.06, 0.02]),
        ([0.5, 0.6], [1.0, 1.0]),
        ([0.02], [0.02]),
        ([], []),
    ],
)
def test_holm_on_known_values(p: list[float], adjusted: list[float]) -> None:
    assert holm(p) == pytest.approx(adjusted)


def test_compare_systems_on_documents() -> None:
    golds = [doc(f"d{i}", NAMES) for i in range(40)]
    perfect = score_documents([out(NAMES) for _ in golds], golds)
    half = score_documents([out(NAMES[:2]) for _ in golds], golds)
    again = score_documents([out(NAMES) for _ in golds], golds)
    c = compare(perfect, half, rounds=500, resamples=500, names=("perfect", "half"))
    assert (c.key, c.system_a, c.system_b) == ("L1/all/headline", "perfect", "half")
    assert (c.f1_a, c.f1_b, c.delta) == pytest.approx((1.0, 2 / 3, 1 / 3))
    assert c.p_value == pytest.approx(1 / 501)
    assert c.ci.low == c.ci.high == pytest.approx(1 / 3)  # every document differs the same way
    comps = compare_all(
        {"perfect": perfect, "half": half, "again": again}, rounds=500, resamples=200
    )
    assert [(x.system_a, x.system_b) for x in comps] == [
        ("perfect", "half"),
        ("perfect", "again"),
        ("half", "again"),
    ]
    # m = 3: the two tied smallest p become 3p and max(3p, 2p); the largest stays 1
    assert [x.p_holm for x in comps] == pytest.approx([3 / 501, 1.0, 3 / 501])
    with pytest.raises(ValueError, match="different documents"):
        compare(perfect, score_documents([out(NAMES)], golds[:1]))


def test_compare_other_scores() -> None:
    golds = [doc(f"d{i}", NAMES) for i in range(5)]
    a = score_documents([out(NAMES) for _ in golds], golds)
    c = compare(a, a, level=Level.L2, field=Field.ACTORS, tier=Tier.STRICT, rounds=50, resamples=50)
    assert (c.key, c.delta, c.p_value) == ("L2/actors/strict", 0.0, 1.0)

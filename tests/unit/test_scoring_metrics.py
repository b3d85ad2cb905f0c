"""Ratios and aggregation (SCORING.md §5): conventions, micro vs macro, failures, JSON."""

from __future__ import annotations

import datetime as dt
import gc
import json
import math

import numpy as np
import pytest

from extractor.schema import ArticleExtraction, GoldDocument
from extractor.scoring import Field, Level, Tier, prf, score_documents, to_jsonable
from extractor.scoring.matching import FieldScore
from extractor.scoring.metrics import (
    f1,
    f1_array,
    macro_f1,
    mean_counts,
    median,
    micro_prf,
    ratio,
    run_sd,
)
from tests.unit.test_scoring_seed import actor, event

NAMES = ["regime loyalists", "Russia", "HTS", "civilians"]


@pytest.mark.parametrize(
    ("tp", "fp", "fn", "expected"),
    [
        (0, 0, 0, (1.0, 1.0, 1.0)),  # both empty: defined once, here
        (0, 0, 5, (None, 0.0, 0.0)),  # nothing predicted: P is "—", F1 0
        (0, 3, 0, (0.0, None, 0.0)),  # nothing in gold: R is "—", F1 0
        (0, 2, 2, (0.0, 0.0, 0.0)),
        (14, 1, 3, (14 / 15, 14 / 17, 0.875)),
        (11, 6, 11, (11 / 17, 0.5, 22 / 39)),
    ],
)
def test_prf_conventions(
    tp: int, fp: int, fn: int, expected: tuple[float | None, float | None, float]
) -> None:
    r = prf(tp, fp, fn)
    assert (r.precision, r.recall, r.f1) == pytest.approx(expected)
    assert f1(tp, fp, fn) == pytest.approx(expected[2])
    assert f1_array([tp], [fp], [fn])[0] == pytest.approx(expected[2])


def test_f1_is_exact_where_2pr_over_p_plus_r_is_not() -> None:
    p, r = 14 / 15, 14 / 17
    assert 2 * p * r / (p + r) != 0.875
    assert prf(14, 1, 3).f1 == 0.875


def test_micro_sums_then_divides_and_macro_averages_documents() -> None:
    scores = [FieldScore(4, 0, 0), FieldScore(0, 0, 0), FieldScore(0, 0, 1)]
    assert micro_prf(scores) == prf(4, 0, 1)
    assert micro_prf(scores).f1 == pytest.approx(8 / 9)
    assert macro_f1(scores) == pytest.approx((1 + 1 + 0) / 3)
    assert macro_f1([]) is None


def doc(article_id: str, names: list[str]) -> GoldDocument:
    acts = tuple(actor(n) for n in names)
    return GoldDocument(
        article_id=article_id, events=[event("armed_clash", actors=acts)] if acts else []
    )


def out(names: list[str]) -> ArticleExtraction:
    acts = tuple(actor(n) for n in names)
    return ArticleExtraction(events=[event("armed_clash", actors=acts)] if acts else [])


def test_corpus_aggregation_by_hand() -> None:
    golds = [
        doc("full", NAMES),
        doc("empty", []),
        doc("failed", ["Russia"]),
        doc("half", NAMES[:2]),
    ]
    preds = [out(NAMES), out([]), None, out(["Russia", "ISIS", "Turkey"])]
    corpus = score_documents(preds, golds)
    r = corpus.result(Level.L1, Field.ACTORS, Tier.LENIENT)
    # TP 4 + 0 + 0 + 1, FP 0 + 0 + 0 + 2, FN 0 + 0 + 1 + 1
    assert (r.tp, r.fp, r.fn, r.predicted, r.support) == (5, 2, 2, 7, 7)
    assert (r.precision, r.recall, r.f1) == pytest.approx((5 / 7, 5 / 7, 5 / 7))
    # per document F1: 1, 1 (both empty), 0 (failed), 2*1/(2+2+1) = 0.4
    assert r.macro_f1 == pytest.approx((1 + 1 + 0 + 0.4) / 4)
    assert r.both_empty == 1
    assert corpus.both_empty_documents == ("empty",)
    assert (corpus.n_documents, corpus.n_failed, corpus.failure_rate) == (4, 1, 0.25)
    assert [d.failed for d in corpus.documents] == [False, False, True, False]


def test_empty_prediction_has_undefined_precision() -> None:
    corpus = score_documents([out([])], [doc("a", NAMES)])
    r = corpus.result(Level.L1, Field.ALL, Tier.HEADLINE)
    assert (r.precision, r.recall, r.f1) == (None, 0.0, 0.0)


def test_field_macro_averages_actors_places_and_counts() -> None:
    corpus = score_documents([out(NAMES[:2])], [doc("a", NAMES)])
    r = corpus.result(Level.L1, Field.ALL, Tier.HEADLINE)
    # actors F1 2*2/(4+0+2) = 2/3; places and counts both empty: 1 each
    assert r.field_macro_f1 == pytest.approx((2 / 3 + 1 + 1) / 3)
    assert corpus.result(Level.L1, Field.ACTORS, Tier.LENIENT).field_macro_f1 is None


def test_scores_and_golds_must_pair_up() -> None:
    with pytest.raises(ValueError, match="1 outputs for 2 gold documents"):
        score_documents([None], [doc("a", NAMES), doc("b", NAMES)])


def test_small_helpers() -> None:
    assert ratio(1, 0) is None and ratio(1, 4) == 0.25
    assert median([]) is None and median([3.0, 1.0, 2.0]) == 2.0
    assert run_sd([0.5]) is None and run_sd([0.4, 0.6]) == pytest.approx(math.sqrt(0.02))
    runs = [np.array([[1, 0, 1], [2, 2, 0]]), np.array([[3, 0, 1], [2, 0, 0]])]
    assert mean_counts(runs).tolist() == [[2.0, 0.0, 1.0], [2.0, 1.0, 0.0]]


def test_to_jsonable_handles_every_result_type() -> None:
    corpus = score_documents([out(NAMES)], [doc("a", NAMES)], ci_resamples=10)
    data = json.loads(json.dumps(to_jsonable(corpus)))
    head = data["results"]["L1/all/headline"]
    assert (head["level"], head["field"], head["tier"], head["f1"]) == (
        "L1",
        "all",
        "headline",
        1.0,
    )
    assert head["ci"] == {"estimate": 1.0, "low": 1.0, "high": 1.0}
    match = data["documents"][0]["scores"]["L1/actors/lenient"]["matches"][0]
    assert (match["tier"], match["rule"]) == ("strict", "norm")
    assert to_jsonable({"d": dt.date(2019, 8, 7), "x": float("nan"), "t": (1, np.int64(2))}) == {
        "d": "2019-08-07",
        "x": None,
        "t": [1, 2],
    }
    with pytest.raises(TypeError):
        to_jsonable(object())


def test_garbage_collection_state_is_restored() -> None:
    assert gc.isenabled()
    score_documents([out(NAMES)], [doc("a", NAMES)])
    assert gc.isenabled()
    gc.disable()
    try:
        score_documents([out(NAMES)], [doc("a", NAMES)])
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_scoring_never_touches_the_garbage_collector(monkeypatch: pytest.MonkeyPatch) -> None:
    # No process-wide side effects: pausing collection is the caller's choice (a benchmark).
    def refuse() -> None:
        raise AssertionError("the scorer changed the process's garbage collection")

    monkeypatch.setattr(gc, "disable", refuse)
    monkeypatch.setattr(gc, "enable", refuse)
    monkeypatch.setattr(gc, "freeze", refuse)
    score_documents([out(NAMES)] * 3, [doc("a", NAMES)] * 3, ci_resamples=20)

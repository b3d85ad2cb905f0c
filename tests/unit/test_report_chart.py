"""The PNG chart, drawn from the same model-free runs as the HTML page tests."""

from __future__ import annotations

from pathlib import Path
from typing import cast

import pytest
from PIL import Image

from extractor.harness.run import score_records
from extractor.records import ExtractionRecord
from extractor.report.chart import CHART_KEYS, write_chart
from extractor.scoring import CorpusScore, ScoreKey
from tests.unit.test_report_html import fixture_gold, fixture_runs, second_pass, second_pass_records

# The first two Okabe-Ito colours, one per run in legend order.
BLUE, ORANGE = (0x00, 0x72, 0xB2), (0xE6, 0x9F, 0x00)


@pytest.fixture(scope="module")
def scores() -> dict[str, CorpusScore]:
    return {name: view.score for name, view in fixture_runs(fixture_gold()).items()}


def _colours(path: Path) -> set[tuple[int, int, int]]:
    with Image.open(path) as img:
        rgb = img.convert("RGB")
        found = rgb.getcolors(maxcolors=1 << 20)
    assert found is not None
    return {cast("tuple[int, int, int]", c) for _, c in found}


def test_chart_is_a_png_of_sensible_size_with_one_colour_per_run(
    tmp_path: Path, scores: dict[str, CorpusScore]
) -> None:
    out = tmp_path / "charts" / "report.png"
    write_chart(scores, out)
    with Image.open(out) as img:
        assert img.format == "PNG"
        width, height = img.size
    assert 1200 <= width <= 4000 and 1000 <= height <= 2000
    colours = _colours(out)
    assert BLUE in colours and ORANGE in colours


def test_chart_widens_with_more_runs(tmp_path: Path, scores: dict[str, CorpusScore]) -> None:
    one, four = tmp_path / "one.png", tmp_path / "four.png"
    write_chart({"a": scores["second-pass"]}, one)
    write_chart({f"run {i}": s for i, s in enumerate([*scores.values()] * 2)}, four)
    with Image.open(one) as a, Image.open(four) as b:
        assert b.size[0] > a.size[0]
        assert a.size[1] == b.size[1]


def test_chart_takes_other_keys_and_runs_without_ci(
    tmp_path: Path, scores: dict[str, CorpusScore]
) -> None:
    gold = fixture_gold()
    ids = [d.article_id for d in second_pass()]
    # Every output failed: precision is undefined (n/a) and no CI was computed.
    failed = [
        ExtractionRecord(id=i, extraction=None, meta=r.meta, error="timeout")
        for i, r in zip(ids, second_pass_records(), strict=True)
    ]
    empty = score_records(failed, gold, only=ids, ci_resamples=0)
    assert empty.results["L1/all/headline"].precision is None
    out = tmp_path / "l2.png"
    write_chart(
        {"failed": empty, "ok": scores["second-pass"]},
        out,
        keys=(
            ScoreKey.L2_ALL_HEADLINE,
            ScoreKey.L2_C_ALL_HEADLINE,
            ScoreKey.DETECTION_EVENTS_HEADLINE,
        ),
    )
    with Image.open(out) as img:
        assert img.size[0] >= 1200
    assert ORANGE in _colours(out)  # the second run's bars are drawn beside the n/a of the first


def test_chart_needs_runs_and_keys(tmp_path: Path, scores: dict[str, CorpusScore]) -> None:
    with pytest.raises(ValueError, match="at least one run"):
        write_chart({}, tmp_path / "x.png")
    with pytest.raises(ValueError, match="at least one run"):
        write_chart(scores, tmp_path / "x.png", keys=())
    assert not (tmp_path / "x.png").exists()


def test_default_keys_are_the_l1_headline_fields() -> None:
    assert [k.split("/")[1] for k in CHART_KEYS] == [
        "actors",
        "places",
        "counts",
        "dates",
        "types",
        "all",
    ]

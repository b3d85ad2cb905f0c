"""The committed canonical runs export as a user would export them, and load in pandas.

``extractor export eval/runs/<run> --format acled|ucdp-ged|parquet`` through the CLI, with the
installed gazetteer: the codebooks' column names in their order, each column's dtype
(``geo.export.DTYPES``), one row per event of the run's done records, every row tied back to its
article and its event's evidence in that article.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from extractor.cli import app
from extractor.geo.export import DTYPES, ExportFormat, columns, read_export
from extractor.gold import load_gold
from extractor.records import RunInfo, iter_records
from tests.conftest import ROOT

RUNS = ("default__qwen1.5b-sentence", "v2_test__qwen1.5b-sentence")
FORMATS = (ExportFormat.ACLED, ExportFormat.UCDP_GED, ExportFormat.PARQUET)


@pytest.mark.parametrize("run", RUNS)
def test_a_canonical_run_exports_with_the_codebooks_columns_and_types(
    run: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = ROOT / "eval" / "runs" / run
    info = RunInfo.model_validate_json((folder / "run.json").read_text(encoding="utf-8"))
    records = {r.id: r for r in iter_records(folder / "predictions.jsonl")}
    events = {
        (rid, i): e
        for rid, r in records.items()
        if r.extraction is not None
        for i, e in enumerate(r.extraction.events)
    }
    texts = {ga.article.id: ga.article.text for ga in load_gold(ROOT / info.gold).articles}
    monkeypatch.chdir(ROOT)  # run.json names its gold set relative to the checkout
    for fmt in FORMATS:
        out = tmp_path / f"{fmt.value}.{'parquet' if fmt is ExportFormat.PARQUET else 'csv'}"
        result = CliRunner().invoke(
            app, ["export", str(folder), "--format", fmt.value, "-o", str(out)]
        )
        assert result.exit_code == 0, result.output
        frame = read_export(out)
        assert list(frame.columns) == list(columns(fmt))
        assert {c: str(t) for c, t in frame.dtypes.items()} == {c: DTYPES[c] for c in columns(fmt)}
        assert len(frame) == len(events) > 0
        keys = set(zip(frame["article_id"], frame["event_index"], strict=True))
        assert keys == set(events)
        for aid, index, evidence in zip(
            frame["article_id"], frame["event_index"], frame["evidence"], strict=True
        ):
            assert evidence == events[(aid, int(index))].evidence
            assert evidence in texts[aid]  # the row can be checked against its article
    # plain pandas, no dtype help: the counts are numbers
    plain = pd.read_csv(tmp_path / "acled.csv")
    assert plain["fatalities"].dtype.kind == "i" and plain["timestamp"].dtype.kind == "i"

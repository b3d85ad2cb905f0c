"""Parquet and `datasets` outputs, written from the JSONL log; the CLI's -o x.parquet."""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from datasets import load_from_disk
from typer.testing import CliRunner

from extractor.cli import app
from extractor.errors import InputError
from extractor.pipeline import Strategy
from extractor.records import ExtractionRecord, RecordMeta, UsageRecord, read_records
from extractor.run.outputs import (
    LAYOUT_VERSION,
    log_path_for,
    records_table,
    table_records,
    write_dataset,
    write_parquet,
)
from extractor.schema import ArticleExtraction
from tests.scale.canned_server import REPLY, article

META = RecordMeta(
    backend="b",
    model="m",
    prompt_id="events.v1",
    prompt_sha256="p",
    schema_sha256="s",
    strategy=Strategy.WHOLE,
    usage=UsageRecord(prompt_tokens=900, completion_tokens=120),
    latency_s=0.25,
    attempts=1,
    requests=1,
)
GOOD = ExtractionRecord(id="a", extraction=ArticleExtraction.model_validate(REPLY), meta=META)
EMPTY = ExtractionRecord(id="b", extraction=ArticleExtraction(events=[]), meta=META)
FAILED = ExtractionRecord(id="c", extraction=None, meta=META, error="boom", raw="not json")


def test_table_layout_and_lossless_round_trip(tmp_path: Path) -> None:
    records = [GOOD, EMPTY, FAILED]
    table = records_table(records)
    assert table.column("id").to_pylist() == ["a", "b", "c"]
    assert table.column("ok").to_pylist() == [True, True, False]
    assert table.column("n_events").to_pylist() == [1, 0, 0]
    assert table.column("event_types").to_pylist() == [["battles"], [], []]
    assert table.column("sub_event_types").to_pylist() == [["armed_clash"], [], []]
    assert table.column("prompt_tokens").to_pylist() == [900, 900, 900]
    assert table.column("error").to_pylist() == [None, None, "boom"]
    assert table_records(table) == records
    path = write_parquet(records, tmp_path / "x.parquet")
    read = pq.read_table(path)
    assert table_records(read) == records
    assert read.schema.metadata[b"extractor.layout"] == LAYOUT_VERSION.encode()


def test_outputs_are_replaced_atomically(tmp_path: Path) -> None:
    write_parquet([GOOD, EMPTY], tmp_path / "x.parquet")
    write_parquet([FAILED], tmp_path / "x.parquet")
    assert table_records(pq.read_table(tmp_path / "x.parquet")) == [FAILED]
    write_dataset([GOOD, EMPTY], tmp_path / "ds")
    write_dataset([FAILED], tmp_path / "ds")
    assert load_from_disk(str(tmp_path / "ds"))["id"] == ["c"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["ds", "x.parquet"]  # no temporaries


def test_read_records_skips_a_torn_tail_keeps_the_last_of_an_id_and_names_bad_lines(
    tmp_path: Path,
) -> None:
    log = tmp_path / "x.jsonl"
    lines = [GOOD.model_dump_json(), FAILED.model_dump_json()]
    retried = GOOD.model_copy(update={"id": "c"})
    log.write_text("\n".join([*lines, retried.model_dump_json()]) + '\n{"id": "d", "ext', "utf-8")
    assert read_records(log) == [GOOD, retried]
    log.write_text('{"id": "a"}\n' + GOOD.model_dump_json() + "\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"x\.jsonl:1: not an extraction record"):
        read_records(log)
    assert log_path_for(Path("out.parquet")) == Path("out.jsonl")
    assert log_path_for(Path("out.jsonl")) == Path("out.jsonl")


def test_cli_writes_parquet_and_dataset_from_its_log(canned_url: str, tmp_path: Path) -> None:
    src = tmp_path / "in.jsonl"
    src.write_text("".join(json.dumps(article(i)) + "\n" for i in range(12)), encoding="utf-8")
    out = tmp_path / "out.parquet"
    args = [
        *("extract", str(src), "--backend", f"openai-compatible/canned@{canned_url}"),
        *("--strategy", "whole", "-o", str(out), "--output-dataset", str(tmp_path / "ds")),
    ]
    res = CliRunner().invoke(app, args)
    assert res.exit_code == 0, res.output
    log = read_records(tmp_path / "out.jsonl")  # the resumable log beside the Parquet file
    assert sorted(r.id for r in log) == [article(i)["id"] for i in range(12)]
    table = pq.read_table(out)
    assert sorted(table_records(table), key=lambda r: r.id) == sorted(log, key=lambda r: r.id)
    assert set(table.column("n_events").to_pylist()) == {1}
    ds = load_from_disk(str(tmp_path / "ds"))
    assert sorted(str(i) for i in ds["id"]) == sorted(r.id for r in log)
    # a rerun resumes from the log: nothing new is extracted, the outputs are rewritten whole
    res = CliRunner().invoke(app, args)
    assert res.exit_code == 0, res.output
    assert len(read_records(tmp_path / "out.jsonl")) == 12 and pq.read_table(out).num_rows == 12

"""The one record-log reader and writer (one rule for a torn line), atomic writes, run files."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import pytest

from extractor.errors import InputError
from extractor.records import (
    ExtractionRecord,
    RecordLog,
    RecordMeta,
    RunInfo,
    atomic_path,
    atomic_write,
    done_ids,
    iter_records,
    json_object,
    read_records,
    repair_tail,
)
from extractor.schema import ArticleExtraction

ROOT = Path(__file__).resolve().parents[2]
META = RecordMeta(
    backend="b",
    model="m",
    prompt_id="events.v1",
    prompt_sha256="p",
    schema_sha256="s",
    strategy="w",
)


def record(rid: str, error: str | None = None) -> ExtractionRecord:
    extraction = None if error else ArticleExtraction()
    return ExtractionRecord(id=rid, extraction=extraction, meta=META, error=error)


def line(r: ExtractionRecord) -> str:
    return r.model_dump_json() + "\n"


# --------------------------------------------------------------------------- reading


def test_reader_skips_only_a_torn_last_line(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    log = tmp_path / "x.jsonl"
    log.write_text(line(record("a")) + "\n" + line(record("b")) + '{"id": "c", "ext', "utf-8")
    with caplog.at_level(logging.WARNING):
        assert [r.id for r in iter_records(log)] == ["a", "b"]
    assert "x.jsonl:4: skipping a torn last line" in caplog.text
    assert done_ids(log) == {"a", "b"}


def test_reader_names_file_and_line_of_any_other_bad_line(tmp_path: Path) -> None:
    log = tmp_path / "x.jsonl"
    log.write_text(line(record("a")) + '{"id": "b"}\n' + line(record("c")), "utf-8")
    with pytest.raises(InputError, match=r"x\.jsonl:2: not an extraction record"):
        read_records(log)
    with pytest.raises(InputError, match=r"x\.jsonl:2: not an extraction record"):
        done_ids(log)  # the resuming runner reads by the same rule


def test_reader_keeps_the_last_record_of_an_id_in_first_written_order(tmp_path: Path) -> None:
    log = tmp_path / "x.jsonl"
    retried = record("a")
    log.write_text(line(record("a", "boom")) + line(record("b")) + line(retried), "utf-8")
    assert [r.id for r in iter_records(log)] == ["a", "b", "a"]
    assert read_records(log) == [retried, record("b")]


def test_reader_refuses_a_missing_or_unreadable_log(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="cannot read the record log"):
        read_records(tmp_path / "none.jsonl")
    assert done_ids(tmp_path / "none.jsonl") == set()  # nothing done yet
    (tmp_path / "bin.jsonl").write_bytes(b"\xff\xfe\n")
    with pytest.raises(InputError, match="cannot read the record log"):
        read_records(tmp_path / "bin.jsonl")


# --------------------------------------------------------------------------- writing


def test_repair_tail_cuts_a_torn_line_and_completes_a_whole_one(tmp_path: Path) -> None:
    log = tmp_path / "x.jsonl"
    log.write_text(line(record("a")) + '{"id": "b", "extr', "utf-8")
    repair_tail(log)
    assert log.read_text("utf-8") == line(record("a"))
    log.write_text(line(record("a")) + line(record("b")).rstrip("\n"), "utf-8")
    repair_tail(log)  # a whole record that only lost its newline is kept
    assert log.read_text("utf-8") == line(record("a")) + line(record("b"))
    log.write_text('{"id": "only", "ext', "utf-8")
    repair_tail(log)
    assert log.read_text("utf-8") == ""
    repair_tail(tmp_path / "missing.jsonl")  # nothing to repair
    assert not (tmp_path / "missing.jsonl").exists()


def test_repair_tail_finds_the_last_line_of_a_long_log(tmp_path: Path) -> None:
    log = tmp_path / "x.jsonl"
    big = record("a").model_copy(update={"raw": "x" * 200_000})  # longer than a read block
    log.write_text(line(big) + line(big).rstrip("\n")[:-5], "utf-8")
    repair_tail(log)
    assert read_records(log) == [big]


def test_record_log_appends_after_repairing_and_reads_back(tmp_path: Path) -> None:
    path = tmp_path / "sub" / "x.jsonl"
    path.parent.mkdir()
    path.write_text(line(record("a")) + '{"id": "b", "ext', "utf-8")
    with RecordLog(path) as log:
        log.write(record("b"))
        log.write(record("c", "boom"))
    assert [r.id for r in read_records(path)] == ["a", "b", "c"]
    assert path.read_text("utf-8").endswith("\n")


# --------------------------------------------------------------------------- whole files


def test_atomic_write_replaces_the_whole_file_or_nothing(tmp_path: Path) -> None:
    target = tmp_path / "new" / "f.json"
    assert atomic_write(target, '{"a": 1}') == target
    atomic_write(target, b'{"a": 2}')
    assert json.loads(target.read_text("utf-8")) == {"a": 2}
    with pytest.raises(RuntimeError), atomic_path(target) as tmp:
        tmp.write_text("half", encoding="utf-8")
        raise RuntimeError("killed mid-write")
    assert json.loads(target.read_text("utf-8")) == {"a": 2}
    assert sorted(p.name for p in target.parent.iterdir()) == ["f.json"]  # no temporaries


def test_atomic_path_replaces_a_folder_whole(tmp_path: Path) -> None:
    target = tmp_path / "ds"
    target.mkdir()
    (target / "old.arrow").write_text("old", encoding="utf-8")
    with atomic_path(target) as tmp:
        tmp.mkdir()
        (tmp / "new.arrow").write_text("new", encoding="utf-8")
        assert (target / "old.arrow").exists()  # readers see the old folder until the rename
    assert [p.name for p in target.iterdir()] == ["new.arrow"]
    assert [p.name for p in tmp_path.iterdir()] == ["ds"]


def test_json_object_says_what_a_bad_line_is() -> None:
    assert json_object('{"id": "a"}') == {"id": "a"}
    with pytest.raises(ValueError, match=r"not valid JSON: Expecting value \(column 1\)"):
        json_object("nope")
    with pytest.raises(ValueError, match="expected a JSON object"):
        json_object("[1, 2]")


# --------------------------------------------------------------------------- run files


@pytest.mark.parametrize(
    "run", sorted(p.parent.name for p in (ROOT / "eval" / "runs").glob("*/run.json"))
)
def test_every_committed_run_file_loads_and_writes_back_the_same(run: str) -> None:
    text = (ROOT / "eval" / "runs" / run / "run.json").read_text("utf-8")
    info = RunInfo.model_validate_json(text)
    assert info.format_version == 1 and info.summary.articles > 0
    written = json.dumps(info.model_dump(mode="json", exclude_unset=True), indent=1)
    # no field lost, renamed, reordered or retyped (a median of 19643.0 stays a float)
    assert written == json.dumps(json.loads(text), indent=1)


def test_a_run_file_without_the_newer_fields_still_loads() -> None:
    info = RunInfo.model_validate({"summary": {"articles": 2, "failed": 0}})
    assert info.articles is None  # every article of the gold set
    assert (info.prompt_id, info.constrain, info.complete) == ("events.v1", "none", True)
    assert info.prompt_sha256 == ""  # a missing hash can only make the run stale

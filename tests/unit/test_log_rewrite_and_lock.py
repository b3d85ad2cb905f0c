"""The record log's rewrite (``--retry-failed``), its lock, and the ids a retry redoes."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from extractor.errors import InputError, OutputError
from extractor.records import FileLock, RecordLog, failed_ids, iter_records, read_records
from tests.unit.test_records import line, record


def test_failed_ids_are_those_whose_last_record_is_an_error(tmp_path: Path) -> None:
    log = tmp_path / "x.jsonl"
    assert failed_ids(log) == set()  # no log yet
    log.write_text(
        line(record("a", "boom")) + line(record("b")) + line(record("a")) + line(record("c", "x")),
        "utf-8",
    )
    assert failed_ids(log) == {"c"}  # a was redone since


def test_rewrite_drops_ids_and_keeps_the_last_line_of_every_other_id_unchanged(
    tmp_path: Path,
) -> None:
    path = tmp_path / "x.jsonl"
    # b written twice (an old duplicate), a and d failed; c, written by hand, keeps its bytes
    lines = [
        line(record("a", "boom")),
        line(record("b", "first try")),
        '{"id": "c", "extraction": {"events": []}, "meta": {"backend": "b", "model": "m", '
        '"prompt_id": "events.v1", "prompt_sha256": "p", "schema_sha256": "s", "strategy": "w"}}\n',
        line(record("b")),
        line(record("d", "late")),
    ]
    path.write_text("".join(lines), "utf-8")
    with RecordLog(path) as log:
        assert log.rewrite({"a", "d"}) == 3
        assert path.read_text("utf-8") == lines[2] + lines[3]
        log.write(record("a"))  # appending goes on in the new file
    assert [r.id for r in read_records(path)] == ["c", "b", "a"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["x.jsonl"]  # no temporary, no lock


def test_rewrite_with_nothing_to_drop_leaves_the_file_alone(tmp_path: Path) -> None:
    path = tmp_path / "x.jsonl"
    path.write_text(line(record("a")) + line(record("b", "boom")), "utf-8")
    inode = path.stat().st_ino
    with RecordLog(path) as log:
        assert log.rewrite({"zzz"}) == 0
    assert path.stat().st_ino == inode


def test_the_lock_names_its_holder_and_a_lock_file_left_by_a_dead_process_is_taken(
    tmp_path: Path,
) -> None:
    path = tmp_path / "x.jsonl"
    (tmp_path / "x.jsonl.lock").write_text("999999\n", "utf-8")  # no process holds it
    with RecordLog(path) as log:
        log.write(record("a"))
        assert (tmp_path / "x.jsonl.lock").read_text("utf-8") == f"{os.getpid()}\n"
        with pytest.raises(OutputError) as refused:
            FileLock(path)
        assert str(refused.value) == (
            f"{path}: this record log is in use by another run (process {os.getpid()} holds "
            f"{path}.lock); wait for it to finish or stop it, or use another path"
        )
    assert not (tmp_path / "x.jsonl.lock").exists()
    assert [r.id for r in read_records(path)] == ["a"]


def test_a_log_that_cannot_be_opened_for_writing_is_an_output_error(tmp_path: Path) -> None:
    folder = tmp_path / "x.jsonl"
    folder.mkdir()  # a folder where the log should be
    with pytest.raises(OutputError, match=r"x\.jsonl: cannot open the record log for writing"):
        RecordLog(folder)
    assert not (tmp_path / "x.jsonl.lock").exists()  # the lock is let go on the way out


def test_a_lenient_reader_reports_each_bad_line_and_reads_on(tmp_path: Path) -> None:
    log = tmp_path / "x.jsonl"
    log.write_bytes(
        (line(record("a")) + '{"id": "b"}\n').encode() + b"\xff\xfe\n" + line(record("c")).encode()
    )
    problems: list[str] = []
    assert [r.id for r in iter_records(log, on_bad_line=problems.append)] == ["a", "c"]
    assert [p.split(": not an extraction record")[0] for p in problems] == [
        f"{log}:2",
        f"{log}:3",
    ]
    with pytest.raises(InputError, match=r"x\.jsonl:2: not an extraction record"):
        list(iter_records(log))  # the strict rule, for a resumed run


def test_a_kill_inside_a_multibyte_character_leaves_a_torn_line_not_an_unreadable_log(
    tmp_path: Path,
) -> None:
    log = tmp_path / "x.jsonl"
    whole = line(record("b", "échec")).encode()
    cut = whole[: whole.index("é".encode()) + 1]  # the kill fell between the two bytes of é
    log.write_bytes(line(record("a")).encode() + cut)
    assert [r.id for r in iter_records(log)] == ["a"]
    with RecordLog(log) as writer:  # the writer cuts it before appending
        writer.write(record("b"))
    assert [r.id for r in iter_records(log)] == ["a", "b"]

"""Reading inputs at scale: a bad row, file or row group is one error naming where, never the end.

``scan_articles`` yields each problem as an ``InputError`` in its place and reads on;
``read_articles`` (and ``read_inputs`` without ``on_error``) still raise the first one.
"""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from extractor.errors import InputError
from extractor.run.inputs import read_articles, read_inputs, scan_articles
from tests.faults.tally import Tally


def scanned(source: Path) -> list[str]:
    """Article ids, and the errors as ``!message``, in input order."""
    return [
        f"!{item}" if isinstance(item, InputError) else item.id
        for item in scan_articles(str(source))
    ]


def test_a_corrupt_row_group_of_a_parquet_file_costs_only_its_rows(
    tmp_path: Path, reliability: Tally
) -> None:
    reliability.bad_input("Parquet file with a corrupt row group")
    rows = [
        {"id": f"r{i}", "text": f"Clashes killed {i} people in town {i}. " * 20} for i in range(6)
    ]
    path = tmp_path / "groups.parquet"
    pq.write_table(pa.Table.from_pylist(rows), path, row_group_size=2, compression="zstd")
    column = pq.ParquetFile(path).metadata.row_group(1).column(1)  # the text of rows 3-4
    data = bytearray(path.read_bytes())
    start = column.data_page_offset
    data[start : start + 16] = b"\x07" * 16  # its page header no longer parses
    path.write_bytes(bytes(data))

    got = scanned(path)
    assert [g for g in got if not g.startswith("!")] == ["r0", "r1", "r4", "r5"]
    (error,) = [g for g in got if g.startswith("!")]
    assert error.startswith(f"!{path}: rows 3-4 (row group 1): unreadable:"), error
    assert got.index(error) == 2  # in its place


def test_a_truncated_parquet_file_is_one_error_naming_it(tmp_path: Path) -> None:
    path = tmp_path / "cut.parquet"
    pq.write_table(pa.Table.from_pylist([{"id": "a", "text": "Clashes killed 3."}]), path)
    path.write_bytes(path.read_bytes()[:-30])
    (error,) = scanned(path)
    assert error.startswith(f"!{path}: not a readable Parquet file:"), error
    with pytest.raises(InputError, match=r"cut\.parquet: not a readable Parquet file"):
        list(read_articles(str(path)))


def test_jsonl_and_csv_are_read_on_past_a_bad_line(tmp_path: Path, reliability: Tally) -> None:
    reliability.bad_input("bad JSONL lines and CSV rows among good ones")
    jsonl = tmp_path / "a.jsonl"
    jsonl.write_text(
        '{"id": "j1", "text": "one"}\n[1, 2]\n'
        '{"id": "j2", "text": "two", "published": "2019-13-40"}\n{"id": "j3", "text": "three"}\n',
        encoding="utf-8",
    )
    assert scanned(jsonl) == [
        "j1",
        f"!{jsonl}:2: expected a JSON object",
        f"!{jsonl}:3: field 'published': month must be in 1..12",
        "j3",
    ]
    csv = tmp_path / "b.csv"
    csv.write_text('id,text\nc1,one\nc2,\nc3,"three\n', encoding="utf-8")
    got = scanned(csv)
    assert got[0] == "c1" and got[1] == f"!{csv}:3: field 'text': missing or empty text"
    assert len(got) == 3  # the unterminated quote swallows the rest: one error, no hang


def test_a_folder_goes_on_past_an_unreadable_file(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text("Clashes killed 3.", encoding="utf-8")
    (tmp_path / "b.txt").write_bytes("café".encode("latin-1"))
    (tmp_path / "c.txt").write_text("Shelling killed 4.", encoding="utf-8")
    assert scanned(tmp_path) == [
        "a",
        f"!{tmp_path / 'b.txt'}: not UTF-8 (byte 3); convert it to UTF-8",
        "c",
    ]


def test_read_inputs_reports_each_problem_to_on_error_or_raises_the_first(tmp_path: Path) -> None:
    good = tmp_path / "good.jsonl"
    good.write_text(json.dumps({"id": "g", "text": "Clashes killed 3."}) + "\n", encoding="utf-8")
    sources = [str(tmp_path / "missing.jsonl"), str(good), str(tmp_path / "x.docx")]
    problems: list[InputError] = []
    articles = read_inputs(sources, on_error=problems.append)
    assert [a.id for a in articles] == ["g"]
    assert [str(p) for p in problems] == [
        f"{tmp_path / 'missing.jsonl'}: no such file",
        f"{tmp_path / 'x.docx'}: no such file",
    ]
    with pytest.raises(InputError, match=r"missing\.jsonl: no such file"):
        read_inputs(sources)

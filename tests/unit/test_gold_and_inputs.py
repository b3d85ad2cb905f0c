import csv
import json
from pathlib import Path

import pytest

from extractor.errors import GoldDataError, InputError
from extractor.gold import load_gold
from extractor.run.inputs import MAX_ARTICLE_CHARS, read_articles
from tests.faults.tally import Tally

ROOT = Path(__file__).resolve().parents[2]


def test_gold_v1_is_valid() -> None:
    gold = load_gold(ROOT / "gold" / "v1")
    assert len(gold.articles) >= 41
    assert all(ga.licence for ga in gold.articles)
    assert sum(len(d.events) for d in gold.documents.values()) >= 150
    assert "seed:afp_hama" in gold.documents


def _copy_gold(tmp: Path) -> Path:
    dst = tmp / "v1"
    dst.mkdir()
    src = ROOT / "gold" / "v1"
    for name in ("articles.jsonl", "events.jsonl"):
        (dst / name).write_text((src / name).read_text(encoding="utf-8"), encoding="utf-8")
    return dst


def _edit_line(path: Path, n: int, edit: object) -> None:
    lines = path.read_text(encoding="utf-8").splitlines()
    rec = json.loads(lines[n - 1])
    edit(rec)  # type: ignore[operator]
    lines[n - 1] = json.dumps(rec, ensure_ascii=False)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def _first_with_counts(rec: dict) -> dict:  # type: ignore[type-arg]
    return next(e for e in rec["events"] if e["counts"])


def _first_with_counts_index(gold: Path) -> int:
    rec = json.loads((gold / "events.jsonl").read_text(encoding="utf-8").splitlines()[0])
    return next(i for i, e in enumerate(rec["events"]) if e["counts"])


def test_bad_evidence_is_named_by_file_line_and_field(tmp_path: Path, reliability: Tally) -> None:
    reliability.bad_input("gold evidence not in its article")
    gold = _copy_gold(tmp_path)

    def plant(rec: dict) -> None:  # type: ignore[type-arg]
        _first_with_counts(rec)["counts"][0]["evidence"] = "this quote is not in the article"

    _edit_line(gold / "events.jsonl", 1, plant)
    with pytest.raises(GoldDataError) as exc:
        load_gold(gold)
    msg = str(exc.value)
    i = _first_with_counts_index(gold)
    assert f"{gold / 'events.jsonl'}:1: events[{i}].counts[0]" in msg
    assert "not in the article" in msg


def test_missing_licence_duplicate_ids_and_bad_json(tmp_path: Path, reliability: Tally) -> None:
    reliability.bad_input("gold line without a licence")
    reliability.bad_input("gold line that is not JSON")
    gold = _copy_gold(tmp_path)
    _edit_line(gold / "articles.jsonl", 2, lambda rec: rec.update(licence=""))
    lines = (gold / "events.jsonl").read_text(encoding="utf-8").splitlines()
    lines.append("{not json")
    (gold / "events.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(GoldDataError) as exc:
        load_gold(gold)
    msg = str(exc.value)
    assert f"{gold / 'articles.jsonl'}:2: field licence" in msg
    assert f"{gold / 'events.jsonl'}:{len(lines)}: not valid JSON" in msg


def test_schema_error_names_the_field(tmp_path: Path) -> None:
    gold = _copy_gold(tmp_path)

    def plant(rec: dict) -> None:  # type: ignore[type-arg]
        _first_with_counts(rec)["counts"][0]["value"] = -3

    i = _first_with_counts_index(gold)
    _edit_line(gold / "events.jsonl", 1, plant)
    with pytest.raises(
        GoldDataError, match=rf"events\.jsonl:1: field events\.{i}\.counts\.0\.value"
    ):
        load_gold(gold)


def test_read_inputs(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text("Clashes killed 3.", encoding="utf-8")
    (tmp_path / "b.jsonl").write_text(
        '{"id": "x", "text": "t1", "published": "2019-08-07"}\n\n{"id": 2, "text": "t2"}\n',
        encoding="utf-8",
    )
    (tmp_path / "c.csv").write_text("id,text\nr1,hello\n", encoding="utf-8")
    assert [a.id for a in read_articles(str(tmp_path / "a.txt"))] == ["a"]
    arts = list(read_articles(str(tmp_path / "b.jsonl")))
    assert [a.id for a in arts] == ["x", "2"] and str(arts[0].published) == "2019-08-07"
    assert [a.text for a in read_articles(str(tmp_path / "c.csv"))] == ["hello"]


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("empty.txt", b"", "empty file"),
        ("blank.txt", b"  \n\t ", "empty file"),
        ("bin.txt", b"\x00\x01\x02binary", "looks binary"),
        ("latin.txt", "café".encode("latin-1"), "not UTF-8"),
        (
            "bad.jsonl",
            b'{"id": "a", "text": "ok"}\n{"id": "b", "text": ',
            "bad.jsonl:2: not valid JSON",
        ),
        ("notext.jsonl", b'{"id": "a"}\n', "notext.jsonl:1: field 'text'"),
        ("x.docx", b"PK", "unknown input format"),
        (
            "page.html",
            b"<html><body><p>Clashes killed 3.</p></body></html>",
            "unknown input format",
        ),
        ("empty.jsonl", b"\n\n", "empty file"),
        ("header.csv", b"id,text\n", "empty file"),
        ("blankid.jsonl", b'{"id": " ", "text": "Clashes killed 3."}\n', "field 'id': missing id"),
    ],
)
def test_bad_input_names_file_and_line(
    tmp_path: Path, name: str, content: bytes, message: str, reliability: Tally
) -> None:
    reliability.bad_input(f"{name}: {message.split(':')[-1].strip()}")
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(InputError, match=message.replace(".", r"\.")):
        list(read_articles(str(path)))


def test_a_split_gold_set_validates_every_part_and_refuses_a_leak(tmp_path: Path) -> None:
    from extractor.gold import gold_parts, load_gold_parts

    root = Path(__file__).resolve().parents[2] / "gold" / "v2"
    assert [p.name for p in gold_parts(root)] == ["dev", "test"]
    sets = load_gold_parts(root)
    assert sum(len(gs.articles) for gs in sets) == 111
    # the same article in both parts is a leak between dev and test
    for part in ("dev", "test"):
        (tmp_path / part).mkdir()
    line = (root / "dev" / "articles.jsonl").read_text(encoding="utf-8").splitlines()[0]
    doc = (root / "dev" / "events.jsonl").read_text(encoding="utf-8").splitlines()[0]
    for part in ("dev", "test"):
        (tmp_path / part / "articles.jsonl").write_text(line + "\n", encoding="utf-8")
        (tmp_path / part / "events.jsonl").write_text(doc + "\n", encoding="utf-8")
    with pytest.raises(GoldDataError, match="also in"):
        load_gold_parts(tmp_path)
    with pytest.raises(GoldDataError, match=r"no articles\.jsonl"):
        gold_parts(tmp_path / "dev" / "missing")


def test_a_csv_field_longer_than_pythons_default_limit_is_read(tmp_path: Path) -> None:
    text = ("Shelling killed 3 people. " * 10_000).strip()  # 259,999 characters: over 131,072
    path = tmp_path / "long.csv"
    with path.open("w", encoding="utf-8", newline="") as f:
        csv.writer(f).writerows([["id", "text"], ["a1", text], ["a2", "short"]])
    got = list(read_articles(str(path)))
    assert [(a.id, len(a.text)) for a in got] == [("a1", len(text)), ("a2", 5)]


def test_a_text_over_the_article_cap_is_an_error_naming_the_row(tmp_path: Path) -> None:
    path = tmp_path / "huge.jsonl"
    path.write_text(
        json.dumps({"id": "ok", "text": "fine"})
        + "\n"
        + json.dumps({"id": "big", "text": "x" * (MAX_ARTICLE_CHARS + 1)})
        + "\n",
        encoding="utf-8",
    )
    articles = read_articles(str(path))
    assert next(articles).id == "ok"
    with pytest.raises(InputError, match=r"huge\.jsonl:2: field 'text': .* over the article cap"):
        next(articles)

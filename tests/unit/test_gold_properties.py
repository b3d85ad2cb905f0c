"""Properties of the gold loader: any damage is a GoldDataError naming the file and line."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from extractor.errors import GoldDataError
from extractor.gold import load_gold

ROOT = Path(__file__).resolve().parents[2]
FILES = {
    n: (ROOT / "gold" / "v1" / n).read_text(encoding="utf-8")
    for n in ("articles.jsonl", "events.jsonl")
}
TEXT = json.loads(FILES["articles.jsonl"].splitlines()[0])["text"]
FIRST = json.loads(FILES["events.jsonl"].splitlines()[0])
assert FIRST["article_id"] == json.loads(FILES["articles.jsonl"].splitlines()[0])["id"]


def _load(files: dict[str, str]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        for name, content in files.items():
            (Path(tmp) / name).write_text(content, encoding="utf-8")
        try:
            load_gold(tmp)
        except GoldDataError as exc:  # every message names where, relative to this folder
            raise GoldDataError(str(exc).replace(tmp + "/", "")) from None


def _with_first_event(event: dict[str, object]) -> dict[str, str]:
    lines = FILES["events.jsonl"].splitlines()
    first = {**FIRST, "events": [event, *FIRST["events"][1:]]}
    lines[0] = json.dumps(first, ensure_ascii=False)
    return {**FILES, "events.jsonl": "\n".join(lines) + "\n"}


@given(
    st.sampled_from(["articles.jsonl", "events.jsonl"]),
    st.integers(min_value=1, max_value=40),
    st.text(min_size=1, max_size=80).filter(lambda s: s.strip() != "" and "\n" not in s),
)
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.filter_too_much])
def test_a_damaged_line_is_named_by_file_and_line(name: str, line: int, junk: str) -> None:
    lines = FILES[name].splitlines()
    lines[line - 1] = junk.replace("\r", " ").replace("\x0b", " ").replace("\x0c", " ")
    try:
        _load({**FILES, name: "\n".join(lines) + "\n"})
    except GoldDataError as exc:
        assert f"{name}:" in str(exc)
    # a junk line that still parses as a valid record of another id may load: no other exception


@given(st.integers(min_value=0, max_value=len(TEXT) - 1), st.integers(min_value=1, max_value=200))
@settings(max_examples=60, deadline=None)
def test_event_evidence_that_is_a_slice_of_the_article_is_accepted(start: int, size: int) -> None:
    end = min(len(TEXT), start + size)
    while start < end and TEXT[start].isspace():
        start += 1
    while end > start and TEXT[end - 1].isspace():
        end -= 1
    if start == end:
        return
    event = {**FIRST["events"][0], "evidence": TEXT[start:end]}
    event["span"] = {"start": start, "end": end, "match": "exact"}
    _load(_with_first_event(event))


@given(st.text(alphabet="§¤¶þæ", min_size=3, max_size=40))
@settings(max_examples=30, deadline=None)
def test_event_evidence_not_in_the_article_is_refused_with_file_line_and_field(quote: str) -> None:
    event = {**FIRST["events"][0], "evidence": quote}
    try:
        _load(_with_first_event(event))
    except GoldDataError as exc:
        assert "events.jsonl:1: events[0].evidence" in str(exc)
        assert "not in the article" in str(exc)
    else:
        raise AssertionError("evidence not in the article was accepted")

import asyncio
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from extractor.backends import GenerateSettings
from extractor.errors import InputError
from extractor.pipeline import Strategy
from extractor.pipeline.grounding import ground, locate
from extractor.pipeline.numbers import read_numbers
from extractor.pipeline.prompts import load_prompt
from extractor.pipeline.strategies import WINDOW_CHARS, plan
from extractor.run import Work, run_batch
from extractor.schema import Article, ArticleExtraction
from tests.faults.tally import Tally

WORDS = st.sampled_from(
    [
        "killed",
        "nearly",
        "more than",
        "30",
        "1,200",
        "three",
        "million",
        "dozens",
        "of",
        "and",
        "between",
        "to",
        "-",
        "2011",
        "a",
        "people",
        "\u2013",
        "1.5",
        "hundred",
        "twenty-five",
        ",",
        ".",
        "\u2019",
    ]
)


@given(st.lists(WORDS, max_size=25).map(" ".join))
@settings(max_examples=300, deadline=None)
def test_number_reader_never_fails_and_offsets_hold(text: str) -> None:
    for r in read_numbers(text):
        assert r.value >= 0 and 0 <= r.start < r.end <= len(text)
        assert text[r.start : r.end] == r.surface
        assert r.upper is None or r.upper > r.value


@given(st.text(max_size=200), st.text(max_size=60))
@settings(max_examples=300, deadline=None)
def test_locate_returns_a_real_span_or_none(article: str, quote: str) -> None:
    span = locate(quote, article)
    if span is not None:
        assert 0 <= span.start < span.end <= len(article)


@given(st.text(min_size=1, max_size=300))
@settings(max_examples=100, deadline=None)
def test_grounding_an_empty_extraction_is_a_no_op(article: str) -> None:
    assert ground(ArticleExtraction(), article) == ArticleExtraction()


def test_a_one_megabyte_article_is_planned_in_bounded_windows(reliability: Tally) -> None:
    reliability.bad_input("1 MB article (window plan)")
    sentence = "Clashes near Mosul killed 12 fighters on Monday, officials said. "
    text = sentence * (1_000_000 // len(sentence))
    windows = plan(text, Strategy.WINDOW)
    assert len(windows) > 100
    assert all(len(w.text or "") <= WINDOW_CHARS for w in windows)
    assert windows[0].start == 0 and windows[-1].end >= len(text.rstrip()) - 1


def test_duplicate_input_ids_are_refused_before_any_work(
    tmp_path: Path, reliability: Tally
) -> None:
    reliability.bad_input("duplicate article ids")

    class NoBackend:  # a backend that must never be called
        id = "none/none"
        model = "none"
        supports_constrained_decoding = False

        def describe(self) -> dict[str, str]:
            return {"backend": self.id}

        async def generate(self, *a: object, **k: object) -> None:
            raise AssertionError("no model call expected")

        async def aclose(self) -> None:
            return None

    articles = [Article(id="a", text="x"), Article(id="a", text="y")]
    with pytest.raises(InputError, match="duplicate article id 'a'"):
        asyncio.run(
            run_batch(
                articles,
                NoBackend(),  # type: ignore[arg-type]
                output=tmp_path / "o.jsonl",
                work=Work(load_prompt(), Strategy.WHOLE, GenerateSettings()),
            )
        )
    assert not (tmp_path / "o.jsonl").exists() or (tmp_path / "o.jsonl").read_text() == ""

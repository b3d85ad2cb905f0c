"""Check every item a model returns against the article, compute its span, drop what is unsupported.

Rules (the product's promise that every record is verifiable):
- an evidence quote must be found in the article (exactly, after whitespace/quote-mark folding, or
  as a close fuzzy match that is then replaced by the article's own words);
- a place or actor name must appear in its evidence or, failing that, in the article;
- a count's value must be stated in its evidence, as read by ``numbers.read_numbers``; the reader's
  qualifier and vagueness replace the model's when they disagree (code reads hedges better than a
  small model).

Items that fail are removed and listed in ``ArticleExtraction.diagnostics`` with the reason.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from dataclasses import dataclass

from rapidfuzz import fuzz

from extractor.schema import (
    Actor,
    ArticleExtraction,
    Count,
    Diagnostic,
    Event,
    Place,
    Span,
)

_FOLD = str.maketrans(
    {
        "\u2018": "'",
        "\u2019": "'",
        "\u201b": "'",
        "\u2032": "'",
        "`": "'",
        "\u201c": '"',
        "\u201d": '"',
        "\u201e": '"',
        "\u2033": '"',
        "\u2013": "-",
        "\u2014": "-",
        "\u2212": "-",
        "\u00a0": " ",
        "\u200e": "",
        "\u200f": "",
    }
)

FUZZY_THRESHOLD = 90.0
"""Minimum rapidfuzz partial-ratio for a quote to count as found (a few characters off)."""


@dataclass(frozen=True)
class FoldedText:
    """A text folded for matching, with a map from each folded index back to the original."""

    text: str
    index: tuple[int, ...]


def fold(text: str) -> FoldedText:
    """Fold quote marks and dashes, collapse whitespace, casefold; keep an offset map.

    Each output character keeps the original offset it came from, so a match in the folded text
    maps back to a span of the original.
    """
    out: list[str] = []
    index: list[int] = []
    prev_space = True
    for i, ch in enumerate(text):
        ch = unicodedata.normalize("NFKC", ch).translate(_FOLD)
        if not ch:
            continue
        if ch.isspace():
            if prev_space:
                continue
            out.append(" ")
            index.append(i)
            prev_space = True
            continue
        for c in ch.casefold():
            out.append(c)
            index.append(i)
        prev_space = False
    while out and out[-1] == " ":
        out.pop()
        index.pop()
    return FoldedText("".join(out), tuple(index))


def locate(quote: str, article: str, folded: FoldedText | None = None) -> Span | None:
    """Find a quote in the article; return its span, or None when it is not there.

    Args:
        quote: the evidence as the model wrote it.
        article: the article text.
        folded: ``fold(article)``, passed in when locating many quotes in one article.

    Returns:
        The span, with ``match`` telling how it was found.
    """
    quote = quote.strip()
    if not quote:
        return None
    start = article.find(quote)
    if start >= 0:
        return Span(start=start, end=start + len(quote), match="exact")
    folded = folded or fold(article)
    q = fold(quote).text
    if not q:  # only invisible marks: nothing to find
        return None
    pos = folded.text.find(q)
    if pos >= 0:
        return Span(
            start=folded.index[pos], end=folded.index[pos + len(q) - 1] + 1, match="normalised"
        )
    if len(q) < 12:  # too short for fuzzy matching to mean anything
        return None
    found = fuzz.partial_ratio_alignment(q, folded.text, score_cutoff=FUZZY_THRESHOLD)
    if found is None or found.dest_end <= found.dest_start:
        return None
    return Span(
        start=folded.index[found.dest_start],
        end=folded.index[found.dest_end - 1] + 1,
        match="fuzzy",
    )


def _contains(haystack: str, needle: str) -> bool:
    return fold(needle).text in fold(haystack).text


@functools.lru_cache(maxsize=8)
def _fold_article(article: str) -> FoldedText:
    """``fold`` of an article, kept across the requests (and re-asks) of one article.

    Folding runs per character in Python (seconds for a 1 MB page), and the article is the same
    for every request about it.
    """
    return fold(article)


class _Grounder:
    """Walks one extraction, grounding every item; collects diagnostics for what it drops."""

    def __init__(self, article: str) -> None:
        self.article = article
        self.folded = _fold_article(article)
        self.diagnostics: list[Diagnostic] = []

    def drop(self, path: str, reason: str, item: Event | Place | Actor | Count) -> None:
        self.diagnostics.append(
            Diagnostic(
                path=path, reason=reason, item=item.model_dump(mode="json", exclude_none=True)
            )
        )

    def evidence(self, path: str, item: Event | Place | Actor | Count) -> tuple[str, Span] | None:
        span = locate(item.evidence, self.article, self.folded)
        if span is None:
            self.drop(path, f"evidence not found in the article: {item.evidence[:120]!r}", item)
            return None
        return self.article[span.start : span.end], span

    def place(self, path: str, place: Place) -> Place | None:
        found = self.evidence(path, place)
        if found is None:
            return None
        quote, span = found
        if not (_contains(quote, place.name) or _contains(self.article, place.name)):
            self.drop(path, f"place name {place.name!r} is not in the article", place)
            return None
        return place.model_copy(update={"evidence": quote, "span": span})

    def actor(self, path: str, actor: Actor) -> Actor | None:
        found = self.evidence(path, actor)
        if found is None:
            return None
        quote, span = found
        if not (_contains(quote, actor.name) or _contains(self.article, actor.name)):
            self.drop(path, f"actor name {actor.name!r} is not in the article", actor)
            return None
        return actor.model_copy(update={"evidence": quote, "span": span})

    def count(self, path: str, count: Count) -> Count | None:
        from extractor.pipeline.numbers import supports_value

        found = self.evidence(path, count)
        if found is None:
            return None
        quote, span = found
        upper = count.upper if count.qualifier.value == "range" else None
        reading = supports_value(quote, count.value, upper)
        if reading is None:
            self.drop(
                path, f"value {count.value} is not stated in its evidence {quote[:120]!r}", count
            )
            return None
        return count.model_copy(
            update={
                "evidence": quote,
                "span": span,
                "qualifier": reading.qualifier,
                "vague": reading.vague,
                "upper": reading.upper,
            }
        )

    def event(self, path: str, event: Event) -> Event | None:
        found = self.evidence(path, event)
        if found is None:
            return None
        quote, span = found
        places = [
            p
            for i, x in enumerate(event.places)
            if (p := self.place(f"{path}.places[{i}]", x)) is not None
        ]
        actors = [
            a
            for i, x in enumerate(event.actors)
            if (a := self.actor(f"{path}.actors[{i}]", x)) is not None
        ]
        counts = [
            c
            for i, x in enumerate(event.counts)
            if (c := self.count(f"{path}.counts[{i}]", x)) is not None
        ]
        return event.model_copy(
            update={
                "evidence": quote,
                "span": span,
                "places": places,
                "actors": actors,
                "counts": counts,
            }
        )


def ground(extraction: ArticleExtraction, article: str) -> ArticleExtraction:
    """Ground every item of an extraction in the article text.

    Args:
        extraction: what the model returned (already schema-valid).
        article: the article it was extracted from.

    Returns:
        A copy with spans filled, quotes replaced by the article's exact words, unsupported items
        removed, and one diagnostic per removed item (appended to any already there).
    """
    g = _Grounder(article)
    events = [
        e for i, x in enumerate(extraction.events) if (e := g.event(f"events[{i}]", x)) is not None
    ]
    return ArticleExtraction(events=events, diagnostics=[*extraction.diagnostics, *g.diagnostics])


def grounding_errors(extraction: ArticleExtraction, article: str) -> list[str]:
    """Explain, in words a model can act on, every item that grounding would drop.

    Used as the validation message of instructor's re-ask.
    """
    return [f"{d.path}: {d.reason}" for d in ground(extraction, article).diagnostics]


_SENTENCE_END = re.compile(
    r"(?:(?<=[.!?])|(?<=[.!?][\"'\u201d\u2019)]))\s+(?=[\"'\u201c\u2018(]?[A-Z0-9])|\n+"
)
_ABBREV = re.compile(
    r"\b(?:Jan|Feb|Mar|Apr|Aug|Sept?|Oct|Nov|Dec|Gen|Lt|Col|Capt|Maj|Sgt|Mr|Mrs|"
    r"Dr|St|No|U\.S|U\.K|U\.N|Sen|Rep|Gov|Adm|Cmdr|Pvt|Cpl|Vs|vs|etc)\.$"
)


def split_sentences(text: str) -> list[tuple[int, int]]:
    """Split an article into sentence spans (start, end), never across a paragraph break.

    A regex splitter tuned for news: it does not break after common abbreviations ("Jan.", "Gen.",
    "U.S.") so that dates and titles stay inside their sentence.
    """
    spans: list[tuple[int, int]] = []
    start = 0
    for m in _SENTENCE_END.finditer(text):
        candidate = text[start : m.start()]
        if "\n" not in m.group(0) and _ABBREV.search(candidate):
            continue
        if candidate.strip():
            spans.append(_trim(text, start, m.start()))
        start = m.end()
    if text[start:].strip():
        spans.append(_trim(text, start, len(text)))
    return spans


def _trim(text: str, start: int, end: int) -> tuple[int, int]:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end

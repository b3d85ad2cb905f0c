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
from collections.abc import Callable, Sequence
from typing import TypeVar

from rapidfuzz import fuzz

from extractor.pipeline.numbers import supports_value
from extractor.schema import (
    Actor,
    ArticleExtraction,
    Count,
    Diagnostic,
    Event,
    Place,
    Span,
)
from extractor.text import FoldedText, fold

_Named = TypeVar("_Named", Place, Actor)
_Item = TypeVar("_Item", Event, Place, Actor, Count)

FUZZY_THRESHOLD = 90.0
"""Minimum rapidfuzz partial-ratio for a quote to count as found (a few characters off)."""


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

    def named(self, path: str, item: _Named) -> _Named | None:
        """A place or actor: its evidence found, and its name in the evidence or the article."""
        found = self.evidence(path, item)
        if found is None:
            return None
        quote, span = found
        if not (_contains(quote, item.name) or _contains(self.article, item.name)):
            kind = "place" if isinstance(item, Place) else "actor"
            self.drop(path, f"{kind} name {item.name!r} is not in the article", item)
            return None
        return item.model_copy(update={"evidence": quote, "span": span})

    def count(self, path: str, count: Count) -> Count | None:
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

    @staticmethod
    def each(
        path: str, items: Sequence[_Item], one: Callable[[str, _Item], _Item | None]
    ) -> list[_Item]:
        """The items ``one`` keeps, each grounded at ``path[i]``."""
        return [g for i, x in enumerate(items) if (g := one(f"{path}[{i}]", x)) is not None]

    def event(self, path: str, event: Event) -> Event | None:
        found = self.evidence(path, event)
        if found is None:
            return None
        quote, span = found
        places = self.each(f"{path}.places", event.places, self.named)
        actors = self.each(f"{path}.actors", event.actors, self.named)
        counts = self.each(f"{path}.counts", event.counts, self.count)
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
    events = g.each("events", extraction.events, g.event)
    return ArticleExtraction(events=events, diagnostics=[*extraction.diagnostics, *g.diagnostics])


def grounding_errors(extraction: ArticleExtraction, article: str) -> list[str]:
    """Explain, in words a model can act on, every item that grounding would drop.

    Used as the validation message of instructor's re-ask.
    """
    return [f"{d.path}: {d.reason}" for d in ground(extraction, article).diagnostics]

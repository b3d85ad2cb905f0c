"""The text utilities every step uses: folding for comparison, sentence splitting, text hashes.

``fold`` keeps a map from each folded character back to the original, so a match found in folded
text is a span of the original; grounding, the strategies and planted-text masking all rely on it.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass

__all__ = ["MAX_SENTENCE_CHARS", "FoldedText", "fold", "sha256", "split_sentences"]

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


@dataclass(frozen=True)
class FoldedText:
    """A text folded for matching, with a map from each folded index back to the original."""

    text: str
    index: tuple[int, ...]


def _clusters(text: str) -> Iterator[tuple[int, int]]:
    """Spans of a base character and the combining marks after it."""
    start = 0
    for i in range(1, len(text) + 1):
        if i == len(text) or not unicodedata.combining(text[i]):
            yield start, i
            start = i


def fold(text: str) -> FoldedText:
    """Fold quote marks and dashes, collapse whitespace, casefold; keep an offset map.

    Each output character keeps the original offset it came from, so a match in the folded text
    maps back to a span of the original. A character is normalised (NFKC) together with the
    combining marks after it, so a decomposed text ("e" + U+0301) folds like a precomposed one
    ("\u00e9"); the last character a cluster folds to maps to the cluster's last offset, so a
    span ending there covers the whole cluster.
    """
    out: list[str] = []
    index: list[int] = []
    prev_space = True
    for start, end in _clusters(text):
        raw = text[start:end]
        ch = unicodedata.normalize("NFKC", raw).translate(_FOLD)
        if not ch:
            continue
        if ch.isspace():
            if prev_space:
                continue
            out.append(" ")
            index.append(start)
            prev_space = True
            continue
        folded = ch.casefold()
        for k, c in enumerate(folded):
            out.append(c)
            # one offset per character where the cluster folds to as many; else first/last
            index.append(
                start + k
                if len(folded) == end - start
                else (end - 1 if k == len(folded) - 1 and k > 0 else start)
            )
        prev_space = False
    while out and out[-1] == " ":
        out.pop()
        index.pop()
    return FoldedText("".join(out), tuple(index))


_SENTENCE_END = re.compile(
    r"(?:(?<=[.!?])|(?<=[.!?][\"'\u201d\u2019)]))\s+(?=[\"'\u201c\u2018(]?[A-Z0-9])|\n+"
)
_ABBREV = re.compile(
    r"\b(?:Jan|Feb|Mar|Apr|Aug|Sept?|Oct|Nov|Dec|Gen|Lt|Col|Capt|Maj|Sgt|Mr|Mrs|"
    r"Dr|St|No|U\.S|U\.K|U\.N|Sen|Rep|Gov|Adm|Cmdr|Pvt|Cpl|Vs|vs|etc)\.$"
)


MAX_SENTENCE_CHARS = 2_000
"""The longest span :func:`split_sentences` returns. A longer run without sentence punctuation
(crawl noise, a table, a text with no full stops) is cut into pieces of at most this many
characters, at whitespace where there is some: one such "sentence" would otherwise become one
request as long as the article, which a server refuses. No gold sentence is half as long."""


def split_sentences(text: str) -> list[tuple[int, int]]:
    """Split an article into sentence spans (start, end), never across a paragraph break.

    A regex splitter tuned for news: it does not break after common abbreviations ("Jan.", "Gen.",
    "U.S.") so that dates and titles stay inside their sentence. No span is longer than
    :data:`MAX_SENTENCE_CHARS`.
    """
    spans: list[tuple[int, int]] = []
    start = 0
    for m in _SENTENCE_END.finditer(text):
        candidate = text[start : m.start()]
        if "\n" not in m.group(0) and _ABBREV.search(candidate):
            continue
        if candidate.strip():
            spans.extend(_bounded(text, *_trim(text, start, m.start())))
        start = m.end()
    if text[start:].strip():
        spans.extend(_bounded(text, *_trim(text, start, len(text))))
    return spans


def _bounded(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """A span cut into pieces of at most MAX_SENTENCE_CHARS, at the last whitespace that fits."""
    pieces: list[tuple[int, int]] = []
    while end - start > MAX_SENTENCE_CHARS:
        limit = start + MAX_SENTENCE_CHARS
        cut = max(text.rfind(" ", start + 1, limit + 1), text.rfind("\t", start + 1, limit + 1))
        cut = cut if cut > start else limit
        pieces.append(_trim(text, start, cut))
        start, _ = _trim(text, cut, end)
    pieces.append((start, end))
    return [p for p in pieces if p[1] > p[0]]


def _trim(text: str, start: int, end: int) -> tuple[int, int]:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end


def sha256(text: str) -> str:
    """sha256 of a text's UTF-8 bytes: how run files, manifests and cache keys name an article."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()

"""The text utilities every step uses: folding for comparison, sentence splitting, text hashes.

``fold`` keeps a map from each folded character back to the original, so a match found in folded
text is a span of the original; grounding, the strategies and planted-text masking all rely on it.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from dataclasses import dataclass

__all__ = ["FoldedText", "fold", "sha256", "split_sentences"]

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


def sha256(text: str) -> str:
    """sha256 of a text's UTF-8 bytes: how run files, manifests and cache keys name an article."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()

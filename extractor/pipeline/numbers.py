"""A deterministic reader of the numbers an article states about people.

It reads digits ("400,000", "1.5 million"), number words ("three million", "twenty-five"), ACLED's
vague words ("dozens" = 12, "tens" = 10, "hundreds" = 100) and the hedge before them ("nearly 30",
"more than 800", "between 10 and 15"). Grounding uses it to check that a count's value is stated in
its evidence; constrained decoding uses it to list the values a model may write.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from extractor.codebook import Qualifier

_UNITS = {
    "zero": 0,
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
    "eleven": 11,
    "twelve": 12,
    "thirteen": 13,
    "fourteen": 14,
    "fifteen": 15,
    "sixteen": 16,
    "seventeen": 17,
    "eighteen": 18,
    "nineteen": 19,
}
_TENS = {
    "twenty": 20,
    "thirty": 30,
    "forty": 40,
    "fifty": 50,
    "sixty": 60,
    "seventy": 70,
    "eighty": 80,
    "ninety": 90,
}
_SCALES = {"hundred": 100, "thousand": 1_000, "million": 1_000_000, "billion": 1_000_000_000}
_SCALE_ABBREV = {"k": 1_000, "m": 1_000_000, "mn": 1_000_000, "bn": 1_000_000_000}

# ACLED's rules for vague quantities: the most conservative reading.
_VAGUE = {
    "tens": 10,
    "dozens": 12,
    "scores": 20,
    "hundreds": 100,
    "thousands": 1_000,
    "tens of thousands": 10_000,
    "hundreds of thousands": 100_000,
    "millions": 1_000_000,
}
# Fixed phrases that name an exact number.
_EXACT_PHRASES = {
    "a dozen": 12,
    "one dozen": 12,
    "half a dozen": 6,
    "a couple of": 2,
    "a score of": 20,
    "a hundred": 100,
    "a thousand": 1_000,
    "a million": 1_000_000,
    "half a million": 500_000,
    "a single": 1,
}

_QUALIFIERS: tuple[tuple[str, Qualifier], ...] = (
    ("more than", Qualifier.AT_LEAST),
    ("over", Qualifier.AT_LEAST),
    ("at least", Qualifier.AT_LEAST),
    ("upwards of", Qualifier.AT_LEAST),
    ("in excess of", Qualifier.AT_LEAST),
    ("no fewer than", Qualifier.AT_LEAST),
    ("no less than", Qualifier.AT_LEAST),
    ("a minimum of", Qualifier.AT_LEAST),
    ("nearly", Qualifier.APPROXIMATE),
    ("almost", Qualifier.APPROXIMATE),
    ("about", Qualifier.APPROXIMATE),
    ("around", Qualifier.APPROXIMATE),
    ("roughly", Qualifier.APPROXIMATE),
    ("approximately", Qualifier.APPROXIMATE),
    ("some", Qualifier.APPROXIMATE),
    ("an estimated", Qualifier.APPROXIMATE),
    ("estimated", Qualifier.APPROXIMATE),
    ("close to", Qualifier.APPROXIMATE),
    ("up to", Qualifier.AT_MOST),
    ("fewer than", Qualifier.AT_MOST),
    ("less than", Qualifier.AT_MOST),
    ("as many as", Qualifier.AT_MOST),
    ("at most", Qualifier.AT_MOST),
    ("no more than", Qualifier.AT_MOST),
    ("under", Qualifier.AT_MOST),
    ("as much as", Qualifier.AT_MOST),
)

_WORD = "|".join(sorted([*_UNITS, *_TENS, *_SCALES, "a", "and"], key=len, reverse=True))
_DIGITS = r"\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?"
_SCALE_WORD = r"(?:\s*(?:hundred|thousand|million|billion)|(?:k|m|mn|bn)\b)"
_NUMBER = (
    rf"(?:(?:{_DIGITS}){_SCALE_WORD}?"
    rf"|(?:{'|'.join(sorted([*_UNITS, *_TENS], key=len, reverse=True))})"
    rf"(?:[\s-]+(?:{_WORD}))*)"
)
_QUAL = "|".join(re.escape(q) for q, _ in sorted(_QUALIFIERS, key=lambda x: -len(x[0])))
_VAGUE_RE = "|".join(re.escape(v) for v in sorted(_VAGUE, key=len, reverse=True))
_EXACT_RE = "|".join(re.escape(v) for v in sorted(_EXACT_PHRASES, key=len, reverse=True))

_PATTERN = re.compile(
    rf"(?P<qual>\b(?:{_QUAL})\s+)?"
    rf"(?:(?:between\s+(?P<blow>{_NUMBER})\s+and\s+(?P<bhigh>{_NUMBER}))"
    rf"|(?P<low>{_NUMBER})\s+to\s+(?P<high>{_NUMBER})(?=\W|$)"
    rf"|(?P<dlow>{_DIGITS})\s*[-\u2013]\s*(?P<dhigh>{_DIGITS})(?![\w-])"
    rf"|(?P<exact>\b(?:{_EXACT_RE})\b)"
    rf"|(?P<vague>\b(?:{_VAGUE_RE})\b)"
    rf"|(?P<num>(?<![\w.]){_NUMBER}(?![\w]|\.\d)))",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class NumberReading:
    """One number phrase found in a text, read as a count would record it."""

    value: int
    qualifier: Qualifier
    vague: bool
    upper: int | None
    start: int
    end: int
    surface: str


def words_to_int(phrase: str) -> int | None:
    """Read an English number phrase ("three million", "twenty-five", "1.5 million", "400,000").

    Returns:
        The integer, or None when the phrase is not a number.
    """
    s = phrase.strip().lower().replace("\u2013", "-")  # en dash
    m = re.fullmatch(rf"({_DIGITS})\s*(hundred|thousand|million|billion|k|m|mn|bn)?", s)
    if m:
        base = float(m.group(1).replace(",", ""))
        scale = m.group(2)
        mult = _SCALES.get(scale or "", 0) or _SCALE_ABBREV.get(scale or "", 1)
        return round(base * mult)
    total, current, seen = 0, 0, False
    for token in re.split(r"[\s-]+", s):
        if token in ("and", "a") and (seen or token == "a"):
            if token == "a":
                current = max(current, 1)
            continue
        if token in _UNITS:
            current += _UNITS[token]
        elif token in _TENS:
            current += _TENS[token]
        elif token == "hundred":
            current = max(current, 1) * 100
        elif token in _SCALES:
            total += max(current, 1) * _SCALES[token]
            current = 0
        else:
            return None
        seen = True
    return total + current if seen else None


def _qualifier(words: str | None) -> Qualifier:
    if not words:
        return Qualifier.EXACT
    key = " ".join(words.lower().split())
    return dict(_QUALIFIERS).get(key, Qualifier.EXACT)


_YEARISH = re.compile(r"^(1[89]\d\d|20\d\d)$")


def read_numbers(text: str) -> list[NumberReading]:
    """Find every number phrase in ``text`` with its reading, in order of appearance.

    Four-digit years (1800-2099 written without separators) are skipped: they are dates.

    Args:
        text: any text, usually an evidence quote or an article.

    Returns:
        The readings, left to right.
    """
    readings: list[NumberReading] = []
    for m in _PATTERN.finditer(text):
        qual = _qualifier(m.group("qual"))
        pair = next(
            (
                (lo, hi)
                for lo, hi in (("blow", "bhigh"), ("low", "high"), ("dlow", "dhigh"))
                if m.group(lo) is not None
            ),
            None,
        )
        if pair is not None:
            lo, hi = pair
            low, high = words_to_int(m.group(lo)), words_to_int(m.group(hi))
            if low is None or high is None:
                continue
            if high > low and not (_YEARISH.match(m.group(lo)) or _YEARISH.match(m.group(hi))):
                readings.append(
                    NumberReading(low, Qualifier.RANGE, False, high, m.start(), m.end(), m.group(0))
                )
            else:
                # "2011-2015", "5 to 5": not a range of people; read each side on its own.
                for grp in pair:
                    val = words_to_int(m.group(grp))
                    if val is not None and not _YEARISH.match(m.group(grp)):
                        readings.append(
                            NumberReading(
                                val,
                                Qualifier.EXACT,
                                False,
                                None,
                                m.start(grp),
                                m.end(grp),
                                m.group(grp),
                            )
                        )
            continue
        if m.group("exact") is not None:
            val = _EXACT_PHRASES[m.group("exact").lower()]
            readings.append(NumberReading(val, qual, False, None, m.start(), m.end(), m.group(0)))
            continue
        if m.group("vague") is not None:
            val = _VAGUE[" ".join(m.group("vague").lower().split())]
            readings.append(
                NumberReading(val, Qualifier.AT_LEAST, True, None, m.start(), m.end(), m.group(0))
            )
            continue
        raw = m.group("num")
        if _YEARISH.match(raw):
            continue
        val = words_to_int(raw)
        if val is None:
            continue
        readings.append(NumberReading(val, qual, False, None, m.start(), m.end(), m.group(0)))
    return readings


_SINGULAR = re.compile(r"\b(?:a|an|one|single|lone)\b", re.IGNORECASE)


def supports_value(text: str, value: int, upper: int | None = None) -> NumberReading | None:
    """Return the reading of ``text`` that states ``value`` (and ``upper`` for a range), if any.

    A value of 1 is also supported by a singular article ("a soldier was killed").
    """
    for reading in read_numbers(text):
        if reading.value == value and (upper is None or reading.upper == upper):
            return reading
        if reading.upper is not None and upper is None and value in (reading.value, reading.upper):
            return reading
    if value == 1 and upper is None and (m := _SINGULAR.search(text)):
        return NumberReading(1, Qualifier.EXACT, False, None, m.start(), m.end(), m.group(0))
    return None

"""Place-name folding and parsing for the geocoder: the same keys index the gazetteer and the query.

Three keys, from strict to lenient:

- :func:`fold`: NFKC, diacritics and apostrophes removed, casefolded, punctuation to spaces.
- :func:`name_key`: ``fold`` without Arabic articles (``al-``, ``el``, ``ash`` ..., and the fused
  sun-letter form ``Ezzor``), without generic type words ("governorate", "village"), and without
  spaces ("Yaung Maw" = "Yaungmaw").
- :func:`skeleton`: the consonant skeleton of ``name_key`` (romanisations of one Arabic name differ
  mostly in their vowels: "Latamneh" and "Lataminah" share ``ltmn``).

:func:`parse` turns a name as an article writes it ("eastern countryside of Deir Ezzor",
"Ras al-Ain/Sri Kanye", "outskirts of Idlib") into the base names to look up and a flag for
whether it names the place itself or only its vicinity.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

__all__ = [
    "FEATURE_WORDS",
    "GENERIC_WORDS",
    "ParsedName",
    "fold",
    "keys",
    "name_key",
    "parse",
    "skeleton",
]

_APOSTROPHES = (
    "'\u2018\u2019\u201b\u2032`\u00b4\u02bb\u02bc\u02bd\u02be\u02bf\u02b9\u02c8\u2039\u203a"
)
_SPECIAL = str.maketrans(
    {
        **{c: None for c in _APOSTROPHES},
        "\u00df": "ss",
        "\u00f8": "o",
        "\u00d8": "o",
        "\u0111": "d",
        "\u0110": "d",
        "\u0142": "l",
        "\u0141": "l",
        "\u00e6": "ae",
        "\u00c6": "ae",
        "\u0153": "oe",
        "\u0152": "oe",
        "\u0131": "i",
        "\u00f0": "d",
        "\u00fe": "th",
        "\u0127": "h",
        "\u0126": "h",
    }
)
_NON_WORD = re.compile(r"[^a-z0-9]+")

ARTICLES: frozenset[str] = frozenset(
    {"al", "el", "il", "ul", "ad", "adh", "an", "ar", "as", "ash", "at", "ath", "az", "ed", "en"}
    | {"er", "es", "et", "ez", "ech", "esh", "l", "e", "i", "ye"}
)
"""Arabic article forms (with the sun-letter assimilations) and the Persian ezafe ("Qala-e-Naw",
"Qal'ah-ye Now"), dropped as whole words."""

_FUSED_ARTICLE = re.compile(r"^[ae](?:(?P<c>[dtrzsn])(?=(?P=c)[a-z]{2})|sh(?=sh[a-z]{2}))")
"""A fused, assimilated article: "Ezzor" is "ez-Zor", "Assukhnah" is "as-Sukhnah"."""

GENERIC_WORDS: frozenset[str] = frozenset(
    [
        "town",
        "village",
        "villages",
        "city",
        "province",
        "provinces",
        "governorate",
        "governorates",
        "region",
        "regions",
        "state",
        "states",
        "district",
        "districts",
        "county",
        "municipality",
        "township",
        "division",
        "subdivision",
        "department",
        "prefecture",
        "zone",
        "locality",
        "woreda",
        "barangay",
        "sitio",
        "community",
        "rural",
        "lga",
        "territory",
        "territories",
        "muhafazat",
        "muhafazah",
        "mintaqat",
        "wilayat",
        "wilayah",
        "velayat",
        "provincia",
        "departamento",
        "estado",
        "oblast",
        "the",
        "of",
    ]
)
"""Type words that say what kind of place a name is, not which: dropped from every key."""

_GENERIC_PHRASES = (
    ("local", "government", "area"),
    ("union", "territory"),
    ("sub", "division"),
    ("rural", "community"),
)

NEAR_WORDS: frozenset[str] = frozenset(
    [
        "outskirts",
        "outskirt",
        "countryside",
        "desert",
        "deserts",
        "area",
        "areas",
        "vicinity",
        "suburbs",
        "suburb",
        "near",
        "around",
        "outside",
        "environs",
        "surroundings",
        "farmlands",
        "farms",
        "plains",
        "greater",
        "north",
        "south",
        "east",
        "west",
        "northern",
        "southern",
        "eastern",
        "western",
        "northeast",
        "northwest",
        "southeast",
        "southwest",
        "northeastern",
        "northwestern",
        "southeastern",
        "southwestern",
        "central",
    ]
)
"""Words that put an event near or in part of the named place ("outskirts of X", "X desert")."""

FEATURE_WORDS: frozenset[str] = frozenset(
    [
        "road",
        "highway",
        "street",
        "avenue",
        "bridge",
        "checkpoint",
        "base",
        "market",
        "mosque",
        "church",
        "monastery",
        "hospital",
        "school",
        "camp",
        "farm",
        "field",
        "square",
        "frontline",
        "front",
        "headquarters",
        "headquarter",
        "station",
        "crossing",
        "airport",
        "prison",
        "bank",
        "neighborhood",
        "neighbourhood",
        "borough",
        "sector",
        "refugee",
        "police",
        "military",
        "army",
        "divisional",
        "oil",
        "gas",
        "petrol",
        "border",
        "dam",
        "river",
        "mountain",
        "mountains",
        "range",
        "hill",
        "lake",
        "forest",
        "reserve",
        "valley",
        "basin",
        "triangle",
    ]
)
"""Words naming a site or a natural feature: the gazetteer holds towns, so the rest of the name is
looked up as the town the site is at or near."""

_LEADING = frozenset({"of", "the", "in", "at"})
_LIST_SEPARATOR = re.compile(r",|;|&|\band\b|\bor\b", re.IGNORECASE)
_ALTERNATIVES = re.compile(r"[/()\[\]]")


def fold(s: str) -> str:
    """Fold a name for matching: diacritics, apostrophes, case and punctuation removed.

    Args:
        s: A name in any Latin romanisation ("Kafr Zaytā", "Ma\u2018arrat an Nu\u2018mān").

    Returns:
        Lowercase ASCII words separated by single spaces; letters of other scripts are dropped.
    """
    if s.isascii():
        return _NON_WORD.sub(" ", s.lower()).strip()
    text = unicodedata.normalize("NFKC", s).translate(_SPECIAL)
    text = unicodedata.normalize("NFKD", text)
    text = "".join(c for c in text if not unicodedata.combining(c)).casefold()
    return _NON_WORD.sub(" ", text.encode("ascii", "ignore").decode("ascii")).strip()


_PHRASE_HEADS = frozenset(p[0] for p in _GENERIC_PHRASES)


def _drop_phrases(words: list[str]) -> list[str]:
    if _PHRASE_HEADS.isdisjoint(words):
        return words
    out: list[str] = []
    i = 0
    while i < len(words):
        for phrase in _GENERIC_PHRASES:
            if tuple(words[i : i + len(phrase)]) == phrase:
                i += len(phrase)
                break
        else:
            out.append(words[i])
            i += 1
    return out


def _core_words(folded: str) -> list[str]:
    words = _drop_phrases(folded.split())
    kept: list[str] = []
    for i, word in enumerate(words):
        if word in GENERIC_WORDS:
            continue
        if word in ARTICLES and i + 1 < len(words):
            continue
        if len(word) >= 5:
            word = _FUSED_ARTICLE.sub("", word)
        kept.append(word)
    return kept


@lru_cache(maxsize=1 << 16)
def name_key(s: str) -> str:
    """Return the matching key of a name: folded, articles and type words dropped, no spaces.

    Args:
        s: A name as written ("Al-Latamneh", "Deir ez-Zor governorate").

    Returns:
        The key ("latamneh", "deirzor"); empty when the name holds only generic words.
    """
    return "".join(_core_words(fold(s)))


_DIGRAPHS = (("ph", "f"), ("ou", "u"), ("ee", "i"), ("oo", "u"), ("q", "k"), ("v", "w"))


_DROP_VOWELS = str.maketrans(dict.fromkeys("aeiouyw"))
_DOUBLED = re.compile(r"(.)\1+")


def _word_skeleton(word: str) -> str:
    for old, new in _DIGRAPHS:
        if old in word:
            word = word.replace(old, new)
    for suffix in ("ah", "eh", "a", "e"):
        if word.endswith(suffix) and len(word) > len(suffix) + 1:
            word = word[: -len(suffix)]
            break
    if not word:
        return word
    first = "a" if word[0] in "aeiou" else word[0]
    return _DOUBLED.sub(r"\1", first + word[1:].translate(_DROP_VOWELS))


@lru_cache(maxsize=1 << 16)
def skeleton(s: str) -> str:
    """Return the consonant skeleton of a name, the lenient key for romanisation variants.

    Per word of the key: common spelling variants unified (``ou``/``u``, ``q``/``k``, ``v``/``w``),
    a final ``-ah``/``-eh``/``-a``/``-e`` dropped, later vowels (``aeiouyw``) dropped, an initial
    vowel written ``a``, doubled letters merged.

    Args:
        s: A name as written.

    Returns:
        The skeleton ("Khan Sheikhun" and "Khān Shaykhūn" both give ``khnshkhn``).
    """
    return "".join(_word_skeleton(w) for w in _core_words(fold(s)))


def keys(s: str, memo: dict[str, str] | None = None) -> tuple[str, str]:
    """Return ``(name_key(s), skeleton(s))`` at once, uncached (for building an index).

    Args:
        s: A name as written.
        memo: A dict the caller keeps to reuse word skeletons across many names (an index
            build computes 1.5 million keys from far fewer distinct words).

    Returns:
        The strict key and the skeleton.
    """
    words = _core_words(fold(s))
    if memo is None:
        return "".join(words), "".join(_word_skeleton(w) for w in words)
    parts: list[str] = []
    for w in words:
        skel = memo.get(w)
        if skel is None:
            skel = memo[w] = _word_skeleton(w)
        parts.append(skel)
    return "".join(words), "".join(parts)


@dataclass(frozen=True)
class ParsedName:
    """What a name as written asks the gazetteer for.

    Attributes:
        bases: Base names to look up, best first (the whole name, then its alternatives
            "A/B" and "A (B)", then the name without vicinity or feature words).
        near: For each base, True when the name puts the event only near or in part of it
            ("outskirts of X", "X countryside", "market of X").
        parts: When the name lists several places ("Homs, Hama and Deir Ezzor"), each of them.
    """

    bases: tuple[str, ...]
    near: tuple[bool, ...]
    parts: tuple[str, ...] = ()


def _strip_words(folded: str, drop: frozenset[str]) -> str:
    words = [w for w in folded.split() if w not in drop]
    while words and words[0] in _LEADING:
        words.pop(0)
    return " ".join(words)


def parse(name: str) -> ParsedName:
    """Split a name as an article writes it into the base names to look up.

    Args:
        name: The place name ("outskirts of Idlib", "Abu Raseen (Zarkan)", "Daraa province").

    Returns:
        The bases, best first, each flagged ``near`` when the name does not name the place itself;
        ``parts`` when the name is a list of places.
    """
    bases: list[str] = []
    near: list[bool] = []

    def add(text: str, is_near: bool) -> None:
        text = text.strip()
        if text and name_key(text) and text not in bases:
            bases.append(text)
            near.append(is_near)

    whole = name.strip()
    alternatives = [whole] + [p for p in _ALTERNATIVES.split(whole) if p.strip()]
    for alt in alternatives:
        add(fold(alt), False)
    for alt in alternatives:
        folded = fold(alt)
        add(_strip_words(folded, NEAR_WORDS), True)
        add(_strip_words(folded, FEATURE_WORDS), True)
        add(_strip_words(folded, NEAR_WORDS | FEATURE_WORDS), True)
    pieces = [p.strip() for p in _LIST_SEPARATOR.split(whole) if p.strip()]
    parts = tuple(pieces) if len(pieces) > 1 else ()
    return ParsedName(bases=tuple(bases), near=tuple(near), parts=parts)

"""Name normalisation for matching actors and places (SCORING.md §2).

Two pure functions: :func:`norm`, the STRICT key, and :func:`skeleton`, the LENIENT key for places
and actors. Both are cached: a corpus repeats the same few hundred names many thousand times.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

__all__ = ["ADMIN_WORDS", "admin_words", "norm", "skeleton", "tokens"]

# Spec step 2 names U+02BF, U+02BE, the ASCII apostrophe and U+2019; U+2018, U+02BC, the grave
# and acute accents are the same mark typed differently.
_APOSTROPHES = {ord(c): None for c in "\u02bf\u02be'\u2019\u2018\u02bc`\u00b4"}
# Dash look-alikes (U+2010-U+2014, U+2212) become "-" first, so "al" + U+2010 + "Zakat" loses its
# article too.
_DASHES = {ord(c): "-" for c in "\u2010\u2011\u2012\u2013\u2014\u2212"}
# Spec step 3. Matched on the hyphenated form, before step 2 turns the hyphen into a space.
_ARTICLE = re.compile(r"\b(?:al|el|ad|an|ar|as|ash|at|ath|az)-(?=\w)")
_PUNCT = re.compile(r"[^\w\s]|_")

ADMIN_WORDS: frozenset[str] = frozenset(
    {"province", "governorate", "district", "region", "town", "village", "city"}
)
"""Generic administrative words that ``norm`` drops: the admin level is an attribute, not a name."""

_DROPPED: frozenset[str] = ADMIN_WORDS | {"al", "el", "the"}
_VOWELS = frozenset("aeiouyw")
_FINAL_SUFFIXES = ("ah", "eh", "a")


def _fold(s: str) -> str:
    decomposed = unicodedata.normalize("NFKD", s)
    stripped = "".join(c for c in decomposed if not unicodedata.combining(c))
    folded = stripped.casefold().translate(_APOSTROPHES).translate(_DASHES)
    return _PUNCT.sub(" ", _ARTICLE.sub("", folded))


@lru_cache(maxsize=65536)
def norm(s: str) -> str:
    """Normalise a name for STRICT comparison, as SCORING.md §2 specifies.

    Steps: NFKD and drop combining marks; casefold; delete the apostrophes (ayn U+02BF, hamza
    U+02BE, ASCII ' and U+2019, and the look-alikes U+2018, U+02BC, grave and acute); strip the
    Arabic article from hyphenated tokens (``al-``, ``el-`` and the sun-letter forms
    ``ad- an- ar- as- ash- at- ath- az-``); turn every other punctuation mark into a space; drop
    the standalone tokens ``al``, ``el``, ``the`` and the generic admin words
    (:data:`ADMIN_WORDS`); collapse whitespace.

    Decision: the sun-letter forms are stripped only when written with a hyphen ("az-Zakat"), since
    a standalone "an", "as" or "at" is far more often an English word than an article.

    Args:
        s: A place or actor name as written.

    Returns:
        The normalised name; empty when nothing but generic words is left ("the region").
    """
    return " ".join(t for t in _fold(s).split() if t not in _DROPPED)


def tokens(s: str) -> tuple[str, ...]:
    """Split a name into its normalised tokens.

    Args:
        s: A name as written.

    Returns:
        The tokens of ``norm(s)``.
    """
    return tuple(norm(s).split())


def admin_words(s: str) -> tuple[str, ...]:
    """Return the admin words that ``norm`` drops from a name, e.g. ``("province",)``.

    Args:
        s: A place name as written.

    Returns:
        The admin words in the order they occur, so a caller can keep the level as an attribute.
    """
    return tuple(t for t in _fold(s).split() if t in ADMIN_WORDS)


def _token_skeleton(token: str) -> str:
    for suffix in _FINAL_SUFFIXES:
        if token.endswith(suffix) and len(token) > len(suffix):
            token = token[: -len(suffix)]
            break
    letters = token[0] + "".join(c for c in token[1:] if c not in _VOWELS)
    merged = [letters[0]]
    for c in letters[1:]:
        if c != merged[-1]:
            merged.append(c)
    return "".join(merged)


@lru_cache(maxsize=65536)
def skeleton(s: str) -> str:
    """Return the consonant skeleton of a name, the LENIENT key of SCORING.md §2.

    Per token of ``norm(s)``: drop a final ``-ah``/``-eh``/``-a`` (never the whole token), keep the
    first letter, drop the later vowels ``aeiouyw``, then merge doubled letters. Romanisations of
    one Arabic name differ mostly in their vowels, so "al-Lataminah" and "Al-Latamneh" share
    ``ltmn`` while "Kafr Sita" (``kfr st``) and "Kafr Zita" (``kfr zt``) stay apart.

    Decision: the final suffix is dropped first, on the vowelled token (once the vowels are gone,
    "-ah" could no longer be recognised), and doubled letters are merged last, as listed.

    Args:
        s: A name as written (it is normalised first).

    Returns:
        Space-separated token skeletons; two names with equal skeletons have equal token counts.
    """
    return " ".join(_token_skeleton(t) for t in norm(s).split())

"""Read an article's geographic context: the countries and provinces it names."""

from __future__ import annotations

import re
from collections import Counter

from rapidfuzz import fuzz

from extractor.geo.gazetteer import Admin1, Gazetteer, default_gazetteer
from extractor.geo.model import GeoContext
from extractor.geo.names import keys

__all__ = ["context_from_text"]

_WORD = re.compile(r"[^\W\d_]+(?:['\u2019\u2018][^\W\d_]+)*")
_POSSESSIVE = re.compile(r"['\u2019]s$")
_MAX_WORDS = 4
_ADMIN_WORDS = frozenset(
    {"county", "state", "province", "region", "governorate", "department", "prefecture", "oblast"}
)
_LOOSE_SKELETON = 4
_LOOSE_RATIO = 75.0


def _spans(text: str) -> list[tuple[str, bool]]:
    """The words of a text with whether each is capitalised; a possessive "'s" is dropped."""
    out: list[tuple[str, bool]] = []
    for m in _WORD.finditer(text):
        word = _POSSESSIVE.sub("", m.group())
        out.append((word, word[0].isupper()))
    return out


def _loose_admin1(
    g: Gazetteer, run: list[tuple[str, bool]], countries: Counter[str]
) -> list[Admin1]:
    """Admin1 areas of the found countries whose skeleton and spelling are close ("Qunaitara")."""
    key, skel = keys(" ".join(w for w, _ in run))
    if len(skel) < _LOOSE_SKELETON:
        return []
    return [
        g.admin1[j]
        for j in g.admin1_index.lenient.get(skel, ())
        if g.admin1[j].country_code in countries
        and fuzz.ratio(key, keys(g.admin1[j].name)[0]) >= _LOOSE_RATIO
    ]


def _countries_of_unique_admin1(g: Gazetteer, words: list[tuple[str, bool]]) -> Counter[str]:
    """Countries for an article that names none, from its admin1 names found in one country only.

    One such name written as an admin area ("Mandera County", "Oyo State") or two different ones
    agreeing ("Sonora" and "Zacatecas") decide. A bare "Bali" or "Mao" is a town as often as a
    province, and decides nothing.
    """
    named: Counter[str] = Counter()
    distinct: dict[str, set[str]] = {}
    for i in range(len(words)):
        if not words[i][1]:
            continue
        for n in range(min(_MAX_WORDS, len(words) - i), 0, -1):
            run = [w for w, _ in words[i : i + n]]
            key = keys(" ".join(run))[0]
            codes = {g.admin1[j].country_code for j in g.admin1_index.exact.get(key, ())}
            if codes:
                if len(codes) == 1:
                    cc = codes.pop()
                    distinct.setdefault(cc, set()).add(key)
                    after = words[i + n][0].casefold() if i + n < len(words) else ""
                    if after in _ADMIN_WORDS or run[-1].casefold() in _ADMIN_WORDS:
                        named[cc] += 1
                break
    for cc, found in distinct.items():
        if len(found) >= 2:
            named[cc] += len(found)
    return named


def context_from_text(
    text: str, *, places: tuple[str, ...] = (), gazetteer: Gazetteer | None = None
) -> GeoContext:
    """Collect the countries (names and demonyms: "Syrian") and admin1 areas an article names.

    Only capitalised word runs count ("Lagos" the state, not "plateau" the word). Admin1 names
    are looked for only within the countries found, since bare province names ("Centre", "Delta")
    are ambiguous worldwide; an article that names no country gets the countries of the admin1
    names it uses that exist in a single country.

    Args:
        text: The article text (title included if wanted).
        places: The other places of the event, passed through to the context.
        gazetteer: The gazetteer to use; the installed packages' one by default.

    Returns:
        A context with the countries (ISO codes, most mentioned first) and admin1 areas (as
        ``CC.code`` ids) the text names.
    """
    g = gazetteer if gazetteer is not None else default_gazetteer()
    words = _spans(text)
    countries: Counter[str] = Counter()
    used: set[int] = set()
    i = 0
    while i < len(words):
        found = False
        if words[i][1]:
            for n in range(min(_MAX_WORDS, len(words) - i), 0, -1):
                key = keys(" ".join(w for w, _ in words[i : i + n]))[0]
                codes = {g.countries[j].code for j in g.country_index.exact.get(key, ())}
                if key in g.demonyms:
                    codes.add(g.countries[g.demonyms[key]].code)
                if len(codes) == 1:
                    countries[codes.pop()] += 1
                    used.update(range(i, i + n))
                    i += n
                    found = True
                    break
        if not found:
            i += 1
    if not countries:
        countries = _countries_of_unique_admin1(g, words)
    areas: Counter[str] = Counter()
    if countries:
        for i in range(len(words)):
            if i in used or not words[i][1]:
                continue
            for n in range(min(_MAX_WORDS, len(words) - i), 0, -1):
                key = keys(" ".join(w for w, _ in words[i : i + n]))[0]
                hits = [
                    g.admin1[j]
                    for j in g.admin1_index.exact.get(key, ())
                    if g.admin1[j].country_code in countries
                ] or _loose_admin1(g, words[i : i + n], countries)
                if hits:
                    for area in hits:
                        areas[f"{area.country_code}.{area.code}"] += 1
                    break
    return GeoContext(
        countries=tuple(c for c, _ in countries.most_common()),
        admin1=tuple(a for a, _ in areas.most_common()),
        places=places,
    )

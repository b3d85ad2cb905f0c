"""What the context says about where a name is: the countries and provinces that confirm a match.

From a :class:`GeoContext` (countries and provinces the article names, the event's other places):
the ISO codes and admin1 areas named, and how the event's other places vote. A country is
*strong* when a good share of the other places lie in it (two of them, or one that names a
province there); the provinces the other places name themselves are kept too.
"""

from __future__ import annotations

from dataclasses import dataclass

from rapidfuzz import fuzz

from extractor.geo.gazetteer import Gazetteer
from extractor.geo.model import GeoContext
from extractor.geo.names import keys, parse

__all__ = ["LENIENT_RATIO", "Evidence", "resolve_context"]

LENIENT_RATIO = 65.0
"""A skeleton match counts only if its spelling is this close (rapidfuzz ratio) to the entry's
own name: "Lataminah" and "Latamneh" are (82), "Lataminah" and "Rethymno" are not."""

_STRONG_VOTE = 0.25
"""Share of the event's other places (split among their candidate countries) that makes a
country confirming; it also takes two of those places, or one that names a province there."""


@dataclass(frozen=True, slots=True)
class Evidence:
    """A context resolved against the gazetteer."""

    countries: frozenset[str]
    """ISO codes of the countries the context names."""
    admin1: frozenset[tuple[str, str]]
    """(country, admin1 code) of the provinces the context names."""
    country_votes: dict[str, float]
    """Share of the event's other places in each country (each place's vote split evenly)."""
    admin1_votes: dict[tuple[str, str], float]
    """Share of the event's other places in each admin1 area."""
    strong: frozenset[str] = frozenset()
    """Countries a good share of the event's other places lie in."""
    provinces: frozenset[tuple[str, str]] = frozenset()
    """Admin1 areas the event's other places name themselves ("Homs Governorate")."""
    primary: str | None = None
    """The first country the context names (``context_from_text`` lists the most named first)."""


def _country_codes(g: Gazetteer, name: str) -> set[str]:
    if len(name) == 2 and name.isupper() and name in g.country_by_code:
        return {name}
    out: set[str] = set()
    for base in parse(name).bases[:3]:
        key = keys(base)[0]
        out |= {g.countries[i].code for i in g.country_index.exact.get(key, ())}
        if key in g.demonyms:
            out.add(g.countries[g.demonyms[key]].code)
        if out:
            break
    return out


def _admin1_areas(g: Gazetteer, name: str, countries: frozenset[str]) -> set[tuple[str, str]]:
    if "." in name:  # "SY.10"
        cc, _, code = name.partition(".")
        return {(cc, code)} if (cc, code) in g.admin1_by_code else set()
    out: set[tuple[str, str]] = set()
    for base in parse(name).bases[:2]:
        for i in g.admin1_index.exact.get(keys(base)[0], ()):
            area = g.admin1[i]
            if not countries or area.country_code in countries:
                out.add((area.country_code, area.code))
        if out:
            break
    return out


def _areas_of(g: Gazetteer, name: str, countries: frozenset[str]) -> dict[tuple[str, str], bool]:
    """Every (country, admin1) an exact match of ``name`` lies in.

    True where the name is that admin1 area itself. Failing an exact match, the admin1 areas of
    ``countries`` whose skeleton and spelling are close ("al-Qunaitara").
    """
    parsed = parse(name)
    out: dict[tuple[str, str], bool] = {}
    for base in parsed.bases[:2]:
        key = keys(base)[0]
        for i in g.place_index.exact.get(key, ()):
            out.setdefault((g.places[i].country_code, g.places[i].admin1_code), False)
        for i in g.admin1_index.exact.get(key, ()):
            out[(g.admin1[i].country_code, g.admin1[i].code)] = True
        if out:
            return out
    if countries:
        for base in parsed.bases[:2]:
            key, skel = keys(base)
            for i in g.admin1_index.lenient.get(skel, ()):
                area = g.admin1[i]
                if (
                    area.country_code in countries
                    and fuzz.ratio(key, keys(area.name)[0]) >= LENIENT_RATIO
                ):
                    out[(area.country_code, area.code)] = True
    return out


def resolve_context(g: Gazetteer, context: GeoContext | None, name: str) -> Evidence:
    """Resolve a context's names against the gazetteer.

    Args:
        g: The gazetteer.
        context: The context given to :func:`~extractor.geo.geocode`, or None.
        name: The name being geocoded (other places with the same key do not vote).

    Returns:
        The evidence: named countries and provinces, and the event's places' votes.
    """
    if context is None:
        return Evidence(frozenset(), frozenset(), {}, {})
    ordered = [c for n in context.countries for c in sorted(_country_codes(g, n))]
    countries = frozenset(ordered)
    admin1 = frozenset(a for n in context.admin1 for a in _admin1_areas(g, n, countries))
    country_votes: dict[str, float] = {}
    admin1_votes: dict[tuple[str, str], float] = {}
    support: dict[str, int] = {}
    provinces: set[tuple[str, str]] = set()
    others = [p for p in dict.fromkeys(context.places) if keys(p)[0] != keys(name)[0]]
    for other in others:
        found = _areas_of(g, other, countries)
        areas = set(found)
        if countries:  # a name found in the article's countries votes only there
            areas = {a for a in areas if a[0] in countries} or areas
        if not areas:
            continue
        ccs = {a[0] for a in areas}
        weight = 2 if any(found[a] for a in areas) else 1
        named = [a for a in areas if found[a]]
        if len(named) == 1:
            provinces.add(named[0])
        for cc in ccs:
            support[cc] = support.get(cc, 0) + weight
            country_votes[cc] = country_votes.get(cc, 0.0) + 1.0 / len(ccs) / len(others)
        for area in areas:
            admin1_votes[area] = admin1_votes.get(area, 0.0) + 1.0 / len(areas) / len(others)
    top = max(country_votes.values(), default=0.0)
    strong = frozenset(
        c
        for c, v in country_votes.items()
        if v >= _STRONG_VOTE and v >= top / 2 and support.get(c, 0) >= 2
    )
    primary = ordered[0] if ordered else None
    return Evidence(
        countries, admin1, country_votes, admin1_votes, strong, frozenset(provinces), primary
    )

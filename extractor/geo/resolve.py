"""Resolve one place name to a gazetteer entry: look up, disambiguate by context, set precision.

Order of preference, as the issue asks: the article's country, then its province, then the other
places of the event, then population. Each candidate's score adds up:

- how the name matched: 1.0 the entry's own name, 0.9 one of its alternate names, 0.5-0.8 only
  the consonant skeleton (scaled by how close the spellings are);
- what the article calls the place (``kind``): a "province" prefers an admin1 area, a "town" a
  populated place, a "district" an admin2 area (:data:`_PRIOR`);
- +3 when its country is one the article names, +2 when its admin1 is;
- up to +1.5 when the event's other places lie in its country, +1 more when most do, and up
  to +1 when they lie in its admin1;
- 0.4 per decade of population (an area counts its largest place).

The best candidate is placed unless another one that is neither inside it nor containing it (nor
within 10 km) scores within :data:`MARGIN`: then the name is ambiguous and both are kept.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass

from rapidfuzz import fuzz

from extractor.geo.evidence import LENIENT_RATIO, Evidence, resolve_context
from extractor.geo.gazetteer import Gazetteer, default_gazetteer
from extractor.geo.model import (
    Candidate,
    Feature,
    GeoContext,
    GeoPrecision,
    GeoResult,
    GeoStatus,
)
from extractor.geo.names import keys, parse
from extractor.geo.records import KeyIndex

__all__ = ["MARGIN", "geocode"]

MARGIN = 0.5
"""Least score lead over every conflicting candidate for a name to be placed."""

_PER_DECADE = 0.4
"""Score per tenfold population: alone, a place 20 times larger than its namesake wins."""


_MAX_CANDIDATES = 5
_SAME_PLACE_KM = 10.0
_BIG_CITY = 100_000
"""Out of the confirming countries, only places this large are candidates (capitals, big cities);
half this size in a country the article names."""

_CITY_KINDS = frozenset({"city", "town", "other"})

_SMALL_PLACE = 50_000
"""A place this small, outside the provinces its event names, is taken for a namesake."""


_PRIOR: dict[str, dict[Feature, float]] = {
    "village": {"place": 1.0, "admin2": 0.3, "admin1": 0.2, "country": -9.0},
    "town": {"place": 1.0, "admin2": 0.3, "admin1": 0.2, "country": -9.0},
    "city": {"place": 1.0, "admin2": 0.3, "admin1": 0.2, "country": -9.0},
    "district": {"place": 0.6, "admin2": 1.0, "admin1": 0.2, "country": -9.0},
    "province": {"place": 0.3, "admin2": 0.4, "admin1": 1.0, "country": 0.0},
    "country": {"place": -9.0, "admin2": -9.0, "admin1": 0.3, "country": 1.0},
    "region": {"place": 0.6, "admin2": 0.6, "admin1": 0.8, "country": 0.7},
    "facility": {"place": 0.8, "admin2": 0.3, "admin1": 0.2, "country": -9.0},
    "other": {"place": 0.8, "admin2": 0.3, "admin1": 0.2, "country": 0.0},
}


@dataclass(frozen=True, slots=True)
class _Hit:
    feature: Feature
    index: int
    match: float
    base: str
    near: bool
    score: float = 0.0


def _entry_keys(g: Gazetteer, feature: Feature, index: int) -> tuple[str, str, str | None, int]:
    """(name, country code, admin1 code, population) of an entry."""
    if feature == "place":
        p = g.places[index]
        return p.name, p.country_code, p.admin1_code, p.population
    if feature == "admin1":
        a = g.admin1[index]
        return a.name, a.country_code, a.code, a.population
    if feature == "admin2":
        d = g.admin2[index]
        return d.name, d.country_code, d.admin1_code, d.population
    c = g.countries[index]
    return c.name, c.code, None, c.population


def _lookup(g: Gazetteer, base: str, near: bool, *, lenient: bool) -> list[_Hit]:
    key, skel = keys(base)
    hits: list[_Hit] = []
    tables: tuple[tuple[Feature, KeyIndex], ...] = (
        ("place", g.place_index),
        ("admin1", g.admin1_index),
        ("admin2", g.admin2_index),
        ("country", g.country_index),
    )
    for feature, index in tables:
        found = index.lenient.get(skel, ()) if lenient else index.exact.get(key, ())
        for i in found:
            own = keys(_entry_keys(g, feature, i)[0])[0]
            if lenient:
                ratio = fuzz.ratio(key, own)
                if ratio < LENIENT_RATIO:
                    continue
                match = 0.5 + 0.3 * ratio / 100.0
            else:
                match = 1.0 if own == key else 0.9
            hits.append(_Hit(feature, i, match, base, near))
    if not lenient and key in g.demonyms:
        hits.append(_Hit("country", g.demonyms[key], 0.8, base, near))
    return hits


def _score(g: Gazetteer, hit: _Hit, kind: str, ctx: Evidence) -> float:
    _, cc, a1, population = _entry_keys(g, hit.feature, hit.index)
    score = hit.match + _PRIOR.get(kind, _PRIOR["other"])[hit.feature]
    if cc in ctx.countries:
        score += 3.0
    if a1 is not None and (cc, a1) in ctx.admin1:
        score += 2.0
    score += 1.5 * min(1.0, ctx.country_votes.get(cc, 0.0)) + (1.0 if cc in ctx.strong else 0.0)
    if a1 is not None:
        score += min(1.0, ctx.admin1_votes.get((cc, a1), 0.0))
    return score + _PER_DECADE * math.log10(population + 10)


def _allowed(g: Gazetteer, hit: _Hit, kind: str, ctx: Evidence) -> bool:
    """Whether the context lets a match count.

    The countries that confirm a match are those most of the event's other places lie in
    (``strong``), or failing them those the article names. A loose (skeleton) match counts only
    in a strong country or, failing one, the context's first: unconfirmed, "Al-Latamneh" would
    land on "La Timone" in Marseille, and "Launglone" (Myanmar) on "Lianglin" in an article that
    mentions China.
    An exact match counts in a confirming country; elsewhere only for a large city (a capital
    mentioned in passing). Articles name foreign actors' countries, so the event's places outrank
    them: an article about Daraa that mentions Iran must not put the village "Maaraba" at Iran's
    "Mārāb". With no country in the context at all, every exact match counts.
    """
    if hit.feature == "country":
        return True
    _, cc, _, population = _entry_keys(g, hit.feature, hit.index)
    if cc in ctx.strong:
        return True
    if hit.match < 0.9:
        return not ctx.strong and cc == ctx.primary
    if not ctx.strong and (not ctx.countries or cc in ctx.countries):
        return True
    big = _BIG_CITY if cc not in ctx.countries else _BIG_CITY // 2
    return hit.feature == "place" and kind in _CITY_KINDS and population >= big


def _point(g: Gazetteer, feature: Feature, index: int) -> tuple[float | None, float | None]:
    if feature == "place":
        return g.places[index].latitude, g.places[index].longitude
    if feature == "admin1":
        return g.admin1[index].latitude, g.admin1[index].longitude
    if feature == "admin2":
        return g.admin2[index].latitude, g.admin2[index].longitude
    return g.countries[index].latitude, g.countries[index].longitude


def _km(a: tuple[float | None, float | None], b: tuple[float | None, float | None]) -> float:
    if a[0] is None or a[1] is None or b[0] is None or b[1] is None:
        return math.inf
    p1, p2 = math.radians(a[0]), math.radians(b[0])
    dl = math.radians(b[1] - a[1])
    h = math.sin((p2 - p1) / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * 6371.0088 * math.asin(min(1.0, math.sqrt(h)))


_LEVEL: dict[Feature, int] = {"country": 0, "admin1": 1, "admin2": 2, "place": 3}


def _compatible(g: Gazetteer, a: _Hit, b: _Hit) -> bool:
    """True when one entry lies inside the other, or both are (nearly) the same point."""
    if (a.feature, a.index) == (b.feature, b.index):
        return True
    _, cc_a, a1_a, _ = _entry_keys(g, a.feature, a.index)
    _, cc_b, a1_b, _ = _entry_keys(g, b.feature, b.index)
    if cc_a != cc_b:
        return False
    outer, inner = (a, b) if _LEVEL[a.feature] <= _LEVEL[b.feature] else (b, a)
    if outer.feature == "country":
        return True
    if outer.feature == "admin1" and inner.feature != "admin1":
        return a1_a == a1_b
    if outer.feature == "admin2" and inner.feature == "place":
        district = g.admin2[outer.index]
        return g.places[inner.index].admin2 == district.name or (
            a1_a == a1_b and _km(_point(g, a.feature, a.index), _point(g, b.feature, b.index)) < 25
        )
    return _km(_point(g, a.feature, a.index), _point(g, b.feature, b.index)) < _SAME_PLACE_KM


def _contradicted(g: Gazetteer, best: _Hit, ctx: Evidence) -> bool:
    """A small place outside every province the event's places name, in a country they name.

    "Bahloniya" in an event in "western countryside of Homs" is not the Latakia village of that
    name: the village the article means is missing from the gazetteer.
    """
    if best.feature != "place" or not ctx.provinces:
        return False
    p = g.places[best.index]
    same_country = {a for a in ctx.provinces if a[0] == p.country_code}
    return (
        bool(same_country)
        and (p.country_code, p.admin1_code) not in same_country
        and p.population < _SMALL_PLACE
    )


def _candidate(g: Gazetteer, hit: _Hit) -> Candidate:
    name, cc, a1, population = _entry_keys(g, hit.feature, hit.index)
    lat, lon = _point(g, hit.feature, hit.index)
    country = g.country_of(cc)
    area = g.admin1_of(cc, a1) if a1 is not None else None
    admin2 = g.places[hit.index].admin2 if hit.feature == "place" else None
    if hit.feature == "admin2":
        admin2 = name
    if hit.feature == "place":
        gid = f"geonames:{g.places[hit.index].geonameid}"
    elif hit.feature == "admin1":
        entry = g.admin1[hit.index]
        gid = (
            f"iso3166-2:{entry.code}"
            if entry.code == entry.iso_code
            else f"geonames-admin1:{cc}.{a1}"
        )
    elif hit.feature == "admin2":
        gid = f"admin2:{cc}.{a1 or ''}:{name}"
    else:
        gid = f"iso3166-1:{cc}"
    return Candidate(
        gazetteer_id=gid,
        feature=hit.feature,
        name=name,
        country_code=cc,
        country=country.name if country else None,
        admin1=area.name if area else None,
        admin1_code=a1,
        admin2=admin2,
        latitude=lat,
        longitude=lon,
        population=population,
        score=round(hit.score, 3),
    )


def _precision(hit: _Hit, kind: str) -> GeoPrecision:
    if hit.feature in ("admin1", "country"):
        return GeoPrecision.PROVINCE
    if hit.feature == "admin2" or hit.near or kind in ("district", "region"):
        return GeoPrecision.NEAR
    if kind == "province":
        return GeoPrecision.PROVINCE
    return GeoPrecision.TOWN


def _unplaced(name: str, reason: str, matched: str | None = None) -> GeoResult:
    return GeoResult(query=name, status=GeoStatus.UNPLACED, reason=reason, matched=matched)


def _hits(
    g: Gazetteer, bases: Iterable[tuple[str, bool]], kind: str, ctx: Evidence
) -> tuple[list[_Hit], list[_Hit]]:
    """The first base's matches that the context allows, and those it did not allow.

    Exact matches of every base are tried before the lenient (skeleton) ones.
    """
    pairs = list(bases)
    dropped: list[_Hit] = []
    for lenient in (False, True):
        for base, near in pairs:
            found = _lookup(g, base, near, lenient=lenient)
            allowed = [h for h in found if _allowed(g, h, kind, ctx)]
            dropped += [h for h in found if not _allowed(g, h, kind, ctx)]
            if allowed:
                return allowed, dropped
    return [], dropped


# Long (about 85 lines of code under its docstring): one linear decision list, placed -> ambiguous
# -> unplaced, each branch with its own reason; split, the order of the checks would be hidden.
def geocode(
    name: str,
    *,
    kind: str | None = None,
    context: GeoContext | None = None,
    gazetteer: Gazetteer | None = None,
) -> GeoResult:
    """Geocode one place name as an article writes it.

    Args:
        name: The name ("Kafr Zita", "outskirts of Idlib", "Hama province").
        kind: What the article calls it, a ``PlaceKind`` value ("village", "province", ...);
            None is taken as "other".
        context: What the article says around the place (its countries, provinces, the
            event's other places).
        gazetteer: The gazetteer to use; the installed packages' one by default.

    Returns:
        The result: placed (with coordinates and precision), ambiguous (with candidates) or
        unplaced (with the reason).
    """
    if not name or not name.strip():
        return _unplaced(name, "empty name")
    g = gazetteer if gazetteer is not None else default_gazetteer()
    kind_key = str(kind) if kind is not None else "other"
    parsed = parse(name)
    if not parsed.bases:
        return _unplaced(name, "no place name left once generic words are dropped")
    ctx = resolve_context(g, context, name)
    found, dropped = _hits(g, zip(parsed.bases, parsed.near, strict=True), kind_key, ctx)
    if not found:
        if parsed.parts:
            return _unplaced(
                name, f"names several places ({'; '.join(parsed.parts)}): geocode each"
            )
        if dropped:
            seen = sorted(
                {"{} ({})".format(*_entry_keys(g, h.feature, h.index)[:2]) for h in dropped}
            )
            return _unplaced(
                name,
                "no entry in the article's countries; only loose or foreign matches: "
                + ", ".join(seen[:5]),
            )
        return _unplaced(name, "no gazetteer entry matches the name")
    scored = sorted(
        (
            _Hit(h.feature, h.index, h.match, h.base, h.near, _score(g, h, kind_key, ctx))
            for h in found
        ),
        key=lambda h: (-h.score, _LEVEL[h.feature], h.index),
    )
    best = scored[0]
    if best.score < -1.0:
        return _unplaced(name, f"only entries of another kind than {kind_key!r} match", best.base)
    rivals = [h for h in scored[1:] if not _compatible(g, best, h)]
    chosen = _candidate(g, best)
    if _contradicted(g, best, ctx):
        return GeoResult(
            query=name,
            status=GeoStatus.AMBIGUOUS,
            reason=f"the only entry lies in {chosen.admin1}, "
            "not in the province the event's places name",
            matched=best.base,
            country_code=chosen.country_code,
            country=chosen.country,
            candidates=[chosen],
        )
    if rivals and best.score - rivals[0].score < MARGIN:
        shown = [chosen] + [_candidate(g, h) for h in rivals[: _MAX_CANDIDATES - 1]]
        countries = {c.country_code for c in shown}
        areas = {(c.country_code, c.admin1_code) for c in shown}
        one = len(countries) == 1
        return GeoResult(
            query=name,
            status=GeoStatus.AMBIGUOUS,
            reason=f"{len(rivals) + 1} entries fit about equally well",
            matched=best.base,
            country_code=chosen.country_code if one else None,
            country=chosen.country if one else None,
            admin1=chosen.admin1 if one and len(areas) == 1 else None,
            admin1_code=chosen.admin1_code if one and len(areas) == 1 else None,
            candidates=shown,
        )
    return GeoResult(
        query=name,
        status=GeoStatus.PLACED,
        matched=best.base,
        feature=best.feature,
        gazetteer_id=chosen.gazetteer_id,
        name=chosen.name,
        latitude=chosen.latitude,
        longitude=chosen.longitude,
        coordinates=None
        if chosen.latitude is None
        else ("gazetteer" if best.feature == "place" else "centroid"),
        reason=None
        if chosen.latitude is not None
        else "the gazetteer has no coordinates for this area",
        country_code=chosen.country_code,
        country=chosen.country,
        admin1=chosen.admin1,
        admin1_code=chosen.admin1_code,
        admin2=chosen.admin2,
        precision=_precision(best, kind_key),
    )

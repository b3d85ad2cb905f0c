"""The geocoder's rules on a hand-made gazetteer of a few records (no package data, instant)."""

from __future__ import annotations

from typing import Any

import pytest

from extractor.geo import Gazetteer, GeoContext, GeoPrecision, GeoStatus, geocode

SY_PLACES: list[dict[str, Any]] = [
    {
        "geonameid": 1,
        "name": "Al Lat\u0101minah",
        "latitude": 35.32,
        "longitude": 36.62,
        "countrycode": "SY",
        "admin1code": "10",
        "population": 9000,
        "alternatenames": ["Al Lataminah", "Latamina"],
    },
    {
        "geonameid": 2,
        "name": "\u1e28am\u0101h",
        "latitude": 35.13,
        "longitude": 36.75,
        "countrycode": "SY",
        "admin1code": "10",
        "population": 460000,
        "alternatenames": ["Hama", "Hamah"],
    },
    {
        "geonameid": 3,
        "name": "Idlib",
        "latitude": 35.93,
        "longitude": 36.63,
        "countrycode": "SY",
        "admin1code": "12",
        "population": 130000,
        "alternatenames": [],
    },
    {
        "geonameid": 4,
        "name": "Tall Salhab",
        "latitude": 35.55,
        "longitude": 36.38,
        "countrycode": "SY",
        "admin1code": "10",
        "population": 9000,
        "alternatenames": [],
    },
    {
        "geonameid": 5,
        "name": "Tall Salhab",
        "latitude": 33.10,
        "longitude": 36.20,
        "countrycode": "SY",
        "admin1code": "06",
        "population": 8000,
        "alternatenames": [],
    },
    {
        "geonameid": 6,
        "name": "Dar\u2018\u0101",
        "latitude": 32.62,
        "longitude": 36.10,
        "countrycode": "SY",
        "admin1code": "06",
        "population": 97000,
        "alternatenames": ["Daraa"],
    },
    {
        "geonameid": 7,
        "name": "La Timone",
        "latitude": 43.29,
        "longitude": 5.41,
        "countrycode": "FR",
        "admin1code": "93",
        "population": 5000,
        "alternatenames": [],
    },
]
ROWS = [
    {
        "lat": "35.32",
        "lon": "36.62",
        "name": "Al Lataminah",
        "admin1": "Hama",
        "admin2": "Mhardeh",
        "cc": "SY",
    },
    {"lat": "35.13", "lon": "36.75", "name": "Hama", "admin1": "Hama", "admin2": "", "cc": "SY"},
    {"lat": "35.93", "lon": "36.63", "name": "Idlib", "admin1": "Idlib", "admin2": "", "cc": "SY"},
    {"lat": "32.62", "lon": "36.10", "name": "Daraa", "admin1": "Daraa", "admin2": "", "cc": "SY"},
    {
        "lat": "43.29",
        "lon": "5.41",
        "name": "La Timone",
        "admin1": "Provence",
        "admin2": "",
        "cc": "FR",
    },
]
COUNTRIES = [
    {"iso": "SY", "name": "Syria", "variants": ["Syrian Arab Republic"]},
    {"iso": "FR", "name": "France"},
]
SUBDIVISIONS = [
    ("SY", "SY-HM", "\u1e28am\u0101h"),
    ("SY", "SY-ID", "Idlib"),
    ("SY", "SY-DR", "Dar'\u0101"),
    ("SY", "SY-RA", "Ar Raqqah"),
]


@pytest.fixture(scope="module")
def small() -> Gazetteer:
    return Gazetteer.build(SY_PLACES, ROWS, COUNTRIES, SUBDIVISIONS)


SYRIA = GeoContext(countries=("Syria",))

CASES: list[tuple[str, str, str, GeoContext | None, dict[str, Any]]] = [
    (
        "exact alternate",
        "Al Lataminah",
        "town",
        None,
        {
            "status": GeoStatus.PLACED,
            "gazetteer_id": "geonames:1",
            "admin1": "Hama",
            "admin2": "Mhardeh",
            "precision": GeoPrecision.TOWN,
        },
    ),
    (
        "skeleton match confirmed by the country",
        "Al-Latamneh",
        "town",
        SYRIA,
        {"status": GeoStatus.PLACED, "gazetteer_id": "geonames:1", "matched": "al latamneh"},
    ),
    (
        "skeleton match confirmed by the event's places",
        "Al-Latamneh",
        "town",
        GeoContext(places=("Hama countryside", "Hama province")),
        {"status": GeoStatus.PLACED, "gazetteer_id": "geonames:1"},
    ),
    (
        "skeleton match with no country to confirm it",
        "Al-Latamneh",
        "town",
        None,
        {"status": GeoStatus.UNPLACED},
    ),
    (
        "province by the capital's name",
        "Hamah governorate",
        "province",
        None,
        {
            "status": GeoStatus.PLACED,
            "feature": "admin1",
            "gazetteer_id": "geonames-admin1:SY.10",
            "precision": GeoPrecision.PROVINCE,
            "coordinates": "centroid",
        },
    ),
    (
        "province centroid is the mean of its places",
        "Hama",
        "province",
        None,
        {"latitude": 35.33343, "admin1_code": "10"},
    ),
    (
        "city of the same name as the province",
        "Hama city",
        "city",
        None,
        {"feature": "place", "gazetteer_id": "geonames:2", "precision": GeoPrecision.TOWN},
    ),
    (
        "ISO-only province",
        "Ar Raqqah",
        "province",
        None,
        {"status": GeoStatus.PLACED, "gazetteer_id": "iso3166-2:SY-RA", "latitude": None},
    ),
    (
        "two villages of one name: the province decides",
        "Tall Salhab",
        "village",
        GeoContext(countries=("SY",), admin1=("Daraa",)),
        {"status": GeoStatus.PLACED, "gazetteer_id": "geonames:5", "admin1": "Daraa"},
    ),
    (
        "two villages of one name: the event's places decide",
        "Tall Salhab",
        "village",
        GeoContext(places=("Hama",)),
        {"status": GeoStatus.PLACED, "gazetteer_id": "geonames:4"},
    ),
    (
        "two villages of one name, nothing to decide",
        "Tall Salhab",
        "village",
        None,
        {"status": GeoStatus.AMBIGUOUS, "admin1": None, "country_code": "SY"},
    ),
    (
        "outskirts of a city",
        "outskirts of Idlib",
        "town",
        None,
        {"gazetteer_id": "geonames:3", "precision": GeoPrecision.NEAR},
    ),
    (
        "a district named after a town",
        "Idlib district",
        "district",
        None,
        {"gazetteer_id": "geonames:3", "precision": GeoPrecision.NEAR},
    ),
    (
        "country by its official name",
        "Syrian Arab Republic",
        "country",
        None,
        {"gazetteer_id": "iso3166-1:SY", "precision": GeoPrecision.PROVINCE},
    ),
]


@pytest.mark.parametrize(
    ("name", "kind", "context", "expected"),
    [pytest.param(n, k, c, e, id=i) for i, n, k, c, e in CASES],
)
def test_small_gazetteer(
    small: Gazetteer, name: str, kind: str, context: GeoContext | None, expected: dict[str, Any]
) -> None:
    result = geocode(name, kind=kind, context=context, gazetteer=small)
    assert {f: getattr(result, f) for f in expected} == expected, result.model_dump()


def test_ambiguous_candidates_are_both_villages(small: Gazetteer) -> None:
    result = geocode("Tall Salhab", kind="village", gazetteer=small)
    assert sorted(c.gazetteer_id for c in result.candidates) == ["geonames:4", "geonames:5"]


def test_admin_names_come_from_the_joined_table(small: Gazetteer) -> None:
    names = {(a.country_code, a.code): a.name for a in small.admin1}
    assert names[("SY", "10")] == "Hama"
    assert names[("SY", "06")] == "Daraa"
    hama = small.admin1_of("SY", "10")
    assert hama is not None and hama.iso_code == "SY-HM" and "Hamah" in hama.variants

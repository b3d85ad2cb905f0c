"""Geocode the places of an extraction after the fact: one :class:`GeoResult` per place path.

The extraction schema and the pipeline stay as they are; the geocoding is attached where records
are read for output (exports, the review page, ``extractor geocode``). Each place is geocoded with
its article's own context, the one ``benchmarks/geocoding.py`` measures:

- the countries and admin1 areas the article names (:func:`context_from_text` on the title and
  text; without the text, on the extraction's evidence quotes, which are verbatim article text);
- the place's own ``country`` / ``admin1`` fields, first;
- the other places of the same event.

Example::

    geo = geocode_extraction(record.extraction, text=article.text)
    geo["events[0].places[1]"].precision  # GeoPrecision.NEAR for "outskirts of Idlib"
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path

from pydantic import Field, TypeAdapter

from extractor.geo.context import context_from_text
from extractor.geo.gazetteer import Gazetteer, default_gazetteer
from extractor.geo.model import GeoContext, GeoResult
from extractor.geo.resolve import geocode
from extractor.records import ExtractionRecord, atomic_write
from extractor.schema import Article, ArticleExtraction, Event, Place

__all__ = [
    "GEO_MAP",
    "GeoMap",
    "GeocodedRecord",
    "article_context",
    "article_text",
    "geocode_extraction",
    "geocode_records",
    "place_context",
    "place_path",
    "write_geocoded",
]

GeoMap = dict[str, GeoResult]
"""Place path (``events[i].places[j]``) -> its geocoding."""

GEO_MAP: TypeAdapter[GeoMap] = TypeAdapter(GeoMap)
"""Validates and dumps a :data:`GeoMap` (``GEO_MAP.dump_json(geo)``)."""


class GeocodedRecord(ExtractionRecord):
    """An extraction record with the geocoding of every place (``extractor geocode``'s lines).

    A line of this model is still a valid :class:`ExtractionRecord` (that model ignores unknown
    fields), so a geocoded log can be scored, reported and exported like the log it came from.
    """

    geo: GeoMap = Field(default_factory=GeoMap)
    """Place path (``events[i].places[j]``) -> placed, ambiguous or unplaced with the reason;
    empty for a failed article or one without places."""


def place_path(event: int, place: int) -> str:
    """The path of a place in an extraction, as diagnostics write it: ``events[0].places[1]``."""
    return f"events[{event}].places[{place}]"


def article_text(article: Article) -> str:
    """The text an article's context is read from: its title (when it has one) and its text."""
    return f"{article.title}\n{article.text}" if article.title else article.text


def _evidence_text(extraction: ArticleExtraction) -> str:
    quotes: dict[str, None] = {}
    for event in extraction.events:
        quotes[event.evidence] = None
        for item in (*event.places, *event.actors, *event.counts):
            quotes[item.evidence] = None
    return "\n".join(quotes)


def article_context(
    extraction: ArticleExtraction, text: str | None = None, *, gazetteer: Gazetteer | None = None
) -> GeoContext:
    """The countries and admin1 areas an article names.

    Args:
        extraction: The article's extraction; its evidence quotes stand in for a missing text.
        text: The article's title and text (:func:`article_text`), when known.
        gazetteer: The gazetteer to use; the installed packages' one by default.

    Returns:
        The article's context, without places (those are per event: :func:`place_context`).
    """
    source = text if text and text.strip() else _evidence_text(extraction)
    return context_from_text(source, gazetteer=gazetteer)


def place_context(base: GeoContext, event: Event, place: Place) -> GeoContext:
    """One place's context: its own country/admin1 fields, the article's, the event's others.

    Args:
        base: The article's context (:func:`article_context`).
        event: The event the place belongs to.
        place: The place.

    Returns:
        The context :func:`~extractor.geo.geocode` is given for this place.
    """
    return GeoContext(
        countries=(*((place.country,) if place.country else ()), *base.countries),
        admin1=(*((place.admin1,) if place.admin1 else ()), *base.admin1),
        places=tuple(p.name for p in event.places if p.name != place.name),
    )


def geocode_extraction(
    extraction: ArticleExtraction | None,
    *,
    text: str | None = None,
    context: GeoContext | None = None,
    gazetteer: Gazetteer | None = None,
) -> GeoMap:
    """Geocode every place of an extraction with its article's own context.

    Deterministic and offline: the same extraction and text give the same results.

    Args:
        extraction: The extraction (None for a failed article: nothing to geocode).
        text: The article's title and text, when known (else the evidence quotes are read).
        context: The article's context when already read (:func:`article_context`).
        gazetteer: The gazetteer to use; the installed packages' one by default.

    Returns:
        Place path -> result, in event and place order; every place has an entry.
    """
    if extraction is None or not any(e.places for e in extraction.events):
        return {}
    g = gazetteer if gazetteer is not None else default_gazetteer()
    base = context if context is not None else article_context(extraction, text, gazetteer=g)
    out: GeoMap = {}
    for i, event in enumerate(extraction.events):
        for j, place in enumerate(event.places):
            out[place_path(i, j)] = geocode(
                place.name,
                kind=place.kind.value,
                context=place_context(base, event, place),
                gazetteer=g,
            )
    return out


def geocode_records(
    records: Iterable[ExtractionRecord],
    articles: Mapping[str, Article] | None = None,
    *,
    gazetteer: Gazetteer | None = None,
) -> Iterator[GeocodedRecord]:
    """Each record with the geocoding of its places.

    Args:
        records: Extraction records (failed ones come out with an empty ``geo``).
        articles: The articles by id, for their text as context (evidence quotes otherwise).
        gazetteer: The gazetteer to use; the installed packages' one by default.

    Yields:
        One :class:`GeocodedRecord` per record, in order.
    """
    known = articles or {}
    for record in records:
        article = known.get(record.id)
        geo = geocode_extraction(
            record.extraction,
            text=article_text(article) if article is not None else None,
            gazetteer=gazetteer,
        )
        yield GeocodedRecord(**dict(record), geo=geo)


def write_geocoded(records: Iterable[GeocodedRecord], path: Path) -> int:
    """Write geocoded records as JSONL, atomically (all lines or none).

    Returns:
        The number of records written.
    """
    lines = [r.model_dump_json() + "\n" for r in records]
    atomic_write(path, "".join(lines))
    return len(lines)

"""Geocoding attached to extractions after the fact (extractor/geo/attach.py), real gazetteer.

Each place is geocoded with its article's context: the countries and provinces the article text
names (or, without the text, the evidence quotes), the place's own fields, the event's other places.
"""

from __future__ import annotations

import pytest

from extractor.codebook import EventType, PlaceKind, SubEventType
from extractor.geo import GeoPrecision, GeoStatus, default_gazetteer
from extractor.geo.attach import (
    GEO_MAP,
    GeocodedRecord,
    article_text,
    geocode_extraction,
    geocode_records,
    place_path,
    write_geocoded,
)
from extractor.records import ExtractionRecord, RecordMeta, read_records
from extractor.schema import Article, ArticleExtraction, Event, Place


@pytest.fixture(scope="module", autouse=True)
def _gazetteer() -> None:
    default_gazetteer()


def event(evidence: str, *places: tuple[str, PlaceKind], country: str | None = None) -> Event:
    return Event(
        evidence=evidence,
        event_type=EventType.BATTLES,
        sub_event_type=SubEventType.ARMED_CLASH,
        summary="clashes",
        places=[Place(evidence=evidence, name=n, kind=k, country=country) for n, k in places],
    )


def one(extraction: ArticleExtraction, text: str | None = None):
    geo = geocode_extraction(extraction, text=text)
    assert list(geo) == ["events[0].places[0]"]
    return geo["events[0].places[0]"]


def test_outskirts_of_a_city_is_near_it() -> None:
    ex = ArticleExtraction(
        events=[
            event(
                "Clashes erupted on the outskirts of Idlib, in northwest Syria.",
                ("outskirts of Idlib", PlaceKind.CITY),
            )
        ]
    )
    r = one(ex)
    assert (r.status, r.feature, r.matched) == (GeoStatus.PLACED, "place", "idlib")
    assert (r.country_code, r.admin1, r.precision) == ("SY", "Idlib", GeoPrecision.NEAR)
    assert r.latitude is not None and abs(r.latitude - 35.93) < 0.1


def test_a_province_only_is_precision_3() -> None:
    ex = ArticleExtraction(
        events=[
            event("Air strikes hit Hama province in Syria.", ("Hama province", PlaceKind.PROVINCE))
        ]
    )
    r = one(ex)
    assert (r.status, r.feature, r.admin1, r.admin1_code) == (
        GeoStatus.PLACED,
        "admin1",
        "Hama",
        "10",
    )
    assert (r.precision, r.coordinates) == (GeoPrecision.PROVINCE, "centroid")


TRIPOLI = ArticleExtraction(
    events=[event("Clashes broke out in Tripoli on Monday.", ("Tripoli", PlaceKind.CITY))]
)


@pytest.mark.parametrize(
    ("text", "country", "admin1"),
    [
        ("Lebanon: army deploys\nClashes broke out in Tripoli on Monday.", "LB", "Liban-Nord"),
        ("Libyan militias fight\nClashes broke out in Tripoli on Monday.", "LY", "Tripoli"),
    ],
)
def test_same_name_in_two_countries_takes_the_articles_country(
    text: str, country: str, admin1: str
) -> None:
    r = one(TRIPOLI, text)
    assert (r.status, r.feature, r.country_code, r.admin1) == (
        GeoStatus.PLACED,
        "place",
        country,
        admin1,
    )
    assert r.precision is GeoPrecision.TOWN


def test_same_name_without_a_country_stays_ambiguous_with_its_candidates() -> None:
    r = one(TRIPOLI)  # the evidence names no country, and no text is given
    assert r.status is GeoStatus.AMBIGUOUS and r.precision is None and r.latitude is None
    assert {"LY", "LB"} <= {c.country_code for c in r.candidates}


def test_the_places_own_country_field_decides() -> None:
    ex = ArticleExtraction(
        events=[
            event("Clashes broke out in Tripoli.", ("Tripoli", PlaceKind.CITY), country="Libya")
        ]
    )
    assert one(ex).country_code == "LY"


def test_every_place_of_every_event_gets_its_path() -> None:
    text = "Regime forces shelled Kafr Zita and Al-Latamneh in Hama, Syria."
    ex = ArticleExtraction(
        events=[
            event(text, ("Kafr Zita", PlaceKind.TOWN), ("Al-Latamneh", PlaceKind.TOWN)),
            event("No place here."),
            event(text, ("Hama", PlaceKind.PROVINCE)),
        ]
    )
    geo = geocode_extraction(ex)
    assert list(geo) == ["events[0].places[0]", "events[0].places[1]", "events[2].places[0]"]
    kafr, latamneh, hama = geo.values()
    assert (kafr.status, kafr.gazetteer_id, kafr.precision) == (
        GeoStatus.PLACED,
        "geonames:168620",
        GeoPrecision.TOWN,
    )
    assert latamneh.status is GeoStatus.UNPLACED and latamneh.reason  # not in cities500
    assert (hama.feature, hama.precision) == ("admin1", GeoPrecision.PROVINCE)
    assert place_path(2, 0) == "events[2].places[0]"


def test_an_article_without_places_or_events_or_extraction_has_an_empty_map() -> None:
    assert geocode_extraction(ArticleExtraction(events=[event("Talks resumed.")])) == {}
    assert geocode_extraction(ArticleExtraction()) == {}
    assert geocode_extraction(None) == {}


def meta() -> RecordMeta:
    return RecordMeta(
        backend="b", model="m", prompt_id="p", prompt_sha256="0" * 64, schema_sha256="1" * 64,
        strategy="sentence",
    )  # fmt: skip


def test_geocoded_log_round_trips_and_is_still_a_record_log(tmp_path) -> None:
    records = [
        ExtractionRecord(id="a1", extraction=TRIPOLI, meta=meta()),
        ExtractionRecord(id="a2", extraction=None, meta=meta(), error="ExtractionFailed: x"),
    ]
    articles = {"a1": Article(id="a1", title="Lebanon: army deploys", text="Clashes in Tripoli.")}
    assert article_text(articles["a1"]) == "Lebanon: army deploys\nClashes in Tripoli."
    out = tmp_path / "geo.jsonl"
    assert write_geocoded(geocode_records(records, articles), out) == 2
    lines = out.read_text(encoding="utf-8").splitlines()
    back = [GeocodedRecord.model_validate_json(line) for line in lines]
    assert back[0].geo["events[0].places[0]"].country_code == "LB"
    assert back[0].extraction == TRIPOLI and back[1].geo == {} and back[1].error
    # The same lines read as plain records: scoring and reports take a geocoded log as it is.
    assert [r.id for r in read_records(out)] == ["a1", "a2"]
    assert GEO_MAP.validate_json(GEO_MAP.dump_json(back[0].geo)) == back[0].geo

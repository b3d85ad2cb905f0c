"""ACLED / UCDP GED / full exports of events (extractor/geo/export.py, codebooks.py).

One log of hand-written records (real gazetteer): a Hama article with a battle (group and total
death figures from two sources), a massacre of civilians known to the week, and talks with no
place; an article with no events; a failed article; a Lebanese protest known to the month; and a
line that is not a record. Every figure below is worked out by hand from the codebooks' rules.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pandas as pd
import pytest
from PIL import Image
from typer.testing import CliRunner

from extractor.cli import app
from extractor.codebook import (
    ActorRole,
    ActorType,
    CountKind,
    CountScope,
    DatePrecision,
    EventType,
    PlaceKind,
    Qualifier,
    SubEventType,
)
from extractor.geo import default_gazetteer
from extractor.geo.attach import GeocodedRecord
from extractor.geo.basemap import coastlines, country_borders
from extractor.geo.codebooks import ACLED_COLUMNS, PROVENANCE_COLUMNS, UCDP_COLUMNS, killed
from extractor.geo.eventmap import _COLOURS
from extractor.geo.export import (
    DTYPES,
    ExportFormat,
    columns,
    export_events,
    load_source,
    read_export,
)
from extractor.records import ExtractionRecord, RecordMeta
from extractor.schema import (
    Actor,
    Article,
    ArticleExtraction,
    Count,
    Event,
    EventDate,
    Place,
)

STAMP = 1_700_000_000
BATTLE = (
    "Regime forces clashed with HTS in Kafr Zita in Hama province on Wednesday, killing 10 "
    "soldiers and 18 HTS fighters; nearly 30 died in all, a monitor said."
)
TOTAL_2 = "Another monitor put the toll at 25."
MASSACRE = "Gunmen killed dozens of civilians in Hama province last week."
PROTEST = "Residents protested in Tripoli this month and police dispersed them."


@pytest.fixture(scope="module", autouse=True)
def _gazetteer() -> None:
    default_gazetteer()


def actor(name: str, kind: ActorType, role: ActorRole, quote: str) -> Actor:
    return Actor(evidence=quote, name=name, actor_type=kind, role=role)


def count(
    value: int,
    quote: str,
    who: str | None = None,
    *,
    kind: CountKind = CountKind.KILLED,
    qualifier: Qualifier = Qualifier.EXACT,
    scope: CountScope = CountScope.INCIDENT,
    vague: bool = False,
    upper: int | None = None,
) -> Count:
    return Count(
        evidence=quote,
        kind=kind,
        value=value,
        qualifier=qualifier,
        upper=upper,
        who=who,
        scope=scope,
        vague=vague,
    )


def day(d: str) -> EventDate:
    x = dt.date.fromisoformat(d)
    return EventDate(text="on Wednesday", precision=DatePrecision.DAY, start=x, end=x)


HAMA = ArticleExtraction(
    events=[
        Event(
            evidence=BATTLE,
            event_type=EventType.BATTLES,
            sub_event_type=SubEventType.ARMED_CLASH,
            summary="regime forces clash with HTS in Kafr Zita",
            date=day("2019-08-07"),
            places=[
                Place(evidence=BATTLE, name="Hama province", kind=PlaceKind.PROVINCE),
                Place(evidence=BATTLE, name="Kafr Zita", kind=PlaceKind.TOWN),
            ],
            actors=[
                actor("Regime forces", ActorType.STATE_FORCES, ActorRole.PARTICIPANT, BATTLE),
                actor("HTS", ActorType.REBEL_GROUP, ActorRole.PARTICIPANT, BATTLE),
            ],
            counts=[
                count(10, BATTLE, "regime forces"),
                count(18, BATTLE, "HTS fighters"),
                count(30, BATTLE, qualifier=Qualifier.APPROXIMATE),
                count(25, TOTAL_2),
                count(40, BATTLE, kind=CountKind.INJURED),
                count(500, BATTLE, scope=CountScope.CUMULATIVE),
            ],
            reported_by="a monitor",
        ),
        Event(
            evidence=MASSACRE,
            event_type=EventType.VIOLENCE_AGAINST_CIVILIANS,
            sub_event_type=SubEventType.ATTACK,
            summary="gunmen kill civilians in Hama province",
            date=EventDate(
                text="last week",
                precision=DatePrecision.WEEK,
                start=dt.date(2019, 7, 29),
                end=dt.date(2019, 8, 4),
            ),
            places=[Place(evidence=MASSACRE, name="Hama province", kind=PlaceKind.PROVINCE)],
            actors=[
                actor("Gunmen", ActorType.OTHER, ActorRole.INITIATOR, MASSACRE),
                actor("civilians", ActorType.CIVILIANS, ActorRole.TARGET, MASSACRE),
            ],
            counts=[count(12, MASSACRE, "civilians", qualifier=Qualifier.AT_LEAST, vague=True)],
        ),
        Event(
            evidence="Talks resumed.",
            event_type=EventType.STRATEGIC_DEVELOPMENTS,
            sub_event_type=SubEventType.AGREEMENT,
            summary="talks resume",
        ),
    ]
)
LEBANON = ArticleExtraction(
    events=[
        Event(
            evidence=PROTEST,
            event_type=EventType.PROTESTS,
            sub_event_type=SubEventType.PROTEST_WITH_INTERVENTION,
            summary="residents protest in Tripoli",
            date=EventDate(
                text="this month",
                precision=DatePrecision.MONTH,
                start=dt.date(2019, 10, 1),
                end=dt.date(2019, 10, 31),
            ),
            places=[Place(evidence=PROTEST, name="Tripoli", kind=PlaceKind.CITY)],
            actors=[
                actor("Residents", ActorType.CIVILIANS, ActorRole.INITIATOR, PROTEST),
                actor("police", ActorType.STATE_FORCES, ActorRole.TARGET, PROTEST),
            ],
        )
    ]
)
ARTICLES = [
    Article(id="hama", title="Syria: clashes in Hama", text=f"{BATTLE} {TOTAL_2} {MASSACRE}"),
    Article(
        id="leb",
        title="Lebanon protests",
        text=f"Beirut, Lebanon: {PROTEST}",  # `--articles` reads no title: the text names it too
        publisher="L'Orient",
        published=dt.date(2019, 10, 31),
    ),
]


def meta() -> RecordMeta:
    return RecordMeta(
        backend="b", model="m", prompt_id="p", prompt_sha256="0" * 64, schema_sha256="1" * 64,
        strategy="sentence",
    )  # fmt: skip


@pytest.fixture
def log(tmp_path: Path) -> Path:
    records = [
        ExtractionRecord(id="hama", extraction=HAMA, meta=meta()),
        ExtractionRecord(id="empty", extraction=ArticleExtraction(), meta=meta()),
        ExtractionRecord(id="failed", extraction=None, meta=meta(), error="ExtractionFailed: x"),
        ExtractionRecord(id="leb", extraction=LEBANON, meta=meta()),
    ]
    lines = [r.model_dump_json() for r in records]
    lines.insert(2, '{"id": "broken", "extraction": {"events": "not a list"}')
    path = tmp_path / "predictions.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def export(log: Path, fmt: ExportFormat, tmp_path: Path) -> pd.DataFrame:
    suffix = ".parquet" if fmt is ExportFormat.PARQUET else ".csv"
    source = load_source(log)
    result = export_events(
        source,
        fmt,
        tmp_path / f"out{suffix}",
        articles={a.id: a for a in ARTICLES},
        timestamp=STAMP,
    )
    assert (result.rows, result.records) == (4, 4)
    return read_export(result.path)


def test_bad_line_is_reported_with_file_and_line_and_skipped(log: Path) -> None:
    source = load_source(log)
    assert [r.id for r in source.records] == ["hama", "empty", "failed", "leb"]
    assert len(source.problems) == 1
    assert source.problems[0].startswith(f"{log}:3: not an extraction record")


def test_acled_rows_follow_the_codebook(log: Path, tmp_path: Path) -> None:
    df = export(log, ExportFormat.ACLED, tmp_path)
    assert list(df.columns) == [*ACLED_COLUMNS, *PROVENANCE_COLUMNS]
    assert list(df["article_id"]) == ["hama", "hama", "hama", "leb"]
    assert list(df["event_index"]) == [0, 1, 2, 0]
    battle, massacre, talks, protest = (df.iloc[i] for i in range(4))
    # The battle: coded at Kafr Zita (precision 1 beats the province's 3), Hama, Syria (760).
    assert battle["event_id_cnty"] == "SYR-hama-1"
    assert (battle["event_date"], battle["year"], battle["time_precision"]) == (
        pd.Timestamp("2019-08-07"),
        2019,
        1,
    )
    assert (battle["event_type"], battle["sub_event_type"]) == ("Battles", "Armed clash")
    assert (battle["actor1"], battle["inter1"], battle["actor2"], battle["inter2"]) == (
        "Regime forces",
        1,
        "HTS",
        2,
    )
    assert battle["interaction"] == 12 and pd.isna(battle["civilian_targeting"])
    assert (battle["iso"], battle["country"], battle["admin1"], battle["location"]) == (
        760,
        "Syria",
        "Hama",
        "Kafr Zaytā",
    )
    assert battle["geo_precision"] == 1 and battle["gazetteer_id"] == "geonames:168620"
    assert battle["latitude"] == pytest.approx(35.37425)
    # Lowest figure: the groups (10 + 18) outweigh the lower of the two totals (25, 30).
    assert battle["fatalities"] == 28
    assert (battle["source"], battle["notes"]) == (
        "a monitor",
        "regime forces clash with HTS in Kafr Zita",
    )
    assert battle["timestamp"] == STAMP and battle["evidence"] == BATTLE
    assert battle["fatalities_evidence"] == f"{BATTLE} | {TOTAL_2}"
    # The massacre: "dozens" is 12; a week is coded at its middle day with time precision 2.
    assert massacre["fatalities"] == 12 and massacre["event_date"] == pd.Timestamp("2019-08-01")
    assert massacre["time_precision"] == 2
    assert (massacre["inter1"], massacre["inter2"], massacre["interaction"]) == (8, 7, 78)
    assert massacre["civilian_targeting"] == "Civilian targeting"
    assert (massacre["admin1"], massacre["geo_precision"]) == ("Hama", 3)
    # The talks: no place, no actor, no count, no date; the country is the article's.
    assert talks["fatalities"] == 0 and talks["country"] == "Syria" and talks["iso"] == 760
    for col in ("location", "latitude", "geo_precision", "actor1", "inter1", "interaction"):
        assert pd.isna(talks[col]), col
    assert pd.isna(talks["event_date"]) and pd.isna(talks["geo_status"])
    # The protest: protesters are 6 in a protest; a month is precision 3 at its middle.
    assert (protest["inter1"], protest["inter2"], protest["interaction"]) == (6, 1, 16)
    assert (protest["country"], protest["iso"], protest["admin1"]) == ("Lebanon", 422, "Liban-Nord")
    assert protest["event_date"] == pd.Timestamp("2019-10-16") and protest["time_precision"] == 3
    assert protest["source"] == "L'Orient"


def test_ucdp_rows_follow_the_codebook(log: Path, tmp_path: Path) -> None:
    df = export(log, ExportFormat.UCDP_GED, tmp_path)
    assert list(df.columns) == [*UCDP_COLUMNS, *PROVENANCE_COLUMNS]
    battle, massacre, talks, protest = (df.iloc[i] for i in range(4))
    assert (battle["side_a"], battle["side_b"]) == ("Regime forces", "HTS")
    assert (battle["where_coordinates"], battle["where_prec"]) == ("Kafr Zita town", 1)
    assert (battle["adm_1"], battle["country"], battle["date_prec"]) == ("Hama", "Syria", 1)
    # Side A 10, side B 18, nothing left for unknown (the totals are below 28); high is 30.
    assert [battle[c] for c in ("deaths_a", "deaths_b", "deaths_civilians", "deaths_unknown")] == [
        10,
        18,
        0,
        0,
    ]
    assert [battle[c] for c in ("low", "best", "high")] == [28, 28, 30]
    assert battle["source_article"] == '"Syria: clashes in Hama"'  # no publisher, date, URL
    assert battle["source_original"] == "a monitor"
    assert (massacre["side_a"], massacre["side_b"]) == ("Gunmen", "Civilians")
    assert [massacre[c] for c in ("deaths_civilians", "best", "low", "high")] == [12, 12, 12, 12]
    assert (massacre["where_prec"], massacre["date_prec"]) == (4, 3)
    assert (massacre["date_start"], massacre["date_end"]) == (
        pd.Timestamp("2019-07-29"),
        pd.Timestamp("2019-08-04"),
    )
    assert pd.isna(talks["where_prec"]) and pd.isna(talks["date_prec"]) and talks["best"] == 0
    assert (protest["side_a"], protest["side_b"]) == ("police", "Residents")
    assert (protest["where_prec"], protest["date_prec"]) == (1, 4)
    assert protest["source_article"] == 'L\'Orient 2019-10-31 "Lebanon protests"'


def test_csv_and_parquet_have_both_codebooks_and_the_same_values(log: Path, tmp_path: Path) -> None:
    csv = export(log, ExportFormat.CSV, tmp_path)
    parquet = export(log, ExportFormat.PARQUET, tmp_path)
    cols = columns(ExportFormat.CSV)
    assert list(csv.columns) == list(cols) == list(parquet.columns)
    assert set(ACLED_COLUMNS) | set(UCDP_COLUMNS) | set(PROVENANCE_COLUMNS) == set(cols)
    assert len(cols) == len(set(cols))  # latitude, longitude, country once
    pd.testing.assert_frame_equal(csv, parquet)
    for frame in (csv, parquet):
        assert {c: str(t) for c, t in frame.dtypes.items()} == {c: DTYPES[c] for c in cols}


def test_plain_pandas_reads_numbers_as_numbers(log: Path, tmp_path: Path) -> None:
    export(log, ExportFormat.ACLED, tmp_path)
    plain = pd.read_csv(tmp_path / "out.csv")
    assert str(plain["fatalities"].dtype) == "int64" and str(plain["latitude"].dtype) == "float64"
    assert str(plain["timestamp"].dtype) == "int64"
    export(log, ExportFormat.PARQUET, tmp_path)
    back = pd.read_parquet(tmp_path / "out.parquet")
    assert str(back["geo_precision"].dtype) == "Int64" and back["event_date"].dtype.kind == "M"


def test_a_log_of_no_events_exports_the_columns_only(tmp_path: Path) -> None:
    path = tmp_path / "empty.jsonl"
    rec = ExtractionRecord(id="x", extraction=ArticleExtraction(), meta=meta())
    path.write_text(rec.model_dump_json() + "\n", encoding="utf-8")
    for fmt in (f for f in ExportFormat if f is not ExportFormat.MAP):
        suffix = ".parquet" if fmt is ExportFormat.PARQUET else ".csv"
        result = export_events(load_source(path), fmt, tmp_path / f"e{suffix}", timestamp=1)
        df = read_export(result.path)
        assert result.rows == 0 and len(df) == 0 and list(df.columns) == list(columns(fmt))
    result = export_events(load_source(path), ExportFormat.MAP, tmp_path / "e.png", timestamp=1)
    with Image.open(result.path) as img:  # the world, with nothing on it
        assert img.size == (1560, 1040) and _pixels_near(img, _COLOURS["Battles"]) == 0


def test_cli_export_and_geocode_go_on_past_a_bad_line(log: Path, tmp_path: Path) -> None:
    articles = tmp_path / "articles.jsonl"
    articles.write_text(
        "".join(json.dumps(a.model_dump(mode="json")) + "\n" for a in ARTICLES), encoding="utf-8"
    )
    out = tmp_path / "acled.csv"
    runner = CliRunner()
    args = ["--articles", str(articles)]
    res = runner.invoke(app, ["export", str(log), "--format", "acled", "-o", str(out), *args])
    assert res.exit_code == 1, res.output  # a line was skipped: said, and the rest exported
    assert f"skipped {log}:3: not an extraction record" in res.output
    assert "json_invalid" in res.output  # pydantic's words, not eaten as markup
    assert "wrote" in res.output and "4 events of 4 articles" in res.output
    assert list(read_export(out)["location"])[:2] == ["Kafr Zaytā", "Hama"]
    geo = tmp_path / "geo.jsonl"
    res = runner.invoke(app, ["geocode", str(log), "-o", str(geo), *args])
    assert res.exit_code == 1, res.output
    back = [GeocodedRecord.model_validate_json(x) for x in geo.read_text("utf-8").splitlines()]
    assert [r.id for r in back] == ["hama", "empty", "failed", "leb"]
    assert sorted(back[0].geo) == [
        "events[0].places[0]",
        "events[0].places[1]",
        "events[1].places[0]",
    ]
    assert back[3].geo["events[0].places[0]"].country_code == "LB"


def test_cli_export_of_a_missing_source_is_a_usage_error(tmp_path: Path) -> None:
    res = CliRunner().invoke(app, ["export", str(tmp_path / "nope"), "-o", str(tmp_path / "x")])
    assert res.exit_code == 2 and "no such run folder or record log" in res.output


def _pixels_near(img: Image.Image, colour: str, tol: int = 12) -> int:
    want = tuple(int(colour[i : i + 2], 16) for i in (1, 3, 5))
    counts: list[tuple[int, tuple[int, int, int]]] = (
        img.convert("RGB").getcolors(maxcolors=1 << 20) or []  # type: ignore[assignment]
    )
    return sum(n for n, c in counts if all(abs(a - b) <= tol for a, b in zip(c, want, strict=True)))


def test_basemap_reads_coastlines_and_borders_from_the_installed_wheel() -> None:
    land, borders = coastlines("l"), country_borders("l")
    assert len(land) > 1000 and len(borders) > 100
    cyprus = [s for s in land if s.kind == 1 and 34.5 < s.south < 34.7 and 35.6 < s.north < 35.8]
    assert cyprus and 32.2 < cyprus[0].points[:, 0].min() < 32.4  # lon, lat pairs, not lat, lon
    assert any(
        s.south < 36 and s.north > 33 and 35.5 < s.points[:, 0].mean() < 42.5 for s in borders
    )  # a border of Syria


def test_map_export_draws_the_placed_events_by_type(log: Path, tmp_path: Path) -> None:
    out = tmp_path / "events.png"
    source = load_source(log)
    arts = {a.id: a for a in ARTICLES}
    result = export_events(source, ExportFormat.MAP, out, articles=arts, timestamp=STAMP)
    assert result.path == out and result.rows == 4
    with Image.open(out) as img:
        assert img.size == (1560, 1040)
        # Battles (Kafr Zita) and protests (Tripoli) markers, on land, at sea: a real map.
        assert _pixels_near(img, _COLOURS["Battles"]) > 30
        assert _pixels_near(img, _COLOURS["Protests"]) > 30
        assert _pixels_near(img, _COLOURS["Riots"]) == 0  # no riot in the log
        assert _pixels_near(img, "#f4f1ea", tol=3) > 10_000
        assert _pixels_near(img, "#dcebf5", tol=3) > 10_000


@pytest.mark.parametrize(
    ("counts", "expected"),
    [
        # "nearly 30 killed, including 10 civilians": the total tops the group up.
        ([(30, None, None), (10, "civilians", None)], (0, 0, 10, 20, 30, 30, 30)),
        # Two figures for one group, one a range: lowest, lower median, highest upper end.
        ([(10, "civilians", None), (12, "civilians", 15)], (0, 0, 10, 0, 10, 10, 15)),
        # A group named but matching no actor is unknown.
        ([(4, "passers-by", None)], (0, 0, 0, 4, 4, 4, 4)),
    ],
)
def test_killed_counts_combine_by_group_and_total(
    counts: list[tuple[int, str | None, int | None]], expected: tuple[int, ...]
) -> None:
    made = [
        count(v, BATTLE, who, qualifier=Qualifier.RANGE, upper=up)
        if up is not None
        else count(v, BATTLE, who)
        for v, who, up in counts
    ]
    ev = HAMA.events[0].model_copy(update={"counts": made})
    d = killed(ev, ev.actors[:1], ev.actors[1:])
    got = (d.deaths_a, d.deaths_b, d.deaths_civilians, d.deaths_unknown, d.low, d.best, d.high)
    assert got == expected

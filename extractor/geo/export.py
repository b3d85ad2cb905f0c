"""``extractor export``: a run's events as ACLED-, UCDP GED-shaped or full tables (CSV, Parquet).

One row per event (``codebooks.event_row``), each place geocoded with its article's own context
(``attach.geocode_extraction``; deterministic and offline). Formats:

- ``acled``: CSV, ACLED's columns in its order, then the provenance columns;
- ``ucdp-ged``: CSV, UCDP GED's columns in its order, then the provenance columns;
- ``csv`` / ``parquet``: both codebooks' columns (``latitude``, ``longitude`` and ``country`` are
  shared), then the provenance columns;
- ``map``: a PNG map of the placed events on an offline basemap (``eventmap.py``).

The provenance columns (``article_id``, ``event_index``, ``evidence`` ...) let a user check each
row against its article. :func:`read_export` loads any of them in pandas with the dtypes of
:data:`DTYPES` (nullable integers, floats, strings, dates).

Bad input never stops an export: a line of the log that is not a record is reported (file and
line) and skipped, by the log's own rules (``records.py``: a torn last line is skipped silently).
"""

from __future__ import annotations

import importlib
import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from extractor.errors import ExtractorError, InputError
from extractor.geo.attach import article_context, article_text, geocode_extraction
from extractor.geo.codebooks import ACLED_COLUMNS, PROVENANCE_COLUMNS, UCDP_COLUMNS, event_row
from extractor.geo.gazetteer import Gazetteer, default_gazetteer
from extractor.geo.model import GeoResult
from extractor.records import ExtractionRecord, RunInfo, atomic_path, iter_records
from extractor.schema import Article

logger = logging.getLogger(__name__)

__all__ = [
    "DATE_COLUMNS",
    "DTYPES",
    "ExportFormat",
    "ExportResult",
    "Source",
    "columns",
    "export_events",
    "export_rows",
    "load_source",
    "read_export",
]


class ExportFormat(StrEnum):
    """What ``extractor export`` writes."""

    ACLED = "acled"
    UCDP_GED = "ucdp-ged"
    CSV = "csv"
    PARQUET = "parquet"
    MAP = "map"
    """A PNG map of the events (no table)."""


_BOTH = (*ACLED_COLUMNS, *(c for c in UCDP_COLUMNS if c not in ACLED_COLUMNS))

DATE_COLUMNS: tuple[str, ...] = ("event_date", "date_start", "date_end")

_INT = (
    "year",
    "time_precision",
    "inter1",
    "inter2",
    "interaction",
    "iso",
    "geo_precision",
    "fatalities",
    "timestamp",
    "where_prec",
    "date_prec",
    "deaths_a",
    "deaths_b",
    "deaths_civilians",
    "deaths_unknown",
    "best",
    "low",
    "high",
    "event_index",
)
_FLOAT = ("latitude", "longitude")

DTYPES: dict[str, str] = {
    c: "Int64"
    if c in _INT
    else "float64"
    if c in _FLOAT
    else "datetime64[s]"
    if c in DATE_COLUMNS
    else "string"
    for c in (*_BOTH, *PROVENANCE_COLUMNS)
}
"""pandas dtype of every column: nullable integers (codes, counts), floats (coordinates),
dates, and nullable strings."""


def columns(fmt: ExportFormat) -> tuple[str, ...]:
    """The columns of a format, in order (the codebook's, then the provenance columns)."""
    if fmt is ExportFormat.ACLED:
        return (*ACLED_COLUMNS, *PROVENANCE_COLUMNS)
    if fmt is ExportFormat.UCDP_GED:
        return (*UCDP_COLUMNS, *PROVENANCE_COLUMNS)
    return (*_BOTH, *PROVENANCE_COLUMNS)


# --------------------------------------------------------------------------- reading


@dataclass
class Source:
    """Records read from a run folder or a log, with the lines that could not be read."""

    log: Path
    records: list[ExtractionRecord]
    """One per article id (the last written wins), in first-written order."""
    problems: list[str] = field(default_factory=list[str])
    """``file:line: what is wrong`` for every line skipped."""
    articles: dict[str, Article] = field(default_factory=dict[str, Article])
    """The articles of a run's gold set (their text is the geocoding context), when found."""


def _lenient_records(log: Path, problems: list[str]) -> list[ExtractionRecord]:
    """The log's records, one per id (the last written wins), a bad line reported and skipped."""
    by_id = {r.id: r for r in iter_records(log, on_bad_line=problems.append)}
    return list(by_id.values())


def _run_articles(folder: Path, problems: list[str]) -> dict[str, Article]:
    """The articles of the gold set a run folder's ``run.json`` names, if it is there."""
    from extractor.gold import load_gold  # only for run folders

    info_path = folder / "run.json"
    if not info_path.exists():
        return {}
    try:
        info = RunInfo.model_validate_json(info_path.read_text(encoding="utf-8"))
    except (OSError, ValidationError) as exc:
        problems.append(f"{info_path}: not a run file, articles not loaded: {exc}")
        return {}
    gold = Path(info.gold) if info.gold else None
    if gold is None or not gold.is_dir():
        return {}
    try:
        gs = load_gold(gold, strict=False)
    except ExtractorError as exc:
        problems.append(f"{gold}: gold set not loaded (context from evidence only): {exc}")
        return {}
    return {ga.article.id: ga.article for ga in gs.articles}


def load_source(path: Path) -> Source:
    """Read a run folder (``predictions.jsonl``, and its gold's articles) or a record log.

    Raises:
        InputError: the path is neither a log nor a folder with ``predictions.jsonl``, or cannot
            be read.
    """
    problems: list[str] = []
    if path.is_dir():
        log = path / "predictions.jsonl"
        if not log.is_file():
            raise InputError(f"{path}: a run folder needs a predictions.jsonl")
        articles = _run_articles(path, problems)
    elif path.is_file():
        log, articles = path, {}
    else:
        raise InputError(f"{path}: no such run folder or record log")
    return Source(log, _lenient_records(log, problems), problems, articles)


# --------------------------------------------------------------------------- rows


def export_rows(
    records: Iterable[ExtractionRecord],
    articles: Mapping[str, Article] | None = None,
    *,
    timestamp: int | None = None,
    gazetteer: Gazetteer | None = None,
    geo: Mapping[str, Mapping[str, GeoResult]] | None = None,
) -> list[dict[str, object]]:
    """One row per event of the records (failed articles and articles without events add none).

    Args:
        records: The records.
        articles: Articles by id: their text is the geocoding context, their metadata the source.
        timestamp: ACLED's ``timestamp`` for every row.
        gazetteer: The gazetteer; the installed packages' one by default.
        geo: Precomputed geocoding by article id (computed here when missing).

    Returns:
        The rows, each with every column of :func:`columns` for ``csv``.
    """
    known = articles or {}
    g = gazetteer if gazetteer is not None else default_gazetteer()
    rows: list[dict[str, object]] = []
    for record in records:
        if record.extraction is None or not record.extraction.events:
            continue
        article = known.get(record.id)
        text = article_text(article) if article is not None else None
        base = article_context(record.extraction, text, gazetteer=g)
        places = (geo or {}).get(record.id)
        if places is None:
            places = geocode_extraction(record.extraction, context=base, gazetteer=g)
        country = None
        if base.countries:
            found = g.country_of(base.countries[0])
            country = (base.countries[0], found.name if found else None)
        for i, event in enumerate(record.extraction.events):
            rows.append(
                event_row(
                    event,
                    i,
                    article_id=record.id,
                    geo=places,
                    article=article,
                    country=country,
                    timestamp=timestamp,
                )
            )
    return rows


def _frame(rows: list[dict[str, object]], cols: tuple[str, ...]) -> Any:
    # pandas ships partial types only: it is used through an explicit Any, like pyarrow in
    # run/outputs.py. It is installed with `datasets`, a dependency.
    pd: Any = importlib.import_module("pandas")
    frame = pd.DataFrame([{c: r.get(c) for c in cols} for r in rows], columns=list(cols))
    for c in cols:
        if c in DATE_COLUMNS:
            frame[c] = pd.to_datetime(frame[c]).astype(DTYPES[c])
        else:
            frame[c] = frame[c].astype(DTYPES[c])
    return frame


@dataclass(frozen=True)
class ExportResult:
    """What an export wrote."""

    path: Path
    rows: int
    records: int
    problems: tuple[str, ...] = ()


def export_events(
    source: Source,
    fmt: ExportFormat,
    out: Path,
    *,
    articles: Mapping[str, Article] | None = None,
    timestamp: int | None = None,
    gazetteer: Gazetteer | None = None,
) -> ExportResult:
    """Write a source's events in a format, atomically (the old file stays until the new is done).

    Args:
        source: What :func:`load_source` read.
        fmt: The format.
        out: The file to write.
        articles: Articles by id, besides the source's own (a LOG's articles, ``--articles``).
        timestamp: ACLED's ``timestamp``; by default the log's modification time.
        gazetteer: The gazetteer; the installed packages' one by default.

    Returns:
        The path, the number of rows and records, and the lines skipped.
    """
    known = {**source.articles, **(articles or {})}
    stamp = timestamp if timestamp is not None else int(source.log.stat().st_mtime)
    rows = export_rows(source.records, known, timestamp=stamp, gazetteer=gazetteer)
    if fmt is ExportFormat.MAP:
        from extractor.geo.eventmap import write_event_map  # matplotlib, only for the map

        name = source.log.parent.name if source.log.name == "predictions.jsonl" else source.log.stem
        write_event_map(rows, out, title=f"Events of {name}")
        return ExportResult(out, len(rows), len(source.records), tuple(source.problems))
    frame = _frame(rows, columns(fmt))
    with atomic_path(out) as tmp:
        if fmt is ExportFormat.PARQUET:
            frame.to_parquet(tmp, index=False, compression="zstd")
        else:
            frame.to_csv(tmp, index=False, date_format="%Y-%m-%d")
    return ExportResult(out, len(rows), len(source.records), tuple(source.problems))


def read_export(path: Path) -> Any:
    """Load an export in pandas with the dtypes of :data:`DTYPES` (a ``pandas.DataFrame``).

    Parquet keeps its dtypes; CSV is read with them (empty cells are missing values, a place
    called "NA" stays a name).
    """
    pd: Any = importlib.import_module("pandas")
    if path.suffix.lower() == ".parquet":
        frame = pd.read_parquet(path)
        for c in DATE_COLUMNS:
            if c in frame.columns:
                frame[c] = frame[c].astype(DTYPES[c])  # pandas reads them back in ms
        return frame
    head = pd.read_csv(path, nrows=0)
    cols = [str(c) for c in head.columns]
    dates = [c for c in cols if c in DATE_COLUMNS]
    dtypes = {c: DTYPES[c] for c in cols if c in DTYPES and c not in DATE_COLUMNS}
    frame = pd.read_csv(
        path, dtype=dtypes, parse_dates=dates, keep_default_na=False, na_values=[""]
    )
    for c in dates:
        frame[c] = frame[c].astype(DTYPES[c])
    return frame

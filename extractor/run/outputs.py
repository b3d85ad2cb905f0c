"""Outputs besides the JSONL log: a Parquet file and a ``datasets`` dataset, written from the log.

The JSONL log stays the primary, resumable output (one line per article, see ``records.py``).
Parquet and the dataset are derived from it once a run finishes, and are written atomically
(``records.atomic_path``: a temporary file or folder, then a rename), so a reader never sees half a
file and an interrupted run leaves the previous one intact.

Parquet layout (``LAYOUT_VERSION`` 1), one row per article:

==================  =============  ==========================================================
column              type           meaning
==================  =============  ==========================================================
id                  string         the article id
ok                  bool           true when the article has an extraction (no error)
error               string         the error, when the article failed
n_events            int32          number of events (0 when failed)
event_types         list<string>   event type of each event, in order
sub_event_types     list<string>   sub-event type of each event, in order
extraction          string         the full ``ArticleExtraction`` as JSON (events with their
                                   places, actors, counts, evidence and spans; diagnostics)
raw                 string         the last raw reply of a failed article
backend ... cost    (flat)         every ``RecordMeta`` field as its own column (``backend``,
                                   ``model``, ``prompt_id``, ``prompt_sha256``, ``strategy``,
                                   ``latency_s``, ``attempts``, ``cached``, ``cost_usd``...)
prompt_tokens ...   int64          the ``usage`` fields (prompt, completion, cached tokens)
==================  =============  ==========================================================

The events are one JSON string, not nested Arrow structs, on purpose: the event model is deep
(events, then places/actors/counts with evidence, spans, dates and many optional fields) and
changes with the schema version. As structs, each schema change would change the Parquet schema
(files of two versions could no longer be concatenated), lists empty in the first rows make the
inferred types fragile, and a hand-kept Arrow schema would drift from the Pydantic one. As JSON the
column round-trips without loss (``ArticleExtraction.model_validate_json``), DuckDB and Polars
query it with their JSON functions, and the flat columns serve the usual filters (failed
articles, event types, cost, tokens) without parsing. The file's key-value metadata records the
layout and schema versions.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from extractor.records import (
    ExtractionRecord,
    RecordMeta,
    UsageRecord,
    atomic_path,
    read_records,
)
from extractor.schema import SCHEMA_VERSION, ArticleExtraction

LAYOUT_VERSION = "1"

# pyarrow ships no type information: it is used through an explicit Any.
pa: Any = importlib.import_module("pyarrow")
ArrowTable = Any
"""A ``pyarrow.Table``."""

_META = [name for name in RecordMeta.model_fields if name != "usage"]
_USAGE = list(UsageRecord.model_fields)


def _type(annotation: Any) -> Any:
    # RecordMeta and UsageRecord hold only these scalar types (a new one fails loudly here)
    text = str(annotation)
    if "bool" in text:
        return pa.bool_()
    if "float" in text:
        return pa.float64()
    if "int" in text:
        return pa.int64()
    if "str" in text:
        return pa.string()
    raise TypeError(f"no Parquet type for meta field annotation {text}")


def arrow_schema() -> Any:
    """The Arrow schema of the Parquet layout (see the module docstring)."""
    fields = [
        pa.field("id", pa.string(), nullable=False),
        pa.field("ok", pa.bool_(), nullable=False),
        pa.field("error", pa.string()),
        pa.field("n_events", pa.int32(), nullable=False),
        pa.field("event_types", pa.list_(pa.string())),
        pa.field("sub_event_types", pa.list_(pa.string())),
        pa.field("extraction", pa.string()),
        pa.field("raw", pa.string()),
    ]
    fields += [pa.field(n, _type(RecordMeta.model_fields[n].annotation)) for n in _META]
    fields += [pa.field(n, _type(UsageRecord.model_fields[n].annotation)) for n in _USAGE]
    metadata = {"extractor.layout": LAYOUT_VERSION, "extractor.schema_version": SCHEMA_VERSION}
    return pa.schema(fields, metadata=metadata)


def _row(record: ExtractionRecord) -> dict[str, object]:
    events = record.extraction.events if record.extraction else []
    row: dict[str, object] = {
        "id": record.id,
        "ok": record.error is None and record.extraction is not None,
        "error": record.error,
        "n_events": len(events),
        "event_types": [str(e.event_type) for e in events],
        "sub_event_types": [str(e.sub_event_type) for e in events],
        "extraction": record.extraction.model_dump_json() if record.extraction else None,
        "raw": record.raw,
    }
    meta = record.meta.model_dump()
    row.update({n: meta[n] for n in _META})
    row.update({n: meta["usage"][n] for n in _USAGE})
    return row


def records_table(records: Iterable[ExtractionRecord]) -> ArrowTable:
    """The records as an Arrow table in the Parquet layout."""
    return pa.Table.from_pylist([_row(r) for r in records], schema=arrow_schema())


def table_records(table: ArrowTable) -> list[ExtractionRecord]:
    """The records back from a table in the Parquet layout (the inverse of ``records_table``)."""
    records: list[ExtractionRecord] = []
    rows: list[dict[str, Any]] = table.to_pylist()
    for r in rows:
        meta = {n: r[n] for n in _META if n in r}
        meta["usage"] = {n: r[n] for n in _USAGE if n in r}
        extraction = r["extraction"]
        records.append(
            ExtractionRecord(
                id=r["id"],
                extraction=ArticleExtraction.model_validate_json(extraction)
                if extraction
                else None,
                meta=RecordMeta.model_validate(meta),
                error=r["error"],
                raw=r["raw"],
            )
        )
    return records


def write_parquet(records: Iterable[ExtractionRecord], path: Path) -> Path:
    """Write the records as Parquet, atomically (a temporary file, then a rename)."""
    pq: Any = importlib.import_module("pyarrow.parquet")
    with atomic_path(path) as tmp:
        pq.write_table(records_table(records), tmp, compression="zstd")
    return path


def write_dataset(records: Iterable[ExtractionRecord], directory: Path) -> Path:
    """Write the records as a ``datasets`` dataset (``save_to_disk``), same columns as Parquet.

    The dataset is written to a temporary folder beside ``directory`` and renamed into place; an
    existing dataset there is replaced only once the new one is complete.
    """
    datasets: Any = importlib.import_module("datasets")
    bars = datasets.is_progress_bar_enabled()
    datasets.disable_progress_bars()  # the CLI has its own progress display
    try:
        with atomic_path(directory) as tmp:
            datasets.Dataset(records_table(records)).save_to_disk(str(tmp))
    finally:
        if bars:
            datasets.enable_progress_bars()
    return directory


def export(log: Path, *, parquet: Path | None = None, dataset: Path | None = None) -> list[Path]:
    """Write the Parquet file and/or dataset from a JSONL log; returns what was written."""
    if parquet is None and dataset is None:
        return []
    records = read_records(log) if log.exists() else []
    written: list[Path] = []
    if parquet is not None:
        written.append(write_parquet(records, parquet))
    if dataset is not None:
        written.append(write_dataset(records, dataset))
    return written


def log_path_for(output: Path) -> Path:
    """The JSONL log of an output: itself, or ``x.jsonl`` beside ``x.parquet``."""
    return output.with_suffix(".jsonl") if output.suffix.lower() == ".parquet" else output

"""Read articles from what users have: text files, folders, JSONL, CSV, Parquet, stdin, datasets.

Every error names the file, the line (or row) and the field.
"""

from __future__ import annotations

import csv
import datetime as dt
import importlib
import sys
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from extractor.errors import InputError
from extractor.records import json_object
from extractor.schema import Article

__all__ = ["MAX_ARTICLE_CHARS", "TEXT_SUFFIXES", "read_articles", "read_inputs"]

TEXT_SUFFIXES = {".txt", ".md", ".text"}

MAX_ARTICLE_CHARS = 5_000_000
"""The longest text taken as an article (a 5 MB page is a dump, not an article). The CSV reader's
field limit is raised to it: Python's default, 131,072 characters, refused long news pages."""


def _read_text(path: Path) -> str:
    data = path.read_bytes()
    if b"\0" in data[:4096]:
        raise InputError(f"{path}: looks binary (NUL bytes); give a text file")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InputError(f"{path}: not UTF-8 (byte {exc.start}); convert it to UTF-8") from exc


def _article(
    row: Mapping[str, object], where: str, *, text_col: str, id_col: str, date_col: str
) -> Article:
    text = row.get(text_col)
    if not isinstance(text, str) or not text.strip():
        raise InputError(f"{where}: field {text_col!r}: missing or empty text")
    if len(text) > MAX_ARTICLE_CHARS:
        raise InputError(
            f"{where}: field {text_col!r}: {len(text):,} characters, over the article cap "
            f"of {MAX_ARTICLE_CHARS:,}"
        )
    ident = row.get(id_col)
    if ident is None or str(ident).strip() == "":
        raise InputError(f"{where}: field {id_col!r}: missing id")
    published = row.get(date_col)
    try:
        return Article(
            id=str(ident),
            text=text,
            published=dt.date.fromisoformat(str(published)[:10]) if published else None,
        )
    except (ValueError, ValidationError) as exc:
        raise InputError(f"{where}: field {date_col!r}: {exc}") from exc


def read_articles(
    source: str, *, text_col: str = "text", id_col: str = "id", date_col: str = "published"
) -> Iterator[Article]:
    """Yield the articles of one input.

    The input is a file, a folder of .txt files, ``-`` for stdin, or a ``datasets`` dataset saved
    on disk.

    Raises:
        InputError: unreadable input, bad row, or unknown format; the message says where.
    """
    if source == "-":
        text = sys.stdin.read()
        if not text.strip():
            raise InputError("<stdin>: empty input")
        yield Article(id="stdin", text=text)
        return
    path = Path(source)
    if path.is_dir():
        if (path / "dataset_info.json").exists() or (path / "dataset_dict.json").exists():
            yield from _read_dataset(path, text_col=text_col, id_col=id_col, date_col=date_col)
            return
        files = sorted(p for p in path.rglob("*") if p.suffix.lower() in TEXT_SUFFIXES)
        if not files:
            raise InputError(f"{path}: folder has no .txt files")
        for p in files:
            text = _read_text(p)
            if not text.strip():
                raise InputError(f"{p}: empty file")
            yield Article(id=str(p.relative_to(path).with_suffix("")), text=text)
        return
    if not path.exists():
        raise InputError(f"{path}: no such file")
    suffix = path.suffix.lower()
    kw = {"text_col": text_col, "id_col": id_col, "date_col": date_col}
    if suffix in TEXT_SUFFIXES:
        text = _read_text(path)
        if not text.strip():
            raise InputError(f"{path}: empty file")
        row = {"id": path.stem, "text": text}
        yield _article(row, str(path), text_col="text", id_col="id", date_col="published")
    elif suffix == ".jsonl":
        lines = _read_text(path).splitlines()
        if not any(line.strip() for line in lines):
            raise InputError(f"{path}: empty file (no JSON lines)")
        for n, line in enumerate(lines, 1):
            if not line.strip():
                continue
            try:
                row = json_object(line)
            except ValueError as exc:
                raise InputError(f"{path}:{n}: {exc}") from exc
            yield _article(row, f"{path}:{n}", **kw)
    elif suffix == ".csv":
        # a field may be as long as an article; the limit is process-wide, and only ever raised
        csv.field_size_limit(max(csv.field_size_limit(), MAX_ARTICLE_CHARS + 1))
        with path.open(encoding="utf-8", newline="") as f:
            rows = 0
            for n, row in enumerate(csv.DictReader(f), 2):
                rows += 1
                yield _article(row, f"{path}:{n}", **kw)
        if not rows:
            raise InputError(f"{path}: empty file (no rows under the header)")
    elif suffix == ".parquet":
        # pyarrow ships no type information: it is used through an explicit Any.
        pq: Any = importlib.import_module("pyarrow.parquet")
        table: list[dict[str, object]] = pq.read_table(path).to_pylist()
        for n, row in enumerate(table, 1):
            yield _article(row, f"{path}: row {n}", **kw)
    else:
        raise InputError(
            f"{path}: unknown input format {suffix!r}; use .txt, .jsonl, .csv, "
            ".parquet, a folder, a saved dataset or -"
        )


def _read_dataset(path: Path, **kw: str) -> Iterator[Article]:
    datasets: Any = importlib.import_module("datasets")  # partly typed: used through an Any
    ds = datasets.load_from_disk(str(path))  # a Dataset, or a DatasetDict of splits
    splits: list[Any] = [ds[k] for k in ds] if hasattr(ds, "keys") else [ds]
    for split in splits:
        for n, row in enumerate(split, 1):
            yield _article(row, f"{path}: row {n}", **kw)


def read_inputs(
    sources: Iterable[str],
    *,
    text_col: str = "text",
    id_col: str = "id",
    date_col: str = "published",
) -> list[Article]:
    """The articles of every input, in order (see :func:`read_articles`).

    Raises:
        InputError: as :func:`read_articles`.
    """
    return [
        a
        for src in sources
        for a in read_articles(src, text_col=text_col, id_col=id_col, date_col=date_col)
    ]

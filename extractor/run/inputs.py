"""Read articles from what users have: text files, folders, JSONL, CSV, Parquet, stdin, datasets.

Every error names the file, the line (or row) and the field. :func:`scan_articles` yields a bad
file or row as its :class:`InputError` and goes on with the rest (``extractor extract`` reports
each and runs the good articles); :func:`read_articles` raises the first one.
"""

from __future__ import annotations

import csv
import datetime as dt
import importlib
import io
import sys
from collections.abc import Callable, Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from extractor.errors import InputError
from extractor.records import json_object
from extractor.schema import Article

__all__ = ["MAX_ARTICLE_CHARS", "TEXT_SUFFIXES", "read_articles", "read_inputs", "scan_articles"]

TEXT_SUFFIXES = {".txt", ".md", ".text"}

MAX_ARTICLE_CHARS = 5_000_000
"""The longest text taken as an article (a 5 MB page is a dump, not an article). The CSV reader's
field limit is raised to it: Python's default, 131,072 characters, refused long news pages."""

Scanned = Article | InputError
"""An article, or why a file or row of the input gave none."""


def _problem(message: str, cause: BaseException | None = None) -> InputError:
    error = InputError(message)
    error.__cause__ = cause
    return error


def _read_text(path: Path) -> str:
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise InputError(f"{path}: cannot read: {exc.strerror or exc}") from exc
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


def _rows(rows: Iterable[tuple[str, Mapping[str, object]]], **kw: str) -> Iterator[Scanned]:
    for where, row in rows:
        try:
            yield _article(row, where, **kw)
        except InputError as exc:
            yield exc


def scan_articles(
    source: str, *, text_col: str = "text", id_col: str = "id", date_col: str = "published"
) -> Iterator[Scanned]:
    """Yield the articles of one input, and an ``InputError`` for each bad file or row.

    The input is a file, a folder of .txt files, ``-`` for stdin, or a ``datasets`` dataset saved
    on disk. A bad row (or file of a folder) never hides the rows after it; a file that cannot be
    read at all (a truncated Parquet file) is one error naming it.
    """
    kw = {"text_col": text_col, "id_col": id_col, "date_col": date_col}
    if source == "-":
        text = sys.stdin.read()
        if not text.strip():
            yield InputError("<stdin>: empty input")
            return
        yield Article(id="stdin", text=text)
        return
    path = Path(source)
    if path.is_dir():
        if (path / "dataset_info.json").exists() or (path / "dataset_dict.json").exists():
            yield from _scan_dataset(path, **kw)
            return
        files = sorted(p for p in path.rglob("*") if p.suffix.lower() in TEXT_SUFFIXES)
        if not files:
            yield InputError(f"{path}: folder has no .txt files")
        for p in files:
            try:
                text = _read_text(p)
            except InputError as exc:
                yield exc
                continue
            if not text.strip():
                yield InputError(f"{p}: empty file")
                continue
            yield Article(id=str(p.relative_to(path).with_suffix("")), text=text)
        return
    if not path.exists():
        yield InputError(f"{path}: no such file")
        return
    suffix = path.suffix.lower()
    try:
        if suffix in TEXT_SUFFIXES:
            text = _read_text(path)
            if not text.strip():
                raise InputError(f"{path}: empty file")
            row = {"id": path.stem, "text": text}
            yield from _rows([(str(path), row)], text_col="text", id_col="id", date_col="published")
        elif suffix == ".jsonl":
            yield from _scan_jsonl(path, **kw)
        elif suffix == ".csv":
            yield from _scan_csv(path, **kw)
        elif suffix == ".parquet":
            yield from _scan_parquet(path, **kw)
        else:
            raise InputError(
                f"{path}: unknown input format {suffix!r}; use .txt, .jsonl, .csv, "
                ".parquet, a folder, a saved dataset or -"
            )
    except InputError as exc:
        yield exc


def _scan_jsonl(path: Path, **kw: str) -> Iterator[Scanned]:
    lines = _read_text(path).splitlines()
    if not any(line.strip() for line in lines):
        raise InputError(f"{path}: empty file (no JSON lines)")
    for n, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            row = json_object(line)
        except ValueError as exc:
            yield _problem(f"{path}:{n}: {exc}", exc)
            continue
        yield from _rows([(f"{path}:{n}", row)], **kw)


def _scan_csv(path: Path, **kw: str) -> Iterator[Scanned]:
    # a field may be as long as an article; the limit is process-wide, and only ever raised
    csv.field_size_limit(max(csv.field_size_limit(), MAX_ARTICLE_CHARS + 1))
    reader = csv.DictReader(io.StringIO(_read_text(path), newline=""))
    rows = 0
    n = 1  # the header's line; a row is numbered as the line it starts on when one line long
    while True:
        n += 1
        try:
            row = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:  # a field over the cap, a stray quote: this row only
            rows += 1
            yield _problem(f"{path}:{n}: not a CSV row: {exc}", exc)
            continue
        rows += 1
        yield from _rows([(f"{path}:{n}", row)], **kw)
    if not rows:
        raise InputError(f"{path}: empty file (no rows under the header)")


def _arrow_errors() -> tuple[type[Exception], ...]:
    pa: Any = importlib.import_module("pyarrow")
    return (OSError, ValueError, TypeError, pa.ArrowException)


def _scan_parquet(path: Path, **kw: str) -> Iterator[Scanned]:
    # pyarrow ships no type information: it is used through an explicit Any.
    pq: Any = importlib.import_module("pyarrow.parquet")
    errors = _arrow_errors()
    try:
        parquet = pq.ParquetFile(path)
        groups = int(parquet.num_row_groups)
    except errors as exc:  # a truncated file has no footer: nothing in it can be read
        raise InputError(f"{path}: not a readable Parquet file: {exc}") from exc
    first = 1
    for g in range(groups):
        size = int(parquet.metadata.row_group(g).num_rows)
        try:
            table: list[dict[str, object]] = parquet.read_row_group(g).to_pylist()
        except errors as exc:  # one corrupt row group: the others are still read
            yield _problem(
                f"{path}: rows {first}-{first + size - 1} (row group {g}): unreadable: {exc}", exc
            )
        else:
            yield from _rows(((f"{path}: row {first + i}", r) for i, r in enumerate(table)), **kw)
        first += size


def _scan_dataset(path: Path, **kw: str) -> Iterator[Scanned]:
    datasets: Any = importlib.import_module("datasets")  # partly typed: used through an Any
    errors = _arrow_errors()
    try:
        ds = datasets.load_from_disk(str(path))  # a Dataset, or a DatasetDict of splits
        splits: list[Any] = [ds[k] for k in ds] if hasattr(ds, "keys") else [ds]
    except errors as exc:
        yield _problem(f"{path}: not a readable saved dataset: {exc}", exc)
        return
    for split in splits:
        n = 0
        try:
            for n, row in enumerate(split, 1):
                yield from _rows([(f"{path}: row {n}", row)], **kw)
        except errors as exc:
            yield _problem(f"{path}: row {n + 1} on: unreadable: {exc}", exc)


def read_articles(
    source: str, *, text_col: str = "text", id_col: str = "id", date_col: str = "published"
) -> Iterator[Article]:
    """Yield the articles of one input (see :func:`scan_articles`).

    Raises:
        InputError: unreadable input, bad row, or unknown format; the message says where.
    """
    for item in scan_articles(source, text_col=text_col, id_col=id_col, date_col=date_col):
        if isinstance(item, InputError):
            raise item
        yield item


def read_inputs(
    sources: Iterable[str],
    *,
    text_col: str = "text",
    id_col: str = "id",
    date_col: str = "published",
    on_error: Callable[[InputError], None] | None = None,
) -> list[Article]:
    """The articles of every input, in order (see :func:`scan_articles`).

    Args:
        sources: the inputs.
        text_col: the text column or key.
        id_col: the id column or key.
        date_col: the publication date column or key.
        on_error: given, each bad input or row is passed to it and skipped, and the other
            articles are read; without it, the first one is raised.

    Raises:
        InputError: as :func:`read_articles`, when no ``on_error`` is given.
    """
    articles: list[Article] = []
    for src in sources:
        for item in scan_articles(src, text_col=text_col, id_col=id_col, date_col=date_col):
            if isinstance(item, Article):
                articles.append(item)
            elif on_error is None:
                raise item
            else:
                on_error(item)
    return articles

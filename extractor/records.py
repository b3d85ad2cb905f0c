"""The files a run leaves: record and run models, the ONE record-log reader/writer, atomic writes.

A *record log* is JSONL, one :class:`ExtractionRecord` per line, appended as each article finishes.
Every part of the project reads and writes logs through this module, so they all share one rule for
a line a kill cut short (a *torn* line):

- a last line without its newline that is not a record is a write cut short: readers skip it
  (with a warning) and the writer cuts it before it appends; one that is a whole record only lost
  its newline, which the writer restores;
- any other line that is not a record is an error naming the file and the line.

One writer at a time: :class:`RecordLog` holds an exclusive lock (:class:`FileLock`, on a
``<log>.lock`` file beside the log) while it is open, so a second run on the same log is refused
with an error naming the file instead of interleaving its lines. :meth:`RecordLog.rewrite` drops
records (``--retry-failed``) by an atomic rewrite, so a kill at any moment leaves the old log or the
new one, each id at most once.

A *run file* (``run.json``, :class:`RunInfo`) says what a recorded run ran on and what came out;
its ``format_version`` and field order are part of the file format.

Files written whole (manifests, run files, Parquet, datasets, reports) go through
:func:`atomic_path` / :func:`atomic_write`: a temporary beside the target, renamed over it, so a
reader sees the old file or the new one, never half of one.
"""

from __future__ import annotations

import contextlib
import errno
import io
import json
import logging
import os
import shutil
import time
from collections.abc import Callable, Collection, Generator, Iterator
from pathlib import Path
from typing import BinaryIO, TypeGuard

from pydantic import BaseModel, Field, JsonValue, ValidationError

from extractor.errors import InputError, OutputError
from extractor.schema import ArticleExtraction

logger = logging.getLogger(__name__)

__all__ = [
    "RUN_FORMAT_VERSION",
    "ExtractionRecord",
    "FileLock",
    "RecordLog",
    "RecordMeta",
    "RunError",
    "RunInfo",
    "RunSummary",
    "UsageRecord",
    "atomic_path",
    "atomic_write",
    "done_ids",
    "failed_ids",
    "iter_records",
    "json_object",
    "log_ids",
    "read_records",
    "repair_tail",
]


class UsageRecord(BaseModel):
    """Tokens per article, failed attempts included."""

    prompt_tokens: int = 0
    completion_tokens: int = 0
    cached_tokens: int = 0


class RecordMeta(BaseModel):
    """How a record was produced: enough to reproduce it and to cost it."""

    backend: str
    model: str
    prompt_id: str
    prompt_sha256: str
    schema_sha256: str
    strategy: str
    pipeline_version: int | None = None
    """``pipeline.PIPELINE_VERSION`` of the code that made the record (None: made before versions
    were declared)."""
    usage: UsageRecord = Field(default_factory=UsageRecord)
    latency_s: float = 0.0
    attempts: int = 0
    requests: int = 0
    failed_requests: int = 0
    cached: bool = False
    """True when the record came from the response cache (no model call)."""
    budget_exhausted: bool = False
    """True when the article's token budget ran out (``PipelineSettings.article_token_budget``):
    requests after that point were not sent, or re-asks were cut short."""
    cost_usd: float | None = None
    """Estimated cost from the price table (0 for the embedded model; None when unknown)."""


class ExtractionRecord(BaseModel):
    """One output line: the article id, its extraction (or the error), and the meta."""

    id: str
    extraction: ArticleExtraction | None
    meta: RecordMeta
    error: str | None = None
    raw: str | None = None
    """The last raw reply, kept when the article failed, for debugging."""


RUN_FORMAT_VERSION = 1


class RunSummary(BaseModel):
    """Medians and totals of cost and time per article, over a run's records."""

    articles: int = 0
    failed: int = 0
    median_latency_s: float | None = None
    """Over the records not served from the cache."""
    median_tokens: int | float | None = None
    """Prompt + completion tokens (an int, or a float midway between two)."""
    median_completion_tokens: int | float | None = None
    prompt_tokens: int = 0
    completion_tokens: int = 0
    requests: int = 0
    dropped_items: int = 0
    """Items grounding dropped, over the records."""


class RunError(BaseModel):
    """An article that failed, with its error."""

    id: str
    error: str | None


class RunInfo(BaseModel):
    """``run.json``: what ran, on what, and a summary of what came out (version 1).

    The harness writes every field (again when an interrupted run resumes). Readers took every
    field but the summary as optional, so every field but the summary has a default here: a run
    file written by hand, or before a field existed, still loads, and a missing hash simply
    makes the run stale.
    """

    format_version: int = RUN_FORMAT_VERSION
    suite: str = ""
    name: str = ""
    complete: bool = True
    """False when the run was interrupted; it is scored on the articles it finished."""
    backend: dict[str, str] = Field(default_factory=dict[str, str])
    """The backend's ``describe()``: id, model, and the model file's sha256 for local ones."""
    strategy: str = ""
    constrain: str = "none"
    prompt_id: str = "events.v1"
    pipeline_version: int | None = None
    """``pipeline.PIPELINE_VERSION`` the run was made with (None: before versions existed)."""
    prompt_sha256: str = ""
    schema_sha256: str = ""
    gold: str = ""
    """The gold folder, relative to the working directory when inside it."""
    gold_sha256: str = ""
    articles: list[str] | None = None
    """The articles the run covers: all asked for when complete, else those finished (None in
    a run file older than the list: every article)."""
    article_sha256: dict[str, str] = Field(default_factory=dict[str, str])
    """sha256 of every article text asked for (``text.sha256``)."""
    git_commit: str | None = None
    settings: dict[str, JsonValue] = Field(default_factory=dict[str, JsonValue])
    """``pipeline.flat_settings``: request and pipeline settings in one mapping."""
    started: str = ""
    finished: str = ""
    summary: RunSummary
    errors: list[RunError] = Field(default_factory=list[RunError])


# --------------------------------------------------------------------------- reading


def _is_object(value: object) -> TypeGuard[dict[str, object]]:
    return isinstance(value, dict)  # JSON object keys are always strings


def json_object(line: str) -> dict[str, object]:
    """One line of a JSONL input (articles, gold) read as a JSON object.

    Raises:
        ValueError: the line is not JSON, or not an object; the message says which.
    """
    try:
        value: object = json.loads(line)
    except json.JSONDecodeError as exc:
        raise ValueError(f"not valid JSON: {exc.msg} (column {exc.colno})") from exc
    if not _is_object(value):
        raise ValueError("expected a JSON object")
    return value


def _parse(line: str) -> ExtractionRecord:
    return ExtractionRecord.model_validate_json(line)


def _numbered(
    path: Path, on_bad_line: Callable[[str], None] | None = None
) -> Iterator[tuple[int, ExtractionRecord]]:
    """Every record of a log with its line number: the one rule every reader shares.

    Lines are split on newlines alone (a record holds no raw newline or carriage return), so the
    numbers are those :meth:`RecordLog.rewrite` copies lines by.
    """
    try:
        with path.open("rb") as f:
            for n, raw in enumerate(f, 1):
                if not raw.strip():
                    continue
                try:
                    record = _parse(raw.decode("utf-8"))
                except (ValidationError, UnicodeDecodeError) as exc:
                    if not raw.endswith(b"\n"):  # the last line, cut short by a kill
                        logger.warning("%s:%d: skipping a torn last line", path, n)
                        continue
                    if isinstance(exc, UnicodeDecodeError) and on_bad_line is None:
                        raise InputError(f"{path}: cannot read the record log: {exc}") from exc
                    first = " ".join(str(exc).splitlines()[:3])
                    problem = f"{path}:{n}: not an extraction record: {first}"
                    if on_bad_line is None:
                        raise InputError(problem) from exc
                    on_bad_line(problem)
                    continue
                yield n, record
    except OSError as exc:
        raise InputError(f"{path}: cannot read the record log: {exc}") from exc


def iter_records(
    path: Path, *, on_bad_line: Callable[[str], None] | None = None
) -> Iterator[ExtractionRecord]:
    """Every record of a log, in file order (an id written twice comes twice).

    Args:
        path: the log.
        on_bad_line: given, a line other than a torn last line that is not a record is passed
            to it (as a message naming the file and the line) and skipped: for readers that go on
            past a bad line (an export); without it, the line is an error.

    Raises:
        InputError: the file cannot be read, or (without ``on_bad_line``) a line other than a
            torn last line is not a record; the message names the file and the line.
    """
    for _, record in _numbered(path, on_bad_line):
        yield record


def read_records(path: Path) -> list[ExtractionRecord]:
    """The records of a log, one per id: the last one written wins, in first-written order.

    Raises:
        InputError: as :func:`iter_records`.
    """
    by_id: dict[str, ExtractionRecord] = {}
    for record in iter_records(path):
        by_id[record.id] = record
    return list(by_id.values())


def done_ids(path: Path) -> set[str]:
    """Ids already in a log (none when it does not exist yet): the work a resumed run skips.

    Raises:
        InputError: as :func:`iter_records`.
    """
    return {r.id for r in iter_records(path)} if path.exists() else set()


def failed_ids(path: Path) -> set[str]:
    """Ids whose last record in a log is an error (none when the log does not exist yet).

    Raises:
        InputError: as :func:`iter_records`.
    """
    return log_ids(path)[1]


def log_ids(path: Path) -> tuple[set[str], set[str]]:
    """The ids in a log, and those whose last record is an error, in one read.

    Raises:
        InputError: as :func:`iter_records`.
    """
    last: dict[str, bool] = {}
    if path.exists():
        for r in iter_records(path):
            last[r.id] = r.error is not None
    return set(last), {rid for rid, failed in last.items() if failed}


# --------------------------------------------------------------------------- writing

_BLOCK = 1 << 16


def _last_line_start(f: BinaryIO, size: int) -> int:
    """Offset just past the last newline of a file (0 when it has none), read from the end."""
    end = size
    while end > 0:
        start = max(0, end - _BLOCK)
        f.seek(start)
        cut = f.read(end - start).rfind(b"\n")
        if cut >= 0:
            return start + cut + 1
        end = start
    return 0


def repair_tail(path: Path) -> None:
    """Make a log end on a whole line before anything is appended to it.

    A last line without its newline is cut when it is not a record (a write cut short by a
    kill), and given its newline when it is one.
    """
    if not path.exists() or path.stat().st_size == 0:
        return
    with path.open("rb+") as f:
        size = f.seek(0, os.SEEK_END)
        f.seek(size - 1)
        if f.read(1) == b"\n":
            return
        start = _last_line_start(f, size)
        f.seek(start)
        last = f.read()
        try:
            _parse(last.decode("utf-8"))
        except (ValidationError, UnicodeDecodeError):
            f.truncate(start)
            logger.warning("%s: cut a torn last line (%d bytes)", path, len(last))
        else:
            f.write(b"\n")


def lock_path(target: Path) -> Path:
    """The lock file of a log or cache: ``<name>.lock`` beside it."""
    return target.with_name(f"{target.name}.lock")


class FileLock:
    """An exclusive, non-blocking ``flock`` on ``<target>.lock``, held until :meth:`release`.

    The lock file says which process holds it, for the error a second run gets. It is removed on
    release; a process that opened it just before is not fooled, because a lock is only taken as
    held once the path still names the file that was locked.
    """

    def __init__(self, target: Path, *, what: str = "record log") -> None:
        """Take the lock.

        Raises:
            OutputError: another process (or another open in this one) holds it, or the lock
                file cannot be created; the message names the file.
        """
        import fcntl  # POSIX only, and only writers need it

        self.path = lock_path(target)
        while True:
            try:
                fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
            except OSError as exc:
                raise OutputError(f"{target}: cannot create the lock {self.path}: {exc}") from exc
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError as exc:
                holder = os.pread(fd, 32, 0).decode("ascii", "replace").strip()
                os.close(fd)
                by = f"process {holder}" if holder.isdigit() else "another process"
                raise OutputError(
                    f"{target}: this {what} is in use by another run ({by} holds {self.path}); "
                    "wait for it to finish or stop it, or use another path"
                ) from exc
            try:
                mine, there = os.fstat(fd), os.stat(self.path)
                same = (mine.st_dev, mine.st_ino) == (there.st_dev, there.st_ino)
            except FileNotFoundError:
                same = False
            if same:
                break
            os.close(fd)  # the holder removed it as we opened it: lock the one there now
        os.ftruncate(fd, 0)
        os.write(fd, f"{os.getpid()}\n".encode("ascii"))
        self._fd: int | None = fd

    def release(self) -> None:
        """Remove the lock file and let go (removed first, while it is still ours)."""
        if self._fd is None:
            return
        with contextlib.suppress(OSError):
            self.path.unlink()
        os.close(self._fd)
        self._fd = None


class RecordLog:
    """The append-only log writer: one line per record, flushed at once, fsynced once a second.

    A killed process loses nothing already written (the kernel has it); a power cut loses at most
    the last second. The torn line a kill can leave is repaired (:func:`repair_tail`) on open.
    An fsync per record took ~10 ms here and stalled the event loop, hence the interval.

    The log is locked while open (:class:`FileLock`). A write that fails (disk full) is cut back
    to the last whole line before the error is raised, so the log stays valid.
    """

    def __init__(self, path: Path, *, sync_every_s: float = 1.0) -> None:
        """Lock, repair and open a log for appending.

        Raises:
            OutputError: another run holds the log, or it cannot be opened for writing.
        """
        self.path = path
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise OutputError(f"{path}: cannot create its folder: {exc}") from exc
        self._lock = FileLock(path)
        try:
            for stale in path.parent.glob(f".{path.name}.*.tmp"):  # a rewrite killed midway
                stale.unlink()
            repair_tail(path)
            self._file = self._open()
        except OSError as exc:
            self._lock.release()
            raise OutputError(f"{path}: cannot open the record log for writing: {exc}") from exc
        self._sync_every_s = sync_every_s
        self._synced = time.monotonic()

    def _open(self) -> io.FileIO:
        # unbuffered: a failed write leaves nothing behind in a buffer to be flushed at close
        f = io.FileIO(self.path, "a")
        self._size = os.fstat(f.fileno()).st_size
        return f

    def write(self, record: ExtractionRecord) -> None:
        """Append one record as one line (one write call: no other writer interleaves).

        Raises:
            OutputError: the line could not be written (disk full, I/O error); what the log held
                before is left whole.
        """
        data = (record.model_dump_json(exclude_none=False) + "\n").encode("utf-8")
        try:
            view = memoryview(data)
            while view:  # a write may be partial when the disk (or a size limit) is reached
                n = self._file.write(view)
                if not n:
                    raise OSError(errno.ENOSPC, "no byte written")
                view = view[n:]
            if time.monotonic() - self._synced >= self._sync_every_s:
                os.fsync(self._file.fileno())
                self._synced = time.monotonic()
        except OSError as exc:
            with contextlib.suppress(OSError):  # else the next open cuts the torn line
                os.ftruncate(self._file.fileno(), self._size)
            raise OutputError(
                f"{self.path}: cannot write the record log ({exc.strerror or exc}); it keeps "
                "every record written before, whole, and a rerun resumes after them"
            ) from exc
        self._size += len(data)

    def rewrite(self, drop: Collection[str]) -> int:
        """Rewrite the log without the records of ``drop``, keeping one line per other id.

        The kept lines (the last one written of each id) are copied unchanged into a temporary
        file that replaces the log in one rename (:func:`atomic_path`): a kill at any moment
        leaves the old log or the new one. Appending goes on in the new one.

        Returns:
            The number of lines dropped.

        Raises:
            InputError: a line of the log is not a record.
            OutputError: the new log cannot be written; the old one is left as it was.
        """
        last: dict[str, int] = {}
        total = 0
        for n, record in _numbered(self.path):
            last[record.id] = n
            total += 1
        keep = {n for rid, n in last.items() if rid not in drop}
        if len(keep) == total:
            return 0
        self._file.close()
        try:
            with atomic_path(self.path) as tmp, self.path.open("rb") as old, tmp.open("wb") as new:
                for n, raw in enumerate(old, 1):
                    if n in keep:
                        new.write(raw if raw.endswith(b"\n") else raw + b"\n")
                new.flush()
                os.fsync(new.fileno())
        except OSError as exc:
            raise OutputError(f"{self.path}: cannot rewrite the record log: {exc}") from exc
        finally:
            self._file = self._open()
        return total - len(keep)

    def close(self) -> None:
        """Fsync, close and unlock."""
        try:
            if not self._file.closed:
                with contextlib.suppress(OSError):  # a full disk was already reported by write
                    os.fsync(self._file.fileno())
                self._file.close()
        finally:
            self._lock.release()

    def __enter__(self) -> RecordLog:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()


# --------------------------------------------------------------------------- whole files


def _remove(path: Path) -> None:
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path, ignore_errors=True)
    else:
        path.unlink(missing_ok=True)


@contextlib.contextmanager
def atomic_path(target: Path) -> Generator[Path]:
    """A temporary path beside ``target`` that replaces it when the ``with`` block succeeds.

    Write a file, or fill a folder, at the path given. On success it is renamed over ``target``
    (a folder replaces an existing one in two renames: the old one is moved aside, then deleted);
    on an exception ``target`` is left as it was and the temporary is removed.
    """
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    old = target.with_name(f".{target.name}.{os.getpid()}.old")
    _remove(tmp)
    try:
        yield tmp
        if tmp.is_dir() and target.exists():
            _remove(old)
            os.replace(target, old)
        os.replace(tmp, target)
    finally:
        _remove(tmp)
        _remove(old)


def atomic_write(target: Path, data: bytes | str) -> Path:
    """Write a whole file or nothing (fsynced before the rename); str is written as UTF-8.

    Returns:
        ``target``.
    """
    blob = data.encode("utf-8") if isinstance(data, str) else data
    with atomic_path(target) as tmp, tmp.open("wb") as f:
        f.write(blob)
        f.flush()
        os.fsync(f.fileno())
    return target

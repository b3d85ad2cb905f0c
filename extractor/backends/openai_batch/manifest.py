"""The manifest written beside a batch request file: what the model was sent, to check replies by.

``prepare`` writes it; ``submit`` refuses a request file that no longer matches it, and ``collect``
an output whose articles, prompt or schema differ, because a record must say exactly what the
model saw.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Final, Literal

from pydantic import BaseModel, ConfigDict, ValidationError

from extractor.backends.openai_batch.requests import BATCH_ENDPOINT
from extractor.errors import InputError

__all__ = [
    "MANIFEST_FORMAT",
    "BatchManifest",
    "ManifestArticle",
    "ManifestMismatchError",
    "manifest_path",
    "read_manifest",
]

MANIFEST_FORMAT: Final = 1


class ManifestMismatchError(InputError):
    """A batch output cannot be collected against these articles, prompt or schema."""


class ManifestArticle(BaseModel):
    """What the model saw of one article."""

    model_config = ConfigDict(extra="forbid")

    sha256: str
    """sha256 of the article text (UTF-8)."""
    published: str | None = None
    """Publication date (ISO), rendered into the prompt and used to resolve dates."""


class BatchManifest(BaseModel):
    """Everything ``collect`` needs to check that an output belongs to these articles and code."""

    model_config = ConfigDict(extra="forbid")

    format: int = MANIFEST_FORMAT
    created: str
    backend: str
    model: str
    strategy: Literal["whole"] = "whole"
    endpoint: str = BATCH_ENDPOINT
    prompt_id: str
    prompt_sha256: str
    schema_sha256: str
    """The pipeline's schema identity (``pipeline.schema_sha256``), as in every record's meta."""
    request_schema_sha256: str
    """sha256 of the strict schema actually sent."""
    settings: dict[str, Any]
    requests: str
    """File name of the request JSONL, next to the manifest."""
    requests_sha256: str
    articles: dict[str, ManifestArticle]
    """Per ``custom_id`` (the article id)."""


def manifest_path(requests: Path) -> Path:
    """Where the manifest of a request file lives: ``batch.jsonl`` -> ``batch.manifest.json``."""
    return requests.with_name(f"{requests.stem}.manifest.json")


def read_manifest(path: Path) -> BatchManifest:
    """Load a manifest written by ``prepare``.

    Raises:
        InputError: the file is missing or is not a manifest.
    """
    try:
        return BatchManifest.model_validate_json(path.read_bytes())
    except OSError as exc:
        raise InputError(f"{path}: cannot read the batch manifest: {exc.strerror}") from exc
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "(root)"
        raise InputError(f"{path}: not a batch manifest: {where}: {first['msg']}") from exc

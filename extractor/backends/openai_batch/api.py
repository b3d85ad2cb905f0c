"""The Batch API calls: upload and start (``submit``), ``status``, ``download``. The only network.

Each is called only on purpose; the key comes from ``OPENAI_API_KEY`` and is never logged or
written. The SDK is imported on use: importing this package stays cheap and offline.
"""

from __future__ import annotations

import hashlib
import logging
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

from extractor.backends.openai_batch.manifest import manifest_path, read_manifest
from extractor.backends.openai_batch.requests import BATCH_ENDPOINT, COMPLETION_WINDOW
from extractor.backends.openai_batch.schema import is_object
from extractor.errors import BackendError, ConfigError, InputError
from extractor.records import atomic_write

if TYPE_CHECKING:
    from openai import OpenAI

logger = logging.getLogger(__name__)

__all__ = ["download", "status", "submit"]


def _sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _openai(client: OpenAI | None) -> OpenAI:
    """The given client, or one built from the environment (key from ``OPENAI_API_KEY`` only)."""
    if client is not None:
        return client
    key = os.environ.get("OPENAI_API_KEY")
    if not key:
        raise ConfigError("the OpenAI Batch API needs the OPENAI_API_KEY environment variable")
    import openai  # imported on use: importing this module must stay cheap and offline

    return openai.OpenAI(api_key=key)


def _api_error(exc: Exception) -> BackendError:
    """One clear line for a failed API call (the SDK has already retried what can be retried)."""
    import openai

    if isinstance(exc, openai.APIStatusError):
        # The API's own sentence ("No batch found with id ...") rather than the SDK's dump.
        body: object = exc.body
        said = body.get("message") if is_object(body) else None
        return BackendError("openai-batch", f"HTTP {exc.status_code}: {said or exc.message}"[:500])
    return BackendError("openai-batch", f"{type(exc).__name__}: {exc}"[:500])


def submit(path: Path, client: OpenAI | None = None) -> str:
    """Upload a request file written by ``prepare`` and start a batch on it.

    The file must still match its manifest: a batch whose replies ``collect`` would refuse is
    money spent for nothing.

    Args:
        path: the request JSONL.
        client: an ``openai.OpenAI`` client; by default one is built from ``OPENAI_API_KEY``.

    Returns:
        The batch id (``batch_...``), for ``status``.

    Raises:
        InputError: no manifest, or the file changed since ``prepare``.
        ConfigError: no client given and ``OPENAI_API_KEY`` is not set.
        BackendError: the API refused the upload or the batch.
    """
    manifest = read_manifest(manifest_path(path))
    try:
        actual = _sha256_file(path)
    except OSError as exc:
        raise InputError(f"{path}: cannot read the request file: {exc.strerror}") from exc
    if actual != manifest.requests_sha256:
        raise InputError(f"{path} changed since prepare (sha256 differs from its manifest)")
    api = _openai(client)
    import openai

    try:
        with path.open("rb") as f:
            uploaded = api.files.create(file=f, purpose="batch")
        batch = api.batches.create(
            input_file_id=uploaded.id,
            endpoint=BATCH_ENDPOINT,
            completion_window=COMPLETION_WINDOW,
            metadata={"requests": path.name, "requests_sha256": manifest.requests_sha256},
        )
    except openai.APIError as exc:
        raise _api_error(exc) from exc
    logger.info("submitted %s as batch %s (%d requests)", path, batch.id, len(manifest.articles))
    return batch.id


def status(batch_id: str, client: OpenAI | None = None) -> dict[str, Any]:
    """The Batch object as JSON: ``status``, ``request_counts``, ``output_file_id``...

    Raises:
        ConfigError: no client given and ``OPENAI_API_KEY`` is not set.
        BackendError: the API call failed (unknown id, HTTP error).
    """
    api = _openai(client)
    import openai

    try:
        return api.batches.retrieve(batch_id).model_dump(mode="json")
    except openai.APIError as exc:
        raise _api_error(exc) from exc


def download(file_id: str, out: Path, client: OpenAI | None = None) -> Path:
    """Save a batch's output (or error) file, e.g. ``status(...)["output_file_id"]``, to ``out``.

    Raises:
        ConfigError: no client given and ``OPENAI_API_KEY`` is not set.
        BackendError: the API call failed.
    """
    api = _openai(client)
    import openai

    try:
        content = api.files.content(file_id)
    except openai.APIError as exc:
        raise _api_error(exc) from exc
    return atomic_write(out, content.content)

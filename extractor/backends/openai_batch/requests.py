"""Batch API request files: one ``/v1/chat/completions`` request a line, within the API's limits."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Final

from extractor.backends.openai_batch.schema import JSONObject
from extractor.backends.protocol import GenerateSettings
from extractor.errors import InputError

__all__ = [
    "BATCH_ENDPOINT",
    "COMPLETION_WINDOW",
    "MAX_FILE_BYTES",
    "MAX_REQUESTS",
    "SCHEMA_NAME",
    "request_file",
    "request_line",
]

BATCH_ENDPOINT: Final = "/v1/chat/completions"
COMPLETION_WINDOW: Final = "24h"
SCHEMA_NAME: Final = "ArticleExtraction"
MAX_REQUESTS: Final = 50_000
"""Requests per batch input file accepted by the Batch API."""
MAX_FILE_BYTES: Final = 200 * 1024 * 1024
"""Size of a batch input file accepted by the Batch API."""


def request_line(
    custom_id: str,
    *,
    model: str,
    messages: Sequence[object],
    schema: JSONObject,
    settings: GenerateSettings,
) -> str:
    """One request of a batch file, as a compact JSON line (no newline).

    ``settings`` give temperature, ``max_tokens`` and seed; there are no re-asks in a batch, so
    ``max_retries`` and ``token_budget`` do not apply.
    """
    body: JSONObject = {
        "model": model,
        "messages": list(messages),
        "response_format": {
            "type": "json_schema",
            "json_schema": {"name": SCHEMA_NAME, "strict": True, "schema": schema},
        },
        "temperature": settings.temperature,
        # max_completion_tokens, not the deprecated max_tokens: reasoning models refuse the latter.
        "max_completion_tokens": settings.max_tokens,
    }
    if settings.seed is not None:
        body["seed"] = settings.seed
    request = {"custom_id": custom_id, "method": "POST", "url": BATCH_ENDPOINT, "body": body}
    # compact separators: the schema and instructions repeat on every line of a capped file
    return json.dumps(request, ensure_ascii=False, separators=(",", ":"))


def request_file(lines: Sequence[str]) -> bytes:
    """The request file's bytes.

    Raises:
        InputError: no requests, or more requests or bytes than one batch file takes.
    """
    if not lines:
        raise InputError("no articles to prepare a batch from")
    if len(lines) > MAX_REQUESTS:
        raise InputError(
            f"{len(lines)} articles: a batch takes at most {MAX_REQUESTS:,}; split the input"
        )
    data = ("\n".join(lines) + "\n").encode("utf-8")
    if len(data) > MAX_FILE_BYTES:
        raise InputError(
            f"the request file would be {len(data) / 2**20:.0f} MiB; a batch file takes at most "
            f"{MAX_FILE_BYTES // 2**20} MiB: split the input"
        )
    return data

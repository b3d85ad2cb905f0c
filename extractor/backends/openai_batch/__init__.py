"""The OpenAI Batch API as a backend: strict schemas, request files, manifests, API calls, replies.

The replies are played back to the pipeline by ``ReplayBackend``, a ``Backend`` like any other.
What needs the pipeline (rendering the requests, running the replies through it) is
``extractor.run.batch``: backends never import the pipeline.
"""

from extractor.backends.openai_batch.api import download, status, submit
from extractor.backends.openai_batch.manifest import (
    MANIFEST_FORMAT,
    BatchManifest,
    ManifestArticle,
    ManifestMismatchError,
    manifest_path,
    read_manifest,
)
from extractor.backends.openai_batch.replies import (
    OutputLine,
    ReplayBackend,
    Reply,
    output_lines,
    reply_of,
)
from extractor.backends.openai_batch.requests import (
    BATCH_ENDPOINT,
    COMPLETION_WINDOW,
    MAX_FILE_BYTES,
    MAX_REQUESTS,
    SCHEMA_NAME,
    request_file,
    request_line,
)
from extractor.backends.openai_batch.schema import JSONObject, strict_schema

__all__ = [
    "BATCH_ENDPOINT",
    "COMPLETION_WINDOW",
    "MANIFEST_FORMAT",
    "MAX_FILE_BYTES",
    "MAX_REQUESTS",
    "SCHEMA_NAME",
    "BatchManifest",
    "JSONObject",
    "ManifestArticle",
    "ManifestMismatchError",
    "OutputLine",
    "ReplayBackend",
    "Reply",
    "download",
    "manifest_path",
    "output_lines",
    "read_manifest",
    "reply_of",
    "request_file",
    "request_line",
    "status",
    "strict_schema",
    "submit",
]

"""OpenAI Batch API: prepare the requests offline, submit them, poll, and collect the replies.

The flow is ``prepare`` -> ``submit`` -> ``status`` (until ``completed``) -> ``download`` the output
file -> ``collect``. Half the price of live requests, at the cost of a 24-hour window and of no
re-asks: a reply is validated and grounded once, exactly as the live pipeline treats a reply whose
retries ran out (unsupported items are dropped into the diagnostics, not re-asked).

Only the ``whole`` strategy is batched: one request per article, the same messages and the same
schema as a live ``whole`` run, sent as an OpenAI structured-outputs schema (``strict_schema``).

``prepare`` writes a manifest next to the request file: prompt, schema, model, settings and the
sha256 of every article. ``collect`` refuses an output it cannot trust (an article edited since
``prepare``, another prompt or schema), because a record must say exactly what the model saw.

Only ``submit``, ``status`` and ``download`` touch the network, and only when called; the API key
comes from ``OPENAI_API_KEY`` and is never logged or written.
"""

from __future__ import annotations

import asyncio
import copy
import dataclasses
import datetime as dt
import hashlib
import json
import logging
import os
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final, Literal, cast

from pydantic import BaseModel, ConfigDict, ValidationError

from extractor.backends import Completion, FailedCompletion, GenerateSettings, T, Usage
from extractor.errors import BackendError, ConfigError, InputError
from extractor.pipeline.extract import GroundedExtraction, extract_article, schema_sha256
from extractor.pipeline.planted import mask_planted
from extractor.pipeline.prompts import Prompt, load_prompt
from extractor.run.runner import done_ids, repair_tail
from extractor.schema import Article

if TYPE_CHECKING:
    from openai import OpenAI

logger = logging.getLogger(__name__)

BATCH_ENDPOINT: Final = "/v1/chat/completions"
COMPLETION_WINDOW: Final = "24h"
SCHEMA_NAME: Final = "ArticleExtraction"
MAX_REQUESTS: Final = 50_000
"""Requests per batch input file accepted by the Batch API."""
MAX_FILE_BYTES: Final = 200 * 1024 * 1024
"""Size of a batch input file accepted by the Batch API."""
MANIFEST_FORMAT: Final = 1
STRATEGY: Final = "whole"

JSONObject = dict[str, Any]


class ManifestMismatchError(InputError):
    """A batch output cannot be collected against these articles, prompt or schema."""


# --------------------------------------------------------------------------------------------
# Strict schema
# --------------------------------------------------------------------------------------------

_KEPT = frozenset(
    [
        "type",
        "properties",
        "required",
        "additionalProperties",
        "items",
        "anyOf",
        "enum",
        "const",
        "$ref",
        "$defs",
        "description",
        "title",
        "pattern",
        "format",
        "minimum",
        "maximum",
        "exclusiveMinimum",
        "exclusiveMaximum",
        "multipleOf",
        "minItems",
        "maxItems",
    ]
)
"""Keywords OpenAI strict mode accepts; anything else that only annotates or constrains a value is
dropped (``default``, ``minLength``, ``examples``...). Dropping a constraint is safe: ``collect``
validates every reply with the Pydantic model, which still enforces it."""

_REJECTED = frozenset(
    [
        "not",
        "if",
        "then",
        "else",
        "patternProperties",
        "prefixItems",
        "dependentRequired",
        "dependentSchemas",
        "propertyNames",
        "unevaluatedProperties",
        "unevaluatedItems",
        "contains",
    ]
)
"""Keywords that change which shapes are valid and that strict mode cannot express: dropping them
would let the model write something else than the model class describes, so they are errors."""

_FORMATS = frozenset(
    ["date-time", "time", "date", "duration", "email", "hostname", "ipv4", "ipv6", "uuid"]
)
"""String formats strict mode accepts; others (``uri``...) are dropped like any constraint."""


def _is_nullable(schema: Mapping[str, Any]) -> bool:
    kind = schema.get("type")
    if kind == "null" or (isinstance(kind, list) and "null" in kind):
        return True
    variants: list[Any] = schema.get("anyOf") or []
    return any(isinstance(v, Mapping) and _is_nullable(cast("JSONObject", v)) for v in variants)


class _Strictifier:
    """Rewrites one JSON schema, keeping the ``$defs`` of its root to resolve references."""

    def __init__(self, defs: Mapping[str, Any]) -> None:
        self.defs = defs
        self.inlining: list[str] = []

    def resolve(self, ref: str, path: str) -> JSONObject:
        prefix = "#/$defs/"
        name = ref.removeprefix(prefix)
        if not ref.startswith(prefix) or name not in self.defs:
            raise ValueError(
                f"{path}: cannot resolve $ref {ref!r} (only #/$defs/NAME is supported)"
            )
        return self.defs[name]

    def node(self, schema: Mapping[str, Any], path: str) -> JSONObject:
        rejected = sorted(_REJECTED & schema.keys())
        if rejected:
            raise ValueError(f"{path}: strict mode cannot express {', '.join(rejected)}")
        if "allOf" in schema:
            # Pydantic (and hand-written schemas) wrap a single reference in allOf to attach a
            # description; merge it in. A real intersection cannot be expressed.
            parts: list[Any] = schema["allOf"]
            if len(parts) != 1:
                raise ValueError(
                    f"{path}: strict mode cannot express allOf of {len(parts)} schemas"
                )
            rest = {k: v for k, v in schema.items() if k != "allOf"}
            return self.node({**parts[0], **rest}, path)
        if "oneOf" in schema:
            # Exactly-one becomes at-least-one: looser, and Pydantic re-checks the reply anyway.
            rest = {k: v for k, v in schema.items() if k != "oneOf"}
            return self.node({**rest, "anyOf": schema["oneOf"]}, path)
        if "$ref" in schema:
            return self.ref(schema, path)
        out: JSONObject = {}
        for key, value in schema.items():
            if key not in _KEPT or key in ("$defs", "required"):
                continue  # $defs are rewritten once by strict_schema; required is recomputed
            if key == "format" and value not in _FORMATS:
                continue
            if key == "properties":
                out[key] = {
                    name: self.node(sub, f"{path}.{name}") for name, sub in dict(value).items()
                }
            elif key == "items" and isinstance(value, Mapping):
                out[key] = self.node(cast("JSONObject", value), f"{path}[]")
            elif key == "anyOf":
                out[key] = [self.node(v, f"{path}|{i}") for i, v in enumerate(list(value))]
            else:
                out[key] = copy.deepcopy(value)  # never share a list (enum...) with the input
        if "properties" in schema or schema.get("type") == "object":
            self.object(schema, out, path)
        return out

    def object(self, original: Mapping[str, Any], out: JSONObject, path: str) -> None:
        """Make every property required and forbid any other, as strict mode demands."""
        properties: JSONObject = out.setdefault("properties", {})
        # Without properties, only an explicit "additionalProperties: false" means a closed
        # (empty) object; anything else is a dict with free keys.
        if "properties" not in original and original.get("additionalProperties") is not False:
            raise ValueError(
                f"{path}: an open-ended object (a dict) cannot be expressed in strict mode; "
                "give it fixed fields"
            )
        was_required = set(original.get("required") or [])
        for name, sub in properties.items():
            declared: Mapping[str, Any] = original["properties"][name]
            # A field that may be left out and defaults to None must now be written, so null
            # must be a value the model may write. Pydantic already says so for ``X | None``
            # (anyOf with null); a bare ``x: X = None`` needs the null added. A field with any
            # other default just becomes required: the model writes the value, Pydantic takes it.
            optional_none = name not in was_required and declared.get("default", ...) is None
            if optional_none and not _is_nullable(sub):
                properties[name] = {"anyOf": [sub, {"type": "null"}]}
        out["required"] = list(properties)
        out["additionalProperties"] = False
        out["type"] = "object"

    def ref(self, schema: Mapping[str, Any], path: str) -> JSONObject:
        ref = str(schema["$ref"])
        siblings = self.node({k: v for k, v in schema.items() if k != "$ref"}, path)
        target = self.resolve(ref, path)
        if not siblings:
            return {"$ref": ref}
        if ref in self.inlining:
            # A recursive type with a description on its reference: keep the reference (strict
            # mode supports recursion through $defs) and lose the sibling description.
            return {"$ref": ref}
        # Strict mode rejects keywords next to a $ref ({"$ref": ..., "description": ...}), and
        # the descriptions are part of the prompt, so inline the target and keep them.
        self.inlining.append(ref)
        try:
            resolved = self.node(target, path)
        finally:
            self.inlining.pop()
        return {**resolved, **siblings}


def _refs(node: object) -> Iterator[str]:
    """Every ``$ref`` in a schema, nested ones included."""
    if isinstance(node, Mapping):
        for key, value in cast("Mapping[str, object]", node).items():
            if key == "$ref" and isinstance(value, str):
                yield value
            else:
                yield from _refs(value)
    elif isinstance(node, list):
        for value in cast("list[object]", node):
            yield from _refs(value)


def strict_schema(source: type[BaseModel] | Mapping[str, Any]) -> JSONObject:
    """Rewrite a model's JSON schema into the subset that OpenAI strict structured outputs accept.

    Strict mode constrains decoding to the schema, but only for schemas where:

    - every object lists all its properties in ``required`` and sets ``additionalProperties:
      false`` (at every level, ``$defs`` included). A field that may be omitted and defaults to
      None is made nullable (``anyOf`` with ``{"type": "null"}``) so that it can be required; a
      field with another default becomes required as it is;
    - no keyword sits next to a ``$ref``: such a reference is inlined, keeping its description
      (descriptions are instructions to the model);
    - only supported keywords appear: ``default`` and value constraints strict mode does not know
      are dropped (the Pydantic model still enforces them when the reply is validated), a single
      ``allOf`` is merged, ``oneOf`` becomes ``anyOf``; keywords that change the valid shapes
      (``not``, ``patternProperties``, open-ended dicts...) are refused.

    ``$defs`` no longer referenced after inlining are removed. The input is not modified.

    Args:
        source: a Pydantic model class, or a JSON schema with its ``$defs`` at the root.

    Returns:
        The strict schema, an object at its root.

    Raises:
        ValueError: the schema uses something strict mode cannot express; the message gives the
            path.
    """
    schema: Mapping[str, Any] = (
        source if isinstance(source, Mapping) else source.model_json_schema()
    )
    defs: Mapping[str, Any] = schema.get("$defs") or {}
    walker = _Strictifier(defs)
    top = {k: v for k, v in schema.items() if k != "$defs"}
    if "$ref" in top:
        # A recursive model's schema is a bare reference to its own definition; strict mode
        # wants an object at the root, so the root becomes a copy of that definition.
        ref = str(top.pop("$ref"))
        top = {**walker.resolve(ref, "$"), **top}
    root = walker.node(top, "$")
    if root.get("type") != "object":
        raise ValueError("$: the root of a strict schema must be an object")
    rewritten = {name: walker.node(sub, f"$defs.{name}") for name, sub in defs.items()}
    # Keep only the definitions still reachable from the root (inlining leaves some unused).
    used: set[str] = set()
    todo = [r.removeprefix("#/$defs/") for r in _refs(root)]
    while todo:
        name = todo.pop()
        if name not in used:
            used.add(name)
            todo.extend(r.removeprefix("#/$defs/") for r in _refs(rewritten[name]))
    if used:
        root["$defs"] = {name: rewritten[name] for name in sorted(used)}
    return root


def request_schema() -> JSONObject:
    """The strict schema of the ``whole`` strategy's reply (``GroundedExtraction``)."""
    return strict_schema(GroundedExtraction)


# --------------------------------------------------------------------------------------------
# Manifest
# --------------------------------------------------------------------------------------------


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
    strategy: Literal["whole"] = STRATEGY
    endpoint: str = BATCH_ENDPOINT
    prompt_id: str
    prompt_sha256: str
    schema_sha256: str
    """The pipeline's schema identity (``extract.schema_sha256``), as in every record's meta."""
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


def _sha256_text(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _write_atomic(path: Path, data: bytes) -> None:
    """Write a whole file or nothing: a reader never sees half a request file or manifest."""
    tmp = path.with_name(f".{path.name}.tmp")
    with tmp.open("wb") as f:
        f.write(data)
        f.flush()
        os.fsync(f.fileno())
    tmp.replace(path)


# --------------------------------------------------------------------------------------------
# prepare
# --------------------------------------------------------------------------------------------


def _request(
    article: Article, *, model: str, prompt: Prompt, settings: GenerateSettings, schema: JSONObject
) -> JSONObject:
    published = article.published.isoformat() if article.published else None
    body: JSONObject = {
        "model": model,
        # the model reads what the live pipeline shows it: planted instructions masked
        "messages": prompt.messages(
            mask_planted(article.text)[0], task=STRATEGY, published=published
        ),
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
    return {"custom_id": article.id, "method": "POST", "url": BATCH_ENDPOINT, "body": body}


def prepare(
    articles: Iterable[Article],
    *,
    model: str,
    prompt: Prompt,
    out: Path,
    settings: GenerateSettings,
) -> Path:
    """Write the Batch API request file for the ``whole`` strategy, and its manifest next to it.

    Each line is ``{"custom_id": <article id>, "method": "POST", "url": "/v1/chat/completions",
    "body": ...}`` with the messages of a live ``whole`` request and the reply schema as a strict
    ``json_schema`` response format. ``settings`` give temperature, ``max_tokens`` and seed; there
    are no re-asks in a batch, so ``max_retries`` and ``token_budget`` do not apply. Both files are
    replaced atomically if they exist.

    Args:
        articles: the articles; their ids become the ``custom_id`` values.
        model: an OpenAI model name, e.g. ``gpt-4.1-mini``.
        prompt: the prompt, as for a live run.
        out: the request JSONL to write; the manifest goes to ``manifest_path(out)``.
        settings: sampling settings.

    Returns:
        ``out``.

    Raises:
        InputError: no articles, a duplicate id, or more than the Batch API takes in one file.
    """
    schema = request_schema()
    lines: list[str] = []
    seen: dict[str, ManifestArticle] = {}
    for article in articles:
        if article.id in seen:
            raise InputError(
                f"duplicate article id {article.id!r}: Batch API custom_id values must be unique"
            )
        seen[article.id] = ManifestArticle(
            sha256=_sha256_text(article.text),
            published=article.published.isoformat() if article.published else None,
        )
        request = _request(article, model=model, prompt=prompt, settings=settings, schema=schema)
        # compact separators: the schema and instructions repeat on every line of a capped file
        lines.append(json.dumps(request, ensure_ascii=False, separators=(",", ":")))
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
    out.parent.mkdir(parents=True, exist_ok=True)
    _write_atomic(out, data)
    manifest = BatchManifest(
        created=dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        backend=f"openai-batch/{model}",
        model=model,
        prompt_id=prompt.id,
        prompt_sha256=prompt.sha256,
        schema_sha256=schema_sha256(),
        request_schema_sha256=hashlib.sha256(
            json.dumps(schema, sort_keys=True).encode("utf-8")
        ).hexdigest(),
        settings=dataclasses.asdict(settings),
        requests=out.name,
        requests_sha256=hashlib.sha256(data).hexdigest(),
        articles=seen,
    )
    # The manifest goes last and pins the request file's sha256: a crash between the two writes
    # leaves a stale manifest, which submit then refuses rather than sending unverifiable work.
    _write_atomic(manifest_path(out), (manifest.model_dump_json(indent=2) + "\n").encode("utf-8"))
    logger.info("wrote %d batch requests to %s", len(lines), out)
    return out


# --------------------------------------------------------------------------------------------
# submit / status / download (the only network calls)
# --------------------------------------------------------------------------------------------


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
        body = cast("object", exc.body)
        said = cast("dict[str, object]", body).get("message") if isinstance(body, dict) else None
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
    out.parent.mkdir(parents=True, exist_ok=True)
    _write_atomic(out, content.content)
    return out


# --------------------------------------------------------------------------------------------
# collect
# --------------------------------------------------------------------------------------------


class _Lenient(BaseModel):
    """Parts of the API's JSON we read; the API adds fields freely, so extras are ignored."""

    model_config = ConfigDict(extra="ignore")


class _Response(_Lenient):
    status_code: int
    request_id: str | None = None
    body: dict[str, Any] | None = None


class _OutputLine(_Lenient):
    custom_id: str
    id: str | None = None
    response: _Response | None = None
    error: dict[str, Any] | None = None


class _Message(_Lenient):
    content: str | None = None
    refusal: str | None = None


class _Choice(_Lenient):
    message: _Message
    finish_reason: str | None = None


class _PromptDetails(_Lenient):
    cached_tokens: int | None = None


class _Usage(_Lenient):
    prompt_tokens: int = 0
    completion_tokens: int = 0
    prompt_tokens_details: _PromptDetails | None = None


class _ChatCompletion(_Lenient):
    choices: list[_Choice]
    usage: _Usage | None = None


@dataclass(frozen=True)
class _Reply:
    """One output line reduced to what the pipeline needs."""

    content: str | None
    """The message text to validate; None when the request failed before any reply."""
    error: str | None
    """Why there is no usable reply, or a note to prefix to a validation error."""
    usage: Usage
    raw: str | None
    """What to keep in a failed record for debugging: the reply, or the error as JSON."""


def _one_line(text: str, limit: int) -> str:
    return " ".join(text.split())[:limit]


def _reply(line: _OutputLine) -> _Reply:
    if line.error is not None:  # the request never ran (batch expired, cancelled...)
        message = str(line.error.get("message") or "")
        code = line.error.get("code") or "error"
        return _Reply(
            None, f"batch error {code}: {_one_line(message, 300)}", Usage(), json.dumps(line.error)
        )
    response = line.response
    if response is None:
        return _Reply(None, "batch output line has neither a response nor an error", Usage(), None)
    body = response.body or {}
    raw_body = json.dumps(body, ensure_ascii=False)
    if response.status_code != 200:
        detail = body.get("error")
        said = (
            str(cast("dict[str, Any]", detail).get("message") or "")
            if isinstance(detail, dict)
            else raw_body
        )
        return _Reply(
            None, f"HTTP {response.status_code}: {_one_line(said, 300)}", Usage(), raw_body
        )
    try:
        completion = _ChatCompletion.model_validate(body)
        choice = completion.choices[0]
    except (ValidationError, IndexError):
        return _Reply(None, "HTTP 200 with a body that is not a chat completion", Usage(), raw_body)
    usage = Usage()
    if completion.usage is not None:
        details = completion.usage.prompt_tokens_details
        usage = Usage(
            completion.usage.prompt_tokens,
            completion.usage.completion_tokens,
            (details.cached_tokens or 0) if details else 0,
        )
    reply = choice.message
    if reply.refusal:
        return _Reply(None, f"the model refused: {_one_line(reply.refusal, 300)}", usage, raw_body)
    if not reply.content or not reply.content.strip():
        return _Reply(None, f"empty reply (finish_reason={choice.finish_reason})", usage, raw_body)
    note = (
        "reply cut off at max_tokens (finish_reason=length)"
        if choice.finish_reason == "length"
        else None
    )
    return _Reply(reply.content, note, usage, reply.content)


class _ReplayBackend:
    """A ``Backend`` that answers the pipeline's one ``whole`` request with a recorded reply.

    Going through ``extract_article`` (rather than re-implementing its steps) is what makes a
    collected record identical to a live one: same validation, grounding, merging, date resolution
    and failure handling. The reply is validated like the live backend validates it; a failure
    returns ``FailedCompletion``, and the pipeline then keeps what grounding can keep, exactly as
    when a live request runs out of re-asks.
    """

    supports_constrained_decoding = True

    def __init__(self, backend_id: str, model: str, reply: _Reply) -> None:
        self.id = backend_id
        self.model = model
        self.reply = reply

    async def generate(
        self,
        messages: Sequence[Mapping[str, str]],
        response_model: type[T],
        settings: GenerateSettings,
        *,
        context: Mapping[str, Any] | None = None,
        json_schema: Mapping[str, Any] | None = None,
    ) -> Completion[T] | FailedCompletion:
        """Validate the recorded reply as the response model; see ``Backend.generate``."""
        del messages, settings, json_schema  # the request was made by the Batch API
        reply = self.reply
        if reply.content is None:
            # raw stays None: the pipeline would otherwise try to parse an error body as a reply
            return FailedCompletion(
                raw=None, usage=reply.usage, attempts=1, latency_s=0.0, error=reply.error or ""
            )
        try:
            output = response_model.model_validate_json(reply.content, context=dict(context or {}))
        except ValidationError as exc:
            error = _one_line(str(exc), 800)
            return FailedCompletion(
                raw=reply.content,
                usage=reply.usage,
                attempts=1,
                latency_s=0.0,
                error=f"{reply.error}: {error}" if reply.error else error,
            )
        return Completion(
            output=output, raw=reply.content, usage=reply.usage, attempts=1, latency_s=0.0
        )

    def describe(self) -> dict[str, str]:
        """Facts for run records."""
        return {"backend": self.id, "model": self.model}

    async def aclose(self) -> None:
        """Nothing to release."""


def _output_lines(path: Path) -> Iterator[tuple[int, _OutputLine]]:
    """Parse a Batch output or error file; a malformed line is an error naming file and line."""
    try:
        f = path.open(encoding="utf-8")
    except OSError as exc:
        raise InputError(f"{path}: cannot read the batch output: {exc.strerror}") from exc
    with f:
        for n, text in enumerate(f, 1):
            if not text.strip():
                continue
            try:
                yield n, _OutputLine.model_validate_json(text)
            except ValidationError as exc:
                first = exc.errors()[0]
                where = ".".join(str(p) for p in first["loc"])
                what = f"field {where!r}: " if where else ""
                raise InputError(
                    f"{path}:{n}: not a Batch API output line: {what}{first['msg']}"
                ) from exc


@dataclass
class CollectStats:
    """What ``collect`` did."""

    lines: int = 0
    """Lines in the output file."""
    skipped: int = 0
    """Already in the record file (an earlier collect)."""
    written: int = 0
    failed: int = 0
    """Written records with an error (HTTP error, truncated or invalid reply...)."""
    dropped: int = 0
    """Items grounding dropped into the diagnostics, over the written records."""
    missing: int = 0
    """Articles of the manifest that still have no record (not in this output file)."""


def _check(
    output_jsonl: Path, manifest: BatchManifest, where: Path, articles: Mapping[str, Article]
) -> int:
    """Refuse, before writing anything, an output that does not match the manifest."""
    if manifest.schema_sha256 != schema_sha256():
        raise ManifestMismatchError(
            f"{where}: the extraction schema changed since prepare "
            f"({manifest.schema_sha256[:12]} -> {schema_sha256()[:12]}); "
            "collect with the code that prepared the batch"
        )
    seen: set[str] = set()
    for n, line in _output_lines(output_jsonl):
        cid = line.custom_id
        if cid in seen:
            raise InputError(f"{output_jsonl}:{n}: duplicate custom_id {cid!r}")
        seen.add(cid)
        expected = manifest.articles.get(cid)
        if expected is None:
            raise ManifestMismatchError(
                f"{output_jsonl}:{n}: custom_id {cid!r} is not in the manifest {where}: "
                "is this the output of another batch?"
            )
        article = articles.get(cid)
        if article is None:
            raise ManifestMismatchError(
                f"{output_jsonl}:{n}: article {cid!r} is missing from the articles given"
            )
        if _sha256_text(article.text) != expected.sha256:
            raise ManifestMismatchError(
                f"article {cid!r} changed since prepare (its text no longer matches the sha256 "
                f"in {where}): collect with the articles the batch was prepared from"
            )
        published = article.published.isoformat() if article.published else None
        if published != expected.published:
            raise ManifestMismatchError(
                f"article {cid!r}: publication date {published} differs from "
                f"{expected.published} in {where}"
            )
    return len(seen)


def collect(
    output_jsonl: Path, *, manifest: Path, articles: Mapping[str, Article], out: Path
) -> CollectStats:
    """Turn a Batch output (or error) file into ``ExtractionRecord`` lines appended to ``out``.

    Each reply goes through the live pipeline (``extract_article`` with the ``whole`` strategy):
    validated as ``GroundedExtraction``, grounded in the article (unsupported items dropped into
    the diagnostics), merged, dates resolved. A line that failed (HTTP error, error object,
    refusal, truncated or invalid JSON, schema violation) becomes a record with ``error`` and
    ``raw``, never an exception. Records carry the meta of a live record (``backend`` is
    ``openai-batch/MODEL``, usage from the reply, one attempt and one request; no latency).

    Resumable: ids already in ``out`` are skipped, so collecting the output file and then the
    error file, or the same file twice, never duplicates a record. Runs its own event loop (the
    pipeline is async): call it from synchronous code.

    Args:
        output_jsonl: the Batch output or error file (see ``download``).
        manifest: the manifest written by ``prepare``.
        articles: the articles by id, as given to ``prepare``.
        out: the record JSONL (the format of ``extractor extract``).

    Returns:
        Counts of what was written, skipped and failed.

    Raises:
        InputError: unreadable manifest or output, or a malformed output line (file and line).
        ManifestMismatchError: an article changed since ``prepare``, an id not in the manifest, or
            another schema or prompt; nothing is written.
        ConfigError: the manifest's prompt cannot be loaded.
    """
    meta = read_manifest(manifest)
    total = _check(output_jsonl, meta, manifest, articles)
    prompt = load_prompt(meta.prompt_id)
    if prompt.sha256 != meta.prompt_sha256:
        raise ManifestMismatchError(
            f"prompt {meta.prompt_id!r} changed since prepare (sha256 differs from {manifest})"
        )
    out.parent.mkdir(parents=True, exist_ok=True)
    repair_tail(out)
    done = done_ids(out)
    stats = CollectStats(lines=total)

    async def run() -> None:
        with out.open("a", encoding="utf-8") as f:
            for _, line in _output_lines(output_jsonl):
                if line.custom_id in done:
                    stats.skipped += 1
                    continue
                reply = _reply(line)
                record = await extract_article(
                    articles[line.custom_id],
                    _ReplayBackend(meta.backend, meta.model, reply),
                    strategy=STRATEGY,
                    prompt=prompt,
                    # Sampling settings were applied by the API; the replay ignores them.
                    settings=GenerateSettings(),
                )
                # extract_article timed local validation only; a batch has no per-request latency.
                update: dict[str, Any] = {"meta": record.meta.model_copy(update={"latency_s": 0.0})}
                if record.error is not None and record.raw is None:
                    update["raw"] = reply.raw
                record = record.model_copy(update=update)
                # One write per complete line: a kill leaves at most a torn last line, which
                # done_ids ignores and _repair_tail cuts on the next run.
                f.write(record.model_dump_json(exclude_none=False) + "\n")
                f.flush()
                done.add(record.id)
                stats.written += 1
                stats.failed += record.error is not None
                if record.extraction is not None:
                    stats.dropped += len(record.extraction.diagnostics)
            # Records are cheap to rebuild from the output file, so one fsync at the end
            # rather than one per line (the runner fsyncs each: its records cost model calls).
            os.fsync(f.fileno())

    asyncio.run(run())
    stats.missing = sum(cid not in done for cid in meta.articles)
    logger.info(
        "collected %s: %d written (%d failed), %d skipped, %d articles still missing",
        output_jsonl,
        stats.written,
        stats.failed,
        stats.skipped,
        stats.missing,
    )
    return stats

"""Batch output lines read back as replies, and the backend that plays one reply to the pipeline.

A Batch API output (or error) file holds one line per request: ``custom_id``, and either the HTTP
``response`` (a chat completion body) or an ``error``. :func:`output_lines` reads the lines,
:func:`reply_of` reduces one to what the pipeline needs, and :class:`ReplayBackend` answers the
pipeline's one ``whole`` request with it.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, ValidationError

from extractor.backends.openai_batch.schema import is_object
from extractor.backends.protocol import Completion, FailedCompletion, GenerateSettings, T, Usage
from extractor.errors import InputError

__all__ = ["OutputLine", "ReplayBackend", "Reply", "output_lines", "reply_of"]


class _Lenient(BaseModel):
    """The batch file's envelope (which ``openai.types`` has no model of); extras are ignored."""

    model_config = ConfigDict(extra="ignore")


class _Response(_Lenient):
    status_code: int
    request_id: str | None = None
    body: dict[str, Any] | None = None


class OutputLine(_Lenient):
    """One line of a Batch output or error file."""

    custom_id: str
    id: str | None = None
    response: _Response | None = None
    error: dict[str, Any] | None = None


@dataclass(frozen=True)
class Reply:
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


def reply_of(line: OutputLine) -> Reply:
    """The reply of one output line: its content, or why there is none, and its usage."""
    from openai.types.chat import ChatCompletion  # the SDK's own model of the body

    if line.error is not None:  # the request never ran (batch expired, cancelled...)
        message = str(line.error.get("message") or "")
        code = line.error.get("code") or "error"
        return Reply(
            None, f"batch error {code}: {_one_line(message, 300)}", Usage(), json.dumps(line.error)
        )
    response = line.response
    if response is None:
        return Reply(None, "batch output line has neither a response nor an error", Usage(), None)
    body = response.body or {}
    raw_body = json.dumps(body, ensure_ascii=False)
    if response.status_code != 200:
        detail: object = body.get("error")
        said = str(detail.get("message") or "") if is_object(detail) else raw_body
        return Reply(
            None, f"HTTP {response.status_code}: {_one_line(said, 300)}", Usage(), raw_body
        )
    try:
        completion = ChatCompletion.model_validate(body)
        choice = completion.choices[0]
    except (ValidationError, IndexError):
        return Reply(None, "HTTP 200 with a body that is not a chat completion", Usage(), raw_body)
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
        return Reply(None, f"the model refused: {_one_line(reply.refusal, 300)}", usage, raw_body)
    if not reply.content or not reply.content.strip():
        return Reply(None, f"empty reply (finish_reason={choice.finish_reason})", usage, raw_body)
    note = (
        "reply cut off at max_tokens (finish_reason=length)"
        if choice.finish_reason == "length"
        else None
    )
    return Reply(reply.content, note, usage, reply.content)


class ReplayBackend:
    """A ``Backend`` that answers the pipeline's one ``whole`` request with a recorded reply.

    Going through ``extract_article`` (rather than re-implementing its steps) is what makes a
    collected record identical to a live one: same validation, grounding, merging, date resolution
    and failure handling. The reply is validated like the live backend validates it; a failure
    returns ``FailedCompletion``, and the pipeline then keeps what grounding can keep, exactly as
    when a live request runs out of re-asks.
    """

    supports_constrained_decoding = True

    def __init__(self, backend_id: str, model: str, reply: Reply) -> None:
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


def output_lines(path: Path) -> Iterator[tuple[int, OutputLine]]:
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
                yield n, OutputLine.model_validate_json(text)
            except ValidationError as exc:
                first = exc.errors()[0]
                where = ".".join(str(p) for p in first["loc"])
                what = f"field {where!r}: " if where else ""
                raise InputError(
                    f"{path}:{n}: not a Batch API output line: {what}{first['msg']}"
                ) from exc

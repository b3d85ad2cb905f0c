"""A loopback OpenAI-compatible server that plays back recorded replies or injects faults.

No real server fails on demand, so the failure paths are tested against this one. It speaks real
HTTP on 127.0.0.1 (pytest-httpserver), so the openai SDK and instructor run unmodified.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from werkzeug import Request, Response


def completion(
    content: str,
    *,
    prompt_tokens: int = 100,
    completion_tokens: int = 20,
    finish_reason: str = "stop",
) -> dict[str, Any]:
    """A chat.completion body as an OpenAI-compatible server returns it."""
    return {
        "id": "chatcmpl-replay",
        "object": "chat.completion",
        "created": 1_700_000_000,
        "model": "replay",
        "choices": [
            {
                "index": 0,
                "finish_reason": finish_reason,
                "message": {"role": "assistant", "content": content},
            }
        ],
        "usage": {
            "prompt_tokens": prompt_tokens,
            "completion_tokens": completion_tokens,
            "total_tokens": prompt_tokens + completion_tokens,
        },
    }


Reply = Callable[[dict[str, Any]], Response]


def ok(content: str | dict[str, Any], **kw: Any) -> Reply:
    """Reply with a completion whose content is this JSON (or text)."""
    text = content if isinstance(content, str) else json.dumps(content)
    return lambda _req: Response(
        json.dumps(completion(text, **kw)), 200, content_type="application/json"
    )


def status(code: int, retry_after: str | None = None) -> Reply:
    """Reply with an HTTP error, optionally with Retry-After."""
    headers = {"Retry-After": retry_after} if retry_after else {}
    body = json.dumps({"error": {"message": f"injected {code}", "type": "server_error"}})
    return lambda _req: Response(body, code, headers=headers, content_type="application/json")


def slow(seconds: float, then: Reply) -> Reply:
    """Wait, then reply (for timeouts)."""

    def reply(req: dict[str, Any]) -> Response:
        time.sleep(seconds)
        return then(req)

    return reply


@dataclass
class Script:
    """Replies served in order; the last one repeats. Every request body is kept for assertions."""

    replies: list[Reply]
    by_focus: dict[str, Reply] = field(default_factory=dict[str, Reply])
    """Replies chosen by a substring of the last user message (for per-sentence requests)."""
    requests: list[dict[str, Any]] = field(default_factory=list[dict[str, Any]])
    headers: list[dict[str, str]] = field(default_factory=list[dict[str, str]])

    def __call__(self, request: Request) -> Response:
        body = json.loads(request.get_data(as_text=True))
        self.requests.append(body)
        self.headers.append(dict(request.headers))
        # the task of the request (re-asks append messages after it, so look at the first user one)
        task = next(m["content"] for m in body["messages"] if m["role"] == "user")
        for needle, reply in self.by_focus.items():
            if needle in task.split("<<<")[-1].split(">>>")[-1]:
                return reply(body)
        index = min(len(self.requests) - 1, len(self.replies) - 1)
        return self.replies[index](body)

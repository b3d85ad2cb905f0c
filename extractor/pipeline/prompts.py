"""Load the versioned prompt files in ``prompts/`` and render chat messages from them.

A prompt is identified by its file name (``events.v1``) and the sha256 of everything that reaches
the model: the template, the task texts and the codebook definitions rendered into it. A new wording
is a new file, never an edit, so a recorded run can always say exactly what the model saw.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from functools import cache
from importlib import resources
from importlib.resources.abc import Traversable
from string import Template

from extractor.codebook import (
    ACTOR_TYPE_DEFINITIONS,
    EVENT_TYPE_DEFINITIONS,
    SUB_EVENT_DEFINITIONS,
    SUB_EVENT_PARENT,
    describe,
)
from extractor.errors import ConfigError
from extractor.pipeline.strategies import Strategy

DEFAULT_PROMPT = "events.v1"


class Message(dict[str, str]):
    """A chat message: ``{"role": ..., "content": ...}``."""


def _sections(text: str) -> dict[str, str]:
    parts = re.split(r"^## (\w+)\s*$", text, flags=re.MULTILINE)
    return {name: body.strip("\n") for name, body in zip(parts[1::2], parts[2::2], strict=True)}


@dataclass(frozen=True)
class Prompt:
    """A loaded prompt: system text with the codebook rendered in, user template and task texts."""

    id: str
    sha256: str
    system: str
    user: Template
    tasks: dict[str, Template]

    def messages(
        self,
        article: str,
        *,
        task: Strategy,
        focus: str | None = None,
        published: str | None = None,
    ) -> list[Message]:
        """Render the chat messages for one request.

        The system text and the article come first and never change between the requests of one
        article, so a server's prompt cache reuses them; only the task at the end differs.
        """
        task_text = self.tasks[task].safe_substitute(focus=focus or "")
        user = self.user.safe_substitute(
            article=article,
            task=task_text,
            published=f" (published {published})" if published else "",
        )
        return [Message(role="system", content=self.system), Message(role="user", content=user)]


def _sub_event_lines() -> str:
    return "\n".join(
        f"- {SUB_EVENT_PARENT[s].value}: {s.value} ({d})" for s, d in SUB_EVENT_DEFINITIONS.items()
    )


def prompt_files() -> Traversable:
    """The prompt folder: ``prompts/`` of the repository, installed as ``extractor.prompt_files``.

    Read through ``importlib.resources`` so that a wheel install (no repository beside the
    package) finds the same files an editable checkout does.
    """
    return resources.files("extractor.prompt_files")


@cache
def load_prompt(prompt_id: str = DEFAULT_PROMPT) -> Prompt:
    """Load ``prompts/<prompt_id>.md`` and its task file (``tasks.<version>.md``).

    Raises:
        ConfigError: the prompt file does not exist or lacks a section.
    """
    folder = prompt_files()
    path = folder / f"{prompt_id}.md"
    version = prompt_id.rsplit(".", 1)[-1]
    task_path = folder / f"tasks.{version}.md"
    try:
        sections = _sections(path.read_text(encoding="utf-8"))
        tasks = _sections(task_path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ConfigError(f"cannot read prompt {prompt_id!r}: {exc}") from exc
    if not {"system", "user"} <= sections.keys() or not {"whole", "sentence"} <= tasks.keys():
        raise ConfigError(f"prompt {path} needs '## system' and '## user' sections")
    system = Template(sections["system"]).substitute(
        event_types=describe(EVENT_TYPE_DEFINITIONS),
        sub_event_types=_sub_event_lines(),
        actor_types=describe(ACTOR_TYPE_DEFINITIONS),
    )
    digest = hashlib.sha256()
    for part in (system, sections["user"], *(f"{k}\n{v}" for k, v in sorted(tasks.items()))):
        digest.update(part.encode("utf-8"))
        digest.update(b"\0")
    return Prompt(
        id=prompt_id,
        sha256=digest.hexdigest(),
        system=system,
        user=Template(sections["user"]),
        tasks={k: Template(v) for k, v in tasks.items()},
    )

"""The pipeline's own settings, beside the backend's per-request ``GenerateSettings``.

``GenerateSettings`` (``backends/``) is what one request is sent with: sampling, output cap,
re-asks, timeout. ``PipelineSettings`` is how the pipeline spends requests on an article: the cap
of a focused request, the article's token budget, constrained decoding.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from enum import StrEnum

from pydantic import JsonValue

from extractor.backends import GenerateSettings

__all__ = ["Constrain", "PipelineSettings", "flat_settings"]


class Constrain(StrEnum):
    """Constrained decoding: ``none``, or ``article`` (the article's own numbers and names)."""

    NONE = "none"
    ARTICLE = "article"


@dataclass(frozen=True)
class PipelineSettings:
    """How the pipeline spends requests on one article. Part of the cache key, except the budget."""

    max_tokens_focused: int = 512
    """``max_tokens`` of a request about one sentence: it rarely holds more than two events, and
    the cap stops a small model that starts repeating itself from burning the whole budget."""
    article_token_budget: int | None = 250_000
    """Cap on tokens (prompt + completion) spent on one article across all its requests and
    re-asks. When it is reached the article's remaining requests are not sent, and the record says
    so (``meta.budget_exhausted`` and a diagnostic). About twice the costliest gold article
    (128k tokens, 28 sentence requests), so it stops runaway cost (a 1 MB page) and nothing else."""
    constrain: Constrain = Constrain.NONE
    """``article``: restrict decoding to the article's own numbers and names (``constrain.py``),
    on backends that accept a JSON schema for constrained decoding."""


def flat_settings(request: GenerateSettings, pipeline: PipelineSettings) -> dict[str, JsonValue]:
    """Both settings as one flat mapping, as ``run.json`` records them and cache keys hash them.

    The keys and their order are those of the single settings object this split replaced, so
    recorded runs and cached records stay comparable.
    """
    req, pipe = dataclasses.asdict(request), dataclasses.asdict(pipeline)
    order = ("temperature", "max_tokens", "max_tokens_focused", "max_retries", "token_budget")
    order += ("article_token_budget", "timeout_s", "constrain", "seed")
    merged = {**req, **pipe}
    return {k: merged[k] for k in order} | {k: v for k, v in merged.items() if k not in order}

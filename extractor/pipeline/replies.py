"""What the model is asked to fill: the reply models, their schema hash, and their expansion.

- ``GroundedExtraction``: the full schema (``ArticleExtraction``) with grounding as a validator, for
  ``whole`` and ``window`` requests.
- ``CompactExtraction``: a compact reply for a request about one sentence, turned into full schema
  events by code (``to_events``).

When a request is about one sentence, the evidence of everything in the reply *is* that sentence.
Asking a small model to copy it again for every event, place, actor and count costs most of its
output tokens (measured on the seed: 377 s an article with copied quotes), and copying is where it
errs. So the focused reply carries only the values; code attaches the sentence as the verbatim
evidence, writes the summary, and grounding still checks every name and number against it.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from functools import cache
from typing import Any, Self

from pydantic import ConfigDict, Field, ValidationError, ValidationInfo, model_validator

from extractor.backends import validation_context
from extractor.codebook import (
    SUB_EVENT_PARENT,
    ActorRole,
    ActorType,
    CountKind,
    CountScope,
    PlaceKind,
    Qualifier,
    SubEventType,
)
from extractor.pipeline.dates import word_precision
from extractor.pipeline.grounding import grounding_errors
from extractor.pipeline.numbers import supports_value
from extractor.schema import (
    SCHEMA_VERSION,
    Actor,
    ArticleExtraction,
    Count,
    Event,
    EventDate,
    Place,
    Strict,
)

__all__ = [
    "CompactExtraction",
    "GroundedExtraction",
    "ReplyModel",
    "lenient_parse",
    "schema_sha256",
    "to_events",
]


class GroundedExtraction(ArticleExtraction):
    """The response model sent to instructor: the schema plus grounding as a validator.

    A reply whose quotes, names or numbers are not in the article fails validation with a precise
    message, and instructor re-asks the model with it. What still fails when the retries run out is
    dropped by ``ground`` afterwards and listed in the diagnostics.
    """

    # The docstring above is the schema's description, sent to the model: editing it changes the
    # schema sha256 (and every recorded run's identity). The article comes in the validation
    # context (``{"article": text}``), which the backend gives.

    model_config = ConfigDict(title="ArticleExtraction")

    @model_validator(mode="after")
    def _grounded(self, info: ValidationInfo) -> Self:
        context: Mapping[str, Any] = info.context or validation_context.get() or {}
        article = context.get("article")
        if isinstance(article, str):
            errors = grounding_errors(self, article)
            if errors:
                raise ValueError(
                    "items not supported by the article (copy quotes exactly, use "
                    "only numbers written in the quote):\n- " + "\n- ".join(errors[:12])
                )
        return self


class CompactPlace(Strict):
    """A named place, as written."""

    name: str = Field(description="Place name exactly as written in the sentence.")
    kind: PlaceKind


class CompactActor(Strict):
    """A named or clearly identified actor, as written."""

    name: str = Field(description="Actor name exactly as written in the sentence.")
    actor_type: ActorType
    role: ActorRole


class CompactCount(Strict):
    """People killed, injured, displaced... as the sentence states the number."""

    kind: CountKind
    value: int = Field(ge=0, description="The number as written; never add numbers.")
    who: str | None = Field(default=None, description="Who was counted, as written.")
    scope: CountScope = CountScope.INCIDENT


class CompactEvent(Strict):
    """One event reported in the sentence; its ACLED event type follows from the sub-event type."""

    sub_event_type: SubEventType
    date: str | None = Field(default=None, description="Date words as written, e.g. 'on Monday'.")
    places: list[CompactPlace] = Field(default_factory=list[CompactPlace])
    actors: list[CompactActor] = Field(default_factory=list[CompactActor])
    counts: list[CompactCount] = Field(default_factory=list[CompactCount])
    reported_by: str | None = Field(default=None, description="Source the article cites.")


class CompactExtraction(Strict):
    """The events reported in one sentence."""

    events: list[CompactEvent] = Field(default_factory=list[CompactEvent])


def _summary(event: CompactEvent) -> str:
    who = " and ".join(a.name for a in event.actors[:2]) or "unidentified actors"
    where = f" in {', '.join(p.name for p in event.places[:3])}" if event.places else ""
    return f"{event.sub_event_type.value.replace('_', ' ')}: {who}{where}"


def to_events(reply: CompactExtraction, sentence: str) -> list[Event]:
    """Expand a compact reply into schema events whose evidence is the focus sentence."""
    events: list[Event] = []
    for ce in reply.events:
        counts: list[Count] = []
        for cc in ce.counts:
            reading = supports_value(sentence, cc.value)
            counts.append(
                Count(
                    evidence=sentence,
                    kind=cc.kind,
                    value=cc.value,
                    who=cc.who,
                    scope=cc.scope,
                    qualifier=reading.qualifier if reading else Qualifier.EXACT,
                    upper=reading.upper if reading else None,
                    vague=bool(reading and reading.vague),
                )
            )
        events.append(
            Event(
                evidence=sentence,
                event_type=SUB_EVENT_PARENT[ce.sub_event_type],
                sub_event_type=ce.sub_event_type,
                summary=_summary(ce),
                date=EventDate(text=ce.date, precision=word_precision(ce.date)),
                places=[Place(evidence=sentence, name=p.name, kind=p.kind) for p in ce.places],
                actors=[
                    Actor(evidence=sentence, name=a.name, actor_type=a.actor_type, role=a.role)
                    for a in ce.actors
                ],
                counts=counts,
                reported_by=ce.reported_by,
            )
        )
    return events


ReplyModel = type[GroundedExtraction] | type[CompactExtraction]
"""The two models a request may ask for."""


@cache
def schema_sha256() -> str:
    """sha256 of the JSON schemas the model is asked to fill (part of every run's identity)."""
    schemas = [GroundedExtraction.model_json_schema(), CompactExtraction.model_json_schema()]
    blob = json.dumps({"version": SCHEMA_VERSION, "schemas": schemas}, sort_keys=True)
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()


def lenient_parse(
    raw: str | None, model: ReplyModel
) -> ArticleExtraction | CompactExtraction | None:
    """Parse a last reply that failed only grounding: ``ground`` will drop the bad items."""
    if not raw:
        return None
    try:
        if model is CompactExtraction:
            return CompactExtraction.model_validate_json(raw)
        return ArticleExtraction.model_validate_json(raw)
    except ValidationError:
        return None

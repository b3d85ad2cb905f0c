"""A compact reply model for focused requests, turned into full schema events by code.

When a request is about one sentence, the evidence of everything in the reply *is* that sentence.
Asking a small model to copy it again for every event, place, actor and count costs most of its
output tokens (measured on the seed: 377 s an article with copied quotes), and copying is where it
errs. So the focused reply carries only the values; code attaches the sentence as the verbatim
evidence, writes the summary, and grounding still checks every name and number against it.
"""

from __future__ import annotations

from pydantic import Field

from extractor.codebook import (
    SUB_EVENT_PARENT,
    ActorRole,
    ActorType,
    CountKind,
    CountScope,
    DatePrecision,
    PlaceKind,
    Qualifier,
    SubEventType,
)
from extractor.pipeline.numbers import supports_value
from extractor.schema import Actor, Count, Event, EventDate, Place, Strict


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


_DAY_WORDS = ("day", "night", "morning", "evening", "yesterday", "today")


def _precision(date: str | None) -> DatePrecision:
    if not date:
        return DatePrecision.UNKNOWN
    low = date.lower()
    if any(w in low for w in _DAY_WORDS) or any(ch.isdigit() for ch in low):
        return DatePrecision.DAY
    if "week" in low:
        return DatePrecision.WEEK
    if "month" in low or "since" in low:
        return DatePrecision.MONTH
    return DatePrecision.UNKNOWN


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
                date=EventDate(text=ce.date, precision=_precision(ce.date)),
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

"""Strict Pydantic models of conflict events: the model fills them, and gold is written in them.

Field descriptions reach the model through the JSON schema, so editing one is a prompt change.
Fields marked ``SkipJsonSchema`` are never shown to the model: character spans are computed by code
(``pipeline/grounding.py``), resolved dates by ``pipeline/dates.py``, and ``optional``/``entity``
are gold-only marks.

Each item puts ``evidence`` first: the model copies the supporting words before it fills the values,
so every value can be checked against a quote that is checked against the article.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Annotated, Any, Literal, Self

from pydantic import BaseModel, ConfigDict, Field, model_validator
from pydantic.json_schema import (
    DEFAULT_REF_TEMPLATE,
    GenerateJsonSchema,
    JsonSchemaMode,
    SkipJsonSchema,
)

from extractor.codebook import (
    SUB_EVENT_PARENT,
    ActorRole,
    ActorType,
    CountKind,
    CountScope,
    DatePrecision,
    EventType,
    PlaceKind,
    Qualifier,
    SubEventType,
)

SCHEMA_VERSION = "1"

EVIDENCE_DESCRIPTION = (
    "Verbatim quote copied exactly from the article (a clause or sentence) that states this item."
)


_SCHEMAS: dict[tuple[object, ...], str] = {}


class Strict(BaseModel):
    """Base of every schema model: unknown fields are errors, values are immutable."""

    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)

    @classmethod
    def model_json_schema(
        cls,
        by_alias: bool | None = None,
        ref_template: str = DEFAULT_REF_TEMPLATE,
        schema_generator: type[GenerateJsonSchema] = GenerateJsonSchema,
        mode: JsonSchemaMode = "validation",
        *,
        union_format: Literal["any_of", "primitive_type_array"] = "any_of",
    ) -> dict[str, Any]:
        """Pydantic's JSON schema, generated once per class (a copy is returned).

        Every request asks for it twice (our request body and instructor's prompt), and
        generating it costs about 8 ms of CPU: at 32 requests in flight that alone capped a run
        at a fraction of what the server could serve (``benchmarks/throughput.py``).
        """
        key = (cls, by_alias, ref_template, schema_generator, mode, union_format)
        blob = _SCHEMAS.get(key)
        if blob is None:  # kept as JSON: parsing it is a faster fresh copy than deepcopy
            blob = _SCHEMAS[key] = json.dumps(
                super().model_json_schema(
                    by_alias, ref_template, schema_generator, mode, union_format=union_format
                )
            )
        schema: dict[str, Any] = json.loads(blob)
        return schema


class Span(Strict):
    """Where an evidence quote sits in the article, as computed by code (never by the model)."""

    start: int = Field(ge=0)
    """Offset of the first character, in Python string indices of the article text."""
    end: int = Field(ge=0)
    """Offset one past the last character."""
    match: Literal["exact", "normalised", "fuzzy"] = "exact"
    """How the quote was found: exactly, after whitespace/quote-mark folding, or approximately."""


class Place(Strict):
    """A named place where the event happened."""

    evidence: str = Field(description=EVIDENCE_DESCRIPTION)
    name: str = Field(description="The place name exactly as written in the article.")
    kind: PlaceKind = Field(description="What sort of place this is.")
    admin1: str | None = Field(
        default=None, description="Province/governorate containing it, only if the article says."
    )
    country: str | None = Field(default=None, description="Country, only if the article says.")
    span: SkipJsonSchema[Span | None] = None
    entity: SkipJsonSchema[str | None] = None
    """Gold only: the id of the place cluster this mention belongs to."""
    optional: SkipJsonSchema[bool] = False
    """Gold only: context a reasonable annotator could leave out; no credit or penalty."""


class Actor(Strict):
    """An armed group, force, organisation or group of people taking part in the event."""

    evidence: str = Field(description=EVIDENCE_DESCRIPTION)
    name: str = Field(description="The actor's name exactly as written in the article.")
    actor_type: ActorType = Field(description="ACLED-like category of the actor.")
    role: ActorRole = Field(description="initiator (acts), target (acted upon) or participant.")
    span: SkipJsonSchema[Span | None] = None
    entity: SkipJsonSchema[str | None] = None
    """Gold only: the id of the actor cluster this mention belongs to."""
    optional: SkipJsonSchema[bool] = False
    """Gold only: context a reasonable annotator could leave out; no credit or penalty."""


class Count(Strict):
    """A number of people killed, injured, displaced... as the article states it, never summed."""

    evidence: str = Field(description=EVIDENCE_DESCRIPTION)
    kind: CountKind = Field(description="What happened to the people counted.")
    value: int = Field(
        ge=0,
        description="The number as stated in the evidence (nearly 30 -> 30; dozens -> 12; "
        "tens -> 10; hundreds -> 100). Never add numbers together.",
    )
    qualifier: Qualifier = Field(description="How the number is hedged in the text.")
    upper: int | None = Field(default=None, ge=0, description="High end, only for a range.")
    vague: bool = Field(
        default=False, description="True for vague words: dozens, tens, hundreds, scores."
    )
    who: str | None = Field(
        default=None,
        description="Who was counted, as written (e.g. 'regime loyalists', 'civilians'); "
        "null for unspecified people.",
    )
    scope: CountScope = Field(
        default=CountScope.INCIDENT,
        description="incident: this event; cumulative: a running total over a longer period.",
    )
    span: SkipJsonSchema[Span | None] = None
    optional: SkipJsonSchema[bool] = False
    """Gold only: a reasonable annotator could leave it out; scoring gives no credit or penalty."""

    @model_validator(mode="after")
    def _range_has_upper(self) -> Self:
        if self.qualifier is Qualifier.RANGE and (self.upper is None or self.upper < self.value):
            raise ValueError("a range count needs `upper` >= `value`")
        return self


class EventDate(Strict):
    """When the event happened: the words used, and (computed by code) the interval they name."""

    text: str | None = Field(
        default=None,
        description="The date words used in the article for this event (e.g. 'on Wednesday', "
        "'overnight', 'Jan. 8'), or null if none.",
    )
    precision: DatePrecision = Field(
        default=DatePrecision.UNKNOWN,
        description="day, week, month, year, or unknown when the article gives no date.",
    )
    start: SkipJsonSchema[dt.date | None] = None
    """First day of the interval, resolved against the publication date."""
    end: SkipJsonSchema[dt.date | None] = None
    """Last day of the interval (equal to ``start`` for a single day)."""

    @model_validator(mode="after")
    def _ordered(self) -> Self:
        if self.start and self.end and self.end < self.start:
            raise ValueError("date `end` is before `start`")
        return self


class Event(Strict):
    """One event: one date, place, actor pair and event type (ACLED's unit)."""

    evidence: str = Field(description=EVIDENCE_DESCRIPTION)
    event_type: EventType = Field(description="ACLED event type.")
    sub_event_type: SubEventType = Field(description="ACLED sub-event type of that event type.")
    summary: str = Field(description="One short line: who did what to whom, where.")
    date: EventDate = Field(default_factory=EventDate, description="When it happened.")
    places: list[Place] = Field(default_factory=list[Place])
    actors: list[Actor] = Field(default_factory=list[Actor])
    counts: list[Count] = Field(default_factory=list[Count])
    reported_by: str | None = Field(
        default=None,
        description="The original source the article cites for this event (e.g. a war monitor, "
        "the UN, a ministry), not the publisher; null if none is named.",
    )
    span: SkipJsonSchema[Span | None] = None
    id: SkipJsonSchema[str | None] = None
    """Gold only: a stable event id, unique in the gold set."""
    optional: SkipJsonSchema[bool] = False
    """Gold only: a background event a reasonable annotator could leave out."""

    @model_validator(mode="after")
    def _sub_type_belongs(self) -> Self:
        parent = SUB_EVENT_PARENT[self.sub_event_type]
        if parent is not self.event_type:
            raise ValueError(
                f"sub_event_type {self.sub_event_type.value!r} belongs to event_type "
                f"{parent.value!r}, not {self.event_type.value!r}"
            )
        return self


class Diagnostic(Strict):
    """An item dropped by grounding or validation, kept so nothing is silently lost."""

    path: str
    """Where the item was, e.g. ``events[0].counts[1]``."""
    reason: str
    """Why it was dropped, in words a person can act on."""
    item: dict[str, object] = Field(default_factory=dict[str, object])
    """The dropped item as the model wrote it."""


class ArticleExtraction(Strict):
    """All events reported in one article."""

    events: list[Event] = Field(
        default_factory=list[Event], description="Every distinct event the article reports."
    )
    diagnostics: SkipJsonSchema[list[Diagnostic]] = Field(default_factory=list[Diagnostic])
    """Items removed by grounding, with the reason. Computed by code."""


NonEmptyStr = Annotated[str, Field(min_length=1)]


class Article(Strict):
    """An article to extract from."""

    id: NonEmptyStr
    text: NonEmptyStr
    published: dt.date | None = None
    """Publication date; relative dates ("on Wednesday") are resolved against it."""
    title: str | None = None
    publisher: str | None = None
    url: str | None = None


class Entity(Strict):
    """Gold only: one real-world actor or place of an article, with every surface form it takes."""

    id: NonEmptyStr
    """Stable id within the article, e.g. ``SYR_GOV`` or ``AL_ZAKAT``."""
    kind: Literal["actor", "place"]
    category: str
    """An ``ActorType`` value for actors, a ``PlaceKind`` value for places."""
    mentions: list[NonEmptyStr] = Field(min_length=1)
    """The article's surface forms for this entity; a prediction matching any of them matches it."""


class GoldDocument(Strict):
    """Gold only: the hand-labelled events of one article, with its entity clusters."""

    article_id: NonEmptyStr
    events: list[Event] = Field(default_factory=list[Event])
    entities: list[Entity] = Field(default_factory=list[Entity])
    annotator: str | None = None
    notes: str | None = None

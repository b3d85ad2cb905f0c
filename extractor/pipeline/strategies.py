"""How an article is put to the model, and how partial answers become one set of events.

- ``whole``: one request for the whole article.
- ``sentence``: the instructions and the whole article form a fixed prefix (reused from the server's
  prompt cache); each request asks only for the events of one sentence, so a small model sees the
  context but answers narrowly (in the compact reply model of ``replies.py``). Sentences with no
  number and no violent or strategic keyword are skipped: they cannot report an event.
- ``window``: overlapping passages, for articles longer than the model's context; each passage is
  asked about as an article of its own (the ``whole`` task), so a request stays bounded.
Partial answers are merged: fragments of one event (same sub-event type sharing a place, or sharing
an actor and date words) are combined, duplicates are dropped, every item keeps its evidence.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum

from extractor.schema import Actor, Count, Event, Place
from extractor.text import fold, split_sentences


class Strategy(StrEnum):
    """How an article is put to the model; also the task section of the prompt a request uses."""

    WHOLE = "whole"
    SENTENCE = "sentence"
    WINDOW = "window"


WINDOW_CHARS = 6_000
"""Characters per window: about 1,500 tokens, leaving room for instructions and output."""
WINDOW_OVERLAP = 600


@dataclass(frozen=True)
class Focus:
    """One request of a strategy: its task and the part of the article it is about."""

    task: Strategy
    text: str | None
    """The sentence or passage asked about; None for the whole article."""
    start: int
    end: int


_EVENT_WORDS = re.compile(
    r"kill|dead|death|die|injur|wound|attack|strike|bomb|shell|clash|fight|battle|captur|seiz|"
    r"control|advance|retak|liberat|offensive|assault|raid|ambush|explo|blast|fire|shot|shoot|"
    r"massacre|execut|abduct|kidnap|detain|arrest|displac|flee|fled|forced|siege|besieg|truce|"
    r"ceasefire|cease-fire|deal|agree|withdr|protest|riot|demonstrat|destroy|damag|target|missile|"
    r"rocket|mortar|artiller|air ?strike|drone|suicide|ied|casualt|victim|murder|torture|rape",
    re.IGNORECASE,
)


def worth_asking(sentence: str) -> bool:
    """Cheap filter: could this sentence hold an event? Each yes costs a model call."""
    return bool(_EVENT_WORDS.search(sentence) or re.search(r"\d", sentence))


def plan(text: str, strategy: Strategy) -> list[Focus]:
    """The requests a strategy makes for one article, in article order."""
    if strategy == Strategy.WHOLE:
        return [Focus(Strategy.WHOLE, None, 0, len(text))]
    if strategy == Strategy.SENTENCE:
        return [
            Focus(Strategy.SENTENCE, text[s:e], s, e)
            for s, e in split_sentences(text)
            if worth_asking(text[s:e])
        ]
    if len(text) <= WINDOW_CHARS:
        return [Focus(Strategy.WHOLE, None, 0, len(text))]
    focuses: list[Focus] = []
    spans = split_sentences(text)
    i = 0
    while i < len(spans):
        start = spans[i][0]
        j = i
        while j + 1 < len(spans) and spans[j + 1][1] - start <= WINDOW_CHARS:
            j += 1
        focuses.append(Focus(Strategy.WINDOW, text[start : spans[j][1]], start, spans[j][1]))
        if j + 1 >= len(spans):
            break
        # step back so consecutive windows overlap by about WINDOW_OVERLAP characters
        k = j
        while k > i and spans[j][1] - spans[k][0] < WINDOW_OVERLAP:
            k -= 1
        i = max(k, i + 1)
    return focuses


def _key(name: str) -> str:
    return fold(name).text


def _merge_items(a: Sequence[Place | Actor], b: Sequence[Place | Actor]) -> list[Place | Actor]:
    seen = {_key(x.name) for x in a}
    return [*a, *(x for x in b if _key(x.name) not in seen)]


def _count_key(c: Count) -> tuple[str, int, str]:
    return (c.kind.value, c.value, _key(c.who or ""))


def _same_event(a: Event, b: Event) -> bool:
    if a.sub_event_type is not b.sub_event_type:
        return False
    places_a, places_b = {_key(p.name) for p in a.places}, {_key(p.name) for p in b.places}
    if places_a & places_b:
        return True
    actors_a, actors_b = {_key(x.name) for x in a.actors}, {_key(x.name) for x in b.actors}
    same_date = _key(a.date.text or "") == _key(b.date.text or "")
    return bool(actors_a & actors_b) and same_date and not (places_a and places_b)


def merge_events(events: Iterable[Event]) -> list[Event]:
    """Combine fragments of one event and drop duplicates, keeping every item's evidence."""
    merged: list[Event] = []
    for event in events:
        for i, kept in enumerate(merged):
            if _same_event(kept, event):
                counts = list(kept.counts)
                seen = {_count_key(c) for c in counts}
                counts += [c for c in event.counts if _count_key(c) not in seen]
                merged[i] = kept.model_copy(
                    update={
                        "places": _merge_items(kept.places, event.places),
                        "actors": _merge_items(kept.actors, event.actors),
                        "counts": counts,
                        "reported_by": kept.reported_by or event.reported_by,
                        "date": kept.date if kept.date.text else event.date,
                    }
                )
                break
        else:
            merged.append(event)
    # A count reported once belongs to one event: drop repeats of the same figure elsewhere.
    seen_counts: set[tuple[str, int, str]] = set()
    result: list[Event] = []
    for event in merged:
        counts = [c for c in event.counts if _count_key(c) not in seen_counts]
        seen_counts.update(_count_key(c) for c in counts)
        result.append(
            event
            if len(counts) == len(event.counts)
            else event.model_copy(update={"counts": counts})
        )
    return result

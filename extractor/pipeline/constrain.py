"""Constrained decoding: a JSON schema whose names and numbers can only be the article's own.

A small model under a grammar still invents: a count of 28 where the article says "10 ... and
18", a place it knows but the article never names, a date it computed. Grounding drops those
afterwards, but the tokens are spent and the item is lost. This module moves the check into the
grammar: ``candidates.candidates`` reads, deterministically, what the text could supply, and
:func:`constrained_schema` returns a copy of a reply model's JSON schema in which

- a count's ``value`` (and the full model's ``upper``) is an ``enum`` of the numbers the text
  states, the set grounding accepts (``numbers.supports_value``) less the days of dates ("Jan.
  9"): every reading's value, every range's upper end, and 1 when a singular article stands for
  a count ("a soldier was killed"). No number: the counts array gets ``maxItems: 0``;
- a place's and an actor's ``name`` is an ``enum`` of the text's name spans and actor noun groups,
  surface forms exactly as written. None: that array gets ``maxItems: 0``;
- every array gets ``maxItems`` (events ``max_events``, the others ``max_items``). Measured on
  llama.cpp: a tiny model without it repeats one allowed item until ``max_tokens`` runs out;
- the compact model's ``date`` (``string | null``) is an ``enum`` of the text's date phrases or
  null, null alone when the text has none (``constrain_date=False`` leaves it free). Safe because
  null stays allowed (a date written only in a neighbouring sentence is lost, never replaced by
  an invented one), and the phrases are those ``dates.resolve`` reads, "since ..." kept whole as
  it changes the interval. Measured on gold v1: each of the 16 gold dates that resolve has a
  candidate in its event's sentence resolving to the same interval. ``EventDate`` stays free.

Candidates are a superset by design (``candidates.py``): grounding still checks every item
afterwards, evidence quotes included (the full model's ``evidence`` stays a free string, as do
``who``, ``reported_by``, ``summary``, ``admin1`` and ``country``).

Size limit: a candidate list longer than :data:`MAX_ENUM` entries (a very long article sent whole)
leaves that field unconstrained rather than compiling a huge alternation into the grammar; the
array still gets its ``maxItems``. llama.cpp spells an enum as a grammar alternation of JSON
literals, so any string works, non-ASCII ones included (as JSON escapes).
"""

from __future__ import annotations

import copy
from collections.abc import Iterable
from typing import Any, TypeGuard

from pydantic import BaseModel

from extractor.pipeline.candidates import Candidates

__all__ = ["MAX_ENUM", "constrained_schema"]

MAX_ENUM = 200
"""Longest candidate list compiled into an enum; a longer one leaves its field unconstrained."""

_COUNT_DEFS = ("CompactCount", "Count")
_PLACE_DEFS = ("CompactPlace", "Place")
_ACTOR_DEFS = ("CompactActor", "Actor")
_EVENT_DEFS = ("CompactEvent", "Event")


def _is_object(value: object) -> TypeGuard[dict[str, Any]]:
    return isinstance(value, dict)  # a JSON schema's objects have string keys


def _is_array(value: object) -> TypeGuard[list[object]]:
    return isinstance(value, list)


def _obj(value: object) -> dict[str, Any] | None:
    return value if _is_object(value) else None


def _properties(defs: dict[str, Any], name: str) -> dict[str, Any] | None:
    return _obj((_obj(defs.get(name)) or {}).get("properties"))


def _ref_name(items: object) -> str | None:
    ref = (_obj(items) or {}).get("$ref")
    return ref.rsplit("/", 1)[-1] if isinstance(ref, str) else None


def _limit_arrays(node: object, limits: dict[str, int], default: int) -> None:
    """Give every array under ``node`` a ``maxItems``: by its item definition, else ``default``."""
    if _is_array(node):
        for item in node:
            _limit_arrays(item, limits, default)
        return
    obj = _obj(node)
    if obj is None:
        return
    if obj.get("type") == "array":
        limit = limits.get(_ref_name(obj.get("items")) or "", default)
        obj["maxItems"] = min(limit, obj.get("maxItems", limit))
    for value in obj.values():
        _limit_arrays(value, limits, default)


def _enum(prop: dict[str, Any], values: Iterable[object]) -> None:
    """Put ``values`` on the non-null branch of a property (``T`` or ``T | None``)."""
    branches = [b for b in prop.get("anyOf", []) if _obj(b) and b.get("type") != "null"]
    target = _obj(branches[0]) if len(branches) == 1 else prop
    if target is not None:
        target["enum"] = list(values)


def constrained_schema(
    model: type[BaseModel],
    cand: Candidates,
    *,
    max_events: int = 4,
    max_items: int = 6,
    constrain_date: bool = True,
) -> dict[str, Any]:
    """Return ``model``'s JSON schema with names, numbers and array lengths limited to ``cand``.

    Works on ``CompactExtraction`` and on ``ArticleExtraction``-shaped models: definitions are found
    by name (``CompactCount``/``Count``, ``CompactPlace``/``Place``, ``CompactActor``/``Actor``,
    ``CompactEvent``/``Event``). The model's own schema is not modified.

    Args:
        model: the reply model whose schema is constrained.
        cand: what the text can supply, from :func:`candidates`.
        max_events: ``maxItems`` of the events array.
        max_items: ``maxItems`` of every other array.
        constrain_date: limit ``CompactEvent.date`` to ``cand.dates`` or null (null only when the
            text has no date phrase). The full model's ``EventDate`` is never constrained.

    Returns:
        A new schema, to pass as ``json_schema=`` to a backend's ``generate``.
    """
    schema = copy.deepcopy(model.model_json_schema())
    defs: dict[str, Any] = _obj(schema.get("$defs")) or {}
    limits: dict[str, int] = dict.fromkeys(_EVENT_DEFS, max_events)
    fields = (
        (_COUNT_DEFS, ("value", "upper"), cand.count_values),
        (_PLACE_DEFS, ("name",), cand.places),
        (_ACTOR_DEFS, ("name",), cand.actors),
    )
    for names, props, allowed in fields:
        for name in names:
            properties = _properties(defs, name)
            if properties is None:
                continue
            if not allowed:
                limits[name] = 0  # nothing the text states can fill it
            elif len(allowed) <= MAX_ENUM:
                for prop in props:
                    if (target := _obj(properties.get(prop))) is not None:
                        _enum(target, allowed)
    date = _obj((_properties(defs, "CompactEvent") or {}).get("date"))
    if constrain_date and date is not None and len(cand.dates) <= MAX_ENUM:
        if cand.dates:
            _enum(date, cand.dates)
        else:
            # An empty enum would be an empty grammar alternation: allow null alone instead.
            date.pop("anyOf", None)
            date["type"] = "null"
    _limit_arrays(schema, limits, max_items)
    return schema

"""OpenAI strict structured outputs: a JSON schema rewritten into the subset strict mode accepts.

``strict_schema`` takes a Pydantic model (or a JSON schema) and returns the schema the Batch API
request sends as its ``json_schema`` response format; ``collect`` validates every reply with the
Pydantic model itself, so what strict mode cannot say is still enforced.
"""

from __future__ import annotations

import copy
from collections.abc import Iterator, Mapping
from typing import Any, TypeGuard

from pydantic import BaseModel

__all__ = ["JSONObject", "is_array", "is_object", "strict_schema"]

JSONObject = dict[str, Any]

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


def is_object(value: object) -> TypeGuard[Mapping[str, Any]]:
    """A JSON object (its keys are strings)."""
    return isinstance(value, Mapping)


def is_array(value: object) -> TypeGuard[list[object]]:
    """A JSON array."""
    return isinstance(value, list)


def _is_nullable(schema: Mapping[str, Any]) -> bool:
    kind = schema.get("type")
    if kind == "null" or (isinstance(kind, list) and "null" in kind):
        return True
    variants: list[Any] = schema.get("anyOf") or []
    return any(is_object(v) and _is_nullable(v) for v in variants)


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
            elif key == "items" and is_object(value):
                out[key] = self.node(value, f"{path}[]")
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
    if is_object(node):
        for key, value in node.items():
            if key == "$ref" and isinstance(value, str):
                yield value
            else:
                yield from _refs(value)
    elif is_array(node):
        for value in node:
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

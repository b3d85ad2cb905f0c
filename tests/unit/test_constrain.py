"""Constrained decoding: candidates read from the text, and the schema that enforces them."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import BaseModel

from extractor.pipeline.candidates import Candidates, candidates
from extractor.pipeline.constrain import MAX_ENUM, constrained_schema
from extractor.pipeline.numbers import supports_value
from extractor.pipeline.replies import CompactExtraction
from extractor.schema import ArticleExtraction
from extractor.text import split_sentences

CASUALTIES = (
    "It said the clashes overnight killed 10 regime loyalists and 18 opposition fighters, "
    "including 13 extremists."
)
CENTCOM = (
    "Near Mosul, four strikes engaged an ISIL tactical unit and destroyed two fighting positions."
)
NO_NUMBER = "Moscow and Damascus have since resumed air strikes."
EMPTY = Candidates(values=(), singular=False, places=(), actors=(), dates=())

# --- candidates ----------------------------------------------------------------------------------

# (field, what the seed article's candidates must include)
SEED_INCLUDES: list[tuple[str, tuple[object, ...]]] = [
    ("values", (30, 10, 18, 13, 800, 400_000, 370_000, 3_000_000)),
    ("places", ("Al-Zakat", "Al-Arba'een", "Hama", "Kafr Zita", "Al-Latamneh", "Idlib")),
    ("places", ("northwest Syria", "Hama province", "northern Hama", "Idlib region")),
    (
        "actors",
        (
            "regime loyalists",
            "opposition fighters",
            "extremists",
            "Hayat Tahrir al-Sham (HTS)",
            "Hayat Tahrir al-Sham",
            "HTS",
            "Russia",
            "allied rebels",
            "civilians",
            "President Bashar Al Assad's regime",
        ),
    ),
    ("dates", ("on Wednesday", "overnight", "On Monday", "since the end of April", "in 2011")),
]

# (field, what they must never include, and why)
SEED_EXCLUDES: list[tuple[str, object]] = [
    ("values", 28),  # 10 + 18: a sum the article never states
    ("values", 2011),  # a year
    ("places", "HTS"),  # acronyms are actors
    ("places", "regime loyalists"),  # noun groups are actors
    ("actors", "Wednesday"),  # dates are not names
    ("actors", "Regime"),  # a sentence opener written lowercase elsewhere in the article
    ("actors", "The"),
    ("actors", "Moscow and Damascus"),  # two names, offered apart
    ("actors", "seen regime loyalists"),  # a verb ends the noun group
]


@pytest.mark.parametrize(("field", "expected"), SEED_INCLUDES)
def test_seed_candidates_include(seed_text: str, field: str, expected: tuple[object, ...]) -> None:
    found = getattr(candidates(seed_text), field)
    assert [x for x in expected if x not in found] == []


@pytest.mark.parametrize(("field", "absent"), SEED_EXCLUDES)
def test_seed_candidates_exclude(seed_text: str, field: str, absent: object) -> None:
    assert absent not in getattr(candidates(seed_text), field)


# (focus sentence, field, exactly these candidates)
FOCUS_EXACT: list[tuple[str, str, tuple[object, ...]]] = [
    (CASUALTIES, "values", (10, 18, 13)),
    (CASUALTIES, "places", ()),
    (CASUALTIES, "dates", ("overnight",)),
    (CENTCOM, "places", ("Mosul",)),
    (CENTCOM, "values", (4, 2)),  # stated numbers, people or not: the prompt decides kinds
    (CENTCOM, "count_values", (4, 2, 1)),  # "an ISIL tactical unit": grounding reads 1 there
    (NO_NUMBER, "values", ()),
    (NO_NUMBER, "places", ("Moscow", "Damascus")),
    (NO_NUMBER, "dates", ()),
    # the day of a date is never a count, though grounding would accept it
    ("On Monday, Dec. 26, three civilians were killed.", "values", (3,)),
    ("Jan. 9, 2017: 30 November strikes killed 12.", "values", (12,)),
]


@pytest.mark.parametrize(("focus", "field", "expected"), FOCUS_EXACT)
def test_focus_candidates_exact(
    seed_text: str, focus: str, field: str, expected: tuple[object, ...]
) -> None:
    assert getattr(candidates(seed_text, focus), field) == expected


# (focus sentence, field, candidates it must include): forms from other gold articles
FOCUS_INCLUDES: list[tuple[str, str, tuple[str, ...]]] = [
    (CASUALTIES, "actors", ("regime loyalists", "opposition fighters", "extremists")),
    (CENTCOM, "actors", ("ISIL",)),
    (
        "On Monday, Dec. 26, Abu Jandal al-Kuwaiti, an ISIL gang leader in Raqqah was struck "
        "and killed by a coalition airstrike near Tabqa Dam, Syria.",
        "dates",
        ("On Monday, Dec. 26", "Monday, Dec. 26"),  # kept whole: it names one day
    ),
    (
        "On Monday, Dec. 26, Abu Jandal al-Kuwaiti, an ISIL gang leader in Raqqah was struck "
        "and killed by a coalition airstrike near Tabqa Dam, Syria.",
        "actors",
        ("Abu Jandal al-Kuwaiti", "ISIL", "coalition"),
    ),
    (
        "Coalition military forces conducted 26 strikes against ISIL terrorists in Syria and Iraq.",
        "actors",
        ("Coalition military forces", "ISIL terrorists"),
    ),
    (
        "Strikes in Syria were conducted by the Syrian Democratic Forces (SDF) and CJTF-OIR.",
        "actors",
        ("Syrian Democratic Forces (SDF)", "Syrian Democratic Forces", "SDF", "CJTF-OIR"),
    ),
    (
        "A series of U.S. airstrikes this week in northwestern Syria\u2019s Idlib province "
        "killed more than 20 militants.",
        "places",
        ("northwestern Syria", "Idlib province"),
    ),
    (
        "Iraqi forces and the government of Iraq retook the town from the Islamic State of "
        "Iraq and the Levant.",
        "actors",
        ("Iraqi forces", "government of Iraq", "Islamic State of Iraq and the Levant"),
    ),
]


@pytest.mark.parametrize(("focus", "field", "expected"), FOCUS_INCLUDES)
def test_focus_candidates_include(focus: str, field: str, expected: tuple[str, ...]) -> None:
    found = getattr(candidates(focus, focus), field)
    assert [x for x in expected if x not in found] == []


def test_focus_limits_candidates_to_its_sentence(seed_text: str) -> None:
    whole = candidates(seed_text)
    for start, end in split_sentences(seed_text):
        sentence = seed_text[start:end]
        cand = candidates(seed_text, sentence)
        for name in (*cand.places, *cand.actors, *cand.dates):
            assert name in sentence, (name, sentence)
        assert set(cand.values) <= set(whole.values)
    assert "Hama" not in candidates(seed_text, CASUALTIES).places
    assert 800 not in candidates(seed_text, CASUALTIES).values


@pytest.mark.parametrize("text", [CASUALTIES, CENTCOM, NO_NUMBER, "A soldier was killed."])
def test_count_values_are_what_grounding_accepts(text: str) -> None:
    # Equal sets, as these texts name no date (a date's day is never a candidate).
    cand = candidates(text)
    assert all(supports_value(text, v) is not None for v in cand.count_values)
    assert [v for v in range(0, 50) if supports_value(text, v)] == sorted(
        v for v in cand.count_values if v < 50
    )


_WORDS = st.sampled_from(
    ["Al-Zakat", "al-Sham", "(HTS)", "ISIL", "U.S.-led", "Assad's", "of", "and", "the", "forces",
     "allied", "rebels", "people", "on", "Monday", "Dec.", "26,", "since", "2011", "nearly",
     "30", "three", "a", "Near", "northwest", "province", ".", "\n", "-", "\u2019s", ""]
)  # fmt: skip


@settings(max_examples=300, deadline=None)
@given(st.lists(_WORDS, max_size=25).map(" ".join))
def test_candidates_are_written_in_the_text(text: str) -> None:
    cand = candidates(text)
    for name in (*cand.places, *cand.actors, *cand.dates):
        assert name and name == name.strip() and name in text
    assert all(supports_value(text, v) is not None for v in cand.count_values)


def test_candidates_are_deterministic_and_deduplicated(seed_text: str) -> None:
    first, second = candidates(seed_text), candidates(seed_text)
    assert first == second
    for field in ("values", "places", "actors", "dates"):
        items = getattr(first, field)
        assert len(items) == len(set(items)), field


# --- a JSON-schema checker, written by hand (enough for these schemas) ---------------------------


def conforms(value: Any, node: dict[str, Any], root: dict[str, Any]) -> bool:
    """Does ``value`` satisfy ``node``: $ref, anyOf, enum, type, objects, arrays and maxItems."""
    if "$ref" in node:
        return conforms(value, root["$defs"][node["$ref"].rsplit("/", 1)[-1]], root)
    if "anyOf" in node:
        return any(conforms(value, branch, root) for branch in node["anyOf"])
    if "enum" in node and value not in node["enum"]:
        return False
    kind = node.get("type")
    if kind == "null":
        return value is None
    if kind == "string":
        return isinstance(value, str)
    if kind == "integer":
        return isinstance(value, int) and value >= node.get("minimum", 0)
    if kind == "boolean":
        return isinstance(value, bool)
    if kind == "array":
        return (
            isinstance(value, list)
            and len(value) <= node.get("maxItems", len(value))
            and all(conforms(item, node["items"], root) for item in value)
        )
    if kind == "object":
        props: dict[str, Any] = node.get("properties", {})
        return (
            isinstance(value, dict)
            and set(node.get("required", [])) <= set(value)
            and set(value) <= set(props)
            and all(conforms(v, props[k], root) for k, v in value.items())
        )
    return True


def arrays(node: Any, path: str = "") -> list[tuple[str, dict[str, Any]]]:
    """Every array schema under ``node``, with its path."""
    found: list[tuple[str, dict[str, Any]]] = []
    if isinstance(node, dict):
        if node.get("type") == "array":
            found.append((path, node))
        for key, value in node.items():
            found.extend(arrays(value, f"{path}/{key}"))
    elif isinstance(node, list):
        for i, value in enumerate(node):
            found.extend(arrays(value, f"{path}/{i}"))
    return found


# --- constrained_schema --------------------------------------------------------------------------

# (model, count def, place def, actor def, event def)
MODELS: list[tuple[type[BaseModel], str, str, str, str]] = [
    (CompactExtraction, "CompactCount", "CompactPlace", "CompactActor", "CompactEvent"),
    (ArticleExtraction, "Count", "Place", "Actor", "Event"),
]


@pytest.mark.parametrize(("model", "count", "place", "actor", "event"), MODELS)
def test_enums_at_the_right_paths(
    seed_text: str, model: type[BaseModel], count: str, place: str, actor: str, event: str
) -> None:
    cand = candidates(seed_text)
    defs = constrained_schema(model, cand)["$defs"]
    assert defs[count]["properties"]["value"]["enum"] == list(cand.count_values)
    assert defs[place]["properties"]["name"]["enum"] == list(cand.places)
    assert defs[actor]["properties"]["name"]["enum"] == list(cand.actors)
    assert defs[count]["properties"]["value"]["type"] == "integer"


def test_full_model_upper_is_constrained_and_nullable(seed_text: str) -> None:
    cand = candidates(seed_text)
    upper = constrained_schema(ArticleExtraction, cand)["$defs"]["Count"]["properties"]["upper"]
    by_type = {b["type"]: b for b in upper["anyOf"]}
    assert by_type["integer"]["enum"] == list(cand.count_values)
    assert "enum" not in by_type["null"]


@pytest.mark.parametrize(("model", "count", "place", "actor", "event"), MODELS)
@pytest.mark.parametrize(("max_events", "max_items"), [(4, 6), (1, 2)])
def test_every_array_has_max_items(
    seed_text: str,
    model: type[BaseModel],
    count: str,
    place: str,
    actor: str,
    event: str,
    max_events: int,
    max_items: int,
) -> None:
    schema = constrained_schema(
        model, candidates(seed_text), max_events=max_events, max_items=max_items
    )
    found = arrays(schema)
    assert found
    for path, node in found:
        limit = max_events if node["items"].get("$ref", "").endswith(f"/{event}") else max_items
        assert node.get("maxItems") == limit, path
    assert schema["properties"]["events"]["maxItems"] == max_events


@pytest.mark.parametrize(("model", "count", "place", "actor", "event"), MODELS)
def test_no_candidates_closes_the_arrays(
    model: type[BaseModel], count: str, place: str, actor: str, event: str
) -> None:
    schema = constrained_schema(model, EMPTY)
    props = schema["$defs"][event]["properties"]
    assert [props[k]["maxItems"] for k in ("places", "actors", "counts")] == [0, 0, 0]
    # An empty enum would compile to an empty grammar alternation: none is ever written.
    assert "enum" not in schema["$defs"][count]["properties"]["value"]
    assert "enum" not in schema["$defs"][place]["properties"]["name"]


@pytest.mark.parametrize(("model", "count", "place", "actor", "event"), MODELS)
def test_too_many_candidates_leave_the_field_free(
    model: type[BaseModel], count: str, place: str, actor: str, event: str
) -> None:
    many = tuple(f"Place {i}" for i in range(MAX_ENUM + 1))
    cand = Candidates(values=(5,), singular=False, places=many, actors=("ISIL",), dates=())
    schema = constrained_schema(model, cand)
    assert "enum" not in schema["$defs"][place]["properties"]["name"]
    assert schema["$defs"][event]["properties"]["places"]["maxItems"] == 6
    assert schema["$defs"][actor]["properties"]["name"]["enum"] == ["ISIL"]


@pytest.mark.parametrize(("model", "count", "place", "actor", "event"), MODELS)
def test_model_schema_is_not_mutated(
    seed_text: str, model: type[BaseModel], count: str, place: str, actor: str, event: str
) -> None:
    before = json.dumps(model.model_json_schema(), sort_keys=True)
    schema = constrained_schema(model, candidates(seed_text))
    schema["$defs"][place]["properties"]["name"]["enum"].append("mutated")
    assert json.dumps(model.model_json_schema(), sort_keys=True) == before
    assert (
        "mutated"
        not in constrained_schema(model, candidates(seed_text))["$defs"][place]["properties"][
            "name"
        ]["enum"]
    )


# (focus, constrain_date, the date property's allowed values; None = free string)
DATE_CASES: list[tuple[str, bool, list[str] | None]] = [
    (CASUALTIES, True, ["overnight"]),
    (NO_NUMBER, True, []),  # no date phrase: null only
    (CASUALTIES, False, None),
]


@pytest.mark.parametrize(("focus", "constrain_date", "allowed"), DATE_CASES)
def test_compact_date_enum_keeps_null(
    seed_text: str, focus: str, constrain_date: bool, allowed: list[str] | None
) -> None:
    schema = constrained_schema(
        CompactExtraction, candidates(seed_text, focus), constrain_date=constrain_date
    )
    date = schema["$defs"]["CompactEvent"]["properties"]["date"]
    assert conforms(None, date, schema)
    assert conforms("overnight", date, schema) is (allowed is None or "overnight" in allowed)
    assert conforms("2019-08-07", date, schema) is (allowed is None)


def test_full_model_dates_stay_free(seed_text: str) -> None:
    schema = constrained_schema(ArticleExtraction, candidates(seed_text))
    assert "enum" not in json.dumps(schema["$defs"]["EventDate"])


def test_reply_built_from_candidates_validates(seed_text: str) -> None:
    cand = candidates(seed_text, CASUALTIES)
    schema = constrained_schema(CompactExtraction, cand)
    reply: dict[str, Any] = {
        "events": [
            {
                "sub_event_type": "armed_clash",
                "date": cand.dates[0],
                "actors": [
                    {"name": name, "actor_type": "rebel_group", "role": "participant"}
                    for name in cand.actors[:3]
                ],
                "counts": [{"kind": "killed", "value": v} for v in cand.values],
            }
        ]
    }
    assert conforms(reply, schema, schema)
    parsed = CompactExtraction.model_validate(reply)
    assert [c.value for c in parsed.events[0].counts] == [10, 18, 13]


# (what the reply changes, why the constrained schema rejects it)
REJECTED: list[tuple[str, dict[str, Any]]] = [
    ("a sum", {"counts": [{"kind": "killed", "value": 28}]}),
    ("a place from another sentence", {"places": [{"name": "Hama", "kind": "province"}]}),
    ("an invented actor", {"actors": [{"name": "ISIS", "actor_type": "other", "role": "target"}]}),
    ("a computed date", {"date": "2019-08-06"}),
    ("too many counts", {"counts": [{"kind": "killed", "value": 10}] * 7}),
]


@pytest.mark.parametrize(("why", "change"), REJECTED)
def test_constrained_schema_rejects(seed_text: str, why: str, change: dict[str, Any]) -> None:
    schema = constrained_schema(CompactExtraction, candidates(seed_text, CASUALTIES))
    event: dict[str, Any] = {"sub_event_type": "armed_clash", **change}
    unconstrained = CompactExtraction.model_json_schema()
    assert conforms({"events": [event]}, unconstrained, unconstrained), why
    assert not conforms({"events": [event]}, schema, schema), why


def test_full_reply_built_from_candidates_validates(seed_text: str) -> None:
    cand = candidates(seed_text)
    schema = constrained_schema(ArticleExtraction, cand)
    quote = "the clashes overnight killed 10 regime loyalists"
    reply: dict[str, Any] = {
        "events": [
            {
                "evidence": quote,
                "event_type": "battles",
                "sub_event_type": "armed_clash",
                "summary": "clashes",
                "date": {"text": "overnight", "precision": "day"},
                "places": [{"evidence": quote, "name": "Al-Zakat", "kind": "town"}],
                "actors": [
                    {
                        "evidence": quote,
                        "name": "regime loyalists",
                        "actor_type": "state_forces",
                        "role": "target",
                    }
                ],
                "counts": [
                    {"evidence": quote, "kind": "killed", "value": 10, "qualifier": "exact"}
                ],
            }
        ]
    }
    assert conforms(reply, schema, schema)
    assert ArticleExtraction.model_validate(reply).events[0].counts[0].value == 10


def test_llama_cpp_compiles_the_schema(seed_text: str) -> None:
    # llama-cpp-python falls back to plain JSON, silently, when a schema does not convert.
    grammar_mod = pytest.importorskip("llama_cpp.llama_grammar")
    schema = constrained_schema(CompactExtraction, candidates(seed_text, CASUALTIES))
    schema["$defs"]["CompactEvent"]["properties"]["places"]["maxItems"] = 0
    grammar: str = grammar_mod.json_schema_to_gbnf(json.dumps(schema))
    rules = dict(line.split(" ::= ", 1) for line in grammar.splitlines() if " ::= " in line)
    assert rules["CompactCount-value"] == '"10" | "18" | "13"'
    assert rules["CompactEvent-places"] == '"[" space  "]" space'
    assert '"\\"regime loyalists\\""' in rules["CompactActor-name"]

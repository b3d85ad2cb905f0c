import json

import pytest
from pydantic import ValidationError

from extractor.pipeline.replies import CompactExtraction, to_events
from extractor.schema import ArticleExtraction, Count, Event


def test_extra_fields_are_rejected() -> None:
    with pytest.raises(ValidationError, match="Extra inputs"):
        ArticleExtraction.model_validate({"events": [], "confidence": 0.9})


def test_sub_event_type_must_belong_to_event_type() -> None:
    with pytest.raises(ValidationError, match="belongs to event_type 'battles'"):
        Event.model_validate(
            {
                "evidence": "x",
                "event_type": "protests",
                "sub_event_type": "armed_clash",
                "summary": "s",
            }
        )


def test_range_needs_upper() -> None:
    with pytest.raises(ValidationError, match="range count"):
        Count(evidence="x", kind="killed", value=10, qualifier="range")  # pyright: ignore[reportArgumentType]
    assert Count(evidence="x", kind="killed", value=10, qualifier="range", upper=15).upper == 15  # pyright: ignore[reportArgumentType]


def test_negative_values_are_rejected() -> None:
    with pytest.raises(ValidationError):
        Count(evidence="x", kind="killed", value=-1, qualifier="exact")  # pyright: ignore[reportArgumentType]


def test_model_never_sees_spans_dates_or_gold_marks() -> None:
    schema = json.dumps(ArticleExtraction.model_json_schema())
    for hidden in ('"span"', '"optional"', '"entity"', '"diagnostics"', '"start"', '"end"'):
        assert hidden not in schema
    for shown in ('"evidence"', '"qualifier"', '"reported_by"', '"sub_event_type"'):
        assert shown in schema


def test_compact_reply_expands_with_the_sentence_as_evidence() -> None:
    sentence = "Clashes killed nearly 30 combatants in Al-Zakat on Wednesday."
    reply = CompactExtraction.model_validate(
        {
            "events": [
                {
                    "sub_event_type": "armed_clash",
                    "date": "on Wednesday",
                    "places": [{"name": "Al-Zakat", "kind": "town"}],
                    "actors": [],
                    "counts": [{"kind": "killed", "value": 30, "who": "combatants"}],
                }
            ]
        }
    )
    (ev,) = to_events(reply, sentence)
    assert ev.event_type.value == "battles"
    assert ev.evidence == sentence and ev.places[0].evidence == sentence
    assert ev.counts[0].qualifier.value == "approximate"
    assert ev.date.precision.value == "day"

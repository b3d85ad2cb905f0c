"""The Markdown report's audit table names articles so a reader can find them."""

from __future__ import annotations

from extractor.harness.run import score_records
from extractor.report.markdown import lenient_matches
from tests.unit.test_report_html import fixture_gold, second_pass_records


def test_lenient_audit_rows_name_whole_article_ids() -> None:
    gold = fixture_gold()
    records = []
    for record in second_pass_records():  # "the armed X" contains gold's "X": LENIENT only
        assert record.extraction is not None
        events = [
            e.model_copy(
                update={
                    "actors": [
                        a.model_copy(update={"name": f"the armed {a.name}"}) for a in e.actors
                    ]
                }
            )
            for e in record.extraction.events
        ]
        extraction = record.extraction.model_copy(update={"events": events})
        records.append(record.model_copy(update={"extraction": extraction}))
    ids = [r.id for r in records]
    table = lenient_matches(score_records(records, gold, only=ids, ci_resamples=0), limit=10_000)
    named = {row.split(" | ")[0].removeprefix("| ") for row in table.splitlines()[2:]}
    assert any(len(i) > 18 for i in named), named  # re3d ids are 37 characters long
    assert named <= set(ids), named - set(ids)

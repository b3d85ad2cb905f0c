"""`extractor check`, `compare` and `score` on recorded runs: no model call anywhere.

The recorded "systems" are the independent second annotation of 9 gold articles and a perturbed
copy of it, written as run folders the way `extractor eval` writes them.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path

import pytest
from typer.testing import CliRunner

from extractor.cli import app
from extractor.pipeline import PIPELINE_VERSION, Strategy, schema_sha256
from extractor.pipeline.prompts import load_prompt
from extractor.records import ExtractionRecord
from extractor.run import Work
from extractor.text import sha256 as text_sha256
from tests.unit.test_report_html import fixture_gold, perturbed_records, second_pass_records

ROOT = Path(__file__).resolve().parents[2]


def write_run(
    runs: Path,
    suite: str,
    name: str,
    records: list[ExtractionRecord],
    *,
    stamp: bool = True,
    override: Mapping[str, object] | None = None,
) -> Path:
    """A run folder as `extractor eval` writes it; ``stamp``: records without a pipeline version
    get today's, as records made now have; ``override``: run.json fields to write instead."""
    gold = fixture_gold()
    for r in records:
        if stamp and r.meta.pipeline_version is None:
            r.meta.pipeline_version = PIPELINE_VERSION
    texts = {ga.article.id: ga.article.text for ga in gold.articles}
    folder = runs / f"{suite}__{name}"
    folder.mkdir(parents=True)
    (folder / "predictions.jsonl").write_text(
        "".join(r.model_dump_json() + "\n" for r in records), encoding="utf-8"
    )
    info = {
        "name": name,
        "prompt_id": "events.v1",
        "prompt_sha256": load_prompt().sha256,
        "schema_sha256": schema_sha256(),
        "backend": {"backend": f"replay/{name}"},
        "strategy": "whole",
        "pipeline_version": PIPELINE_VERSION,
        "settings": Work(prompt=load_prompt(), strategy=Strategy.WHOLE).flat_settings(),
        "articles": [r.id for r in records],
        "article_sha256": {r.id: text_sha256(texts[r.id]) for r in records},
        "summary": {"articles": len(records), "failed": sum(r.error is not None for r in records)},
    }
    info.update(override or {})
    (folder / "run.json").write_text(json.dumps(info), encoding="utf-8")
    return folder


@pytest.fixture()
def suite(tmp_path: Path) -> Path:
    path = tmp_path / "suites" / "t.toml"
    path.parent.mkdir()
    path.write_text(
        f'gold = "{ROOT / "gold" / "v1"}"\n'
        '[[systems]]\nname = "second"\nbackend = "replay/second"\n'
        'strategy = "whole"\n[thresholds]\n"L1/all/headline" = 0.5\n',
        encoding="utf-8",
    )
    return path


def test_check_passes_on_a_fresh_run(tmp_path: Path, suite: Path) -> None:
    write_run(tmp_path / "runs", "t", "second", second_pass_records())
    res = CliRunner().invoke(app, ["check", str(suite), "--runs-dir", str(tmp_path / "runs")])
    assert res.exit_code == 0, res.output
    assert "| all (micro)" in res.output and "[" in res.output  # scores with intervals


@pytest.mark.parametrize(
    ("override", "why"),
    [
        ({"prompt_sha256": "0" * 64}, "prompt events.v1 changed"),
        ({"schema_sha256": "0" * 64}, "schema changed"),
        ({"article_sha256": {"seed:afp_hama": "0" * 64}}, "1 article text(s) changed"),
        ({"pipeline_version": 0}, "made by pipeline version 0"),
        ({"complete": False}, "incomplete: resume it"),
        ({"strategy": "sentence"}, "strategy is 'sentence', the suite says 'whole'"),
        ({"backend": {"backend": "replay/other"}}, "backend is 'replay/other'"),
        ({"constrain": "article"}, "constrain is 'article'"),
        ({"settings": {"temperature": 0.7}}, "setting temperature is 0.7"),
    ],
)
def test_check_fails_on_a_stale_run(
    tmp_path: Path, suite: Path, override: dict[str, object], why: str
) -> None:
    write_run(tmp_path / "runs", "t", "second", second_pass_records(), override=override)
    res = CliRunner().invoke(app, ["check", str(suite), "--runs-dir", str(tmp_path / "runs")])
    assert res.exit_code == 1 and why in res.output


def test_check_fails_on_records_of_another_pipeline_version(tmp_path: Path, suite: Path) -> None:
    records = second_pass_records()
    records[0].meta.pipeline_version = PIPELINE_VERSION + 1
    write_run(tmp_path / "runs", "t", "second", records)
    res = CliRunner().invoke(app, ["check", str(suite), "--runs-dir", str(tmp_path / "runs")])
    assert res.exit_code == 1
    assert f"1 record(s) made by pipeline version {PIPELINE_VERSION + 1}" in res.output


def _two_unversioned(tmp_path: Path) -> None:
    records = second_pass_records()
    for r in records:
        r.meta.pipeline_version = PIPELINE_VERSION
    for r in records[:2]:
        r.meta.pipeline_version = None
    write_run(tmp_path / "runs", "t", "second", records, stamp=False)


def _check(tmp_path: Path, suite: Path) -> tuple[int, str]:
    res = CliRunner().invoke(app, ["check", str(suite), "--runs-dir", str(tmp_path / "runs")])
    return res.exit_code, " ".join(res.output.split())


def test_records_older_than_declared_versions_are_stale(tmp_path: Path, suite: Path) -> None:
    _two_unversioned(tmp_path)
    code, out = _check(tmp_path, suite)
    assert code == 1
    assert "stale: 2 record(s) made before pipeline versions were declared" in out
    assert "[records_before_versions]" in out  # the way out is named, as written


def test_a_suite_may_say_which_version_older_records_are_and_why(
    tmp_path: Path, suite: Path
) -> None:
    _two_unversioned(tmp_path)
    text = suite.read_text(encoding="utf-8")
    declared = f'\n[records_before_versions]\nversion = {PIPELINE_VERSION}\nbecause = "checked"\n'
    suite.write_text(text + declared, encoding="utf-8")
    code, out = _check(tmp_path, suite)
    assert code == 0, out
    taken = f"2 record(s) made before pipeline versions are taken as version {PIPELINE_VERSION}"
    assert f"{taken}: checked" in out
    # declared as an older version than the code's, they are stale again
    suite.write_text(
        text + declared.replace(f"= {PIPELINE_VERSION}", f"= {PIPELINE_VERSION - 1}"),
        encoding="utf-8",
    )
    code, out = _check(tmp_path, suite)
    assert code == 1 and f"the code is at {PIPELINE_VERSION}" in out
    suite.write_text(text + "\n[records_before_versions]\nversion = 1\n", encoding="utf-8")
    code, out = _check(tmp_path, suite)
    assert code == 2 and "[records_before_versions] needs version" in out


def test_a_historical_suite_reports_its_staleness_and_keeps_its_thresholds(
    tmp_path: Path, suite: Path
) -> None:
    _two_unversioned(tmp_path)
    text = suite.read_text(encoding="utf-8")
    suite.write_text('historical = "made by an older pipeline"\n' + text, encoding="utf-8")
    code, out = _check(tmp_path, suite)
    assert code == 0, out
    assert "historical: made by an older pipeline" in out
    assert "stale (historical run): 2 record(s) made before pipeline versions" in out
    # a historical run is still scored: a field below its threshold fails
    suite.write_text(
        'historical = "old"\n'
        + text.replace('"L1/all/headline" = 0.5', '"L1/all/headline" = 1.01'),
        encoding="utf-8",
    )
    code, out = _check(tmp_path, suite)
    assert code == 1 and "below the threshold 1.01" in out


def test_check_takes_several_suites_and_fails_if_any_fails(tmp_path: Path, suite: Path) -> None:
    write_run(tmp_path / "runs", "t", "second", second_pass_records())
    empty = [r.model_copy(update={"extraction": None, "error": "x"}) for r in second_pass_records()]
    write_run(tmp_path / "runs", "u", "second", empty)
    other = suite.with_name("u.toml")
    other.write_text(suite.read_text(encoding="utf-8"), encoding="utf-8")
    runs = str(tmp_path / "runs")
    res = CliRunner().invoke(app, ["check", str(suite), str(other), "--runs-dir", runs])
    assert res.exit_code == 1, res.output
    assert "Canonical runs: t" in res.output and "Canonical runs: u" in res.output
    assert "u__second: L1/all/headline F1 0.000 is below" in res.output
    failures = [line for line in res.output.splitlines() if line.startswith("FAIL")]
    assert failures and not any("t__second" in line for line in failures)  # t passed


def test_check_fails_below_threshold(tmp_path: Path, suite: Path) -> None:
    empty = [
        r.model_copy(update={"extraction": None, "error": "boom"}) for r in second_pass_records()
    ]
    write_run(tmp_path / "runs", "t", "second", empty)
    res = CliRunner().invoke(app, ["check", str(suite), "--runs-dir", str(tmp_path / "runs")])
    assert res.exit_code == 1 and "below the threshold 0.5" in res.output


def test_compare_writes_paired_table_html_and_png(tmp_path: Path) -> None:
    runs = tmp_path / "runs"
    a = write_run(runs, "t", "second", second_pass_records())
    b = write_run(runs, "t", "perturbed", perturbed_records(fixture_gold()))
    res = CliRunner().invoke(
        app,
        [
            "compare",
            str(a),
            str(b),
            "--rounds",
            "500",
            "--html",
            str(tmp_path / "c.html"),
            "--png",
            str(tmp_path / "c.png"),
        ],
    )
    assert res.exit_code == 0, res.output
    assert "## Paired comparisons" in res.output and "p (AR)" in res.output
    assert "common articles" in res.output
    assert (tmp_path / "c.html").stat().st_size > 10_000
    assert (tmp_path / "c.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


@pytest.mark.parametrize(
    "args",
    [
        ["compare", "run-a", "run-b", "--key", "L1/all/nonsense"],
        ["score", "p.jsonl", "--format", "yaml"],
        ["extract", "a.txt", "--strategy", "paragraph"],
        ["extract", "a.txt", "--constrain", "everything"],
        ["extract", "a.txt", "--engine", "spark"],
    ],
)
def test_a_bad_choice_is_a_usage_error_not_a_traceback(args: list[str]) -> None:
    res = CliRunner().invoke(app, args)
    assert res.exit_code == 2 and "Invalid value" in res.output
    assert not isinstance(res.exception, ValueError)  # typer refused it before any work


def test_score_json_has_intervals(tmp_path: Path) -> None:
    run = write_run(tmp_path / "runs", "t", "second", second_pass_records())
    res = CliRunner().invoke(
        app, ["score", str(run / "predictions.jsonl"), "--format", "json", "--resamples", "200"]
    )
    assert res.exit_code == 0, res.output
    out = json.loads(res.output)
    head = out["runs"]["t__second"]["results"]["L1/all/headline"]
    assert 0 <= head["f1"] <= 1 and len(head["ci95"]) == 2 and head["support"] > 0


def test_bad_predictions_line_is_named(tmp_path: Path) -> None:
    path = tmp_path / "p.jsonl"
    path.write_text('{"id": "x"}\n', encoding="utf-8")
    res = CliRunner().invoke(app, ["score", str(path)])
    assert res.exit_code == 2 and "p.jsonl:1: not an extraction record" in res.output


def replay_suite(tmp_path: Path, url: str) -> Path:
    """A suite of one system, ``r``, on the replay server at ``url``, over gold v1."""
    path = tmp_path / "s.toml"
    path.write_text(
        f'gold = "{ROOT / "gold" / "v1"}"\n[[systems]]\nname = "r"\n'
        f'backend = "openai-compatible/replay@{url}"\nstrategy = "whole"\n',
        encoding="utf-8",
    )
    return path


def test_interrupted_eval_leaves_a_run_record_and_resumes(tmp_path: Path) -> None:
    from pytest_httpserver import HTTPServer

    from extractor.errors import BackendError
    from extractor.harness import SuiteEntry, load_run, load_suite, run_entry
    from tests.faults.replay import Script, ok, status

    with HTTPServer() as server:
        script = Script([status(500)])
        server.expect_request("/v1/chat/completions").respond_with_handler(script)
        suite = load_suite(replay_suite(tmp_path, server.url_for("/v1")))
        entry: SuiteEntry = suite.entries[0]
        with pytest.raises(BackendError):
            run_entry(entry, suite, tmp_path / "runs", limit=2)
        run = load_run(tmp_path / "runs" / "s__r")
        assert run.info.complete is False and run.info.articles == []
        script.replies = [ok({"events": []})]  # the server recovers: the same eval resumes
        run_entry(entry, suite, tmp_path / "runs", limit=2)
        run = load_run(tmp_path / "runs" / "s__r")
        assert run.info.complete is True and len(run.records) == 2


def test_re_running_a_finished_eval_keeps_when_and_on_what_it_finished(tmp_path: Path) -> None:
    from pytest_httpserver import HTTPServer

    from extractor.harness import load_run, load_suite, run_entry
    from tests.faults.replay import Script, ok

    with HTTPServer() as server:
        script = Script([ok({"events": []})])
        server.expect_request("/v1/chat/completions").respond_with_handler(script)
        suite = load_suite(replay_suite(tmp_path, server.url_for("/v1")))
        folder = run_entry(suite.entries[0], suite, tmp_path / "runs", limit=1)
        info = json.loads((folder / "run.json").read_text(encoding="utf-8"))
        info.update(finished="2026-01-01T00:00:00+00:00", git_commit="f" * 40)
        (folder / "run.json").write_text(json.dumps(info), encoding="utf-8")
        run_entry(suite.entries[0], suite, tmp_path / "runs", limit=1)  # a re-score: nothing new
        again = load_run(folder).info
        assert (again.finished, again.git_commit) == ("2026-01-01T00:00:00+00:00", "f" * 40)
        run_entry(suite.entries[0], suite, tmp_path / "runs", limit=2)  # one more article made
        grown = load_run(folder).info
        assert grown.finished != "2026-01-01T00:00:00+00:00" and len(grown.articles or []) == 2

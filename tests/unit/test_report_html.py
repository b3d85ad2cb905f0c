"""The HTML review page, on realistic runs built without a model, and opened in headless Chromium.

Run "second-pass" is the independent second annotation of gold/v1 (9 articles) posing as a system:
near-perfect, with the few real disagreements between annotators. Run "perturbed" is the same with
typical model errors planted: the summed 28 for "nearly 30" (SCORING.md §4), an extra actor, a
missed village, an item dropped by grounding and one failed article. A synthetic article
(tests/fixtures/report/hostile_article.json) carries markup in its text, names and evidence.
"""

from __future__ import annotations

import dataclasses
import html
import json
import re
import subprocess
from pathlib import Path

import pytest
from PIL import Image

from extractor.codebook import ActorRole, ActorType, Qualifier
from extractor.gold import GoldArticle, GoldSet, load_gold
from extractor.harness.run import score_records
from extractor.pipeline import Strategy
from extractor.records import ExtractionRecord, RecordMeta, UsageRecord
from extractor.report.html import RunView, render_html, write_html
from extractor.schema import (
    Actor,
    Article,
    ArticleExtraction,
    Diagnostic,
    Event,
    GoldDocument,
    Span,
)

ROOT = Path(__file__).resolve().parents[2]
GOLD_DIR = ROOT / "gold" / "v1"
FIXTURES = ROOT / "tests" / "fixtures" / "report"
CHROMIUM = Path("/usr/bin/chromium")
SEED = "seed:afp_hama"
FAILED = "re3d:DC40EB7B4BDB1254DAF8A430A8E5383B"
FAILED_ERROR = "ExtractionFailed: 3 attempts: events.0.counts.0.value: Input should be >= 0"
EXTRA_ACTOR = "Syrian Observatory for Human Rights"
MISSED_PLACE = "Al-Latamneh"
DROPPED_REASON = "number 3000 is not written in the quote"


def second_pass() -> list[GoldDocument]:
    lines = (GOLD_DIR / "second_pass" / "events.jsonl").read_text(encoding="utf-8").splitlines()
    return [GoldDocument.model_validate_json(line) for line in lines if line.strip()]


def meta(backend: str, model: str, latency: float) -> RecordMeta:
    return RecordMeta(
        backend=backend,
        model=model,
        prompt_id="extract-v3",
        prompt_sha256="9f" * 32,
        schema_sha256="3c" * 32,
        strategy=Strategy.SENTENCE,
        usage=UsageRecord(prompt_tokens=2150, completion_tokens=610),
        latency_s=latency,
        attempts=1,
        requests=1,
    )


def second_pass_records() -> list[ExtractionRecord]:
    return [
        ExtractionRecord(
            id=doc.article_id,
            extraction=ArticleExtraction(events=doc.events),
            meta=meta("second-pass", doc.annotator or "annotator-2", 0.0),
        )
        for doc in second_pass()
    ]


def _perturb_seed(events: list[Event], text: str) -> ArticleExtraction:
    out: list[Event] = []
    for i, ev in enumerate(events):
        places = [p for p in ev.places if p.name != MISSED_PLACE]
        counts = list(ev.counts)
        actors = list(ev.actors)
        if i == 1:  # "nearly 30" summed from 10 + 18: the classic model error
            counts[0] = counts[0].model_copy(update={"value": 28, "qualifier": Qualifier.EXACT})
        if i == 0:  # the source named as an actor
            quote = "the Syrian Observatory for Human Rights said."
            start = text.index(quote)
            actors.append(
                Actor(
                    evidence=quote,
                    name=EXTRA_ACTOR,
                    actor_type=ActorType.OTHER,
                    role=ActorRole.PARTICIPANT,
                    span=Span(start=start, end=start + len(quote)),
                )
            )
        out.append(ev.model_copy(update={"places": places, "counts": counts, "actors": actors}))
    dropped = Diagnostic(
        path="events[3].counts[2]",
        reason=DROPPED_REASON,
        item={
            "evidence": "pushed 400,000 people from their homes",
            "kind": "displaced",
            "value": 3000,
        },
    )
    return ArticleExtraction(events=out, diagnostics=[dropped])


def perturbed_records(gold: GoldSet) -> list[ExtractionRecord]:
    texts = {ga.article.id: ga.article.text for ga in gold.articles}
    records: list[ExtractionRecord] = []
    for doc in second_pass():
        m = meta("local/qwen2.5-coder-1.5b", "qwen2.5-coder-1.5b-q4_k_m", 41.5)
        if doc.article_id == FAILED:
            records.append(
                ExtractionRecord(
                    id=doc.article_id,
                    extraction=None,
                    meta=m,
                    error=FAILED_ERROR,
                    raw='{"events": [{"evidence": "',
                )
            )
            continue
        extraction = ArticleExtraction(events=doc.events)
        if doc.article_id == SEED:
            extraction = _perturb_seed(doc.events, texts[SEED])
        records.append(ExtractionRecord(id=doc.article_id, extraction=extraction, meta=m))
    return records


def fixture_gold() -> GoldSet:
    return load_gold(GOLD_DIR)


def fixture_runs(gold: GoldSet, ci_resamples: int = 200) -> dict[str, RunView]:
    """Both runs, scored on the 9 doubly annotated articles only."""
    ids = [d.article_id for d in second_pass()]
    runs: dict[str, RunView] = {}
    for name, recs in (
        ("second-pass", second_pass_records()),
        ("perturbed", perturbed_records(gold)),
    ):
        score = score_records(recs, gold, only=ids, ci_resamples=ci_resamples)
        runs[name] = RunView(score, recs)
    return runs


def hostile_case() -> tuple[GoldSet, dict[str, RunView]]:
    data = json.loads((FIXTURES / "hostile_article.json").read_text(encoding="utf-8"))
    article = Article.model_validate(data["article"])
    doc = GoldDocument.model_validate(data["gold"])
    gold = GoldSet(FIXTURES, [GoldArticle(article, "CC0-1.0", None)], {article.id: doc})
    rec = ExtractionRecord(
        id=article.id,
        extraction=ArticleExtraction.model_validate(data["prediction"]),
        meta=meta("<img src=x onerror=alert(1)>", "m", 1.0),
    )
    return gold, {"<i>run</i>": RunView(score_records([rec], gold, ci_resamples=0), [rec])}


@pytest.fixture(scope="module")
def gold() -> GoldSet:
    return fixture_gold()


@pytest.fixture(scope="module")
def runs(gold: GoldSet) -> dict[str, RunView]:
    return fixture_runs(gold)


@pytest.fixture(scope="module")
def page(runs: dict[str, RunView], gold: GoldSet) -> str:
    return render_html(runs, gold, title="Fixture review: second pass vs perturbed")


# --------------------------------------------------------------------------- page content


def test_fixture_runs_have_the_planted_errors(runs: dict[str, RunView]) -> None:
    clean = runs["second-pass"].score.results["L1/all/headline"]
    worse = runs["perturbed"].score.results["L1/all/headline"]
    assert runs["perturbed"].score.n_failed == 1
    assert worse.f1 < clean.f1
    assert clean.ci is not None and clean.ci.low <= clean.f1 <= clean.ci.high


def test_page_lists_every_article_and_both_runs(page: str, runs: dict[str, RunView]) -> None:
    for doc in runs["second-pass"].score.documents:
        assert f'data-article-id="{doc.article_id}"' in page
    assert page.count('class="panel"') == 2 * len(runs["second-pass"].score.documents)
    assert '<th colspan="3" class="run">second-pass</th>' in page
    assert '<th colspan="3" class="run">perturbed</th>' in page


def test_summary_table_has_l1_rows_with_ci(page: str, runs: dict[str, RunView]) -> None:
    table = page[page.index('id="summary-table"') : page.index("</table>")]
    for key in (
        "L1/actors/lenient",
        "L1/places/lenient",
        "L1/counts/value",
        "L1/dates/lenient",
        "L1/types/strict",
        "L1/all/headline",
    ):
        assert key in table
    assert "L2/all/headline" not in table
    head = runs["perturbed"].score.results["L1/all/headline"]
    assert head.ci is not None
    assert f'{head.f1:.2f} <span class="ci">[{head.ci.low:.2f}, {head.ci.high:.2f}]</span>' in table


def _panel_of(page: str, article_id: str, run: int) -> str:
    section = page[page.index(f'data-article-id="{article_id}"') :]
    section = section[: section.index("</section>")]
    return section.split('<div class="panel">')[1 + run]


def test_seed_panel_shows_known_tp_fp_fn_and_count_mismatch(page: str) -> None:
    panel = _panel_of(page, SEED, run=1)
    assert re.search(rf'<span class="tag fp">FP</span></td><td>{EXTRA_ACTOR}</td>', panel)
    assert "the Syrian Observatory for Human Rights said." in panel  # its predicted evidence
    assert re.search(rf'<span class="tag fn">FN</span></td><td>{MISSED_PLACE}</td>', panel)
    assert "reach the edges of Kafr Zita and Al-Latamneh" in panel  # the gold evidence sentence
    # Exact hits are grouped per tier and rule: Al-Zakat is among the strict name matches.
    assert re.search(
        r'<span class="tag tp">TP &times;\d+</span></td><td>(<span class="pill">[^<]*</span>)*'
        r'<span class="pill">Al-Zakat</span>.*?</td><td><span class="how">strict · norm</span>',
        panel,
    )
    assert "predicted 28 (exact) vs gold 30 (approximate)" in panel
    assert "ln error -0.067" in panel
    assert "1 dropped by grounding" in panel and DROPPED_REASON in panel
    # The same article in the clean run has none of the planted errors.
    assert EXTRA_ACTOR not in _panel_of(page, SEED, run=0)


def test_failed_record_is_tagged_with_its_error(page: str) -> None:
    panel = _panel_of(page, FAILED, run=1)
    assert "failed output" in panel and html.escape(FAILED_ERROR) in panel
    assert '<span class="tag fn">FN</span>' in panel  # scored as empty: every gold item missed
    assert "failed output" not in _panel_of(page, FAILED, run=0)


def test_gold_and_predicted_spans_are_highlighted(page: str, gold: GoldSet) -> None:
    section = page[page.index(f'data-article-id="{SEED}"') :]
    text = section[section.index('<div class="text">') : section.index('<div class="runs">')]
    # Gold and both runs quote the capture sentence.
    assert '<span class="hl g p0 p1"' in text
    assert re.search(r'<span class="hl g p0 p1" title="[^"]*">Regime loyalists captured', text)
    assert "perturbed: event government_regains_territory; actor Regime loyalists" in text
    # Tooltips list each layer's items on its own line: the planted actor is the perturbed run's.
    lines = [ln for t in re.findall(r'title="([^"]*)"', text) for ln in t.split("\n")]
    owners = {ln.split(":")[0] for ln in lines if f"actor {EXTRA_ACTOR}" in ln}
    assert owners == {"perturbed"}
    plain = re.sub(r"<[^>]+>", "", text.removeprefix('<div class="text">'))
    assert plain.startswith("Regime loyalists captured")
    seed_text = next(ga.article.text for ga in gold.articles if ga.article.id == SEED)
    assert html.unescape(plain) == seed_text  # the cuts lose and duplicate nothing


def test_untrusted_text_is_escaped() -> None:
    gold, runs = hostile_case()
    page = render_html(runs, gold, title="<script>alert('title')</script>")
    assert "<script" not in page  # no script element at all, planted or ours
    assert "&lt;script&gt;alert(&#x27;pwned&#x27;)&lt;/script&gt;" in page
    assert "<b>Taliban</b>" not in page and "&lt;b&gt;Taliban&lt;/b&gt;" in page
    assert "<img" not in page and "<iframe" not in page and "<i>run</i>" not in page
    assert "&lt;i&gt;run&lt;/i&gt;" in page
    assert 'href="javascript' not in page
    assert "Content-Security-Policy" in page


def test_write_html_creates_folders(
    tmp_path: Path, runs: dict[str, RunView], gold: GoldSet
) -> None:
    out = write_html(tmp_path / "a" / "report.html", runs, gold, title="t")
    assert out.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")


def test_render_needs_a_run(gold: GoldSet) -> None:
    with pytest.raises(ValueError, match="at least one run"):
        render_html({}, gold, title="t")


def test_run_covering_fewer_articles_gets_a_placeholder(
    runs: dict[str, RunView], gold: GoldSet
) -> None:
    view = runs["perturbed"]
    short = dataclasses.replace(
        view.score, documents=tuple(d for d in view.score.documents if d.article_id != SEED)
    )
    page = render_html(
        {"full": runs["second-pass"], "short": RunView(short, view.records)}, gold, title="t"
    )
    assert "This run did not cover this article." in _panel_of(page, SEED, run=1)


def _geo_rows(panel: str) -> dict[str, str]:
    """Place path -> its row in a panel's geocoded-places table."""
    table = panel[panel.index('data-key="places-geo"') :]
    table = table[: table.index("</table>")]
    rows = re.findall(r'<tr class="geo" data-path="([^"]+)"[^>]*>(.*?)</tr>', table)
    return dict(rows)


def test_panel_shows_where_each_predicted_place_was_resolved(page: str) -> None:
    panel = _panel_of(page, SEED, run=1)
    assert "places, geocoded" in panel
    rows = _geo_rows(panel)
    kafr = rows["events[2].places[0]"]  # "Kafr Zita", the town itself: GeoNames' point
    assert "Kafr Zita" in kafr  # the name as predicted, then where it resolved to
    assert "Kafr Zaytā" in kafr and "Hama, Syria" in kafr and "35.3743, 36.6033" in kafr
    assert "geo-precision 1 · the town" in kafr and "geonames:168620" in kafr
    assert '<span class="tag ok">placed</span>' in kafr
    hama = rows["events[0].places[2]"]  # "Hama province": the province's centroid
    assert "geo-precision 3" in hama and "(centroid)" in hama and "geonames-admin1:SY.10" in hama
    zakat = rows["events[0].places[0]"]  # not in the gazetteer: unplaced, with the reason
    assert '<span class="tag opt">unplaced</span>' in zakat
    assert "no gazetteer entry matches the name" in zakat
    assert re.search(r'data-path="events\[2\]\.places\[0\]" data-status="placed"', panel)


def test_page_can_leave_places_ungeocoded(runs: dict[str, RunView], gold: GoldSet) -> None:
    page = render_html(runs, gold, title="t", geocode=False)
    assert '<table class="items" data-key="places-geo">' not in page
    assert "Kafr Zaytā" not in page and "geo-precision" not in page


# --------------------------------------------------------------------------- in a browser

needs_chromium = pytest.mark.skipif(
    not CHROMIUM.exists(),
    reason="/usr/bin/chromium is absent (apt-get install chromium; .ci/run installs it)",
)


def chromium(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    cmd = [
        str(CHROMIUM),
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        f"--user-data-dir={tmp_path / 'profile'}",
        *args,
    ]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=180, check=True)


@needs_chromium
def test_chromium_renders_summary_and_highlights(
    tmp_path: Path, runs: dict[str, RunView], gold: GoldSet
) -> None:
    path = write_html(tmp_path / "report.html", runs, gold, title="Fixture review")
    dom = chromium(tmp_path, "--dump-dom", path.as_uri()).stdout
    assert '<table class="summary" id="summary-table">' in dom
    assert dom.count('class="hl g p0 p1"') > 10
    assert f'data-article-id="{SEED}"' in dom and f'data-article-id="{FAILED}"' in dom
    assert EXTRA_ACTOR in dom


@needs_chromium
def test_chromium_shows_each_places_resolution(
    tmp_path: Path, runs: dict[str, RunView], gold: GoldSet
) -> None:
    path = write_html(tmp_path / "report.html", runs, gold, title="Fixture review")
    dom = chromium(tmp_path, "--dump-dom", path.as_uri()).stdout
    section = dom[dom.index(f'data-article-id="{SEED}"') :]
    table = section[section.index('data-key="places-geo"') :]
    table = table[: table.index("</table>")]
    row = re.search(r'<tr class="geo" data-path="events\[2\]\.places\[0\]"[^>]*>(.*?)</tr>', table)
    assert row is not None
    assert "Kafr Zaytā" in row[1] and "Hama, Syria" in row[1] and "geo-precision 1" in row[1]
    assert 'data-status="unplaced"' in table and 'data-status="placed"' in table


@needs_chromium
def test_chromium_builds_no_script_from_hostile_text(tmp_path: Path) -> None:
    gold, runs = hostile_case()
    path = write_html(tmp_path / "hostile.html", runs, gold, title="hostile")
    dom = chromium(tmp_path, "--dump-dom", path.as_uri()).stdout
    assert "<script" not in dom and "<b>Taliban</b>" not in dom and "<img" not in dom
    assert "&lt;script&gt;alert('pwned')&lt;/script&gt;" in dom


@needs_chromium
def test_chromium_screenshot_is_a_real_page(
    tmp_path: Path, runs: dict[str, RunView], gold: GoldSet
) -> None:
    path = write_html(tmp_path / "report.html", runs, gold, title="Fixture review")
    shot = tmp_path / "page.png"
    chromium(tmp_path, f"--screenshot={shot}", "--window-size=1280,2000", path.as_uri())
    assert shot.stat().st_size > 50_000
    with Image.open(shot) as img:
        assert img.size == (1280, 2000)
        colours = img.convert("RGB").getcolors(maxcolors=1 << 16)
    assert colours is None or len(colours) > 50  # text, tables and highlights, not a blank page

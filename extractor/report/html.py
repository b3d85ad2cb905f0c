"""The HTML review page: scores per run, then every article with its gold and predicted items.

One self-contained file (inline CSS, no script, no network), so it opens from a CI artefact or a
mail attachment. Several runs sit side by side: the summary has a column group per run, each article
a panel per run, and a run selector (CSS-only radio buttons) picks whose predictions are highlighted
in the article text. Article text, names and model replies are untrusted web text and are escaped.

Example::

    view = RunView(score_records(records, gold, only=ids), records)
    write_html(Path("report.html"), {"qwen": view}, gold, title="Evaluation")
"""

from __future__ import annotations

import html
import itertools
import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from extractor.gold import GoldSet
from extractor.pipeline.extract import ExtractionRecord
from extractor.report.markdown import HEADLINE_ROWS
from extractor.schema import Event, Span
from extractor.scoring import CorpusScore, DocumentScore, FieldResult, FieldScore, Item, Tier

__all__ = ["DETAIL_ROWS", "SUMMARY_ROWS", "RunView", "render_html", "write_html"]

SUMMARY_ROWS: tuple[tuple[str, str], ...] = tuple(
    (key, label) for key, label in HEADLINE_ROWS if key.startswith("L1/")
)
"""The summary table's rows: the L1 rows of the Markdown headline table, same keys and labels."""

DETAIL_ROWS: tuple[tuple[str, str], ...] = tuple(
    (key, label) for key, label in SUMMARY_ROWS if not key.startswith("L1/all/")
)
"""The per-article item lists. ``L1/all`` is the sum of actors, places and counts: not repeated."""

_MAX_TOOLTIP_ITEMS = 12
_COLS = '<colgroup><col class="c-tag"><col class="c-what"><col></colgroup>'
_MAX_ERROR_CHARS = 600
_MAX_RAW_CHARS = 4000


@dataclass(frozen=True)
class RunView:
    """One run as the page shows it: its corpus score and the records it was computed from."""

    score: CorpusScore
    """Scored with ``details=True`` (the default), so matches and misses are listed."""
    records: Sequence[ExtractionRecord]
    """The run's records; they give the predicted spans, errors and grounding diagnostics."""


@dataclass(frozen=True, slots=True)
class _Mark:
    """An evidence span to highlight: ``layer`` is ``"g"`` for gold or the run's position."""

    start: int
    end: int
    layer: str
    note: str


def _e(value: object) -> str:
    return html.escape(str(value), quote=True)


def _num(x: float | None) -> str:
    return "—" if x is None else f"{x:.2f}"


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else f"{text[:limit]}… ({len(text) - limit} more chars)"


def _tally(s: FieldScore) -> str:
    return f"{s.tp} TP · {s.fp} FP · {s.fn} FN"


def _f1(s: FieldScore) -> float | None:
    # Per-document micro F1; None when both sides are empty (nothing to score).
    if s.tp + s.fp + s.fn == 0:
        return None
    return 2 * s.tp / (2 * s.tp + s.fp + s.fn)


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


def _summary_table(runs: Sequence[tuple[str, RunView]], rows: Sequence[tuple[str, str]]) -> str:
    head1 = ['<th rowspan="2">field</th><th rowspan="2" class="num">gold n</th>']
    head2: list[str] = []
    for name, _ in runs:
        head1.append(f'<th colspan="3" class="run">{_e(name)}</th>')
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
            f'<td>{_e(label)} <span class="key">{_e(key)}</span></td>',
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
    title = _e(f"tp {r.tp} · fp {r.fp} · fn {r.fn}")
    return (
        f'<td class="num first" title="{title}">{_num(r.precision)}</td>'
        f'<td class="num" title="{title}">{_num(r.recall)}</td>'
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
            else f'{_e(meta.backend)}<br><span class="how">{_e(meta.model)}</span>'
        )
        strategy = "" if meta is None else meta.strategy
        dropped = sum(len(r.extraction.diagnostics) for r in recs if r.extraction is not None)
        failed = f"{s.n_failed}" + (f" ({s.failure_rate:.0%})" if s.failure_rate else "")
        rows.append(
            f"<tr><td>{_e(name)}</td><td>{system}</td><td>{_e(strategy)}</td>"
            f'<td class="num">{s.n_documents}</td><td class="num">{_e(failed)}</td>'
            f'<td class="num">{dropped}</td><td class="num">{_num(s.event_type_accuracy)}</td>'
            f'<td class="num">{_num(s.qualifier_accuracy)}</td>'
            f'<td class="num">{_num(s.median_abs_log_error)}</td></tr>'
        )
    return (
        '<div class="scroll"><table class="facts"><thead><tr><th>run</th><th>backend / model'
        '</th><th>strategy</th><th class="num">articles</th><th class="num">failed</th>'
        '<th class="num">dropped by grounding</th><th class="num">event-type acc.</th>'
        '<th class="num">count qualifier acc.</th><th class="num">median |ln err|</th></tr>'
        f"</thead><tbody>{''.join(rows)}</tbody></table></div>"
    )


def _index_table(
    ids: Sequence[str],
    runs: Sequence[tuple[str, RunView]],
    docs: Sequence[Mapping[str, DocumentScore]],
    records: Sequence[Mapping[str, ExtractionRecord]],
) -> str:
    head = "".join(f'<th>{_e(name)} <span class="how">F1 · L1 all</span></th>' for name, _ in runs)
    rows: list[str] = []
    for n, aid in enumerate(ids):
        cells: list[str] = []
        for r in range(len(runs)):
            doc, rec = docs[r].get(aid), records[r].get(aid)
            if doc is None:
                cells.append('<td class="how">not scored</td>')
                continue
            s = doc.scores["L1/all/headline"]
            tags = _status_tags(doc, rec, short=True)
            cells.append(
                f'<td><span class="f1">{_num(_f1(s))}</span> <span class="how">{_tally(s)}</span>'
                f"{tags}</td>"
            )
        rows.append(f'<tr><td><a href="#art-{n}">{_e(aid)}</a></td>{"".join(cells)}</tr>')
    return (
        '<div class="scroll"><table class="index"><thead><tr><th>article</th>'
        f"{head}</tr></thead><tbody>{''.join(rows)}</tbody></table></div>"
    )


# --------------------------------------------------------------------------- article text


def _event_marks(events: Iterable[Event], layer: str) -> list[_Mark]:
    marks: list[_Mark] = []
    for ev in events:
        items: list[tuple[str, Span | None]] = [(f"event {ev.sub_event_type.value}", ev.span)]
        items += [(f"actor {a.name}", a.span) for a in ev.actors]
        items += [(f"place {p.name}", p.span) for p in ev.places]
        items += [(f"count {c.kind.value} {c.value}", c.span) for c in ev.counts]
        for note, span in items:
            if span is not None:
                marks.append(_Mark(span.start, span.end, layer, note))
    return marks


def _join_notes(notes: Sequence[str]) -> str:
    more = " …" if len(notes) > _MAX_TOOLTIP_ITEMS else ""
    return "; ".join(notes[:_MAX_TOOLTIP_ITEMS]) + more


def _highlight(text: str, marks: Sequence[_Mark], names: Mapping[str, str]) -> str:
    """Cut the text at every span boundary; each piece carries the classes of the spans over it."""
    valid = [m for m in marks if 0 <= m.start < m.end <= len(text)]
    cuts = sorted({0, len(text), *(m.start for m in valid), *(m.end for m in valid)})
    out: list[str] = []
    for a, b in itertools.pairwise(cuts):
        over = [m for m in valid if m.start <= a and b <= m.end]
        piece = _e(text[a:b])
        if not over:
            out.append(piece)
            continue
        layers = sorted({m.layer for m in over}, key=lambda x: (x != "g", x))
        classes = " ".join(["hl", *("g" if x == "g" else f"p{x}" for x in layers)])
        notes: dict[str, list[str]] = {}
        for m in over:
            seen = notes.setdefault(m.layer, [])
            if m.note not in seen:
                seen.append(m.note)
        title = "\n".join(f"{names[layer]}: {_join_notes(ns)}" for layer, ns in notes.items())
        out.append(f'<span class="{classes}" title="{_e(title)}">{piece}</span>')
    return "".join(out)


# --------------------------------------------------------------------------- per-run panel


def _status_tags(
    doc: DocumentScore,
    rec: ExtractionRecord | None,
    keys: Sequence[str] = (),
    *,
    short: bool = False,
) -> str:
    tags: list[str] = []
    if rec is None:
        tags.append('<span class="tag err">no record</span>')
    elif rec.extraction is None or doc.failed:
        tags.append('<span class="tag err">failed output</span>')
    if rec is not None and rec.extraction is not None and rec.extraction.diagnostics:
        n = len(rec.extraction.diagnostics)
        tags.append(f'<span class="tag warn">{n} dropped by grounding</span>')
    if not short and not tags:
        scores = [doc.scores[k] for k in ("L1/all/headline", *keys) if k in doc.scores]
        if all(s.fp == 0 and s.fn == 0 for s in scores):
            tags.append('<span class="tag ok">no errors</span>')
    return (" " + " ".join(tags)) if tags else ""


_INTERVAL = re.compile(r"(\d{4}-\d\d-\d\d)\.\.(\d{4}-\d\d-\d\d)")


def _interval(m: re.Match[str]) -> str:
    return m[1] if m[1] == m[2] else f"{m[1]} &ndash; {m[2]}"


def _label(text: str) -> str:
    # Date intervals read better as "2019-08-07" or "2019-08-06 - 2019-08-07" (ISO dates only).
    # <wbr> lets long snake_case codebook values (event types) wrap at their separators.
    return _INTERVAL.sub(_interval, _e(text)).replace("_", "_<wbr>").replace("/", "/<wbr>")


def _pills(labels: Iterable[str]) -> str:
    return "".join(f'<span class="pill">{_label(x)}</span>' for x in labels)


def _item_rows(fs: FieldScore) -> list[str]:
    """FP and FN one per row with their evidence; TPs one row per item only when worth auditing.

    A match whose predicted and gold labels are equal is grouped with the others of its tier and
    rule in one row: reviewers read the errors and the looser matches, not a list of exact hits.
    """
    rows: list[str] = []
    for it in fs.false_positives:
        rows.append(_row("fp", "FP", _label(it.label), _evidence("predicted", it)))
    for it in fs.false_negatives:
        rows.append(_row("fn", "FN", _label(it.label), _evidence("gold", it)))
    same: dict[tuple[Tier, str], list[str]] = {}
    for m in fs.matches:
        how = f"{m.tier.value} · {m.rule.value}"
        if m.pred.label == m.gold.label:
            same.setdefault((m.tier, how), []).append(m.pred.label)
            continue
        via = "" if m.via in ("", m.gold.label) else f" via “{_e(m.via)}”"
        pair = f"{_label(m.pred.label)} → {_label(m.gold.label)}"
        rows.append(_row("tp", "TP", pair, f'<span class="how">{_e(how)}{via}</span>'))
    for (_, how), labels in same.items():
        tag = "TP" if len(labels) == 1 else f"TP &times;{len(labels)}"
        rows.append(_row("tp", tag, _pills(labels), f'<span class="how">{_e(how)}</span>'))
    if fs.ignored:
        rows.append(
            _row(
                "opt",
                "opt" if len(fs.ignored) == 1 else f"opt &times;{len(fs.ignored)}",
                _pills(m.pred.label for m in fs.ignored),
                '<span class="how">match optional gold: no credit, no penalty</span>',
            )
        )
    return rows


def _evidence(side: str, it: Item) -> str:
    return f'<span class="how">{side}:</span> <span class="evidence">“{_e(it.evidence)}”</span>'


def _row(cls: str, tag: str, what: str, detail: str) -> str:
    return (
        f'<tr class="{cls}"><td><span class="tag {cls}">{tag}</span></td><td>{what}</td>'
        f"<td>{detail}</td></tr>"
    )


def _count_rows(doc: DocumentScore) -> list[str]:
    rows: list[str] = []
    for c in doc.count_mismatches:
        what = (
            f"predicted {c.pred_value} ({_e(c.pred_qualifier)}) vs gold {c.gold_value} "
            f"({_e(c.gold_qualifier)})"
        )
        detail = (
            f'<span class="how">ln error {c.log_error:+.3f} · matched at '
            f"{c.tier.value}</span><br>{_e(c.pred.label)} → {_e(c.gold.label)}"
        )
        rows.append(_row("cm", "≠", what, detail))
    return rows


def _failure(rec: ExtractionRecord | None) -> str:
    if rec is None:
        return '<p class="how">No record for this article: scored as an empty prediction.</p>'
    parts: list[str] = []
    if rec.error is not None or rec.extraction is None:
        parts.append(f"<pre>{_e(_clip(rec.error or 'no extraction', _MAX_ERROR_CHARS))}</pre>")
        if rec.raw:
            parts.append(
                f"<details><summary>last raw reply</summary><pre>"
                f"{_e(_clip(rec.raw, _MAX_RAW_CHARS))}</pre></details>"
            )
    if rec.extraction is not None and rec.extraction.diagnostics:
        items: list[str] = []
        for d in rec.extraction.diagnostics:
            quote = d.item.get("name") or d.item.get("evidence")
            dropped = json.dumps(d.item, ensure_ascii=False, default=str)
            items.append(
                f"<li><code>{_e(d.path)}</code> {_e(quote or '')} — {_e(d.reason)}"
                f'<details><summary class="how">item</summary><pre>'
                f"{_e(_clip(dropped, _MAX_ERROR_CHARS))}</pre></details></li>"
            )
        parts.append(f'<ul class="diag">{"".join(items)}</ul>')
    return "".join(parts)


def _panel(
    name: str,
    doc: DocumentScore | None,
    rec: ExtractionRecord | None,
    rows: Sequence[tuple[str, str]],
) -> str:
    if doc is None:
        return (
            f'<div class="panel"><h3>{_e(name)}</h3>'
            '<p class="how">This run did not cover this article.</p></div>'
        )
    head = doc.scores["L1/all/headline"]
    parts = [
        f'<div class="panel"><h3>{_e(name)}{_status_tags(doc, rec, [k for k, _ in rows])}</h3>',
        f'<p class="how">L1 all (headline): F1 {_num(_f1(head))} · {_tally(head)}</p>',
        _failure(rec),
    ]
    for key, label in rows:
        fs = doc.scores.get(key)
        if fs is None:
            continue
        body = _item_rows(fs)
        if not body:
            continue  # nothing in gold and nothing predicted for this field
        parts.append(
            f'<table class="items" data-key="{_e(key)}"><caption>{_e(label)} '
            f"<span>({_e(key)}: {_tally(fs)})</span></caption>{_COLS}{''.join(body)}</table>"
        )
    counts = _count_rows(doc)
    if counts:
        parts.append(
            '<table class="items" data-key="count-mismatches"><caption>count mismatches '
            f"<span>(matched at a looser tier than {Tier.STRICT.value})</span></caption>"
            f"{_COLS}{''.join(counts)}</table>"
        )
    parts.append("</div>")
    return "".join(parts)


# --------------------------------------------------------------------------- page


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


def render_html(
    runs: Mapping[str, RunView],
    gold: GoldSet,
    *,
    title: str,
    rows: Sequence[tuple[str, str]] = SUMMARY_ROWS,
    detail_rows: Sequence[tuple[str, str]] = DETAIL_ROWS,
) -> str:
    """Render the review page of one or more scored runs.

    Args:
        runs: Display name -> run, in column order. Each score must have been computed with
            ``details=True`` (``score_records`` does) or the item lists are empty.
        gold: The gold set the runs were scored against; it gives the article texts and gold spans.
        title: The page title.
        rows: ``(score key, label)`` rows of the summary table.
        detail_rows: ``(score key, label)`` of the per-article item lists.

    Returns:
        The whole HTML document, self-contained: inline CSS, no script, no external resource.

    Raises:
        ValueError: When ``runs`` is empty.
    """
    if not runs:
        raise ValueError("render_html needs at least one run")
    named = list(runs.items())
    docs = [{d.article_id: d for d in view.score.documents} for _, view in named]
    records = [{r.id: r for r in view.records} for _, view in named]
    scored = {aid for d in docs for aid in d}
    # Gold file order, then anything scored that the gold set no longer has.
    ids = [ga.article.id for ga in gold.articles if ga.article.id in scored]
    ids += sorted(scored - set(ids))
    articles = {ga.article.id: ga.article for ga in gold.articles}
    layer_names = {"g": "gold", **{str(i): name for i, (name, _) in enumerate(named)}}

    radios = "".join(
        f'<input type="radio" name="run" class="runsel" id="sel-{i}"{" checked" if i == 0 else ""}>'
        for i in range(len(named))
    )
    labels = "".join(
        f'<label for="sel-{i}">{_e(name)}</label>' for i, (name, _) in enumerate(named)
    )
    sections: list[str] = []
    for n, aid in enumerate(ids):
        article = articles.get(aid)
        gold_doc = gold.documents.get(aid)
        marks = _event_marks(gold_doc.events, "g") if gold_doc else []
        for r in range(len(named)):
            rec = records[r].get(aid)
            if rec is not None and rec.extraction is not None:
                marks += _event_marks(rec.extraction.events, str(r))
        if article is None:
            text_html = '<p class="how">Article text not in this gold set.</p>'
            meta = ""
        else:
            text_html = f'<div class="text">{_highlight(article.text, marks, layer_names)}</div>'
            bits = [article.title, article.publisher, article.published, article.url]
            meta = " · ".join(_e(b) for b in bits if b)
        panels = "".join(
            _panel(name, docs[r].get(aid), records[r].get(aid), detail_rows)
            for r, (name, _) in enumerate(named)
        )
        sections.append(
            f'<section class="article" id="art-{n}" data-article-id="{_e(aid)}">'
            f'<h2><a href="#art-{n}">{_e(aid)}</a></h2><p class="meta">{meta}</p>'
            f'{text_html}<div class="runs">{panels}</div></section>'
        )
    sha = f" · sha256 {gold.sha256[:12]}" if gold.sha256 else ""
    plural = "" if len(ids) == 1 else "s"
    gold_line = f"gold: {gold.path}{sha} · {len(ids)} article{plural}"
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        # No script may run and nothing may load from the network, whatever the article says.
        '<meta http-equiv="Content-Security-Policy" content="default-src \'none\'; '
        "style-src 'unsafe-inline'; img-src data:\">"
        f"<title>{_e(title)}</title><style>{_CSS}{_run_css(len(named))}</style></head><body>"
        f"{radios}"
        f'<header class="page"><h1>{_e(title)}</h1><p class="sub">{_e(gold_line)}</p></header>'
        f'<nav class="bar"><span>Highlight predictions of:</span>{labels}'
        '<a href="#summary">summary</a><a href="#articles">articles</a></nav>'
        '<main><h2 id="summary">Summary</h2>'
        '<p class="sub">Micro precision, recall and F1 over the articles; 95% intervals from a '
        "document-level bootstrap. Names match at LENIENT (normalised, alias or consonant "
        "skeleton), counts at VALUE (kind and value); best F1 per row in bold.</p>"
        f'{_summary_table(named, rows)}<h3 style="margin-top:16px">Runs</h3>{_facts_table(named)}'
        f'<h2 id="articles">Articles</h2>{_legend()}'
        f"{_index_table(ids, named, docs, records)}{''.join(sections)}</main></body></html>\n"
    )


def write_html(
    path: Path | str,
    runs: Mapping[str, RunView],
    gold: GoldSet,
    *,
    title: str,
    rows: Sequence[tuple[str, str]] = SUMMARY_ROWS,
    detail_rows: Sequence[tuple[str, str]] = DETAIL_ROWS,
) -> Path:
    """Render the review page (see :func:`render_html`) and write it as UTF-8.

    Args:
        path: The file to write; missing parent folders are created.
        runs: Display name -> run, in column order.
        gold: The gold set the runs were scored against.
        title: The page title.
        rows: ``(score key, label)`` rows of the summary table.
        detail_rows: ``(score key, label)`` of the per-article item lists.

    Returns:
        The path written.
    """
    out = Path(path)
    out.parent.mkdir(parents=True, exist_ok=True)
    page = render_html(runs, gold, title=title, rows=rows, detail_rows=detail_rows)
    out.write_text(page, encoding="utf-8")
    return out

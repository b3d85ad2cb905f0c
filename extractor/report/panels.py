"""The review page's articles: the text with gold and predicted spans, and a panel per run.

Article text, names and model replies are untrusted web text: every one goes through :func:`esc`.
"""

from __future__ import annotations

import html
import itertools
import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from extractor.gold import GoldSet
from extractor.records import ExtractionRecord
from extractor.schema import Event, Span
from extractor.scoring import DocumentScore, FieldScore, Item, ScoreKey, Tier

if TYPE_CHECKING:  # imported by html.py only when the geo extra is installed
    from extractor.geo import GeoResult

__all__ = ["IndexedRun", "article_section", "clip", "doc_f1", "esc", "num", "status_tags", "tally"]

_MAX_TOOLTIP_ITEMS = 12
_COLS = '<colgroup><col class="c-tag"><col class="c-what"><col></colgroup>'
_MAX_ERROR_CHARS = 600
_MAX_RAW_CHARS = 4000


@dataclass(frozen=True, slots=True)
class _Mark:
    """An evidence span to highlight: ``layer`` is ``"g"`` for gold or the run's position."""

    start: int
    end: int
    layer: str
    note: str


def esc(value: object) -> str:
    """``value`` as HTML text: untrusted web text and model replies go through here."""
    return html.escape(str(value), quote=True)


def num(x: float | None) -> str:
    """A ratio to two decimals, or a dash when undefined."""
    return "—" if x is None else f"{x:.2f}"


def clip(text: str, limit: int) -> str:
    """The text cut at ``limit`` characters, saying how much was cut."""
    return text if len(text) <= limit else f"{text[:limit]}… ({len(text) - limit} more chars)"


def tally(s: FieldScore) -> str:
    """``3 TP · 1 FP · 2 FN``."""
    return f"{s.tp} TP · {s.fp} FP · {s.fn} FN"


def doc_f1(s: FieldScore) -> float | None:
    """Per-document micro F1; None when both sides are empty (nothing to score)."""
    if s.tp + s.fp + s.fn == 0:
        return None
    return 2 * s.tp / (2 * s.tp + s.fp + s.fn)


@dataclass(frozen=True)
class IndexedRun:
    """One run's scores and records by article id, with its display name."""

    name: str
    docs: Mapping[str, DocumentScore]
    records: Mapping[str, ExtractionRecord]
    geo: Mapping[str, Mapping[str, GeoResult]] = field(
        default_factory=dict[str, "Mapping[str, GeoResult]"]
    )
    """Article id -> place path (``events[i].places[j]``) -> its geocoding (empty: not geocoded)."""


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
        piece = esc(text[a:b])
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
        out.append(f'<span class="{classes}" title="{esc(title)}">{piece}</span>')
    return "".join(out)


def status_tags(
    doc: DocumentScore,
    rec: ExtractionRecord | None,
    keys: Sequence[ScoreKey] = (),
    *,
    short: bool = False,
) -> str:
    """The tags of one run's article: no record, failed output, dropped items, no errors."""
    tags: list[str] = []
    if rec is None:
        tags.append('<span class="tag err">no record</span>')
    elif rec.extraction is None or doc.failed:
        tags.append('<span class="tag err">failed output</span>')
    if rec is not None and rec.extraction is not None and rec.extraction.diagnostics:
        n = len(rec.extraction.diagnostics)
        tags.append(f'<span class="tag warn">{n} dropped by grounding</span>')
    if not short and not tags:
        scores = [doc.scores[k] for k in (ScoreKey.L1_ALL_HEADLINE, *keys) if k in doc.scores]
        if all(s.fp == 0 and s.fn == 0 for s in scores):
            tags.append('<span class="tag ok">no errors</span>')
    return (" " + " ".join(tags)) if tags else ""


_INTERVAL = re.compile(r"(\d{4}-\d\d-\d\d)\.\.(\d{4}-\d\d-\d\d)")


def _interval(m: re.Match[str]) -> str:
    return m[1] if m[1] == m[2] else f"{m[1]} &ndash; {m[2]}"


def _label(text: str) -> str:
    # Date intervals read better as "2019-08-07" or "2019-08-06 - 2019-08-07" (ISO dates only).
    # <wbr> lets long snake_case codebook values (event types) wrap at their separators.
    return _INTERVAL.sub(_interval, esc(text)).replace("_", "_<wbr>").replace("/", "/<wbr>")


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
        via = "" if m.via in ("", m.gold.label) else f" via “{esc(m.via)}”"
        pair = f"{_label(m.pred.label)} → {_label(m.gold.label)}"
        rows.append(_row("tp", "TP", pair, f'<span class="how">{esc(how)}{via}</span>'))
    for (_, how), labels in same.items():
        tag = "TP" if len(labels) == 1 else f"TP &times;{len(labels)}"
        rows.append(_row("tp", tag, _pills(labels), f'<span class="how">{esc(how)}</span>'))
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
    return f'<span class="how">{side}:</span> <span class="evidence">“{esc(it.evidence)}”</span>'


def _row(cls: str, tag: str, what: str, detail: str) -> str:
    return (
        f'<tr class="{cls}"><td><span class="tag {cls}">{tag}</span></td><td>{what}</td>'
        f"<td>{detail}</td></tr>"
    )


def _count_rows(doc: DocumentScore) -> list[str]:
    rows: list[str] = []
    for c in doc.count_mismatches:
        what = (
            f"predicted {c.pred_value} ({esc(c.pred_qualifier)}) vs gold {c.gold_value} "
            f"({esc(c.gold_qualifier)})"
        )
        detail = (
            f'<span class="how">ln error {c.log_error:+.3f} · matched at '
            f"{c.tier.value}</span><br>{esc(c.pred.label)} → {esc(c.gold.label)}"
        )
        rows.append(_row("cm", "≠", what, detail))
    return rows


def _failure(rec: ExtractionRecord | None) -> str:
    if rec is None:
        return '<p class="how">No record for this article: scored as an empty prediction.</p>'
    parts: list[str] = []
    if rec.error is not None or rec.extraction is None:
        parts.append(f"<pre>{esc(clip(rec.error or 'no extraction', _MAX_ERROR_CHARS))}</pre>")
        if rec.raw:
            parts.append(
                f"<details><summary>last raw reply</summary><pre>"
                f"{esc(clip(rec.raw, _MAX_RAW_CHARS))}</pre></details>"
            )
    if rec.extraction is not None and rec.extraction.diagnostics:
        items: list[str] = []
        for d in rec.extraction.diagnostics:
            quote = d.item.get("name") or d.item.get("evidence")
            dropped = json.dumps(d.item, ensure_ascii=False, default=str)
            items.append(
                f"<li><code>{esc(d.path)}</code> {esc(quote or '')} — {esc(d.reason)}"
                f'<details><summary class="how">item</summary><pre>'
                f"{esc(clip(dropped, _MAX_ERROR_CHARS))}</pre></details></li>"
            )
        parts.append(f'<ul class="diag">{"".join(items)}</ul>')
    return "".join(parts)


_PRECISION = {
    1: "1 · the town",
    2: "2 · near it / part of a region",
    3: "3 · only the province (or country)",
}
_GEO_TAG = {"placed": "ok", "ambiguous": "warn", "unplaced": "opt"}


def _coords(r: GeoResult) -> str:
    if r.latitude is None or r.longitude is None:
        return "no coordinates"
    return f"{r.latitude:.4f}, {r.longitude:.4f}"


def _resolution(r: GeoResult) -> str:
    """Where a place was resolved to, or why not, in one cell."""
    if r.status.value == "placed":
        where = ", ".join(x for x in (r.admin2, r.admin1, r.country) if x)
        precision = _PRECISION.get(int(r.precision), "") if r.precision is not None else ""
        return (
            f'{esc(r.name or r.query)} <span class="how">({esc(r.feature)})</span> · '
            f"{esc(where)} · {_coords(r)} ({esc(r.coordinates or '')})"
            f'<br><span class="how">geo-precision {esc(precision)} · {esc(r.gazetteer_id)}</span>'
        )
    if r.status.value == "ambiguous":
        shown = "; ".join(
            f"{c.name} ({', '.join(x for x in (c.admin1, c.country_code) if x)})"
            for c in r.candidates
        )
        return f'{esc(r.reason or "")}<br><span class="how">candidates: {esc(shown)}</span>'
    return esc(r.reason or "unplaced")


def _places_table(rec: ExtractionRecord | None, geo: Mapping[str, GeoResult]) -> str:
    """Each predicted place with its geocoding: placed (where, precision), ambiguous, unplaced."""
    if rec is None or rec.extraction is None or not geo:
        return ""
    body: list[str] = []
    for i, ev in enumerate(rec.extraction.events):
        for j, place in enumerate(ev.places):
            path = f"events[{i}].places[{j}]"
            r = geo.get(path)
            if r is None:
                continue
            status = r.status.value
            body.append(
                f'<tr class="geo" data-path="{path}" data-status="{status}">'
                f'<td><span class="tag {_GEO_TAG[status]}">{status}</span></td>'
                f'<td>{esc(place.name)} <span class="how">{esc(place.kind.value)} · '
                f"event {i + 1}</span></td><td>{_resolution(r)}</td></tr>"
            )
    if not body:
        return ""
    placed = sum(r.status.value == "placed" for r in geo.values())
    return (
        '<table class="items" data-key="places-geo"><caption>places, geocoded '
        f"<span>({placed} of {len(geo)} placed; offline GeoNames, ACLED geo-precision)</span>"
        f"</caption>{_COLS}{''.join(body)}</table>"
    )


def _panel(
    name: str,
    doc: DocumentScore | None,
    rec: ExtractionRecord | None,
    rows: Sequence[tuple[ScoreKey, str]],
    geo: Mapping[str, GeoResult] | None = None,
) -> str:
    if doc is None:
        return (
            f'<div class="panel"><h3>{esc(name)}</h3>'
            '<p class="how">This run did not cover this article.</p></div>'
        )
    head = doc.scores[ScoreKey.L1_ALL_HEADLINE]
    parts = [
        f'<div class="panel"><h3>{esc(name)}{status_tags(doc, rec, [k for k, _ in rows])}</h3>',
        f'<p class="how">L1 all (headline): F1 {num(doc_f1(head))} · {tally(head)}</p>',
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
            f'<table class="items" data-key="{esc(key)}"><caption>{esc(label)} '
            f"<span>({esc(key)}: {tally(fs)})</span></caption>{_COLS}{''.join(body)}</table>"
        )
    parts.append(_places_table(rec, geo or {}))
    counts = _count_rows(doc)
    if counts:
        parts.append(
            '<table class="items" data-key="count-mismatches"><caption>count mismatches '
            f"<span>(matched at a looser tier than {Tier.STRICT.value})</span></caption>"
            f"{_COLS}{''.join(counts)}</table>"
        )
    parts.append("</div>")
    return "".join(parts)


def article_section(
    n: int,
    article_id: str,
    gold: GoldSet,
    runs: Sequence[IndexedRun],
    rows: Sequence[tuple[ScoreKey, str]],
) -> str:
    """One article: its text with every run's evidence highlighted, then a panel per run."""
    article = next((ga.article for ga in gold.articles if ga.article.id == article_id), None)
    gold_doc = gold.documents.get(article_id)
    marks = _event_marks(gold_doc.events, "g") if gold_doc else []
    for r, run in enumerate(runs):
        rec = run.records.get(article_id)
        if rec is not None and rec.extraction is not None:
            marks += _event_marks(rec.extraction.events, str(r))
    if article is None:
        text_html = '<p class="how">Article text not in this gold set.</p>'
        meta = ""
    else:
        layer_names = {"g": "gold", **{str(i): run.name for i, run in enumerate(runs)}}
        text_html = f'<div class="text">{_highlight(article.text, marks, layer_names)}</div>'
        bits = [article.title, article.publisher, article.published, article.url]
        meta = " · ".join(esc(b) for b in bits if b)
    panels = "".join(
        _panel(
            run.name,
            run.docs.get(article_id),
            run.records.get(article_id),
            rows,
            run.geo.get(article_id),
        )
        for run in runs
    )
    return (
        f'<section class="article" id="art-{n}" data-article-id="{esc(article_id)}">'
        f'<h2><a href="#art-{n}">{esc(article_id)}</a></h2><p class="meta">{meta}</p>'
        f'{text_html}<div class="runs">{panels}</div></section>'
    )

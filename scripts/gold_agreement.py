"""Inter-annotator agreement of gold v1: the second annotation against the primary one.

The independent second pass (``gold/v1/second_pass/events.jsonl``, annotator-2) covers a few
articles. It is scored against the primary gold with the project's own scorer, in both directions:

* ``2nd→1st``: the second pass is the "prediction", the primary annotation the gold;
* ``1st→2nd``: the reverse.

L1 micro F1 is symmetric when no item is optional, but optional marks, entity clusters and the
deduplication of predictions are one-sided, so precision and recall are reported both ways. The
prediction side keeps every item, optional ones included (a system may extract background events;
they are dropped when they meet an optional gold item and count as false positives otherwise).

Also computed (PyPI ``krippendorff``):

* alpha for count values, interval level on ln(1 + value), over the counts paired across the two
  annotations: the L1 count pairs matched at the TOLERANT tier, then the remaining counts paired
  one-to-one by equal kind and equal normalised ``who`` (closest values first);
* alpha for event types and sub-event types, nominal, over the events paired by the scorer's L2
  alignment (the type-agnostic one: on the headline alignment, which is type-gated, the event
  type agrees by construction; its sub-type alpha is shown too).

Usage::

    .venv/bin/python scripts/gold_agreement.py                  # current gold
    .venv/bin/python scripts/gold_agreement.py --rev cc9c630    # primary gold as of a commit
                                                                # (cc9c630: before adjudication)
    .venv/bin/python scripts/gold_agreement.py --details        # list every disagreement

Prints Markdown.
"""

from __future__ import annotations

import argparse
import json
import math
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import krippendorff  # pyright: ignore[reportMissingTypeStubs]
import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from extractor.gold import load_aliases, load_gold  # noqa: E402
from extractor.schema import Actor, ArticleExtraction, Count, Event, GoldDocument, Place  # noqa: E402
from extractor.scoring import CorpusScore, FieldResult, norm, score_documents  # noqa: E402

ROWS: list[tuple[str, str]] = [
    ("actors", "L1/actors/lenient"),
    ("actors (strict)", "L1/actors/strict"),
    ("places", "L1/places/lenient"),
    ("places (strict)", "L1/places/strict"),
    ("counts (value)", "L1/counts/value"),
    ("counts (tolerant)", "L1/counts/tolerant"),
    ("dates (strict)", "L1/dates/strict"),
    ("dates (lenient)", "L1/dates/lenient"),
    ("types (strict: sub-type)", "L1/types/strict"),
    ("types (lenient: type)", "L1/types/lenient"),
    ("all (headline)", "L1/all/headline"),
]
"""Table rows: label, score key. The headline tiers are actors/places LENIENT, counts VALUE."""

_PATH = re.compile(r"events\[(\d+)\]\.counts\[(\d+)\]")


def _read_docs(lines: list[str]) -> dict[str, GoldDocument]:
    docs = [GoldDocument.model_validate(json.loads(s)) for s in lines if s.strip()]
    return {d.article_id: d for d in docs}


def _primary(gold_dir: Path, primary: Path | None, rev: str | None) -> dict[str, GoldDocument]:
    if rev:
        rel = (gold_dir / "events.jsonl").resolve().relative_to(ROOT)
        text = subprocess.run(
            ["git", "-C", str(ROOT), "show", f"{rev}:{rel.as_posix()}"],
            check=True,
            capture_output=True,
            text=True,
        ).stdout
        return _read_docs(text.splitlines())
    if primary is not None:
        return _read_docs(primary.read_text(encoding="utf-8").splitlines())
    return dict(load_gold(gold_dir).documents)


def _as_prediction(doc: GoldDocument) -> ArticleExtraction:
    return ArticleExtraction(events=doc.events)


def _count_at(doc: GoldDocument, path: str) -> Count:
    m = _PATH.fullmatch(path)
    if m is None:
        raise ValueError(f"not a count path: {path}")
    return doc.events[int(m.group(1))].counts[int(m.group(2))]


def _rel(path: Path) -> str:
    path = path.resolve()
    return str(path.relative_to(ROOT)) if path.is_relative_to(ROOT) else str(path)


def _fmt(x: float | None) -> str:
    return "—" if x is None else f"{x:.2f}"


def _ci(r: FieldResult) -> str:
    return "" if r.ci is None else f"[{r.ci.low:.2f}, {r.ci.high:.2f}]"


@dataclass(frozen=True)
class CountPair:
    """Two annotators' values for one count."""

    article_id: str
    kind: str
    second: int
    first: int
    how: str
    """``tolerant`` (scorer match) or ``kind+who``."""
    label: str


def count_pairs(
    score: CorpusScore, seconds: list[GoldDocument], firsts: list[GoldDocument]
) -> list[CountPair]:
    """Pair counts across annotations: TOLERANT matches, then equal kind and ``who``.

    Args:
        score: The 2nd→1st score (second pass as prediction).
        seconds: The second-pass documents, in score order.
        firsts: The primary documents, in score order.

    Returns:
        The pairs, one per count unit.
    """
    out: list[CountPair] = []
    for ds, sec, fst in zip(score.documents, seconds, firsts, strict=True):
        tol = ds.scores["L1/counts/tolerant"]
        used_s: set[tuple[int, int]] = set()
        used_f: set[tuple[int, int]] = set()
        for m in (*tol.matches, *tol.ignored):
            cs, cf = _count_at(sec, m.pred.path), _count_at(fst, m.gold.path)
            out.append(
                CountPair(
                    ds.article_id, cf.kind.value, cs.value, cf.value, "tolerant", m.gold.label
                )
            )
            used_s.add(_ij(m.pred.path))
            used_f.add(_ij(m.gold.path))
        # Leftovers on both sides, paired by (kind, who), closest values first.
        left_s = _leftover(sec, used_s)
        left_f = _leftover(fst, used_f)
        cand: list[tuple[float, tuple[int, int], tuple[int, int]]] = []
        for ks, cs in left_s.items():
            for kf, cf in left_f.items():
                if cs.kind is cf.kind and norm(cs.who or "") == norm(cf.who or ""):
                    cand.append((abs(math.log1p(cs.value) - math.log1p(cf.value)), ks, kf))
        for _, ks, kf in sorted(cand):
            if ks in used_s or kf in used_f:
                continue
            used_s.add(ks)
            used_f.add(kf)
            cs, cf = left_s[ks], left_f[kf]
            out.append(
                CountPair(
                    ds.article_id,
                    cf.kind.value,
                    cs.value,
                    cf.value,
                    "kind+who",
                    f"{cf.kind.value} who={cf.who!r}",
                )
            )
    return out


def _ij(path: str) -> tuple[int, int]:
    m = _PATH.fullmatch(path)
    assert m is not None
    return int(m.group(1)), int(m.group(2))


def _leftover(doc: GoldDocument, used: set[tuple[int, int]]) -> dict[tuple[int, int], Count]:
    """Counts not yet paired, one per distinct (kind, value, who) (L1 deduplicates repeats)."""
    seen: set[tuple[str, int, str]] = set()
    out: dict[tuple[int, int], Count] = {}
    for i, ev in enumerate(doc.events):
        for k, c in enumerate(ev.counts):
            key = (c.kind.value, c.value, norm(c.who or ""))
            if (i, k) in used or key in seen:
                seen.add(key)
                continue
            seen.add(key)
            out[i, k] = c
    return out


def alpha(data: list[list[float]], level: str) -> float | None:
    """Krippendorff's alpha of a 2 x units matrix (NaN = missing); None when undefined."""
    arr = np.array(data, dtype=float)
    if arr.shape[1] < 2:
        return None
    values = arr[~np.isnan(arr)]
    if len(np.unique(values)) < 2:
        return 1.0 if arr.shape[1] else None  # no variation at all: perfect, undefined by formula
    return float(krippendorff.alpha(reliability_data=arr, level_of_measurement=level))


def type_units(
    score: CorpusScore, seconds: list[GoldDocument], firsts: list[GoldDocument], *, gated: bool
) -> list[tuple[str, str, str, str]]:
    """(second type, first type, second sub-type, first sub-type) per aligned event pair."""
    out: list[tuple[str, str, str, str]] = []
    for ds, sec, fst in zip(score.documents, seconds, firsts, strict=True):
        al = ds.alignment if gated else ds.alignment_agnostic
        for p in al.pairs:
            es, ef = sec.events[p.pred_event], fst.events[p.gold_event]
            out.append(
                (
                    es.event_type.value,
                    ef.event_type.value,
                    es.sub_event_type.value,
                    ef.sub_event_type.value,
                )
            )
    return out


def nominal_alpha(pairs: list[tuple[str, str]]) -> float | None:
    """Nominal alpha of paired labels (labels coded as integers)."""
    codes = {lab: i for i, lab in enumerate(sorted({x for p in pairs for x in p}))}
    return alpha([[codes[a] for a, _ in pairs], [codes[b] for _, b in pairs]], "nominal")


def main() -> None:
    """Parse arguments, score both directions and print the Markdown report."""
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--gold", type=Path, default=ROOT / "gold" / "v1")
    ap.add_argument(
        "--second",
        type=Path,
        default=None,
        help="second annotation (default: <gold>/second_pass/events.jsonl)",
    )
    ap.add_argument(
        "--primary",
        type=Path,
        default=None,
        help="primary events.jsonl to use instead of <gold>/events.jsonl",
    )
    ap.add_argument(
        "--rev", default=None, help="read the primary <gold>/events.jsonl from this git revision"
    )
    ap.add_argument("--resamples", type=int, default=10_000)
    ap.add_argument("--details", action="store_true", help="list every disagreement")
    args = ap.parse_args()

    gold_dir: Path = args.gold
    second_path: Path = args.second or gold_dir / "second_pass" / "events.jsonl"
    aliases = load_aliases(
        gold_dir / "aliases.toml"
        if (gold_dir / "aliases.toml").exists()
        else gold_dir.parent / "aliases.toml"
    )
    primary = _primary(gold_dir, args.primary, args.rev)
    second = _read_docs(second_path.read_text(encoding="utf-8").splitlines())
    ids = [a for a in primary if a in second]  # primary (articles.jsonl) order
    missing = sorted(set(second) - set(primary))
    if missing:
        raise SystemExit(f"second pass has articles not in the primary gold: {missing}")
    firsts = [primary[a] for a in ids]
    seconds = [second[a] for a in ids]

    fwd = score_documents(
        [_as_prediction(d) for d in seconds], firsts, aliases, ci_resamples=args.resamples, seed=0
    )
    rev = score_documents(
        [_as_prediction(d) for d in firsts], seconds, aliases, ci_resamples=args.resamples, seed=0
    )

    src = (
        f"git {args.rev}:gold/v1/events.jsonl"
        if args.rev
        else _rel(args.primary or gold_dir / "events.jsonl")
    )
    n_ev = (sum(len(d.events) for d in firsts), sum(len(d.events) for d in seconds))
    n_opt = (
        sum(e.optional for d in firsts for e in d.events),
        sum(e.optional for d in seconds for e in d.events),
    )
    print(f"## Inter-annotator agreement: {len(ids)} double-annotated articles\n")
    print(
        f"Primary: `{src}` ({n_ev[0]} events, {n_opt[0]} optional); second pass: "
        f"`{_rel(second_path)}`"
        f" ({n_ev[1]} events, {n_opt[1]} optional).\n"
    )
    print(
        f"L1 micro scores; 95% document-bootstrap CI of F1 ({args.resamples} resamples, "
        f"seed 0). 2nd→1st: second pass scored as prediction against the primary gold; "
        f"1st→2nd: the reverse.\n"
    )
    print(
        "| field (tier) | F1 2nd→1st | 95% CI | P 2nd→1st | R 2nd→1st | F1 1st→2nd | 95% CI "
        "| P 1st→2nd | R 1st→2nd | support 1st / 2nd |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|")
    for label, key in ROWS:
        a, b = fwd.results[key], rev.results[key]
        print(
            f"| {label} | {a.f1:.2f} | {_ci(a)} | {_fmt(a.precision)} | {_fmt(a.recall)} | "
            f"{b.f1:.2f} | {_ci(b)} | {_fmt(b.precision)} | {_fmt(b.recall)} | "
            f"{a.support} / {b.support} |"
        )
    det_a, det_b = (
        fwd.results["detection/events/headline"],
        rev.results["detection/events/headline"],
    )
    print(
        f"| events detected (L2, Dice≥0.5) | {det_a.f1:.2f} | {_ci(det_a)} | "
        f"{_fmt(det_a.precision)} | {_fmt(det_a.recall)} | {det_b.f1:.2f} | {_ci(det_b)} | "
        f"{_fmt(det_b.precision)} | {_fmt(det_b.recall)} | {det_a.support} / {det_b.support} |"
    )

    # Krippendorff's alpha.
    pairs = count_pairs(fwd, seconds, firsts)
    a_counts = alpha(
        [[math.log1p(p.second) for p in pairs], [math.log1p(p.first) for p in pairs]], "interval"
    )
    tol = [p for p in pairs if p.how == "tolerant"]
    a_tol = alpha(
        [[math.log1p(p.second) for p in tol], [math.log1p(p.first) for p in tol]], "interval"
    )
    agn = type_units(fwd, seconds, firsts, gated=False)
    gat = type_units(fwd, seconds, firsts, gated=True)
    print("\n### Krippendorff's alpha\n")
    print("| what | level | units | alpha |")
    print("|---|---|---|---|")
    print(
        f"| count values, ln(1+v): TOLERANT pairs + kind/who pairs | interval | {len(pairs)} | "
        f"{_fmt(a_counts)} |"
    )
    print(f"| count values, ln(1+v): TOLERANT pairs only | interval | {len(tol)} | {_fmt(a_tol)} |")
    print(
        f"| event type, type-agnostic L2 alignment | nominal | {len(agn)} | "
        f"{_fmt(nominal_alpha([(u[0], u[1]) for u in agn]))} |"
    )
    print(
        f"| sub-event type, type-agnostic L2 alignment | nominal | {len(agn)} | "
        f"{_fmt(nominal_alpha([(u[2], u[3]) for u in agn]))} |"
    )
    print(
        f"| sub-event type, headline (type-gated) L2 alignment | nominal | {len(gat)} | "
        f"{_fmt(nominal_alpha([(u[2], u[3]) for u in gat]))} |"
    )
    n_units_ev = sum(len(d.events) for d in firsts) + sum(len(d.events) for d in seconds)
    print(
        f"\nType alphas cover only aligned events ({len(agn)} pairs of {n_units_ev} events in "
        "all); an event one annotator left out, or split differently, is in no unit. Count "
        f"pairs: {len(tol)} at TOLERANT, {len(pairs) - len(tol)} by kind and who."
    )
    diff = [p for p in pairs if p.first != p.second]
    if diff:
        print(
            "\nCount pairs with different values: "
            + "; ".join(
                f"{p.article_id.split(':')[0]}:{p.article_id[-6:]} {p.kind} "
                f"{p.second} vs {p.first} "
                f"({p.how})"
                for p in diff
            )
        )

    if args.details:
        _details(fwd, seconds, firsts)


def _details(fwd: CorpusScore, seconds: list[GoldDocument], firsts: list[GoldDocument]) -> None:
    print(
        "\n## Disagreements per article (2nd→1st: FP = only in the second pass, "
        "FN = only in the primary gold)\n"
    )
    keys = [
        "L1/actors/lenient",
        "L1/places/lenient",
        "L1/counts/value",
        "L1/dates/strict",
        "L1/types/strict",
    ]
    for ds, sec, fst in zip(fwd.documents, seconds, firsts, strict=True):
        print(f"### {ds.article_id}\n")
        for key in keys:
            s = ds.scores[key]
            if not (s.false_positives or s.false_negatives):
                continue
            print(f"- {key}: tp {s.tp} fp {s.fp} fn {s.fn}")
            for it in s.false_positives:
                print(f'  - only 2nd: {it.label} — "{it.evidence[:90]}"')
            for it in s.false_negatives:
                print(f'  - only 1st: {it.label} — "{it.evidence[:90]}"')
        for p in ds.alignment_agnostic.pairs:
            es, ef = sec.events[p.pred_event], fst.events[p.gold_event]
            if es.sub_event_type is not ef.sub_event_type:
                print(
                    f"- type: 2nd {es.id} {es.sub_event_type.value} vs 1st {ef.id} "
                    f"{ef.sub_event_type.value}"
                )
        for p in ds.alignment_agnostic.pairs:
            for line in _pair_diffs(sec.events[p.pred_event], fst.events[p.gold_event]):
                print(f"- {fst.events[p.gold_event].id}: {line}")
        aligned_f = {p.gold_event for p in ds.alignment_agnostic.pairs}
        aligned_s = {p.pred_event for p in ds.alignment_agnostic.pairs}
        for i, e in enumerate(fst.events):
            if i not in aligned_f:
                print(
                    f"- event only 1st: {e.id}{' (optional)' if e.optional else ''} "
                    f"{e.sub_event_type.value}: {e.summary[:90]}"
                )
        for j, e in enumerate(sec.events):
            if j not in aligned_s:
                print(
                    f"- event only 2nd: {e.id}{' (optional)' if e.optional else ''} "
                    f"{e.sub_event_type.value}: {e.summary[:90]}"
                )
        print()


def _pair_diffs(es: Event, ef: Event) -> list[str]:
    """Differences inside one aligned event pair that L1 does not show (2nd value vs 1st value)."""
    out: list[str] = []
    if es.optional != ef.optional:
        out.append(f"event optional {es.optional} vs {ef.optional}")
    ds, df = es.date, ef.date
    if (ds.precision, ds.start, ds.end) != (df.precision, df.start, df.end):
        out.append(
            f"date {ds.precision.value} {ds.start}..{ds.end} vs {df.precision.value} "
            f"{df.start}..{df.end}"
        )
    if norm(es.reported_by or "") != norm(ef.reported_by or ""):
        out.append(f"reported_by {es.reported_by!r} vs {ef.reported_by!r}")

    def names(items: list[Actor] | list[Place]) -> dict[str, tuple[str, ...]]:
        got: dict[str, tuple[str, ...]] = {}
        for it in items:
            if isinstance(it, Actor):
                got[norm(it.name)] = (it.actor_type.value, it.role.value, f"optional={it.optional}")
            else:
                got[norm(it.name)] = (it.kind.value, f"optional={it.optional}")
        return got

    for label, a, b in (
        ("actor", names(es.actors), names(ef.actors)),
        ("place", names(es.places), names(ef.places)),
    ):
        for k in sorted(set(a) | set(b)):
            if a.get(k) != b.get(k):
                out.append(f"{label} {k!r}: {a.get(k, 'absent')} vs {b.get(k, 'absent')}")

    def counts(ev: Event) -> dict[tuple[str, int], tuple[object, ...]]:
        return {
            (c.kind.value, c.value): (
                c.qualifier.value,
                c.vague,
                norm(c.who or ""),
                c.scope.value,
                f"optional={c.optional}",
            )
            for c in ev.counts
        }

    cs, cf = counts(es), counts(ef)
    for k in sorted(set(cs) | set(cf)):
        if cs.get(k) != cf.get(k):
            out.append(f"count {k}: {cs.get(k, 'absent')} vs {cf.get(k, 'absent')}")
    return out


if __name__ == "__main__":
    main()

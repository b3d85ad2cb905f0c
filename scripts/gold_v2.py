"""Tools for gold v2's annotation files: fill spans and check a pass file, merge the adjudication.

``check FILE``: every line of FILE is one annotator's ``GoldDocument`` for one article of
``gold/v2`` (spans may be missing). Spans are computed from each evidence quote (its first exact
occurrence in the article; a quote that is not in the article is an error naming the line and the
item), written back into FILE, and the whole file is validated as ``extractor gold validate`` does
(schema, entity references, unique event ids).

``agreement A.jsonl B.jsonl``: Krippendorff's alpha (nominal) for count **kinds**, over the counts
of the two passes paired within each article by equal value and overlapping evidence (kind
ignored, so that a disagreement on the kind is a unit, not a miss); ``scripts/gold_agreement.py``
gives the L1 F1s and the alphas for count values and sub-event types.

``stats``: the contents table of ``gold/README.md`` (articles, events, counts per kind required and
optional, places, actors), per part and in all, from the merged ``events.jsonl`` files.

``merge``: write ``gold/v2/{dev,test}/events.jsonl`` from ``gold/v2/adjudicated/*.events.jsonl``, in
each part's article order; every article must be adjudicated exactly once.

Usage::

    .venv/bin/python scripts/gold_v2.py check gold/v2/passes/A/chunk1.events.jsonl
    .venv/bin/python scripts/gold_v2.py merge
"""

from __future__ import annotations

import json
import sys
import tempfile
from pathlib import Path
from typing import Any

from extractor.errors import GoldDataError
from extractor.gold import load_gold

V2 = Path(__file__).resolve().parents[1] / "gold" / "v2"
PARTS = ("dev", "test")


def _articles() -> dict[str, dict[str, Any]]:
    out: dict[str, dict[str, Any]] = {}
    for part in PARTS:
        for line in (V2 / part / "articles.jsonl").read_text(encoding="utf-8").splitlines():
            if line.strip():
                row = json.loads(line)
                out[row["id"]] = row
    return out


def _fill(item: dict[str, Any], text: str, where: str, problems: list[str]) -> None:
    quote = item.get("evidence")
    if not isinstance(quote, str) or not quote:
        problems.append(f"{where}: evidence missing")
        return
    start = text.find(quote)
    if start < 0:
        item.pop("span", None)
        problems.append(f"{where}: evidence not found verbatim in the article: {quote[:80]!r}")
        return
    item["span"] = {"start": start, "end": start + len(quote), "match": "exact"}


def check(path: Path) -> int:
    """Fill spans in ``path`` and validate it; print every problem. Returns an exit code."""
    articles = _articles()
    problems: list[str] = []
    docs: list[dict[str, Any]] = []
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            doc = json.loads(line)
        except json.JSONDecodeError as exc:
            problems.append(f"{path}:{n}: not valid JSON: {exc.msg} (column {exc.colno})")
            continue
        art = articles.get(doc.get("article_id", ""))
        if art is None:
            problems.append(f"{path}:{n}: article_id {doc.get('article_id')!r} is not in gold/v2")
            continue
        text = art["text"]
        for i, ev in enumerate(doc.get("events", [])):
            where = f"{path}:{n}: events[{i}]"
            _fill(ev, text, where, problems)
            for group in ("places", "actors", "counts"):
                for j, item in enumerate(ev.get(group, [])):
                    _fill(item, text, f"{where}.{group}[{j}]", problems)
        docs.append(doc)
    path.write_text(
        "".join(json.dumps(d, ensure_ascii=False) + "\n" for d in docs), encoding="utf-8"
    )
    with tempfile.TemporaryDirectory() as tmp:
        ids = [d["article_id"] for d in docs if d.get("article_id") in articles]
        Path(tmp, "articles.jsonl").write_text(
            "".join(json.dumps(articles[a], ensure_ascii=False) + "\n" for a in ids),
            encoding="utf-8",
        )
        Path(tmp, "events.jsonl").write_text(
            "".join(json.dumps(d, ensure_ascii=False) + "\n" for d in docs), encoding="utf-8"
        )
        try:
            gold = load_gold(tmp)
        except GoldDataError as exc:
            problems += [p.replace(tmp, str(path.parent)) for p in str(exc).splitlines()[1:]]
            gold = None
    for p in problems:
        print(p)
    if gold is not None and not problems:
        n_ev = sum(len(d.events) for d in gold.documents.values())
        n_counts = sum(len(e.counts) for d in gold.documents.values() for e in d.events)
        print(f"{path}: OK, {len(docs)} articles, {n_ev} events, {n_counts} counts")
    return 1 if problems else 0


def merge() -> int:
    """Write gold/v2/{dev,test}/events.jsonl from the adjudicated files."""
    staged: dict[str, str] = {}
    for path in sorted((V2 / "adjudicated").glob("*.events.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                rec = json.loads(line)
                if rec["article_id"] in staged:
                    print(f"{path}: duplicate gold for {rec['article_id']}")
                    return 1
                staged[rec["article_id"]] = json.dumps(rec, ensure_ascii=False)
    for part in PARTS:
        order = [
            json.loads(line)["id"]
            for line in (V2 / part / "articles.jsonl").read_text(encoding="utf-8").splitlines()
            if line.strip()
        ]
        missing = [a for a in order if a not in staged]
        if missing:
            print(f"{part}: no adjudicated gold for {missing}")
            return 1
        (V2 / part / "events.jsonl").write_text(
            "".join(staged[a] + "\n" for a in order), encoding="utf-8"
        )
        print(f"{part}: wrote {len(order)} documents")
    return 0


def _counts(doc: dict[str, Any]) -> list[tuple[int, int, int, str]]:
    out: list[tuple[int, int, int, str]] = []
    for ev in doc.get("events", []):
        for c in ev.get("counts", []):
            span = c.get("span") or {"start": -1, "end": -1}
            out.append((int(c["value"]), int(span["start"]), int(span["end"]), str(c["kind"])))
    return out


def _read(path: Path) -> dict[str, dict[str, Any]]:
    lines = path.read_text(encoding="utf-8").splitlines()
    return {d["article_id"]: d for d in (json.loads(line) for line in lines if line)}


def kind_pairs(a_path: Path, b_path: Path) -> list[tuple[str, str]]:
    """Count kinds of the two passes, paired by value and overlapping evidence within an article."""
    a_docs, b_docs = _read(a_path), _read(b_path)
    pairs: list[tuple[str, str]] = []
    for art, a_doc in a_docs.items():
        b_left = _counts(b_docs.get(art, {}))
        for value, start, end, kind in _counts(a_doc):
            for i, (v2, s2, e2, k2) in enumerate(b_left):
                if v2 == value and s2 < end and start < e2:
                    pairs.append((kind, k2))
                    del b_left[i]
                    break
    return pairs


def value_pairs(a_path: Path, b_path: Path) -> list[tuple[int, int]]:
    """Count values of the two passes, paired by kind and overlapping evidence (value ignored)."""
    a_docs, b_docs = _read(a_path), _read(b_path)
    pairs: list[tuple[int, int]] = []
    for art, a_doc in a_docs.items():
        b_left = _counts(b_docs.get(art, {}))
        for value, start, end, kind in _counts(a_doc):
            overlapping = [
                (abs(v2 - value), i)
                for i, (v2, s2, e2, k2) in enumerate(b_left)
                if k2 == kind and s2 < end and start < e2
            ]
            if overlapping:
                _, i = min(overlapping)  # the closest value among the overlapping quotes
                pairs.append((value, b_left[i][0]))
                del b_left[i]
    return pairs


def agreement(a_path: Path, b_path: Path) -> int:
    """Print the count-kind alpha of two passes."""
    import krippendorff  # pyright: ignore[reportMissingTypeStubs]
    import numpy as np

    pairs = kind_pairs(a_path, b_path)
    labels = sorted({k for p in pairs for k in p})
    data = np.array([[labels.index(a) for a, _ in pairs], [labels.index(b) for _, b in pairs]])
    value = krippendorff.alpha(reliability_data=data, level_of_measurement="nominal")
    differ = sum(a != b for a, b in pairs)
    print(f"count kinds: {len(pairs)} paired counts, {differ} differ, alpha {value:.3f}")
    vpairs = value_pairs(a_path, b_path)
    logs = np.log1p(np.array([[a for a, _ in vpairs], [b for _, b in vpairs]], dtype=float))
    v_alpha = krippendorff.alpha(reliability_data=logs, level_of_measurement="interval")
    v_differ = sum(a != b for a, b in vpairs)
    print(
        f"count values (paired by kind and overlapping evidence, ln(1+v), interval): "
        f"{len(vpairs)} pairs, {v_differ} differ, alpha {v_alpha:.3f}"
    )
    return 0


def stats() -> int:
    """Print the contents table of gold v2 (required: not optional, nor in an optional event)."""
    from collections import Counter

    rows: list[str] = []
    kinds = ("killed", "injured", "displaced", "detained", "abducted", "missing", "other")
    header = "| part | articles | events (opt.) | counts req. (opt.) | "
    header += " | ".join(kinds) + " | places req. (opt.) | actors req. (opt.) |"
    rows += [header, "|" + "---|" * (6 + len(kinds))]
    total: Counter[str] = Counter()
    for part in (*PARTS, "all"):
        c: Counter[str] = Counter()
        if part == "all":
            c = total
        else:
            gold = load_gold(V2 / part)
            c["articles"] = len(gold.articles)
            for doc in gold.documents.values():
                for ev in doc.events:
                    c["events"] += 1
                    c["events_opt"] += ev.optional
                    for group in ("places", "actors", "counts"):
                        for item in getattr(ev, group):
                            opt = ev.optional or item.optional
                            c[f"{group}_opt" if opt else group] += 1
                            if group == "counts" and not opt:
                                c[f"kind_{item.kind.value}"] += 1
                            if group == "counts" and opt:
                                c[f"kindopt_{item.kind.value}"] += 1
            total.update(c)
        per_kind = " | ".join(f"{c[f'kind_{k}']} ({c[f'kindopt_{k}']})" for k in kinds)
        rows.append(
            f"| {part} | {c['articles']} | {c['events']} ({c['events_opt']}) | "
            f"{c['counts']} ({c['counts_opt']}) | {per_kind} | {c['places']} ({c['places_opt']}) "
            f"| {c['actors']} ({c['actors_opt']}) |"
        )
    print("\n".join(rows))
    return 0


def main() -> None:
    """Dispatch ``check FILE``, ``agreement A B``, ``stats`` or ``merge``."""
    if len(sys.argv) == 2 and sys.argv[1] == "stats":
        raise SystemExit(stats())
    if len(sys.argv) == 4 and sys.argv[1] == "agreement":
        raise SystemExit(agreement(Path(sys.argv[2]), Path(sys.argv[3])))
    if len(sys.argv) == 3 and sys.argv[1] == "check":
        raise SystemExit(check(Path(sys.argv[2])))
    if len(sys.argv) == 2 and sys.argv[1] == "merge":
        raise SystemExit(merge())
    raise SystemExit(__doc__)


if __name__ == "__main__":
    main()

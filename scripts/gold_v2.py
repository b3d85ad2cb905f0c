"""Tools for gold v2's annotation files: fill spans and check a pass file, merge the adjudication.

``check FILE``: every line of FILE is one annotator's ``GoldDocument`` for one article of
``gold/v2`` (spans may be missing). Spans are computed from each evidence quote (its first exact
occurrence in the article; a quote that is not in the article is an error naming the line and the
item), written back into FILE, and the whole file is validated as ``extractor gold validate`` does
(schema, entity references, unique event ids).

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


def main() -> None:
    """Dispatch ``check FILE`` or ``merge``."""
    if len(sys.argv) == 3 and sys.argv[1] == "check":
        raise SystemExit(check(Path(sys.argv[2])))
    if len(sys.argv) == 2 and sys.argv[1] == "merge":
        raise SystemExit(merge())
    raise SystemExit(__doc__)


if __name__ == "__main__":
    main()

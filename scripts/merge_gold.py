"""Merge the annotators' staging files into gold/v1/events.jsonl, in articles.jsonl order.

Each staging line is one annotator's gold for one article; every article must appear exactly once.
"""

from __future__ import annotations

import json
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1] / "gold"


def main() -> None:
    """Write events.jsonl from gold/staging/*.events.jsonl."""
    staged: dict[str, str] = {}
    for path in sorted((ROOT / "staging").glob("*.events.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                rec = json.loads(line)
                if rec["article_id"] in staged:
                    raise SystemExit(f"{path}: duplicate gold for {rec['article_id']}")
                staged[rec["article_id"]] = json.dumps(rec, ensure_ascii=False)
    order = [
        json.loads(line)["id"]
        for line in (ROOT / "v1" / "articles.jsonl").read_text(encoding="utf-8").splitlines()
    ]
    missing = [a for a in order if a not in staged]
    if missing:
        raise SystemExit(f"no gold for: {missing}")
    out = ROOT / "v1" / "events.jsonl"
    out.write_text("".join(staged[a] + "\n" for a in order), encoding="utf-8")
    print(f"wrote {len(order)} documents to {out}")


if __name__ == "__main__":
    main()

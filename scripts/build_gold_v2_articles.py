"""Build gold/v2's article files and its fixed dev/test split from the UCDP-AEC validation corpus.

Run once; the output is committed. Every one of the 111 validation records is taken. The split is
fixed by this rule and written down in ``gold/v2/split.toml``: the articles are ordered by country
(UCDP's ``location_root_name``) and, within a country, by sha256 of their id; then 2 of every 5
consecutive positions go to ``dev`` and the rest to ``test`` (systematic sampling), so both parts
cover the countries in about the same proportion (40 / 60).

The annotation chunks (``gold/v2/chunks.toml``) cut the same 111 articles into three groups for the
annotators: both passes use the same chunks, so one pair of files covers one chunk twice.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT.parent / "shared" / "corpus" / "ucdp_aec_validation.jsonl"
OUT = ROOT / "gold" / "v2"
DEV_SHARE = 0.4
N_CHUNKS = 3


def _key(article_id: str) -> str:
    return hashlib.sha256(article_id.encode("utf-8")).hexdigest()


def main() -> None:
    """Write gold/v2/{dev,test}/articles.jsonl, split.toml and chunks.toml."""
    records = [json.loads(line) for line in CORPUS.read_text(encoding="utf-8").splitlines() if line]
    ordered_by_country = sorted(
        records,
        key=lambda r: (str(r["ucdp"]["location_root_name"] or "unknown"), _key(str(r["id"]))),
    )
    split: dict[str, str] = {}
    for i, rec in enumerate(ordered_by_country):
        dev = int((i + 1) * DEV_SHARE) > int(i * DEV_SHARE)
        split[str(rec["id"])] = "dev" if dev else "test"
    for part in ("dev", "test"):
        rows = []
        for rec in records:
            if split[str(rec["id"])] != part:
                continue
            first_line = str(rec["text"]).split("\n", 1)[0].strip()
            rows.append(
                {
                    "id": rec["id"],
                    "title": first_line[:200] or None,
                    "publisher": None,
                    "url": None,
                    "published": rec["published"],
                    "licence": rec["licence"],
                    "source": f"shared/corpus/ucdp_aec_validation.jsonl ({rec['source']})",
                    "text": rec["text"],
                }
            )
        (OUT / part).mkdir(parents=True, exist_ok=True)
        (OUT / part / "articles.jsonl").write_text(
            "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8"
        )
        print(f"{part}: {len(rows)} articles")
    ordered = sorted(split, key=_key)
    lines = ["# Fixed by scripts/build_gold_v2_articles.py; never move an article between parts.\n"]
    for part in ("dev", "test"):
        ids = [a for a in ordered if split[a] == part]
        lines.append(f"{part} = [\n" + "".join(f'    "{a}",\n' for a in ids) + "]\n")
    (OUT / "split.toml").write_text("".join(lines), encoding="utf-8")
    chunk_lines = ["# Annotation chunks: both passes label the same chunks (round-robin).\n"]
    for c in range(N_CHUNKS):
        ids = ordered[c::N_CHUNKS]
        chunk_lines.append(f"chunk{c + 1} = [\n" + "".join(f'    "{a}",\n' for a in ids) + "]\n")
    (OUT / "chunks.toml").write_text("".join(chunk_lines), encoding="utf-8")


if __name__ == "__main__":
    main()

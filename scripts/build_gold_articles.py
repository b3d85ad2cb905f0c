"""Build gold/v1/articles.jsonl from the shared corpus: the seed plus chosen re3d documents.

Run once when the article selection changes; the output is committed. Only texts whose licence
allows redistribution are taken (see ../shared/corpus/README.md).
"""

from __future__ import annotations

import json
from pathlib import Path

CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus"
OUT = Path(__file__).resolve().parents[1] / "gold" / "v1" / "articles.jsonl"

# Chosen for violent events and numbers: all 8 BBC pieces, CENTCOM releases that report strikes or
# casualties, US State / UK FCO statements that report attacks, and two Wikipedia military articles.
BATCHES: dict[str, list[str]] = {
    "bbc": [
        "55AE94FC",
        "A0302EA7",
        "A575C2B0",
        "62A11A90",
        "AEBFCD25",
        "DC40EB7B",
        "3095FB15",
        "DDC23537",
    ],
    "centcom_lists": ["F5B5E863", "6B183780", "26CC3286", "D52939C7"],
    "centcom": [
        "F7AC57DB",
        "76957901",
        "6874F49C",
        "482C1061",
        "8BC6B4D3",
        "001C9C3F",
        "D21D5CC3",
        "B2E5F55F",
        "5FBCC6E1",
        "28829CF8",
    ],
    "statements": [
        "2C271BB8",
        "487C0B93",
        "2E857EFC",
        "108A8CFC",
        "9DFBD0B6",
        "6E62DC65",
        "32AACD4C",
        "1718A365",
        "C66A9E77",
        "09FF200C",
        "ED9C03D1",
        "3A7EC635",
        "74E7DCD5",
        "7064D852",
        "821F5BBD",
        "189862CF",
        "D23AD6D8",
        "7EA8D40D",
        "76F75D98",
    ],
}


def main() -> None:
    """Write the articles file, seed first, then re3d documents in batch order."""
    records = [
        {
            "id": "seed:afp_hama",
            "title": "Syria regime captures town and village from extremists in Hama",
            "publisher": "Agence France-Presse",
            "url": None,
            # Not printed in the text: the events (truce from Friday 2 August 2019, declared over on
            # Monday 5 August) place the Wednesday capture on 7 August 2019.
            "published": "2019-08-07",
            "licence": "AFP copyright; the project's founding example (shared/corpus)",
            "source": "shared/corpus/seed_afp_hama.txt",
            "batch": "seed",
            "text": (CORPUS / "seed_afp_hama.txt").read_text(encoding="utf-8").strip(),
        }
    ]
    by_prefix = {}
    for line in (CORPUS / "re3d.jsonl").read_text(encoding="utf-8").splitlines():
        doc = json.loads(line)
        by_prefix[doc["id"].removeprefix("re3d:")[:8]] = doc
    for batch, prefixes in BATCHES.items():
        for prefix in prefixes:
            doc = by_prefix[prefix]
            meta = doc["raw"]["document"]
            records.append(
                {
                    "id": doc["id"],
                    "title": doc.get("title") or meta.get("title"),
                    "publisher": meta.get("sourceName"),
                    "url": doc.get("url_or_ref"),
                    "published": None,
                    "licence": doc["licence"],
                    "source": f"dstl/re3d@{doc.get('repo_commit', 'b061ff06')}",
                    "batch": batch,
                    "text": doc["text"],
                }
            )
    OUT.parent.mkdir(parents=True, exist_ok=True)
    with OUT.open("w", encoding="utf-8") as f:
        for record in records:
            f.write(json.dumps(record, ensure_ascii=False) + "\n")
    print(f"wrote {len(records)} articles to {OUT}")


if __name__ == "__main__":
    main()

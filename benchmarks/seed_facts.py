"""Tally the seed article's 16 key facts (``gold/seed_facts.toml``) in an extraction.

Issue #3's target: at least 13 of 16 found, with no invented number surviving grounding. A number
is invented when nothing in the article reads as that value (``numbers.supports_value``).

    python -m benchmarks.seed_facts eval/runs/default__qwen1.5b-sentence/predictions.jsonl
"""

from __future__ import annotations

import argparse
import re
import tomllib
from dataclasses import dataclass
from pathlib import Path

from extractor.pipeline.numbers import supports_value
from extractor.schema import ArticleExtraction
from extractor.scoring.normalise import norm

ROOT = Path(__file__).resolve().parents[1]
SEED_ID = "seed:afp_hama"
FACTS = ROOT / "gold" / "seed_facts.toml"
SEED_TEXT = Path(__file__).resolve().parents[2] / "shared" / "corpus" / "seed_afp_hama.txt"


def spellings_of(name: str) -> set[str]:
    """A name as scoring normalises it (`norm`); "X (HTS)" also as its two parts."""
    inner = re.findall(r"\(([^)]*)\)", name)
    outer = re.sub(r"\([^)]*\)", " ", name)
    return {norm(n) for n in [name, outer, *inner] if norm(n)}


@dataclass(frozen=True)
class Tally:
    found: int
    total: int
    missing: list[str]
    invented: list[int]
    """Count values no number phrase of the article supports."""


def tally(extraction: ArticleExtraction | None, article: str) -> Tally:
    facts = tomllib.loads(FACTS.read_text(encoding="utf-8"))
    events = extraction.events if extraction else []
    places = {f for e in events for p in e.places for f in spellings_of(p.name)}
    actors = {f for e in events for a in e.actors for f in spellings_of(a.name)}
    counts = {(c.kind.value, c.value) for e in events for c in e.counts}
    missing: list[str] = []
    found = total = 0
    for kind, pool in (("places", places), ("actors", actors)):
        for spellings in facts[kind]:
            total += 1
            if {norm(s) for s in spellings} & pool:
                found += 1
            else:
                missing.append(spellings[0])
    for kind, value in facts["counts"]:
        total += 1
        if (kind, value) in counts:
            found += 1
        else:
            missing.append(f"{kind} {value}")
    invented = sorted(
        {
            c.value
            for e in events
            for c in e.counts
            if supports_value(article, c.value, c.upper) is None
        }
    )
    return Tally(found, total, missing, invented)


def main() -> None:
    from extractor.records import read_records

    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("predictions", type=Path)
    args = parser.parse_args()
    records = {r.id: r for r in read_records(args.predictions)}
    t = tally(records[SEED_ID].extraction, SEED_TEXT.read_text(encoding="utf-8"))
    print(
        f"seed facts: {t.found} of {t.total}; missing: {', '.join(t.missing) or 'none'}; "
        f"invented numbers: {t.invented or 'none'}"
    )


if __name__ == "__main__":
    main()

"""How much of the gold could a reply built from code's candidates hold? (issue 16, no model)

A pipeline in which code proposes and the model decides can only return what code proposed. For
every required gold item this reads the candidates of the item's own evidence passage
(``pipeline.candidates.candidates(article, focus=evidence)``) and asks whether the item is among
them: a place or actor name by scoring's normalisation (``scoring.normalise.norm``), with or
without the LENIENT containment a scorer would grant; a count by its value
(``Candidates.count_values``). It also says how many candidates a passage offers (the choice the
model is left with), and lists the misses.

    python -m benchmarks.candidate_ceiling --gold gold/v2/dev gold/v1 \
        --out eval/reports/candidate_ceiling.md

Gold v2 *dev* only among v2's parts: the finder is tuned there, never on test.
"""

from __future__ import annotations

import argparse
import statistics
import time
from dataclasses import dataclass, field
from pathlib import Path

from extractor.gold import load_gold
from extractor.pipeline.candidates import Candidates, candidates
from extractor.scoring.normalise import norm

ROOT = Path(__file__).resolve().parents[1]


@dataclass
class FieldTally:
    """Required gold items of one field, and those the candidates hold."""

    items: int = 0
    exact: int = 0
    contained: int = 0
    offered: list[int] = field(default_factory=list[int])
    misses: list[str] = field(default_factory=list[str])

    def found(self, lenient: bool) -> int:
        return self.exact + (self.contained if lenient else 0)


def _name_match(name: str, offered: tuple[str, ...]) -> str | None:
    """``exact`` (normalised), ``contained`` (one inside the other, as LENIENT allows), or None."""
    key = norm(name)
    keys = [norm(o) for o in offered]
    if key in keys:
        return "exact"
    if any(k and (k in key or key in k) for k in keys):
        return "contained"
    return None


def tally(gold_dir: Path) -> dict[str, FieldTally]:
    gold = load_gold(gold_dir)
    out = {f: FieldTally() for f in ("places", "actors", "counts")}
    cache: dict[tuple[str, str], Candidates] = {}
    for ga, doc in gold.pairs():
        text = ga.article.text
        for event in doc.events:
            if event.optional:
                continue
            groups: list[tuple[str, list[tuple[str, str, int | None]]]] = [
                ("places", [(p.name, p.evidence, None) for p in event.places if not p.optional]),
                ("actors", [(a.name, a.evidence, None) for a in event.actors if not a.optional]),
                (
                    "counts",
                    [(str(c.value), c.evidence, c.value) for c in event.counts if not c.optional],
                ),
            ]
            for name, items in groups:
                t = out[name]
                for label, evidence, value in items:
                    key = (ga.article.id, evidence)
                    if key not in cache:
                        cache[key] = candidates(text, focus=evidence)
                    c = cache[key]
                    t.items += 1
                    if value is not None:
                        t.offered.append(len(c.count_values))
                        if value in c.count_values:
                            t.exact += 1
                        else:
                            t.misses.append(f"{ga.article.id}: {value} in {evidence[:90]!r}")
                        continue
                    offered = c.places if name == "places" else c.actors
                    t.offered.append(len(offered))
                    match = _name_match(label, offered)
                    if match == "exact":
                        t.exact += 1
                    elif match == "contained":
                        t.contained += 1
                    else:
                        t.misses.append(f"{ga.article.id}: {label!r}")
    return out


def report(results: dict[str, dict[str, FieldTally]], misses: int) -> str:
    lines = [
        "# Candidate ceiling",
        "",
        f"Measured {time.strftime('%Y-%m-%d %H:%M')} by `benchmarks/candidate_ceiling.py` (no "
        "model). Required gold items whose own evidence passage's candidates hold them: names "
        "normalised as scoring does (*exact*), or also one inside the other as its LENIENT tier "
        "allows (*lenient*); counts by value. *offered*: median candidates per passage for that "
        "field, the choice left to the model.",
        "",
        "| gold | field | items | exact | lenient | share exact | share lenient | offered |",
        "|---|---|---:|---:|---:|---:|---:|---:|",
    ]
    for gold, fields in results.items():
        for name, t in fields.items():
            n = max(1, t.items)
            lines.append(
                f"| {gold} | {name} | {t.items} | {t.exact} | {t.found(True)} | "
                f"{t.exact / n:.2f} | {t.found(True) / n:.2f} | "
                f"{statistics.median(t.offered) if t.offered else 0:.0f} |"
            )
    for gold, fields in results.items():
        for name, t in fields.items():
            if t.misses:
                lines += ["", f"**Misses, {gold} {name}** (first {misses} of {len(t.misses)}):", ""]
                lines += [f"- {m}" for m in t.misses[:misses]]
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument(
        "--gold", nargs="+", type=Path, default=[ROOT / "gold/v2/dev", ROOT / "gold/v1"]
    )
    parser.add_argument("--misses", type=int, default=15, help="misses listed per field")
    parser.add_argument("--out", type=Path, default=ROOT / "eval/reports/candidate_ceiling.md")
    args = parser.parse_args()
    for g in args.gold:
        if "test" in g.parts:
            parser.error(f"{g}: the finder is tuned on dev, never measured on test here")
    results = {
        str(g.resolve().relative_to(ROOT) if g.resolve().is_relative_to(ROOT) else g): tally(g)
        for g in args.gold
    }
    out = report(results, args.misses)
    print(out)
    args.out.write_text(out, encoding="utf-8")


if __name__ == "__main__":
    main()

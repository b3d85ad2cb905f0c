"""Cross-check gold v2 against UCDP's own coding of one event per article (issue "Gold v2", item 4).

For every article of ``gold/v2`` (dev and test), UCDP GED coded one event (``ucdp`` in
``../shared/corpus/ucdp_aec_validation.jsonl``). Where the text states that event, it must be
findable in the gold:

* **place**: UCDP's ``location_where_name`` (or, when it is empty, its adm2 or adm1), with the
  gazetteer's generic word dropped ("Baghuz Fawqani village" -> "baghuz fawqani"), must match a gold
  place name, entity mention or ``admin1`` of the article, compared after ``norm`` folding with a
  fuzzy token ratio of at least 80 (transliterations: "Uthman" / "Etman" do not reach it, and are
  reviewed by reading);
* **deaths**: when UCDP's best figure (``deaths_high``) is above 0, one of its figures (low, high,
  the per-side figures, their sum) must be the value of a gold ``killed`` count (any scope);
* **sides**: each side must match a gold actor: by name (fuzzy, as places), or by kind ("Government
  of X" -> a ``state_forces`` actor; "... insurgents", "IS", "Taleban", named rebels -> a non-state
  armed actor; civilians when UCDP's side is civilian).

Every mismatch is listed; a reviewer's resolution, written by reading the article, is in
``gold/v2/crosscheck_reviews.toml`` (article id -> field -> one line). A mismatch without a review
is flagged ``UNREVIEWED``. Where UCDP drew on outside knowledge, the gold follows the text and the
review says so.

Usage::

    .venv/bin/python scripts/gold_crosscheck_v2.py [--all]

Prints Markdown.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rapidfuzz import fuzz

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from extractor.gold import load_gold  # noqa: E402
from extractor.schema import GoldDocument  # noqa: E402
from extractor.scoring import norm  # noqa: E402

CORPUS = ROOT.parent / "shared" / "corpus" / "ucdp_aec_validation.jsonl"
REVIEWS = ROOT / "gold" / "v2" / "crosscheck_reviews.toml"
_GAZETTEER_WORDS = re.compile(
    r"\b(town|village|city|district|governorate|province|region|state|departement|"
    r"département|county|municipality|subdivision|township|division|area|camp)\b",
    re.IGNORECASE,
)
NON_STATE = ("rebel_group", "political_militia", "identity_militia", "external_forces", "other")


@dataclass(frozen=True)
class Finding:
    """One check of one article."""

    article_id: str
    field: str
    ok: bool
    ucdp: str
    gold: str


def _clean(name: str) -> str:
    return norm(_GAZETTEER_WORDS.sub(" ", name or ""))


def _matches(name: str, candidates: set[str]) -> bool:
    target = _clean(name)
    if not target:
        return False
    return any(c and fuzz.token_set_ratio(target, c) >= 80 for c in candidates)


def _place_names(doc: GoldDocument) -> set[str]:
    names: set[str] = set()
    for ev in doc.events:
        for p in ev.places:
            names |= {_clean(p.name), _clean(p.admin1 or ""), _clean(p.country or "")}
    for ent in doc.entities:
        if ent.kind == "place":
            names |= {_clean(m) for m in ent.mentions}
    return names - {""}


def _actors(doc: GoldDocument) -> list[tuple[str, str]]:
    out = [(_clean(a.name), a.actor_type.value) for ev in doc.events for a in ev.actors]
    out += [(_clean(m), e.category) for e in doc.entities if e.kind == "actor" for m in e.mentions]
    return out


def check_place(aid: str, u: dict[str, Any], doc: GoldDocument) -> Finding:
    """UCDP's place (where, else adm2, else adm1) among the gold places."""
    names = _place_names(doc)
    where = str(u.get("location_where_name") or "")
    asked = where or str(u.get("location_adm2_name") or u.get("location_adm1_name") or "")
    ok = _matches(asked, names)
    if not ok and where:  # the text may name only the district or province UCDP puts it in
        ok = _matches(str(u.get("location_adm2_name") or ""), names)
    return Finding(aid, "place", ok, asked, ", ".join(sorted(names)) or "(none)")


def check_deaths(aid: str, u: dict[str, Any], doc: GoldDocument) -> Finding | None:
    """One of UCDP's death figures among the gold killed counts (None when UCDP has no deaths)."""
    if int(u.get("deaths_high") or 0) == 0:
        return None
    sides = [int(u.get(k) or 0) for k in ("deaths_side_a", "deaths_side_b", "deaths_civilian")]
    sides.append(int(u.get("deaths_unknown") or 0))
    figures = {int(u.get("deaths_low") or 0), int(u.get("deaths_high") or 0), sum(sides), *sides}
    figures.discard(0)
    killed = {c.value for ev in doc.events for c in ev.counts if c.kind.value == "killed"}
    ok = bool(figures & killed)
    shown = f"low {u.get('deaths_low')}, high {u.get('deaths_high')}, sides {sides}"
    return Finding(aid, "deaths", ok, shown, ", ".join(map(str, sorted(killed))) or "(none)")


def _side_ok(side: str, actors: list[tuple[str, str]]) -> bool:
    if _matches(side, {n for n, _ in actors}):
        return True
    kinds = {k for _, k in actors}
    if side.startswith("Government of"):
        return "state_forces" in kinds or "external_forces" in kinds
    if side.lower() in ("civilians", "civilian"):
        return "civilians" in kinds
    return bool(kinds & set(NON_STATE))


def check_sides(aid: str, u: dict[str, Any], doc: GoldDocument) -> list[Finding]:
    """Each UCDP side among the gold actors, by name or by kind."""
    actors = _actors(doc)
    shown = ", ".join(sorted({f"{n} ({k})" for n, k in actors})) or "(none)"
    out: list[Finding] = []
    for key in ("side_a_name", "side_b_name"):
        side = str(u.get(key) or "")
        if side:
            out.append(Finding(aid, key.removesuffix("_name"), _side_ok(side, actors), side, shown))
    return out


def main() -> None:
    """Run every check and print the Markdown report."""
    ap = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    ap.add_argument("--all", action="store_true", help="also list the checks that pass")
    args = ap.parse_args()
    ucdp = {
        r["id"]: r["ucdp"]
        for r in (json.loads(x) for x in CORPUS.read_text(encoding="utf-8").splitlines() if x)
    }
    reviews: dict[str, dict[str, str]] = (
        tomllib.loads(REVIEWS.read_text(encoding="utf-8")) if REVIEWS.exists() else {}
    )
    findings: list[Finding] = []
    for part in ("dev", "test"):
        gold = load_gold(ROOT / "gold" / "v2" / part)
        for ga, doc in gold.pairs():
            u = ucdp[ga.article.id]
            findings.append(check_place(ga.article.id, u, doc))
            deaths = check_deaths(ga.article.id, u, doc)
            if deaths:
                findings.append(deaths)
            findings += check_sides(ga.article.id, u, doc)
    bad = [f for f in findings if not f.ok]
    by_field: dict[str, list[int]] = {}
    for f in findings:
        ok_total = by_field.setdefault(f.field, [0, 0])
        ok_total[0] += f.ok
        ok_total[1] += 1
    print("## UCDP cross-check of gold v2\n")
    print("| check | found in gold | checked |")
    print("|---|---|---|")
    for name, (ok, total) in by_field.items():
        print(f"| {name} | {ok} | {total} |")
    unreviewed = [f for f in bad if f.field not in reviews.get(f.article_id, {})]
    n_bad, n_open = len(bad), len(unreviewed)
    print(f"\n{n_bad} mismatches, {n_bad - n_open} reviewed, {n_open} not.\n")
    print("| article | check | UCDP | gold | review |")
    print("|---|---|---|---|---|")
    for f in bad if not args.all else findings:
        review = reviews.get(f.article_id, {}).get(f.field, "UNREVIEWED" if not f.ok else "ok")
        gold = f.gold if len(f.gold) < 160 else f.gold[:157] + "..."
        print(f"| {f.article_id[-6:]} | {f.field} | {f.ucdp} | {gold} | {review} |")


if __name__ == "__main__":
    main()

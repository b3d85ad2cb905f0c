"""Cross-check gold v1 against the re3d corpus's own annotations (issue "Gold set v1", item 5).

For every re3d article in the gold set, compare:

* gold places and actors (every mention of the article's entity clusters, the names of the event
  items, and the alias-table variants of the clusters, as the scorer links them) with re3d's own
  ``Location`` and ``Organisation``/``Person`` entities, proper names only: a leading article is
  dropped, and generic nominals ("people", "the town", "a courthouse", lower-case-initial phrases)
  are filtered out;
* gold counts with re3d's ``Quantity`` entities.

Names are compared by ``extractor.scoring.norm``. Agreement is reported both ways: the share of
re3d proper-name entities (distinct per article) found among the gold names of the same kind, and
the share of gold proper-name entity clusters found among re3d's proper names. A name found only
under the other kind (re3d "Organisation" Iraq, gold place Iraq) is listed as such.

Every miss is listed with a one-line review. Reviews written by the gold lead are in ``REVIEWS``
(keyed by article prefix and normalised name); a miss without one gets an automatic hint and is
flagged ``UNREVIEWED``.

Usage::

    .venv/bin/python scripts/gold_crosscheck.py [--corpus ../shared/corpus/re3d.jsonl] [--all]

``--all`` also lists the matches. Prints Markdown.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from extractor.gold import load_gold  # noqa: E402
from extractor.numbers import read_numbers  # noqa: E402
from extractor.schema import GoldDocument  # noqa: E402
from extractor.scoring import norm  # noqa: E402

CORPUS = ROOT.parent / "shared" / "corpus" / "re3d.jsonl"
NAME_TYPES = {"Location": "place", "Organisation": "actor", "Person": "actor"}
_LEADING = re.compile(r"^(?:the|a|an)\s+", re.IGNORECASE)
_POSSESSIVE = re.compile(r"(?:'s|’s|')$")
PRONOUNS = frozenset({
    "we", "they", "he", "she", "it", "i", "you", "us", "them", "our", "their", "his", "her", "this",
    "these", "those", "that", "who", "one",
})
GENERIC = frozenset({
    "people", "civilians", "residents", "forces", "government", "army", "troops", "fighters",
    "militants", "town", "city", "village", "area", "region", "country", "enemy", "group",
})
"""Normalised values that stay generic even when capitalised at a sentence start."""

# One-line reviews of the misses, by (article id prefix, norm(name)). "gold fixed" marks a miss the
# review found to be a real gold error (corrected in gold/v1/events.jsonl); the rest are names that
# are not event arguments under gold/GUIDELINES.md.
REVIEWS: dict[tuple[str, str], str] = {}


_OF_NAME = re.compile(r"\bof\s+(?:the\s+)?([A-Z][^()]*)$")
_TAIL_NAME = re.compile(r"\s([A-Z][\w'’.-]*(?:\s+(?:al-|bin\s|of\s|the\s)?[A-Z][\w'’.-]*)*)$")


def proper(value: str) -> str | None:
    """The proper-name form of a re3d entity value, or None for a generic nominal.

    A capitalised value is kept (less a leading article). A lower-case-initial phrase keeps the
    proper name it ends with, when it has one ("the village of Tuloul Naser" -> "Tuloul Naser",
    "insurgent-held Karabilah" -> "Karabilah"); otherwise it is a generic nominal ("the town").
    """
    v = _POSSESSIVE.sub("", _LEADING.sub("", value.strip()))
    if not v:
        return None
    if not v[0].isupper():
        m = _OF_NAME.search(v) or _TAIL_NAME.search(v)
        if m is None:
            return None
        v = _POSSESSIVE.sub("", m.group(1).strip())
    n = norm(v)
    if not n or n in GENERIC or n in PRONOUNS:
        return None
    return v


@dataclass
class GoldNames:
    """The gold names of one article, by kind: norm -> cluster key."""

    actors: dict[str, str] = field(default_factory=dict[str, str])
    places: dict[str, str] = field(default_factory=dict[str, str])
    clusters: dict[str, tuple[str, list[str]]] = field(default_factory=dict[str, tuple[str, list[str]]])
    """Cluster key -> (kind, its surface forms)."""
    sources: set[str] = field(default_factory=set[str])
    spans: list[tuple[int, int]] = field(default_factory=list[tuple[int, int]])
    """Every evidence span of the article's gold items."""
    counts: list[tuple[int, int, int, str, bool]] = field(
        default_factory=list[tuple[int, int, int, str, bool]])
    """(value, span start, span end, label, optional) per gold count."""


def gold_names(doc: GoldDocument, aliases: dict[str, list[str]]) -> GoldNames:
    """Collect the names the scorer would accept for each gold cluster of a document."""
    out = GoldNames()
    alias_ids: dict[str, set[str]] = defaultdict(set)
    for cid, forms in aliases.items():
        for f in (cid, *forms):
            alias_ids[norm(f)].add(cid)
    forms_by_key: dict[str, tuple[str, set[str]]] = {}
    for en in doc.entities:
        forms_by_key[en.id] = (en.kind, set(en.mentions))
    for ev in doc.events:
        for a in ev.actors:
            forms_by_key.setdefault(a.entity or f"name:{norm(a.name)}", ("actor", set()))[1].add(a.name)
        for p in ev.places:
            forms_by_key.setdefault(p.entity or f"name:{norm(p.name)}", ("place", set()))[1].add(p.name)
        if ev.reported_by:
            out.sources.add(norm(ev.reported_by))
        for it in (ev, *ev.actors, *ev.places, *ev.counts):
            if it.span is not None:
                out.spans.append((it.span.start, it.span.end))
        for c in ev.counts:
            if c.span is not None:
                out.counts.append((c.value, c.span.start, c.span.end,
                                   f"{c.kind.value} {c.value} ({c.who or 'people'})",
                                   c.optional or ev.optional))
    for key, (kind, forms) in forms_by_key.items():
        ids = {cid for f in forms for cid in alias_ids.get(norm(f), ())}
        if key in aliases:
            ids.add(key)
        every = set(forms) | {v for cid in ids for v in (cid, *aliases[cid])}
        target = out.actors if kind == "actor" else out.places
        for f in every:
            if norm(f):
                target.setdefault(norm(f), key)
        out.clusters[key] = (kind, sorted(forms))
    return out


def find(n: str, names: dict[str, str]) -> tuple[str, str] | None:
    """Match a normalised re3d name against gold names: (how, cluster key) or None.

    ``norm``: equal after ``norm``; ``parts``: a "Place, Country" value whose every part is a gold
    name; ``containment``: one token set contains the other (the scorer's LENIENT rule for actors).
    """
    if n in names:
        return "norm", names[n]
    parts = [norm(p) for p in n.split(",")] if "," in n else []
    if parts and all(p in names for p in parts):
        return "parts", names[parts[0]]
    toks = set(n.split())
    for g, key in names.items():
        gt = set(g.split())
        if gt and gt <= toks:
            return "containment", key
    return None


def sentence_of(text: str, begin: int) -> str:
    """The sentence (or line) around an offset, for the review listing."""
    start = max(text.rfind(". ", 0, begin) + 2, text.rfind("\n", 0, begin) + 1, 0)
    ends = [i for i in (text.find(". ", begin), text.find("\n", begin)) if i >= 0]
    end = min(ends) + 1 if ends else len(text)
    return " ".join(text[start:end].split())


QUANTITY_NOT_PEOPLE = re.compile(
    r"^\W*(?:\S+\s+){0,3}?(strikes?|airstrikes?|munitions|targets|aircraft|tanks?|vehicles?|"
    r"buildings?|positions?|routes|units?|caches|jacks|stills|trucks|facilit(?:y|ies)|systems|tunnels?|"
    r"bunkers|bridges|villages|occasions|missions|raids|sites|masks|permits|books|convoys|excavators|"
    r"cranes|heads|loaders|grenades|bombs|airdrops|jet|nation|VBIEDs|teams|entrances|IEDs|"
    r"structures|supply|oil|artillery|mortar|UAV|weapons|refinement)\b", re.IGNORECASE)
QUANTITY_MEASURE = re.compile(
    r"(km|kilomet|miles?|m\b|ft|percent|%|square|year-old|years?|months?|hours?|a year)",
    re.IGNORECASE)


def auto_review(kind: str, n: str, begin: int, text: str, gold: GoldNames, rtype: str) -> tuple[
        str, bool]:
    """A review of a name miss from its position: (review, needs a written review)."""
    if any(n == s or s in n or (len(n) > 3 and n in s) for s in gold.sources):
        return "the source the article cites (reported_by), not an actor", False
    inside = any(s <= begin < e for s, e in gold.spans)
    sent = sentence_of(text, begin).lower()
    if rtype == "Person" and re.search(r"\b(said|says|told|added|noted|replied|tells)\b", sent):
        return "a speaker, not an event argument", False
    if not inside:
        return "outside every gold evidence quote: background or context, not an event argument", False
    return "inside an event's evidence", True


def quantity_review(surface: str, after: str) -> str | None:
    """A review of a quantity miss from its words, or None when it needs a written review."""
    if QUANTITY_MEASURE.search(surface):
        return "a measure (distance, area, share, duration or age), not people"
    m = QUANTITY_NOT_PEOPLE.match(after)
    if m:
        return f"not people ({m.group(1)})"
    return None


@dataclass
class Tally:
    """Agreement tallies of one article or of the corpus."""

    values: dict[str, int] = field(default_factory=lambda: defaultdict(int))

    def add(self, other: Tally) -> None:
        for k, v in other.values.items():
            self.values[k] += v

    def __getitem__(self, k: str) -> int:
        return self.values[k]


def check_article(aid: str, rec: dict, doc: GoldDocument, gs_aliases: dict[str, list[str]],
                  show_all: bool) -> tuple[Tally, list[str], int]:
    """Compare one article; return its tallies, its listing lines and its unreviewed count."""
    t = Tally()
    lines: list[str] = []
    unreviewed = 0
    text = rec["text"]
    short = aid.split(":")[1][:8]
    gold = gold_names(doc, gs_aliases)
    seen: dict[tuple[str, str], tuple[str, int, str]] = {}
    for ent in sorted(rec["raw"]["entities"], key=lambda e: e["begin"]):
        kind = NAME_TYPES.get(ent["type"])
        if kind is None:
            continue
        v = proper(ent["value"])
        if v is not None:
            seen.setdefault((kind, norm(v)), (v, ent["begin"], ent["type"]))
    strict_keys: set[str] = set()
    any_keys: set[str] = set()
    for (kind, n), (v, begin, rtype) in seen.items():
        same = gold.places if kind == "place" else gold.actors
        other = gold.actors if kind == "place" else gold.places
        t.values[f"r_{kind}"] += 1
        hit = find(n, same)
        if hit is not None:
            how, key = hit
            any_keys.add(key)
            if how != "containment":
                strict_keys.add(key)
                t.values[f"r_{kind}_strict"] += 1
                if show_all:
                    lines.append(f"- `{short}` re3d {rtype} **{v}**: found ({how}, {key})")
                continue
            t.values[f"r_{kind}_cont"] += 1
            lines.append(f"- `{short}` re3d {rtype} **{v}**: found by containment ({key})")
            continue
        hit = find(n, other)
        if hit is not None and hit[0] != "containment":
            t.values[f"r_{kind}_other"] += 1
            any_keys.add(hit[1])
            strict_keys.add(hit[1])
            other_kind = "actor" if kind == "place" else "place"
            lines.append(f"- `{short}` re3d {rtype} **{v}**: found as a gold {other_kind} "
                         f"({hit[0]}, {hit[1]})")
            continue
        review = REVIEWS.get((short, n))
        if review is None:
            review, needs = auto_review(kind, n, begin, text, gold, rtype)
            if needs:
                unreviewed += 1
                review = "UNREVIEWED: " + review
        lines.append(f"- `{short}` re3d {rtype} **{v}** (not in gold): {review}")
    for key, (kind, forms) in gold.clusters.items():
        if not any(proper(f) for f in forms):
            continue
        t.values[f"g_{kind}"] += 1
        if key in strict_keys:
            t.values[f"g_{kind}_strict"] += 1
            continue
        if key in any_keys:
            t.values[f"g_{kind}_cont"] += 1
            continue
        review = REVIEWS.get((short, "gold:" + key))
        if review is None:
            unreviewed += 1
            review = "UNREVIEWED: no re3d Location/Organisation/Person with this name"
        lines.append(f"- `{short}` gold {kind} **{key}** {forms} (not in re3d): {review}")
    quants = []
    for ent in rec["raw"]["entities"]:
        if ent["type"] == "Quantity":
            readings = read_numbers(ent["value"])
            if readings:
                quants.append((readings[0].value, ent["begin"], ent["end"], ent["value"]))
    gold_values = {c[0] for c in gold.counts}
    for value, b, e, surface in sorted(quants, key=lambda q: q[1]):
        t.values["q"] += 1
        if value in gold_values:
            t.values["q_found"] += 1
            if show_all:
                lines.append(f"- `{short}` re3d Quantity **{surface}**: found")
            continue
        after = text[e:e + 45].split("\n")[0]
        review = REVIEWS.get((short, f"q:{surface}:{b}")) or quantity_review(surface, after)
        if review is None:
            unreviewed += 1
            review = "UNREVIEWED"
        lines.append(f"- `{short}` re3d Quantity **{surface}** (\"…{surface}{after}…\", no gold "
                     f"count): {review}")
    q_values = {q[0] for q in quants}
    for value, _s, _e, label, optional in gold.counts:
        t.values["c"] += 1
        if value in q_values:
            t.values["c_found"] += 1
            continue
        review = REVIEWS.get((short, f"c:{label}"))
        if review is None:
            unreviewed += 1
            review = "UNREVIEWED"
        lines.append(f"- `{short}` gold count **{label}**{' (optional)' if optional else ''} "
                     f"(no re3d Quantity with this value): {review}")
    return t, lines, unreviewed


def pct(a: int, b: int) -> str:
    """``a/b (p%)``."""
    return f"{a}/{b} ({100 * a / b:.0f}%)" if b else "0/0"


def main() -> None:
    """Run the cross-check and print the Markdown report."""
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--gold", type=Path, default=ROOT / "gold" / "v1")
    ap.add_argument("--corpus", type=Path, default=CORPUS)
    ap.add_argument("--all", action="store_true", help="also list the matches")
    args = ap.parse_args()

    gs = load_gold(args.gold)
    corpus = {}
    for line in args.corpus.read_text(encoding="utf-8").splitlines():
        if line.strip():
            rec = json.loads(line)
            corpus[rec["id"]] = rec
    total = Tally()
    rows: list[str] = []
    listing: list[str] = []
    unreviewed = 0
    for ga, doc in gs.pairs():
        aid = ga.article.id
        if aid not in corpus:
            continue
        rec = corpus[aid]
        if rec["text"].strip() != ga.article.text or rec["text"][:1].isspace():
            listing.append(f"- `{aid}`: text differs from the corpus; offsets not comparable")
        t, lines, u = check_article(aid, rec, doc, gs.aliases, args.all)
        total.add(t)
        listing += lines
        unreviewed += u
        rows.append(
            f"| `{aid.split(':')[1][:8]}` | {rec.get('subset') or rec.get('source')} | "
            f"{t['r_place_strict']}+{t['r_place_cont']}/{t['r_place']} | "
            f"{t['r_actor_strict']}+{t['r_actor_cont']}/{t['r_actor']} | "
            f"{t['g_place_strict']}+{t['g_place_cont']}/{t['g_place']} | "
            f"{t['g_actor_strict']}+{t['g_actor_cont']}/{t['g_actor']} | "
            f"{t['q_found']}/{t['q']} | {t['c_found']}/{t['c']} |")

    def both(kind: str, side: str) -> str:
        n = total[f"{side}_{kind}"]
        strict = total[f"{side}_{kind}_strict"]
        return f"{pct(strict, n)} | {pct(strict + total[f'{side}_{kind}_cont'], n)}"

    print("## Gold v1 against re3d's own annotations\n")
    print(f"{len(rows)} re3d articles of the gold set. re3d proper names only (Location; "
          "Organisation and Person), compared by `extractor.scoring.norm` with the gold entity "
          "clusters and the alias table; \"strict\" is equality after `norm` (or every part of a "
          "\"Place, Country\" value), \"with containment\" adds re3d names whose tokens contain a gold name's.\n")
    print("| what | strict | with containment |")
    print("|---|---|---|")
    print(f"| re3d Location names found among gold places | {both('place', 'r')} |")
    print(f"| re3d Organisation/Person names found among gold actors | {both('actor', 'r')} |")
    print(f"| gold proper-name place clusters found among re3d names | {both('place', 'g')} |")
    print(f"| gold proper-name actor clusters found among re3d names | {both('actor', 'g')} |")
    print(f"\nre3d names found only under the other kind: {total['r_place_other']} Location "
          f"names are gold actors, {total['r_actor_other']} Organisation/Person names are gold "
          "places.\n")
    print("| counts | agreement |")
    print("|---|---|")
    print(f"| re3d Quantity entities whose value is a gold count of the article | "
          f"{pct(total['q_found'], total['q'])} |")
    print(f"| gold counts whose value is a re3d Quantity of the article | "
          f"{pct(total['c_found'], total['c'])} |")
    print("\n| article | subset | re3d places in gold (strict+cont./n) | re3d actors in gold | "
          "gold places in re3d | gold actors in re3d | re3d quantities in gold | gold counts in "
          "re3d |")
    print("|---|---|---|---|---|---|---|---|")
    print("\n".join(rows))
    print(f"\n## Misses and their review ({unreviewed} unreviewed)\n")
    print("\n".join(listing))


if __name__ == "__main__":
    main()

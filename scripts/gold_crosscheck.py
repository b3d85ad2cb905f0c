"""Cross-check gold v1 against the re3d corpus's own annotations (issue "Gold set v1", item 5).

For every re3d article in the gold set, compare:

* gold places and actors (every mention of the article's entity clusters, the names of the event
  items, and the alias-table variants of the clusters, as the scorer links them) with re3d's own
  ``Location`` and ``Organisation``/``Person`` entities, proper names only: a leading article is
  dropped, and generic nominals ("people", "the town", "a courthouse", lower-case-initial phrases)
  are filtered out;
* gold counts with re3d's numbers: its ``Quantity`` entities, and the ``Organisation``/``Person``
  entities it writes for counted people ("15 civilians", "scores of others"), compared by value
  (read by ``extractor.pipeline.numbers``) within the article.

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
from extractor.pipeline.numbers import read_numbers  # noqa: E402
from extractor.schema import GoldDocument  # noqa: E402
from extractor.scoring import norm  # noqa: E402

CORPUS = ROOT.parent / "shared" / "corpus" / "re3d.jsonl"
NAME_TYPES = {"Location": "place", "Organisation": "actor", "Person": "actor"}
_LEADING = re.compile(r"^(?:the|a|an)\s+", re.IGNORECASE)
_POSSESSIVE = re.compile("(?:'s|\u2019s|')$")
PRONOUNS = frozenset(
    {
        "we",
        "they",
        "he",
        "she",
        "it",
        "i",
        "you",
        "us",
        "them",
        "our",
        "their",
        "his",
        "her",
        "this",
        "these",
        "those",
        "that",
        "who",
        "one",
    }
)
GENERIC = frozenset(
    {
        "people",
        "civilians",
        "residents",
        "forces",
        "government",
        "army",
        "troops",
        "fighters",
        "militants",
        "town",
        "city",
        "village",
        "area",
        "region",
        "country",
        "enemy",
        "group",
    }
)
"""Normalised values that stay generic even when capitalised at a sentence start."""

# One-line reviews of the misses, by (article id prefix, norm(name)). "gold fixed" marks a miss the
# review found to be a real gold error (corrected in gold/v1/events.jsonl); the rest are names that
# are not event arguments under gold/GUIDELINES.md.
_SPEAKER = "a speaker or the statement's author, not an event argument"
_CENTCOM_TARGET = (
    "a target object of the strike (ISIL's), not a place or actor; the target actor is ISIL"
)
_FRAGMENT = "a fragment of a name re3d split"
_NAME_REVIEWS: list[tuple[str, str, str]] = [
    ("55AE94FC", "Assad", "inside 'pro-Assad forces' (gold actor PRO_ASSAD); re3d tags the person"),
    (
        "55AE94FC",
        "Darayya's population",
        "a population figure's noun phrase (\"8,000 of Darayya's "
        'population of 80,000"), not an actor; Darayya is a gold place',
    ),
    ("55AE94FC", "May", 'a month ("in May") mis-typed as Person'),
    (
        "A0302EA7",
        "Iraqis",
        "victims identified only by nationality: the count's who ('292 Iraqis'), not an actor (§2)",
    ),
    (
        "62A11A90",
        "Iraq",
        "inside the gold region 'northern Iraq' (optional), labelled as written (§3)",
    ),
    (
        "62A11A90",
        "HRW",
        "Human Rights Watch, the source (reported_by) of E1; a police officer spoke to it for E2",
    ),
    (
        "62A11A90",
        "Peshmerga frontline position",
        "the target's position, not a named place; the Peshmerga are E2's target actor",
    ),
    ("AEBFCD25", "UN", "the source (UN High Commissioner for Human Rights), not an actor"),
    ("AEBFCD25", "UN human rights staff", "the source (UN High Commissioner for Human Rights)"),
    ("AEBFCD25", "US-led", _FRAGMENT + " ('US-led coalition', gold actor US_COALITION)"),
    (
        "AEBFCD25",
        "Shia Muslim paramilitary groups",
        "= gold 'allied Shia Muslim paramilitary groups' (SHIA_MILITIAS), less the word 'allied'",
    ),
    ("AEBFCD25", "Muslim", _FRAGMENT + " ('Shia Muslim')"),
    (
        "DC40EB7B",
        "Turkish border",
        "'near the Turkish border' locates Azaz; a border is not a named place",
    ),
    ("3095FB15", "State television", "the channel that quoted the source (the army), not an actor"),
    (
        "3095FB15",
        "Lebanon",
        "'the highway from Lebanon to Damascus' / 'Lebanon's Hezbollah': "
        "context, not the place of an event",
    ),
    (
        "3095FB15",
        "President Bashar al-Assad",
        "inside gold actor 'President Bashar al-Assad's forces' (SYR_GOV, optional E6)",
    ),
    (
        "3095FB15",
        "Syrian news agency Sana",
        "a second source of E1's explosions (gold gives the army, the source of the accusation)",
    ),
    ("3095FB15", "Sana", "a second source of E1 (the state news agency)"),
    ("3095FB15", "Days earlier", "a date mis-typed as Location"),
    ("3095FB15", "November", "a date mis-typed as Location"),
    (
        "3095FB15",
        "Lebanese airspace",
        "where the jets fired from, not where the strike hit (Sabboura)",
    ),
    ("DDC23537", "Tigris", "= gold 'river Tigris' (optional place of E4)"),
    ("F5B5E863", "Ayn", _FRAGMENT + " (gold place 'Ayn Isa')"),
    ("F5B5E863", "Isa", _FRAGMENT + " (gold place 'Ayn Isa')"),
    ("F5B5E863", "ISIL weapons caches", _CENTCOM_TARGET),
    ("F5B5E863", "ISIL-held building", _CENTCOM_TARGET),
    ("F5B5E863", "ISIL-held buildings", _CENTCOM_TARGET),
    ("F5B5E863", "VBIED facility", _CENTCOM_TARGET),
    ("F5B5E863", "UAV", _CENTCOM_TARGET),
    ("F5B5E863", "UAV construction facilities", _CENTCOM_TARGET),
    ("6B183780", "ISIL targets", _CENTCOM_TARGET),
    ("6B183780", "Ayn", _FRAGMENT + " (gold place 'Ayn Isa')"),
    ("6B183780", "Isa", _FRAGMENT + " (gold place 'Ayn Isa')"),
    ("6B183780", "ISIL-held building", _CENTCOM_TARGET),
    ("6B183780", "VBIED facility", _CENTCOM_TARGET),
    ("6B183780", "UAV launch site", _CENTCOM_TARGET),
    ("6B183780", "VBIED factory", _CENTCOM_TARGET),
    ("6B183780", "VBIED", _CENTCOM_TARGET),
    ("26CC3286", "Ayn", _FRAGMENT + " (gold place 'Ayn Isa')"),
    ("26CC3286", "Isa", _FRAGMENT + " (gold place 'Ayn Isa')"),
    ("26CC3286", "VBIED storage facility", _CENTCOM_TARGET),
    ("26CC3286", "VBIED", _CENTCOM_TARGET),
    ("26CC3286", "ISIL-held building", _CENTCOM_TARGET),
    ("26CC3286", "ISIL-held buildings", _CENTCOM_TARGET),
    ("26CC3286", "VBIED staging facility", _CENTCOM_TARGET),
    ("D52939C7", "Navy", _FRAGMENT + " (the source's title, 'Navy Capt. Jeff Davis')"),
    ("D52939C7", "U.S.-led", _FRAGMENT + " ('U.S.-led coalition', gold actor COALITION)"),
    ("F7AC57DB", "Woodbridge, Virginia", "the service member's home town, not the event's place"),
    ("F7AC57DB", "Virginia", "the service member's home state, not the event's place"),
    ("F7AC57DB", "DoD", "the source (reported_by 'the Defense Department')"),
    (
        "F7AC57DB",
        "Ayn",
        _FRAGMENT + " ('Ayn Issa', gold place; re3d has 'the vicinity of Ayn Issa' "
        "at another mention)",
    ),
    (
        "F7AC57DB",
        "Combined Joint Task Force",
        "the source of the location detail (a CJTF-OIR news release), not an actor",
    ),
    (
        "F7AC57DB",
        "Joint Task Force - Operation Inherent Resolve",
        "the source of the location detail (a CJTF-OIR news release), not an actor",
    ),
    ("76957901", "Jan", "a date ('Jan. 1') mis-typed as Person"),
    (
        "76957901",
        "Iraq",
        "'the campaign ... is progressing in both Iraq and Syria': a wide frame of "
        "no single event; E4 names only 'the Iraqi city of Mosul'",
    ),
    (
        "76957901",
        "Iraqi city",
        "a generic nominal ('the Iraqi city of Mosul'); Mosul is a gold place",
    ),
    ("482C1061", "Al Salem", _FRAGMENT + " (gold place 'Al Salem hospital complex')"),
    ("8BC6B4D3", "Arabs", "the SDF's make-up ('made up in part by local Arabs'), not an actor"),
    ("8BC6B4D3", "Arab component", "a description of the Syrian Arab Coalition (gold actor SAC)"),
    ("8BC6B4D3", "ISIL-held terrain", "a generic nominal, not a named place"),
    ("8BC6B4D3", "IED facilities", "destroyed objects, not a place or actor"),
    ("001C9C3F", "U.S. forces", "'advising and assisting' the SDF: not an event (gold note)"),
    ("001C9C3F", "Syrian Arab", _FRAGMENT + " ('Syrian Arab forces')"),
    (
        "001C9C3F",
        "Syrian Arab forces",
        "a description of the SDF in the clarification sentence, not an event",
    ),
    (
        "001C9C3F",
        "Coalition",
        "= gold 'Counter-Daesh Coalition' (CD_COALITION), tagged without its first word",
    ),
    (
        "001C9C3F",
        "Syrian Arab Coalition",
        "a component of the SDF named in apposition; the event is "
        "optional and its initiator is the SDF",
    ),
    (
        "28829CF8",
        "Raqqah",
        "where the target led ('an ISIL gang leader in Raqqah'), not where he was "
        "struck (near Tabqa Dam); not the event's place (§3)",
    ),
    ("28829CF8", "ISIL's War Committee", "the target's former post, background"),
    ("28829CF8", "War Committee", "the target's former post, background"),
    ("28829CF8", "Tabqa", "'reassigned to Tabqa': background; the strike's place is Tabqa Dam"),
    ("28829CF8", "Syrian Democratic Forces", "'ISIL's defenses against the SDF': background"),
    ("2E857EFC", "United States", _SPEAKER),
    ("108A8CFC", "United States", _SPEAKER),
    ("6E62DC65", "United States", _SPEAKER),
    ("1718A365", "Philip Hammond", _SPEAKER),
    ("1718A365", "Assad", "inside gold actor 'Assad\u2019s regime' (SYR_GOV)"),
    ("ED9C03D1", "Tobias Ellwood", _SPEAKER),
    ("ED9C03D1", "Northern", _FRAGMENT + " (gold place 'Northern Iraq')"),
    ("ED9C03D1", "Iraq", "inside gold place 'Northern Iraq' (optional region)"),
    (
        "ED9C03D1",
        "Iraqi territory",
        "'over 25% of Iraqi territory': a share of the country, background",
    ),
    ("ED9C03D1", "Sinjar", "inside gold place 'Mount Sinjar'"),
    ("ED9C03D1", "ISIL targets", "the UK raids' targets; the target actor is ISIL (E7)"),
    ("3A7EC635", "Iraq", "'UK support for Iraq': a statement, not an event"),
    ("3A7EC635", "UK", _SPEAKER),
    ("74E7DCD5", "Sinjar", "inside gold place 'Mount Sinjar'"),
    ("7064D852", "Asad", "inside gold actor 'Asad regime' (SYR_GOV)"),
    ("189862CF", "Asad", "inside gold actor 'Asad regime' (SYR_GOV)"),
    (
        "D23AD6D8",
        "Iraqi mission",
        "'the Iraqi mission to recapture ... Mosul': the operation itself "
        "(E1), whose actor is 'Iraq\u2019s Security Forces'",
    ),
    ("7EA8D40D", "al Qaeda", "= gold 'al Qaeda in Iraq' (AQI, optional target), split by re3d"),
    (
        "7EA8D40D",
        "Iraq",
        "inside 'al Qaeda in Iraq' / 'Iraqi insurgency': the operation's frame, no "
        "country place is stated for the events",
    ),
    ("7EA8D40D", "Euphrates River Valley", "the aim of the larger Operation Sayeed: background"),
    ("76F75D98", "Jordan", "inside gold actor 'citizens from Jordan and Iraq' (optional E2)"),
    (
        "76F75D98",
        "Moroccans",
        "victims identified only by nationality: the abducted count's who "
        "(§2; gold target actor removed in the adjudication)",
    ),
    (
        "76F75D98",
        "Sajida Mubarak Atrous",
        "= gold actor 'Sajida Mubarak Atrous al-Rishawi' (RISHAWI), tagged without 'al-Rishawi'",
    ),
    (
        "76F75D98",
        "Royal Jordanian Air Force",
        "inside gold actor 'Royal Jordanian Air Force lieutenant Muath al-Kasasbeh' (KASASBEH)",
    ),
]
_OTHER_REVIEWS: dict[tuple[str, str], str] = {
    ("7EA8D40D", "gold:INSURGENTS"): "re3d tags only lower-case nominals ('insurgents', 'the "
    "insurgency'); gold correct",
    ("55AE94FC", "q:80,000"): "population ('Darayya's population of 80,000'), not a count (§4)",
    ("A575C2B0", "q:650,000"): "registered refugees: a population figure, not a count (§4)",
    ("A575C2B0", "q:350 Syrians"): "workers on a farm, not a count",
    ("A575C2B0", "q:200,000"): "an employment target, not a count",
    ("A575C2B0", "q:4.7 million"): "refugees living in three countries: population, not a count",
    ("A575C2B0", "q:hundreds of thousands"): "last year's migration to Europe: no conflict event "
    "(gold note)",
    ("AEBFCD25", "q:About 30,000 Iraqi security force personnel"): "a force size, not a count (§4)",
    ("AEBFCD25", "q:3,000 to 5,000"): "militants believed inside Mosul: a force size, not a count",
    ("AEBFCD25", "q:one child"): "the disabled child, one of the three children killed (E5): not a "
    "count of its own",
    ("3095FB15", "q:thousands of fighters"): "fighters Hezbollah sent: a force size, not a count",
    ("D52939C7", "q:922"): "munitions since Dec. 5, not people",
    ("F7AC57DB", "q:42"): "the service member's age",
    ("76957901", "q:eight"): "eight air strikes in 24 hours, not people",
    ("ED9C03D1", "q:10"): "children 'as young as 10': an age",
    ("ED9C03D1", "q:125"): "soldiers the UK is providing for training: a force size, not a count",
    ("7064D852", "q:five million"): "people without water across Damascus: population, not a count",
    ("189862CF", "q:at least three occasions"): "occasions of chemical use, not people",
    ("7EA8D40D", "q:one of the SNCOs"): "an anecdote about the operation's name, not a count",
    ("62A11A90", "c:killed 1 (sister)"): "'A man whose sister was killed': re3d tags 'A man', not "
    "the sister; gold count optional (part of the 13)",
    ("28829CF8", "c:killed 1 (ISIL gang leader)"): "one named person killed: no number word for "
    "re3d to tag",
    ("6E62DC65", "c:killed 20 (Syrian civilians)"): "'scores of Syrian civilians': re3d tags no "
    "number here (ACLED 'scores' = 20, §4)",
    ("76F75D98", "c:detained 1 (people)"): "'He was captured': no number word for re3d to tag",
}
REVIEWS: dict[tuple[str, str], str] = {
    **{(a, norm(n)): r for a, n, r in _NAME_REVIEWS},
    **_OTHER_REVIEWS,
}


_OF_NAME = re.compile(r"\bof\s+(?:the\s+)?([A-Z][^()]*)$")
_NAME_CHARS = "[\\w'\u2019.-]*"
_TAIL_NAME = re.compile(
    rf"\s([A-Z]{_NAME_CHARS}(?:\s+(?:al-|bin\s|of\s|the\s)?[A-Z]{_NAME_CHARS})*)$"
)


_GOVERNMENT_OF = re.compile(r"^government of [A-Z]")
_ARTICLE_NAME = re.compile(r"^al[- ][A-Z]")


def proper(value: str, rtype: str | None = None) -> str | None:
    """The proper-name form of an entity value, or None for a generic nominal.

    A capitalised value is kept (less a leading article), and so is an Arabic name with a lower-case
    article ("al Qaeda in Iraq", "al-Hilla"). With ``rtype`` (a re3d entity type), a
    lower-case-initial phrase keeps the proper name it ends with, when it has one: for a Location
    "the village of Tuloul Naser" -> "Tuloul Naser"; for any type "insurgent-held Karabilah" ->
    "Karabilah", "lieutenant Muath al-Kasasbeh" -> "Muath al-Kasasbeh"; "the government of Iraq"
    stays whole. Otherwise a lower-case phrase is a generic nominal ("the town", "people").
    """
    v = _POSSESSIVE.sub("", _LEADING.sub("", value.strip()))
    if not v:
        return None
    if not (v[0].isupper() or _ARTICLE_NAME.match(v)):
        if rtype is None:
            return None
        if not _GOVERNMENT_OF.match(v):
            m = (_OF_NAME.search(v) if rtype == "Location" else None) or _TAIL_NAME.search(v)
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
    clusters: dict[str, tuple[str, list[str]]] = field(
        default_factory=dict[str, tuple[str, list[str]]]
    )
    """Cluster key -> (kind, its surface forms)."""
    sources: set[str] = field(default_factory=set[str])
    spans: list[tuple[int, int]] = field(default_factory=list[tuple[int, int]])
    """Every evidence span of the article's gold items."""
    counts: list[tuple[int, int, int, str, bool]] = field(
        default_factory=list[tuple[int, int, int, str, bool]]
    )
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
            forms_by_key.setdefault(a.entity or f"name:{norm(a.name)}", ("actor", set()))[1].add(
                a.name
            )
        for p in ev.places:
            forms_by_key.setdefault(p.entity or f"name:{norm(p.name)}", ("place", set()))[1].add(
                p.name
            )
        if ev.reported_by:
            out.sources.add(norm(ev.reported_by))
        for it in (ev, *ev.actors, *ev.places, *ev.counts):
            if it.span is not None:
                out.spans.append((it.span.start, it.span.end))
        for c in ev.counts:
            if c.span is not None:
                out.counts.append(
                    (
                        c.value,
                        c.span.start,
                        c.span.end,
                        f"{c.kind.value} {c.value} ({c.who or 'people'})",
                        c.optional or ev.optional,
                    )
                )
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
    r"structures|supply|oil|artillery|mortar|UAV|weapons|refinement)\b",
    re.IGNORECASE,
)
QUANTITY_MEASURE = re.compile(
    r"(km|kilomet|miles?|m\b|ft|percent|%|square|year-old|years?|months?|hours?|a year)",
    re.IGNORECASE,
)


def auto_review(n: str, begin: int, text: str, gold: GoldNames, rtype: str) -> tuple[str, bool]:
    """A review of a name miss from its position: (review, needs a written review)."""
    if any(n == s or s in n or (len(n) > 3 and n in s) for s in gold.sources):
        return "the source the article cites (reported_by), not an actor", False
    inside = any(s <= begin < e for s, e in gold.spans)
    sent = sentence_of(text, begin).lower()
    if rtype == "Person" and re.search(r"\b(said|says|told|added|noted|replied|tells)\b", sent):
        return "a speaker, not an event argument", False
    if not inside:
        return (
            "outside every gold evidence quote: background or context, not an event argument",
            False,
        )
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
        """Add another tally into this one."""
        for k, v in other.values.items():
            self.values[k] += v

    def __getitem__(self, k: str) -> int:
        return self.values[k]


def check_article(
    aid: str, rec: dict, doc: GoldDocument, gs_aliases: dict[str, list[str]], show_all: bool
) -> tuple[Tally, list[str], int]:
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
        v = proper(ent["value"], ent["type"])
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
            lines.append(
                f"- `{short}` re3d {rtype} **{v}**: found as a gold {other_kind} "
                f"({hit[0]}, {hit[1]})"
            )
            continue
        review = REVIEWS.get((short, n))
        if review is None:
            review, needs = auto_review(n, begin, text, gold, rtype)
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
    # re3d numbers: Quantity entities, and the Organisation/Person entities it writes for counted
    # people ("15 civilians", "at least 35 more innocent civilians", "scores of others").
    quants = []
    for ent in rec["raw"]["entities"]:
        readings = read_numbers(ent["value"])
        if ent["type"] == "Quantity" and readings:
            quants.append((readings[0].value, ent["begin"], ent["end"], ent["value"], "Quantity"))
        elif ent["type"] in ("Organisation", "Person") and readings and readings[0].start == 0:
            quants.append((readings[0].value, ent["begin"], ent["end"], ent["value"], ent["type"]))
    gold_values = {c[0] for c in gold.counts}
    for value, _b, e, surface, qtype in sorted(quants, key=lambda q: q[1]):
        t.values["q"] += 1
        if value in gold_values:
            t.values["q_found"] += 1
            if show_all:
                lines.append(f"- `{short}` re3d {qtype} **{surface}**: found")
            continue
        after = text[e : e + 45].split("\n")[0]
        review = REVIEWS.get((short, f"q:{surface}")) or quantity_review(surface, after)
        if review is None:
            unreviewed += 1
            review = "UNREVIEWED"
        lines.append(
            f'- `{short}` re3d {qtype} **{surface}** ("…{surface}{after}…", no gold '
            f"count): {review}"
        )
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
        lines.append(
            f"- `{short}` gold count **{label}**{' (optional)' if optional else ''} "
            f"(no re3d number with this value): {review}"
        )
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
            f"{t['q_found']}/{t['q']} | {t['c_found']}/{t['c']} |"
        )

    def both(kind: str, side: str) -> str:
        n = total[f"{side}_{kind}"]
        strict = total[f"{side}_{kind}_strict"]
        return f"{pct(strict, n)} | {pct(strict + total[f'{side}_{kind}_cont'], n)}"

    print("## Gold v1 against re3d's own annotations\n")
    print(
        f"{len(rows)} re3d articles of the gold set. re3d proper names only (Location; "
        "Organisation and Person), compared by `extractor.scoring.norm` with the gold entity "
        'clusters and the alias table; "strict" is equality after `norm` (or every part of a '
        '"Place, Country" value), "with containment" adds re3d names whose tokens contain a '
        "gold name's.\n"
    )
    print("| what | strict | with containment |")
    print("|---|---|---|")
    print(f"| re3d Location names found among gold places | {both('place', 'r')} |")
    print(f"| re3d Organisation/Person names found among gold actors | {both('actor', 'r')} |")
    print(f"| gold proper-name place clusters found among re3d names | {both('place', 'g')} |")
    print(f"| gold proper-name actor clusters found among re3d names | {both('actor', 'g')} |")
    print(
        f"\nre3d names found only under the other kind: {total['r_place_other']} Location "
        f"names are gold actors, {total['r_actor_other']} Organisation/Person names are gold "
        "places.\n"
    )
    print("| counts | agreement |")
    print("|---|---|")
    print(
        "| re3d numbers (Quantity, numbered Organisation/Person) whose value is a gold count of "
        f"the article | "
        f"{pct(total['q_found'], total['q'])} |"
    )
    print(
        f"| gold counts whose value is a re3d number of the article | "
        f"{pct(total['c_found'], total['c'])} |"
    )
    print(
        "\n| article | subset | re3d places in gold (strict+cont./n) | re3d actors in gold | "
        "gold places in re3d | gold actors in re3d | re3d quantities in gold | gold counts in "
        "re3d |"
    )
    print("|---|---|---|---|---|---|---|---|")
    print("\n".join(rows))
    print(f"\n## Misses and their review ({unreviewed} unreviewed)\n")
    print("\n".join(listing))


if __name__ == "__main__":
    main()

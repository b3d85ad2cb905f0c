"""Every reading of dates: words to an ISO interval, the precision words name, date phrases.

- :func:`resolve`: the date words of an event to an interval, against the publication date
  ("on Wednesday", "Jan. 8", "since the end of April"...);
- :func:`word_precision`: the precision words name before they are resolved;
- :func:`date_phrases`: the phrases of a text that ``resolve`` reads (constrained decoding offers
  them as the only dates a reply may write).

Deterministic; the model never computes dates. One calendar vocabulary serves all three.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from collections.abc import Iterator

from extractor.codebook import DatePrecision
from extractor.schema import EventDate

__all__ = [
    "MONTHS",
    "MONTH_ABBREVIATIONS",
    "WEEKDAYS",
    "date_phrases",
    "day_of_month_spans",
    "resolve",
    "word_precision",
]

WEEKDAYS: tuple[str, ...] = tuple(calendar.day_name)
"""Monday ... Sunday."""
MONTHS: tuple[str, ...] = tuple(m for m in calendar.month_name if m)
"""January ... December."""
MONTH_ABBREVIATIONS: tuple[str, ...] = (*(m for m in calendar.month_abbr if m), "Sept")
"""Jan ... Dec, and Sept."""

_WEEKDAYS = {name.lower(): i for i, name in enumerate(WEEKDAYS)}
_MONTHS = {
    **{name.lower(): i for i, name in enumerate(MONTHS, 1)},
    **{name.lower(): i for i, name in enumerate(MONTH_ABBREVIATIONS[:12], 1)},
    "sept": 9,
}
_MONTH_RE = "|".join(sorted(_MONTHS, key=len, reverse=True))

_DAY_MONTH = re.compile(
    rf"\b(\d{{1,2}})(?:st|nd|rd|th)?\s+({_MONTH_RE})\.?(?:,?\s+(\d{{4}}))?\b", re.I
)
_MONTH_DAY = re.compile(
    rf"\b({_MONTH_RE})\.?\s+(\d{{1,2}})(?:st|nd|rd|th)?\b(?:,?\s+(\d{{4}}))?", re.I
)
_MONTH_YEAR = re.compile(rf"\b({_MONTH_RE})\.?\s+(\d{{4}})\b", re.I)
_MONTH_ONLY = re.compile(
    rf"\b(?:end of|beginning of|start of|early|late|mid-?)?\s*({_MONTH_RE})\b", re.I
)
_YEAR = re.compile(r"\b(19\d\d|20\d\d)\b")


def _recent(published: dt.date, month: int, day: int) -> dt.date | None:
    """The most recent month/day on or before publication (news reports the past)."""
    for year in (published.year, published.year - 1):
        try:
            candidate = dt.date(year, month, day)
        except ValueError:
            return None
        if candidate <= published:
            return candidate
    return None


def _month_span(year: int, month: int) -> tuple[dt.date, dt.date] | None:
    """The first and last day of a month; None for a year no date has ("May 0000")."""
    if not dt.MINYEAR <= year <= dt.MAXYEAR:
        return None
    return dt.date(year, month, 1), dt.date(year, month, calendar.monthrange(year, month)[1])


def resolve(date: EventDate, published: dt.date | None) -> EventDate:
    """Fill ``start``/``end`` (and the precision) from ``date.text``.

    Absolute dates with a year resolve without a publication date; relative words ("Wednesday",
    "yesterday", "since April") need one. What cannot be resolved is left as it was.
    """
    text = (date.text or "").strip()
    if not text:
        return date
    low = text.lower()

    def done(start: dt.date, end: dt.date, precision: DatePrecision) -> EventDate:
        return date.model_copy(update={"start": start, "end": end, "precision": precision})

    since = low.startswith("since") or " since " in f" {low}"
    if m := _DAY_MONTH.search(text) or _MONTH_DAY.search(text):
        groups = m.groups()
        day_s, month_s = (groups[0], groups[1]) if groups[0].isdigit() else (groups[1], groups[0])
        month, day = _MONTHS[month_s.lower().rstrip(".")], int(day_s)
        if groups[2]:
            try:
                day_date = dt.date(int(groups[2]), month, day)
            except ValueError:
                return date
        elif published:
            found = _recent(published, month, day)
            if found is None:
                return date
            day_date = found
        else:
            return date
        if since and published:
            return done(day_date, published, DatePrecision.DAY)
        return done(day_date, day_date, DatePrecision.DAY)
    if m := _MONTH_YEAR.search(text):
        span = _month_span(int(m.group(2)), _MONTHS[m.group(1).lower()])
        if span is None:
            return date
        start, end = span
        if since and published:
            return done(start, published, DatePrecision.MONTH)
        return done(start, end, DatePrecision.MONTH)
    if published is None:
        if m := _YEAR.search(text):
            year = int(m.group(1))
            return done(dt.date(year, 1, 1), dt.date(year, 12, 31), DatePrecision.YEAR)
        return date
    for name, weekday in _WEEKDAYS.items():
        if re.search(rf"\b{name}\b", low):
            back = (published.weekday() - weekday) % 7
            day_date = published - dt.timedelta(days=back)
            if "overnight" in low or "night" in low:
                return done(day_date - dt.timedelta(days=1), day_date, DatePrecision.DAY)
            return done(day_date, day_date, DatePrecision.DAY)
    if "yesterday" in low:
        day_date = published - dt.timedelta(days=1)
        return done(day_date, day_date, DatePrecision.DAY)
    if "overnight" in low or "last night" in low:
        return done(published - dt.timedelta(days=1), published, DatePrecision.DAY)
    if re.search(r"\btoday\b|\bthis morning\b|\bearlier today\b", low):
        return done(published, published, DatePrecision.DAY)
    if "last week" in low or "this week" in low or "past week" in low:
        return done(published - dt.timedelta(days=7), published, DatePrecision.WEEK)
    if m := _MONTH_ONLY.search(text):
        month = _MONTHS[m.group(1).lower()]
        year = published.year if month <= published.month else published.year - 1
        span = _month_span(year, month)
        if span is None:  # January of year 1
            return date
        start, end = span
        if since:
            return done(start, published, DatePrecision.MONTH)
        return done(start, end, DatePrecision.MONTH)
    if m := _YEAR.search(text):
        year = int(m.group(1))
        if since:
            return done(dt.date(year, 1, 1), published, DatePrecision.YEAR)
        return done(dt.date(year, 1, 1), dt.date(year, 12, 31), DatePrecision.YEAR)
    return date


_DAY_WORDS = ("day", "night", "morning", "evening", "yesterday", "today")


def word_precision(date: str | None) -> DatePrecision:
    """The precision date words name on their own ("on Monday": day; "last week": week).

    A first guess, before :func:`resolve` knows the publication date; ``resolve`` replaces it when
    it can resolve the words.
    """
    if not date:
        return DatePrecision.UNKNOWN
    low = date.lower()
    if any(w in low for w in _DAY_WORDS) or any(ch.isdigit() for ch in low):
        return DatePrecision.DAY
    if "week" in low:
        return DatePrecision.WEEK
    if "month" in low or "since" in low:
        return DatePrecision.MONTH
    return DatePrecision.UNKNOWN


_WD = "|".join(WEEKDAYS)
_MON = "|".join(sorted({*MONTHS, *MONTH_ABBREVIATIONS}, key=len, reverse=True))
_DAYNUM = r"\d{1,2}(?:st|nd|rd|th)?"
_PHRASE_MONTH_DAY = rf"(?:{_MON})\.?\s+{_DAYNUM}\b(?:,?\s+(?:19|20)\d\d)?"
_PHRASE_DAY_MONTH = rf"\b{_DAYNUM}\s+(?:{_MON})\b\.?(?:,?\s+(?:19|20)\d\d)?"
_DAY_OF_MONTH = re.compile(f"{_PHRASE_MONTH_DAY}|{_PHRASE_DAY_MONTH}")
"""A day of a month written with its month: "Jan. 9", "30 November"."""
_PART = r"(?:\s+(?i:morning|afternoon|evening|night))?"
_DATE = re.compile(
    rf"(?:(?P<prep>(?i:on|in|since|from|until|by|early|late|earlier|later|last|this|overnight))"
    rf"\s+)?(?P<core>"
    rf"(?i:overnight)\s+(?:on\s+)?(?:{_WD})"
    rf"|(?:{_WD})\s+(?i:overnight)"
    rf"|(?:{_WD}),?\s+(?:{_PHRASE_MONTH_DAY}|{_PHRASE_DAY_MONTH})"
    rf"|(?:{_WD}){_PART}"
    rf"|{_PHRASE_MONTH_DAY}|{_PHRASE_DAY_MONTH}"
    rf"|(?:(?:the\s+)?(?i:end|beginning|start|middle)\s+of\s+|(?i:early|late)\s+|mid-)?"
    rf"(?:(?:{_MON})\.?\s+(?:19|20)\d\d\b|(?:{'|'.join(MONTHS)})\b)"
    rf"|(?i:overnight|last\s+night|yesterday|earlier\s+today|today|this\s+morning"
    rf"|this\s+(?:afternoon|evening|week)|last\s+week|past\s+week)\b"
    rf"|(?<![\d,.])(?:19|20)\d\d(?!\d|,\d)"
    rf")"
)
"""Date phrases :func:`resolve` can read, with the preposition before them."""


_SINCE = re.compile(r"\b[Ss]ince\b[^.;:,\n]*$")
_SINCE_REACH = 120


def date_phrases(text: str) -> Iterator[str]:
    """The date phrases of a text that :func:`resolve` reads, as written, in order.

    Each with and without its preposition ("on Wednesday", "Wednesday"), and a "since ..." clause
    before a date kept whole, as it changes the interval.
    """
    for m in _DATE.finditer(text):
        yield m.group(0)
        yield m.group("core")
        # "since it started ... in 2011": ``resolve`` reads "since" anywhere before the date, and
        # it turns the year into an interval that runs to publication.
        since = _SINCE.search(text, max(0, m.start() - _SINCE_REACH), m.start())
        if since and (m.group("prep") or "").lower() != "since":
            yield text[since.start() : m.end()]


def day_of_month_spans(text: str) -> list[tuple[int, int]]:
    """Where a text names a day of a month ("Jan. 9", "30 November"): such a number is no count."""
    return [m.span() for m in _DAY_OF_MONTH.finditer(text)]

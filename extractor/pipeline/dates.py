"""Resolve the date words of an event to an ISO interval against the publication date.

"on Wednesday", "Jan. 8", "since the end of April"... Deterministic; the model never computes dates.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re

from extractor.codebook import DatePrecision
from extractor.schema import EventDate

_WEEKDAYS = {name.lower(): i for i, name in enumerate(calendar.day_name)}
_MONTHS = {
    **{name.lower(): i for i, name in enumerate(calendar.month_name) if name},
    **{name.lower(): i for i, name in enumerate(calendar.month_abbr) if name},
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


def _month_span(year: int, month: int) -> tuple[dt.date, dt.date]:
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
        start, end = _month_span(int(m.group(2)), _MONTHS[m.group(1).lower()])
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
        start, end = _month_span(year, month)
        if since:
            return done(start, published, DatePrecision.MONTH)
        return done(start, end, DatePrecision.MONTH)
    if m := _YEAR.search(text):
        year = int(m.group(1))
        if since:
            return done(dt.date(year, 1, 1), published, DatePrecision.YEAR)
        return done(dt.date(year, 1, 1), dt.date(year, 12, 31), DatePrecision.YEAR)
    return date

import datetime as dt

import pytest

from extractor.pipeline.dates import resolve
from extractor.schema import EventDate

PUB = dt.date(2019, 8, 7)  # a Wednesday


@pytest.mark.parametrize(
    ("text", "published", "start", "end", "precision"),
    [
        ("on Wednesday", PUB, "2019-08-07", "2019-08-07", "day"),
        ("on Monday", PUB, "2019-08-05", "2019-08-05", "day"),
        ("Friday", PUB, "2019-08-02", "2019-08-02", "day"),
        ("overnight", PUB, "2019-08-06", "2019-08-07", "day"),
        ("yesterday", PUB, "2019-08-06", "2019-08-06", "day"),
        ("since the end of April", PUB, "2019-04-01", "2019-08-07", "month"),
        ("since 2011", PUB, "2011-01-01", "2019-08-07", "year"),
        ("Jan. 8", dt.date(2017, 1, 11), "2017-01-08", "2017-01-08", "day"),
        ("Dec. 15", dt.date(2017, 1, 11), "2016-12-15", "2016-12-15", "day"),
        ("4 February 2015", None, "2015-02-04", "2015-02-04", "day"),
        ("November 2005", None, "2005-11-01", "2005-11-30", "month"),
        ("last week", PUB, "2019-07-31", "2019-08-07", "week"),
    ],
)
def test_resolve(
    text: str, published: dt.date | None, start: str, end: str, precision: str
) -> None:
    got = resolve(EventDate(text=text), published)
    assert (str(got.start), str(got.end), got.precision.value) == (start, end, precision)


@pytest.mark.parametrize("text", ["on Wednesday", "Jan. 8", None, "at some point"])
def test_unresolvable_without_publication_date(text: str | None) -> None:
    got = resolve(EventDate(text=text), None)
    assert got.start is None and got.end is None


@pytest.mark.parametrize("text", ["May 0000", "since May 0000", "3 May 0000", "in December"])
def test_a_year_no_calendar_has_is_left_unresolved(text: str) -> None:
    # published in January of year 1: "December" would be in year 0
    got = resolve(EventDate(text=text), dt.date(1, 1, 5))
    assert got.start is None and got.end is None  # no exception: it stays unresolved

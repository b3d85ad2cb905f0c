import pytest

from extractor.codebook import Qualifier
from extractor.pipeline.numbers import read_numbers, supports_value, words_to_int

E, A, L, M, R = (
    Qualifier.EXACT,
    Qualifier.APPROXIMATE,
    Qualifier.AT_LEAST,
    Qualifier.AT_MOST,
    Qualifier.RANGE,
)

# (phrase, [(value, qualifier, vague, upper), ...]) — every number phrase of the seed is here.
CASES = [
    ("killed nearly 30 combatants overnight", [(30, A, False, None)]),
    (
        "killed 10 regime loyalists and 18 opposition fighters, including 13 extremists",
        [(10, E, False, None), (18, E, False, None), (13, E, False, None)],
    ),
    ("have killed more than 800 civilians since the end of April", [(800, L, False, None)]),
    ("pushed 400,000 people from their homes", [(400_000, E, False, None)]),
    ("to protect three million people living in the region", [(3_000_000, E, False, None)]),
    ("after three months of deadly bombardment", [(3, E, False, None)]),
    ("has killed more than 370,000 people", [(370_000, L, False, None)]),
    ("his brother (2nd-R) and former neighbours", []),
    ("since it started in 2011", []),
    ("a dozen soldiers", [(12, E, False, None)]),
    ("dozens of people were killed", [(12, L, True, None)]),
    ("tens of civilians", [(10, L, True, None)]),
    ("hundreds of families fled", [(100, L, True, None)]),
    ("thousands fled", [(1000, L, True, None)]),
    ("tens of thousands were displaced", [(10_000, L, True, None)]),
    ("hundreds of thousands have fled", [(100_000, L, True, None)]),
    ("scores of others were injured", [(20, L, True, None)]),
    ("At least 43 people have been killed", [(43, L, False, None)]),
    ("about 200 fighters", [(200, A, False, None)]),
    ("around 1,500 families", [(1500, A, False, None)]),
    ("almost 60 wounded", [(60, A, False, None)]),
    ("some 8,000 people fled", [(8000, A, False, None)]),
    ("an estimated 2,000 residents", [(2000, A, False, None)]),
    ("up to 50 killed", [(50, M, False, None)]),
    ("fewer than 20 soldiers", [(20, M, False, None)]),
    ("as many as 70 members", [(70, M, False, None)]),
    ("over 100 dead", [(100, L, False, None)]),
    ("between 10 and 15 people", [(10, R, False, 15)]),
    ("10-15 people", [(10, R, False, 15)]),
    ("five to seven soldiers", [(5, R, False, 7)]),
    ("1.5 million refugees", [(1_500_000, E, False, None)]),
    ("twenty-five soldiers", [(25, E, False, None)]),
    ("one hundred and twenty detainees", [(120, E, False, None)]),
    ("three people were wounded", [(3, E, False, None)]),
    ("Seventy members of the tribe", [(70, E, False, None)]),
    ("half a million people", [(500_000, E, False, None)]),
    ("2.3m people", [(2_300_000, E, False, None)]),
    ("a 10-year-old boy", [(10, E, False, None)]),
    ("killed 139 insurgents and detained 256", [(139, E, False, None), (256, E, False, None)]),
    ("On Jan. 8, 34 strikes", [(8, E, False, None), (34, E, False, None)]),
    ("in 2015-2016", []),
    ("no fewer than 12 bodies", [(12, L, False, None)]),
]


@pytest.mark.parametrize(("phrase", "expected"), CASES, ids=[c[0][:40] for c in CASES])
def test_read_numbers(phrase: str, expected: list[tuple[int, Qualifier, bool, int | None]]) -> None:
    got = [(r.value, r.qualifier, r.vague, r.upper) for r in read_numbers(phrase)]
    assert got == expected


def test_at_least_forty_phrasings() -> None:
    assert len(CASES) >= 40


@pytest.mark.parametrize(
    ("words", "value"),
    [
        ("three million", 3_000_000),
        ("400,000", 400_000),
        ("twenty-five", 25),
        ("one", 1),
        ("a hundred", 100),
        ("seven thousand five hundred", 7500),
        ("nonsense", None),
        ("", None),
    ],
)
def test_words_to_int(words: str, value: int | None) -> None:
    assert words_to_int(words) == value


def test_offsets_point_at_the_phrase() -> None:
    text = "Clashes killed nearly 30 combatants."
    (r,) = read_numbers(text)
    assert text[r.start : r.end] == "nearly 30"


def test_supports_value() -> None:
    assert supports_value("killed 18 opposition fighters", 18) is not None
    assert supports_value("killed 18 opposition fighters", 28) is None  # never a sum
    assert supports_value("a soldier was killed", 1) is not None
    assert supports_value("soldiers were killed", 1) is None
    assert supports_value("between 10 and 15 people", 10, 15) is not None

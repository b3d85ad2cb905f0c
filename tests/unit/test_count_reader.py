"""The tests' own reader of counts of people (``tests/count_reader.py``), one scenario a row.

The ``local_llm`` tier checks the model's counts with it, so it must refuse what grounding's
``supports_value`` lets through (an age, a date, a unit, a count of things), which the first table
shows side by side, and accept the counts the seed article and other gold articles state.
"""

from __future__ import annotations

import pytest

from extractor.pipeline.numbers import supports_value
from tests.count_reader import read_counts, states_count_of_people

# (evidence, value): grounding accepts the value; it is no count of people
NOT_PEOPLE = [
    ("a 10-year-old boy was killed in the shelling", 10),
    ("Girl, 7, Shot as Myanmar Regime Forces Attack Protesters", 7),
    ("Scott C. Dayton, 42, of Woodbridge, Virginia, died Nov. 24 in northern Syria.", 42),
    ("Scott C. Dayton, 42, of Woodbridge, Virginia, died Nov. 24 in northern Syria.", 24),
    ("Two people were killed on 15 September in the north.", 15),
    ("Shelling 5 km away killed a man.", 5),
    ("after three months of deadly bombardment by the regime", 3),
    ("Russian jets had executed four airstrikes on the vicinity of Sfohen district.", 4),
    ("the roadblock on Alaungpaya Road at 6:30 a.m.", 6),
    ("the Iraqis have cleared 15 to 20 percent of the city", 20),
    ("HTS refused to comply with a key condition to that truce.", 1),
    ("Coalition aircraft destroyed 14 ISIL tanks and other equipment.", 14),
]


@pytest.mark.parametrize(("text", "value"), NOT_PEOPLE)
def test_refuses_what_grounding_accepts_but_counts_no_people(text: str, value: int) -> None:
    assert supports_value(text, value) is not None  # why the tier needs a reader of its own
    assert not states_count_of_people(text, value), read_counts(text)


SEED_1 = (
    "Regime loyalists captured a town and a village from extremists and allied rebels in northwest"
    " Syria on Wednesday, after fierce clashes that killed nearly 30 combatants overnight, a war"
    " monitor said."
)
SEED_3 = (
    "It said the clashes overnight killed 10 regime loyalists and 18 opposition fighters,"
    " including 13 extremists."
)
SEED_17 = (
    "Syria's conflict has killed more than 370,000 people and driven millions from their homes"
    " since it started with the brutal repression of anti-government protests in 2011."
)

# (evidence, value, upper): a count of people, stated
PEOPLE = [
    (SEED_1, 30, None),
    (SEED_3, 10, None),
    (SEED_3, 18, None),
    (SEED_3, 13, None),
    (SEED_17, 370_000, None),
    (SEED_17, 1_000_000, None),  # "millions" (ACLED's value), driven from their homes
    ("Instead, attacks have killed more than 800 civilians since the end of April.", 800, None),
    ("It has also pushed 400,000 people from their homes, according to the UN.", 400_000, None),
    ("to protect three million people living in the region", 3_000_000, None),
    ("SANAA, Aug. 10 (Xinhua) -- Thirteen Houthis were killed in an airstrike", 13, None),
    ("A 7-year-old girl was shot when regime forces launched an assault", 1, None),
    ("At least 10 U.S. Marines and an unknown number of Iraqi soldiers died.", 10, None),
    ("Some 145 Iranian-backed militiamen of non-Syrian nationalities", 145, None),
    ("19 members of regime forces and loyalists were killed", 19, None),
    ("killed 10 and wounded 18 others", 10, None),
    ("killed 10 and wounded 18 others", 18, None),
    ("High-ranking officials were among the 13 killed.", 13, None),
    ("three were wounded in the blast", 3, None),
    ("Thousands of civilians, separatist fighters, and soldiers have been killed", 1_000, None),
    ("dozens of civilians fled", 12, None),
    ("tens of thousands of people", 10_000, None),
    ("three hundred and twenty-five people", 325, None),
    ("1.5 million people have been displaced", 1_500_000, None),
    ("between 10 and 15 people were killed", 10, 15),
    ("20-25 civilians were killed", 20, 25),
    ("About 8,000 of Darayya's population of 80,000 have fled.", 8_000, None),
    ("causing fires but no casualties", 0, None),
    ("قتل 12 شخصا", 12, None),  # no English to judge by: stated is all it can tell
]


@pytest.mark.parametrize(("text", "value", "upper"), PEOPLE)
def test_accepts_a_stated_count_of_people(text: str, value: int, upper: int | None) -> None:
    assert states_count_of_people(text, value, upper), read_counts(text)


@pytest.mark.parametrize(
    ("text", "value", "upper"),
    [
        (SEED_3, 28, None),  # the sum of two stated counts is not stated
        (SEED_3, 10, 18),  # two counts, not a range
        (SEED_1, 1, None),  # "a village": no one
        ("three million people", 3, None),
        ("Since November 2020, seven humanitarian workers have been killed.", 2020, None),
        ("A Syrian sits for tea with his brother (2nd-R) at his destroyed home.", 2, None),
        ("قتل 12 شخصا", 13, None),
    ],
)
def test_refuses_a_value_not_stated(text: str, value: int, upper: int | None) -> None:
    assert not states_count_of_people(text, value, upper), read_counts(text)


def test_reads_every_number_of_a_sentence_with_its_reason() -> None:
    readings = read_counts(
        "On April 4, at least four soldiers were killed 5 km from a 10-year-old's home."
    )
    assert [(r.value, r.people, r.why) for r in readings] == [
        (4, False, "date"),
        (4, True, "person noun"),
        (5, False, "unit"),
        (1, False, "no person"),
        (10, False, "age"),
    ]

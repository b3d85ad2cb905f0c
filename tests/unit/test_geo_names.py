"""Folding, keys and name parsing of the geocoder (pure functions)."""

from __future__ import annotations

import pytest

from extractor.geo import fold, name_key, parse, skeleton


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("Al-Latamneh", "Al Lataminah"),
        ("Kafr Zita", "Kafr Zayt\u0101"),
        ("Kafer Zita", "Kafr Zita"),
        ("Khan Sheikhun", "Kh\u0101n Shaykh\u016bn"),
        ("Deir Ezzor", "Dayr az Zawr"),
        ("Deir ez-Zor governorate", "Deir Ezzor"),
        ("Hamah governorate", "Hama"),
        ("Al-Sanamin", "As Sanamayn"),
        ("Maarrat Al-Nu\u2019man", "Ma\u2018arrat an Nu\u2018m\u0101n"),
        ("Sheikh Maskeen", "Shaykh Misk\u012bn"),
        ("Wardak", "Vardak"),
    ],
)
def test_transliterations_share_a_skeleton(a: str, b: str) -> None:
    assert skeleton(a) == skeleton(b)


@pytest.mark.parametrize(
    ("a", "b"),
    [("Kafr Sita", "Kafr Zita"), ("Homs", "Hama"), ("Shan", "Chin")],
)
def test_different_names_keep_different_skeletons(a: str, b: str) -> None:
    assert skeleton(a) != skeleton(b)


@pytest.mark.parametrize(
    ("name", "key"),
    [
        ("Al-Latamneh", "latamneh"),
        ("Deir ez-Zor governorate", "deirzor"),
        ("Deir Ezzor", "deirzor"),
        ("Yaung Maw village", "yaungmaw"),
        ("Nkanu West Local Government Area", "nkanuwest"),
        ("Qala-e-Naw", "qalanaw"),
        ("the province", ""),
        ("", ""),
    ],
)
def test_name_key(name: str, key: str) -> None:
    assert name_key(name) == key


def test_fold() -> None:
    assert fold("Ḩamāh") == "hamah"
    assert fold("Ma\u2018arrat an-Nu\u2018m\u0101n") == "maarrat an numan"
    assert fold("Łódź / Øresund") == "lodz oresund"
    assert fold("حماة") == ""


@pytest.mark.parametrize(
    ("name", "bases", "near", "parts"),
    [
        ("Kafr Zita", ("kafr zita",), (False,), ()),
        ("outskirts of Idlib", ("outskirts of idlib", "idlib"), (False, True), ()),
        (
            "eastern countryside of Deir Ezzor",
            ("eastern countryside of deir ezzor", "deir ezzor"),
            (False, True),
            (),
        ),
        (
            "Ras al-Ain/Sri Kanye",
            ("ras al ain sri kanye", "ras al ain", "sri kanye"),
            (False, False, False),
            (),
        ),
        (
            "Abu Raseen (Zarkan)",
            ("abu raseen zarkan", "abu raseen", "zarkan"),
            (False, False, False),
            (),
        ),
        ("Bali market", ("bali market", "bali"), (False, True), ()),
        (
            "Homs, Hama and Deir Ezzor",
            ("homs hama and deir ezzor",),
            (False,),
            ("Homs", "Hama", "Deir Ezzor"),
        ),
        ("   ", (), (), ()),
    ],
)
def test_parse(
    name: str, bases: tuple[str, ...], near: tuple[bool, ...], parts: tuple[str, ...]
) -> None:
    parsed = parse(name)
    assert (parsed.bases, parsed.near, parsed.parts) == (bases, near, parts)

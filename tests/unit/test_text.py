"""The text utilities: folding keeps offsets, sentences keep their abbreviations, one text hash."""

import hashlib

from extractor.text import fold, sha256, split_sentences


def test_fold_keeps_offsets_for_non_ascii() -> None:
    text = "Al-Arba\u2019een  village"
    folded = fold(text)
    assert folded.text == "al-arba'een village"
    assert len(folded.index) == len(folded.text)
    assert text[folded.index[-1]] == "e"


def test_split_sentences_keeps_abbreviations(seed_text: str) -> None:
    spans = split_sentences(seed_text)
    assert len(spans) == 18
    text = "On Jan. 8, Coalition forces struck. Gen. Votel said so."
    assert [text[a:b] for a, b in split_sentences(text)] == [
        "On Jan. 8, Coalition forces struck.",
        "Gen. Votel said so.",
    ]


def test_sha256_is_the_utf8_digest_of_the_text() -> None:
    text = "Al-Arba\u2019een, Hama"
    assert sha256(text) == hashlib.sha256(text.encode("utf-8")).hexdigest()

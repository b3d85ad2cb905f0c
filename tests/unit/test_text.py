"""The text utilities: folding keeps offsets, sentences keep their abbreviations, one text hash."""

import hashlib
import unicodedata

from extractor.text import MAX_SENTENCE_CHARS, fold, sha256, split_sentences


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


def test_fold_matches_decomposed_text_with_precomposed_quotes() -> None:
    precomposed = "Saint-\u00c9tienne, near H\u00f4pital G\u00e9n\u00e9ral"
    decomposed = unicodedata.normalize("NFD", precomposed)
    assert decomposed != precomposed
    article, quote = fold(decomposed), fold("H\u00f4pital")
    assert article.text == fold(precomposed).text
    pos = article.text.find(quote.text)
    span = decomposed[article.index[pos] : article.index[pos + len(quote.text) - 1] + 1]
    assert unicodedata.normalize("NFC", span) == "H\u00f4pital"  # the whole cluster, mark included


def test_fold_keeps_one_offset_per_character_of_marks_that_do_not_compose() -> None:
    text = "\u0628\u064e\u0644\u062f"  # Arabic with a fatha: no precomposed form
    folded = fold(text)
    assert folded.text == text and folded.index == (0, 1, 2, 3)


def test_a_sentence_without_punctuation_is_cut_into_bounded_pieces() -> None:
    text = "Gunmen attacked the village " * 20_000  # 560,000 characters, no full stop
    spans = split_sentences(text)
    assert max(e - s for s, e in spans) <= MAX_SENTENCE_CHARS
    assert all(text[s] != " " and text[e - 1] != " " for s, e in spans)  # cut at whitespace
    assert sum(len(text[s:e].split()) for s, e in spans) == len(text.split())  # no word lost
    solid = "x" * (2 * MAX_SENTENCE_CHARS + 5)  # no whitespace at all: hard cuts
    assert split_sentences(solid) == [
        (0, MAX_SENTENCE_CHARS),
        (MAX_SENTENCE_CHARS, 2 * MAX_SENTENCE_CHARS),
        (2 * MAX_SENTENCE_CHARS, 2 * MAX_SENTENCE_CHARS + 5),
    ]

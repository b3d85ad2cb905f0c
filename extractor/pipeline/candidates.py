"""What a text could supply to a reply: its numbers, names and dates, read deterministically.

:func:`candidates` reads, without a model, the values a reply about a sentence (or an article) may
use; constrained decoding (``constrain.py``) turns them into enums of the reply's JSON schema, and
a backend that cannot constrain its decoding gets them as advice (:func:`candidates_hint`).

- numbers: the set grounding accepts (``numbers.supports_value``) less the days of dates ("Jan.
  9"): every reading's value, every range's upper end, and 1 when a singular article stands for
  a count ("a soldier was killed");
- names: the text's name spans (a small tokenizer and name finder below) and actor noun groups
  ("regime loyalists", "Coalition military forces"), surface forms exactly as written;
- dates: the phrases ``dates.resolve`` reads (``dates.date_phrases``).

The ceiling these set, measured on gold v1 (candidates of each gold item's sentence, names
compared by scoring's ``norm``): places 226/232, actors 291/305, count values 39/41 (both misses
are counts of 1 that grounding rejects too).

Candidates are a superset by design (nationality adjectives, a person's name, the population
figure "three million" all pass): choosing among them is the prompt's job, and grounding still
checks every item afterwards.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TypeVar

from extractor.pipeline.dates import (
    MONTH_ABBREVIATIONS,
    MONTHS,
    WEEKDAYS,
    date_phrases,
    day_of_month_spans,
)
from extractor.pipeline.numbers import read_numbers, supports_value, words_to_int
from extractor.text import split_sentences

_T = TypeVar("_T")

__all__ = ["ACTOR_HEADS", "Candidates", "candidates", "candidates_hint"]

# --- lexicons -------------------------------------------------------------------------------------

ACTOR_HEADS: frozenset[str] = frozenset({
    # armed actors
    "army", "coalition", "combatants", "extremists", "fighter", "fighters", "force", "forces",
    "government", "guards", "gunmen", "insurgent", "insurgents", "jihadists", "loyalists",
    "marines", "mercenaries", "militant", "militants", "militia", "militias", "militiamen",
    "officers", "opposition", "paramilitaries", "personnel", "police", "policeman", "policemen",
    "rebel", "rebels", "regime", "separatists", "soldier", "soldiers", "terrorists", "tribesmen",
    "troops", "aircraft", "aircrew", "jets", "warplanes", "advisers", "advisors", "group",
    "groups", "tribe", "tribes", "community", "member", "members", "battalion", "brigade", "unit",
    # victims and crowds
    "children", "citizens", "civilian", "civilians", "demonstrators", "families", "men",
    "mourners", "people", "protesters", "protestors", "residents", "villagers", "women",
    "worshippers",
})  # fmt: skip
"""Head nouns of actor noun groups: "regime loyalists", "Coalition military forces", "civilians"."""

# Lowercase words that may modify an actor head; other lowercase words (mostly verbs: "support",
# "pursue") end the group. Adjective endings and hyphenated forms ("pro-Assad", "US-led") pass too.
_MODIFIER_WORDS = frozenset({
    "air", "border", "coast", "defence", "defense", "elite", "enemy", "foreign", "former",
    "ground", "intelligence", "navy", "peacekeeping", "riot", "security", "service", "state",
    "unknown",
})  # fmt: skip
_ADJECTIVE = re.compile(r"(?:al|ary|ic|ian|ish|ive|ent|ant|ous|ist|ed|-\w+)$")
# Heads that name no actor alone: "people" is a population the prompt excludes, "innocent people"
# an actor; "force" alone is "by force", "Iraqi security force" a force.
_NEEDS_MODIFIER = frozenset({
    "children", "community", "families", "force", "member", "men", "people", "unit", "women",
})  # fmt: skip

_STOP = frozenset({
    "a", "about", "according", "after", "against", "all", "almost", "also", "among", "an",
    "and", "another", "are", "around", "as", "at", "be", "been", "before", "being", "between",
    "both", "but", "by", "can", "could", "did", "do", "does", "down", "during", "each", "even",
    "every", "few", "first", "for", "from", "had", "has", "have", "he", "her", "here", "him",
    "his", "how", "if", "in", "including", "into", "is", "it", "its", "just", "last", "least",
    "many", "may", "might", "more", "most", "must", "my", "near", "nearly", "next", "no", "nor",
    "not", "now", "of", "off", "on", "only", "or", "other", "our", "out", "over", "per",
    "said", "say", "says", "several", "she", "should", "since", "so", "some", "still", "such",
    "than", "that", "the", "their", "them", "then", "there", "these", "they", "this", "those",
    "to", "told", "under", "until", "up", "us", "via", "was", "we", "were", "what", "when",
    "where", "which", "while", "who", "whom", "whose", "will", "with", "without", "would",
    "your", "dozens", "hundreds", "thousands", "millions", "scores", "tens", "dozen",
    # verbs that look like adjectives to _ADJECTIVE ("sent troops", "assist Iraqi forces")
    "arrive", "assist", "drive", "establish", "exist", "finish", "give", "grant", "insist",
    "live", "meant", "prevent", "punish", "receive", "resist", "sent", "spent", "survive",
    "want", "went",
})  # fmt: skip
"""Lowercase function words (and a few verbs): never part of an actor noun group."""

# Capitalised function words that start sentences but never names.
_CAP_STOP = frozenset(w.capitalize() for w in _STOP) | frozenset({
    "Although", "Because", "Despite", "Earlier", "However", "Instead", "Later", "Meanwhile",
    "I", "Once", "Though", "Today", "Tonight", "Why", "Yesterday", "Yet",
})  # fmt: skip

_CONNECTORS = frozenset({
    "al", "el", "bu", "bin", "ibn", "bint", "abu", "de", "du", "of", "the", "and", "for",
})  # fmt: skip
"""Lowercase words allowed inside a name: "Islamic State of Iraq and the Levant", "Al bu Nimr"."""
# A long name is also offered cut at these: "Moscow and Damascus" -> "Moscow", "Damascus".
_SPLITTERS = frozenset({"of", "the", "and", "for"})

_DIRECTIONS = frozenset({
    "north", "south", "east", "west", "central", "northern", "southern", "eastern", "western",
    "northeast", "northwest", "southeast", "southwest", "northeastern", "northwestern",
    "southeastern", "southwestern", "north-east", "north-west", "south-east", "south-west",
    "north-eastern", "north-western", "south-eastern", "south-western",
})  # fmt: skip
"""Lowercase directions offered with the place they precede: "northwest Syria"."""

_PLACE_SUFFIXES = frozenset({
    "province", "governorate", "region", "district", "city", "town", "village", "area",
    "countryside", "neighborhood", "neighbourhood", "suburb", "suburbs", "camp", "airport",
    "airbase", "base", "mosque", "valley", "mountains",
})  # fmt: skip
"""Lowercase words offered with the place they follow: "Hama province", "Idlib region"."""

# Acronyms are actors ("ISIL", "SDF"), except these countries, which are places too.
_COUNTRY_ACRONYMS = frozenset({"US", "U.S.", "USA", "U.S.A.", "UK", "U.K.", "UAE", "DRC"})
_ARABIC_ARTICLES = frozenset({"al", "el", "ad", "an", "ar", "as", "ash", "at", "ath", "az"})

_CALENDAR_WORDS = (
    frozenset(WEEKDAYS) | frozenset(MONTHS) | {m for m in MONTH_ABBREVIATIONS if m != "May"}
)

# --- tokens ---------------------------------------------------------------------------------------

# Initialisms ("U.S.", "U.S.-led"), then words with inner hyphens or apostrophes ("Al-Arba'een").
_TOKEN = re.compile(r"(?:[A-Z]\.){2,}(?:-\w+)*|\w+(?:[-'\u2019]\w+)*")
_ACRONYM = re.compile(r"(?:[A-Z]\.){2,}|[A-Z][A-Z0-9]*[A-Z](?:-[A-Z0-9]+)*")
_POSSESSIVE = re.compile(r"['\u2019]s$")
_ARTICLE_FORM = re.compile(r"(?:al|el|ad|an|ar|as|ash|at|ath|az)-[A-Z]")


@dataclass(frozen=True)
class _Token:
    text: str
    start: int
    end: int
    name_end: int
    """End of the part that can be a name: "US-led" -> "US"."""
    initial: bool
    """First word of a sentence."""

    @property
    def bare(self) -> str:
        """Lowercase, without a possessive."""
        return _POSSESSIVE.sub("", self.text).lower()

    @property
    def possessive(self) -> bool:
        return bool(_POSSESSIVE.search(self.text))


def _tokens(text: str) -> list[_Token]:
    starts = {_first_word(text, s) for s, _ in split_sentences(text)}
    out: list[_Token] = []
    for m in _TOKEN.finditer(text):
        word = m.group(0)
        name_end = m.end()
        parts = word.split("-")
        # "US-led", "Britain-based": only the capitalised prefix is a name.
        if len(parts) > 1 and word[0].isupper():
            for k, part in enumerate(parts[1:], start=1):
                if part[:1].islower():
                    name_end = m.start() + len("-".join(parts[:k]))
                    break
        out.append(_Token(word, m.start(), m.end(), name_end, m.start() in starts))
    return out


def _first_word(text: str, start: int) -> int:
    while start < len(text) and not (text[start].isalnum()):
        start += 1
    return start


def _adjacent(text: str, left: _Token, right: _Token) -> bool:
    """Only spaces between two tokens: no punctuation, no line break."""
    gap = text[left.end : right.start]
    return not gap.strip() and "\n" not in gap


# --- names ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Span:
    first: int
    last: int
    """Token indices, inclusive."""


def _name_like(tok: _Token, lowercase_words: frozenset[str]) -> bool:
    word = tok.text
    if _ARTICLE_FORM.match(word):
        return True
    if not word[0].isupper() or word in _CAP_STOP or _POSSESSIVE.sub("", word) in _CALENDAR_WORDS:
        return False
    # A capitalised sentence opener written lowercase elsewhere is a common word ("Regime ...").
    return not (tok.initial and word.lower() in lowercase_words)


def _name_spans(text: str, toks: list[_Token], lowercase_words: frozenset[str]) -> list[_Span]:
    named = [_name_like(t, lowercase_words) for t in toks]
    spans: list[_Span] = []
    i = 0
    while i < len(toks):
        if not named[i]:
            i += 1
            continue
        last, k = i, i + 1
        while not toks[last].possessive and toks[last].name_end == toks[last].end and k < len(toks):
            if not _adjacent(text, toks[k - 1], toks[k]):
                break
            if named[k]:
                last, k = k, k + 1
            elif toks[k].text in _CONNECTORS:
                k += 1
            else:
                break
        spans.append(_Span(i, last))
        i = last + 1
    return spans


def _surface(text: str, toks: list[_Token], first: int, last: int) -> str:
    end = toks[last].name_end
    if toks[last].possessive:
        end -= 2
    return text[toks[first].start : end]


def _pieces(toks: list[_Token], span: _Span) -> list[tuple[int, int]]:
    """The span cut at :data:`_SPLITTERS`, connectors trimmed: "Moscow and Damascus" -> 2 pieces."""
    pieces: list[tuple[int, int]] = []
    piece: list[int] = []
    for k in [*range(span.first, span.last + 1), None]:
        if k is not None and toks[k].text not in _SPLITTERS:
            piece.append(k)
            continue
        while piece and toks[piece[-1]].text in _CONNECTORS:
            piece.pop()
        if piece:
            pieces.append((piece[0], piece[-1]))
        piece = []
    return pieces


def _span_names(text: str, toks: list[_Token], span: _Span) -> Iterable[str]:
    """The span as written, its pieces, and its parenthesised acronym."""
    words = {t.text for t in toks[span.first : span.last + 1]}
    if "and" not in words or words & {"of", "for"}:
        # "Moscow and Damascus" is two names; "Islamic State of Iraq and the Levant" is one.
        yield _surface(text, toks, span.first, span.last)
    for first, last in _pieces(toks, span):
        yield _surface(text, toks, first, last)
    # "Hayat Tahrir al-Sham (HTS)": the name with its acronym, as written.
    tail = re.match(r"\s*\((?:[A-Z][\w.-]*)\)", text[toks[span.last].end :])
    if tail and not toks[span.last].possessive:
        yield text[toks[span.first].start : toks[span.last].end + tail.end()]
    first = toks[span.first]
    if first.initial and span.last > span.first and re.search(r"(?:ed|ing|ly)$", first.text):
        yield _surface(text, toks, span.first + 1, span.last)  # "Displaced Syrians" -> "Syrians"
    for k in range(span.first, span.last + 1):
        parts = toks[k].text.split("-")
        if (
            len(parts) > 1
            and parts[0].lower() not in _ARABIC_ARTICLES
            and all(p[:1].isupper() and len(p) > 2 for p in parts)
        ):
            yield from parts  # "Turkish-Russian" -> "Turkish", "Russian"


def _is_acronym(name: str) -> bool:
    return bool(_ACRONYM.fullmatch(name)) and name not in _COUNTRY_ACRONYMS


def _place_variants(text: str, toks: list[_Token], span: _Span) -> Iterable[str]:
    """A place with the direction before it or the admin word after it, as written."""
    pieces = _pieces(toks, span)
    if not pieces:
        return
    first, last = pieces[0][0], pieces[-1][1]
    before = toks[first - 1] if first > 0 else None
    if before and before.text in _DIRECTIONS and _adjacent(text, before, toks[first]):
        yield text[before.start : toks[first].start] + _surface(text, toks, first, pieces[0][1])
    end = toks[last]
    after = toks[last + 1] if last + 1 < len(toks) else None
    if end.possessive or end.name_end != end.end or after is None:
        return
    if after.text in _PLACE_SUFFIXES and _adjacent(text, end, after):
        yield text[toks[pieces[-1][0]].start : after.end]


# --- actor noun groups ----------------------------------------------------------------------------


def _is_head(tok: _Token, nxt: _Token | None, text: str) -> bool:
    if tok.bare not in ACTOR_HEADS:
        return False
    # "regime loyalists": the group ends at the later head. A head before any other word is still
    # a head: "coalition airstrike" and "regime control" name the coalition and the regime.
    return (
        nxt is None
        or tok.possessive
        or nxt.bare not in ACTOR_HEADS
        or not _adjacent(text, tok, nxt)
    )


def _modifier(tok: _Token) -> bool:
    word = tok.text
    if word in _CAP_STOP or word in _CALENDAR_WORDS or word[0].isdigit():
        return False
    if not word.islower():
        return word[0].isupper() or "-" in word  # "Iraqi", "ISIL", "pro-Assad"
    if word in _STOP or words_to_int(word) is not None:
        return False
    return word in _MODIFIER_WORDS or tok.bare in ACTOR_HEADS or bool(_ADJECTIVE.search(word))


def _actor_groups(text: str, toks: list[_Token], spans: list[_Span]) -> Iterable[str]:
    """Noun groups ending in an actor head, with up to 3 modifiers (a proper name counts as 1)."""
    span_of = {k: s for s in spans for k in range(s.first, s.last + 1)}
    for i, tok in enumerate(toks):
        if not _is_head(tok, toks[i + 1] if i + 1 < len(toks) else None, text):
            continue
        end = tok.end - 2 if tok.possessive else tok.end
        first = span_of[i].first if i in span_of else i
        units, j = (1 if first < i else 0), first - 1
        while j >= 0 and units < 3 and _adjacent(text, toks[j], toks[first]):
            if not _modifier(toks[j]):
                break
            first = span_of[j].first if j in span_of else j
            units, j = units + 1, first - 1
        if first == i and tok.bare in _NEEDS_MODIFIER:
            continue
        yield text[toks[first].start : end]
        # Shorter readings: "allied rebels" -> "rebels", "brutal ISIL terrorists" -> "ISIL ...".
        lead = toks[first]
        if first < i and lead.text.islower() and lead.text.endswith("ed"):
            yield text[toks[first + 1].start : end]
        proper = next((k for k in range(first, i) if not toks[k].text.islower()), first)
        if proper > first:
            yield text[toks[proper].start : end]
        # "government of Iraq", "residents of Mosul"
        if i + 2 < len(toks) and toks[i + 1].text == "of" and i + 2 in span_of:
            after = span_of[i + 2]
            if after.first == i + 2 and _adjacent(text, tok, toks[i + 1]):
                yield text[toks[first].start : toks[after.last].name_end]


# --- the candidates -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Candidates:
    """What a text could supply to a reply, each list in order of appearance, deduplicated."""

    values: tuple[int, ...]
    """Numbers stated: every reading's value and range upper end (``numbers.read_numbers``)."""
    singular: bool
    """1 is not among :attr:`values`, but grounding accepts it from a singular article ("a
    soldier was killed"); :attr:`count_values` then adds it."""
    places: tuple[str, ...]
    """Name spans, with a direction before ("northwest Syria") or admin word after."""
    actors: tuple[str, ...]
    """Name spans and acronyms, and noun groups ending in an :data:`ACTOR_HEADS` word."""
    dates: tuple[str, ...]
    """Date phrases: weekdays, "overnight", month-day forms, with and without the preposition."""

    @property
    def count_values(self) -> tuple[int, ...]:
        """The values a count may take: :attr:`values`, and 1 when :attr:`singular`."""
        if self.singular and 1 not in self.values:
            return (*self.values, 1)
        return self.values


def _unique(items: Iterable[_T]) -> tuple[_T, ...]:
    return tuple(dict.fromkeys(items))


def candidates(article: str, focus: str | None = None) -> Candidates:
    """Read the numbers, names and dates a reply about ``focus`` (or the article) may use.

    Args:
        article: the whole article; it also tells a sentence opener that is a common word
            ("Regime loyalists ...", since "regime" is written lowercase elsewhere) from a name.
        focus: the sentence a request is about; None for the whole article.

    Returns:
        The candidates, surface forms exactly as written in the text.
    """
    text = article if focus is None else focus
    lowercase_words = frozenset(w for w in _TOKEN.findall(article) if w.islower())
    toks = _tokens(text)
    spans = _name_spans(text, toks, lowercase_words)
    places: list[str] = []
    actors: list[str] = []
    for span in spans:
        for name in _span_names(text, toks, span):
            name = name.strip()
            actors.append(name)
            if not _is_acronym(name):
                places.append(name)
        places.extend(_place_variants(text, toks, span))
    actors.extend(_actor_groups(text, toks, spans))
    # "Jan. 9", "30 November": a day of the month is never a count.
    days = day_of_month_spans(text)
    readings = [
        r for r in read_numbers(text) if not any(s <= r.start and r.end <= e for s, e in days)
    ]
    values = [v for r in readings for v in (r.value, r.upper) if v is not None]
    return Candidates(
        values=_unique(values),
        singular=supports_value(text, 1) is not None and 1 not in values,
        places=_unique(p for p in places if p),
        actors=_unique(a for a in actors if a),
        dates=_unique(d.strip() for d in date_phrases(text)),
    )


def candidates_hint(c: Candidates) -> str:
    """The candidates as a line of prompt, for a backend that cannot constrain its decoding.

    The model is told which numbers and names the text offers; grounding still checks the reply.
    """
    parts = [
        ("Numbers stated", ", ".join(str(v) for v in c.count_values)),
        ("Names", "; ".join(dict.fromkeys([*c.places, *c.actors]))),
        ("Dates", "; ".join(c.dates)),
    ]
    lines = [f"{label}: {value}" for label, value in parts if value]
    if not lines:
        return "The text states no number, name or date: any count, place or actor is invalid."
    return "Use only values the text states. " + " | ".join(lines)

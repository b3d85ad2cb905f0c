"""An independent reader of the counts of people a sentence states, for the tests only.

The pipeline grounds a count with ``extractor/pipeline/numbers.py``, which accepts a number found
anywhere in the evidence: "a 10-year-old boy" grounds 10 and "on 15 September" grounds 15. A test
that checks the pipeline's counts with that same reader cannot catch what it lets through, so this
one is written separately (it imports nothing of ours) and asks more: the number must not be an
age, a date, a time, an ordinal or a quantity with a unit, and it must be tied to people: a person
noun after it ("10 regime loyalists", "dozens of civilians"), a casualty word ("the 13 killed",
"three were wounded") or a casualty verb before it ("killed 10 and wounded 18").

It reads English. In a text with no Latin-script word at all (an Arabic article) it can only tell
that a number is stated, and says so ("not English") rather than refusing every count.

Vague words take ACLED's conservative values (dozens = 12, hundreds = 100, ...), which the
codebook follows too, so a count written from "dozens of civilians" reads as 12.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_SMALL = {
    "zero": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
    "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14,
    "fifteen": 15, "sixteen": 16, "seventeen": 17, "eighteen": 18, "nineteen": 19, "twenty": 20,
    "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70, "eighty": 80, "ninety": 90,
}  # fmt: skip
_BIG = {"hundred": 100, "thousand": 1_000, "million": 1_000_000, "billion": 1_000_000_000}
# Phrases read as one number, longest first where one starts another.
_PHRASES = {
    ("tens", "of", "thousands"): 10_000, ("hundreds", "of", "thousands"): 100_000,
    ("a", "couple", "of"): 2, ("a", "dozen"): 12, ("a", "single"): 1, ("a", "hundred"): 100,
    ("a", "thousand"): 1_000, ("a", "million"): 1_000_000, ("dozens",): 12, ("scores",): 20,
    ("tens",): 10, ("hundreds",): 100, ("thousands",): 1_000, ("millions",): 1_000_000,
    ("no", "one"): 0, ("a",): 1, ("an",): 1, ("no",): 0, ("none",): 0,
}  # fmt: skip


def _set(words: str) -> frozenset[str]:
    return frozenset(words.split())


_PERSON = _set(
    "people person persons individual individuals civilian civilians fighter fighters combatant"
    " combatants soldier soldiers troop troops trooper troopers loyalist loyalists rebel rebels"
    " militant militants insurgent insurgents extremist extremists jihadist jihadists member"
    " members man men woman women child children boy boys girl girls kid kids infant infants"
    " baby babies student students protester protesters protestor protestors demonstrator"
    " demonstrators police policeman policemen officer officers official officials worker workers"
    " resident residents villager villagers refugee refugees migrant migrants prisoner prisoners"
    " detainee detainees hostage hostages journalist journalists militiaman militiamen gunman"
    " gunmen attacker attackers separatist separatists guard guards personnel recruit recruits"
    " pilgrim pilgrims worshipper worshippers farmer farmers victim victims casualty casualties"
    " body bodies others commander commanders leader leaders agent agents passenger passengers"
    " staff staffer staffers doctor doctors nurse nurses teacher teachers mourner mourners"
    " shepherd shepherds herder herders miner miners trader traders driver drivers cadet cadets"
    " militia militias bystander bystanders citizen citizens national nationals forces marine"
    " marines bomber bombers terrorist terrorists operative operatives assailant assailants"
    " suspect suspects guerrilla guerrillas paramilitaries serviceman servicemen crew crewmen"
    " settler settlers population"
)
_CASUALTY = _set(
    "killed dead died wounded injured hurt arrested detained missing displaced abducted"
    " kidnapped captured executed slain fled hospitalised hospitalized"
)
_CASUALTY_VERB = _set(
    "killed killing kills kill wounded wounding wounds injured injuring injures arrested"
    " arresting detained detaining displaced displacing abducted abducting kidnapped kidnapping"
    " captured capturing driven drove forced pushed uprooted evacuated slew"
)
_AGE_WORDS = _set("- year years month months week weeks day days old")
_AUX = _set("were was are is have has had been being reportedly also all")
_HEDGE = _set("nearly almost about around some roughly approximately over least more than")
# Words that end a noun phrase: "a village from extremists" counts no extremists.
_PHRASE_END = _set(
    "from in on at with by near after before for to into onto and or but while when as since"
    " during including than that which who where whose if because number total"
)
_AFTER_VERB = _set("and or from in on at since during while after when as including among")
_MONTHS = _set(
    "jan january feb february mar march apr april may jun june jul july aug august sep sept"
    " september oct october nov november dec december"
)
_UNITS = _set(
    "percent per km kms kilometre kilometres kilometer kilometers mile miles m metre metres meter"
    " meters kg kilo kilos kilogram kilograms ton tons tonne tonnes hour hours hr hrs minute"
    " minutes min mins second seconds day days week weeks month months year years decade decades"
    " am pm dollar dollars euro euros pound pounds usd eur gbp times round rounds shell shells"
    " rocket rockets missile missiles strike strikes airstrike airstrikes raid raids attack"
    " attacks barrel barrels mortar mortars drone drones"
)

_TOKEN = re.compile(
    r"\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?|[A-Za-z]+(?:['\u2019][A-Za-z]+)*|[^\sA-Za-z\d]"
)


@dataclass(frozen=True)
class Reading:
    """One number phrase of a text and whether it reads as a count of people."""

    value: int
    surface: str
    people: bool
    why: str
    """The rule that accepted it ("person noun", ...) or why it is no count ("age", ...)."""
    upper: int | None = None
    """The upper end, when this is the lower end of a range ("10 to 15 people")."""


@dataclass(frozen=True)
class _Tok:
    text: str
    low: str
    start: int
    end: int


def _tokens(text: str) -> list[_Tok]:
    return [_Tok(m.group(), m.group().lower(), m.start(), m.end()) for m in _TOKEN.finditer(text)]


def _is_number_word(low: str) -> bool:
    return low in _SMALL or low in _BIG


def _words_value(words: list[str]) -> int:
    total = current = 0
    for w in words:
        if w in _SMALL:
            current += _SMALL[w]
        elif w == "hundred":
            current = max(current, 1) * 100
        else:  # thousand, million, billion close a group
            total += max(current, 1) * _BIG[w]
            current = 0
    return total + current


def _phrase_at(toks: list[_Tok], i: int) -> tuple[int, int] | None:
    """(value, index after) of the number phrase starting at token ``i``, if one does."""
    tok = toks[i]
    if tok.text[0].isdigit():
        if "." in tok.text and not (i + 1 < len(toks) and toks[i + 1].low in _BIG):
            return None  # "2.5" with no scale is no count
        value = float(tok.text.replace(",", ""))
        j = i + 1
        if j < len(toks) and toks[j].low in _BIG:
            value *= _BIG[toks[j].low]
            j += 1
        return (int(value), j) if value == int(value) else None
    if _is_number_word(tok.low):
        words: list[str] = []
        j = i
        while j < len(toks) and _is_number_word(toks[j].low):
            words.append(toks[j].low)
            j += 1
            joiner = toks[j].low if j < len(toks) else ""
            # "twenty-five", "three hundred and twenty"
            joins = joiner == "-" or (joiner == "and" and words[-1] in _BIG)
            if joins and j + 1 < len(toks) and _is_number_word(toks[j + 1].low):
                j += 1
        return _words_value(words), j
    for phrase, value in _PHRASES.items():
        if tuple(t.low for t in toks[i : i + len(phrase)]) == phrase:
            return value, i + len(phrase)
    return None


def _not_a_count(toks: list[_Tok], i: int, j: int) -> str | None:
    """Why the phrase toks[i:j] is no count of anything (an age, a date ...), if it is not."""
    nxt = [t.low for t in toks[j : j + 4]]
    prev = [t.low for t in toks[max(0, i - 3) : i]]
    glued = j < len(toks) and toks[j].start == toks[j - 1].end
    if nxt[:1] == ["-"] and nxt[1:2] in (["year"], ["years"], ["month"], ["week"], ["day"]):
        return "age"  # "10-year-old"
    if nxt[:1] in (["year"], ["years"]) and nxt[1:2] in (["old"], ["of"], ["-"]):
        return "age"
    if prev[-1:] in (["aged"], ["age"]) or prev[-2:] == ["age", "of"]:
        return "age"
    named = i >= 2 and (toks[i - 2].low in _PERSON or toks[i - 2].text[0].isupper())
    if prev[-1:] == [","] and nxt[:1] == [","] and named:
        return "age"  # "a girl, 7, was shot", "Dayton, 42, of Woodbridge"
    if (prev[-1:] and prev[-1] in _MONTHS) or (
        prev[-2:-1] and prev[-2] in _MONTHS and prev[-1] == "."
    ):
        return "date"  # "April 10", "Aug. 10"
    if nxt[:1] and nxt[0] in _MONTHS - {"may"}:  # "10 may have died" is no date
        return "date"
    if re.fullmatch(r"1[89]\d\d|20\d\d", toks[i].text) and j == i + 1:
        return "date"  # a year; "2,000" with its comma is a number
    if glued and nxt[:1] in ([":"], ["."]) and j + 1 < len(toks) and toks[j + 1].text[0].isdigit():
        return "time"
    if glued and nxt[:1] and nxt[0] in {"st", "nd", "rd", "th"}:
        return "ordinal"
    if glued and nxt[:1] and nxt[0][0].isalpha():
        return "part of a name"  # "Su-24s", "5th", "F16"
    if nxt[:1] == ["%"] or (nxt[:1] and nxt[0] in _UNITS):
        return "unit"
    if nxt[:1] == ["-"] and nxt[1:2] and nxt[1] in _UNITS:
        return "unit"  # "a 5-km convoy"
    if i > 0 and toks[i - 1].text in {"$", "€", "£"}:
        return "unit"
    if i > 0 and toks[i - 1].text == ":" and toks[i - 1].end == toks[i].start:
        return "time"  # the minutes of "6:30"
    return None


def _people_rule(toks: list[_Tok], i: int, j: int) -> str | None:
    """The rule by which the phrase toks[i:j] counts people, if one holds."""
    after = toks[j : j + 10]
    words = 0
    k = 0
    while k < len(after) and words < 5:
        tok = after[k]
        if tok.low in _PERSON:
            return "person noun"
        if tok.low in _CASUALTY and all(t.low in _AUX for t in after[:k]):
            return "casualty word"
        if k == 0 and re.fullmatch(r"[A-Z][a-z]+s", tok.text) and tok.low not in _UNITS:
            return "people named in the plural"  # "Houthis", "Syrians"
        if tok.text == "-" or (tok.text == "." and re.fullmatch(r"[A-Z]", after[k - 1].text)):
            k += 1  # "Iranian-backed", "U.S. Marines"
            continue
        inner = _phrase_at(toks, j + k) if tok.low not in {"a", "an", "no"} else None
        if inner is not None and _not_a_count(toks, j + k, inner[1]) == "age":
            k = inner[1] - j  # "a 7-year-old girl": the age is part of the noun phrase
            while k < len(after) and after[k].low in _AGE_WORDS:
                k += 1
            continue
        if (
            inner is not None
            or not tok.text[0].isalpha()
            or tok.low in _CASUALTY_VERB | _PHRASE_END
        ):
            break  # punctuation, another number or a new clause ends the noun phrase
        words += 1
        k += 1
    k = i
    while k > 0 and toks[k - 1].low in _HEDGE:
        k -= 1
    if k > 0 and toks[k - 1].low in _CASUALTY_VERB:
        follow = toks[j] if j < len(toks) else None
        if follow is None or not follow.text[0].isalpha() or follow.low in _AFTER_VERB:
            return "casualty verb before it"
    return None


def read_counts(text: str) -> list[Reading]:
    """Every number phrase of ``text``, with whether it is stated as a count of people."""
    toks = _tokens(text)
    english = re.search(r"[A-Za-z]{2}", text) is not None
    spans: list[tuple[int, int, int]] = []
    i = 0
    while i < len(toks):
        found = _phrase_at(toks, i)
        if found is None:
            i += 1
            continue
        value, j = found
        spans.append((value, i, j))
        i = j
    readings: list[Reading] = []
    for value, i, j in spans:
        surface = text[toks[i].start : toks[j - 1].end]
        reason = _not_a_count(toks, i, j)
        rule = None if reason else _people_rule(toks, i, j)
        if rule is None and reason is None and not english:
            rule = "not English: stated, not judged"
        readings.append(Reading(value, surface, rule is not None, rule or reason or "no person"))
    # the lower end of a range takes the upper end's reading ("10 to 15 people", "10-15 people")
    for n in range(len(spans) - 1, 0, -1):
        (_, _, j), (_, i2, _) = spans[n - 1], spans[n]
        low, high = readings[n - 1], readings[n]
        joiner = " ".join(t.low for t in toks[j:i2])
        between = spans[n - 1][1] > 0 and toks[spans[n - 1][1] - 1].low == "between"
        ranged = joiner in {"-", "\u2013", "to"} or (joiner == "and" and between)
        if not low.people and low.why == "no person" and high.people and ranged:
            readings[n - 1] = Reading(low.value, low.surface, True, "range", high.value)
        elif low.people and high.people and ranged:
            readings[n - 1] = Reading(low.value, low.surface, True, low.why, high.value)
    return readings


def states_count_of_people(text: str, value: int, upper: int | None = None) -> bool:
    """Whether ``text`` states ``value`` (and ``upper``, for a range) as a count of people."""
    people = [r for r in read_counts(text) if r.people]
    if upper is None:
        return any(r.value == value for r in people)
    return any(r.value == value and r.upper == upper for r in people)

"""Counts: the count tiers of SCORING.md §3 (STRICT, VALUE, TOLERANT) and how ``who`` agrees."""

from __future__ import annotations

import math
from enum import StrEnum
from typing import TYPE_CHECKING

from extractor.scoring.matching import GENERIC_WHO, Link, Rule
from extractor.scoring.names import Name, NameTarget, match_name

if TYPE_CHECKING:
    from extractor.schema import Count

__all__ = ["WhoMatch", "count_link", "log_error", "who_match", "within_tolerance"]


def log_error(pred: int, gold: int) -> float:
    """Return ln(p+1) - ln(g+1), the signed log1p error of a count (no division needed)."""
    return math.log1p(pred) - math.log1p(gold)


def within_tolerance(pred: int, gold: int) -> bool:
    """Return whether |ln((p+1)/(g+1))| <= ln 1.1, the TOLERANT count tier.

    Decision: computed exactly in integers, 10(p+1) <= 11(g+1) and 10(g+1) <= 11(p+1), so the
    boundary (p=10, g=9) is inclusive and never depends on floating-point rounding.
    """
    return 10 * (pred + 1) <= 11 * (gold + 1) and 10 * (gold + 1) <= 11 * (pred + 1)


class WhoMatch(StrEnum):
    """How two ``who`` values of a count agree."""

    BOTH_GENERIC = "both_generic"
    GENERIC = "generic"
    """Exactly one side is generic (null or "people")."""
    STRICT = "strict"
    LENIENT = "lenient"
    NONE = "none"


def who_match(pred: Name | None, gold: NameTarget | None) -> tuple[WhoMatch, str]:
    """Compare the ``who`` of a predicted and a gold count (actor name rules, with containment).

    Args:
        pred: The predicted ``who``; None or a word of :data:`GENERIC_WHO` is generic.
        gold: The gold ``who`` as a target (its entity cluster when it names one); None or a
            generic label is generic.

    Returns:
        How they agree, and the gold form that matched (or "").
    """
    if pred is not None and pred.norm in GENERIC_WHO:
        pred = None
    if gold is not None and gold.label.norm in GENERIC_WHO:
        gold = None
    if pred is None and gold is None:
        return WhoMatch.BOTH_GENERIC, ""
    if pred is None or gold is None:
        return WhoMatch.GENERIC, ""
    hit = match_name(pred, gold, containment=True)
    if hit is None:
        return WhoMatch.NONE, ""
    return (WhoMatch.STRICT if hit[0] == 0 else WhoMatch.LENIENT), hit[2]


def count_link(
    pred: Count, pred_who: Name | None, gold: Count, gold_who: NameTarget | None
) -> Link | None:
    """Match two counts at the tiers of SCORING.md §3 (levels: 0 STRICT, 1 VALUE, 2 TOLERANT).

    ``kind`` must be equal at every tier. STRICT: equal value and qualifier, ``who`` STRICT or both
    generic. VALUE: equal value, ``who`` LENIENT or generic. TOLERANT: within ±10% on the log1p
    scale, ``who`` ignored.

    Decisions: "generic" at VALUE means *either* side is generic; ``upper``, ``vague`` and ``scope``
    are not compared (they are reported through the evidence, not scored).

    Args:
        pred: Predicted count.
        pred_who: Its ``who`` as a name, None when generic.
        gold: Gold count.
        gold_who: Its ``who`` as a target, None when generic.

    Returns:
        The link at the strictest tier that holds, or None.
    """
    if pred.kind != gold.kind:
        return None
    err = log_error(pred.value, gold.value)
    if pred.value == gold.value:
        who, via = who_match(pred_who, gold_who)
        if pred.qualifier == gold.qualifier and who in (WhoMatch.STRICT, WhoMatch.BOTH_GENERIC):
            return Link(0, Rule.EXACT, via, err)
        if who is not WhoMatch.NONE:
            return Link(1, Rule.SAME_VALUE, via, err)
    if within_tolerance(pred.value, gold.value):
        return Link(2, Rule.LOG_TOLERANCE, str(gold.value), err)
    return None

"""One-to-one assignment of predictions to gold, and the field score it gives.

:func:`assign` turns the links of a document into a one-to-one matching with the Hungarian
algorithm, preferring stricter tiers, and removes predictions that match *optional* gold items from
both sides (SCORING.md §2-§3).
"""

from __future__ import annotations

import importlib
from collections.abc import Sequence
from functools import cache
from typing import TYPE_CHECKING, Any

import numpy as np

from extractor.scoring.matching import FIELD_TIERS, Field, FieldScore, Item, Link, Match

if TYPE_CHECKING:
    from numpy.typing import NDArray

__all__ = [
    "Assigned",
    "Candidates",
    "Matched",
    "assign",
    "assign_levels",
    "field_score",
    "hungarian",
    "trivial_levels",
]


@cache
def _optimize() -> Any:
    """``scipy.optimize``, imported on the first assignment that needs it (it takes ~0.4 s).

    Its stubs leave ``linear_sum_assignment``'s return untyped: it is used through an explicit
    Any, and its (row, column) index arrays are read as ints.
    """
    return importlib.import_module("scipy.optimize")


def hungarian(weights: NDArray[np.float64]) -> list[tuple[int, int]]:
    """Maximum-weight assignment (scipy's ``linear_sum_assignment``), as (row, column) pairs.

    Args:
        weights: A rectangular weight matrix.

    Returns:
        The assigned (row, column) pairs, including zero-weight ones.
    """
    rows, cols = _optimize().linear_sum_assignment(weights, maximize=True)
    return [(int(r), int(c)) for r, c in zip(rows, cols, strict=True)]


Candidates = Sequence[Sequence[tuple[int, Link]]]
"""Per predicted item, the (gold index, link) pairs it could be matched to."""


Matched = tuple[tuple[int, int, Link], ...]
"""(pred index, gold index, link) triples."""
Assigned = tuple[Matched, Matched]
"""(matches with required gold, matches with optional gold)."""
_EMPTY: Assigned = ((), ())


def assign(cands: Candidates, gold_optional: Sequence[bool], level: int) -> Assigned:
    """Match predictions to gold one-to-one at a tier, then remove optional matches.

    Only links at ``level`` or stricter are used. The Hungarian algorithm maximises, in this order:
    the number of required gold items matched; then the number of leftover predictions matched to
    optional gold items (removed from both sides, like a MUC optional fill); then strictness, so a
    STRICT pair is preferred to a LENIENT one when both give the same counts.

    Most pairs give a graph where no item has two candidates: the matching is then the graph
    itself, found without scipy.

    Args:
        cands: Per prediction, (gold index, link) pairs.
        gold_optional: Per gold index, whether it is optional.
        level: The tier index to score at.

    Returns:
        (matches with required gold, matches with optional gold), each as (pred, gold, link).
    """
    rows: list[int] = []
    edges: list[list[tuple[int, Link]]] = []
    used: set[int] = set()
    trivial = True
    for p, links in enumerate(cands):
        if not links:
            continue
        ok = [(g, lk) for g, lk in links if lk.level <= level]
        if not ok:
            continue
        if trivial and (len(ok) > 1 or ok[0][0] in used):
            trivial = False
        rows.append(p)
        edges.append(ok)
        used.update(g for g, _ in ok)
    if not rows:
        return _EMPTY
    if trivial:
        required = tuple((p, ok[0][0], ok[0][1]) for p, ok in zip(rows, edges, strict=True))
        if not any(gold_optional[g] for _, g, _ in required):
            return required, ()
        return (
            tuple(t for t in required if not gold_optional[t[1]]),
            tuple(t for t in required if gold_optional[t[1]]),
        )
    cols = sorted(used)
    col_of = {g: c for c, g in enumerate(cols)}
    k = min(len(rows), len(cols))
    w_opt = level * k + 1  # one optional match outweighs every strictness bonus
    w_req = w_opt * k + level * k + 1  # one required match outweighs all of the above
    weights = np.zeros((len(rows), len(cols)))
    chosen: dict[tuple[int, int], Link] = {}
    for r, ok in enumerate(edges):
        for g, lk in ok:
            c = col_of[g]
            weights[r, c] = w_opt if gold_optional[g] else w_req + (level - lk.level)
            chosen[r, c] = lk
    req: list[tuple[int, int, Link]] = []
    opt: list[tuple[int, int, Link]] = []
    for r, c in hungarian(weights):
        if weights[r, c] > 0:
            g = cols[c]
            (opt if gold_optional[g] else req).append((rows[r], g, chosen[r, c]))
    req.sort(key=lambda t: t[0])
    opt.sort(key=lambda t: t[0])
    return tuple(req), tuple(opt)


def trivial_levels(
    cands: Candidates, gold_optional: Sequence[bool], levels: int
) -> list[Assigned] | None:
    """:func:`assign` at every tier index at once, when no item has two candidates.

    Such a graph is its own one-to-one matching at every tier, so one pass gives all of them.

    Args:
        cands: Per prediction, (gold index, link) pairs (links at any tier).
        gold_optional: Per gold index, whether it is optional.
        levels: The number of tiers of the field.

    Returns:
        The assignment at each tier index, or None when some item has two candidates.
    """
    edges: list[tuple[int, int, Link]] = []
    seen: set[int] = set()
    for p, links in enumerate(cands):
        if not links:
            continue
        g, lk = links[0]
        if len(links) > 1 or g in seen:
            return None
        seen.add(g)
        edges.append((p, g, lk))
    out: list[Assigned] = []
    for lv in range(levels):
        kept = [e for e in edges if e[2].level <= lv]
        out.append(
            (
                tuple(e for e in kept if not gold_optional[e[1]]),
                tuple(e for e in kept if gold_optional[e[1]]),
            )
        )
    return out


def assign_levels(cands: Candidates, gold_optional: Sequence[bool], levels: int) -> list[Assigned]:
    """:func:`assign` at every tier index ``0 .. levels - 1``.

    Args:
        cands: Per prediction, (gold index, link) pairs (links at any tier).
        gold_optional: Per gold index, whether it is optional.
        levels: The number of tiers of the field.

    Returns:
        The assignment at each tier index.
    """
    quick = trivial_levels(cands, gold_optional, levels)
    if quick is not None:
        return quick
    return [assign(cands, gold_optional, lv) for lv in range(levels)]


def field_score(
    field: Field,
    assigned: Assigned,
    pred_items: Sequence[Item],
    gold_items: Sequence[Item],
    gold_optional: Sequence[bool],
    *,
    details: bool = True,
    memo: dict[tuple[int, int], Match] | None = None,
) -> FieldScore:
    """Count TP, FP and FN of one field at one tier from its assignment.

    Args:
        field: The field (to name the tier of each match).
        assigned: From :func:`assign` at the tier.
        pred_items: The predicted items (after any deduplication).
        gold_items: The gold items.
        gold_optional: Per gold item, whether it is optional.
        details: Keep the matches and the FP/FN items (False keeps only the counts).
        memo: Shares one :class:`Match` per pair across the tiers of a field.

    Returns:
        The field score.
    """
    required, optional = assigned
    n_required = sum(1 for o in gold_optional if not o)
    tp = len(required)
    fp = len(pred_items) - tp - len(optional)
    fn = n_required - tp
    if not details:
        return FieldScore(tp, fp, fn)
    tiers = FIELD_TIERS[field]
    shared = {} if memo is None else memo

    def mk(p: int, g: int, lk: Link) -> Match:
        m = shared.get((p, g))
        if m is None:
            m = Match(pred_items[p], gold_items[g], tiers[lk.level], lk.rule, lk.via, lk.log_error)
            shared[p, g] = m
        return m

    matched_pred = {p for p, _, _ in required} | {p for p, _, _ in optional}
    matched_gold = {g for _, g, _ in required}
    return FieldScore(
        tp,
        fp,
        fn,
        tuple(mk(*t) for t in required),
        tuple(it for i, it in enumerate(pred_items) if i not in matched_pred),
        tuple(
            it for i, it in enumerate(gold_items) if i not in matched_gold and not gold_optional[i]
        ),
        tuple(mk(*t) for t in optional),
    )

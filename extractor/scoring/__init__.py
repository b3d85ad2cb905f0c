"""Score extracted conflict events against hand-labelled gold (SCORING.md). Pure: no I/O.

Public API (``api.py``)::

    score_document(pred, gold, aliases=None, *, details=True) -> DocumentScore
    score_documents(preds, golds, aliases=None, *, details=True, ci_resamples=0,
                    confidence=0.95, seed=0) -> CorpusScore
    compare(a, b, *, level=Level.L1, field=Field.ALL, tier=Tier.HEADLINE, rounds=10_000,
            resamples=10_000, confidence=0.95, seed=0, names=("A", "B")) -> Comparison
    compare_all(systems, **same_options) -> tuple[Comparison, ...]      # Holm-adjusted
    to_jsonable(result) -> JSON-ready dicts and lists

A score is addressed by a :class:`ScoreKey` (``"L1/all/headline"``: L1 actors at LENIENT, places
at LENIENT and counts at VALUE, micro-averaged), or by its (``Level``, ``Field``, ``Tier``).

Lower level, on per-document (tp, fp, fn) arrays such as ``CorpusScore.counts(...)``:
``bootstrap_f1``, ``bootstrap_f1_many``, ``approximate_randomization``, ``paired_bootstrap``,
``holm``; on one document and field: ``BagScorer`` (the ``Scorer`` protocol); on names: ``norm``,
``skeleton``.

The modules: ``normalise`` (name keys), ``names`` and ``counts`` (the tiers), ``assign``
(one-to-one matching), ``document`` (a document prepared once), ``bags`` (L1), ``align`` (L2 and
detection), ``metrics`` (the only division), ``stats`` (intervals and tests), ``results`` and
``keys`` (the values), ``api``.
"""

from extractor.scoring.align import AlignedPair, Alignment, EventScorer
from extractor.scoring.api import (
    CompareOptions,
    compare,
    compare_all,
    score_document,
    score_documents,
)
from extractor.scoring.bags import BagScorer
from extractor.scoring.keys import SCORE_KEYS, Level, ScoreKey, score_key
from extractor.scoring.matching import (
    FIELD_TIERS,
    PROFILES,
    Field,
    FieldScore,
    Item,
    Match,
    Rule,
    Scorer,
    Tier,
)
from extractor.scoring.metrics import PRF, micro_prf, prf
from extractor.scoring.names import AliasTable
from extractor.scoring.normalise import norm, skeleton
from extractor.scoring.results import (
    Comparison,
    CorpusScore,
    CountComparison,
    DocumentScore,
    FieldResult,
    Interval,
    Tally,
    to_jsonable,
)
from extractor.scoring.stats import (
    approximate_randomization,
    bootstrap_f1,
    bootstrap_f1_many,
    holm,
    paired_bootstrap,
)

__all__ = [
    "FIELD_TIERS",
    "PRF",
    "PROFILES",
    "SCORE_KEYS",
    "AliasTable",
    "AlignedPair",
    "Alignment",
    "BagScorer",
    "CompareOptions",
    "Comparison",
    "CorpusScore",
    "CountComparison",
    "DocumentScore",
    "EventScorer",
    "Field",
    "FieldResult",
    "FieldScore",
    "Interval",
    "Item",
    "Level",
    "Match",
    "Rule",
    "ScoreKey",
    "Scorer",
    "Tally",
    "Tier",
    "approximate_randomization",
    "bootstrap_f1",
    "bootstrap_f1_many",
    "compare",
    "compare_all",
    "holm",
    "micro_prf",
    "norm",
    "paired_bootstrap",
    "prf",
    "score_document",
    "score_documents",
    "score_key",
    "skeleton",
    "to_jsonable",
]

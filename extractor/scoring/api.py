"""The scoring API: score documents and corpora, compare systems. Pure: no I/O, no global state.

The signatures are listed in the package docstring (``extractor/scoring/__init__.py``). ``pred``
is an ``ArticleExtraction``, or None for a failed or invalid output (scored as an empty
prediction and counted in ``CorpusScore.failure_rate``, never dropped). ``aliases`` is the project
alias table as a mapping ``canonical id -> variants`` (or an :class:`AliasTable`).

Example::

    corpus = score_documents(outputs, golds, {"ISIL": ["ISIS", "Daesh"]}, ci_resamples=1000)
    head = corpus.results[ScoreKey.L1_ALL_HEADLINE]
    print(head.precision, head.recall, head.f1, head.ci)
"""

from __future__ import annotations

import dataclasses
import itertools
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, TypedDict, Unpack

from extractor.scoring.align import EventScorer
from extractor.scoring.bags import BAG_FIELDS, bag, score_bags
from extractor.scoring.document import PreparedDocument
from extractor.scoring.keys import Level, ScoreKey, score_key
from extractor.scoring.matching import Field, FieldScore, Tier, add_profiles
from extractor.scoring.metrics import aggregate, count_matrix
from extractor.scoring.names import AliasTable
from extractor.scoring.results import (
    Comparison,
    CorpusScore,
    CountComparison,
    DocumentScore,
    FieldResult,
    Tally,
)
from extractor.scoring.stats import (
    approximate_randomization,
    bootstrap_f1_many,
    holm,
    paired_bootstrap,
)

if TYPE_CHECKING:
    from extractor.schema import ArticleExtraction, GoldDocument

__all__ = [
    "Aliases",
    "CompareOptions",
    "compare",
    "compare_all",
    "score_document",
    "score_documents",
]

_KEYS = tuple(ScoreKey)

Aliases = AliasTable | Mapping[str, Sequence[str]] | None
"""An alias table, or the mapping it is built from (canonical id -> variants)."""


def _alias_table(aliases: Aliases) -> AliasTable:
    return aliases if isinstance(aliases, AliasTable) else AliasTable.from_mapping(aliases)


def _count_pairs(
    doc: PreparedDocument, tolerant: FieldScore
) -> tuple[Tally, tuple[float, ...], tuple[CountComparison, ...]]:
    pred_by_path = {p.item.path: p.count for p in doc.pred_counts}
    agree = 0
    errors: list[float] = []
    mismatches: list[CountComparison] = []
    for m in tolerant.matches:
        p, g = pred_by_path[m.pred.path], doc.gold_counts[m.gold.index].count
        agree += p.qualifier is g.qualifier
        errors.append(m.log_error or 0.0)
        if m.tier is not Tier.STRICT:
            mismatches.append(
                CountComparison(
                    m.pred,
                    m.gold,
                    p.value,
                    g.value,
                    p.qualifier.value,
                    g.qualifier.value,
                    m.log_error or 0.0,
                    m.tier,
                )
            )
    return Tally(agree, len(tolerant.matches)), tuple(errors), tuple(mismatches)


def score_document(
    pred: ArticleExtraction | None,
    gold: GoldDocument,
    aliases: Aliases = None,
    *,
    details: bool = True,
) -> DocumentScore:
    """Score one system output against its gold document at every level, field and tier.

    Args:
        pred: The output, or None when it failed or was invalid (scored as empty).
        gold: The gold document.
        aliases: The project alias table (canonical id -> variants), or None.
        details: Keep every match, false positive and false negative (False keeps counts only,
            which is faster for large corpora; count mismatches are kept either way).

    Returns:
        The document's scores, alignments and count comparisons.
    """
    doc = PreparedDocument.build(pred, gold, _alias_table(aliases))
    bags = {f: bag(doc, f) for f in BAG_FIELDS}
    found: dict[tuple[Level, Field, Tier], FieldScore] = {}
    for (f, t), s in score_bags(doc, details=details, bags=bags).items():
        found[Level.L1, f, t] = s
    events = EventScorer(doc)
    gated = events.align(type_gated=True)
    agnostic = events.align(type_gated=False)
    same = agnostic.pairs == gated.pairs  # the usual case: the type gate changed nothing
    l2 = add_profiles(events.score(gated, details=details))
    # Roles only matter for actors: L2-C reuses the places and counts of L2.
    actors = events.score(gated, role_aware=True, details=details, fields=[Field.ACTORS])
    l2_c = add_profiles({**l2, **actors})
    l2_i = l2 if same else add_profiles(events.score(agnostic, details=details))
    for level, scores in ((Level.L2, l2), (Level.L2_I, l2_i), (Level.L2_C, l2_c)):
        for (f, t), s in scores.items():
            found[level, f, t] = s
    detected = events.detection(gated, details=details)
    found[Level.DETECTION, Field.EVENTS, Tier.HEADLINE] = detected
    found[Level.DETECTION_I, Field.EVENTS, Tier.HEADLINE] = (
        detected if same else events.detection(agnostic, details=details)
    )
    tolerant = (
        found[Level.L1, Field.COUNTS, Tier.TOLERANT]
        if details
        else bags[Field.COUNTS].score(Tier.TOLERANT)
    )
    qualifier, errors, mismatches = _count_pairs(doc, tolerant)
    pairs = agnostic.required
    by_key: dict[str, FieldScore] = {k: found[k.level, k.field, k.tier] for k in _KEYS}
    return DocumentScore(
        article_id=gold.article_id,
        failed=pred is None,
        scores=by_key,
        alignment=gated,
        alignment_agnostic=agnostic,
        event_type=Tally(sum(p.same_type for p in pairs), len(pairs)),
        sub_event_type=Tally(sum(p.same_sub_type for p in pairs), len(pairs)),
        qualifier=qualifier,
        log_errors=errors,
        count_mismatches=mismatches,
    )


def score_documents(
    preds: Sequence[ArticleExtraction | None],
    golds: Sequence[GoldDocument],
    aliases: Aliases = None,
    *,
    details: bool = True,
    ci_resamples: int = 0,
    confidence: float = 0.95,
    seed: int = 0,
) -> CorpusScore:
    """Score a system over a gold set.

    Args:
        preds: One output per gold document, in the same order; None for a failed output.
        golds: The gold documents.
        aliases: The project alias table (canonical id -> variants), or None.
        details: Keep per-document matches, false positives and false negatives.
        ci_resamples: When > 0, attach a document-level bootstrap CI of the micro F1 with this
            many resamples to every result (SCORING.md §6: 10,000 for reports, 1,000 in CI).
        confidence: Coverage of the CIs.
        seed: Seed of the bootstrap.

    Returns:
        Per (level, field, tier): tp/fp/fn, precision, recall, F1, macro F1, support (and CI);
        per document: every score with its matches (tier and rule), false positives (predicted
        evidence), false negatives (gold evidence), alignments and count mismatches.

    Raises:
        ValueError: When ``preds`` and ``golds`` differ in length.

    Note:
        The scorer allocates millions of small acyclic objects: on 10,000 documents, cyclic
        garbage collection passes cost about a third of the run time. A caller scoring a corpus
        that large may pause collection around the call (``benchmarks/scoring_speed.py`` does);
        the scorer itself leaves the process as it found it.
    """
    if len(preds) != len(golds):
        raise ValueError(f"{len(preds)} outputs for {len(golds)} gold documents")
    table = _alias_table(aliases)
    docs = [score_document(p, g, table, details=details) for p, g in zip(preds, golds, strict=True)]
    corpus = aggregate(docs)
    if ci_resamples <= 0 or not docs:
        return corpus
    counts = count_matrix(docs).reshape(len(docs), 3 * len(_KEYS))
    cis = bootstrap_f1_many(counts, resamples=ci_resamples, confidence=confidence, seed=seed)
    results: dict[str, FieldResult] = {
        k: dataclasses.replace(corpus.results[k], ci=ci) for k, ci in zip(_KEYS, cis, strict=True)
    }
    return dataclasses.replace(corpus, results=results)


def compare(
    a: CorpusScore,
    b: CorpusScore,
    *,
    level: Level = Level.L1,
    field: Field = Field.ALL,
    tier: Tier = Tier.HEADLINE,
    rounds: int = 10_000,
    resamples: int = 10_000,
    confidence: float = 0.95,
    seed: int = 0,
    names: tuple[str, str] = ("A", "B"),
) -> Comparison:
    """Compare two systems on one score, paired by document (SCORING.md §6).

    Args:
        a: System A's corpus score.
        b: System B's, over the same documents in the same order.
        level: The level compared (the headline by default; fix it in advance).
        field: The field compared.
        tier: The tier compared.
        rounds: R of the approximate randomisation test.
        resamples: B of the paired bootstrap.
        confidence: Coverage of the CI on δ.
        seed: Seed of both tests.
        names: Display names of A and B.

    Returns:
        δ = F1(A) - F1(B) with its paired-bootstrap CI, the randomisation p-value and the
        shifted-null bootstrap p-value.

    Raises:
        ValueError: When the two scores cover different documents.
    """
    if a.article_ids() != b.article_ids():
        raise ValueError("the two systems were scored on different documents")
    ca, cb = a.counts(level, field, tier), b.counts(level, field, tier)
    p = approximate_randomization(ca, cb, rounds=rounds, seed=seed)
    boot = paired_bootstrap(ca, cb, resamples=resamples, confidence=confidence, seed=seed)
    return Comparison(
        key=score_key(level, field, tier),
        system_a=names[0],
        system_b=names[1],
        f1_a=a.result(level, field, tier).f1,
        f1_b=b.result(level, field, tier).f1,
        delta=boot.delta,
        ci=boot.ci,
        p_value=p,
        p_bootstrap=boot.p_shifted,
        rounds=rounds,
        resamples=resamples,
        seed=seed,
    )


class CompareOptions(TypedDict, total=False):
    """The options of :func:`compare` that :func:`compare_all` passes to every pair."""

    level: Level
    field: Field
    tier: Tier
    rounds: int
    resamples: int
    confidence: float
    seed: int


def compare_all(
    systems: Mapping[str, CorpusScore], **options: Unpack[CompareOptions]
) -> tuple[Comparison, ...]:
    """Compare every pair of systems and Holm-adjust the randomisation p-values across pairs.

    Args:
        systems: Name -> corpus score, all over the same documents.
        **options: As for :func:`compare` (level, field, tier, rounds, resamples, confidence,
            seed).

    Returns:
        One comparison per pair (in the mapping's order), with ``p_holm`` filled in.
    """
    comps = [
        compare(systems[x], systems[y], names=(x, y), **options)
        for x, y in itertools.combinations(systems, 2)
    ]
    adjusted = holm([c.p_value for c in comps])
    return tuple(dataclasses.replace(c, p_holm=h) for c, h in zip(comps, adjusted, strict=True))

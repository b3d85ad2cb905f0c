"""The Markdown report: for terminals, READMEs and CI summaries.

The JSON report is ``json.py``, the HTML review page ``html.py``, the PNG chart ``chart.py``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from extractor.records import RunSummary
from extractor.report.keys import HEADLINE_ROWS
from extractor.scoring import Comparison, CorpusScore, FieldResult, Rule, ScoreKey

__all__ = [
    "comparison_table",
    "lenient_matches",
    "markdown_report",
    "run_facts_table",
    "scores_table",
]


def _pct(x: float | None) -> str:
    return "—" if x is None else f"{x:.2f}"


def _ci(r: FieldResult) -> str:
    return "" if r.ci is None else f" [{r.ci.low:.2f}, {r.ci.high:.2f}]"


def scores_table(
    runs: Mapping[str, CorpusScore], rows: Sequence[tuple[ScoreKey, str]] = HEADLINE_ROWS
) -> str:
    """A Markdown table: one row per field and level, P/R/F1 (95% CI) per run."""
    names = list(runs)
    head = "| field | " + " | ".join(f"{n} P | {n} R | {n} F1 (95% CI)" for n in names) + " |"
    sep = "|---|" + "---|---|---|" * len(names)
    lines = [head, sep]
    for key, label in rows:
        cells: list[str] = []
        for n in names:
            r = runs[n].results.get(key)
            if r is None:
                cells += ["", "", ""]
                continue
            cells += [_pct(r.precision), _pct(r.recall), f"{r.f1:.2f}{_ci(r)}"]
        support = next(iter(runs.values())).results.get(key)
        label_s = f"{label} (n={support.support})" if support else label
        lines.append(f"| {label_s} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def run_facts_table(facts: Mapping[str, RunSummary]) -> str:
    """Cost and reliability per run: failures, medians of seconds and tokens per article."""
    lines = [
        "| run | articles | failed | median s/article | median tokens/article | "
        "completion tokens | dropped by grounding |",
        "|---|---|---|---|---|---|---|",
    ]
    for name, f in facts.items():
        lines.append(
            f"| {name} | {f.articles} | {f.failed} | {f.median_latency_s} | {f.median_tokens} | "
            f"{f.completion_tokens} | {f.dropped_items} |"
        )
    return "\n".join(lines)


def comparison_table(comparisons: Sequence[Comparison]) -> str:
    """Pairwise differences with the paired bootstrap CI, AR p-value and Holm-adjusted p."""
    lines = [
        "| score | A | B | F1 A | F1 B | δ (A-B) | 95% CI of δ | p (AR) | p (Holm) |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for c in comparisons:
        holm = "" if c.p_holm is None else f"{c.p_holm:.3f}"
        lines.append(
            f"| {c.key} | {c.system_a} | {c.system_b} | {c.f1_a:.2f} | {c.f1_b:.2f} | "
            f"{c.delta:+.3f} | [{c.ci.low:+.3f}, {c.ci.high:+.3f}] | {c.p_value:.3f} | "
            f"{holm} |"
        )
    return "\n".join(lines)


def lenient_matches(score: CorpusScore, limit: int = 50) -> str:
    """Every LENIENT-only name match, so a reader can audit the fuzzy tier (SCORING.md §2)."""
    lines: list[str] = []
    for doc in score.documents:
        for key in (ScoreKey.L1_ACTORS_LENIENT, ScoreKey.L1_PLACES_LENIENT):
            fs = doc.scores.get(key)
            if fs is None:
                continue
            for m in fs.matches:
                if m.rule in (Rule.SKELETON, Rule.CONTAINMENT):
                    lines.append(
                        f"| {doc.article_id} | {key.field.value} | "
                        f"{m.pred.label} | {m.gold.label} | {m.rule.value} |"
                    )
    if not lines:
        return "No LENIENT-only matches."
    head = ["| article | field | predicted | gold | rule |", "|---|---|---|---|---|"]
    more = [f"\n({len(lines) - limit} more in the JSON report)"] if len(lines) > limit else []
    return "\n".join(head + lines[:limit]) + "".join(more)


def markdown_report(
    runs: Mapping[str, CorpusScore],
    facts: Mapping[str, RunSummary] | None = None,
    comparisons: Sequence[Comparison] = (),
    title: str = "Evaluation",
) -> str:
    """The whole Markdown report."""
    parts = [
        f"# {title}",
        "",
        "Micro precision, recall and F1 on the gold set; 95% intervals "
        "from a document-level bootstrap. Counts: kind and value must match (VALUE tier); "
        "names: normalised, alias or consonant-skeleton match (LENIENT tier).",
        "",
        scores_table(runs),
    ]
    if facts:
        parts += ["", "## Cost and failures", "", run_facts_table(facts)]
    if comparisons:
        parts += ["", "## Paired comparisons", "", comparison_table(comparisons)]
    for name, score in runs.items():
        extra = [
            f"event-type accuracy on aligned events: {_pct(score.event_type_accuracy)}",
            f"count qualifier accuracy (tolerant pairs): {_pct(score.qualifier_accuracy)}",
            f"failed outputs: {score.n_failed} of {score.n_documents}",
        ]
        parts += [
            "",
            f"## {name}",
            "",
            "; ".join(extra),
            "",
            "### LENIENT matches (audit)",
            "",
            lenient_matches(score),
        ]
    return "\n".join(parts) + "\n"

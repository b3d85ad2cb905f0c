"""The JSON report: per run, field and tier, the counts and ratios with their intervals."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from extractor.scoring import Comparison, CorpusScore, to_jsonable

__all__ = ["json_report"]


def json_report(
    runs: Mapping[str, CorpusScore], comparisons: Sequence[Comparison] = ()
) -> dict[str, object]:
    """Per run, field and tier: precision, recall, F1, support, 95% CI; plus comparisons."""
    out: dict[str, object] = {}
    for name, score in runs.items():
        out[name] = {
            "n_documents": score.n_documents,
            "n_failed": score.n_failed,
            "results": {
                k: {
                    "precision": r.precision,
                    "recall": r.recall,
                    "f1": r.f1,
                    "support": r.support,
                    "predicted": r.predicted,
                    "tp": r.tp,
                    "ci95": None if r.ci is None else [r.ci.low, r.ci.high],
                }
                for k, r in score.results.items()
            },
        }
    return {"runs": out, "comparisons": to_jsonable(list(comparisons))}

"""The PNG chart of a report: precision, recall and F1 per field, one bar colour per run.

Three stacked panels share the field axis; the F1 panel carries the 95% bootstrap interval as
whiskers. Drawn on a bare ``Figure`` with the Agg canvas, so no GUI backend or pyplot state is used.

Example::

    write_chart({"qwen": score_a, "gpt": score_b}, Path("report.png"))
"""

# matplotlib's stubs leave every ``**kwargs`` untyped, so each Axes/Figure method is "partially
# unknown" to strict pyright; only that rule is relaxed, the rest of strict mode applies.
# pyright: reportUnknownMemberType=false

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from pathlib import Path

from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.patches import Patch

from extractor.records import atomic_path
from extractor.report.keys import CHART_KEYS, HEADLINE_ROWS
from extractor.scoring import CorpusScore, FieldResult, Level, ScoreKey

__all__ = ["CHART_KEYS", "write_chart"]

# Okabe-Ito: distinguishable with the common colour-vision deficiencies and in greyscale print.
_COLOURS = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000")
_LABELS = dict(HEADLINE_ROWS)
_METRICS = ("Precision", "Recall", "F1")


def _label(key: ScoreKey, support: int | None) -> str:
    name = _LABELS.get(key, key.field.value)
    if key.level is not Level.L1 and key not in _LABELS:
        name = f"{key.level.value} {name}"
    n = "" if support is None else f"\nn={support}"
    return f"{name}\n({key.tier.value}){n}"


def _value(r: FieldResult | None, metric: str) -> float:
    # NaN draws no bar: precision is undefined with no prediction, recall with empty gold.
    if r is None:
        return math.nan
    v = {"Precision": r.precision, "Recall": r.recall, "F1": r.f1}[metric]
    return math.nan if v is None else v


def _panel(
    ax: Axes,
    runs: Sequence[tuple[str, CorpusScore]],
    keys: Sequence[ScoreKey],
    metric: str,
    *,
    show_values: bool,
) -> None:
    n = len(runs)
    width = 0.8 / n
    for r, (_, score) in enumerate(runs):
        xs = [k + (r - (n - 1) / 2) * width for k in range(len(keys))]
        results = [score.results.get(key) for key in keys]
        ys = [_value(res, metric) for res in results]
        colour = _COLOURS[r % len(_COLOURS)]
        ax.bar(xs, [0.0 if math.isnan(y) else y for y in ys], width * 0.92, color=colour)
        tops = list(ys)
        if metric == "F1":
            whiskers: list[tuple[float, float, float, float]] = []  # x, y, below, above
            for i, (x, y, res) in enumerate(zip(xs, ys, results, strict=True)):
                if res is not None and res.ci is not None and not math.isnan(y):
                    below, above = max(0.0, y - res.ci.low), max(0.0, res.ci.high - y)
                    whiskers.append((x, y, below, above))
                    tops[i] = y + above  # the value label goes above the whisker
            if whiskers:
                ax.errorbar(
                    [w[0] for w in whiskers],
                    [w[1] for w in whiskers],
                    yerr=[[w[2] for w in whiskers], [w[3] for w in whiskers]],
                    fmt="none",
                    ecolor="#222222",
                    elinewidth=1.2,
                    capsize=3,
                )
        if show_values:
            for x, y, top in zip(xs, ys, tops, strict=True):
                text = "n/a" if math.isnan(y) else f"{y:.2f}"
                base = 0.0 if math.isnan(y) else top
                ax.text(
                    x,
                    base + 0.02,
                    text,
                    ha="center",
                    va="bottom",
                    fontsize=7.5,
                    color="#333333",
                )
    ax.set_ylim(0, 1.14 if show_values else 1.05)
    ax.set_yticks([0, 0.25, 0.5, 0.75, 1.0])
    ax.set_ylabel(metric, fontsize=11)
    ax.grid(axis="y", color="#dddddd", linewidth=0.8)
    ax.set_axisbelow(True)
    ax.spines[["top", "right"]].set_visible(False)


def write_chart(
    runs: Mapping[str, CorpusScore],
    path: Path,
    keys: Sequence[ScoreKey] = CHART_KEYS,
    *,
    title: str = "Precision, recall and F1 per field",
    dpi: int = 150,
) -> None:
    """Draw precision, recall and F1 per field and run, with the F1 95% CI, to a PNG file.

    Args:
        runs: Display name -> corpus score, in legend order (scored with ``ci_resamples > 0`` for
            whiskers; without a CI the F1 bar stands alone).
        path: The PNG to write; missing parent folders are created.
        keys: Score keys, one group of bars each, e.g. ``ScoreKey.L1_ACTORS_LENIENT``.
        title: The chart title.
        dpi: Resolution of the PNG.

    Raises:
        ValueError: When ``runs`` or ``keys`` is empty.
    """
    if not runs or not keys:
        raise ValueError("write_chart needs at least one run and one score key")
    named = list(runs.items())
    n = len(named)
    first = named[0][1].results
    labels = [_label(k, first[k].support if k in first else None) for k in keys]
    # Width grows with the bars: each bar stays ~0.4 in wide, enough for its "0.00" label.
    width = max(9.0, 1.6 + len(keys) * (0.55 + 0.42 * n))
    fig = Figure(figsize=(width, 9.0), dpi=dpi, layout="constrained")
    FigureCanvasAgg(fig)
    axes = fig.subplots(3, 1, sharex=True)
    for ax, metric in zip(axes, _METRICS, strict=True):
        _panel(ax, named, keys, metric, show_values=n <= 6)
    bottom: Axes = axes[-1]
    bottom.set_xticks(range(len(keys)), labels, fontsize=9.5)
    bottom.set_xlim(-0.6, len(keys) - 0.4)
    handles = [
        Patch(color=_COLOURS[i % len(_COLOURS)], label=name) for i, (name, _) in enumerate(named)
    ]
    # On the top panel, not the figure, so constrained layout keeps it clear of the title.
    axes[0].legend(
        handles=handles,
        loc="lower center",
        bbox_to_anchor=(0.5, 1.02),
        ncols=min(n, 4),
        frameon=False,
        fontsize=10,
    )
    fig.suptitle(title, fontsize=14, fontweight="bold")
    fig.supxlabel(
        "Whiskers: 95% document-level bootstrap CI of F1.  n: gold items.",
        fontsize=9,
        color="#555555",
    )
    with atomic_path(path) as tmp:
        fig.savefig(tmp, format="png")

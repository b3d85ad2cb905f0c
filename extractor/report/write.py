"""The four reports of a set of scored runs, written together: Markdown, JSON, HTML and PNG."""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path

from extractor.gold import GoldSet
from extractor.records import RunSummary, atomic_write
from extractor.report.chart import write_chart
from extractor.report.html import RunView, write_html
from extractor.report.json import json_report
from extractor.report.markdown import markdown_report

__all__ = ["write_reports"]


def write_reports(
    directory: Path,
    name: str,
    runs: Mapping[str, RunView],
    summaries: Mapping[str, RunSummary],
    gold: GoldSet,
    *,
    title: str,
) -> str:
    """Write ``NAME.md``, ``NAME.json``, ``NAME.html`` and ``NAME.png`` into ``directory``.

    Args:
        directory: where the reports go (created if missing).
        name: the file name stem (a suite's name).
        runs: display name -> scored run, in column order.
        summaries: display name -> cost and failures of its run.
        gold: the gold set the runs were scored against.
        title: the reports' title.

    Returns:
        The Markdown report.
    """
    scores = {run: view.score for run, view in runs.items()}
    md = markdown_report(scores, summaries, title=title)
    atomic_write(directory / f"{name}.md", md)
    atomic_write(directory / f"{name}.json", json.dumps(json_report(scores), indent=1))
    write_html(directory / f"{name}.html", runs, gold, title=title)
    write_chart(scores, directory / f"{name}.png")
    return md

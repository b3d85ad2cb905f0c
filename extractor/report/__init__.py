"""Reports of scored runs: Markdown, JSON, an HTML review page and a PNG chart.

Markdown is for terminals, READMEs and CI summaries, JSON for machines; ``keys.py`` says which
scores the reports show and what they call them.
Reports read records and scores only; they never import the pipeline.
"""

from extractor.report.chart import write_chart
from extractor.report.html import RunView, render_html, write_html
from extractor.report.json import json_report
from extractor.report.keys import CHART_KEYS, DETAIL_ROWS, HEADLINE_ROWS, SUMMARY_ROWS
from extractor.report.markdown import markdown_report
from extractor.report.write import write_reports

__all__ = [
    "CHART_KEYS",
    "DETAIL_ROWS",
    "HEADLINE_ROWS",
    "SUMMARY_ROWS",
    "RunView",
    "json_report",
    "markdown_report",
    "render_html",
    "write_chart",
    "write_html",
    "write_reports",
]

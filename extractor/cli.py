"""The command line: a thin typer front end, flags to library calls and results to the terminal.

Exit codes: 0 ok; 1 an article (or an input row) failed, a threshold was missed or a run is stale;
2 a usage, configuration or input error, or a run stopped for a reason every article would share
(backend unreachable, disk full, log held by another run, too many failures): one line on stderr
naming what and where.
"""

from __future__ import annotations

import json
import logging
import signal
import sys
import time
from collections.abc import Callable
from enum import StrEnum
from functools import wraps
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Annotated, ParamSpec, TypeVar

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)

from extractor.errors import ExtractorError
from extractor.pipeline import DEFAULT_BACKEND, DEFAULT_STRATEGY, Constrain, Strategy
from extractor.redact import ScrubFilter, scrub
from extractor.run.engines import Engine
from extractor.scoring.keys import ScoreKey

if TYPE_CHECKING:
    from extractor.records import ExtractionRecord

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    help="Turn conflict news into verifiable event records, and score them.",
)
models_app = typer.Typer(no_args_is_help=True, help="List, pull and locate local models.")
gold_app = typer.Typer(no_args_is_help=True, help="Validate gold sets.")
batch_app = typer.Typer(no_args_is_help=True, help="OpenAI Batch API: prepare, submit, collect.")
app.add_typer(models_app, name="models")
app.add_typer(gold_app, name="gold")
app.add_typer(batch_app, name="batch")
err = Console(stderr=True)

P = ParamSpec("P")
R = TypeVar("R")

DEFAULT_SUITE = Path("eval/suites/default.toml")
ERROR_WINDOW = 100
"""Articles ``--max-error-rate`` is measured over: the last 100 a run wrote (none before)."""
INPUT_HELP = ".txt, folder, .jsonl, .csv, .parquet, saved dataset, or - for stdin"


class ReportFormat(StrEnum):
    """How ``score`` prints: a Markdown report or the JSON one."""

    MD = "md"
    JSON = "json"


def friendly(fn: Callable[P, R]) -> Callable[P, R]:
    """Turn our errors into one clear line and exit code 2."""

    @wraps(fn)
    def inner(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return fn(*args, **kwargs)
        except ExtractorError as exc:
            # scrubbed: the message may quote a server's reply or a URL (redact.scrub); escaped:
            # "[thresholds]" or a pydantic "[type=...]" is text, not markup
            msg = f"[red]error:[/red] {escape(scrub(str(exc)))}"
            err.print(msg, highlight=False, markup=True, soft_wrap=True)
            raise typer.Exit(2) from None
        except OSError as exc:  # an output we write ourselves (Parquet, a report): say which
            msg = f"[red]error:[/red] {escape(scrub(str(exc)))}"
            err.print(msg, highlight=False, soft_wrap=True)
            raise typer.Exit(2) from None

    return inner


@app.callback()
def _main(verbose: Annotated[bool, typer.Option("--verbose", "-v")] = False) -> None:
    logging.basicConfig(
        level=logging.DEBUG if verbose else logging.WARNING,
        format="%(levelname)s %(name)s: %(message)s",
    )
    for handler in logging.getLogger().handlers:  # no key or URL secret reaches a log line
        if not any(isinstance(f, ScrubFilter) for f in handler.filters):
            handler.addFilter(ScrubFilter())
    if not verbose:
        logging.getLogger("httpx2").setLevel(logging.WARNING)


class _ExtractProgress:
    """The progress bar of ``extract`` (shown from two articles up), and the tally under it."""

    def __init__(self, total: int, done: int, *, echo: bool) -> None:
        self.failed = self.cached = self.tokens = self.new = 0
        self._echo = echo
        self._started = time.monotonic()
        self._bar = Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("{task.fields[rate]}"),
            TimeElapsedColumn(),
            TextColumn("ETA"),
            TimeRemainingColumn(),
            TextColumn("{task.fields[tally]}"),
            console=err,
            disable=total < 2,
        )
        self._task = self._bar.add_task(
            "extracting", total=total, completed=done, rate="", tally=""
        )

    def __enter__(self) -> _ExtractProgress:
        self._bar.__enter__()
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self._bar.__exit__(kind, exc, tb)

    def record(self, record: ExtractionRecord) -> None:
        """Count one written record (and print it, when the output is stdout)."""
        self.new += 1
        self.failed += record.error is not None
        self.cached += record.meta.cached
        self.tokens += record.meta.usage.prompt_tokens + record.meta.usage.completion_tokens
        rate = self.new / max(time.monotonic() - self._started, 1e-9)
        self._bar.update(
            self._task,
            advance=1,
            rate=f"{rate:.1f}/s",
            tally=f"{self.tokens:,} tok · {self.failed} errors · {self.cached} cached",
        )
        if self._echo:
            print(record.model_dump_json())


@app.command()
@friendly
def extract(
    inputs: Annotated[list[str], typer.Argument(help=INPUT_HELP)],
    backend: Annotated[str, typer.Option(envvar="EXTRACTOR_BACKEND")] = DEFAULT_BACKEND,
    strategy: Annotated[Strategy, typer.Option(envvar="EXTRACTOR_STRATEGY")] = DEFAULT_STRATEGY,
    output: Annotated[
        Path | None,
        typer.Option(
            "-o",
            "--output",
            help="x.jsonl (the resumable log), or x.parquet (written from the log x.jsonl)",
        ),
    ] = None,
    output_dataset: Annotated[
        Path | None, typer.Option(help="also save the records as a `datasets` dataset here")
    ] = None,
    text_column: str = "text",
    id_column: str = "id",
    date_column: str = "published",
    concurrency: Annotated[int, typer.Option(envvar="EXTRACTOR_CONCURRENCY")] = 0,
    cache: Annotated[Path | None, typer.Option(envvar="EXTRACTOR_CACHE")] = None,
    constrain: Annotated[
        Constrain,
        typer.Option(help="none, or article: decode only the article's numbers and names"),
    ] = Constrain.NONE,
    engine: Annotated[
        Engine, typer.Option(envvar="EXTRACTOR_ENGINE", help="local (asyncio) or ray (Ray Data)")
    ] = Engine.LOCAL,
    ray_address: Annotated[
        str | None, typer.Option(envvar="RAY_ADDRESS", help="Ray cluster to join (ray only)")
    ] = None,
    ray_actors: Annotated[int, typer.Option(help="actors in the Ray pool (ray only)")] = 0,
    retry_failed: Annotated[
        bool, typer.Option(help="redo the articles whose record in the log is an error")
    ] = False,
    force_mix: Annotated[
        bool,
        typer.Option(
            help="resume a log whose records came from another backend, model, prompt, schema, "
            "strategy or pipeline version"
        ),
    ] = False,
    max_error_rate: Annotated[
        float,
        typer.Option(
            envvar="EXTRACTOR_MAX_ERROR_RATE",
            min=0.0,
            max=1.0,
            help=f"stop (exit 2) when more than this share of the last {ERROR_WINDOW} articles "
            "failed; 1 never stops",
        ),
    ] = 0.5,
) -> None:
    """Extract events from articles; one JSON line per article (resumes an existing -o file).

    A bad input row is reported and skipped, a failed article is recorded with its error, and
    the run goes on (exit 1 at the end). Rerun with --retry-failed to redo the failures.
    """
    from extractor.pipeline import PipelineSettings
    from extractor.records import log_ids
    from extractor.run import ResponseCache, RunPolicy, Work, run_engine
    from extractor.run.inputs import read_inputs
    from extractor.run.outputs import export, log_path_for

    bad_rows: list[str] = []

    def bad_row(problem: Exception) -> None:
        bad_rows.append(str(problem))
        err.print(f"[red]error:[/red] {scrub(str(problem))}", highlight=False, soft_wrap=True)

    articles = read_inputs(
        inputs, text_col=text_column, id_col=id_column, date_col=date_column, on_error=bad_row
    )
    if not articles:
        if bad_rows:
            err.print("error: no article could be read from the input", highlight=False)
        else:
            err.print("error: the input holds no article", highlight=False)
        raise typer.Exit(2)
    suffix = ".parquet" if engine == Engine.RAY else ".jsonl"
    out_path = output or Path(f"extractions-{time.strftime('%Y%m%d-%H%M%S')}{suffix}")
    log_path = log_path_for(out_path)
    to_stdout = output is None and len(articles) == 1
    in_log, failed = log_ids(log_path)  # one read of the log (the runner reads it once more)
    had = in_log - failed if retry_failed else in_log
    done = len(had & {a.id for a in articles})
    policy = RunPolicy(
        retry_failed=retry_failed,
        force_mix=force_mix,
        max_error_rate=max_error_rate if max_error_rate < 1 else None,
        error_window=ERROR_WINDOW,
    )
    store = ResponseCache(cache) if cache else None
    try:
        with _ExtractProgress(len(articles), done, echo=to_stdout) as progress:
            run_engine(
                engine,
                articles,
                backend,
                output=log_path,
                work=Work(strategy=strategy, pipeline=PipelineSettings(constrain=constrain)),
                concurrency=concurrency,
                cache=store,
                on_record=progress.record,
                ray_actors=ray_actors or None,
                ray_address=ray_address,
                policy=policy,
            )
    finally:
        if store:
            store.close()
    parquet = out_path if out_path != log_path else None
    for path in export(log_path, parquet=parquet, dataset=output_dataset):
        err.print(f"wrote {path}")
    if not to_stdout:
        err.print(f"wrote {log_path}")
    if bad_rows:
        err.print(f"{len(bad_rows)} input row(s) or file(s) could not be read (listed above)")
    if progress.failed or bad_rows:
        raise typer.Exit(1)


@app.command("eval")
@friendly
def eval_(
    suite: Annotated[Path, typer.Argument()] = DEFAULT_SUITE,
    runs_dir: Annotated[Path, typer.Option()] = Path("eval/runs"),
    reports_dir: Annotated[Path, typer.Option()] = Path("eval/reports"),
    limit: Annotated[int | None, typer.Option(help="only the first N gold articles")] = None,
    retry_failed: Annotated[
        bool, typer.Option(help="redo the articles whose recorded prediction is an error")
    ] = False,
    force_mix: Annotated[
        bool,
        typer.Option(help="resume predictions made with another backend, prompt or strategy"),
    ] = False,
) -> None:
    """Run every system of a suite over its gold set (cached, resumable), score and report."""
    from extractor.harness import evaluate_suite
    from extractor.report import RunView, write_reports
    from extractor.run import RunPolicy

    result = evaluate_suite(
        suite,
        runs_dir,
        limit=limit,
        on_entry=lambda entry, spec: err.print(f"running {entry.name} on {spec.gold} ..."),
        policy=RunPolicy(retry_failed=retry_failed, force_mix=force_mix),
    )
    name = result.suite.name
    views = {n: RunView(result.scores[n], run.records) for n, run in result.runs.items()}
    title = f"Evaluation: {name}"
    print(write_reports(reports_dir, name, views, result.summaries, result.gold, title=title))
    err.print(f"reports: {reports_dir}/{name}.{{md,json,html,png}}")


@app.command()
@friendly
def score(
    predictions: Path,
    gold: Annotated[Path, typer.Option()] = Path("gold/v1"),
    fmt: Annotated[ReportFormat, typer.Option("--format")] = ReportFormat.MD,
    resamples: int = 1000,
) -> None:
    """Score a predictions file against gold, with no model calls."""
    from extractor.gold import load_gold
    from extractor.harness import score_records
    from extractor.records import read_records
    from extractor.report import json_report, markdown_report

    result = score_records(read_records(predictions), load_gold(gold), ci_resamples=resamples)
    name = predictions.parent.name or predictions.stem
    if fmt == ReportFormat.JSON:
        print(json.dumps(json_report({name: result}), indent=1))
    else:
        print(markdown_report({name: result}, title=f"Scores of {predictions}"))


@app.command()
@friendly
def compare(
    runs: Annotated[list[Path], typer.Argument(help="run folders (eval/runs/...)")],
    gold: Annotated[Path, typer.Option()] = Path("gold/v1"),
    key: Annotated[ScoreKey, typer.Option(help="score compared")] = ScoreKey.L1_ALL_HEADLINE,
    rounds: int = 10_000,
    output: Annotated[Path | None, typer.Option("-o", help="write the Markdown here")] = None,
    html: Annotated[Path | None, typer.Option(help="write the HTML review page here")] = None,
    png: Annotated[Path | None, typer.Option(help="write the P/R/F1 chart here")] = None,
) -> None:
    """Side-by-side table of runs with paired tests (AR p-value, bootstrap CI, Holm).

    Runs are compared on the articles they all cover, so the test is paired.
    """
    from extractor.gold import load_gold
    from extractor.harness import compare_runs
    from extractor.records import atomic_write
    from extractor.report import RunView, markdown_report, write_chart, write_html

    gs = load_gold(gold)
    result = compare_runs(runs, gs, key=key, rounds=rounds)
    title = f"Comparison on {len(result.articles)} common articles"
    md = markdown_report(result.scores, result.summaries, result.comparisons, title=title)
    if output:
        atomic_write(output, md)
    if html:
        views = {r.name: RunView(result.scores[r.name], r.records) for r in result.runs}
        write_html(html, views, gs, title="Comparison")
    if png:
        write_chart(result.scores, png)
    print(md)


@app.command()
@friendly
def check(
    suites: Annotated[list[Path] | None, typer.Argument()] = None,
    runs_dir: Annotated[Path, typer.Option()] = Path("eval/runs"),
) -> None:
    """CI: re-score the committed runs of one or more suites (no model calls).

    Fails when a run is incomplete, stale, made otherwise than its suite says, or a field is
    below the suite's threshold.
    """
    from extractor.harness import check_suite
    from extractor.report import markdown_report

    failed = False
    for suite in suites or [DEFAULT_SUITE]:
        result = check_suite(suite, runs_dir)
        title = f"Canonical runs: {result.suite.name}"
        print(markdown_report(result.scores, result.summaries, title=title))
        for note in result.notes:
            err.print(f"[yellow]note[/yellow] {escape(note)}", highlight=False, soft_wrap=True)
        for p in result.problems:
            err.print(f"[red]FAIL[/red] {escape(p)}", highlight=False, soft_wrap=True)
        failed |= bool(result.problems)
    if failed:
        raise typer.Exit(1)


@gold_app.command("validate")
@friendly
def gold_validate(directory: Annotated[Path, typer.Argument()] = Path("gold/v1")) -> None:
    """Validate a gold set or a split one (gold/v2: every part, and no id in two parts)."""
    from extractor.gold import load_gold_parts

    for gs in load_gold_parts(directory):
        events = sum(len(d.events) for d in gs.documents.values())
        counts = sum(len(e.counts) for d in gs.documents.values() for e in d.events)
        print(
            f"ok: {gs.path}: {len(gs.articles)} articles, {events} events, {counts} counts, "
            f"sha256 {gs.sha256[:12]}"
        )


@models_app.command("list")
def models_list() -> None:
    """The registry: name, size, licence, source, and whether it is pulled."""
    from extractor.backends.models import MODELS, is_pulled

    for spec in MODELS.values():
        state = "pulled" if is_pulled(spec) else "not pulled"
        print(
            f"{spec.name}\t{spec.size / 1e6:.0f} MB\t{spec.licence}\t{spec.base_model}\t"
            f"{spec.source.describe()}\t{state}"
        )


@models_app.command("pull")
@friendly
def models_pull(name: str, force: bool = False) -> None:
    """Download, join, verify (sha256) and install a model; a no-op when already verified."""
    from extractor.backends.models import get_model, pull

    print(pull(get_model(name), force=force))


@models_app.command("path")
@friendly
def models_path(name: str) -> None:
    """Where a model's verified file is (pulling it first if needed)."""
    from extractor.backends.models import ensure_model

    print(ensure_model(name))


@app.command()
@friendly
def doctor(
    model: Annotated[str, typer.Option(help="the local model to check")] = "qwen2.5-coder-1.5b",
    verify: Annotated[bool, typer.Option(help="re-hash the model file (about 3 s per GB)")] = True,
    generate: Annotated[
        bool, typer.Option(help="start the server and time a test completion")
    ] = True,
) -> None:
    """Check this install: Python, packages, the llama.cpp build's CPU features, model, speed."""
    from extractor.doctor import diagnose

    report = diagnose(model=model, verify=verify, generate=generate)
    print(report.render())
    if report.problems:
        raise typer.Exit(1)


@app.command()
@friendly
def serve(
    name: Annotated[str, typer.Argument()] = "qwen2.5-coder-1.5b", port: int = 0, threads: int = 0
) -> None:
    """Run the embedded llama.cpp server in the foreground; other commands reuse it."""
    from extractor.backends.local import LlamaServer, state_path, write_state
    from extractor.backends.models import get_model

    server = LlamaServer.start(get_model(name), port=port or None, threads=threads or None)
    write_state(server)
    print(f"serving {name} at {server.base_url} (Ctrl-C to stop); log: {server.log_path}")
    print(f"use: --backend openai-compatible/{name}@{server.base_url}  or  --backend local/{name}")

    def _exit(*_: object) -> None:
        sys.exit(0)

    signal.signal(signal.SIGTERM, _exit)
    try:
        assert server.process is not None
        server.process.wait()
    except KeyboardInterrupt:
        pass
    finally:
        server.stop()
        state_path(name).unlink(missing_ok=True)


@batch_app.command("prepare")
@friendly
def batch_prepare(
    inputs: Annotated[list[str], typer.Argument(help=INPUT_HELP)],
    model: Annotated[str, typer.Option()] = "gpt-4.1-mini",
    output: Annotated[Path, typer.Option("-o", "--output")] = Path("batch.jsonl"),
    text_column: str = "text",
    id_column: str = "id",
    date_column: str = "published",
) -> None:
    """Write Batch API requests (same prompts and schema as `extract`) and their manifest."""
    from extractor.backends import GenerateSettings
    from extractor.backends.openai_batch import manifest_path
    from extractor.pipeline import load_prompt
    from extractor.run.batch import prepare
    from extractor.run.inputs import read_inputs

    articles = read_inputs(inputs, text_col=text_column, id_col=id_column, date_col=date_column)
    path = prepare(
        articles,
        model=model.removeprefix("openai/"),
        prompt=load_prompt(),
        out=output,
        settings=GenerateSettings(),
    )
    print(f"{path}\n{manifest_path(path)}")


@batch_app.command("submit")
@friendly
def batch_submit(requests: Path) -> None:
    """Upload a request file and start a batch (needs OPENAI_API_KEY); prints the batch id."""
    from extractor.backends.openai_batch import submit

    print(submit(requests))


@batch_app.command("status")
@friendly
def batch_status(
    batch_id: str, download_dir: Annotated[Path | None, typer.Option("--download")] = None
) -> None:
    """Show a batch's status; with --download, fetch its output and error files."""
    from extractor.backends.openai_batch import download, status

    info = status(batch_id)
    print(json.dumps(info, indent=1, default=str))
    if download_dir:
        for key in ("output_file_id", "error_file_id"):
            file_id = info.get(key)
            if file_id:
                print(download(str(file_id), download_dir / f"{batch_id}.{key[:-8]}.jsonl"))


@batch_app.command("collect")
@friendly
def batch_collect(
    outputs: Annotated[list[Path], typer.Argument(help="batch output (and error) files")],
    manifest: Annotated[Path, typer.Option()],
    inputs: Annotated[list[str], typer.Option("--input")],
    output: Annotated[Path, typer.Option("-o", "--output")] = Path("batch-records.jsonl"),
) -> None:
    """Validate and ground batch replies into extraction records (resumable)."""
    from extractor.run.batch import collect
    from extractor.run.inputs import read_inputs

    articles = {a.id: a for a in read_inputs(inputs)}
    missing = 0
    for path in outputs:
        stats = collect(path, manifest=manifest, articles=articles, out=output)
        print(f"{path}: {stats}")
        missing = stats.missing
    if missing:
        raise typer.Exit(1)


# --------------------------------------------------------------------------- geocoding, exports


class ExportFormat(StrEnum):
    """What ``export`` writes.

    The same values as ``extractor.geo.export.ExportFormat``, repeated here so that the command
    line loads without the geo extra.
    """

    ACLED = "acled"
    UCDP_GED = "ucdp-ged"
    CSV = "csv"
    PARQUET = "parquet"
    MAP = "map"


if TYPE_CHECKING:
    from extractor.geo.export import Source
    from extractor.schema import Article


def _geo_source(source: Path, articles: list[str] | None) -> tuple[Source, dict[str, Article]]:
    """The records of a run folder or log, and the articles given with ``--articles``."""
    try:
        from extractor.geo.export import load_source
    except ModuleNotFoundError as exc:
        from extractor.errors import ConfigError

        raise ConfigError(
            f"geocoding needs the geo extra ({exc.name} is missing): pip install 'extractor[geo]'"
        ) from exc
    from extractor.run.inputs import read_inputs

    known = {a.id: a for a in read_inputs(articles)} if articles else {}
    return load_source(source), known


def _report_problems(problems: tuple[str, ...] | list[str]) -> None:
    """Each skipped line of the input, on stderr."""
    for p in problems:  # not markup: pydantic's messages hold [brackets]
        err.print(f"skipped {p}", highlight=False, markup=False, soft_wrap=True)


ARTICLES_HELP = "the articles (for their text as context; a run folder's gold is read by itself)"


@app.command("export")
@friendly
def export_(
    source: Annotated[Path, typer.Argument(help="a run folder (predictions.jsonl) or a log")],
    fmt: Annotated[ExportFormat, typer.Option("--format")] = ExportFormat.CSV,
    output: Annotated[Path | None, typer.Option("-o", "--output")] = None,
    articles: Annotated[list[str] | None, typer.Option("--articles", help=ARTICLES_HELP)] = None,
) -> None:
    """One row per event, places geocoded offline: ACLED's or UCDP GED's columns, or both.

    ``--format map`` draws the placed events on an offline basemap (PNG) instead.

    Exits 1 when lines of the log were skipped (each is listed; the rest is exported).
    """
    from extractor.geo.export import ExportFormat as Format
    from extractor.geo.export import export_events

    loaded, known = _geo_source(source, articles)
    suffix = {ExportFormat.PARQUET: ".parquet", ExportFormat.MAP: ".png"}.get(fmt, ".csv")
    out = output or Path(f"events-{fmt.value}{suffix}")
    result = export_events(loaded, Format(fmt.value), out, articles=known)
    _report_problems(result.problems)
    err.print(
        f"wrote {result.path}: {result.rows} events of {result.records} articles",
        highlight=False,
        markup=False,
        soft_wrap=True,
    )
    if result.problems:
        raise typer.Exit(1)


@app.command("geocode")
@friendly
def geocode_(
    source: Annotated[Path, typer.Argument(help="a run folder (predictions.jsonl) or a log")],
    output: Annotated[Path, typer.Option("-o", "--output")],
    articles: Annotated[list[str] | None, typer.Option("--articles", help=ARTICLES_HELP)] = None,
) -> None:
    """Geocode every place offline: the records as JSONL, each with a ``geo`` entry per place.

    Exits 1 when lines of the log were skipped (each is listed; the rest is written).
    """
    from extractor.geo.attach import geocode_records, write_geocoded

    loaded, known = _geo_source(source, articles)
    n = write_geocoded(geocode_records(loaded.records, {**loaded.articles, **known}), output)
    _report_problems(loaded.problems)
    err.print(f"wrote {output}: {n} records", highlight=False, markup=False, soft_wrap=True)
    if loaded.problems:
        raise typer.Exit(1)

"""The command line: a thin typer front end over the library.

Exit codes: 0 ok; 1 an article failed, a threshold was missed or a run is stale; 2 a usage,
configuration or input error (one line on stderr naming what and where).
"""

from __future__ import annotations

import asyncio
import json
import logging
import signal
import sys
import time
from collections.abc import Callable, Mapping
from functools import wraps
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, ParamSpec, TypeVar, cast

import typer
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)

from extractor.errors import ExtractorError

if TYPE_CHECKING:
    from extractor.backends import GenerateSettings
    from extractor.pipeline.extract import ExtractionRecord
    from extractor.run.runner import ResponseCache
    from extractor.schema import Article
    from extractor.scoring import CorpusScore

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    help="Turn conflict news into verifiable event records, and score them.",
)
models_app = typer.Typer(no_args_is_help=True, help="List, pull and locate local models.")
gold_app = typer.Typer(no_args_is_help=True, help="Validate gold sets.")
app.add_typer(models_app, name="models")
app.add_typer(gold_app, name="gold")
err = Console(stderr=True)

P = ParamSpec("P")
R = TypeVar("R")

DEFAULT_SUITE = Path("eval/suites/default.toml")


def friendly(fn: Callable[P, R]) -> Callable[P, R]:
    """Turn our errors into one clear line and exit code 2."""

    @wraps(fn)
    def inner(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return fn(*args, **kwargs)
        except ExtractorError as exc:
            err.print(f"[red]error:[/red] {exc}", highlight=False, markup=True, soft_wrap=True)
            raise typer.Exit(2) from None

    return inner


@app.callback()
def _main(verbose: Annotated[bool, typer.Option("--verbose", "-v")] = False) -> None:
    logging.basicConfig(
        level=logging.DEBUG if verbose else logging.WARNING,
        format="%(levelname)s %(name)s: %(message)s",
    )
    if not verbose:
        logging.getLogger("httpx2").setLevel(logging.WARNING)


@app.command()
@friendly
def extract(
    inputs: Annotated[
        list[str],
        typer.Argument(help=".txt, folder, .jsonl, .csv, .parquet, saved dataset, or - for stdin"),
    ],
    backend: Annotated[str, typer.Option(envvar="EXTRACTOR_BACKEND")] = "local/qwen2.5-coder-1.5b",
    strategy: Annotated[str, typer.Option(envvar="EXTRACTOR_STRATEGY")] = "sentence",
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
        str, typer.Option(help="none, or article: decode only the article's numbers and names")
    ] = "none",
    engine: Annotated[
        str, typer.Option(envvar="EXTRACTOR_ENGINE", help="local (asyncio) or ray (Ray Data)")
    ] = "local",
    ray_address: Annotated[
        str | None, typer.Option(envvar="RAY_ADDRESS", help="Ray cluster to join (ray only)")
    ] = None,
    ray_actors: Annotated[int, typer.Option(help="actors in the Ray pool (ray only)")] = 0,
) -> None:
    """Extract events from articles; one JSON line per article (resumes an existing -o file)."""
    from extractor.backends import GenerateSettings
    from extractor.pipeline.prompts import load_prompt
    from extractor.pipeline.strategies import STRATEGIES
    from extractor.run.inputs import read_articles
    from extractor.run.outputs import export, log_path_for
    from extractor.run.runner import ResponseCache, done_ids

    if strategy not in STRATEGIES:
        raise typer.BadParameter(f"strategy must be one of {STRATEGIES}")
    if constrain not in ("none", "article"):
        raise typer.BadParameter("constrain must be none or article")
    if engine not in ("local", "ray"):
        raise typer.BadParameter("engine must be local or ray")
    articles = [
        a
        for src in inputs
        for a in read_articles(src, text_col=text_column, id_col=id_column, date_col=date_column)
    ]
    suffix = ".parquet" if engine == "ray" else ".jsonl"
    out_path = output or Path(f"extractions-{time.strftime('%Y%m%d-%H%M%S')}{suffix}")
    log_path = log_path_for(out_path)
    to_stdout = output is None and len(articles) == 1
    store = ResponseCache(cache) if cache else None
    in_flight = concurrency or (1 if backend.startswith("local/") else 8)
    settings = GenerateSettings(constrain=constrain)  # pyright: ignore[reportArgumentType]
    already = done_ids(log_path) & {a.id for a in articles}
    failed = cached = tokens = new = 0
    started = time.monotonic()
    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.fields[rate]}"),
        TimeElapsedColumn(),
        TextColumn("ETA"),
        TimeRemainingColumn(),
        TextColumn("{task.fields[tally]}"),
        console=err,
        disable=len(articles) < 2,
    ) as bar:
        task = bar.add_task(
            "extracting", total=len(articles), completed=len(already), rate="", tally=""
        )

        def progress(record: ExtractionRecord) -> None:
            nonlocal failed, cached, tokens, new
            new += 1
            failed += record.error is not None
            cached += record.meta.cached
            tokens += record.meta.usage.prompt_tokens + record.meta.usage.completion_tokens
            rate = new / max(time.monotonic() - started, 1e-9)
            bar.update(
                task,
                advance=1,
                rate=f"{rate:.1f}/s",
                tally=f"{tokens:,} tok · {failed} errors · {cached} cached",
            )
            if to_stdout:
                print(record.model_dump_json())

        if engine == "ray":
            from extractor.run.engines.ray import run_ray

            try:
                run_ray(
                    articles,
                    backend,
                    output=log_path,
                    prompt=load_prompt(),
                    strategy=strategy,
                    settings=settings,
                    cache=store,
                    on_record=progress,
                    concurrency=in_flight,
                    actors=ray_actors or None,
                    address=ray_address,
                )
            finally:
                if store:
                    store.close()
        else:
            _extract_local(
                articles, backend, log_path, strategy, settings, store, progress, in_flight
            )
    parquet = out_path if out_path != log_path else None
    for path in export(log_path, parquet=parquet, dataset=output_dataset):
        err.print(f"wrote {path}")
    if not to_stdout:
        err.print(f"wrote {log_path}")
    if failed:
        raise typer.Exit(1)


def _extract_local(
    articles: list[Article],
    backend: str,
    log_path: Path,
    strategy: str,
    settings: GenerateSettings,
    store: ResponseCache | None,
    progress: Callable[[ExtractionRecord], None],
    concurrency: int,
) -> None:
    """The local engine: ``run_batch`` on one asyncio loop in this process."""
    from extractor.backends import get_backend
    from extractor.pipeline.prompts import load_prompt
    from extractor.run.runner import run_batch

    engine = get_backend(backend)

    async def go() -> None:
        try:
            await run_batch(
                articles,
                engine,
                output=log_path,
                prompt=load_prompt(),
                strategy=strategy,  # pyright: ignore[reportArgumentType]
                settings=settings,
                cache=store,
                on_record=progress,
                concurrency=concurrency,
            )
        finally:
            await engine.aclose()

    try:
        asyncio.run(go())
    finally:
        if store:
            store.close()


@app.command("eval")
@friendly
def eval_(
    suite: Annotated[Path, typer.Argument()] = DEFAULT_SUITE,
    runs_dir: Annotated[Path, typer.Option()] = Path("eval/runs"),
    reports_dir: Annotated[Path, typer.Option()] = Path("eval/reports"),
    limit: Annotated[int | None, typer.Option(help="only the first N gold articles")] = None,
) -> None:
    """Run every system of a suite over its gold set (cached, resumable), score and report."""
    from extractor.gold import load_gold
    from extractor.harness.run import (
        load_run,
        load_suite,
        run_articles,
        run_entry,
        score_records,
    )
    from extractor.report.chart import write_chart
    from extractor.report.html import RunView, write_html
    from extractor.report.markdown import json_report, markdown_report

    spec = load_suite(suite)
    gold = load_gold(spec.gold)
    views: dict[str, RunView] = {}
    facts: dict[str, Mapping[str, object]] = {}
    for entry in spec.entries:
        err.print(f"running {entry.name} on {spec.gold} ...")
        run = load_run(run_entry(entry, spec, runs_dir, limit=limit))
        views[entry.name] = RunView(
            score_records(run.records, gold, only=run_articles(run)), run.records
        )
        facts[entry.name] = cast("Mapping[str, object]", run.info["summary"])
    scores = {name: view.score for name, view in views.items()}
    md = markdown_report(scores, facts, title=f"Evaluation: {spec.name}")
    reports_dir.mkdir(parents=True, exist_ok=True)
    (reports_dir / f"{spec.name}.md").write_text(md, encoding="utf-8")
    (reports_dir / f"{spec.name}.json").write_text(
        json.dumps(json_report(scores), indent=1), encoding="utf-8"
    )
    write_html(reports_dir / f"{spec.name}.html", views, gold, title=f"Evaluation: {spec.name}")
    write_chart(scores, reports_dir / f"{spec.name}.png")
    print(md)
    err.print(f"reports: {reports_dir}/{spec.name}.{{md,json,html,png}}")


@app.command()
@friendly
def score(
    predictions: Path,
    gold: Annotated[Path, typer.Option()] = Path("gold/v1"),
    fmt: Annotated[str, typer.Option("--format")] = "md",
    resamples: int = 1000,
) -> None:
    """Score a predictions file against gold, with no model calls."""
    from extractor.gold import load_gold
    from extractor.harness.run import read_predictions, score_records
    from extractor.report.markdown import json_report, markdown_report

    result = score_records(read_predictions(predictions), load_gold(gold), ci_resamples=resamples)
    name = predictions.parent.name or predictions.stem
    if fmt == "json":
        print(json.dumps(json_report({name: result}), indent=1))
    else:
        print(markdown_report({name: result}, title=f"Scores of {predictions}"))


@app.command()
@friendly
def compare(
    runs: Annotated[list[Path], typer.Argument(help="run folders (eval/runs/...)")],
    gold: Annotated[Path, typer.Option()] = Path("gold/v1"),
    key: Annotated[str, typer.Option(help="score compared")] = "L1/all/headline",
    rounds: int = 10_000,
    output: Annotated[Path | None, typer.Option("-o", help="write the Markdown here")] = None,
    html: Annotated[Path | None, typer.Option(help="write the HTML review page here")] = None,
    png: Annotated[Path | None, typer.Option(help="write the P/R/F1 chart here")] = None,
) -> None:
    """Side-by-side table of runs with paired tests (AR p-value, bootstrap CI, Holm).

    Runs are compared on the articles they all cover, so the test is paired.
    """
    from extractor.gold import load_gold
    from extractor.harness.run import load_run, run_articles, score_records
    from extractor.report.markdown import markdown_report
    from extractor.scoring import compare_all
    from extractor.scoring.matching import Field, Tier
    from extractor.scoring.results import Level

    gs = load_gold(gold)
    loaded = [load_run(r) for r in runs]
    common = [ga.article.id for ga in gs.articles]
    for r in loaded:
        covered = set(run_articles(r) or common)
        common = [i for i in common if i in covered]
    scores = {r.path.name: score_records(r.records, gs, only=common) for r in loaded}
    level, field, tier = key.split("/")
    comps = list(
        compare_all(
            scores,
            level=Level(level),
            field=Field(field),
            tier=Tier(tier),
            rounds=rounds,
            resamples=rounds,
        )
    )
    facts = {r.path.name: cast("Mapping[str, object]", r.info["summary"]) for r in loaded}
    md = markdown_report(scores, facts, comps, title=f"Comparison on {len(common)} common articles")
    if output:
        output.write_text(md, encoding="utf-8")
    if html:
        from extractor.report.html import RunView, write_html

        views = {r.path.name: RunView(scores[r.path.name], r.records) for r in loaded}
        write_html(html, views, gs, title="Comparison")
    if png:
        from extractor.report.chart import write_chart

        write_chart(scores, png)
    print(md)


@app.command()
@friendly
def check(
    suite: Annotated[Path, typer.Argument()] = DEFAULT_SUITE,
    runs_dir: Annotated[Path, typer.Option()] = Path("eval/runs"),
) -> None:
    """CI: re-score the committed runs of a suite (no model calls).

    Fails when a run is stale or a field is below the suite's threshold.
    """
    from extractor.gold import load_gold
    from extractor.harness.run import (
        load_run,
        load_suite,
        run_articles,
        score_records,
        staleness,
    )
    from extractor.report.markdown import markdown_report

    spec = load_suite(suite)
    gold = load_gold(spec.gold)
    problems: list[str] = []
    scores: dict[str, CorpusScore] = {}
    facts: dict[str, Mapping[str, object]] = {}
    for entry in spec.entries:
        path = runs_dir / f"{spec.name}__{entry.name}"
        run = load_run(path)
        problems += [f"{path}: stale: {why}" for why in staleness(run.info, gold)]
        result = score_records(run.records, gold, only=run_articles(run))
        scores[entry.name] = result
        facts[entry.name] = cast("Mapping[str, object]", run.info["summary"])
        for key, minimum in spec.thresholds.items():
            got = result.results[key].f1
            if got < minimum:
                problems.append(f"{path}: {key} F1 {got:.3f} is below the threshold {minimum}")
    print(markdown_report(scores, facts, title=f"Canonical runs: {spec.name}"))
    if problems:
        for p in problems:
            err.print(f"[red]FAIL[/red] {p}", highlight=False, soft_wrap=True)
        raise typer.Exit(1)


@gold_app.command("validate")
@friendly
def gold_validate(directory: Annotated[Path, typer.Argument()] = Path("gold/v1")) -> None:
    """Validate a gold set: schema, quotes and spans, ids, licences, entities."""
    from extractor.gold import load_gold

    gs = load_gold(directory)
    events = sum(len(d.events) for d in gs.documents.values())
    counts = sum(len(e.counts) for d in gs.documents.values() for e in d.events)
    print(
        f"ok: {len(gs.articles)} articles, {events} events, {counts} counts, "
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


batch_app = typer.Typer(no_args_is_help=True, help="OpenAI Batch API: prepare, submit, collect.")
app.add_typer(batch_app, name="batch")


@batch_app.command("prepare")
@friendly
def batch_prepare(
    inputs: Annotated[list[str], typer.Argument()],
    model: Annotated[str, typer.Option()] = "gpt-4.1-mini",
    output: Annotated[Path, typer.Option("-o", "--output")] = Path("batch.jsonl"),
    text_column: str = "text",
    id_column: str = "id",
    date_column: str = "published",
) -> None:
    """Write Batch API requests (same prompts and schema as `extract`) and their manifest."""
    from extractor.backends import GenerateSettings
    from extractor.backends.openai_batch.schema import manifest_path, prepare
    from extractor.pipeline.prompts import load_prompt
    from extractor.run.inputs import read_articles

    articles = [
        a
        for src in inputs
        for a in read_articles(src, text_col=text_column, id_col=id_column, date_col=date_column)
    ]
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
    from extractor.backends.openai_batch.schema import submit

    print(submit(requests))


@batch_app.command("status")
@friendly
def batch_status(
    batch_id: str, download_dir: Annotated[Path | None, typer.Option("--download")] = None
) -> None:
    """Show a batch's status; with --download, fetch its output and error files."""
    from extractor.backends.openai_batch.schema import download, status

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
    from extractor.backends.openai_batch.schema import collect
    from extractor.run.inputs import read_articles

    articles = {a.id: a for src in inputs for a in read_articles(src)}
    missing = 0
    for path in outputs:
        stats = collect(path, manifest=manifest, articles=articles, out=output)
        print(f"{path}: {stats}")
        missing = stats.missing
    if missing:
        raise typer.Exit(1)

"""Side by side with peers: ours, a bare instructor call and langextract, on one model and one gold.

Every system talks to the same llama.cpp server (the embedded Qwen2.5-Coder-1.5B on 127.0.0.1)
through a metering proxy that reads ``usage`` from every reply, so tokens are counted the same way
for all three. The systems run one after the other, each over all the sampled articles, so each
keeps llama.cpp's prompt cache for its own prefix as it would in real use.

- **ours**: ``extract_article`` with the default strategy (``sentence``) and grounding.
- **naive-instructor**: one ``instructor`` call per article with the same system prompt and the
  same Pydantic schema (``ArticleExtraction``), ``Mode.JSON``, no strategy, no grounding, no date
  resolution: what a user writes in ten lines.
- **langextract** (``pip install 'extractor[bench]'``; never a runtime dependency): ``lx.extract``
  through its OpenAI provider at the same server, ``use_schema_constraints=False`` (its schema
  constraints target Gemini and OpenAI's structured outputs, not llama.cpp), the same rules as
  our system prompt rewritten for its extraction classes, and one invented worked example (no gold
  text). Its extractions are mapped to our schema by :func:`from_langextract`.

The sample is every ``--every``-th gold article (the seed is the first), the same for every
system; scores are L1 micro P/R/F1 per field with 95% bootstrap intervals and the paired
approximate-randomisation p-value of each peer against ours, from the harness's scorer.

    python -m benchmarks.peers --every 4 --out eval/reports/peers.md

Run it on an otherwise idle machine: llama.cpp's threads share the cores with anything else.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import statistics
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, cast

from extractor.backends import GenerateSettings
from extractor.backends.local import LlamaServer, default_threads, llama_client
from extractor.backends.models import get_model
from extractor.codebook import (
    SUB_EVENT_PARENT,
    ActorRole,
    ActorType,
    CountKind,
    CountScope,
    EventType,
    PlaceKind,
    Qualifier,
    SubEventType,
)
from extractor.gold import GoldSet, load_gold
from extractor.harness.run import score_records
from extractor.pipeline import Strategy, extract_article
from extractor.pipeline.numbers import read_numbers
from extractor.pipeline.prompts import Prompt, load_prompt
from extractor.records import ExtractionRecord, RecordMeta, UsageRecord
from extractor.report.chart import write_chart
from extractor.report.markdown import markdown_report
from extractor.schema import (
    Actor,
    Article,
    ArticleExtraction,
    Count,
    Event,
    EventDate,
    Place,
)
from extractor.scoring import CorpusScore, compare
from extractor.scoring.matching import Field, Tier
from extractor.scoring.results import FieldResult, Level

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_MODEL = "qwen2.5-coder-1.5b"
KEYS = {  # the L1 score reported for each field (the harness's headline tiers)
    "actors": (Field.ACTORS, Tier.LENIENT),
    "places": (Field.PLACES, Tier.LENIENT),
    "counts": (Field.COUNTS, Tier.VALUE),
    "dates": (Field.DATES, Tier.LENIENT),
    "types": (Field.TYPES, Tier.STRICT),
    "all": (Field.ALL, Tier.HEADLINE),
}


# --- metering proxy ---------------------------------------------------------------------------


class Meter(ThreadingHTTPServer):
    """A loopback proxy to the model server that adds up ``usage`` per label."""

    def __init__(self, upstream: str) -> None:
        super().__init__(("127.0.0.1", 0), _Forward)
        self.upstream = upstream.rstrip("/")
        self.label = ""
        self.tokens: dict[str, list[int]] = {}
        self.lock = threading.Lock()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}/v1"

    def start(self) -> None:
        threading.Thread(target=self.serve_forever, daemon=True).start()

    def add(self, usage: dict[str, Any]) -> None:
        with self.lock:
            t = self.tokens.setdefault(self.label, [0, 0, 0])
            t[0] += int(usage.get("prompt_tokens") or 0)
            t[1] += int(usage.get("completion_tokens") or 0)
            t[2] += 1


class _Forward(BaseHTTPRequestHandler):
    server: Meter  # pyright: ignore[reportIncompatibleVariableOverride]

    def _forward(self, body: bytes | None) -> None:
        req = urllib.request.Request(
            self.server.upstream + self.path,
            data=body,
            headers={"Content-Type": "application/json"},
            method=self.command,
        )
        try:
            with urllib.request.urlopen(req, timeout=1800) as r:
                status, data = r.status, r.read()
        except urllib.error.HTTPError as exc:
            status, data = exc.code, exc.read()
        try:
            usage = json.loads(data).get("usage")
        except (ValueError, AttributeError):
            usage = None
        if isinstance(usage, dict):
            self.server.add(usage)  # pyright: ignore[reportUnknownArgumentType]
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_POST(self) -> None:
        self._forward(self.rfile.read(int(self.headers.get("Content-Length", 0))))

    def do_GET(self) -> None:
        self._forward(None)

    def log_message(self, format: str, *args: Any) -> None:  # noqa: ARG002 (quiet: the run prints its own progress)
        return


# --- the three systems ------------------------------------------------------------------------


@dataclass
class Outcome:
    extraction: ArticleExtraction | None
    error: str | None = None
    notes: dict[str, int] = field(default_factory=dict[str, int])


def run_ours(base_url: str, model: str) -> Callable[[Article], Outcome]:
    def one(article: Article) -> Outcome:
        async def go() -> ExtractionRecord:
            backend = llama_client(model, base_url)
            try:
                return await extract_article(article, backend, settings=GenerateSettings())
            finally:
                await backend.aclose()

        record = asyncio.run(go())
        return Outcome(record.extraction, record.error)

    return one


def run_naive(base_url: str, model: str, prompt: Prompt) -> Callable[[Article], Outcome]:
    import instructor
    import openai

    client = instructor.from_openai(
        openai.OpenAI(base_url=base_url, api_key="not-needed", max_retries=0),
        mode=instructor.Mode.JSON,
    )
    settings = GenerateSettings()

    def one(article: Article) -> Outcome:
        published = article.published.isoformat() if article.published else None
        messages = prompt.messages(article.text, task=Strategy.WHOLE, published=published)
        try:
            out: ArticleExtraction = client.chat.completions.create(  # pyright: ignore[reportCallIssue, reportUnknownVariableType]
                model=model,
                response_model=ArticleExtraction,
                messages=messages,  # pyright: ignore[reportArgumentType]
                temperature=settings.temperature,
                max_tokens=settings.max_tokens,
                max_retries=settings.max_retries,
                timeout=settings.timeout_s,
            )
        except Exception as exc:  # a peer failing is a result, not a crash
            return Outcome(None, f"{type(exc).__name__}: {str(exc)[:300]}")
        return Outcome(cast("ArticleExtraction", out))

    return one


# The rules of prompts/events.v1.md, rewritten for langextract's extraction classes.
LX_DESCRIPTION = """\
Extract conflict events for an ACLED-style event dataset. Report only what the article states;
never guess. Use exact text from the article for every extraction, in order of appearance, and
do not paraphrase. Statements, condemnations, meetings, visits, plans and hypotheticals are not
events. Give every extraction an attribute "event" with the number of the event it belongs to
(1, 2, ...); one event per distinct date, place, actor pair and event type.
Classes:
- event: the words stating the event. Attributes: event_type (one of: {types}),
  sub_event_type (one of: {subs}), date (the words giving its date, if any).
- place: a named place (village, town, city, province, country, named facility); not "the area".
  Attribute kind: one of {kinds}.
- actor: a named or clearly identified armed force, group, government or organisation, or
  civilians when targeted; not "people" or pronouns. Attributes actor_type (one of {actor_types})
  and role (initiator, target or participant).
- count: a number of people killed, injured, displaced, detained, abducted or missing (not strikes,
  vehicles or buildings; not population figures). Attributes: kind (one of {count_kinds}), value
  (the number as written, in digits: "nearly 30" -> 30, "more than 800" -> 800, "dozens" -> 12),
  qualifier (one of {qualifiers}), scope (cumulative for running totals, else incident).
  Never add numbers together: "10 soldiers and 18 rebels" is two counts.
"""


def _lx_examples() -> list[Any]:
    import langextract as lx  # pyright: ignore[reportMissingImports] (extra `bench`)

    # Invented for this benchmark; not drawn from any gold article.
    text = (
        "Militants attacked an army checkpoint near the town of Qasr Amun on Tuesday, killing "
        "nearly 20 soldiers, the provincial governor said. More than 300 families fled the "
        "nearby village of Deir Samak, the UN said."
    )
    x = lx.data.Extraction
    return [
        lx.data.ExampleData(
            text=text,
            extractions=[
                x(
                    "event",
                    "Militants attacked an army checkpoint",
                    attributes={
                        "event": "1",
                        "event_type": "battles",
                        "sub_event_type": "armed_clash",
                        "date": "on Tuesday",
                    },
                ),
                x(
                    "actor",
                    "Militants",
                    attributes={"event": "1", "actor_type": "rebel_group", "role": "initiator"},
                ),
                x(
                    "actor",
                    "army",
                    attributes={"event": "1", "actor_type": "state_forces", "role": "target"},
                ),
                x("place", "Qasr Amun", attributes={"event": "1", "kind": "town"}),
                x(
                    "count",
                    "nearly 20 soldiers",
                    attributes={
                        "event": "1",
                        "kind": "killed",
                        "value": "20",
                        "qualifier": "approximate",
                        "scope": "incident",
                    },
                ),
                x(
                    "count",
                    "More than 300 families fled",
                    attributes={
                        "event": "1",
                        "kind": "displaced",
                        "value": "300",
                        "qualifier": "at_least",
                        "scope": "incident",
                    },
                ),
                x("place", "Deir Samak", attributes={"event": "1", "kind": "village"}),
            ],
        )
    ]


def _enum(enum: type[Any], value: object, default: Any) -> Any:
    try:
        return enum(str(value).strip().lower())
    except ValueError:
        return default


def from_langextract(extractions: Sequence[Any]) -> tuple[ArticleExtraction, dict[str, int]]:
    """Map langextract's flat extractions to our events (the documented adapter).

    Extractions are grouped by their ``event`` attribute (missing: event "1"). A group's
    ``event`` extraction gives the evidence, type and date words; a group without one takes its
    first item's text as evidence. Unknown category words fall back to ``other`` (types: the
    sub-event type's parent, else ``strategic_developments/other``), counted in the notes. A count
    whose ``value`` is not a number is read from its text by our number reader, else dropped.
    Unaligned extractions are kept, as langextract returns them.
    """
    notes = {"type_fallbacks": 0, "counts_dropped": 0, "unaligned": 0}
    groups: dict[str, list[Any]] = {}
    for x in extractions:
        attrs: dict[str, Any] = dict(x.attributes or {})
        groups.setdefault(str(attrs.get("event", "1")), []).append(x)
        if x.char_interval is None:
            notes["unaligned"] += 1
    events: list[Event] = []
    for items in groups.values():
        head = next((x for x in items if x.extraction_class == "event"), items[0])
        attrs: dict[str, Any] = dict(head.attributes or {})
        sub = _enum(SubEventType, attrs.get("sub_event_type"), None)
        if sub is None:
            sub = SubEventType.OTHER  # strategic_developments/other
            notes["type_fallbacks"] += 1
        etype = SUB_EVENT_PARENT[sub]
        places: list[Place] = []
        actors: list[Actor] = []
        counts: list[Count] = []
        for x in items:
            a: dict[str, Any] = dict(x.attributes or {})
            text = str(x.extraction_text)
            if x.extraction_class == "place":
                kind = _enum(PlaceKind, a.get("kind"), PlaceKind.OTHER)
                places.append(Place(evidence=text, name=text, kind=kind))
            elif x.extraction_class == "actor":
                actors.append(
                    Actor(
                        evidence=text,
                        name=text,
                        actor_type=_enum(ActorType, a.get("actor_type"), ActorType.OTHER),
                        role=_enum(ActorRole, a.get("role"), ActorRole.PARTICIPANT),
                    )
                )
            elif x.extraction_class == "count":
                value: int | None
                try:
                    value = int(str(a.get("value", "")).replace(",", "").strip())
                except ValueError:
                    found = read_numbers(text)
                    value = found[0].value if found else None
                if value is None or value < 0:
                    notes["counts_dropped"] += 1
                    continue
                qualifier = _enum(Qualifier, a.get("qualifier"), Qualifier.EXACT)
                if qualifier is Qualifier.RANGE:  # our schema needs the high end: read it
                    found = [r for r in read_numbers(text) if r.upper is not None]
                    if found and found[0].value == value:
                        upper = found[0].upper
                    else:
                        qualifier, upper = Qualifier.APPROXIMATE, None
                        notes["range_without_upper"] = notes.get("range_without_upper", 0) + 1
                else:
                    upper = None
                counts.append(
                    Count(
                        evidence=text,
                        kind=_enum(CountKind, a.get("kind"), CountKind.OTHER),
                        value=value,
                        qualifier=qualifier,
                        upper=upper,
                        vague=False,
                        scope=_enum(CountScope, a.get("scope"), CountScope.INCIDENT),
                    )
                )
        events.append(
            Event(
                evidence=str(head.extraction_text),
                event_type=etype,
                sub_event_type=sub,
                summary=str(head.extraction_text),
                date=EventDate(text=attrs.get("date") or None),
                places=places,
                actors=actors,
                counts=counts,
            )
        )
    return ArticleExtraction(events=events), notes


def run_langextract(base_url: str, model_id: str) -> Callable[[Article], Outcome]:
    import langextract as lx  # pyright: ignore[reportMissingImports] (extra `bench`)
    from langextract.providers.openai import (  # pyright: ignore[reportMissingImports]
        OpenAILanguageModel,
    )

    settings = GenerateSettings()
    model = OpenAILanguageModel(
        model_id=model_id,
        api_key="not-needed",
        base_url=base_url,
        temperature=settings.temperature,
        max_workers=1,
        max_output_tokens=settings.max_tokens,
    )
    description = LX_DESCRIPTION.format(
        types=", ".join(e.value for e in EventType),
        subs=", ".join(e.value for e in SubEventType),
        kinds=", ".join(e.value for e in PlaceKind),
        actor_types=", ".join(e.value for e in ActorType),
        count_kinds=", ".join(e.value for e in CountKind),
        qualifiers=", ".join(e.value for e in Qualifier),
    )
    examples = _lx_examples()

    def one(article: Article) -> Outcome:
        try:
            doc: Any = lx.extract(
                text_or_documents=article.text,
                prompt_description=description,
                examples=examples,
                model=model,
                use_schema_constraints=False,
                fence_output=False,
                max_workers=1,
                show_progress=False,
            )
        except Exception as exc:  # a peer failing is a result, not a crash
            return Outcome(None, f"{type(exc).__name__}: {str(exc)[:300]}")
        extraction, notes = from_langextract(doc.extractions or [])
        return Outcome(extraction, notes=notes)

    return one


# --- the run ----------------------------------------------------------------------------------


@dataclass
class SystemRun:
    name: str
    records: list[ExtractionRecord] = field(default_factory=list[ExtractionRecord])
    seconds: list[float] = field(default_factory=list[float])
    tokens: list[tuple[int, int, int]] = field(default_factory=list[tuple[int, int, int]])
    notes: dict[str, int] = field(default_factory=dict[str, int])


def run_system(
    name: str,
    one: Callable[[Article], Outcome],
    articles: Sequence[Article],
    meter: Meter,
    model: str,
) -> SystemRun:
    prompt = load_prompt()
    run = SystemRun(name)
    for article in articles:
        meter.label = f"{name}:{article.id}"
        t0 = time.perf_counter()
        try:
            outcome = one(article)
        except Exception as exc:  # an adapter bug must not lose the run: record it
            outcome = Outcome(None, f"{type(exc).__name__}: {str(exc)[:300]}")
        seconds = time.perf_counter() - t0
        p, c, n = meter.tokens.get(meter.label, [0, 0, 0])
        run.seconds.append(seconds)
        run.tokens.append((p, c, n))
        for k, v in outcome.notes.items():
            run.notes[k] = run.notes.get(k, 0) + v
        run.records.append(
            ExtractionRecord(
                id=article.id,
                extraction=outcome.extraction,
                error=outcome.error,
                meta=RecordMeta(
                    backend=name,
                    model=model,
                    prompt_id=prompt.id,
                    prompt_sha256=prompt.sha256,
                    schema_sha256="",
                    strategy=name,
                    usage=UsageRecord(prompt_tokens=p, completion_tokens=c),
                    latency_s=round(seconds, 3),
                    requests=n,
                ),
            )
        )
        print(
            f"{name} {article.id}: {seconds:.1f} s, {p}+{c} tokens, {n} requests"
            + (f", error: {outcome.error[:80]}" if outcome.error else ""),
            flush=True,
        )
    return run


def save(run: SystemRun, runs_dir: Path) -> None:
    """Write a system's predictions (for `extractor compare` and the HTML review page)."""
    folder = runs_dir / f"peers__{run.name}"
    folder.mkdir(parents=True, exist_ok=True)
    lines = "".join(rec.model_dump_json() + "\n" for rec in run.records)
    (folder / "predictions.jsonl").write_text(lines, encoding="utf-8")


def _fmt(r: FieldResult) -> str:
    def num(x: float | None) -> str:
        return "—" if x is None else f"{x:.2f}"

    ci = f" [{r.ci.low:.2f}, {r.ci.high:.2f}]" if r.ci is not None else ""
    return f"{num(r.precision)} / {num(r.recall)} / **{r.f1:.2f}**{ci}"


def table(runs: Sequence[SystemRun], scores: dict[str, CorpusScore]) -> str:
    ours = scores[runs[0].name]
    head = "| field | " + " | ".join(r.name for r in runs) + " |"
    lines = [head, "|---" * (len(runs) + 1) + "|"]
    for label, (fld, tier) in KEYS.items():
        cells: list[str] = []
        for r in runs:
            res = scores[r.name].result(Level.L1, fld, tier)
            cell = _fmt(res)
            if r is not runs[0]:
                c = compare(
                    ours,
                    scores[r.name],
                    level=Level.L1,
                    field=fld,
                    tier=tier,
                    rounds=10_000,
                    resamples=2_000,
                )
                cell += f" (p={c.p_value:.3f})"
            cells.append(cell)
        lines.append(f"| {label} | " + " | ".join(cells) + " |")
    med = statistics.median
    facts: dict[str, Callable[[SystemRun], str]] = {
        "seconds/article (median)": lambda r: f"{med(r.seconds):.1f}",
        "prompt tokens/article (median)": lambda r: f"{med(t[0] for t in r.tokens):.0f}",
        "completion tokens/article (median)": lambda r: f"{med(t[1] for t in r.tokens):.0f}",
        "requests/article (median)": lambda r: f"{med(t[2] for t in r.tokens):.0f}",
        "failed articles": lambda r: f"{sum(1 for x in r.records if x.error)} of {len(r.records)}",
    }
    for label, cell in facts.items():
        lines.append(f"| {label} | " + " | ".join(cell(r) for r in runs) + " |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--every", type=int, default=4, help="every N-th gold article")
    parser.add_argument("--systems", nargs="+", default=["ours", "naive-instructor", "langextract"])
    parser.add_argument("--out", type=Path, default=ROOT / "eval" / "reports" / "peers.md")
    parser.add_argument("--runs", type=Path, default=ROOT / "eval" / "runs")
    parser.add_argument("--model", default=DEFAULT_MODEL, help="a registered local model")
    args = parser.parse_args()
    gold: GoldSet = load_gold(ROOT / "gold" / "v1")
    articles = [ga.article for ga in gold.articles][:: args.every]
    ids = [a.id for a in articles]
    started = dt.datetime.now(dt.UTC)
    server = LlamaServer.start(get_model(args.model))
    meter = Meter(f"http://127.0.0.1:{server.port}")
    meter.start()
    builders: dict[str, Callable[[], Callable[[Article], Outcome]]] = {
        "ours": lambda: run_ours(meter.url, args.model),
        "naive-instructor": lambda: run_naive(meter.url, args.model, load_prompt()),
        "langextract": lambda: run_langextract(meter.url, args.model),
    }
    runs: list[SystemRun] = []
    try:
        for name in args.systems:
            runs.append(run_system(name, builders[name](), articles, meter, args.model))
            save(runs[-1], args.runs)  # each system's predictions as soon as it is done
    finally:
        meter.shutdown()
        server.stop()
    scores = {r.name: score_records(r.records, gold, only=ids, ci_resamples=1000) for r in runs}
    notes = "; ".join(
        f"{r.name}: " + ", ".join(f"{k} {v}" for k, v in r.notes.items()) for r in runs if r.notes
    )
    out = "\n".join(
        [
            "# Peers: same model, same gold, one run",
            "",
            f"Measured {started:%Y-%m-%d %H:%M} UTC in one run of `benchmarks/peers.py --every "
            f"{args.every}`: {len(articles)} gold v1 articles (every {args.every}th, the seed "
            f"first), {args.model} on llama.cpp's server, "
            f"{default_threads()} thread(s), temperature 0. Cells: L1 micro precision / recall / "
            "**F1** [95% bootstrap interval]; p: paired approximate-randomisation test against "
            "ours (10,000 rounds). Tokens are counted by one proxy for all systems.",
            "",
            table(runs, scores),
            "",
            f"Adapter notes: {notes or 'none'}.",
            "",
            "Naive instructor and langextract do not resolve dates to intervals, so they score no "
            "date matches; that is part of what ours adds, not a scoring artefact.",
            "",
            "<details><summary>Full harness report</summary>",
            "",
            markdown_report(scores, title="Peers (harness report)").replace("\n# ", "\n### "),
            "",
            "</details>",
            "",
        ]
    )
    print(out)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(out, encoding="utf-8")
    write_chart(scores, args.out.with_suffix(".png"))


if __name__ == "__main__":
    main()

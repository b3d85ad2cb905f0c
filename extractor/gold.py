"""Load and validate a gold set: ``articles.jsonl``, ``events.jsonl`` and ``aliases.toml``.

Every problem is reported with the file, the line and the field, and validation reports all of them
at once rather than stopping at the first.
"""

from __future__ import annotations

import hashlib
import tomllib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from pydantic import TypeAdapter, ValidationError

from extractor.errors import GoldDataError
from extractor.records import json_object
from extractor.schema import Article, Event, GoldDocument

_ALIASES = TypeAdapter(dict[str, list[str]])


@dataclass(frozen=True)
class GoldArticle:
    """An article of the gold set with its metadata."""

    article: Article
    licence: str
    source: str | None


@dataclass(frozen=True)
class GoldSet:
    """A loaded gold set: articles in file order, documents by article id, the alias table."""

    path: Path
    articles: list[GoldArticle]
    documents: dict[str, GoldDocument]
    aliases: dict[str, list[str]] = field(default_factory=dict[str, list[str]])
    sha256: str = ""
    """sha256 of the three files, identifying the gold a run was scored against."""

    def pairs(self) -> Iterator[tuple[GoldArticle, GoldDocument]]:
        """Articles with their gold documents, in file order."""
        for ga in self.articles:
            yield ga, self.documents[ga.article.id]


def _read_jsonl(path: Path, problems: list[str]) -> list[tuple[int, dict[str, object]]]:
    rows: list[tuple[int, dict[str, object]]] = []
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        problems.append(f"{path}: cannot read: {exc}")
        return rows
    for n, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            rows.append((n, json_object(line)))
        except ValueError as exc:
            problems.append(f"{path}:{n}: {exc}")
    return rows


def _field_errors(where: str, exc: ValidationError) -> list[str]:
    return [
        f"{where}: field {'.'.join(str(p) for p in e['loc']) or '(record)'}: {e['msg']}"
        for e in exc.errors()
    ]


def load_aliases(path: Path) -> dict[str, list[str]]:
    """Read ``aliases.toml``: a table ``[aliases]`` of canonical id -> list of surface forms.

    Raises:
        GoldDataError: the file is not valid TOML or has the wrong shape.
    """
    if not path.exists():
        return {}
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise GoldDataError(f"{path}: {exc}") from exc
    try:
        return _ALIASES.validate_python(data.get("aliases", {}), strict=True)
    except ValidationError as exc:
        loc = exc.errors()[0]["loc"]
        if not loc:
            raise GoldDataError(f"{path}: [aliases] must be a table") from exc
        raise GoldDataError(f"{path}: aliases.{loc[0]} must be a list of strings") from exc


def _check_items(where: str, text: str, event: Event, entities: Mapping[str, str]) -> list[str]:
    problems: list[str] = []
    items = [("evidence", event)]
    items += [(f"places[{i}]", p) for i, p in enumerate(event.places)]
    items += [(f"actors[{i}]", a) for i, a in enumerate(event.actors)]
    items += [(f"counts[{i}]", c) for i, c in enumerate(event.counts)]
    for name, item in items:
        if item.span is None:
            problems.append(f"{where}.{name}: span missing")
        elif text[item.span.start : item.span.end] != item.evidence:
            found = text.find(item.evidence)
            hint = f" (quote found at {found})" if found >= 0 else " (quote not in the article)"
            problems.append(
                f"{where}.{name}: span {item.span.start}-{item.span.end} does not "
                f"hold the evidence{hint}"
            )
    for kind, group in (("place", event.places), ("actor", event.actors)):
        for i, it in enumerate(group):
            if it.entity is None:
                problems.append(f"{where}.{kind}s[{i}]: entity missing")
            elif entities.get(it.entity) != kind:
                problems.append(
                    f"{where}.{kind}s[{i}]: entity {it.entity!r} is not an {kind} "
                    "entity of this article"
                )
    return problems


def _load_articles(path: Path, problems: list[str]) -> list[GoldArticle]:
    articles: list[GoldArticle] = []
    seen: set[str] = set()
    for n, row in _read_jsonl(path, problems):
        where = f"{path}:{n}"
        licence = row.get("licence")
        if not isinstance(licence, str) or not licence.strip():
            problems.append(f"{where}: field licence: every article needs a licence")
        try:
            article = Article.model_validate(
                {k: row.get(k) for k in ("id", "text", "published", "title", "publisher", "url")}
            )
        except ValidationError as exc:
            problems += _field_errors(where, exc)
            continue
        if article.id in seen:
            problems.append(f"{where}: field id: duplicate article id {article.id!r}")
            continue
        seen.add(article.id)
        source = row.get("source")
        articles.append(
            GoldArticle(article, str(licence or ""), source if isinstance(source, str) else None)
        )
    return articles


def _check_document(
    where: str, doc: GoldDocument, text: str, event_ids: set[str], problems: list[str]
) -> None:
    entities = {e.id: e.kind for e in doc.entities}
    if len(entities) != len(doc.entities):
        problems.append(f"{where}: field entities: duplicate entity id")
    for i, event in enumerate(doc.events):
        ev_where = f"{where}: events[{i}]"
        if not event.id:
            problems.append(f"{ev_where}.id: missing")
        elif event.id in event_ids:
            problems.append(f"{ev_where}.id: duplicate event id {event.id!r}")
        else:
            event_ids.add(event.id)
        problems += _check_items(ev_where, text, event, entities)


def _load_documents(
    path: Path, articles: Path, texts: Mapping[str, str], problems: list[str]
) -> dict[str, GoldDocument]:
    documents: dict[str, GoldDocument] = {}
    event_ids: set[str] = set()
    for n, row in _read_jsonl(path, problems):
        where = f"{path}:{n}"
        try:
            doc = GoldDocument.model_validate(row)
        except ValidationError as exc:
            problems += _field_errors(where, exc)
            continue
        if doc.article_id not in texts:
            problems.append(f"{where}: field article_id: {doc.article_id!r} is not in {articles}")
            continue
        if doc.article_id in documents:
            problems.append(f"{where}: field article_id: duplicate gold for {doc.article_id!r}")
            continue
        _check_document(where, doc, texts[doc.article_id], event_ids, problems)
        documents[doc.article_id] = doc
    return documents


def load_gold(directory: Path | str, *, strict: bool = True) -> GoldSet:
    """Load and validate a gold set directory.

    Args:
        directory: a folder with ``articles.jsonl`` and ``events.jsonl`` (``aliases.toml`` is read
            from the folder or its parent).
        strict: raise on any problem (validation); otherwise raise only when nothing loads.

    Raises:
        GoldDataError: listing every problem, each with file, line and field.
    """
    root = Path(directory)
    art_path, ev_path = root / "articles.jsonl", root / "events.jsonl"
    alias_path = root / "aliases.toml"
    if not alias_path.exists():
        alias_path = root.parent / "aliases.toml"
    problems: list[str] = []
    articles = _load_articles(art_path, problems)
    texts = {ga.article.id: ga.article.text for ga in articles}
    documents = _load_documents(ev_path, art_path, texts, problems)
    for ga in articles:
        if ga.article.id not in documents:
            problems.append(f"{ev_path}: no gold line for article {ga.article.id!r}")
    try:
        aliases = load_aliases(alias_path)
    except GoldDataError as exc:
        problems.append(str(exc))
        aliases = {}
    if problems and (strict or not documents):
        raise GoldDataError(
            f"{len(problems)} problem(s) in gold set {root}:\n" + "\n".join(problems)
        )
    digest = hashlib.sha256()
    for path in (art_path, ev_path, alias_path):
        if path.exists():
            digest.update(path.read_bytes())
    kept = [ga for ga in articles if ga.article.id in documents]
    return GoldSet(root, kept, documents, aliases, digest.hexdigest())


def gold_parts(directory: Path | str) -> list[Path]:
    """The gold sets in ``directory``: itself, or its parts (``gold/v2`` -> ``dev``, ``test``).

    Raises:
        GoldDataError: no ``articles.jsonl`` in the folder or in any folder below it.
    """
    root = Path(directory)
    if (root / "articles.jsonl").exists():
        return [root]
    parts = sorted(p.parent for p in root.glob("*/articles.jsonl"))
    if not parts:
        raise GoldDataError(f"{root}: no articles.jsonl here or in a folder below it")
    return parts


def load_gold_parts(directory: Path | str) -> list[GoldSet]:
    """Load and validate every part of a split gold set, and the split itself.

    Raises:
        GoldDataError: a part is invalid, or an article or event id is in two parts (a leak
            between dev and test).
    """
    sets = [load_gold(part) for part in gold_parts(directory)]
    problems: list[str] = []
    seen_articles: dict[str, Path] = {}
    seen_events: dict[str, Path] = {}
    for gs in sets:
        for ga in gs.articles:
            other = seen_articles.setdefault(ga.article.id, gs.path)
            if other != gs.path:
                problems.append(f"{gs.path}: article {ga.article.id!r} is also in {other}")
        for doc in gs.documents.values():
            for ev in doc.events:
                other = seen_events.setdefault(ev.id or "", gs.path)
                if ev.id and other != gs.path:
                    problems.append(f"{gs.path}: event id {ev.id!r} is also in {other}")
    if problems:
        listing = "\n".join(problems)
        raise GoldDataError(f"{len(problems)} problem(s) across {directory}:\n{listing}")
    return sets

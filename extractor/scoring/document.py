"""One document prepared for scoring: every argument flattened, gold clusters built, links cached.

Both L1 (``bags.py``) and L2 (``align.py``) read a :class:`PreparedDocument`, so each name is
normalised and each (prediction, gold cluster) pair is matched once per document.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from extractor.scoring.counts import count_link
from extractor.scoring.matching import GENERIC_WHO, Item, Link, Rule
from extractor.scoring.names import AliasTable, Name, NameTarget, match_name, name

if TYPE_CHECKING:
    import datetime as dt

    from extractor.codebook import EventType, SubEventType
    from extractor.schema import ArticleExtraction, Count, Event, GoldDocument

__all__ = ["EventInfo", "GoldCount", "GoldName", "PredCount", "PredName", "PreparedDocument"]


@dataclass(frozen=True, slots=True)
class PredName:
    """A predicted actor or place."""

    event: int
    item: Item
    name: Name
    category: str | None
    """Actor type value; None for places."""
    role: str | None
    kind: str | None
    """Place kind value; None for actors."""


@dataclass(frozen=True, slots=True)
class GoldName:
    """A gold actor or place mention, with the cluster it belongs to."""

    event: int
    item: Item
    target: NameTarget
    """Its cluster, labelled with this mention."""
    group: str
    """The cluster key (entity id or ``name:<norm>``)."""
    role: str | None
    optional: bool
    """The item or its event is optional."""


@dataclass(frozen=True, slots=True)
class PredCount:
    """A predicted count."""

    event: int
    item: Item
    count: Count
    who: Name | None


@dataclass(frozen=True, slots=True)
class GoldCount:
    """A gold count."""

    event: int
    item: Item
    count: Count
    who: NameTarget | None
    optional: bool


@dataclass(frozen=True, slots=True)
class EventInfo:
    """One event's type, date and arguments (indices into the document's flat lists)."""

    item: Item
    event_type: EventType
    sub_event_type: SubEventType
    interval: tuple[dt.date, dt.date] | None
    optional: bool
    actors: tuple[int, ...]
    places: tuple[int, ...]
    counts: tuple[int, ...]

    @property
    def n_args(self) -> int:
        """The number of arguments (actors, places and counts)."""
        return len(self.actors) + len(self.places) + len(self.counts)


def count_label(count: Count) -> str:
    """Render a count for reports, e.g. ``killed 30 (approximate) of combatants``."""
    who = f" of {count.who}" if count.who else ""
    return f"{count.kind.value} {count.value} ({count.qualifier.value}){who}"


def _interval(event: Event) -> tuple[dt.date, dt.date] | None:
    start = event.date.start
    if start is None:
        return None
    return start, event.date.end or start


def _event_label(event: Event) -> str:
    return f"{event.event_type.value}/{event.sub_event_type.value}: {event.summary}"


@dataclass
class PreparedDocument:
    """A prediction and its gold, flattened. Build with :meth:`build`.

    ``pred_*`` and ``gold_*`` hold every argument of every event in document order; an argument's
    ``item.index`` is its position in that list. Gold mentions are grouped into clusters by their
    ``entity`` id, or by ``norm`` when they have none; a cluster's mentions are its entity's
    mentions plus every gold name that points at it.
    """

    aliases: AliasTable
    pred_events: list[EventInfo] = field(default_factory=list[EventInfo])
    gold_events: list[EventInfo] = field(default_factory=list[EventInfo])
    pred_actors: list[PredName] = field(default_factory=list[PredName])
    pred_places: list[PredName] = field(default_factory=list[PredName])
    pred_counts: list[PredCount] = field(default_factory=list[PredCount])
    gold_actors: list[GoldName] = field(default_factory=list[GoldName])
    gold_places: list[GoldName] = field(default_factory=list[GoldName])
    gold_counts: list[GoldCount] = field(default_factory=list[GoldCount])
    actor_clusters: dict[str, NameTarget] = field(default_factory=dict[str, NameTarget])
    """Actor clusters by key: every actor entity of the document and every gold actor group."""
    place_clusters: dict[str, NameTarget] = field(default_factory=dict[str, NameTarget])
    _cache: dict[tuple[object, ...], Link | None] = field(
        default_factory=dict[tuple[object, ...], Link | None]
    )
    _mention_index: dict[str, str] = field(default_factory=dict[str, str])
    """norm -> the first actor cluster with that mention."""
    _strict_index: dict[str, set[str]] = field(default_factory=dict[str, set[str]])
    """norm -> actor clusters with that mention or alias variant (a STRICT match)."""

    @classmethod
    def build(
        cls, pred: ArticleExtraction | None, gold: GoldDocument, aliases: AliasTable
    ) -> PreparedDocument:
        """Flatten a prediction (None for a failed output: scored as empty) and its gold.

        Args:
            pred: The system output, or None when it failed or was invalid.
            gold: The gold document.
            aliases: The alias table.

        Returns:
            The prepared document.
        """
        doc = cls(aliases)
        doc._build_gold(gold)
        if pred is not None:
            doc._build_pred(pred)
        return doc

    # ------------------------------------------------------------------ gold

    def _build_gold(self, gold: GoldDocument) -> None:
        entities = {e.id: e for e in gold.entities}
        actor_names: dict[str, list[str]] = {}
        actor_types: dict[str, str] = {}
        place_names: dict[str, list[str]] = {}
        for ev in gold.events:
            for a in ev.actors:
                key = a.entity or f"name:{name(a.name).norm}"
                actor_names.setdefault(key, []).append(a.name)
                actor_types.setdefault(key, a.actor_type.value)
            for p in ev.places:
                place_names.setdefault(p.entity or f"name:{name(p.name).norm}", []).append(p.name)
        for e in gold.entities:
            # Entities no event mentions still resolve a count's ``who``.
            (actor_names if e.kind == "actor" else place_names).setdefault(e.id, [])
        for key, names in actor_names.items():
            ent = entities.get(key)
            mentions = [*(ent.mentions if ent else ()), *names]
            category = ent.category if ent else actor_types.get(key)
            self.actor_clusters[key] = NameTarget.build(
                key, mentions[0], mentions, self.aliases, category
            )
        for key, names in place_names.items():
            ent = entities.get(key)
            mentions = [*(ent.mentions if ent else ()), *names]
            self.place_clusters[key] = NameTarget.build(
                key, mentions[0], mentions, self.aliases, None
            )
        for key, cluster in self.actor_clusters.items():
            for n in cluster.mentions:
                self._mention_index.setdefault(n, key)
                self._strict_index.setdefault(n, set()).add(key)
            for n in cluster.aliases:
                self._strict_index.setdefault(n, set()).add(key)
        for i, ev in enumerate(gold.events):
            a0, p0, c0 = len(self.gold_actors), len(self.gold_places), len(self.gold_counts)
            for k, a in enumerate(ev.actors):
                key = a.entity or f"name:{name(a.name).norm}"
                # A bare gold name keeps its own type even when another bare name shares it.
                category = None if a.entity else a.actor_type.value
                target = self.actor_clusters[key].relabel(a.name, category)
                it = Item(len(self.gold_actors), f"events[{i}].actors[{k}]", a.name, a.evidence)
                self.gold_actors.append(
                    GoldName(i, it, target, key, a.role.value, a.optional or ev.optional)
                )
            for k, p in enumerate(ev.places):
                key = p.entity or f"name:{name(p.name).norm}"
                target = self.place_clusters[key].relabel(p.name)
                it = Item(len(self.gold_places), f"events[{i}].places[{k}]", p.name, p.evidence)
                self.gold_places.append(
                    GoldName(i, it, target, key, None, p.optional or ev.optional)
                )
            for k, c in enumerate(ev.counts):
                path = f"events[{i}].counts[{k}]"
                it = Item(len(self.gold_counts), path, count_label(c), c.evidence)
                who = self.gold_who(c.who)
                self.gold_counts.append(GoldCount(i, it, c, who, c.optional or ev.optional))
            self.gold_events.append(
                EventInfo(
                    Item(i, f"events[{i}]", _event_label(ev), ev.evidence),
                    ev.event_type,
                    ev.sub_event_type,
                    _interval(ev),
                    ev.optional,
                    tuple(range(a0, len(self.gold_actors))),
                    tuple(range(p0, len(self.gold_places))),
                    tuple(range(c0, len(self.gold_counts))),
                )
            )

    def gold_who(self, who: str | None) -> NameTarget | None:
        """Resolve a gold count's ``who`` to the actor cluster it names, if any.

        Decision: a ``who`` equal after ``norm`` to a mention of an actor cluster (or to an alias
        variant of exactly one) is that cluster, so gold "extremists" accepts a predicted "HTS";
        any other ``who`` is a bare name. Null and the words of :data:`GENERIC_WHO` are generic.

        Args:
            who: The gold ``who``.

        Returns:
            The target, or None when generic.
        """
        if who is None or name(who).norm in GENERIC_WHO:
            return None
        n = name(who).norm
        key = self._mention_index.get(n)
        if key is None and len(hits := self._strict_index.get(n, ())) == 1:
            key = next(iter(hits))  # an alias-table variant of exactly one cluster
        if key is not None:
            return self.actor_clusters[key].relabel(who)
        return NameTarget.build(f"name:{name(who).norm}", who, [who], self.aliases, None)

    # ------------------------------------------------------------------ prediction

    def _build_pred(self, pred: ArticleExtraction) -> None:
        for j, ev in enumerate(pred.events):
            a0, p0, c0 = len(self.pred_actors), len(self.pred_places), len(self.pred_counts)
            for k, a in enumerate(ev.actors):
                it = Item(len(self.pred_actors), f"events[{j}].actors[{k}]", a.name, a.evidence)
                self.pred_actors.append(
                    PredName(j, it, name(a.name), a.actor_type.value, a.role.value, None)
                )
            for k, p in enumerate(ev.places):
                it = Item(len(self.pred_places), f"events[{j}].places[{k}]", p.name, p.evidence)
                self.pred_places.append(PredName(j, it, name(p.name), None, None, p.kind.value))
            for k, c in enumerate(ev.counts):
                path = f"events[{j}].counts[{k}]"
                it = Item(len(self.pred_counts), path, count_label(c), c.evidence)
                who = None if c.who is None or name(c.who).norm in GENERIC_WHO else name(c.who)
                self.pred_counts.append(PredCount(j, it, c, who))
            self.pred_events.append(
                EventInfo(
                    Item(j, f"events[{j}]", _event_label(ev), ev.evidence),
                    ev.event_type,
                    ev.sub_event_type,
                    _interval(ev),
                    False,
                    tuple(range(a0, len(self.pred_actors))),
                    tuple(range(p0, len(self.pred_places))),
                    tuple(range(c0, len(self.pred_counts))),
                )
            )

    # ------------------------------------------------------------------ links

    def actor_link(self, pred: PredName, target: NameTarget) -> Link | None:
        """Match a predicted actor against a gold cluster: STRICT 0, LENIENT 1, TYPE 2.

        TYPE (SCORING.md §2) is cumulative: a pair matches at TYPE when it matches by name or when
        the predicted ``actor_type`` equals the cluster's category.
        """
        key = ("a", pred.name.norm, pred.category, target.key, target.label.norm, target.category)
        if key in self._cache:
            return self._cache[key]
        hit = match_name(pred.name, target, containment=True)
        if hit is not None:
            link: Link | None = Link(hit[0], hit[1], hit[2])
        elif pred.name.norm and pred.category is not None and pred.category == target.category:
            link = Link(2, Rule.CATEGORY, pred.category)
        else:
            link = None
        self._cache[key] = link
        return link

    def place_link(self, pred: PredName, target: NameTarget) -> Link | None:
        """Match a predicted place against a gold cluster: STRICT 0, LENIENT 1 (no containment)."""
        key = ("p", pred.name.norm, target.key, target.label.norm)
        if key in self._cache:
            return self._cache[key]
        hit = match_name(pred.name, target, containment=False)
        link = None if hit is None else Link(hit[0], hit[1], hit[2])
        self._cache[key] = link
        return link

    def count_link(self, pred: PredCount, gold: GoldCount) -> Link | None:
        """Match a predicted count against a gold count: STRICT 0, VALUE 1, TOLERANT 2."""
        key = ("c", pred.item.index, gold.item.index)
        if key in self._cache:
            return self._cache[key]
        link = self._cache[key] = count_link(pred.count, pred.who, gold.count, gold.who)
        return link

    def pred_who_key(self, who: Name | None) -> str:
        """Key of a predicted ``who``: the one cluster it matches STRICT, else its norm."""
        if who is None:
            return ""
        hits = self._strict_index.get(who.norm, ())
        return next(iter(hits)) if len(hits) == 1 else f"name:{who.norm}"

    @staticmethod
    def gold_who_key(who: NameTarget | None) -> str:
        """Canonical key of a gold ``who``: its cluster key, or ``name:<norm>``."""
        return "" if who is None else who.key

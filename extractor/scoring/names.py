"""Names: their matching keys, the project alias table, gold clusters, and the name tiers.

SCORING.md §2. A predicted actor or place is compared with a gold *target* (an entity cluster, or
a bare gold name): STRICT on ``norm`` (the mention itself, another mention of its cluster, or an
alias-table variant), LENIENT on the consonant skeleton or, for actors, token containment.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache

from extractor.scoring.matching import Rule
from extractor.scoring.normalise import norm, skeleton

__all__ = ["AliasTable", "Name", "NameTarget", "match_name", "name"]


@dataclass(frozen=True, slots=True)
class Name:
    """A name with its matching keys computed once."""

    text: str
    norm: str
    skeleton: str
    tokens: frozenset[str]


@lru_cache(maxsize=65536)
def name(text: str) -> Name:
    """Build (and cache) the matching keys of a name.

    Args:
        text: The name as written.

    Returns:
        The :class:`Name` with its ``norm``, ``skeleton`` and token set.
    """
    n = norm(text)
    return Name(text, n, skeleton(text), frozenset(n.split()))


@dataclass(frozen=True)
class AliasTable:
    """The project alias table, canonical id -> surface variants, normalised once.

    Loading ``gold/aliases.toml`` is the caller's job; pass the mapping to :meth:`from_mapping`. The
    canonical id itself counts as a variant ("ISIL" in ``{"ISIL": ["ISIS", "Daesh"]}``).
    """

    ids_by_norm: Mapping[str, frozenset[str]]
    """norm(variant) -> the canonical ids it belongs to."""
    variants_by_id: Mapping[str, tuple[Name, ...]]
    """Canonical id -> its variants, the id first."""
    targets: dict[tuple[object, ...], NameTarget] = dataclasses.field(
        default_factory=dict[tuple[object, ...], "NameTarget"], compare=False, repr=False
    )
    """Clusters already built against this table (a corpus repeats the same few)."""

    @classmethod
    def from_mapping(cls, mapping: Mapping[str, Sequence[str]] | None) -> AliasTable:
        """Normalise an alias mapping.

        Args:
            mapping: Canonical id -> variants, e.g. ``{"ISIL": ["ISIS", "Islamic State"]}``.

        Returns:
            The table; an empty one for ``None``.
        """
        ids: dict[str, set[str]] = {}
        variants: dict[str, tuple[Name, ...]] = {}
        for cid, forms in (mapping or {}).items():
            names = tuple(name(f) for f in (cid, *forms) if norm(f))
            variants[cid] = names
            for n in names:
                ids.setdefault(n.norm, set()).add(cid)
        return cls({k: frozenset(v) for k, v in ids.items()}, variants)

    def ids_for(self, norms: Iterable[str]) -> frozenset[str]:
        """Return the canonical ids any of these normalised names belongs to."""
        out: set[str] = set()
        for n in norms:
            out |= self.ids_by_norm.get(n, frozenset())
        return frozenset(out)


@dataclass(frozen=True, slots=True)
class NameTarget:
    """A gold identity a predicted name is compared with: an entity cluster or a bare gold name."""

    key: str
    """The entity id, or ``name:<norm>`` for a gold name without an entity."""
    label: Name
    """The gold mention the target stands for in reports (and the ``NORM`` rule)."""
    mentions: Mapping[str, str]
    """norm -> text of every cluster mention."""
    aliases: Mapping[str, str]
    """norm -> text of every alias-table variant of the cluster's canonical ids."""
    skeletons: Mapping[str, str]
    """skeleton -> text over mentions and alias variants."""
    token_sets: tuple[tuple[frozenset[str], str], ...]
    """(tokens, text) over mentions and alias variants, for containment."""
    category: str | None
    """Actor category (an ``ActorType`` value) for the TYPE tier; None for places."""

    @classmethod
    def build(
        cls,
        key: str,
        label: str,
        mentions: Iterable[str],
        aliases: AliasTable,
        category: str | None,
    ) -> NameTarget:
        """Build a target from its mentions, linked to the alias table.

        The cluster is linked to every canonical id one of its mentions is a variant of, and to
        the id equal to ``key`` when the alias table has one.

        Args:
            key: Entity id, or ``name:<norm>``.
            label: The mention shown in reports.
            mentions: All surface forms of the cluster (``label`` is added).
            aliases: The alias table.
            category: Actor category, or None.

        Returns:
            The target.
        """
        forms = tuple(mentions)
        memo_key = (key, label, forms, category)
        got = aliases.targets.get(memo_key)
        if got is not None:
            return got
        names = [name(m) for m in (label, *forms)]
        by_norm: dict[str, str] = {}
        for f in names:
            if f.norm:
                by_norm.setdefault(f.norm, f.text)
        ids = set(aliases.ids_for(by_norm))
        if key in aliases.variants_by_id:
            ids.add(key)
        alias_forms = [v for cid in sorted(ids) for v in aliases.variants_by_id[cid]]
        alias_by_norm: dict[str, str] = {}
        for v in alias_forms:
            if v.norm not in by_norm:
                alias_by_norm.setdefault(v.norm, v.text)
        every = [f for f in names if f.norm] + alias_forms
        skeletons: dict[str, str] = {}
        for f in every:
            skeletons.setdefault(f.skeleton, f.text)
        token_sets = tuple(dict.fromkeys((f.tokens, f.text) for f in every))
        got = cls(key, name(label), by_norm, alias_by_norm, skeletons, token_sets, category)
        aliases.targets[memo_key] = got
        return got

    def relabel(self, label: str, category: str | None = None) -> NameTarget:
        """The same cluster shown as another of its mentions (and, optionally, another category)."""
        return NameTarget(
            self.key,
            name(label),
            self.mentions,
            self.aliases,
            self.skeletons,
            self.token_sets,
            self.category if category is None else category,
        )


def match_name(
    pred: Name, target: NameTarget, *, containment: bool
) -> tuple[int, Rule, str] | None:
    """Match a predicted name against a gold target at the name tiers of SCORING.md §2.

    Level 0 (STRICT): ``norm`` equal to the target's label (NORM), to another mention of its
    cluster (CLUSTER), or to an alias variant of one of its canonical ids (ALIAS). Level 1
    (LENIENT): the same consonant skeleton as any of those forms (SKELETON), or, when
    ``containment`` is set (actors), one token set containing the other (CONTAINMENT).

    Decision: a name that normalises to nothing ("the region") matches nothing.

    Args:
        pred: The predicted name.
        target: The gold target.
        containment: Allow token containment (actors and ``who``; not places).

    Returns:
        (level, rule, gold form that matched), or None.
    """
    n = pred.norm
    if not n:
        return None
    if n == target.label.norm:
        return 0, Rule.NORM, target.label.text
    hit = target.mentions.get(n)
    if hit is not None:
        return 0, Rule.CLUSTER, hit
    hit = target.aliases.get(n)
    if hit is not None:
        return 0, Rule.ALIAS, hit
    hit = target.skeletons.get(pred.skeleton)
    if hit is not None:
        return 1, Rule.SKELETON, hit
    if containment:
        toks = pred.tokens
        for other, text in target.token_sets:
            if toks <= other or other <= toks:
                return 1, Rule.CONTAINMENT, text
    return None

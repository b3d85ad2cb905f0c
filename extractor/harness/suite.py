"""Evaluation suites: ``eval/suites/NAME.toml``, which gold set, which systems, which thresholds.

A system is a backend with a strategy (and, optionally, constrained decoding). The thresholds are
the minimum micro F1 per score key that CI holds the suite's canonical runs to.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from extractor.errors import ConfigError
from extractor.pipeline import DEFAULT_PROMPT, Constrain, Strategy
from extractor.redact import redact_url
from extractor.scoring import ScoreKey

__all__ = ["Suite", "SuiteEntry", "load_suite"]


@dataclass(frozen=True)
class SuiteEntry:
    """One system of a suite: a backend with a strategy (and, optionally, constrained decoding)."""

    backend: str
    strategy: Strategy
    name: str
    constrain: Constrain = Constrain.NONE


@dataclass(frozen=True)
class Suite:
    """What to evaluate, on which gold, and the thresholds CI holds the canonical runs to."""

    name: str
    gold: Path
    entries: list[SuiteEntry]
    prompt: str = DEFAULT_PROMPT
    thresholds: dict[ScoreKey, float] = field(default_factory=dict[ScoreKey, float])
    """Minimum micro F1 per score key (e.g. ``"L1/counts/value" = 0.3``)."""
    limit: int | None = None

    def run_name(self, entry: SuiteEntry) -> str:
        """The folder of an entry's run under the runs folder: ``<suite>__<name>``."""
        return f"{self.name}__{entry.name}"


def _entry(path: Path, i: int, system: dict[str, Any]) -> SuiteEntry:
    strategy = system.get("strategy", Strategy.SENTENCE)
    if strategy not in tuple(Strategy) or "backend" not in system:
        choices = tuple(s.value for s in Strategy)
        raise ConfigError(f"{path}: systems[{i}]: needs backend and a strategy in {choices}")
    constrain = system.get("constrain", Constrain.NONE)
    if constrain not in tuple(Constrain):
        raise ConfigError(f"{path}: systems[{i}]: constrain must be none or article")
    # the default name is a folder name, printed and written in run.json: no secret of the URL
    name = system.get("name") or f"{redact_url(system['backend']).replace('/', '_')}__{strategy}"
    return SuiteEntry(system["backend"], Strategy(strategy), name, Constrain(constrain))


def _thresholds(path: Path, table: dict[str, Any]) -> dict[ScoreKey, float]:
    unknown = sorted(k for k in table if k not in tuple(ScoreKey))
    if unknown:
        raise ConfigError(f"{path}: [thresholds]: unknown score key(s) {', '.join(unknown)}")
    return {ScoreKey(k): float(v) for k, v in table.items()}


def load_suite(path: Path) -> Suite:
    """Read ``eval/suites/NAME.toml``.

    Raises:
        ConfigError: missing keys, unknown strategy or score key; the message names the file.
    """
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"{path}: {exc}") from exc
    entries = [_entry(path, i, s) for i, s in enumerate(data.get("systems", []))]
    if not entries:
        raise ConfigError(f"{path}: no [[systems]]")
    return Suite(
        name=path.stem,
        gold=(path.parent / data.get("gold", "../../gold/v1")).resolve(),
        entries=entries,
        prompt=data.get("prompt", DEFAULT_PROMPT),
        thresholds=_thresholds(path, data.get("thresholds", {})),
        limit=data.get("limit"),
    )

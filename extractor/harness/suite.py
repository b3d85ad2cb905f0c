"""Evaluation suites: ``eval/suites/NAME.toml``, which gold set, which systems, which thresholds.

A system is a backend with a strategy (and, optionally, constrained decoding). The thresholds are
the minimum micro F1 per score key that CI holds the suite's canonical runs to.

Two declarations say, in the suite file where a reviewer sees them, what ``extractor check`` may
not work out alone:

- ``historical = "why"``: the runs were made by an earlier pipeline and are kept for the record;
  they are re-scored against today's gold, but their staleness is reported, not failed;
- ``[records_before_versions] version = N, because = "..."``: records made before pipeline
  versions were declared are taken as version N, for the stated (checked) reason; without it such
  records are stale.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

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
    historical: str | None = None
    """Why the runs are kept though made by an earlier pipeline (None: they must be fresh)."""
    unversioned_as: tuple[int, str] | None = None
    """``(version, because)``: records without a pipeline version are taken as this version."""

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


class _RecordsBeforeVersions(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)

    version: int
    because: str = Field(min_length=1)


def _unversioned_as(path: Path, data: dict[str, Any]) -> tuple[int, str] | None:
    if "records_before_versions" not in data:
        return None
    try:
        table = _RecordsBeforeVersions.model_validate(data["records_before_versions"])
    except ValidationError as exc:
        raise ConfigError(
            f"{path}: [records_before_versions] needs version (an integer) and because (why): "
            f"{exc.errors()[0]['msg']}"
        ) from exc
    return table.version, table.because


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
        historical=data.get("historical") or None,
        unversioned_as=_unversioned_as(path, data),
    )

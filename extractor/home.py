"""The one folder extractor keeps its caches in (models, server logs, the gazetteer index)."""

from __future__ import annotations

import os
from pathlib import Path

__all__ = ["extractor_home"]


def extractor_home() -> Path:
    """The cache folder: ``$EXTRACTOR_HOME``, else ``$XDG_CACHE_HOME/extractor``, else ~/.cache."""
    if home := os.environ.get("EXTRACTOR_HOME"):
        return Path(home)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "extractor"

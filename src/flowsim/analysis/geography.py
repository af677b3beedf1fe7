"""Country outlines for maps, from the Natural Earth file shipped with the package.

``data/ne_110m_countries_americas.geojson`` (public domain; source in the ``.md`` file next to
it) holds the Americas and Spain at 1:110m. Outlines are drawn with plain matplotlib patches:
no map projection, lon/lat degrees with the aspect corrected for the latitude.
"""

from __future__ import annotations

import json
from functools import lru_cache
from importlib import resources

import numpy as np
from matplotlib.axes import Axes
from matplotlib.collections import PolyCollection

#: The file, inside the ``flowsim`` package.
OUTLINES_FILE = "data/ne_110m_countries_americas.geojson"


@lru_cache(maxsize=1)
def outlines() -> dict[str, list[np.ndarray]]:
    """Return ISO3 -> the outer rings of the country's polygons (lon, lat arrays)."""
    text = resources.files("flowsim").joinpath(OUTLINES_FILE).read_text(encoding="utf-8")
    out: dict[str, list[np.ndarray]] = {}
    for feature in json.loads(text)["features"]:
        geometry = feature["geometry"]
        polygons = geometry["coordinates"]
        if geometry["type"] == "Polygon":
            polygons = [polygons]
        rings = [np.asarray(polygon[0], dtype=float) for polygon in polygons]
        out[feature["properties"]["iso3"]] = rings
    return out


def centroid(iso3: str) -> tuple[float, float] | None:
    """Return the (lon, lat) centre of a country's largest polygon, or ``None`` if unknown."""
    rings = outlines().get(iso3)
    if not rings:
        return None
    ring = max(rings, key=_area)
    x, y = ring[:, 0], ring[:, 1]
    cross = x[:-1] * y[1:] - x[1:] * y[:-1]
    area = cross.sum() / 2
    if abs(area) < 1e-12:
        return float(x.mean()), float(y.mean())
    cx = ((x[:-1] + x[1:]) * cross).sum() / (6 * area)
    cy = ((y[:-1] + y[1:]) * cross).sum() / (6 * area)
    return float(cx), float(cy)


def draw_outlines(ax: Axes, *, highlight: set[str] | None = None) -> None:
    """Fill every country in light grey with white borders; ``highlight`` a bit darker."""
    highlight = highlight or set()
    polys, colours = [], []
    for iso3, rings in outlines().items():
        for ring in rings:
            polys.append(ring)
            colours.append("#d9d9d9" if iso3 in highlight else "#ececec")
    ax.add_collection(
        PolyCollection(polys, facecolors=colours, edgecolors="white", linewidths=0.7, zorder=0)
    )


def _area(ring: np.ndarray) -> float:
    x, y = ring[:, 0], ring[:, 1]
    return abs(float((x[:-1] * y[1:] - x[1:] * y[:-1]).sum()) / 2)

"""Draw a world's countries and routes on a longitude/latitude plane (matplotlib)."""

from __future__ import annotations

from pathlib import Path

from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from flowsim.world import World

#: Route colours by mode (Okabe-Ito, colour-blind safe).
MODE_COLOURS: dict[str, str] = {"land": "#D55E00", "sea": "#0072B2", "air": "#999999"}

#: Label offsets in points for crowded capitals of the default world; others use (4, 4).
_LABEL_OFFSETS: dict[str, tuple[float, float]] = {
    "GTM": (-28, 4),
    "SLV": (-26, -12),
    "HND": (2, 6),
    "NIC": (5, -2),
    "CRI": (-28, -8),
    "PAN": (6, 1),
    "HTI": (-10, -13),
    "DOM": (4, 4),
    "TTO": (5, 2),
    "VEN": (-6, 6),
    "COL": (4, -10),
    "USA": (5, -10),
}


#: Offsets in points of named-crossing labels that would sit on a capital's label.
_NAME_OFFSETS: dict[str, tuple[float, float]] = {
    "San Andres": (-62, -4),
    "Darien Gap": (2, -9),
    "Cucuta": (-6, 2),
}


def draw_map(world: World) -> Figure:
    """Return a figure with countries at their capitals and routes as arrows.

    Bidirectional routes of one mode are drawn once (a double-headed arrow when both
    directions exist); named crossings are labelled. Land and sea routes are straight,
    air routes slightly curved so they do not hide the land corridors.
    """
    fig = Figure(figsize=(13, 9))
    ax = fig.subplots()
    lon = world.countries["lon"]
    lat = world.countries["lat"]
    pairs: dict[tuple[str, str, str], set[bool]] = {}
    for row in world.routes.itertuples():
        key = (*sorted((row.from_iso3, row.to_iso3)), row.mode)
        pairs.setdefault(key, set()).add(row.from_iso3 == key[0])
    order = {"air": 0, "sea": 1, "land": 2}
    for (a, b, mode), directions in sorted(pairs.items(), key=lambda kv: order[kv[0][2]]):
        start, end = (a, b) if True in directions else (b, a)
        style = "<|-|>" if len(directions) == 2 else "-|>"
        ax.annotate(
            "",
            xy=(lon[end], lat[end]),
            xytext=(lon[start], lat[start]),
            arrowprops={
                "arrowstyle": style,
                "color": MODE_COLOURS[mode],
                "lw": 0.7 if mode == "air" else 1.6,
                "alpha": 0.45 if mode == "air" else 0.9,
                "shrinkA": 4,
                "shrinkB": 4,
                "mutation_scale": 8,
                "connectionstyle": "arc3,rad=0.15" if mode == "air" else "arc3,rad=0",
            },
            zorder=1 if mode == "air" else 2,
        )
    named = world.routes[world.routes["name"] != ""].drop_duplicates("name")
    for row in named.itertuples():
        x = (lon[row.from_iso3] + lon[row.to_iso3]) / 2
        y = (lat[row.from_iso3] + lat[row.to_iso3]) / 2
        ax.annotate(
            row.name,
            (x, y),
            fontsize=7,
            fontstyle="italic",
            color="#222222",
            xytext=_NAME_OFFSETS.get(row.name, (3, -3)),
            textcoords="offset points",
            bbox={"boxstyle": "round,pad=0.15", "fc": "white", "ec": "none", "alpha": 0.7},
            zorder=4,
        )
    ax.scatter(lon, lat, s=28, color="black", zorder=3)
    for iso3 in world.iso3():
        ax.annotate(
            iso3,
            (lon[iso3], lat[iso3]),
            xytext=_LABEL_OFFSETS.get(iso3, (4, 4)),
            textcoords="offset points",
            fontsize=9,
            fontweight="bold",
            zorder=5,
        )
    handles = [Line2D([0], [0], color=c, lw=2, label=m) for m, c in MODE_COLOURS.items()]
    ax.legend(handles=handles, title="route mode", loc="lower left")
    ax.set_xlabel("longitude (degrees)")
    ax.set_ylabel("latitude (degrees)")
    ax.set_title(f"flowsim world: {len(world.countries)} countries, {len(world.routes)} routes")
    ax.set_aspect("equal", adjustable="datalim")
    ax.grid(True, lw=0.3, alpha=0.5)
    fig.tight_layout()
    return fig


def save_map(world: World, path: str | Path) -> Path:
    """Draw the world's map and write it as an image (format from the file suffix)."""
    draw_map(world).savefig(path, dpi=120)
    return Path(path)

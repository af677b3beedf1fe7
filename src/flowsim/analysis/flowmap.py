"""Flow maps: country outlines, countries at their capitals, arrows sized by people.

Coordinates come from ``coords.csv`` shipped with this package (capital city coordinates,
decimal degrees), extended or overridden by a ``coordinates`` entry in the manifest when one
is present; countries in neither sit at the centre of their outline
(:mod:`flowsim.analysis.geography`). The frame holds the Americas from Mexico south; Spain
sits at an arrow on the right edge.
"""

from __future__ import annotations

from importlib import resources
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import FancyArrowPatch
from matplotlib.transforms import Bbox

from flowsim.analysis.geography import centroid, draw_outlines
from flowsim.analysis.load import Results, as_frames
from flowsim.analysis.palette import DECREASE, INCREASE, OKABE_ITO
from flowsim.analysis.periods import split_calendar
from flowsim.analysis.words import scenario_title
from flowsim.errors import ResultsError

#: Widest arrow, in points.
MAX_WIDTH = 12.0


def load_coordinates(manifest: dict[str, Any] | None = None) -> pd.DataFrame:
    """Country coordinates indexed by ISO3, with columns ``name``, ``lat``, ``lon``.

    Args:
        manifest: A results manifest; its ``coordinates`` entry, when present, is either a
            mapping ``ISO3 -> {"lat": .., "lon": .., "name": ..}`` or a list of records with
            an ``iso3`` key, and wins over the shipped table.
    """
    with resources.files("flowsim.analysis").joinpath("coords.csv").open("r") as handle:
        coords = pd.read_csv(handle).set_index("iso3")
    extra = (manifest or {}).get("coordinates")
    if isinstance(extra, dict):
        extra = [{"iso3": k, **v} for k, v in extra.items() if isinstance(v, dict)]
    if isinstance(extra, list) and extra:
        more = pd.DataFrame(extra)
        if {"iso3", "lat", "lon"} <= set(more.columns):
            more = more.set_index("iso3").reindex(columns=["name", "lat", "lon"])
            more["name"] = more["name"].fillna(pd.Series(more.index, index=more.index))
            coords = pd.concat([coords[~coords.index.isin(more.index)], more])
    return coords


def flow_pairs(
    results: Any,
    scenario: str = "baseline",
    *,
    versus: str | None = None,
    kind: str | None = None,
    period: str = "run",
) -> pd.DataFrame:
    """People moved per (from_country, to_country): replicate mean, or paired difference.

    Args:
        results: A results folder, ``Results`` or object with the three tables.
        scenario: The scenario to summarise.
        versus: When given, return ``scenario - versus`` paired by replicate (mean over the
            replicates both have).
        kind: Keep only journeys of this kind (``first``, ``onward``, ``return``,
            ``pathway``); ``None`` keeps all.
        period: Months to sum over (see :mod:`flowsim.analysis.periods`).

    Returns:
        Columns ``from_country, to_country, people``, largest absolute value first.
    """
    frames = as_frames(results)
    _check_scenarios(frames, [scenario] + ([versus] if versus else []))
    per_run = _per_run(frames, kind, period)
    own = _by_replicate(frames, per_run, scenario)
    if versus is None:
        people = own.mean(axis=0)
    else:
        other = _by_replicate(frames, per_run, versus)
        both = own.index.intersection(other.index)
        pairs = own.columns.union(other.columns)
        own = own.reindex(index=both, columns=pairs, fill_value=0.0)
        other = other.reindex(index=both, columns=pairs, fill_value=0.0)
        people = (own - other).mean(axis=0)
    out = people.rename("people").reset_index()
    out = out.reindex(out["people"].abs().sort_values(ascending=False).index)
    return out.reset_index(drop=True)


def plot_flow_map(
    results: Any,
    scenario: str = "baseline",
    *,
    versus: str | None = None,
    kind: str | None = "onward",
    period: str = "run",
    numbers: int = 5,
) -> Figure:
    """Draw the Americas with country borders and one arrow per from->to pair.

    Arrow width is proportional to people; a key shows three widths. Journeys to or from
    Spain, outside the frame, end at an arrow on the map's right edge. The ``numbers``
    largest arrows carry their value. Country codes are placed so that they do not overlap.

    Args:
        results: A results folder, opened results or an object with the three tables.
        scenario: The scenario drawn (mean of its runs).
        versus: When given, draw ``scenario - versus`` instead, coloured by sign.
        kind: Journey kind to draw (default onward); ``None`` draws every kind.
        period: Months to sum over.
        numbers: How many of the largest arrows are labelled with their value.

    Returns:
        The figure; pairs whose countries have no position are listed under the map.
    """
    frames = as_frames(results)
    pairs = flow_pairs(frames, scenario, versus=versus, kind=kind, period=period)
    pairs = pairs[pairs["people"].round(6) != 0]
    places = _positions(frames.manifest, set(pairs["from_country"]) | set(pairs["to_country"]))
    known = pairs["from_country"].isin(places) & pairs["to_country"].isin(places)
    missing, pairs = pairs[~known], pairs[known]

    fig = Figure(figsize=(8.2, 9.2), layout="constrained")
    canvas = FigureCanvasAgg(fig)
    ax = fig.add_subplot()
    shown = set(pairs["from_country"]) | set(pairs["to_country"])
    draw_outlines(ax, highlight=shown)
    ax.set_xlim(*FRAME_LON)
    ax.set_ylim(*FRAME_LAT)
    ax.set_aspect(1 / np.cos(np.radians(np.mean(FRAME_LAT) / 2)))
    ax.set_xticks([])
    ax.set_yticks([])
    largest = float(pairs["people"].abs().max()) if len(pairs) else 1.0
    order = pairs.reindex(pairs["people"].abs().sort_values().index)  # big arrows last
    for _, pair in order.iterrows():
        start, end = places[pair["from_country"]], places[pair["to_country"]]
        colour = OKABE_ITO["blue"] if versus is None else _sign_colour(pair["people"])
        width = _width(pair["people"], largest)
        ax.add_patch(
            FancyArrowPatch(
                start,
                end,
                arrowstyle="-|>",
                mutation_scale=8 + width,
                connectionstyle="arc3,rad=0.2",
                linewidth=width,
                color=colour,
                alpha=0.75,
                shrinkA=3,
                shrinkB=3,
                zorder=2,
            )
        )
    for _, pair in pairs.head(numbers).iterrows():
        _label_arrow(
            ax,
            places[pair["from_country"]],
            places[pair["to_country"]],
            pair["people"],
            signed=versus is not None,
        )
    points = {iso3: places[iso3] for iso3 in sorted(shown)}
    ax.scatter(
        [p[0] for p in points.values()], [p[1] for p in points.values()],
        s=10, color="#333333", zorder=3,
    )  # fmt: skip
    _place_labels(ax, canvas, points)
    if "ESP" in shown:
        ax.annotate(
            "Spain\n(off the map)",
            places["ESP"],
            xytext=(-6, 10),
            textcoords="offset points",
            ha="right",
            fontsize="small",
            fontweight="bold",
            zorder=4,
        )
    label = _period_label(frames, period)
    what = f"{kind} journeys" if kind else "journeys"
    if versus is None:
        n = int(frames.runs["scenario"].eq(scenario).sum())
        ax.set_title(f"{what.capitalize()}: {scenario_title(scenario)}, {_runs(n)} ({label})")
    else:
        ax.set_title(
            f"Change in {what}: {scenario_title(scenario)} minus {scenario_title(versus)} ({label})"
        )
    if pairs.empty:
        ax.text(
            0.5, 0.5, f"No {what} in this period", transform=ax.transAxes, ha="center",
            fontsize="large", color="#555555",
        )  # fmt: skip
    else:
        ax.legend(
            handles=_width_key(largest, signed=versus is not None),
            loc="lower left",
            title="people" if versus is None else "change in people",
            frameon=True,
            framealpha=0.9,
            fontsize="small",
            title_fontsize="small",
        )
    note = "Arrow width is proportional to people; the largest arrows carry their number."
    if len(missing):
        skipped = ", ".join(
            f"{a}->{b}" for a, b in zip(missing["from_country"], missing["to_country"], strict=True)
        )
        note += f" Not drawn (no position): {skipped}."
    ax.set_xlabel(note, fontsize="x-small", loc="left")
    return fig


#: Longitudes and latitudes framed: Mexico and the US south to Tierra del Fuego.
FRAME_LON: tuple[float, float] = (-118.0, -32.0)
FRAME_LAT: tuple[float, float] = (-56.0, 42.0)
#: Where journeys to or from Spain end: an arrow head on the right edge, at Madrid's latitude.
SPAIN_EDGE: tuple[float, float] = (-34.0, 36.0)

#: Label offsets tried in turn (points from the country's point), nearest first.
_OFFSETS: tuple[tuple[int, int], ...] = tuple(
    (dx * r, dy * r)
    for r in (1, 2, 3)
    for dx, dy in ((4, 3), (4, -9), (-22, 3), (-22, -9), (-9, 8), (-9, -14))
)


def _positions(manifest: dict[str, Any] | None, wanted: set[str]) -> dict[str, tuple[float, float]]:
    """Map position of each country: capital, else the outline's centre; Spain at the edge."""
    coords = load_coordinates(manifest)
    out: dict[str, tuple[float, float]] = {}
    for iso3 in wanted:
        if iso3 == "ESP":
            out[iso3] = SPAIN_EDGE
        elif iso3 in coords.index:
            out[iso3] = (float(coords.loc[iso3, "lon"]), float(coords.loc[iso3, "lat"]))
        elif (centre := centroid(iso3)) is not None:
            out[iso3] = centre
    return out


def _place_labels(ax, canvas: FigureCanvasAgg, points: dict[str, tuple[float, float]]) -> None:
    """Write each country code at the first offset where it overlaps no label placed before."""
    renderer = canvas.get_renderer()
    placed: list[Bbox] = []
    for iso3, point in sorted(points.items(), key=lambda kv: (-kv[1][1], kv[1][0])):
        if iso3 == "ESP":
            continue
        best, best_overlap = None, None
        for offset in _OFFSETS:
            text = ax.annotate(
                iso3, point, xytext=offset, textcoords="offset points", fontsize="small",
                fontweight="bold", zorder=4,
                arrowprops=None if offset in _OFFSETS[:6] else {"arrowstyle": "-", "lw": 0.5},
            )  # fmt: skip
            box = text.get_window_extent(renderer).expanded(1.08, 1.15)
            overlap = sum(_overlap(box, other) for other in placed)
            if best_overlap is None or overlap < best_overlap:
                if best is not None:
                    best[0].remove()
                best, best_overlap = (text, box), overlap
            else:
                text.remove()
            if overlap == 0:
                break
        if best is not None:
            placed.append(best[1])


def _overlap(a: Bbox, b: Bbox) -> float:
    w = min(a.x1, b.x1) - max(a.x0, b.x0)
    h = min(a.y1, b.y1) - max(a.y0, b.y0)
    return max(w, 0.0) * max(h, 0.0)


def _label_arrow(ax, start, end, people: float, *, signed: bool) -> None:
    mid = ((start[0] + end[0]) / 2, (start[1] + end[1]) / 2)
    dx, dy = end[0] - start[0], end[1] - start[1]
    bend = (-dy * 0.1, dx * 0.1)  # the arc bulges to one side of the straight line
    text = f"{people:+,.0f}" if signed else f"{people:,.0f}"
    ax.annotate(
        _nice(text),
        (mid[0] + bend[0], mid[1] + bend[1]),
        ha="center",
        va="center",
        fontsize="x-small",
        zorder=5,
        bbox={"boxstyle": "round,pad=0.15", "fc": "white", "ec": "none", "alpha": 0.85},
    )


def _nice(text: str) -> str:
    """Round a formatted count to three significant digits (the map is no ledger)."""
    sign = text[0] if text[0] in "+-" else ""
    value = float(text.lstrip("+-").replace(",", ""))
    if value >= 1000:
        digits = int(np.floor(np.log10(value))) - 2
        value = round(value, -digits)
    return f"{sign}{value:,.0f}"


def _width(people: float, largest: float) -> float:
    return max(MAX_WIDTH * abs(people) / largest, 0.6)


def _width_key(largest: float, *, signed: bool) -> list[Line2D]:
    steps = [largest, largest / 2, largest / 10]
    handles = [
        Line2D([], [], color="#555555", linewidth=_width(v, largest), label=_nice(f"{v:,.0f}"))
        for v in steps
    ]
    if signed:
        handles += [
            Line2D([], [], color=INCREASE, linewidth=4, label="more people"),
            Line2D([], [], color=DECREASE, linewidth=4, label="fewer people"),
        ]
    return handles


def _sign_colour(value: float) -> str:
    return INCREASE if value > 0 else DECREASE


def _runs(n: int) -> str:
    return "one run" if n == 1 else f"mean of {n} runs"


def _check_scenarios(frames: Results, wanted: list[str]) -> None:
    for name in wanted:
        if name not in frames.scenarios:
            raise ResultsError(
                f"scenario {name!r} not found (available: {', '.join(frames.scenarios)})"
            )


def _per_run(frames: Results, kind: str | None, period: str) -> pd.DataFrame:
    months = [m for ms in split_calendar(frames.months, period).values() for m in ms]
    if not months:
        return pd.DataFrame(columns=["run_id", "from_country", "to_country", "people"])
    where, params = ["month BETWEEN ? AND ?"], [months[0].date(), months[-1].date()]
    if kind is not None:
        where.append("kind = ?")
        params.append(kind)
    return frames.query(
        "SELECT run_id, from_country, to_country, SUM(people) AS people FROM flows "
        f"WHERE {' AND '.join(where)} GROUP BY run_id, from_country, to_country",
        params,
    )


def _by_replicate(frames: Results, per_run: pd.DataFrame, scenario: str) -> pd.DataFrame:
    """Replicate x (from, to) table of people, with zeros for runs that moved nobody."""
    runs = frames.runs[frames.runs["scenario"] == scenario][["run_id", "replicate"]]
    rows = per_run.merge(runs, on="run_id")
    wide = rows.pivot_table(
        index="replicate",
        columns=["from_country", "to_country"],
        values="people",
        aggfunc="sum",
        fill_value=0.0,
    )
    if wide.empty:
        wide = pd.DataFrame(
            index=pd.Index([], name="replicate"),
            columns=pd.MultiIndex.from_tuples([], names=["from_country", "to_country"]),
            dtype=float,
        )
    return wide.reindex(index=sorted(runs["replicate"]), fill_value=0.0).astype(float)


def _period_label(frames: Results, period: str) -> str:
    labels = [label.replace("/", " to ") for label in split_calendar(frames.months, period)]
    return ", ".join(labels) or "no months"

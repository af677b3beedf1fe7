"""Flow maps: countries at their capitals and arrows sized by the people who moved.

Coordinates come from ``coords.csv`` shipped with this package (capital city coordinates,
decimal degrees), extended or overridden by a ``coordinates`` entry in the manifest when one
is present. There is no basemap: the map is a schematic of who went where.
"""

from __future__ import annotations

from importlib import resources
from typing import Any

import pandas as pd
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import FancyArrowPatch

from flowsim.analysis.load import Results, as_frames
from flowsim.analysis.palette import DECREASE, INCREASE, OKABE_ITO
from flowsim.analysis.periods import split_calendar
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
) -> Figure:
    """Draw one arrow per from->to pair with a nonzero value, width proportional to people.

    Args:
        results: A results folder, ``Results`` or object with the three tables.
        scenario: The scenario drawn (replicate mean).
        versus: When given, draw ``scenario - versus`` instead, coloured by sign.
        kind: Journey kind to draw (default onward); ``None`` draws every kind.
        period: Months to sum over.

    Returns:
        The figure; pairs whose countries have no coordinates are listed under the map.
    """
    frames = as_frames(results)
    pairs = flow_pairs(frames, scenario, versus=versus, kind=kind, period=period)
    pairs = pairs[pairs["people"] != 0]
    coords = load_coordinates(frames.manifest)
    known = pairs["from_country"].isin(coords.index) & pairs["to_country"].isin(coords.index)
    missing, pairs = pairs[~known], pairs[known]

    fig = Figure(figsize=(8, 8.5), layout="constrained")
    ax = fig.add_subplot()
    shown = set(pairs["from_country"]) | set(pairs["to_country"])
    places = coords[(coords["lon"] < -30) | coords.index.isin(shown)]
    ax.scatter(places["lon"], places["lat"], s=14, color="grey", zorder=3)
    for iso3, row in places.iterrows():
        weight = "bold" if iso3 in shown else "normal"
        ax.annotate(
            iso3,
            (row["lon"], row["lat"]),
            xytext=(3, 3),
            textcoords="offset points",
            fontsize="small",
            fontweight=weight,
            zorder=4,
        )
    largest = float(pairs["people"].abs().max()) if len(pairs) else 1.0
    for _, pair in pairs.iterrows():
        start = coords.loc[pair["from_country"], ["lon", "lat"]].to_numpy(dtype=float)
        end = coords.loc[pair["to_country"], ["lon", "lat"]].to_numpy(dtype=float)
        if versus is None:
            colour = OKABE_ITO["blue"]
        else:
            colour = INCREASE if pair["people"] > 0 else DECREASE
        width = max(MAX_WIDTH * abs(pair["people"]) / largest, 0.6)
        ax.add_patch(
            FancyArrowPatch(
                tuple(start),
                tuple(end),
                arrowstyle="-|>",
                mutation_scale=10 + width,
                connectionstyle="arc3,rad=0.18",
                linewidth=width,
                color=colour,
                alpha=0.7,
                shrinkA=4,
                shrinkB=4,
                zorder=2,
            )
        )
    ax.set_aspect("equal", adjustable="datalim")
    ax.set_xlabel("longitude")
    ax.set_ylabel("latitude")
    ax.grid(alpha=0.2)
    label = _period_label(frames, period)
    what = f"{kind} journeys" if kind else "journeys"
    if versus is None:
        n = int(frames.runs["scenario"].eq(scenario).sum())
        ax.set_title(f"{what.capitalize()}, {scenario} (mean of {n} runs, {label})")
    else:
        ax.set_title(f"Change in {what}: {scenario} minus {versus} ({label})")
        ax.legend(
            handles=[
                Line2D([], [], color=INCREASE, linewidth=4, label=f"more than {versus}"),
                Line2D([], [], color=DECREASE, linewidth=4, label=f"fewer than {versus}"),
            ],
            loc="lower left",
            frameon=False,
        )
    note = f"arrow width proportional to people; widest = {largest:,.0f} people"
    if len(missing):
        skipped = ", ".join(
            f"{a}->{b}" for a, b in zip(missing["from_country"], missing["to_country"], strict=True)
        )
        note += f"; not drawn (no coordinates): {skipped}"
    fig.text(0.01, 0.0, note, fontsize="x-small", va="bottom")
    return fig


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
    return ", ".join(split_calendar(frames.months, period)) or "no months"

"""Figures for comparing scenarios. Each function returns a matplotlib Figure; none shows it.

Figures are built with :class:`matplotlib.figure.Figure` (no pyplot state), so they are safe
in scripts, servers and notebooks alike. Colours come from :mod:`flowsim.analysis.palette`.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from matplotlib.dates import AutoDateLocator, ConciseDateFormatter, MonthLocator, num2date
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from matplotlib.ticker import FuncFormatter, PercentFormatter

from flowsim.analysis.compare import INTERVAL
from flowsim.analysis.load import as_frames
from flowsim.analysis.metrics import ABROAD_STATUSES, STOCK_METRICS, get_metric
from flowsim.analysis.pairing import baseline_labels
from flowsim.analysis.palette import DECREASE, INCREASE, scenario_colours, status_styles
from flowsim.analysis.words import scenario_title
from flowsim.errors import ResultsError


def plot_timeseries(
    results: Any,
    metric: str = "onward_moves",
    *,
    baseline: str = "baseline",
    scenarios: list[str] | None = None,
    country: str | None = None,
    marker: pd.Timestamp | None = None,
) -> Figure:
    """Monthly values: one small panel per scenario, each over the baseline.

    Each panel draws the scenario's mean line and the band holding 90% of its runs, with the
    baseline's mean drawn on top in black, so no scenario hides another.

    Args:
        results: A results folder, opened results or an object with the three tables.
        metric: A metric name (see ``METRICS``).
        baseline: Scenario drawn in black in every panel.
        scenarios: Scenarios to draw (default: all, in results order).
        country: Restrict to one country (as the metric defines ``country``).
        marker: A month to mark with a dashed line (the start of the policy window).

    Returns:
        A figure with one panel per scenario other than the baseline (one panel when the
        baseline is alone).
    """
    info = get_metric(metric)
    frames = as_frames(results)
    values = info.function(frames, by="country" if country else None, period="month")
    if country:
        values = values[values["country"] == country]
    scenarios = scenarios or frames.scenarios
    colours = scenario_colours(scenarios, baseline)
    pairs = baseline_labels(frames.runs, baseline)
    panels = [s for s in scenarios if pairs.get(s, s) != s] or [scenarios[0]]
    cols = 1 if len(panels) == 1 else 2
    rows = -(-len(panels) // cols)
    fig = Figure(figsize=(10, 1.2 + 2.6 * rows), layout="constrained")
    axes = fig.subplots(rows, cols, sharex=True, sharey=True, squeeze=False).ravel()
    for ax, scenario in zip(axes, panels, strict=False):
        months, mean, lo, hi, n = _band(values, scenario)
        colour = colours.get(scenario, "C0")
        ax.fill_between(months, lo, hi, color=colour, alpha=0.25, linewidth=0)
        ax.plot(months, mean, color=colour, linewidth=1.8, label=f"{scenario_title(scenario)}")
        base = pairs.get(scenario, scenario)
        if base != scenario:
            b_months, b_mean, *_ = _band(values, base)
            ax.plot(b_months, b_mean, color="black", linewidth=1.3, zorder=5, label="baseline")
        if marker is not None:
            ax.axvline(marker, color="#555555", linestyle="--", linewidth=1, zorder=6)
        runs = "one run" if n == 1 else f"{n} runs"
        ax.set_title(f"{scenario_title(scenario)} ({runs})", fontsize="medium")
        ax.grid(alpha=0.3)
        _format_values(ax.yaxis, info.unit)
    for ax in axes[len(panels) :]:
        ax.set_visible(False)
    _format_months(axes[0])
    for ax in axes:
        ax.set_xlabel("")
    where = f" in {country}" if country else ""
    fig.suptitle(f"{info.label}{where}, per month")
    fig.supylabel(_unit_label(metric, info.unit, per_month=True))
    handles = [
        Line2D([], [], color="black", linewidth=1.3, label="baseline (mean of its runs)"),
        Line2D([], [], color="grey", linewidth=1.8, label="scenario (mean of its runs)"),
        Patch(color="grey", alpha=0.25, label="band: 90% of the scenario's runs"),
    ]
    if marker is not None:
        handles.append(
            Line2D(
                [], [], color="#555555", linestyle="--", label=f"policy window from {marker:%Y-%m}"
            )
        )
    fig.legend(
        handles=handles,
        loc="outside lower center",
        ncols=len(handles),
        frameon=False,
        fontsize="small",
    )
    return fig


def _band(values: pd.DataFrame, scenario: str) -> tuple:
    wide = values[values["scenario"] == scenario].pivot_table(
        index="period", columns="replicate", values="value", aggfunc="sum", dropna=False
    )
    months = pd.to_datetime(wide.index)
    data = wide.to_numpy(dtype=float)
    if data.size == 0:
        empty = np.array([])
        return months, empty, empty, empty, 0
    mean = np.nanmean(data, axis=1)
    lo, hi = np.nanpercentile(data, INTERVAL, axis=1, method="linear")
    return months, mean, lo, hi, wide.shape[1]


def plot_differences(
    table: pd.DataFrame,
    *,
    metric: str = "onward_moves",
    baseline: str | None = None,
) -> Figure:
    """Paired differences from the baseline as horizontal bars with 90% whiskers.

    Args:
        table: Output of :func:`~flowsim.analysis.compare.compare` for ``metric``.
        metric: The metric the table holds (for titles and units).
        baseline: The baseline's label (default: the table's first scenario).

    Returns:
        A figure with one bar per non-baseline row; blue bars are decreases, vermillion
        bars increases.
    """
    info = get_metric(metric)
    baseline = baseline or str(table["scenario"].iloc[0])
    own_base = table["baseline"] if "baseline" in table.columns else baseline
    rows = table[table["scenario"] != own_base].iloc[::-1]
    labels = _row_labels(rows, table)
    mean = rows["diff_mean"].to_numpy(dtype=float)
    err = np.vstack([mean - rows["diff_lo90"], rows["diff_hi90"] - mean])
    colours = [DECREASE if m < 0 else INCREASE for m in mean]
    fig = Figure(figsize=(9, 1.4 + 0.55 * max(len(rows), 1)), layout="constrained")
    ax = fig.add_subplot()
    ax.barh(labels, mean, xerr=err, color=colours, capsize=4, error_kw={"elinewidth": 1.2})
    ax.axvline(0, color="black", linewidth=0.8)
    for y, (m, rel) in enumerate(zip(mean, rows["rel_change"], strict=True)):
        if np.isfinite(rel) and info.unit != "share":
            ax.annotate(
                f"{rel:+.1%}",
                (m, y),
                xytext=(4 if m >= 0 else -4, 8),
                textcoords="offset points",
                ha="left" if m >= 0 else "right",
                fontsize="small",
            )
    period = ", ".join(table["period"].unique())
    ax.set_title(f"{info.label}: change compared with the baseline ({period})")
    ax.set_xlabel(
        f"difference from the baseline, {_unit_label(metric, info.unit, change=True)}\n"
        "bar: mean of paired differences (replicate k vs replicate k); whiskers: 5-95%"
    )
    if info.unit == "share":
        ax.xaxis.set_major_formatter(FuncFormatter(lambda x, _: f"{100 * x:+.1f} pp"))
    else:
        _format_values(ax.xaxis, info.unit)
    ax.grid(axis="x", alpha=0.3)
    return fig


def plot_status_composition(
    results: Any,
    country: str,
    *,
    scenario: str = "baseline",
) -> Figure:
    """Migrants living in one host by legal status over time (stacked, mean of the runs).

    Every status the results hold is drawn with its own label and colour
    (:func:`~flowsim.analysis.palette.status_styles`): a status the figure does not know is
    shown under its own name, never merged into another.

    Args:
        results: A results folder, opened results or an object with the three tables.
        country: The host (ISO3).
        scenario: The scenario to draw.

    Returns:
        A figure with one stacked area per status present.

    Raises:
        ResultsError: The scenario is unknown.
    """
    frames = as_frames(results)
    if scenario not in frames.scenarios:
        raise ResultsError(
            f"scenario {scenario!r} not found (available: {', '.join(frames.scenarios)})"
        )
    n = int(frames.runs["scenario"].eq(scenario).sum())
    rows = frames.query(
        "SELECT t.month, t.status, SUM(t.value) AS value FROM timeseries t "
        "JOIN runs r ON t.run_id = r.run_id "
        "WHERE r.scenario = ? AND t.variable = 'stock' AND t.country = ? "
        "AND t.nationality <> t.country AND t.status NOT IN ('all', 'national') "
        "GROUP BY t.month, t.status",
        [scenario, country],
    )
    styles = status_styles([*ABROAD_STATUSES, *rows["status"].unique()])
    mean = rows.set_index(["month", "status"])["value"].div(max(n, 1)).unstack("status")
    mean = mean.reindex(columns=list(styles), fill_value=0.0).fillna(0.0).sort_index()
    fig = Figure(figsize=(9, 4.8), layout="constrained")
    ax = fig.add_subplot()
    ax.stackplot(
        mean.index,
        mean.to_numpy().T,
        labels=[label for label, _ in styles.values()],
        colors=[colour for _, colour in styles.values()],
        alpha=0.9,
    )
    runs = "one run" if n == 1 else f"mean of {n} runs"
    ax.set_title(
        f"Migrants living in {country} by legal status ({scenario_title(scenario)}, {runs})"
    )
    _format_months(ax)
    ax.set_ylabel("people")
    _format_values(ax.yaxis, "people")
    ax.legend(loc="upper left", fontsize="small", frameon=False, reverse=True)
    ax.grid(alpha=0.3)
    return fig


def _row_labels(rows: pd.DataFrame, table: pd.DataFrame) -> list[str]:
    """Scenario names, plus the group and period when the table holds several."""
    extra = [c for c in ("country", "nationality") if c in rows.columns]
    if table["period"].nunique() > 1:
        extra.append("period")
    return [
        " · ".join([scenario_title(str(row["scenario"])), *[str(row[c]) for c in extra]])
        for _, row in rows.iterrows()
    ]


def _format_months(ax) -> None:
    start, end = (num2date(x) for x in ax.get_xlim())
    span = (end.year - start.year) * 12 + end.month - start.month + 1
    if span <= 36:
        step = next(s for s in (1, 2, 3, 6) if span / s <= 12)
        locator = MonthLocator(bymonth=range(1, 13, step))
    else:
        locator = AutoDateLocator()
    ax.xaxis.set_major_locator(locator)
    ax.xaxis.set_major_formatter(ConciseDateFormatter(locator))
    ax.set_xlabel("month")


def _unit_label(metric: str, unit: str, *, per_month: bool = False, change: bool = False) -> str:
    if unit == "share":
        return "percentage points" if change else "percent"
    if per_month and metric not in STOCK_METRICS:
        return "people per month"
    return "people"


def _format_values(axis, unit: str) -> None:
    if unit == "share":
        axis.set_major_formatter(PercentFormatter(1.0))
    else:
        axis.set_major_formatter(FuncFormatter(lambda x, _: f"{x:,.0f}"))

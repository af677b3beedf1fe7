"""Outcome metrics: each turns results into one value per run, group and period.

Every metric has the signature ``metric(results, by=None, period="run")`` and returns a long
DataFrame with columns ``run_id, scenario, replicate, [by], period, value``. ``by`` is
``None`` (all countries together), ``"country"`` or ``"nationality"``; ``period`` is one of
the specs of :mod:`flowsim.analysis.periods`. Only finished runs count, and every finished
run gets a row for every group and period (zero when nothing happened), so paired
comparisons never silently drop a replicate.

Flow metrics (journeys, crossings, deaths) are sums over the period's months. Stock metrics
say in their docstring whether they are read at the end of the period or averaged over it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, NamedTuple

import numpy as np
import pandas as pd

from flowsim import tables
from flowsim.analysis.load import ResultsFrames, as_frames
from flowsim.analysis.periods import split_calendar
from flowsim.errors import ResultsError

#: Allowed values of ``by``.
BY_CHOICES: tuple[str | None, ...] = (None, "country", "nationality")

#: Metrics that measure a stock or a share (read at a month) rather than a flow (summed).
STOCK_METRICS: frozenset[str] = frozenset({"stock_by_host", "regular_share", "employment_rate"})

#: Statuses of migrants abroad (``tables.STATUSES`` without "national", which marks people
#: living in their own country).
ABROAD_STATUSES: tuple[str, ...] = tuple(s for s in tables.STATUSES if s != "national")

#: Statuses that give a migrant abroad a legal right to stay.
REGULAR_STATUSES: tuple[str, ...] = ("regular", "labor_visa", "naturalized")

_KEYS = ["run_id", "scenario", "replicate"]


# --- flow metrics -----------------------------------------------------------------------


def onward_moves(results: Any, by: str | None = None, period: str = "run") -> pd.DataFrame:
    """Onward journeys started from a host (``journeys_onward``), summed over the period.

    ``by="country"`` groups by the host left; ``by="nationality"`` by the migrants' origin.
    """
    return _timeseries_sum(results, "journeys_onward", by, period)


def first_departures(results: Any, by: str | None = None, period: str = "run") -> pd.DataFrame:
    """First journeys started from the origin (``journeys_first``), summed over the period."""
    return _timeseries_sum(results, "journeys_first", by, period)


def returns(results: Any, by: str | None = None, period: str = "run") -> pd.DataFrame:
    """Return journeys started (``journeys_return``), summed over the period."""
    return _timeseries_sum(results, "journeys_return", by, period)


def pathway_departures(results: Any, by: str | None = None, period: str = "run") -> pd.DataFrame:
    """Legal labor-pathway journeys started (``journeys_pathway``), summed over the period."""
    return _timeseries_sum(results, "journeys_pathway", by, period)


def deaths(results: Any, by: str | None = None, period: str = "run") -> pd.DataFrame:
    """Deaths and disappearances on routes (``deaths``), summed over the period.

    ``by="country"`` groups by the country the deadly route leaves.
    """
    return _timeseries_sum(results, "deaths", by, period)


def darien_crossings(results: Any, by: str | None = None, period: str = "run") -> pd.DataFrame:
    """People crossing on the Darien Gap route (any kind, either direction), summed.

    ``by="country"`` groups by the country the crossing leaves (``from_country``).
    """
    return _route_sum(results, tables.DARIEN_ROUTE, by, period)


def us_border_arrivals(results: Any, by: str | None = None, period: str = "run") -> pd.DataFrame:
    """People crossing on the US southwest border route, summed over the period.

    ``by="country"`` groups by the country the crossing leaves (``from_country``).
    """
    return _route_sum(results, tables.US_SW_BORDER_ROUTE, by, period)


# --- stock metrics ----------------------------------------------------------------------


def stock_by_host(results: Any, by: str | None = None, period: str = "run") -> pd.DataFrame:
    """Migrants living abroad (``stock``, country != nationality) at the period's last month.

    ``by="country"`` gives the stock in each host; ``by="nationality"`` the diaspora of
    each origin.
    """
    frames = as_frames(results)
    rows = _series(frames.timeseries, "stock", abroad=True)
    labels = split_calendar(frames.months, period)
    ends = {months[-1]: label for label, months in labels.items()}
    rows = rows[rows["month"].isin(list(ends))]
    rows = rows.assign(period=rows["month"].map(ends))
    values = _aggregate(rows, _group_columns(by), "sum")
    return _complete(frames, values, by, list(labels), fill=0.0)


def regular_share(results: Any, by: str | None = None, period: str = "run") -> pd.DataFrame:
    """Share of migrants abroad holding a regular status, averaged over the period's months.

    The monthly share is the stock with status in ``REGULAR_STATUSES`` over the stock in
    every status, counting only people living outside their nationality's country; months
    with nobody abroad in the group are skipped (NaN when no month has anybody).
    """
    frames = as_frames(results)
    stock = _series(frames.timeseries, "stock", abroad=True, statuses=ABROAD_STATUSES)
    legal = stock[stock["status"].isin(REGULAR_STATUSES)]
    return _monthly_ratio(frames, legal, stock, by, period)


def employment_rate(results: Any, by: str | None = None, period: str = "run") -> pd.DataFrame:
    """Employed migrants abroad over migrants abroad, averaged over the period's months.

    Months with nobody abroad in the group are skipped (NaN when no month has anybody).
    """
    frames = as_frames(results)
    employed = _series(frames.timeseries, "employed", abroad=True)
    stock = _series(frames.timeseries, "stock", abroad=True)
    return _monthly_ratio(frames, employed, stock, by, period)


# --- registry ---------------------------------------------------------------------------


class MetricInfo(NamedTuple):
    """A metric as listed to users: its function, a plain description and its unit."""

    function: Callable[..., pd.DataFrame]
    description: str
    unit: str


#: Metric name -> (function, description, unit).
METRICS: dict[str, MetricInfo] = {
    "onward_moves": MetricInfo(
        onward_moves, "onward journeys started from a host country", "people"
    ),
    "first_departures": MetricInfo(
        first_departures, "first journeys leaving the country of origin", "people"
    ),
    "returns": MetricInfo(returns, "return journeys started", "people"),
    "pathway_departures": MetricInfo(
        pathway_departures, "journeys on legal labor pathways", "people"
    ),
    "darien_crossings": MetricInfo(darien_crossings, "crossings of the Darien Gap", "people"),
    "us_border_arrivals": MetricInfo(
        us_border_arrivals, "crossings of the US southwest border", "people"
    ),
    "deaths": MetricInfo(deaths, "deaths and disappearances on routes", "people"),
    "regular_share": MetricInfo(
        regular_share, "share of migrants abroad with a regular status (monthly mean)", "share"
    ),
    "employment_rate": MetricInfo(
        employment_rate, "share of migrants abroad who are employed (monthly mean)", "share"
    ),
    "stock_by_host": MetricInfo(
        stock_by_host, "migrants living abroad at the end of the period", "people"
    ),
}

#: Metric name -> (timeseries variables it reads, whether it reads the flows table). Route
#: metrics read ``journeys_onward`` only for the calendar (the months the runs cover).
METRIC_INPUTS: dict[str, tuple[tuple[str, ...], bool]] = {
    "onward_moves": (("journeys_onward",), False),
    "first_departures": (("journeys_first",), False),
    "returns": (("journeys_return",), False),
    "pathway_departures": (("journeys_pathway",), False),
    "darien_crossings": (("journeys_onward",), True),
    "us_border_arrivals": (("journeys_onward",), True),
    "deaths": (("deaths",), False),
    "regular_share": (("stock",), False),
    "employment_rate": (("stock", "employed"), False),
    "stock_by_host": (("stock",), False),
}


def get_metric(name: str) -> MetricInfo:
    """Look a metric up by name.

    Raises:
        ResultsError: The name is unknown; the message lists the allowed names.
    """
    try:
        return METRICS[name]
    except KeyError:
        raise ResultsError(f"unknown metric {name!r} (allowed: {', '.join(METRICS)})") from None


# --- shared machinery -------------------------------------------------------------------


def _group_columns(by: str | None) -> list[str]:
    if by not in BY_CHOICES:
        raise ResultsError(f"unknown grouping by={by!r} (allowed: None, country, nationality)")
    return [by] if by else []


def _series(
    ts: pd.DataFrame,
    variable: str,
    *,
    abroad: bool = False,
    statuses: tuple[str, ...] | None = None,
) -> pd.DataFrame:
    """Rows of one variable, without double counting status totals.

    With ``statuses`` the rows of those statuses are kept. Otherwise the ``"all"`` rows are
    used when the variable has them, else every status row (to be summed).
    """
    rows = ts[ts["variable"] == variable]
    if abroad:
        rows = rows[rows["country"] != rows["nationality"]]
    if statuses is not None:
        return rows[rows["status"].isin(statuses)]
    totals = rows[rows["status"] == "all"]
    return totals if not totals.empty else rows


def _aggregate(rows: pd.DataFrame, groups: list[str], how: str) -> pd.DataFrame:
    keys = ["run_id", *groups, "period"]
    column = "people" if "people" in rows.columns else "value"
    out = rows.groupby(keys, sort=False)[column].agg(how).reset_index()
    return out.rename(columns={column: "value"})


def _label_periods(frames: ResultsFrames, rows: pd.DataFrame, period: str) -> tuple:
    labels = split_calendar(frames.months, period)
    month_label = {m: label for label, months in labels.items() for m in months}
    rows = rows.assign(period=rows["month"].map(month_label)).dropna(subset=["period"])
    return rows, list(labels)


def _timeseries_sum(results: Any, variable: str, by: str | None, period: str) -> pd.DataFrame:
    frames = as_frames(results)
    rows, labels = _label_periods(frames, _series(frames.timeseries, variable), period)
    values = _aggregate(rows, _group_columns(by), "sum")
    return _complete(frames, values, by, labels, fill=0.0)


def _route_sum(results: Any, route: str, by: str | None, period: str) -> pd.DataFrame:
    frames = as_frames(results)
    flows = frames.flows[frames.flows["route"] == route]
    flows = flows.rename(columns={"from_country": "country"})
    rows, labels = _label_periods(frames, flows, period)
    values = _aggregate(rows, _group_columns(by), "sum")
    return _complete(frames, values, by, labels, fill=0.0)


def _monthly_ratio(
    frames: ResultsFrames,
    numerator: pd.DataFrame,
    denominator: pd.DataFrame,
    by: str | None,
    period: str,
) -> pd.DataFrame:
    groups = _group_columns(by)
    keys = ["run_id", *groups, "month"]
    num = numerator.groupby(keys)["value"].sum()
    den = denominator.groupby(keys)["value"].sum()
    num = num.reindex(den.index, fill_value=0.0)
    ratio = (num / den.where(den > 0)).rename("value").reset_index()
    rows, labels = _label_periods(frames, ratio, period)
    values = _aggregate(rows, groups, "mean")
    return _complete(frames, values, by, labels, fill=np.nan)


def _complete(
    frames: ResultsFrames,
    values: pd.DataFrame,
    by: str | None,
    periods: list[str],
    *,
    fill: float,
) -> pd.DataFrame:
    """Give every finished run a row per group and period, filling absent ones."""
    groups = _group_columns(by)
    runs = frames.runs[_KEYS].drop_duplicates("run_id")
    axes: list[pd.Index] = [pd.Index(runs["run_id"], name="run_id")]
    if by:
        axes.append(pd.Index(sorted(values[by].dropna().unique()), name=by))
    axes.append(pd.Index(periods, name="period"))
    grid = pd.MultiIndex.from_product(axes)
    series = values.set_index(["run_id", *groups, "period"])["value"].astype(float)
    full = series.reindex(grid, fill_value=fill).reset_index()
    full = runs.merge(full, on="run_id", how="right")
    return full[[*_KEYS, *groups, "period", "value"]].reset_index(drop=True)

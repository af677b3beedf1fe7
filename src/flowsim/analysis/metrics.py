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
from flowsim.analysis.load import Results, as_frames
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
    rows = _monthly(frames, "stock", by, abroad=True)
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
    stock = _monthly(frames, "stock", by, abroad=True, statuses=ABROAD_STATUSES)
    legal = _monthly(frames, "stock", by, abroad=True, statuses=REGULAR_STATUSES)
    return _monthly_ratio(frames, legal, stock, by, period)


def employment_rate(results: Any, by: str | None = None, period: str = "run") -> pd.DataFrame:
    """Employed migrants abroad over migrants abroad, averaged over the period's months.

    Months with nobody abroad in the group are skipped (NaN when no month has anybody).
    """
    frames = as_frames(results)
    employed = _monthly(frames, "employed", by, abroad=True)
    stock = _monthly(frames, "stock", by, abroad=True)
    return _monthly_ratio(frames, employed, stock, by, period)


# --- registry ---------------------------------------------------------------------------


class MetricInfo(NamedTuple):
    """A metric as shown to readers: its function, label, one-line definition and unit.

    ``unit`` is ``"people"`` or ``"share"`` (a fraction from 0 to 1, shown in percent, its
    changes in percentage points).
    """

    function: Callable[..., pd.DataFrame]
    label: str
    description: str
    unit: str


#: The one metric dictionary: name -> (function, label, definition, unit).
METRICS: dict[str, MetricInfo] = {
    "onward_moves": MetricInfo(
        onward_moves,
        "Onward journeys",
        "journeys started by migrants from a country they had lived in for a year or more "
        "(not their own) towards a third country; returns home are not counted",
        "people",
    ),
    "first_departures": MetricInfo(
        first_departures,
        "First departures",
        "journeys leaving the country of origin for the first time (stops of less than a "
        "year on the way are part of the same journey)",
        "people",
    ),
    "returns": MetricInfo(
        returns, "Returns home", "journeys back to the country of nationality", "people"
    ),
    "pathway_departures": MetricInfo(
        pathway_departures,
        "Labor-pathway departures",
        "journeys made with a work visa of a legal labor pathway",
        "people",
    ),
    "darien_crossings": MetricInfo(
        darien_crossings,
        "Darien Gap crossings",
        "people crossing the jungle route between Colombia and Panama, either direction",
        "people",
    ),
    "us_border_arrivals": MetricInfo(
        us_border_arrivals,
        "US southwest border crossings",
        "people crossing the land border from Mexico into the United States",
        "people",
    ),
    "deaths": MetricInfo(
        deaths, "Deaths on routes", "deaths and disappearances during journeys", "people"
    ),
    "regular_share": MetricInfo(
        regular_share,
        "Migrants with a legal status",
        "share of migrants abroad holding a permit, a work visa or citizenship "
        "(average of the monthly shares)",
        "share",
    ),
    "employment_rate": MetricInfo(
        employment_rate,
        "Migrants in work",
        "share of migrants abroad who are employed (average of the monthly shares)",
        "share",
    ),
    "stock_by_host": MetricInfo(
        stock_by_host,
        "Migrants living abroad",
        "people living outside their country of nationality at the end of the period "
        "(not counting people on the move)",
        "people",
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


def _monthly(
    results: Results,
    variable: str,
    by: str | None,
    *,
    abroad: bool = False,
    statuses: tuple[str, ...] | None = None,
) -> pd.DataFrame:
    """One variable summed per run, month and group, aggregated by the query engine.

    With ``statuses`` the rows of those statuses are summed. Otherwise the ``"all"`` rows are
    used when the variable has them, else every status row, so totals are never counted
    twice.

    Returns:
        Columns ``run_id, month, [by], value``.
    """
    groups = _group_columns(by)
    where = ["variable = ?"]
    params: list[Any] = [variable]
    if abroad:
        where.append("country <> nationality")
    if statuses is not None:
        where.append(f"status IN ({', '.join('?' for _ in statuses)})")
        params += list(statuses)
    elif _has_totals(results, variable):
        where.append("status = 'all'")
    keys = ", ".join(["run_id", "month", *groups])
    return results.query(
        f"SELECT {keys}, SUM(value) AS value FROM timeseries "
        f"WHERE {' AND '.join(where)} GROUP BY {keys}",
        params,
    )


def _has_totals(results: Results, variable: str) -> bool:
    found = results.query(
        "SELECT 1 AS x FROM timeseries WHERE variable = ? AND status = 'all' LIMIT 1", [variable]
    )
    return not found.empty


def _aggregate(rows: pd.DataFrame, groups: list[str], how: str) -> pd.DataFrame:
    keys = ["run_id", *groups, "period"]
    return rows.groupby(keys, sort=False)["value"].agg(how).reset_index()


def _label_periods(results: Results, rows: pd.DataFrame, period: str) -> tuple:
    labels = split_calendar(results.months, period)
    month_label = {m: label for label, months in labels.items() for m in months}
    rows = rows.assign(period=rows["month"].map(month_label)).dropna(subset=["period"])
    return rows, list(labels)


def _timeseries_sum(results: Any, variable: str, by: str | None, period: str) -> pd.DataFrame:
    frames = as_frames(results)
    rows, labels = _label_periods(frames, _monthly(frames, variable, by), period)
    values = _aggregate(rows, _group_columns(by), "sum")
    return _complete(frames, values, by, labels, fill=0.0)


def _route_sum(results: Any, route: str, by: str | None, period: str) -> pd.DataFrame:
    frames = as_frames(results)
    groups = _group_columns(by)
    column = {"country": "from_country AS country", "nationality": "nationality"}
    select = ", ".join(["run_id", "month", *[column[g] for g in groups]])
    keys = ", ".join(["run_id", "month", *[column[g].split()[0] for g in groups]])
    monthly = frames.query(
        f"SELECT {select}, SUM(people) AS value FROM flows WHERE route = ? GROUP BY {keys}",
        [route],
    )
    rows, labels = _label_periods(frames, monthly, period)
    values = _aggregate(rows, groups, "sum")
    return _complete(frames, values, by, labels, fill=0.0)


def _monthly_ratio(
    frames: Results,
    numerator: pd.DataFrame,
    denominator: pd.DataFrame,
    by: str | None,
    period: str,
) -> pd.DataFrame:
    groups = _group_columns(by)
    keys = ["run_id", "month", *groups]
    num = numerator.set_index(keys)["value"]
    den = denominator.set_index(keys)["value"]
    num = num.reindex(den.index, fill_value=0.0)
    ratio = (num / den.where(den > 0)).rename("value").reset_index()
    rows, labels = _label_periods(frames, ratio, period)
    values = _aggregate(rows, groups, "mean")
    return _complete(frames, values, by, labels, fill=np.nan)


def _complete(
    frames: Results,
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

"""The observation model: simulated tables -> the quantities the targets measure.

Each target ``kind`` has one function, applied to one run's timeseries and flows tables
(``flowsim.tables``), with the target's period turned into a month range:

- ``stock``: R4V stock of Venezuelans in host *h* at month *m* = timeseries ``stock`` of
  nationality VEN in *h* at *m*, **all statuses summed**. R4V host figures are mostly
  government counts of regular residents and miss many irregular migrants; we compare them
  with everyone the model has living there, so the model is expected to sit above R4V
  where irregularity is high (the fit table shows it). A year as period means its December.
- ``route_crossings``: crossings of a named route (flows ``route``), e.g. ``"Darien Gap"``,
  summed over the period, for the selected nationalities. Panama's figures count entries.
  A total of every nationality (``*``, or all but some, ``~...``) adds the target's
  ``unmodelled`` people (the crossings of the world's ``outside_crossings.csv``, e.g. the
  Africans and Asians in Panama's totals; ``flowsim.calibration.targets.unmodelled_people``):
  the source counts them, the model has them only as an input. US border encounters
  (``border_encounters``) do not add them: the default world's outsiders on the corridor
  north are an assumption for route knowledge, not a count, and under 2% of CBP's totals.
- ``border_encounters``: US southwest border encounters in a fiscal year = crossings of
  ``"US southwest border"`` plus people intercepted entering the USA (timeseries
  ``intercepted``, country USA: every route into the USA, the sea ones included), by
  nationality group. CBP counts events (repeat crossers count again); the model counts
  people.
- ``entries``: people entering ``country`` (flows ``to_country``), optionally only from
  ``from_country`` and by ``mode``, every journey kind, summed over the period.
- ``returns``: return journeys (flows ``kind`` ``return``) arriving in ``country``,
  optionally only from ``from_country``.
- ``darien_secondary_share``: percent of the period's Darien crossings made by people who
  had lived (``residence_months``, a year: usual residence) in a third country: the
  flows' ``lived_in_third``
  flag when the table has it, else the crossings of onward journeys (a journey that starts
  where the migrant lived and goes to a third country), which is the same population.
- ``arrivals_secondary_share``: percent of the period's arrivals in the hosts listed in
  ``country`` (space-separated; every crossing into one of them from abroad, people
  passing through included, returns home excluded) made by people who had lived in a third
  country (flows ``lived_in_third``): the quantity of flow-monitoring surveys that ask
  arrivals where their journey began (IOM DTM).
- ``intercepted``: timeseries ``intercepted`` (people stopped by enforcement on any route
  entering ``country``) of the selected nationalities, summed over the period. The US
  Coast Guard's interdictions of Haitians and Cubans are read this way for fiscal years
  before January 2019, when the only enforcement on routes into the USA that applies to
  them is at sea (``uscg_interdiction`` in the baseline; MPP on the land border starts
  2019-01).
- ``attempts``: people trying to enter ``country`` by ``mode``: those stopped on routes
  entering it (timeseries ``intercepted``, as ``intercepted``) plus those who got in
  (flows into ``country`` by ``mode``, from ``from_country`` when not empty), of the
  selected nationalities, summed over the period. The US Coast Guard's count of
  Caribbean migrants who tried to reach the US by sea (at-sea interdictions, landings and
  disruptions) is read this way, by sea, for fiscal years before January 2019 (see
  ``intercepted``).
- ``regularized``: timeseries ``regularized`` (people granted a permit by a regularization
  in ``country``) of the selected nationalities, summed over the period: the grants of
  Colombia's PEP, Peru's PTP and Chile's 2018 process, which the sources count as permits
  granted.
- ``deaths``: timeseries ``deaths`` (deaths and disappearances on routes leaving the
  country) in the selected country, or all countries with ``*``, summed over the period.
- ``departures``: people of the selected nationalities who leave ``country`` where they
  lived (timeseries ``left_residence``: a year's residence or the initial stock, onward,
  home or on a pathway; stops on the way and removals excluded), summed over the period,
  in percent of their stock at the end of the month before the period. A survey's share
  of residents intending to leave within a year is read this way (someone leaving twice
  counts twice; newcomers who settle and leave within the period add to it, though a
  year's residence makes that rare within a year).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from flowsim.calendar import month_date
from flowsim.calibration.targets import month_index, parse_nationalities, period_bounds

if TYPE_CHECKING:
    from flowsim.results import Results


#: Timeseries variables the observations read (the rest of a run's table is never needed).
OBSERVED_VARIABLES: tuple[str, ...] = (
    "stock",
    "intercepted",
    "deaths",
    "regularized",
    "left_residence",
)


def _month_idx(months: pd.Series) -> np.ndarray:
    if pd.api.types.is_integer_dtype(months):
        return months.to_numpy()
    m = pd.to_datetime(months)
    return (m.dt.year * 12 + m.dt.month - 1).to_numpy()


def _nat_mask(nationality: pd.Series, spec: str) -> np.ndarray:
    exclude, codes = parse_nationalities(spec)
    inside = nationality.isin(list(codes)).to_numpy()
    return ~inside if exclude else inside


def _in_period(months: pd.Series, first: date, last: date) -> np.ndarray:
    # observe_run turns months into absolute month indices once per table
    idx = months.to_numpy() if pd.api.types.is_integer_dtype(months) else _month_idx(months)
    return (idx >= month_index(first)) & (idx <= month_index(last))


def stock(timeseries: pd.DataFrame, country: str, nationalities: str, month: date) -> float:
    """People of the given nationalities living in ``country`` at the end of ``month``.

    Args:
        timeseries: One run's timeseries table.
        country: ISO3 of the host.
        nationalities: Nationalities cell (see ``targets.parse_nationalities``).
        month: The month (first day).

    Returns:
        The stock summed over every status but ``national``.
    """
    ts = timeseries
    mask = (
        (ts["variable"] == "stock").to_numpy()
        & (ts["country"] == country).to_numpy()
        & (ts["status"] != "national").to_numpy()
        & _nat_mask(ts["nationality"], nationalities)
        & _in_period(ts["month"], month, month)
    )
    return float(ts["value"].to_numpy()[mask].sum())


def route_crossings(
    flows: pd.DataFrame, route: str, nationalities: str, first: date, last: date
) -> float:
    """Crossings of a named route by the given nationalities between two months (inclusive)."""
    mask = (
        (flows["route"] == route).to_numpy()
        & _nat_mask(flows["nationality"], nationalities)
        & _in_period(flows["month"], first, last)
    )
    return float(flows["people"].to_numpy()[mask].sum())


def _ts_sum(
    ts: pd.DataFrame, variable: str, country: str, nationalities: str, first: date, last: date
) -> float:
    """Timeseries ``variable`` in ``country`` for some nationalities, summed over months."""
    mask = (
        (ts["variable"] == variable).to_numpy()
        & (ts["country"] == country).to_numpy()
        & _nat_mask(ts["nationality"], nationalities)
        & _in_period(ts["month"], first, last)
    )
    return float(ts["value"].to_numpy()[mask].sum())


def intercepted(
    timeseries: pd.DataFrame, country: str, nationalities: str, first: date, last: date
) -> float:
    """People intercepted on routes entering ``country`` between two months (inclusive)."""
    return _ts_sum(timeseries, "intercepted", country, nationalities, first, last)


def attempts(
    timeseries: pd.DataFrame,
    flows: pd.DataFrame,
    country: str,
    from_country: str,
    mode: str,
    nationalities: str,
    first: date,
    last: date,
) -> float:
    """People stopped entering ``country`` plus those entering it (by ``mode`` if given)."""
    return intercepted(timeseries, country, nationalities, first, last) + entries(
        flows, country, from_country, mode, nationalities, first, last
    )


def regularized(
    timeseries: pd.DataFrame, country: str, nationalities: str, first: date, last: date
) -> float:
    """People granted a regularization permit in ``country`` between two months (inclusive)."""
    return _ts_sum(timeseries, "regularized", country, nationalities, first, last)


def border_encounters(
    timeseries: pd.DataFrame,
    flows: pd.DataFrame,
    route: str,
    country: str,
    nationalities: str,
    first: date,
    last: date,
) -> float:
    """Encounters at a border: crossings of ``route`` plus interceptions entering ``country``."""
    return route_crossings(flows, route, nationalities, first, last) + intercepted(
        timeseries, country, nationalities, first, last
    )


def _flow_mask(
    flows: pd.DataFrame,
    country: str,
    from_country: str,
    mode: str,
    nationalities: str,
    first: date,
    last: date,
) -> np.ndarray:
    mask = (flows["to_country"] == country).to_numpy() & _nat_mask(
        flows["nationality"], nationalities
    )
    if from_country:
        mask &= (flows["from_country"] == from_country).to_numpy()
    if mode:
        mask &= (flows["mode"] == mode).to_numpy()
    return mask & _in_period(flows["month"], first, last)


def entries(
    flows: pd.DataFrame,
    country: str,
    from_country: str,
    mode: str,
    nationalities: str,
    first: date,
    last: date,
) -> float:
    """People entering ``country`` (from ``from_country`` and by ``mode`` when not empty)."""
    mask = _flow_mask(flows, country, from_country, mode, nationalities, first, last)
    return float(flows["people"].to_numpy()[mask].sum())


def returns(
    flows: pd.DataFrame,
    country: str,
    from_country: str,
    nationalities: str,
    first: date,
    last: date,
) -> float:
    """Return journeys' crossings into ``country`` (from ``from_country`` when not empty)."""
    mask = _flow_mask(flows, country, from_country, "", nationalities, first, last)
    mask &= (flows["kind"] == "return").to_numpy()
    return float(flows["people"].to_numpy()[mask].sum())


def _third_country_percent(flows: pd.DataFrame, mask: np.ndarray) -> float:
    """Percent of the ``mask`` rows' people who had lived in a third country (NaN if none).

    The flows' ``lived_in_third`` flag when present, else onward journeys.
    """
    people = flows["people"].to_numpy()
    total = float(people[mask].sum())
    if total <= 0:
        return float("nan")
    if "lived_in_third" in flows.columns:
        third = flows["lived_in_third"].to_numpy().astype(bool)
    else:
        third = (flows["kind"] == "onward").to_numpy()
    return 100.0 * float(people[mask & third].sum()) / total


def darien_secondary_share(
    flows: pd.DataFrame, route: str, nationalities: str, first: date, last: date
) -> float:
    """Percent of a route's crossings made by people who had lived in a third country.

    Uses the ``lived_in_third`` flag of the flows when present, else onward journeys.
    Returns NaN when nobody crossed in the period (a share of nothing is undefined).
    """
    mask = (
        (flows["route"] == route).to_numpy()
        & _nat_mask(flows["nationality"], nationalities)
        & _in_period(flows["month"], first, last)
    )
    return _third_country_percent(flows, mask)


def arrivals_secondary_share(
    flows: pd.DataFrame, hosts: str, nationalities: str, first: date, last: date
) -> float:
    """Percent of arrivals in ``hosts`` made by people who had lived in a third country.

    Args:
        flows: One run's flows table (``lived_in_third``, else onward journeys, as
            ``darien_secondary_share``).
        hosts: Space-separated ISO3 codes of the hosts.
        nationalities: Nationalities cell (see ``targets.parse_nationalities``).
        first: First month of the period.
        last: Last month of the period.

    Returns:
        The percent, or NaN when nobody arrived in the period.
    """
    mask = (
        flows["to_country"].isin(hosts.split()).to_numpy()
        & (flows["to_country"] != flows["nationality"]).to_numpy()
        & _nat_mask(flows["nationality"], nationalities)
        & _in_period(flows["month"], first, last)
    )
    return _third_country_percent(flows, mask)


def deaths(timeseries: pd.DataFrame, country: str, first: date, last: date) -> float:
    """Deaths on routes leaving ``country`` (``*`` = all countries) between two months."""
    ts = timeseries
    mask = (ts["variable"] == "deaths").to_numpy() & _in_period(ts["month"], first, last)
    if country not in ("", "*"):
        mask &= (ts["country"] == country).to_numpy()
    return float(ts["value"].to_numpy()[mask].sum())


def departures(
    timeseries: pd.DataFrame, country: str, nationalities: str, first: date, last: date
) -> float:
    """Departures of residents of ``country`` between two months, in percent of its stock.

    Timeseries ``left_residence`` (inclusive months) over the stock at the end of the month
    before ``first``; NaN when nobody lived there.
    """
    before = month_date(month_index(first) - 1)
    base = stock(timeseries, country, nationalities, before)
    left = _ts_sum(timeseries, "left_residence", country, nationalities, first, last)
    return 100.0 * left / base if base > 0 else float("nan")


def observe_target(target: pd.Series, timeseries: pd.DataFrame, flows: pd.DataFrame) -> float:
    """Return the simulated value of one target row for one run.

    Args:
        target: A row of the targets table.
        timeseries: The run's timeseries table.
        flows: The run's flows table.

    Returns:
        The simulated quantity in people, with the target's ``unmodelled`` people (a
        derived column of ``load_targets``; 0 when the row lacks it).
    """
    first, last = period_bounds(str(target["period"]))
    kind = target["kind"]
    handlers: dict[str, Callable[[], float]] = {
        "stock": lambda: stock(timeseries, target["country"], target["nationalities"], last),
        "route_crossings": lambda: route_crossings(
            flows, target["route"], target["nationalities"], first, last
        ),
        "border_encounters": lambda: border_encounters(
            timeseries,
            flows,
            target["route"],
            target["country"],
            target["nationalities"],
            first,
            last,
        ),
        "deaths": lambda: deaths(timeseries, target["country"], first, last),
        "regularized": lambda: regularized(
            timeseries, target["country"], target["nationalities"], first, last
        ),
        "intercepted": lambda: intercepted(
            timeseries, target["country"], target["nationalities"], first, last
        ),
        "attempts": lambda: attempts(
            timeseries,
            flows,
            target["country"],
            target["from_country"],
            target["mode"],
            target["nationalities"],
            first,
            last,
        ),
        "entries": lambda: entries(
            flows,
            target["country"],
            target["from_country"],
            target["mode"],
            target["nationalities"],
            first,
            last,
        ),
        "returns": lambda: returns(
            flows, target["country"], target["from_country"], target["nationalities"], first, last
        ),
        "darien_secondary_share": lambda: darien_secondary_share(
            flows, target["route"], target["nationalities"], first, last
        ),
        "arrivals_secondary_share": lambda: arrivals_secondary_share(
            flows, target["country"], target["nationalities"], first, last
        ),
        "departures": lambda: departures(
            timeseries, target["country"], target["nationalities"], first, last
        ),
    }
    if kind not in handlers:
        raise ValueError(f"unknown target kind {kind!r} (allowed: {', '.join(handlers)})")
    unmodelled = target.get("unmodelled", 0.0)
    return handlers[kind]() + (0.0 if pd.isna(unmodelled) else float(unmodelled))


def observe_run(targets: pd.DataFrame, timeseries: pd.DataFrame, flows: pd.DataFrame) -> np.ndarray:
    """Return the simulated value of every target for one run, in the targets' order."""
    ts = timeseries[timeseries["variable"].isin(OBSERVED_VARIABLES)]
    # statuses summed once (nationals left out of stocks): every target reads fewer rows
    ts = ts[~((ts["variable"] == "stock") & (ts["status"] == "national"))]
    keys = ["variable", "country", "nationality", "month"]
    ts = (
        ts.assign(month=_month_idx(ts["month"]))
        .groupby(keys, observed=True, sort=False)["value"]
        .sum()
        .reset_index()
        .assign(status="all")
    )
    fl = flows.assign(month=_month_idx(flows["month"]))
    # each target reads only the rows of its country or route (same result, less work)
    ts_by = dict(tuple(ts.groupby("country", sort=False)))
    route_by = dict(tuple(fl.groupby("route", sort=False))) if "route" in fl else {}
    to_by = dict(tuple(fl.groupby("to_country", sort=False))) if "to_country" in fl else {}
    ts0, fl0 = ts.iloc[:0], fl.iloc[:0]
    out = []
    for _, t in targets.iterrows():
        kind, country = t["kind"], t["country"]
        t_ts = ts if kind == "deaths" and country in ("", "*") else ts_by.get(country, ts0)
        if kind in ("entries", "returns", "attempts"):
            t_fl = to_by.get(country, fl0)
        elif kind in ("route_crossings", "border_encounters", "darien_secondary_share"):
            t_fl = route_by.get(t["route"], fl0)
        elif kind == "arrivals_secondary_share":
            parts = [to_by[h] for h in str(country).split() if h in to_by]
            t_fl = pd.concat(parts) if parts else fl0
        else:
            t_fl = fl0
        out.append(observe_target(t, t_ts, t_fl))
    return np.array(out, dtype=float)


def observe_tables(
    targets: pd.DataFrame, timeseries: pd.DataFrame, flows: pd.DataFrame
) -> pd.DataFrame:
    """Return the simulated value of every target for every run in (multi-run) tables.

    Args:
        targets: The targets table.
        timeseries: Timeseries rows of one or more runs (``run_id`` column).
        flows: Flows rows of the same runs.

    Returns:
        A frame with one row per run (index ``run_id``) and one column per ``target_id``.
    """
    runs = sorted(set(timeseries["run_id"]) | set(flows["run_id"]))
    ts_by = dict(tuple(timeseries.groupby("run_id")))
    fl_by = dict(tuple(flows.groupby("run_id")))
    empty_ts, empty_fl = timeseries.iloc[:0], flows.iloc[:0]
    rows = [observe_run(targets, ts_by.get(r, empty_ts), fl_by.get(r, empty_fl)) for r in runs]
    return pd.DataFrame(
        np.vstack(rows) if rows else np.empty((0, len(targets))),
        index=pd.Index(runs, name="run_id"),
        columns=list(targets["target_id"]),
    )


def observe_results(
    results: Results, targets: pd.DataFrame, scenario: str | None = None
) -> pd.DataFrame:
    """Return the simulated value of every target for every ok run of a results folder.

    Args:
        results: A ``flowsim.results.Results`` (from ``flowsim.results.open``).
        targets: The targets table.
        scenario: Only runs of this scenario label (all when omitted).

    Returns:
        As ``observe_tables``.
    """
    ts = results.timeseries(scenario=scenario, variable=list(OBSERVED_VARIABLES))
    fl = results.flows(scenario=scenario)
    return observe_tables(targets, ts, fl)


def secondary_share(
    results: str | Path | Results,
    route: str = "Darien Gap",
    period: str = "year",
    scenario: str | None = None,
) -> pd.DataFrame:
    """Share of a route's crossers who had lived in a third country, by nationality and period.

    The quantity of IOM's 2021 Darien survey (crossers who usually lived in Chile or Brazil):
    flows rows of ``route`` with ``lived_in_third`` (the crosser had settled at least one
    month in a country other than its own before this crossing) over all its crossers.
    Only the route's listed direction is counted (``route`` names one directed edge).

    Args:
        results: A results folder (or an open ``flowsim.results.Results``).
        route: Route name or id, e.g. ``"Darien Gap"``.
        period: ``"year"`` (calendar years) or ``"month"``.
        scenario: Only this scenario label (all when omitted).

    Returns:
        One row per (scenario, nationality, period) plus an ``ALL`` nationality row per
        (scenario, period): ``crossers`` and ``lived_in_third`` (people per run, mean over
        the ok runs) and ``share`` (their ratio; NaN without crossers).
    """
    from flowsim.results import Results

    res = results if isinstance(results, Results) else Results(results)
    fl = res.flows(scenario=scenario, route=route)
    cols = ["scenario", "nationality", "period", "crossers", "lived_in_third", "share"]
    if fl.empty:
        return pd.DataFrame({c: [] for c in cols})
    months = pd.to_datetime(fl["month"])
    fmt = "%Y" if period == "year" else "%Y-%m"
    fl = fl.assign(
        period=months.dt.strftime(fmt),
        third=fl["people"].where(fl["lived_in_third"].astype(bool), 0.0),
    )
    runs = fl.groupby("scenario")["run_id"].nunique()
    by_nat = fl.groupby(["scenario", "nationality", "period"], as_index=False)[
        ["people", "third"]
    ].sum()
    every = fl.groupby(["scenario", "period"], as_index=False)[["people", "third"]].sum()
    every.insert(1, "nationality", "ALL")
    out = pd.concat([by_nat, every], ignore_index=True)
    n_runs = out["scenario"].map(runs).to_numpy(float)
    out["crossers"] = out.pop("people") / n_runs
    out["lived_in_third"] = out.pop("third") / n_runs
    out["share"] = out["lived_in_third"] / out["crossers"].where(out["crossers"] > 0)
    return out[cols].sort_values(["scenario", "period", "nationality"]).reset_index(drop=True)

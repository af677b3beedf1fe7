"""Crossings of a route in baseline runs, summed over seeds, and the baseline without a
policy (helpers of direction tests)."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from flowsim.model import FlowModel
from flowsim.scenario import Scenario


def route_crossings(
    scenario: Scenario,
    seeds: tuple[int, ...],
    route: str | tuple[str, ...],
    nationality: str,
    since: str | None = None,
) -> float:
    """People of ``nationality`` crossing ``route``, summed over runs with ``seeds``.

    Args:
        scenario: The scenario to run (its months and scale as given).
        seeds: Seeds of the runs.
        route: Route name as in the flow table (e.g. ``"Darien Gap"``), or several (summed).
        nationality: ISO3 code.
        since: First month counted (``"YYYY-MM-DD"``); every month when None.
    """
    routes = (route,) if isinstance(route, str) else route
    return sum(crossings_by_route(scenario, seeds, routes, nationality, since).values())


def crossings_by_route(
    scenario: Scenario,
    seeds: tuple[int, ...],
    routes: tuple[str, ...],
    nationality: str,
    since: str | None = None,
    exclude_kinds: tuple[str, ...] = (),
) -> dict[str, float]:
    """People of ``nationality`` crossing each of ``routes``, summed over runs with ``seeds``.

    One run per seed serves every route (arguments as in ``route_crossings`` and
    ``crossings_in``).
    """
    return crossings_in(flow_tables(scenario, seeds), routes, nationality, since, exclude_kinds)


def flow_tables(scenario: Scenario, seeds: tuple[int, ...]) -> list[pd.DataFrame]:
    """The flow table of one run of ``scenario`` per seed (to count several ways from)."""
    tables = []
    for seed in seeds:
        model = FlowModel(scenario, seed=seed, agents=False)
        model.run_months()
        tables.append(model.recorder.flow_table())
    return tables


def crossings_in(
    tables: list[pd.DataFrame],
    routes: tuple[str, ...],
    nationality: str,
    since: str | None = None,
    exclude_kinds: tuple[str, ...] = (),
    until: str | None = None,
) -> dict[str, float]:
    """People of ``nationality`` crossing each of ``routes`` in ``tables``, summed.

    ``since`` is the first month counted and ``until`` the first month not counted
    (``"YYYY-MM-DD"``; no bound when None); ``exclude_kinds`` leaves out moves of those
    kinds (e.g. ``("pathway",)``: travellers of a legal pathway, who hold documents whatever
    the visa rules).
    """
    totals = dict.fromkeys(routes, 0.0)
    for flows in tables:
        sel = flows["route"].isin(routes) & (flows["nationality"] == nationality)
        sel &= ~flows["kind"].isin(exclude_kinds)
        if since is not None:
            sel &= pd.to_datetime(flows["month"]) >= pd.Timestamp(since)
        if until is not None:
            sel &= pd.to_datetime(flows["month"]) < pd.Timestamp(until)
        by_route = flows.loc[sel].groupby("route")["people"].sum()
        for name, people in by_route.items():
            totals[str(name)] += float(people)
    return totals


def assert_same_flows_before(
    tables: tuple[pd.DataFrame, ...], others: tuple[pd.DataFrame, ...], month: str
) -> None:
    """Assert that paired flow tables (one per seed) are identical before ``month``.

    ``month`` is the first month not compared (``"YYYY-MM-DD"``); each table must hold
    more than 1,000 rows before it, so the comparison is not empty.
    """
    for one, other in zip(tables, others, strict=True):
        early = [f[pd.to_datetime(f["month"]) < pd.Timestamp(month)] for f in (one, other)]
        pd.testing.assert_frame_equal(
            early[0].reset_index(drop=True), early[1].reset_index(drop=True)
        )
        assert len(early[0]) > 1000


def baseline_without(tmp_path: Path, policy: str | tuple[str, ...]) -> Path:
    """Write a scenario that is the shipped baseline without ``policy`` (one name or several);
    return its path."""
    baseline = Path(__file__).resolve().parents[1] / "scenarios" / "baseline"
    removed = [policy] if isinstance(policy, str) else list(policy)
    name = "no_" + "_".join(removed)
    path = tmp_path / f"{name}.toml"
    path.write_text(
        f'name = "{name}"\n'
        f"extends = {json.dumps(str(baseline))}\n"
        f"remove_policies = {json.dumps(removed)}\n",
        encoding="utf-8",
    )
    return path

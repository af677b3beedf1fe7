"""The world compiled into numpy tables, once per run, so the step never walks networkx.

Applies the scenario's ``[world]`` overrides (route changes, closures, additions, country
attributes) to the world tables and turns them into node arrays, edge arrays, the base
visa matrix, the initial diaspora matrix and the monthly push series.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from flowsim.vocab import MODES
from flowsim.world import World, outside_flow, route_mask

if TYPE_CHECKING:  # the scenario is only read here: the world does not depend on it
    from flowsim.scenario.schema import Scenario


@dataclass(frozen=True)
class WorldIndex:
    """Numpy view of a world for one run. Node index = position in ``iso3``."""

    iso3: tuple[str, ...]
    wage: np.ndarray  # USD per month, float64 [L]
    unemployment: np.ndarray  # [L]
    informality: np.ndarray  # [L]
    integration_base: np.ndarray  # [L]
    passport_share: np.ndarray  # [L] share of emigrants holding a passport
    visa_access: np.ndarray  # [L] nationality's relative access to visas (1 when not given)
    same_language: np.ndarray  # bool [nationality, country]: an official language shared
    population: np.ndarray  # [L]
    lat: np.ndarray
    lon: np.ndarray
    edge_src: np.ndarray  # int64 [E]
    edge_dst: np.ndarray  # int64 [E]
    edge_mode: np.ndarray  # int8 [E], index into MODES
    edge_cost: np.ndarray  # USD [E]
    edge_months: np.ndarray  # [E]
    edge_risk: np.ndarray  # [E]
    edge_km: np.ndarray  # route length, km [E]
    edge_legal: np.ndarray  # bool [E]
    edge_charter: np.ndarray  # bool [E]: open only to those an airlift carries (add_routes)
    edge_reverse: np.ndarray  # int64 [E]: the irregular route back over the same border, or -1
    land_into: np.ndarray  # bool [L from, L to]: some land route leads from one into the other
    home_entry: np.ndarray  # bool [L nationality, E]: the route enters that nationality's home
    home_by_land: np.ndarray  # bool [L nationality, E]: the route is a land entry into its home
    edge_label: tuple[str, ...]  # name if named, else route_id
    edge_id: tuple[str, ...]
    visa_required: np.ndarray  # bool [L nationality, L destination], base regime
    diaspora: np.ndarray  # people [L nationality, L country], initial (pre-model) stock
    origins: np.ndarray  # int64 [O] node indices of origins with a push series
    push_years: np.ndarray  # int [Y]
    push: np.ndarray  # people per year [O, Y]
    stock_years: np.ndarray  # int [K] years of the bilateral stock history (may be empty)
    stock: np.ndarray  # people [K, L origin, L host], bilateral migrant stocks by year
    status_shares: np.ndarray  # [L nationality, L host, 2]: naturalized, irregular shares
    route_known: np.ndarray  # people per year [L nationality, E] who crossed before the start
    network_peers: np.ndarray  # float [L, L]: 1 where two nationalities share a smuggling network
    outside_years: np.ndarray  # int64 [Y]: years of outside_crossings.csv (may be empty)
    outside_flow: np.ndarray  # people per year [G network, Y, E] of people not simulated
    outside_members: np.ndarray  # float [L, G]: 1 where a nationality belongs to network g

    @property
    def n_nodes(self) -> int:
        """Number of countries."""
        return len(self.iso3)

    @property
    def n_edges(self) -> int:
        """Number of routes."""
        return len(self.edge_src)

    def node(self, code: str) -> int:
        """Index of an ISO3 code."""
        return self.iso3.index(code)

    def routes_matching(self, ref: str) -> np.ndarray:
        """Return the indices of routes whose id or name equals ``ref``."""
        return np.flatnonzero(route_mask(self.edge_id, self.edge_label, ref))

    def emigrants_per_month(self, month: int) -> np.ndarray:
        """Push series at an absolute month: expected emigrants per month for each origin."""
        year = month // 12
        j = int(np.clip(np.searchsorted(self.push_years, year, side="right") - 1, 0, None))
        return self.push[:, j] / 12.0

    def emigration_rate(self, month: int) -> np.ndarray:
        """Percent of each country's population emigrating per year at a month (0 if no push).

        Read from the same push series as ``emigrants_per_month``: it measures how bad
        conditions at home are (``flowsim.model.utility.home_term``).
        """
        rate = np.zeros(self.n_nodes)
        rate[self.origins] = (
            100.0
            * 12.0
            * self.emigrants_per_month(month)
            / np.maximum(self.population[self.origins], 1.0)
        )
        return rate


def _apply_route_overrides(routes: pd.DataFrame, scenario: Scenario) -> pd.DataFrame:
    """Return the world's routes plus the scenario's added ones, with its route changes.

    Only added routes can be charter routes (``charter``); a change (``[[world.routes]]``)
    may name an added route as well as one of the world's.
    """
    routes = routes.copy()
    routes["charter"] = False
    if scenario.world.add_routes:
        extra = pd.DataFrame([r.model_dump() for r in scenario.world.add_routes])
        routes = pd.concat(
            [routes, extra[routes.columns.intersection(extra.columns)]], ignore_index=True
        )
    drop = np.zeros(len(routes), dtype=bool)
    for change in scenario.world.routes:
        hit = route_mask(routes["route_id"], routes["name"], change.route)
        for col in ("cost_usd", "risk", "duration_months", "distance_km"):
            value = getattr(change, col)
            if value is not None:
                routes.loc[hit, col] = value
        if change.closed:
            drop |= hit
    return routes[~drop].reset_index(drop=True)


def _same_language(countries: pd.DataFrame) -> np.ndarray:
    """Return ``[nationality, country]``: whether the two share an official language.

    Read from the optional ``language`` column (ISO 639-3 codes separated by ";"); without
    it, a country shares a language only with itself.
    """
    n = len(countries)
    if "language" not in countries.columns:
        return np.eye(n, dtype=bool)
    langs = [frozenset(str(v).split(";")) - {"", "nan"} for v in countries["language"]]
    return np.array(
        [[bool(a & b) or i == j for j, b in enumerate(langs)] for i, a in enumerate(langs)]
    )


def compile_world(world: World, scenario: Scenario) -> WorldIndex:
    """Compile a world plus the scenario's world overrides into numpy tables.

    Args:
        world: Loaded world tables.
        scenario: Scenario whose ``[world]`` overrides apply.

    Returns:
        The run's ``WorldIndex``.
    """
    countries = world.countries.copy()
    for code, change in scenario.world.countries.items():
        for col, value in change.model_dump(exclude_none=True).items():
            countries.loc[code, col] = value
    iso3 = tuple(world.iso3())
    countries = countries.loc[list(iso3)]
    pos = {c: i for i, c in enumerate(iso3)}
    routes = _apply_route_overrides(world.routes, scenario)
    n = len(iso3)

    visa = np.zeros((n, n), dtype=bool)
    v = world.visas
    for dest in iso3:
        rows = v[v["destination"] == dest]
        default = rows[rows["nationality"] == "ALL"]["visa_required"]
        visa[:, pos[dest]] = bool(default.iloc[0]) if len(default) else False
        for _, r in rows[rows["nationality"] != "ALL"].iterrows():
            visa[pos[r["nationality"]], pos[dest]] = bool(r["visa_required"])
    np.fill_diagonal(visa, False)  # nationals never need a visa at home

    diaspora = np.zeros((n, n))
    for _, r in world.diaspora.iterrows():
        diaspora[pos[r["nationality"]], pos[r["country"]]] += float(r["people"])

    push_tab = (
        world.push.pivot_table(index="origin", columns="year", values="emigrants", aggfunc="sum")
        .sort_index(axis=1)
        .ffill(axis=1)
        .fillna(0.0)
    )
    origins = np.array([pos[o] for o in push_tab.index], dtype=np.int64)
    stock_years, stock = _stock_history(world, pos)
    status_shares = _status_shares(world, pos)

    labels = tuple(
        (str(name) if isinstance(name, str) and name else str(rid))
        for rid, name in zip(routes["route_id"], routes["name"].fillna(""), strict=True)
    )
    edge_ids = tuple(str(r) for r in routes["route_id"])
    route_known = _route_knowledge(world, pos, edge_ids, labels)
    edge_src = routes["from_iso3"].map(pos).to_numpy(np.int64)
    edge_dst = routes["to_iso3"].map(pos).to_numpy(np.int64)
    edge_mode = routes["mode"].map({m: i for i, m in enumerate(MODES)}).to_numpy(np.int8)
    edge_legal = routes["legal"].to_numpy(bool)
    edge_charter = routes["charter"].to_numpy(bool)
    home_entry = _home_entry(routes, pos)
    return WorldIndex(
        iso3=iso3,
        wage=countries["wage_usd_month"].to_numpy(float),
        unemployment=countries["unemployment"].to_numpy(float),
        informality=countries["informality"].to_numpy(float),
        integration_base=countries["integration_base"].to_numpy(float),
        passport_share=countries["passport_share"].to_numpy(float),
        visa_access=(
            countries["visa_access"].to_numpy(float)
            if "visa_access" in countries.columns
            else np.ones(len(countries))
        ),
        same_language=_same_language(countries),
        population=countries["population"].to_numpy(float),
        lat=countries["lat"].to_numpy(float),
        lon=countries["lon"].to_numpy(float),
        edge_src=edge_src,
        edge_dst=edge_dst,
        edge_mode=edge_mode,
        edge_cost=routes["cost_usd"].to_numpy(float),
        edge_months=routes["duration_months"].to_numpy(float),
        edge_risk=routes["risk"].to_numpy(float),
        edge_km=routes["distance_km"].to_numpy(float),
        edge_legal=edge_legal,
        edge_charter=edge_charter,
        edge_reverse=_reverse_routes(edge_src, edge_dst, edge_mode, edge_legal),
        land_into=_land_into(routes, pos),
        home_entry=home_entry,
        home_by_land=home_entry & (routes["mode"] == "land").to_numpy()[None, :],
        edge_label=labels,
        edge_id=edge_ids,
        visa_required=visa,
        diaspora=diaspora,
        origins=origins,
        push_years=push_tab.columns.to_numpy(int),
        push=push_tab.to_numpy(float),
        stock_years=stock_years,
        stock=stock,
        status_shares=status_shares,
        route_known=route_known,
        network_peers=_network_peers(world, pos),
        **_outside_crossings(world, pos, edge_ids, labels),
    )


def _reverse_routes(
    src: np.ndarray, dst: np.ndarray, mode: np.ndarray, legal: np.ndarray
) -> np.ndarray:
    """``[route]`` index of the irregular route crossing the same border the other way, else -1.

    An irregular route's reverse goes from its destination to its origin by the same mode
    and is irregular too: the same trail, river or boat crossing walked the other way. In
    the embedded world 28 of the 36 irregular routes have one; the Darien Gap, the
    Mexico-US and US-Canada land crossings, Haiti-Dominican Republic by land and the four
    sea routes (Cuba, Dominican Republic and Haiti to the US, Colombia to Nicaragua) do not.
    Legal routes get -1 (everyone knows them). When several irregular routes join the same
    pair of countries by the same mode, which is ambiguous, none of them is paired.

    Args:
        src: Origin node of each route.
        dst: Destination node of each route.
        mode: Mode index of each route.
        legal: Whether each route is legal.
    """
    key: dict[tuple[int, int, int], list[int]] = {}
    irregular = np.flatnonzero(~legal)
    for e in irregular:
        key.setdefault((int(src[e]), int(dst[e]), int(mode[e])), []).append(int(e))
    out = np.full(len(src), -1, dtype=np.int64)
    for e in irregular:
        back = key.get((int(dst[e]), int(src[e]), int(mode[e])), [])
        if len(back) == 1 and len(key[(int(src[e]), int(dst[e]), int(mode[e]))]) == 1:
            out[e] = back[0]
    return out


def _land_into(routes: pd.DataFrame, pos: dict[str, int]) -> np.ndarray:
    """``[from, to]`` True where some land route leads from one country into the other.

    A charter route (open only while an airlift runs) does not count.
    """
    out = np.zeros((len(pos), len(pos)), dtype=bool)
    land = (routes["mode"] == "land") & ~routes["charter"].astype(bool)
    out[routes.loc[land, "from_iso3"].map(pos), routes.loc[land, "to_iso3"].map(pos)] = True
    return out


def _home_entry(routes: pd.DataFrame, pos: dict[str, int]) -> np.ndarray:
    """``[nationality, route]`` True where the route enters that nationality's country."""
    dst = routes["to_iso3"].map(pos).to_numpy(np.int64)
    return dst[None, :] == np.arange(len(pos))[:, None]


def _stock_history(world: World, pos: dict[str, int]) -> tuple[np.ndarray, np.ndarray]:
    """Bilateral stocks ``[year, origin, host]`` from the world's ``initial_stock`` table."""
    n = len(pos)
    tab = world.initial_stock
    if tab is None or len(tab) == 0:
        return np.zeros(0, dtype=np.int64), np.zeros((0, n, n))
    years = np.array(sorted({int(y) for y in tab["year"]}), dtype=np.int64)
    stock = np.zeros((len(years), n, n))
    k = np.searchsorted(years, tab["year"].to_numpy(float).astype(np.int64))
    o = tab["origin"].map(pos).to_numpy(np.int64)
    h = tab["destination"].map(pos).to_numpy(np.int64)
    np.add.at(stock, (k, o, h), tab["people"].to_numpy(float))
    idx = np.arange(n)
    stock[:, idx, idx] = 0.0  # nobody is a migrant in their own country
    return years, stock


def _route_knowledge(
    world: World, pos: dict[str, int], edge_ids: tuple[str, ...], labels: tuple[str, ...]
) -> np.ndarray:
    """People per year ``[nationality, route]`` who crossed each route before the start.

    A row names a route by id or name; a route a scenario removed is skipped.
    """
    out = np.zeros((len(pos), len(edge_ids)))
    tab = world.route_knowledge
    if tab is None or len(tab) == 0:
        return out
    for ref, nat, people in zip(
        tab["route"], tab["nationality"], tab["people_per_year"], strict=True
    ):
        out[pos[nat], route_mask(edge_ids, labels, ref)] += float(people)
    return out


def _network_peers(world: World, pos: dict[str, int]) -> np.ndarray:
    """Return ``[nationality, nationality]``: 1 where two nationalities share a network.

    Every pair of different nationalities listed under one network of the world's
    ``smuggling_networks.csv``; the diagonal is 0 (one's own crossings count once,
    ``flowsim.model.knowledge``), and a pair in two networks still counts once.

    Args:
        world: The world (its ``smuggling_networks`` table, possibly empty).
        pos: Country code -> node index.

    Returns:
        A float array ``[L, L]``, all zeros without the table.
    """
    out = np.zeros((len(pos), len(pos)))
    tab = world.smuggling_networks
    if tab is None or len(tab) == 0:
        return out
    for _, members in tab.groupby("network", sort=False)["nationality"]:
        idx = np.array([pos[m] for m in members], dtype=np.int64)
        out[np.ix_(idx, idx)] = 1.0
    np.fill_diagonal(out, 0.0)
    return out


def _outside_crossings(
    world: World, pos: dict[str, int], edge_ids: tuple[str, ...], labels: tuple[str, ...]
) -> dict[str, np.ndarray]:
    """``WorldIndex``'s ``outside_years``, ``outside_flow`` and ``outside_members``.

    One layer of ``outside_flow`` per network of ``outside_crossings.csv`` (people per year
    by year and route), and the nationalities of ``smuggling_networks.csv`` that belong to
    it. A row names a route by id or name; a route a scenario removed is skipped.
    """
    years, networks, flow = outside_flow(world.outside_crossings, edge_ids, labels)
    members = np.zeros((len(pos), len(networks)))
    peers = world.smuggling_networks
    for net, nat in zip(peers["network"], peers["nationality"], strict=True):
        if net in networks:
            members[pos[nat], networks.index(net)] = 1.0
    return {"outside_years": years, "outside_flow": flow, "outside_members": members}


def _status_shares(world: World, pos: dict[str, int]) -> np.ndarray:
    """Naturalized and irregular shares ``[nationality, host, 2]`` of the initial stock.

    The most specific row wins: (nationality, host), then (ALL, host), then
    (nationality, ALL), then (ALL, ALL); without any row, nobody is naturalized or irregular.
    """
    n = len(pos)
    out = np.zeros((n, n, 2))
    tab = world.initial_status
    if tab is None or len(tab) == 0:
        return out
    everyone = np.ones(n, dtype=bool)

    def mask(code: str) -> np.ndarray:
        if code == "ALL":
            return everyone
        m = np.zeros(n, dtype=bool)
        m[pos[code]] = True
        return m

    rank = (tab["nationality"] != "ALL").astype(int) + 2 * (tab["country"] != "ALL").astype(int)
    order = np.argsort(rank.to_numpy(), kind="stable")  # general rows first, specific last
    for i in order:
        r = tab.iloc[i]
        block = np.ix_(mask(r["nationality"]), mask(r["country"]))
        out[block] = (float(r["naturalized"]), float(r["irregular"]))
    return out

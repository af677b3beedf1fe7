"""The world a simulation runs in: countries, routes, visa rules, diasporas, emigration push.

The default world ships inside the package (``flowsim/data``); users can pass their own
folder holding the same five tables (``flowsim world --world DIR``). Tables are validated
on load and every problem is reported with its file, row and column.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from pathlib import Path

import networkx as nx
import numpy as np
import pandas as pd

from flowsim.errors import Problem, WorldError
from flowsim.world.graph import build_graph, unreachable_origins
from flowsim.world.tables import ALL_NATIONALITIES, MODES, read_tables, row_label

__all__ = ["ALL_NATIONALITIES", "MODES", "PACKAGE_SOURCE", "World", "default_world", "load_world"]

#: ``World.source`` of the world shipped inside the package.
PACKAGE_SOURCE = "<package>"


@dataclass(frozen=True)
class World:
    """Countries and the routes between them, as validated tables plus a graph.

    Attributes:
        countries: Indexed by ISO3, columns as in ``countries.csv`` (numbers as float).
        routes: One row per directed route, columns as in ``routes.csv``; ``legal`` is bool
            and ``name`` is ``""`` for unnamed routes.
        visas: ``destination, nationality, visa_required (bool), source``; nationality
            ``ALL`` is the destination's default.
        diaspora: ``nationality, country, people, source``: stocks around 2015.
        push: ``origin, year, emigrants, source``: expected emigrants per origin and year.
        initial_stock: ``origin, destination, year, people, source``: bilateral migrant
            stocks (UN DESA) up to the run's start; empty when the world has none.
        initial_status: ``nationality, country, naturalized, irregular, source``: status
            shares of the initial stock by host (``ALL`` rows are defaults).
        route_knowledge: ``route, nationality, people_per_year, source``: crossings of an
            irregular route by a nationality in the years before the start (what it knows
            of the route on day one); empty when the world has none.
        smuggling_networks: ``network, nationality, source``: nationalities that travelled
            with the same smugglers and so learn routes from each other's crossings
            (``flowsim.model.knowledge``); empty when the world has none.
        outside_crossings: ``route, year, people_per_year, network, source``: crossings of
            an irregular route by people the model does not simulate (e.g. Africans and
            Asians in the Darien), who travelled in a network of ``smuggling_networks`` and
            so teach its members the route as a peer's crossings do; empty when none.
        graph: Nodes are ISO3 codes with country attributes; edges are keyed by
            ``route_id`` and carry the route's attributes.
        source: Folder the tables came from (``"<package>"`` for the default world).
    """

    countries: pd.DataFrame
    routes: pd.DataFrame
    visas: pd.DataFrame
    diaspora: pd.DataFrame
    push: pd.DataFrame
    graph: nx.MultiDiGraph
    source: str
    initial_stock: pd.DataFrame = field(default_factory=pd.DataFrame)
    initial_status: pd.DataFrame = field(default_factory=pd.DataFrame)
    route_knowledge: pd.DataFrame = field(default_factory=pd.DataFrame)
    smuggling_networks: pd.DataFrame = field(default_factory=pd.DataFrame)
    outside_crossings: pd.DataFrame = field(default_factory=pd.DataFrame)

    def iso3(self) -> list[str]:
        """Return the country codes in ``countries.csv`` order (the node order everywhere)."""
        return [str(code) for code in self.countries.index]

    def origins(self) -> list[str]:
        """Return the origins present in ``push.csv``, in order of first appearance."""
        return list(dict.fromkeys(self.push["origin"]))

    def route_label(self, route_id: str) -> str:
        """Return a route's name if it has one, else its ``route_id``.

        Raises:
            KeyError: If ``route_id`` is not a route of this world.
        """
        match = self.routes.loc[self.routes["route_id"] == route_id, "name"]
        if match.empty:
            raise KeyError(f"unknown route_id {route_id!r}")
        return str(match.iloc[0]) or route_id


def route_mask(ids: Sequence[str], names: Sequence[str], ref: str) -> np.ndarray:
    """Which routes ``ref`` names, by id or by name (``routes.csv``'s ``route_id``, ``name``).

    Args:
        ids: Route ids, in the table's order.
        names: Their names (or labels), in the same order; an empty name matches nothing.
        ref: A route id or name, as scenarios, targets and outside crossings write it.

    Returns:
        Boolean mask over the routes.
    """
    ids_ = np.asarray(ids, dtype=object)
    names_ = np.asarray(names, dtype=object)
    return (ids_ == ref) | (names_ == ref)


def outside_flow(
    outside: pd.DataFrame | None, ids: Sequence[str], names: Sequence[str]
) -> tuple[np.ndarray, tuple[str, ...], np.ndarray]:
    """People a year not simulated who cross each route (``outside_crossings.csv``).

    Args:
        outside: An ``outside_crossings.csv`` table (``route``, ``year``,
            ``people_per_year``, ``network``); a row names a route by id or by name.
        ids: Route ids, in the order of the result's last axis.
        names: Their names, in the same order.

    Returns:
        ``(years, networks, flow)``: the table's years (int64, sorted), its smuggling
        networks, and ``flow[network, year, route]`` in people per year. A route without a
        row in one of the table's years has none that year; read a month with
        ``year_layer``.
    """
    if outside is None or len(outside) == 0:
        return np.zeros(0, dtype=np.int64), (), np.zeros((0, 0, len(ids)))
    networks = tuple(dict.fromkeys(str(n) for n in outside["network"]))
    years = np.array(sorted({int(y) for y in outside["year"]}), dtype=np.int64)
    flow = np.zeros((len(networks), len(years), len(ids)))
    for ref, year, people, net in zip(
        outside["route"],
        outside["year"],
        outside["people_per_year"],
        outside["network"],
        strict=True,
    ):
        k = int(np.searchsorted(years, int(year)))
        flow[networks.index(str(net)), k, route_mask(ids, names, str(ref))] += float(people)
    return years, networks, flow


def year_layer(years: np.ndarray, year: int) -> int:
    """Index of the latest of ``years`` up to ``year`` (the last one after them); -1 before."""
    return int(np.searchsorted(years, year, side="right")) - 1


def load_world(directory: str | Path | None = None) -> World:
    """Load and validate a world.

    Args:
        directory: Folder with ``countries.csv``, ``routes.csv``, ``visas.csv``,
            ``diaspora.csv`` and ``push.csv``; ``None`` loads the package's default world.

    Returns:
        The validated world.

    Raises:
        WorldError: Listing every problem found (file, row and column, message).
    """
    if directory is None:
        with resources.as_file(resources.files("flowsim") / "data") as path:
            return _load(Path(path), PACKAGE_SOURCE)
    return _load(Path(directory), str(directory))


def _load(path: Path, shown: str) -> World:
    tables = read_tables(path, shown)
    graph = build_graph(tables["countries"], tables["routes"])
    push = tables["push"]
    stuck = set(unreachable_origins(graph, list(dict.fromkeys(push["origin"]))))
    if stuck:
        label = str(Path(shown) / "push.csv")
        first_rows = {o: i for i, o in reversed(list(enumerate(push["origin"])))}
        problems = [
            Problem(
                label,
                row_label(first_rows[o], "origin"),
                f"origin {o} cannot reach any other country along the routes",
            )
            for o in dict.fromkeys(push["origin"])
            if o in stuck
        ]
        raise WorldError(problems)
    return World(
        countries=tables["countries"],
        routes=tables["routes"],
        visas=tables["visas"],
        diaspora=tables["diaspora"],
        push=push,
        graph=graph,
        source=shown,
        initial_stock=tables["initial_stock"],
        initial_status=tables["initial_status"],
        route_knowledge=tables["route_knowledge"],
        smuggling_networks=tables["smuggling_networks"],
        outside_crossings=tables["outside_crossings"],
    )


@lru_cache(maxsize=1)
def default_world() -> World:
    """Return the package's default world, loaded once per process."""
    return load_world(None)

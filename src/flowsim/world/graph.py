"""Build the route network (a ``networkx.MultiDiGraph``) from validated world tables."""

from __future__ import annotations

import networkx as nx
import pandas as pd


def build_graph(countries: pd.DataFrame, routes: pd.DataFrame) -> nx.MultiDiGraph:
    """Build the route network.

    Args:
        countries: Countries indexed by ISO3; every column becomes a node attribute.
        routes: One row per directed route; edges are keyed by ``route_id`` and carry the
            other columns as attributes.

    Returns:
        A graph whose nodes are in ``countries`` order.
    """
    graph = nx.MultiDiGraph()
    for iso3, row in countries.iterrows():
        graph.add_node(str(iso3), **row.to_dict())
    for row in routes.to_dict("records"):
        attributes = {k: v for k, v in row.items() if k not in ("from_iso3", "to_iso3")}
        graph.add_edge(row["from_iso3"], row["to_iso3"], key=row["route_id"], **attributes)
    return graph


def unreachable_origins(graph: nx.MultiDiGraph, origins: list[str]) -> list[str]:
    """Return the origins from which no other country can be reached along the routes."""
    return [o for o in origins if o not in graph or not nx.descendants(graph, o) - {o}]

"""The default world: tables load, required routes exist, graph invariants hold."""

from __future__ import annotations

import networkx as nx
import pytest

from flowsim.tables import DARIEN_ROUTE, US_SW_BORDER_ROUTE
from flowsim.world import World, default_world, load_world

COUNTRIES = (
    "VEN COL ECU PER CHL BRA ARG BOL PAN CRI NIC HND SLV GTM MEX USA CAN CUB HTI DOM TTO GUY ESP"
).split()
ORIGINS = "VEN COL ECU HND GTM SLV NIC MEX HTI CUB".split()


@pytest.fixture(scope="module")
def world() -> World:
    return default_world()


def has_route(world: World, a: str, b: str, mode: str, legal: bool | None = None) -> bool:
    r = world.routes
    hit = (r["from_iso3"] == a) & (r["to_iso3"] == b) & (r["mode"] == mode)
    if legal is not None:
        hit &= r["legal"] == legal
    return bool(hit.any())


def test_all_countries_in_order(world: World) -> None:
    assert set(COUNTRIES) <= set(world.iso3())
    assert world.iso3() == list(world.graph.nodes)
    assert world.source == "<package>"


def test_countries_numeric_and_in_range(world: World) -> None:
    c = world.countries
    for col in ("population", "gdp_pc_ppp", "wage_usd_month", "migrant_stock"):
        assert (c[col] > 0).all(), col
    for col in ("unemployment", "informality", "integration_base", "passport_share"):
        assert c[col].between(0, 1).all(), col
    sources = [col for col in c.columns if col.endswith("_source")]
    assert len(sources) == 8
    assert (c[sources] != "").all().all()


def test_named_crossings(world: World) -> None:
    named = world.routes.set_index("name")
    assert (
        named.loc[DARIEN_ROUTE, ["from_iso3", "to_iso3", "mode"]] == ["COL", "PAN", "land"]
    ).all()
    border = named.loc[US_SW_BORDER_ROUTE]
    assert (border["from_iso3"], border["to_iso3"], bool(border["legal"])) == ("MEX", "USA", False)
    assert (named.loc["Cucuta", ["from_iso3", "to_iso3"]] == ["VEN", "COL"]).all()
    assert (named.loc["Pacaraima", ["from_iso3", "to_iso3"]] == ["VEN", "BRA"]).all()
    assert (
        named.loc["Florida Straits", ["from_iso3", "to_iso3", "mode"]] == ["CUB", "USA", "sea"]
    ).all()
    assert (
        named.loc["Mona Passage", ["from_iso3", "to_iso3", "mode"]] == ["DOM", "USA", "sea"]
    ).all()


def test_darien_is_riskiest_land_edge(world: World) -> None:
    land = world.routes[world.routes["mode"] == "land"]
    top = land.loc[land["risk"].idxmax()]
    assert top["name"] == DARIEN_ROUTE
    assert (land["risk"] < top["risk"]).sum() == len(land) - 1


@pytest.mark.parametrize(
    ("a", "b", "mode"),
    [
        ("VEN", "COL", "land"),
        ("VEN", "BRA", "land"),
        ("COL", "ECU", "land"),
        ("ECU", "PER", "land"),
        ("PER", "CHL", "land"),
        ("PAN", "CRI", "land"),
        ("CRI", "NIC", "land"),
        ("NIC", "HND", "land"),
        ("HND", "GTM", "land"),
        ("GTM", "MEX", "land"),
        ("SLV", "GTM", "land"),
        ("BOL", "PER", "land"),
        ("BOL", "CHL", "land"),
        ("BOL", "ARG", "land"),
        ("ARG", "CHL", "land"),
        ("ARG", "BRA", "land"),
        ("USA", "CAN", "land"),
        ("VEN", "GUY", "land"),
        ("VEN", "TTO", "sea"),
        ("USA", "MEX", "land"),
    ],
)
def test_routes_both_ways(world: World, a: str, b: str, mode: str) -> None:
    assert has_route(world, a, b, mode), f"{a}->{b} {mode} missing"
    assert has_route(world, b, a, mode), f"{b}->{a} {mode} missing"


@pytest.mark.parametrize(
    ("a", "b", "mode"),
    [
        ("COL", "PAN", "land"),
        ("MEX", "USA", "land"),
        ("CUB", "USA", "sea"),
        ("DOM", "USA", "sea"),
        ("HTI", "USA", "sea"),
        ("HTI", "DOM", "land"),
    ],
)
def test_irregular_crossings(world: World, a: str, b: str, mode: str) -> None:
    assert has_route(world, a, b, mode, legal=False)


@pytest.mark.parametrize("hub", ["VEN", "COL", "PER", "ECU", "CHL", "BRA", "ARG"])
@pytest.mark.parametrize("dest", ["MEX", "USA", "ESP"])
def test_legal_air_from_hubs_and_back(world: World, hub: str, dest: str) -> None:
    assert has_route(world, hub, dest, "air", legal=True)
    assert has_route(world, dest, hub, "air", legal=True)


@pytest.mark.parametrize("origin", ORIGINS)
def test_return_air_route_to_every_origin(world: World, origin: str) -> None:
    back = [h for h in ("USA", "ESP", "MEX") if h != origin and has_route(world, h, origin, "air")]
    assert back, f"no return flight to {origin}"


@pytest.mark.parametrize("origin", ORIGINS)
def test_every_origin_reaches_usa(world: World, origin: str) -> None:
    assert nx.has_path(world.graph, origin, "USA")


def test_graph_mirrors_tables(world: World) -> None:
    g = world.graph
    assert g.number_of_edges() == len(world.routes)
    darien = world.routes.loc[world.routes["name"] == DARIEN_ROUTE, "route_id"].item()
    edge = g.edges["COL", "PAN", darien]
    assert edge["mode"] == "land"
    assert not edge["legal"]
    assert g.nodes["VEN"]["name"] == "Venezuela"
    assert world.route_label(darien) == DARIEN_ROUTE
    unnamed = world.routes.loc[world.routes["name"] == "", "route_id"].iloc[0]
    assert world.route_label(unnamed) == unnamed


def test_unique_ids_and_names(world: World) -> None:
    r = world.routes
    assert r["route_id"].is_unique
    names = r.loc[r["name"] != "", "name"]
    assert names.is_unique


def test_visas_have_defaults_and_types(world: World) -> None:
    v = world.visas
    assert v["visa_required"].dtype == bool
    assert set(world.iso3()) <= set(v.loc[v["nationality"] == "ALL", "destination"])
    usa = v[v["destination"] == "USA"].set_index("nationality")["visa_required"]
    assert usa["ALL"] and not usa["CHL"]


def test_push_covers_origins_and_years(world: World) -> None:
    p = world.push
    assert world.origins() == ORIGINS
    assert set(p["year"]) == set(range(2015, 2031))
    assert len(p) == len(ORIGINS) * 16
    assert (p["emigrants"] > 0).all()
    ven = p[p["origin"] == "VEN"].set_index("year")
    assert ven.loc[2019, "source"].startswith("derived: R4V")


def test_diaspora_known_stocks(world: World) -> None:
    d = world.diaspora.set_index(["nationality", "country"])["people"]
    assert d["MEX", "USA"] > 10e6
    assert set(world.diaspora["nationality"]) >= set(ORIGINS)


def test_load_world_from_directory_equals_default(world: World, tmp_path) -> None:
    from importlib import resources

    src = resources.files("flowsim") / "data"
    for name in ("countries", "routes", "visas", "diaspora", "push"):
        (tmp_path / f"{name}.csv").write_text((src / f"{name}.csv").read_text())
    other = load_world(tmp_path)
    assert other.source == str(tmp_path)
    assert other.iso3() == world.iso3()
    assert other.routes.equals(world.routes)

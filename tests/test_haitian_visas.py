"""Visas for Haitians in Venezuela and (from 2021-05) Ecuador, and the flights to Ecuador.

Venezuela does not exempt Haitians from visas (``ven_visa_hti_2015``, from the run's
start). Ecuador, the Haitians' visa-free door to South America after the 2010 earthquake
(flights from the Dominican Republic through Panama, or from Cuba, to Quito, for which
``HTI-ECU-air`` in ``routes.csv`` stands), required visas of them from 17 May 2021
(``ecu_visa_hti_2021``). Sources in the policies' descriptions and the routes' ``source``
column. Adopted in the thirty-second pass.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from flowsim.model import FlowModel
from flowsim.scenario import load_scenario
from flowsim.world import load_world
from route_crossings import baseline_without, crossings_by_route

ROOT = Path(__file__).resolve().parents[1]
SETTINGS = {"run.scale": 1000.0, "run.months": 84}
SEEDS = (1, 2)


def test_the_flights_between_haiti_and_ecuador_are_legal_air_routes():
    """Both directions exist, by air, as legal routes (open to those the visa rules admit)."""
    routes = load_world().routes.set_index("route_id")
    for rid, (a, b) in {"HTI-ECU-air": ("HTI", "ECU"), "ECU-HTI-air": ("ECU", "HTI")}.items():
        row = routes.loc[rid]
        assert (row["from_iso3"], row["to_iso3"], row["mode"]) == (a, b, "air")
        assert bool(row["legal"])


def test_venezuelas_visa_closes_the_haitians_flights_to_venezuela(tmp_path):
    """Direction: without the visa Haitians fly from the Dominican Republic to Venezuela.

    Summed over 2 seeds at 1,000 people per agent, 2015-2021. Measured when written: 0 with
    the visa against 276,000 without it.
    """
    shipped = load_scenario(ROOT / "scenarios" / "baseline.toml").with_overrides(SETTINGS)
    without = load_scenario(baseline_without(tmp_path, "ven_visa_hti_2015"))
    without = without.with_overrides(SETTINGS)
    routes = ("DOM-VEN-air",)
    closed = crossings_by_route(shipped, SEEDS, routes, "HTI")
    open_ = crossings_by_route(without, SEEDS, routes, "HTI")
    assert closed["DOM-VEN-air"] == 0.0, closed
    assert open_["DOM-VEN-air"] >= 10_000, open_


def test_ecuadors_visa_of_2021_closes_the_haitians_flights_to_quito(tmp_path):
    """Direction: from 2021-05 no Haitian takes the Haiti-Ecuador flights on his own; without
    the visa thousands do.

    Travellers of a legal pathway (Chile's visas for Haitians, routed through Ecuador) hold
    documents whatever the visa rules and are left out. Summed over 2 seeds at 1,000 people
    per agent. Measured when written: 2021-05..2021-12, 0 with the visa against 22,000
    without it; 2015-01..2021-12, 102,000 in the shipped baseline.
    """
    shipped = load_scenario(ROOT / "scenarios" / "baseline.toml").with_overrides(SETTINGS)
    without = load_scenario(baseline_without(tmp_path, "ecu_visa_hti_2021"))
    without = without.with_overrides(SETTINGS)
    routes = ("HTI-ECU-air",)
    own = ("pathway",)
    every = crossings_by_route(shipped, SEEDS, routes, "HTI", exclude_kinds=own)
    after = crossings_by_route(shipped, SEEDS, routes, "HTI", since="2021-05-01", exclude_kinds=own)
    after_without = crossings_by_route(
        without, SEEDS, routes, "HTI", since="2021-05-01", exclude_kinds=own
    )
    assert after["HTI-ECU-air"] == 0.0, after
    assert after_without["HTI-ECU-air"] >= 5_000, after_without
    assert every["HTI-ECU-air"] >= 20_000, every


def _paths_to_the_us_through(world, nationalities: tuple[str, ...], route: str) -> int:
    """Journeys to the US of ``nationalities`` (every document tier, from every country)
    whose route sequence in the first month's least-cost tables uses ``route``."""
    scenario = load_scenario(ROOT / "scenarios" / "baseline.toml").with_overrides(
        {"run.scale": 20_000.0, "run.months": 1}
    )
    model = FlowModel(scenario, world=world, seed=1, agents=False)
    model.run_months()
    index, tables = model.world_index, model.paths
    iso = list(index.iso3)
    ids = list(index.edge_id)
    usa, edge = iso.index("USA"), ids.index(route)
    tiers = tables.next_edge.shape[0] // len(iso)
    count = 0
    for nat in nationalities:
        for cls in range(iso.index(nat) * tiers, (iso.index(nat) + 1) * tiers):
            for start in range(len(iso)):
                here, legs = start, 0
                while here != usa and legs < len(ids):
                    e = int(tables.next_edge[cls, here, usa])
                    if e < 0:
                        break
                    if e == edge:
                        count += 1
                        break
                    here, legs = int(index.edge_dst[e]), legs + 1
    return count


def test_haitis_visas_keep_cubans_and_dominicans_off_a_way_north_through_haiti():
    """Haiti asks visas of Colombians, Cubans, Dominicans and Panamanians (``visas.csv``).

    Without those rows the flights from Ecuador to Haiti open Cubans and Dominicans a
    least-cost journey to the US through Haiti and the Mona Passage or Haiti's sailboats
    (measured when written: 24 journeys, by nationality, document tier and starting
    country, in the first month's tables), which drew the Cubans off the Darien in 2015.
    """
    world = load_world()
    rows = world.visas[world.visas["destination"] == "HTI"].set_index("nationality")
    for nat in ("COL", "CUB", "DOM", "PAN"):
        assert bool(rows.loc[nat, "visa_required"]), nat
    lifted = replace(
        world,
        visas=world.visas[
            ~((world.visas["destination"] == "HTI") & (world.visas["nationality"] != "ALL"))
        ],
    )
    assert _paths_to_the_us_through(world, ("CUB", "DOM"), "ECU-HTI-air") == 0
    assert _paths_to_the_us_through(lifted, ("CUB", "DOM"), "ECU-HTI-air") >= 10

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
from functools import cache
from pathlib import Path

import pandas as pd

from flowsim.calibration.explain import journey_legs, model_before_decide
from flowsim.model.classes import TIERS
from flowsim.scenario import load_scenario
from flowsim.world import World, load_world
from route_crossings import baseline_without, crossings_by_route, crossings_in, flow_tables

ROOT = Path(__file__).resolve().parents[1]
SETTINGS = {"run.scale": 1000.0, "run.months": 84}
SEEDS = (1, 2)


@cache
def _shipped_flows() -> tuple[pd.DataFrame, ...]:
    """The shipped baseline's flow tables at ``SETTINGS``, one per seed (run once, shared)."""
    shipped = load_scenario(ROOT / "scenarios" / "baseline.toml").with_overrides(SETTINGS)
    return tuple(flow_tables(shipped, SEEDS))


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
    without = load_scenario(baseline_without(tmp_path, "ven_visa_hti_2015"))
    without = without.with_overrides(SETTINGS)
    routes = ("DOM-VEN-air",)
    closed = crossings_in(list(_shipped_flows()), routes, "HTI")
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
    without = load_scenario(baseline_without(tmp_path, "ecu_visa_hti_2021"))
    without = without.with_overrides(SETTINGS)
    routes = ("HTI-ECU-air",)
    own = ("pathway",)
    shipped = list(_shipped_flows())
    every = crossings_in(shipped, routes, "HTI", exclude_kinds=own)
    after = crossings_in(shipped, routes, "HTI", since="2021-05-01", exclude_kinds=own)
    after_without = crossings_by_route(
        without, SEEDS, routes, "HTI", since="2021-05-01", exclude_kinds=own
    )
    assert after["HTI-ECU-air"] == 0.0, after
    assert after_without["HTI-ECU-air"] >= 5_000, after_without
    assert every["HTI-ECU-air"] >= 20_000, every


def _paths_to_the_us_through(world: World, nationalities: tuple[str, ...], route: str) -> int:
    """Journeys to the US of ``nationalities`` (every document tier, from every country)
    whose routes in the first month's least-cost tables include ``route``
    (``flowsim.calibration.explain.journey_legs``)."""
    scenario = load_scenario(ROOT / "scenarios" / "baseline.toml").with_overrides(
        {"run.scale": 20_000.0, "run.months": 1}
    )
    model = model_before_decide(scenario, scenario.run.start_index, world=world, seed=1)
    return sum(
        route in set(journey_legs(model, nat, start, "USA", tier)["route"])
        for nat in nationalities
        for tier in range(TIERS)
        for start in model.world_index.iso3
        if start != "USA"
    )


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

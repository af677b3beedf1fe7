"""Visas for Haitians in Venezuela and (from 2021-05) Ecuador, and the flights to Ecuador.

Venezuela does not exempt Haitians from visas (``ven_visa_hti_2015``, from the run's
start). Ecuador, the Haitians' visa-free door to South America after the 2010 earthquake
(flights from the Dominican Republic through Panama, or from Cuba, to Quito;
``HTI-ECU-air`` in ``routes.csv``), required visas of them from 17 May 2021
(``ecu_visa_hti_2021``). Sources in the policies' descriptions and the routes' ``source``
column. Adopted in the thirty-second pass.
"""

from __future__ import annotations

from pathlib import Path

from flowsim.scenario import load_scenario
from flowsim.world import load_world
from route_crossings import baseline_without, crossings_by_route

ROOT = Path(__file__).resolve().parents[1]
SETTINGS = {"run.scale": 1000.0, "run.months": 84}
SEEDS = (1, 2)


def test_the_flights_between_haiti_and_ecuador_are_legal_air_routes():
    """Both directions exist, by air, legal (they need Ecuador's or Haiti's entry rules)."""
    routes = load_world().routes.set_index("route_id")
    for rid, (a, b) in {"HTI-ECU-air": ("HTI", "ECU"), "ECU-HTI-air": ("ECU", "HTI")}.items():
        row = routes.loc[rid]
        assert (row["from_iso3"], row["to_iso3"], row["mode"]) == (a, b, "air")
        assert bool(row["legal"])


def test_venezuelas_visa_closes_the_haitians_flights_to_venezuela(tmp_path):
    """Direction: without the visa Haitians fly from the Dominican Republic to Venezuela.

    Summed over 2 seeds at 1,000 people per agent, 2015-2021. Measured when written: 0 with
    the visa against 277,000 without it.
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
    per agent. Measured when written: 2021-05..2021-12, 0 with the visa against 20,000
    without it; 2015-01..2021-12, 100,000 in the shipped baseline.
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

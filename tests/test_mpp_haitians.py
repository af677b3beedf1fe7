"""Remain in Mexico (``usa_mpp_2019``) returned Spanish speakers; Haitians are modelled exempt.

The Migrant Protection Protocols of January 2019 to January 2021 sent asylum seekers at the
southwest border back to Mexico to wait for their hearings. Until Brazilians were added in
January 2020 the program was applied to Spanish speakers; non-Spanish speakers were to be
exempt, and Haiti had 1% or less of the program's cases in TRAC's court records (sources in
the policy's description). Until the thirty-fourth pass the baseline listed Haitians among
those returned; it now treats them as exempt throughout, a simplification
(docs/calibration.md, "Haitians were not returned to Mexico (thirty-fourth pass)").
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

import pandas as pd

from flowsim.scenario import load_scenario
from route_crossings import assert_same_flows_before, crossings_in, flow_tables

ROOT = Path(__file__).resolve().parents[1]
SETTINGS = {"run.scale": 1000.0, "run.months": 72}  # 2015-01 to 2020-12
SEEDS = (1, 2)
SPANISH = ["VEN", "COL", "ECU", "PER", "CUB", "NIC", "GTM", "HND", "SLV"]


def _listed() -> list[str]:
    """The nationalities the shipped program returns to Mexico."""
    baseline = load_scenario(ROOT / "scenarios" / "baseline.toml")
    return list(next(p for p in baseline.policies if p.name == "usa_mpp_2019").nationalities)


@cache
def _flows(haitians_returned: bool) -> tuple[pd.DataFrame, ...]:
    """The baseline's flow tables at ``SETTINGS``, with or without Haitians in the program."""
    shipped = load_scenario(ROOT / "scenarios" / "baseline.toml").with_overrides(SETTINGS)
    # the baseline before the thirty-fourth pass: Haitians returned to Mexico too
    with_haitians = {"policies.usa_mpp_2019.nationalities": [*_listed(), "HTI"]}
    scenario = shipped.with_overrides(with_haitians) if haitians_returned else shipped
    return tuple(flow_tables(scenario, SEEDS))


def _in_2019_2020(tables: tuple[pd.DataFrame, ...], route: str) -> float:
    """Haitians crossing ``route`` in 2019-2020, summed over the runs."""
    return crossings_in(list(tables), (route,), "HTI", since="2019-01-01")[route]


def test_the_baseline_returns_spanish_speakers_only() -> None:
    """The shipped program lists the Spanish-speaking nationalities and not Haitians."""
    listed = _listed()
    assert "HTI" not in listed
    assert set(listed) == set(SPANISH)


def test_haitians_not_returned_reach_the_us_border_and_cross_the_darien_more() -> None:
    """Direction: without Haitians in the program more Haitians head north in 2019-2020.

    Summed over 2 seeds at 1,000 people per agent, 2019-01..2020-12. Measured when written:
    US southwest border 24,000 without Haitians in the program against 9,000 with them;
    Darien 27,000 against 15,000.
    """
    free = _flows(False)
    returned = _flows(True)
    border_free = _in_2019_2020(free, "US southwest border")
    border_returned = _in_2019_2020(returned, "US southwest border")
    assert border_returned > 0, border_returned  # the route is used either way
    assert border_free > 1.5 * border_returned, (border_free, border_returned)
    darien_free = _in_2019_2020(free, "Darien Gap")
    darien_returned = _in_2019_2020(returned, "Darien Gap")
    assert darien_returned > 0, darien_returned  # Haitians cross the Darien either way
    assert darien_free > 1.3 * darien_returned, (darien_free, darien_returned)


def test_nothing_changes_before_the_program() -> None:
    """The program starts in 2019-01: every flow before it is the same either way."""
    assert_same_flows_before(_flows(False), _flows(True), "2019-01-01")

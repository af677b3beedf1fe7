"""Nicaragua's closure to Cubans (from 2015-11; its end, 2018-12, is assumed) and the 2016 airlifts.

Nicaragua turned Cuban migrants back from 15 November 2015 (``nic_closed_to_cub_2015``);
Costa Rica flew the stranded to Mexico and El Salvador from January to March 2016
(``cri_airlift_cub_2016``) and Panama flew its own to Ciudad Juarez in February-March and
May 2016 (``pan_airlift_cub_2016_feb``, ``_may``); sources in their descriptions. Added in
the thirty-seventh pass. Direction checks on the shipped baseline, summed over 2 seeds at
1,000 people per agent, 2015-01..2018-12 (the closure's check of 2017-2018 over 8 seeds at
500).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from flowsim.scenario import Scenario, load_scenario
from route_crossings import baseline_without, crossings_in, flow_tables

ROOT = Path(__file__).resolve().parents[1]
ROUTES = ("Darien Gap", "Costa Rica airlift", "Panama airlift", "US southwest border")
AIRLIFTS = ("cri_airlift_cub_2016", "pan_airlift_cub_2016_feb", "pan_airlift_cub_2016_may")
SETTINGS = {"run.scale": 1000.0, "run.months": 48}
SEEDS = (1, 2)


def _without(tmp_path: Path, policies: tuple[str, ...]) -> Scenario:
    return load_scenario(baseline_without(tmp_path, policies)).with_overrides(SETTINGS)


def _cubans(tables: list[pd.DataFrame], first: str, last: str) -> dict[str, float]:
    """Cubans crossing each of ``ROUTES`` from month ``first`` to ``last`` (YYYY-MM)."""
    months = [f["month"].astype(str).str[:7] for f in tables]
    kept = [f[(m >= first) & (m <= last)] for f, m in zip(tables, months, strict=True)]
    return crossings_in(kept, ROUTES, "CUB")


@pytest.fixture(scope="module")
def shipped() -> list[pd.DataFrame]:
    scenario = load_scenario(ROOT / "scenarios" / "baseline.toml").with_overrides(SETTINGS)
    return flow_tables(scenario, SEEDS)


def test_the_airlifts_carry_cubans_over_nicaragua_only_in_their_months(shipped):
    """Within a factor of 3 of the flights' counts, and only while each airlift ran.

    Measured when written, summed over the 2 runs: 10,000 on Costa Rica's charter and
    8,000 on Panama's, i.e. 5,000 and 4,000 a run, against 4,818 flown by Costa Rica
    (La Nacion) and about 5,100 by Panama (about 1,300 stranded in February, 3,800 in May).
    """
    flown = _cubans(shipped, "2016-01", "2016-12")
    for route, observed in (("Costa Rica airlift", 4818), ("Panama airlift", 5100)):
        per_run = flown[route] / len(SEEDS)
        assert observed / 3 < per_run < observed * 3, (route, per_run)
    months = {"Costa Rica airlift": {"2016-01", "2016-02", "2016-03"}}
    months["Panama airlift"] = {"2016-02", "2016-03", "2016-05"}
    for route, allowed in months.items():
        for table in shipped:
            rows = table[(table["route"] == route) & (table["people"] > 0)]
            assert set(rows["month"].astype(str).str[:7]) <= allowed, route


def test_without_the_airlifts_the_closure_keeps_the_cubans_of_2016_from_the_darien(
    shipped, tmp_path
):
    """Direction: the closure alone deters the journey; the airlifts reopen it in 2016.

    Measured when written, with the airlifts against without: 20,000 against 1,000 Cubans
    through the Darien in 2016, 24,000 against 4,000 at the US southwest border.
    """
    grounded = flow_tables(_without(tmp_path, AIRLIFTS), SEEDS)
    with_, without = _cubans(shipped, "2016-01", "2016-12"), _cubans(grounded, "2016-01", "2016-12")
    assert without["Costa Rica airlift"] == without["Panama airlift"] == 0
    assert with_["Darien Gap"] > 3 * without["Darien Gap"], (with_, without)
    assert with_["US southwest border"] > 2 * without["US southwest border"], (with_, without)


def test_the_closure_keeps_the_cubans_of_2017_2018_from_the_darien(tmp_path):
    """Direction: Panama counted 736 and 329 Cubans in 2017 and 2018 (1,065 in all).

    Measured when written (thirty-seventh pass, 2 seeds at 1,000 people per agent), with
    the closure against without: 2,000 against 26,000 Cubans through the Darien in
    2017-2018, asserted as more than 5 times. Since the thirty-ninth pass (the Cuban rush
    from July 2015 and Costa Rica's and Panama's closures of 2016) more of the Cubans who
    left in 2015-2016 cross in 2017-2018 under the closure, as many as Panama counted: over
    8 seeds at 500 people per agent, 1,125 a run against 4,560 without it (4.1 times;
    before the pass 310 against 3,810, 12 times), and over the 2 seeds at 1,000 of the
    original check 2,000 against 10,000, exactly 5, so its strict "more than 5" failed.
    The ratio asked is now 3, measured over more runs (a loosening), and the runs with the
    closure at the point must stay within a factor of 2 of Panama's count, which those
    before the pass did not (the ensemble's median, 4,000 in 2017-2018, would not).
    """
    settings = {"run.scale": 500.0, "run.months": 48}
    seeds = tuple(range(1, 9))
    baseline = load_scenario(ROOT / "scenarios" / "baseline.toml").with_overrides(settings)
    open_ = load_scenario(baseline_without(tmp_path, "nic_closed_to_cub_2015"))
    closed = _cubans(flow_tables(baseline, seeds), "2017-01", "2018-12")["Darien Gap"]
    without = _cubans(flow_tables(open_.with_overrides(settings), seeds), "2017-01", "2018-12")
    assert without["Darien Gap"] > 3 * closed, (closed, without)
    assert 1065 / 2 < closed / len(seeds) < 1065 * 2, closed

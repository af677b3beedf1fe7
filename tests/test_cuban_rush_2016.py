"""The Cuban rush of 2015-2016 and the closures of Costa Rica and Panama to Cubans.

``cub_rush_2015`` raises the Cuban outflow from July 2015 until wet foot, dry foot ended
(1.5 times, the middle of the Coast Guard's and CBP's ratios of FY2016 to FY2015);
Costa Rica closed its border to undocumented Cubans in April 2016
(``cri_closed_to_cub_2016``) and Panama its border with Colombia on 9 May 2016
(``pan_closed_to_cub_2016``, from June in the model, after the last airlift); sources in
their descriptions. Added in the thirty-ninth pass. Direction checks on the shipped
baseline, summed over 4 seeds at 500 people per agent, 2015-01..2017-12.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from flowsim.scenario import load_scenario
from route_crossings import baseline_without, crossings_in, flow_tables

ROOT = Path(__file__).resolve().parents[1]
ROUTES = ("Florida Straits", "Darien Gap", "PAN-CRI-land-irregular", "US southwest border")
SETTINGS = {"run.scale": 500.0, "run.months": 36}
SEEDS = (1, 2, 3, 4)
CLOSURES = ("cri_closed_to_cub_2016", "pan_closed_to_cub_2016")


def _cubans(tables: list[pd.DataFrame], first: str, last: str) -> dict[str, float]:
    """Cubans crossing each of ``ROUTES`` from month ``first`` to ``last`` (YYYY-MM)."""
    months = [f["month"].astype(str).str[:7] for f in tables]
    kept = [f[(m >= first) & (m <= last)] for f, m in zip(tables, months, strict=True)]
    return crossings_in(kept, ROUTES, "CUB")


def _runs(tmp_path: Path, without: tuple[str, ...] = ()) -> list[pd.DataFrame]:
    path = baseline_without(tmp_path, without) if without else ROOT / "scenarios" / "baseline.toml"
    return flow_tables(load_scenario(path).with_overrides(SETTINGS), SEEDS)


@pytest.fixture(scope="module")
def shipped(tmp_path_factory) -> list[pd.DataFrame]:
    return _runs(tmp_path_factory.mktemp("shipped"))


def test_the_rush_sends_more_cubans_to_sea_and_to_the_us_border_in_fy2016(shipped, tmp_path):
    """Direction: without the rush fewer Cubans try the Florida Straits and reach the border.

    Measured when written, October 2015-September 2016, with the rush against without:
    17,500 against 12,500 at sea, 42,500 against 29,500 at the US southwest border.
    """
    with_ = _cubans(shipped, "2015-10", "2016-09")
    without = _cubans(_runs(tmp_path, ("cub_rush_2015",)), "2015-10", "2016-09")
    assert with_["Florida Straits"] > 1.2 * without["Florida Straits"], (with_, without)
    assert with_["US southwest border"] > 1.2 * without["US southwest border"], (with_, without)


@pytest.fixture(scope="module")
def both_open(tmp_path_factory) -> list[pd.DataFrame]:
    """The baseline without either closure."""
    return _runs(tmp_path_factory.mktemp("open"), CLOSURES)


def test_costa_ricas_closure_deters_cubans_from_entering_costa_rica_from_april_2016(
    both_open, tmp_path
):
    """Direction, with Panama open: from April 2016 few Cubans cross into Costa Rica.

    Each closure alone stops the Cubans' crossings of Central America after May, so each is
    checked with the other removed. Measured when written, April-December 2016, Costa Rica
    closed against both open: 0 against 10,500 (the other closure alone: 1,000).
    """
    closed = _cubans(_runs(tmp_path, ("pan_closed_to_cub_2016",)), "2016-04", "2016-12")
    open_ = _cubans(both_open, "2016-04", "2016-12")
    assert open_["PAN-CRI-land-irregular"] > 3 * closed["PAN-CRI-land-irregular"], (closed, open_)
    assert open_["PAN-CRI-land-irregular"] >= 4000, (closed, open_)


def test_panamas_closure_keeps_cubans_from_the_darien_from_june_2016(both_open, tmp_path):
    """Direction, with Costa Rica open: from June 2016 few Cubans cross the Darien.

    Panama counted 7,383 Cubans in all 2016, most before its May closure. Measured when
    written, June-December 2016, Panama closed against both open: 0 against 11,000.
    """
    closed = _cubans(_runs(tmp_path, ("cri_closed_to_cub_2016",)), "2016-06", "2016-12")
    open_ = _cubans(both_open, "2016-06", "2016-12")
    assert open_["Darien Gap"] > 3 * closed["Darien Gap"], (closed, open_)
    assert open_["Darien Gap"] >= 4000, (closed, open_)

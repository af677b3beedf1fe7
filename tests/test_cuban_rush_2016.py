"""The Cuban rush of 2015-2016 and the closures of Costa Rica and Panama to Cubans.

``cub_rush_2015`` raises the Cuban outflow from July 2015 until wet foot, dry foot ended
(1.5 times, the middle of the Coast Guard's and CBP's ratios of FY2016 to FY2015);
Costa Rica turned back Cubans from 18 December 2015 (``cri_closed_to_cub_2015``) and
Panama closed its border with Colombia to them on 9 May 2016 (``pan_closed_to_cub_2016``);
sources in their descriptions. Added in the thirty-ninth pass. Direction checks on the
shipped baseline, summed over 2 seeds at 1,000 people per agent, 2015-01..2017-12.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from flowsim.scenario import load_scenario
from route_crossings import baseline_without, crossings_in, flow_tables

ROOT = Path(__file__).resolve().parents[1]
ROUTES = ("Florida Straits", "Darien Gap", "PAN-CRI-land-irregular", "US southwest border")
SETTINGS = {"run.scale": 1000.0, "run.months": 36}
SEEDS = (1, 2)


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
    FLORIDA_MEASURED at sea, BORDER_MEASURED at the US southwest border.
    """
    with_ = _cubans(shipped, "2015-10", "2016-09")
    without = _cubans(_runs(tmp_path, ("cub_rush_2015",)), "2015-10", "2016-09")
    assert with_["Florida Straits"] > 1.2 * without["Florida Straits"], (with_, without)
    assert with_["US southwest border"] > without["US southwest border"], (with_, without)


def test_costa_ricas_closure_keeps_cubans_in_panama_in_2016(shipped, tmp_path):
    """Direction: from January 2016 few Cubans cross from Panama into Costa Rica.

    Measured when written, 2016, with the closure against without: CRI_MEASURED.
    """
    closed = _cubans(shipped, "2016-01", "2016-12")
    open_ = _cubans(_runs(tmp_path, ("cri_closed_to_cub_2015",)), "2016-01", "2016-12")
    assert open_["PAN-CRI-land-irregular"] > 2 * closed["PAN-CRI-land-irregular"], (closed, open_)


def test_panamas_closure_keeps_cubans_from_the_darien_after_may_2016(shipped, tmp_path):
    """Direction: Panama counted 7,383 Cubans in all 2016, most before its May closure.

    Measured when written, May-December 2016, with the closure against without: PAN_MEASURED.
    """
    closed = _cubans(shipped, "2016-05", "2016-12")
    open_ = _cubans(_runs(tmp_path, ("pan_closed_to_cub_2016",)), "2016-05", "2016-12")
    assert open_["Darien Gap"] > 2 * closed["Darien Gap"], (closed, open_)

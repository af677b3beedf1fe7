"""Nicaragua's eased visa for Cubans (2019-01..2020-03): a way north by air to Managua.

From 23 January 2019 Cubans got Nicaragua's tourist visa from its consuls
(``nic_visa_eased_cub_2019``, sources in its description); they flew to Managua and went
on overland to the US border. Adopted in the thirty-first pass.
"""

from __future__ import annotations

from pathlib import Path

from flowsim.scenario import load_scenario
from route_crossings import baseline_without, crossings_by_route

ROOT = Path(__file__).resolve().parents[1]
ROUTES = ("CUB-NIC-air", "US southwest border")


def test_without_the_easing_fewer_cubans_fly_to_nicaragua_and_reach_the_us_border(tmp_path):
    """Direction: the easing sends Cubans to Managua and on to the US border in 2019-2020.

    Summed over 4 seeds at 1,000 people per agent, 2019-01..2020-03. Measured when
    written (2 seeds), with the easing against without: 31,000 against 0 on the
    Havana-Managua flights; 10,000 against 0 at the US southwest border. Since the
    thirty-seventh pass the Darien's other crossers keep the corridor north known to Cubans,
    so some reach the border overland without the easing: over 2 seeds 8,000 against
    4,000, on the margin asked; over 4 seeds, as now, 68,000 against 0 on the flights and
    29,000 against 5,000 at the border.
    """
    path = baseline_without(tmp_path, "nic_visa_eased_cub_2019")
    seeds = (1, 2, 3, 4)
    settings = {"run.scale": 1000.0, "run.months": 63}
    shipped = load_scenario(ROOT / "scenarios" / "baseline.toml").with_overrides(settings)
    without = load_scenario(path).with_overrides(settings)
    eased = crossings_by_route(shipped, seeds, ROUTES, "CUB", since="2019-01-01")
    closed = crossings_by_route(without, seeds, ROUTES, "CUB", since="2019-01-01")
    assert eased["CUB-NIC-air"] > 3 * closed["CUB-NIC-air"], (eased, closed)
    assert eased["US southwest border"] > 2 * closed["US southwest border"], (eased, closed)
    assert eased["US southwest border"] >= 8000, (eased, closed)  # 4,000 per 2 seeds

"""The Lethem-Bonfim crossing: the overland way out of Guyana goes through Brazil.

No road crosses the Guyana-Venezuela border; the Cubans landing in Georgetown (visa-free
from 2018, ``guy_visa_free_cub_2018``) head for Lethem (sources in ``routes.csv``). Before
the thirtieth pass the world had only the irregular river crossing into Venezuela, so they
went that way, on to Colombia and the Darien.
"""

from __future__ import annotations

import json
from pathlib import Path

from flowsim.model import FlowModel
from flowsim.scenario import load_scenario
from route_crossings import crossings_by_route

ROOT = Path(__file__).resolve().parents[1]
CROSSING = ("GUY-BRA-land", "BRA-GUY-land", "GUY-BRA-land-irregular", "BRA-GUY-land-irregular")


def test_the_crossing_is_a_formal_post_with_an_irregular_twin_both_ways(
    baseline_model: FlowModel,
):
    w = baseline_model.world_index
    ids = w.edge_id
    legal = {route: bool(w.edge_legal[ids.index(route)]) for route in CROSSING}
    assert legal == {
        "GUY-BRA-land": True,
        "BRA-GUY-land": True,
        "GUY-BRA-land-irregular": False,
        "BRA-GUY-land-irregular": False,
    }
    rev = w.edge_reverse[ids.index("GUY-BRA-land-irregular")]
    assert ids[rev] == "BRA-GUY-land-irregular"


def test_without_the_crossing_more_cubans_go_through_venezuela_and_the_darien(tmp_path):
    """Direction: closing Lethem-Bonfim sends Guyana's Cubans back to the Venezuelan shortcut.

    Summed over 2 seeds at 1,000 people per agent, 2018-2021. Measured when written: through
    the Darien 10,000 with the crossing against 36,000 without; Guyana to Venezuela 10,000
    against 42,000.
    """
    closed = "".join(f'[[world.routes]]\nroute = "{r}"\nclosed = true\n\n' for r in CROSSING)
    path = tmp_path / "no_lethem.toml"
    path.write_text(
        'name = "no_lethem"\n'
        f"extends = {json.dumps(str(ROOT / 'scenarios' / 'baseline'))}\n\n" + closed,
        encoding="utf-8",
    )
    seeds = (1, 2)
    settings = {"run.scale": 1000.0, "run.months": 84}
    shipped = load_scenario(ROOT / "scenarios" / "baseline.toml").with_overrides(settings)
    without = load_scenario(path).with_overrides(settings)
    routes = ("Darien Gap", "GUY-VEN-land")
    shipped_by_route = crossings_by_route(shipped, seeds, routes, "CUB", since="2018-01-01")
    without_by_route = crossings_by_route(without, seeds, routes, "CUB", since="2018-01-01")
    with_darien, with_venezuela = (shipped_by_route[r] for r in routes)
    no_darien, no_venezuela = (without_by_route[r] for r in routes)
    assert no_venezuela > 2 * with_venezuela, (with_venezuela, no_venezuela)
    assert no_darien > 1.5 * with_darien, (with_darien, no_darien)

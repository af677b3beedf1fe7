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


def test_without_the_crossing_fewer_cubans_fly_to_guyana(tmp_path):
    """Direction: Lethem-Bonfim is what makes Georgetown a gateway for Cubans.

    Closing the crossing, fewer Cubans fly to Guyana (the sources: Cubans landing in
    Georgetown head for Lethem). Summed over 4 seeds at 1,000 people per agent, 2018-2021.
    Measured in the thirty-third pass: 30,000 with the crossing against 21,000 without
    (21,000 against 5,000 in the thirty-second). Since the thirty-third pass the Haitians'
    rumour of 2021 describes the routes north; Cubans, the Haitians' smuggling-network
    peers, learn from the Haitians' extra crossings, and without Lethem-Bonfim more of
    Guyana's Cubans go on through Venezuela and the Darien again (19,000 through Venezuela
    and 18,000 through the Darien against 3,000 and 3,000 with ``route_info`` 0), as on the
    thirtieth and thirty-first passes' baselines (measured in the thirtieth: 10,000 against
    36,000 through the Darien over two seeds). That rerouting is not asserted: it moved with
    each pass.
    """
    closed = "".join(f'[[world.routes]]\nroute = "{r}"\nclosed = true\n\n' for r in CROSSING)
    path = tmp_path / "no_lethem.toml"
    path.write_text(
        'name = "no_lethem"\n'
        f"extends = {json.dumps(str(ROOT / 'scenarios' / 'baseline'))}\n\n" + closed,
        encoding="utf-8",
    )
    seeds = (1, 2, 3, 4)
    settings = {"run.scale": 1000.0, "run.months": 84}
    shipped = load_scenario(ROOT / "scenarios" / "baseline.toml").with_overrides(settings)
    without = load_scenario(path).with_overrides(settings)
    routes = ("CUB-GUY-air",)
    flown = crossings_by_route(shipped, seeds, routes, "CUB", since="2018-01-01")["CUB-GUY-air"]
    closed_flown = crossings_by_route(without, seeds, routes, "CUB", since="2018-01-01")[
        "CUB-GUY-air"
    ]
    assert flown > closed_flown + 5_000, (flown, closed_flown)
    assert flown >= 10_000, (flown, closed_flown)

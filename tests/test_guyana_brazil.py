"""The Lethem-Bonfim crossing: the sources' overland way out of Guyana goes through Brazil.

No road crosses the Guyana-Venezuela border; the Cubans landing in Georgetown (visa-free
from the run's start, ``visas.csv``) head for Lethem (sources in ``routes.csv``). Before
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


def test_the_crossing_takes_guyanas_cubans_into_brazil_not_venezuela(tmp_path):
    """Direction: Lethem-Bonfim is a way on from Georgetown (the sources' way: Cubans landing
    there head for Lethem; no road crosses into Venezuela).

    With the crossing, Cubans go on from Guyana into Brazil and fewer take the river into
    Venezuela; closed, none enter Brazil from Guyana and more go through Venezuela. Summed
    over 4 seeds at 1,000 people per agent, 2015-2021. Measured in the thirty-fifth pass:
    17,000 into Brazil (all by the irregular twin) against 0; 36,000 into Venezuela against
    73,000: twice as many still take the river as the road. The Cubans' flights to Guyana are
    not asserted; they moved with each pass: until the thirty-fourth pass
    (Guyana open to Cubans from 2018) closing the crossing cut the Cubans' flights to
    Guyana of 2018-2021 (30,000 against 21,000 in the thirty-third pass, 21,000 against
    5,000 in the thirty-second); since Guyana is open from the start, closing the crossing
    raises them (36,000 against 56,000 in 2018-2021), with more crossing the Darien
    (125,000 against 150,000 in 2015-2021).
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
    routes = ("GUY-BRA-land", "GUY-BRA-land-irregular", "GUY-VEN-land")
    open_ = crossings_by_route(shipped, seeds, routes, "CUB")
    shut = crossings_by_route(without, seeds, routes, "CUB")
    into_brazil = [c["GUY-BRA-land"] + c["GUY-BRA-land-irregular"] for c in (open_, shut)]
    assert into_brazil[1] == 0.0, into_brazil
    assert into_brazil[0] >= 5_000, into_brazil
    assert open_["GUY-VEN-land"] + 10_000 < shut["GUY-VEN-land"], (open_, shut)

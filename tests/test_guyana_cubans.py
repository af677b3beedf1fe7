"""Guyana admits Cubans without visas from the run's start (``visas.csv``, row ``GUY,CUB``).

The policy timeline dates the opening 2018-01, but Cubans flew to Georgetown without visas
in 2016, after Ecuador's visa of December 2015 (14ymedio, 15 November 2016), and no source
dates a change within 2015-2016. Until the thirty-fifth pass the baseline replayed the 2018
date (``guy_visa_free_cub_2018``); the tests compare with that date restored.
"""

from __future__ import annotations

import json
from pathlib import Path

from flowsim.scenario import load_scenario
from flowsim.world import load_world
from route_crossings import crossings_in, flow_tables

ROOT = Path(__file__).resolve().parents[1]
SETTINGS = {"run.scale": 1000.0, "run.months": 48}
SEEDS = (1, 2)


def test_the_visa_table_lets_cubans_into_guyana_with_its_source():
    visas = load_world().visas
    row = visas[(visas["destination"] == "GUY") & (visas["nationality"] == "CUB")]
    assert len(row) == 1
    assert not bool(row["visa_required"].iloc[0])
    assert "14ymedio, 15 November 2016" in row["source"].iloc[0]


def _old_date(tmp_path: Path) -> Path:
    """The shipped baseline with Guyana's visa for Cubans held until 2017-12 (the old date)."""
    path = tmp_path / "guyana_2018.toml"
    path.write_text(
        'name = "guyana_2018"\n'
        f"extends = {json.dumps(str(ROOT / 'scenarios' / 'baseline'))}\n\n"
        "[[policy]]\n"
        'type = "visa_requirement"\n'
        'name = "guy_visa_cub_until_2018"\n'
        'country = "GUY"\n'
        'nationalities = ["CUB"]\n'
        "required = true\n"
        'start = "2015-01"\n'
        'end = "2017-12"\n',
        encoding="utf-8",
    )
    return path


def _crossings_2016_2017(path: Path) -> dict[str, float]:
    """Cubans on the flights to Guyana and through the Darien, 2016-2017, over ``SEEDS``."""
    tables = flow_tables(load_scenario(path).with_overrides(SETTINGS), SEEDS)
    routes = ("CUB-GUY-air", "Darien Gap")
    return crossings_in(tables, routes, "CUB", since="2016-01-01", until="2018-01-01")


def test_cubans_fly_to_guyana_and_cross_the_darien_in_2016_2017(tmp_path):
    """Direction: with the 2018 date no Cuban flies to Guyana in 2016-2017 and fewer cross
    the Darien in 2016-2017 (Panama counted 7,383 and 736 Cubans).

    Summed over 2 seeds at 1,000 people per agent, at the shipped point. Measured when
    written: flights to Guyana in 2016-2017 13,000 against 0; Darien crossings of 2016-2017
    8,000 against 3,000 (3,000 and 5,000 in 2016 and 2017 against 2,000 and 1,000); by sea in 2016
    8,000 against 10,000 (not asserted: two agents in all).
    """
    shipped = _crossings_2016_2017(ROOT / "scenarios" / "baseline.toml")
    old = _crossings_2016_2017(_old_date(tmp_path))
    flights = [c["CUB-GUY-air"] for c in (shipped, old)]
    darien = [c["Darien Gap"] for c in (shipped, old)]
    assert flights[1] == 0.0, flights
    assert flights[0] >= 5_000, flights
    assert darien[0] > darien[1] + 3_000, darien

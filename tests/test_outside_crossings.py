"""Crossings by people the model does not simulate (``outside_crossings.csv``).

They enter route knowledge as a network peer's crossings do (``flowsim.model.knowledge``):
the members of their smuggling network learn the route from them with weight
``know_spill_network``, everyone else with ``know_spill``; remembered with
``know_memory_months``, starting from the steady state of the year before the run. The
default world's rows are the Darien's crossers beyond the five modelled nationalities
(Panama's totals minus the modelled rows), in the Cubans' and Haitians' network.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest

from flowsim.errors import WorldError
from flowsim.model import FlowModel
from flowsim.model.knowledge import outside_flow_in, unknown_share
from flowsim.scenario import Scenario
from flowsim.world import World, load_world
from route_crossings import crossings_in
from toy_world import write_toy_world

ROOT = Path(__file__).resolve().parents[1]

HEADER = "route,year,people_per_year,network,source\n"


def _scenario(months: int = 1, **params: float) -> Scenario:
    return Scenario.model_validate(
        {
            "name": "toy",
            "run": {"start": "2015-01", "months": months, "scale": 100},
            "parameters": {"b_know": 4.0, "know_spill": 0.0, "know_spill_network": 1.0, **params},
        }
    )


def _toy(tmp_path: Path, outside: str, members: tuple[str, ...] = ("AAA", "BBB")) -> World:
    folder = write_toy_world(tmp_path / "toy")
    rows = "".join(f"n1,{m},t\n" for m in members)
    (folder / "smuggling_networks.csv").write_text("network,nationality,source\n" + rows)
    if outside:  # no file: the world has no such crossings
        (folder / "outside_crossings.csv").write_text(HEADER + outside)
    return load_world(folder)


def _unknown(model: FlowModel, nationality: str, route: str) -> float:
    w = model.world_index
    return float(unknown_share(model)[w.node(nationality), w.edge_label.index(route)])


def test_outsiders_teach_their_network_s_members_only(tmp_path):
    without = FlowModel(_scenario(), world=_toy(tmp_path / "a", ""))
    rows = "Last border,2014,6000,n1,t\nLast border,2015,6000,n1,t\n"
    members = FlowModel(_scenario(), world=_toy(tmp_path / "b", rows))
    others = FlowModel(_scenario(), world=_toy(tmp_path / "c", rows, members=("BBB", "CCC")))
    assert _unknown(members, "AAA", "Last border") < _unknown(without, "AAA", "Last border")
    assert _unknown(others, "AAA", "Last border") == _unknown(without, "AAA", "Last border")
    assert _unknown(members, "AAA", "First border") == _unknown(without, "AAA", "First border")
    # at know_spill > 0 everyone learns a little from them
    spill = FlowModel(_scenario(know_spill=0.5), world=_toy(tmp_path / "d", rows, ("BBB",)))
    base = FlowModel(_scenario(know_spill=0.5), world=_toy(tmp_path / "e", "", ("BBB",)))
    assert _unknown(spill, "AAA", "Last border") < _unknown(base, "AAA", "Last border")


def test_the_memory_starts_from_the_year_before_and_moves_to_each_year_s_flow(tmp_path):
    """Start = the year before's flow / 12 * know_memory_months; then each month fades by
    ``keep`` and adds the year's flow / 12, so it closes ``keep ** 12`` of the gap a year."""
    rows = "Last border,2014,3000,n1,t\nLast border,2015,6000,n1,t\nLast border,2016,0,n1,t\n"
    model = FlowModel(_scenario(months=24), world=_toy(tmp_path, rows))
    w, memory = model.world_index, model.params.know_memory_months
    last, keep = w.edge_label.index("Last border"), 1 - 1 / memory
    np.testing.assert_allclose(model.outside_use[0, last], 3000 / 12 * memory)
    model.run_months(12)  # 2015: from 3,000's fixed point towards 6,000's
    after_2015 = memory / 12 * (6000 + (3000 - 6000) * keep**12)
    np.testing.assert_allclose(model.outside_use[0, last], after_2015)
    model.run_months(12)  # 2016: none cross, it fades
    np.testing.assert_allclose(model.outside_use[0, last], after_2015 * keep**12)


def test_kin_weigh_outsiders_by_kin_spill(tmp_path):
    """What kin vouch for is their own people's crossings: at kin_spill 0 outsiders count
    for route choice, not for kin."""
    rows = "Last border,2014,6000,n1,t\nLast border,2015,6000,n1,t\n"
    with_ = FlowModel(_scenario(kin_spill=0.0), world=_toy(tmp_path / "a", rows))
    without = FlowModel(_scenario(kin_spill=0.0), world=_toy(tmp_path / "b", ""))
    w = with_.world_index
    aaa, last = w.node("AAA"), w.edge_label.index("Last border")
    assert unknown_share(with_)[aaa, last] < unknown_share(without)[aaa, last]
    assert unknown_share(with_, kin=True)[aaa, last] == unknown_share(without, kin=True)[aaa, last]


def test_after_the_table_s_last_year_its_last_flow_holds_and_before_its_first_none(tmp_path):
    rows = "Last border,2015,1200,n1,t\nLast border,2017,2400,n1,t\n"
    w = FlowModel(_scenario(), world=_toy(tmp_path, rows)).world_index
    last = w.edge_label.index("Last border")
    assert outside_flow_in(w, 2014)[0, last] == 0.0
    assert outside_flow_in(w, 2016)[0, last] == 1200.0
    assert outside_flow_in(w, 2030)[0, last] == 2400.0


def test_the_embedded_world_s_outsiders_are_panama_s_totals_beyond_the_modelled_rows():
    """2015-2021 rows equal Panama's yearly total minus the five modelled nationalities."""
    from flowsim.calibration.targets import load_targets

    model = FlowModel(_scenario())
    w = model.world_index
    darien = w.edge_label.index("Darien Gap")
    targets = load_targets().set_index("target_id")["value"]
    for year in range(2015, 2022):
        modelled = sum(targets[f"darien|{n}|{year}"] for n in ("VEN", "HTI", "ECU", "CUB", "COL"))
        expected = targets[f"darien|all|{year}"] - modelled
        assert outside_flow_in(w, year)[0, darien] == pytest.approx(expected), year
    cub, hti = w.node("CUB"), w.node("HTI")
    assert w.outside_members[[cub, hti], 0].tolist() == [1.0, 1.0]
    assert w.outside_members.sum() == 2.0


@pytest.mark.parametrize(
    ("row", "column", "allowed"),
    [
        ("Last border,2015,100,nowhere,t\n", "network", "allowed: n1"),
        ("Nowhere road,2015,100,n1,t\n", "route", "is not a route"),
    ],
)
def test_bad_rows_name_the_file_the_column_and_what_is_allowed(tmp_path, row, column, allowed):
    with pytest.raises(WorldError) as err:
        _toy(tmp_path, row)
    text = str(err.value)
    assert "outside_crossings.csv" in text and column in text and allowed in text, text


def test_on_the_baseline_the_darien_s_other_crossers_bring_more_cubans_and_haitians(tmp_path):
    """Direction: without the table, Cubans and Haitians know the Darien less and cross less.

    Summed over 3 seeds at 1,000 people per agent, 2016-2020. Measured when written, with
    the table against without: Haitians 94,000 against 76,000, Cubans 25,000 against 16,000
    (119,000 against 92,000 together).
    """
    from flowsim.scenario import load_scenario

    folder = tmp_path / "world"
    shutil.copytree(ROOT / "src" / "flowsim" / "data", folder)
    (folder / "outside_crossings.csv").unlink()
    without_table = load_world(folder)
    scenario = load_scenario(ROOT / "scenarios" / "baseline.toml").with_overrides(
        {"run.scale": 1000.0, "run.months": 72}
    )
    totals = []
    for world in (None, without_table):
        tables = []
        for seed in (1, 2, 3):
            model = FlowModel(scenario, seed=seed, agents=False, world=world)
            model.run_months()
            flows = model.recorder.flow_table()
            tables.append(flows[flows["month"].astype(str) >= "2016-01"])
        totals.append(
            sum(crossings_in(tables, ("Darien Gap",), nat)["Darien Gap"] for nat in ("HTI", "CUB"))
        )
    with_, without = totals
    assert with_ > 1.15 * without, (with_, without)


def test_a_legal_route_or_a_missing_network_table_is_one_clear_line(tmp_path):
    folder = write_toy_world(tmp_path / "legal", legal=True)
    (folder / "smuggling_networks.csv").write_text("network,nationality,source\nn1,AAA,t\n")
    (folder / "outside_crossings.csv").write_text(HEADER + "Last border,2015,100,n1,t\n")
    with pytest.raises(WorldError) as err:
        load_world(folder)
    assert "is a legal route" in str(err.value) and "outside_crossings.csv" in str(err.value)
    folder = write_toy_world(tmp_path / "alone")
    rows = "Last border,2015,100,n1,t\nLast border,2016,100,n1,t\n"
    (folder / "outside_crossings.csv").write_text(HEADER + rows)
    with pytest.raises(WorldError) as err:
        load_world(folder)
    lines = [line for line in str(err.value).splitlines() if "outside_crossings.csv" in line]
    assert len(lines) == 1 and "smuggling_networks.csv" in lines[0], str(err.value)

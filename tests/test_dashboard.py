"""Dashboard pure functions: levers -> scenario, bad input -> message, live numbers."""

from __future__ import annotations

from pathlib import Path

import pytest

from flowsim.dashboard.browse import compare_table, open_folder
from flowsim.dashboard.levers import (
    ANDEAN_HOSTS,
    BUILT_IN,
    LeverError,
    Levers,
    build_scenario,
    describe,
    scenario_choices,
)
from flowsim.dashboard.live import LiveModel
from test_analysis_fixture import write_results

SCENARIOS = Path(__file__).resolve().parents[1] / "scenarios"


def test_scenario_choices_put_baseline_first(tmp_path: Path) -> None:
    choices = scenario_choices(SCENARIOS)
    assert choices[0] == "baseline.toml"
    assert "darien_enforcement.toml" in choices
    assert scenario_choices(tmp_path) == [BUILT_IN]


def test_no_levers_keeps_the_file_and_sets_window_and_scale() -> None:
    base = build_scenario(Levers(scenario="baseline.toml"), SCENARIOS)
    s = build_scenario(Levers(start="2018-01", scale="20000"), SCENARIOS)
    assert s.name == "baseline"
    assert s.policies == base.policies
    assert s.run.start == "2018-01" and s.run.scale == 20000
    assert s.run.end_index == base.run.end_index


def test_levers_add_policies_without_touching_the_file() -> None:
    text = (SCENARIOS / "baseline.toml").read_text()
    levers = Levers(
        levers_from="2016-06",
        integration_level=0.5,
        regularization=True,
        arrived_before="2016-01",
        pathway_slots="100,000",
        darien_interception=0.4,
    )
    s = build_scenario(levers, SCENARIOS)
    assert (SCENARIOS / "baseline.toml").read_text() == text
    added = {p.name: p for p in s.policies if p.name.startswith("dashboard_")}
    assert added["dashboard_integration"].level == 0.5
    assert added["dashboard_integration"].countries == ANDEAN_HOSTS
    regs = [p for n, p in added.items() if n.startswith("dashboard_regularization_")]
    assert {p.country for p in regs} == set(ANDEAN_HOSTS)
    assert all(p.arrived_before == "2016-01" and p.start == "2016-06" for p in regs)
    assert added["dashboard_pathway"].slots_per_year == 100_000
    assert added["dashboard_darien"].interception == 0.4
    assert added["dashboard_darien"].routes == ("Darien Gap",)
    assert s.name == "baseline_levers"
    assert "Darien interception 0.40" in describe(levers)


@pytest.mark.parametrize(
    ("levers", "expected"),
    [
        (Levers(start="2015-13"), "start month: '2015-13' is not a month"),
        (Levers(pathway_slots="lots"), "pathway slots per year: 'lots' is not a number"),
        (Levers(pathway_slots="-5"), "pathway slots per year: -5 must be at least 0"),
        (Levers(scale="0"), "people per agent: 0 must be above 0"),
        (Levers(regularization=True, arrived_before="soon"), "arrived-before cutoff"),
        (Levers(start="2040-01"), "after the scenario's last month"),
        (Levers(scenario="nope.toml"), "scenario file 'nope.toml' not found"),
    ],
)
def test_bad_input_gives_a_message(levers: Levers, expected: str) -> None:
    with pytest.raises(LeverError, match=expected.replace("(", r"\(")):
        build_scenario(levers, SCENARIOS)


def test_every_problem_is_listed_at_once() -> None:
    with pytest.raises(LeverError) as info:
        build_scenario(Levers(start="x", pathway_slots="y", scale="z"), SCENARIOS)
    assert len(str(info.value).splitlines()) == 3


def test_live_model_never_raises_on_bad_input_and_says_why() -> None:
    model = LiveModel(pathway_slots="abc", scenarios_dir=str(SCENARIOS))
    assert model.problem
    assert "pathway slots per year: 'abc' is not a number" in model.message
    assert model.scenario.name == "baseline"
    model.step()
    assert model.snapshot().month == "2015-01"


def test_live_model_steps_and_counts_onward_moves() -> None:
    model = LiveModel(scale="5000", scenarios_dir=str(SCENARIOS))
    assert not model.problem and model.snapshot().month == "not started"
    for _ in range(36):
        model.step()
    snap = model.snapshot()
    assert snap.month == "2017-12" and snap.months_done == 36
    assert snap.onward_total > 0 and snap.abroad > 0
    assert snap.onward_total >= snap.onward_month


def test_live_model_stops_at_the_last_month() -> None:
    model = LiveModel(scale="50000", start="2030-11", scenarios_dir=str(SCENARIOS))
    model.step()
    model.step()
    assert not model.running and "Run complete" in model.message
    model.step()  # a stopped run ignores further steps
    assert model.snapshot().months_done == 2


def test_results_browser_reports_missing_folders(tmp_path: Path) -> None:
    assert "flowsim dashboard RESULTS_DIR" in open_folder(None).message
    assert "does not exist" in open_folder(tmp_path / "none").message
    assert open_folder(tmp_path).frames is None


def test_compare_table_of_a_folder(tmp_path: Path) -> None:
    opened = open_folder(write_results(tmp_path / "res"))
    assert opened.frames is not None and opened.message == ""
    table = compare_table(opened.frames, "onward_moves", opened.baseline)
    assert table["Scenario"].iloc[0] == "Baseline"
    assert table["Change vs baseline"].iloc[0] == "(baseline)"
    # the change columns come first, so they are visible without scrolling
    assert list(table.columns[:4]) == [
        "Scenario",
        "Change vs baseline",
        "90% interval of change",
        "Relative change",
    ]
    assert len(table) == len(opened.frames.scenarios)
    assert table["Change vs baseline"].iloc[1:].str.match(r"^([+-]|no change)").all()


def test_the_abroad_figure_is_the_model_s_stock_abroad_every_month() -> None:
    """The headline follows the model month by month (the browser test sees it change)."""
    model = LiveModel(scale="5000", scenarios_dir=str(SCENARIOS))
    shown = []
    for _ in range(6):
        model.step()
        P = model.flow.population
        abroad = P.alive & ~P.in_transit & (P.location != P.nationality)
        assert model.snapshot().abroad == abroad.sum() * model.flow.scale
        shown.append(model.snapshot().abroad)
    assert len(set(shown)) > 1, shown

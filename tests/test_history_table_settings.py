"""``benchmarks/history_table.py --set``: the scenario it writes loads, last value wins."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

from flowsim.scenario import load_scenario

ROOT = Path(__file__).resolve().parents[1]


def _history_table():
    spec = importlib.util.spec_from_file_location(
        "history_table", ROOT / "benchmarks" / "history_table.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_a_name_given_twice_keeps_its_last_value(tmp_path):
    ht = _history_table()
    settings = ["hazard_max=0.15", "b_herd=1", "hazard_max=0.3"]
    path = ht.with_parameters(ROOT / "scenarios" / "baseline.toml", settings, tmp_path)
    scenario = load_scenario(path)
    assert scenario.parameters.hazard_max == pytest.approx(0.3)
    assert scenario.parameters.b_herd == pytest.approx(1.0)


def test_a_setting_without_a_value_is_one_line(tmp_path):
    ht = _history_table()
    with pytest.raises(SystemExit, match="expected name=value") as refused:
        ht.with_parameters(ROOT / "scenarios" / "baseline.toml", ["b_herd"], tmp_path)
    assert "\n" not in str(refused.value)
    assert not (tmp_path / "profile_scenario.toml").exists()  # nothing written


@pytest.mark.parametrize("bad", ["b_herd=", "b_herd=x"])
def test_a_value_that_is_not_a_number_is_one_line(tmp_path, bad):
    ht = _history_table()
    with pytest.raises(SystemExit, match="must be a number") as refused:
        ht.with_parameters(ROOT / "scenarios" / "baseline.toml", [bad], tmp_path)
    assert "\n" not in str(refused.value)

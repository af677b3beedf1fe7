"""Home fades with years abroad (``Parameters.home_fade_years``).

A migrant abroad who chooses weighs going home with ``b_home * exp(-years here /
home_fade_years)``; 0 keeps the full attachment (the model before the parameter). The toy
world's diaspora in BBB (arrived 2010-2015) meets a wage collapse that makes many leave.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from conservation import assert_conserved
from flowsim.model import FlowModel
from flowsim.model.utility import faded_attachment
from flowsim.parameters import Parameters
from flowsim.scenario import Scenario
from flowsim.world import load_world
from toy_world import crash_scenario, write_toy_diaspora


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    return load_world(write_toy_diaspora(tmp_path_factory.mktemp("toy") / "toy"))


def _run(world, seed: int, **params) -> tuple[FlowModel, pd.DataFrame]:
    model = FlowModel(crash_scenario(24, {"b_home": 3.0, **params}), world=world, seed=seed)
    model.run_months()
    return model, model.recorder.timeseries()


def _total(ts: pd.DataFrame, variable: str) -> float:
    return float(ts[ts.variable == variable].value.sum())


def test_the_faded_part_grows_with_years_and_is_zero_when_off():
    months = np.array([0, 12, 60, 600])
    p = Parameters(b_home=3.0, home_fade_years=5.0)
    lost = faded_attachment(months, p)
    assert lost[0] == 0.0 and np.all(np.diff(lost) > 0) and lost[-1] < 3.0
    assert lost[2] == pytest.approx(3.0 * (1.0 - np.exp(-1.0)))
    assert not faded_attachment(months, Parameters(b_home=3.0)).any()


def test_fading_lowers_returns_and_keeps_people_abroad(world):
    # paired seeds: the same diaspora and draws; only the weight of home in choices differs
    seeds = (1, 2, 3)
    full = [_run(world, s)[1] for s in seeds]
    faded = [_run(world, s, home_fade_years=2.0)[1] for s in seeds]
    returns_full = sum(_total(t, "journeys_return") for t in full)
    returns_faded = sum(_total(t, "journeys_return") for t in faded)
    assert returns_full > 1000, returns_full  # the crash sends many home without fading
    assert returns_faded < 0.8 * returns_full, (returns_full, returns_faded)

    def abroad_at_end(ts: pd.DataFrame) -> float:
        last = ts[(ts.variable == "stock") & (ts.month == ts.month.max())]
        return float(last[last.country != "AAA"].value.sum())

    assert sum(map(abroad_at_end, faded)) > sum(map(abroad_at_end, full))


def test_conservation_with_fading(world):
    model, ts = _run(world, seed=7, home_fade_years=2.0)
    assert_conserved(model, ts)


@pytest.mark.parametrize("bad", [-1.0, 51.0])
def test_out_of_range_is_refused_naming_the_key(bad):
    with pytest.raises(ValueError, match="home_fade_years"):
        Scenario(name="t", parameters={"home_fade_years": bad})


def test_a_scenario_file_sets_it(tmp_path: Path):
    from flowsim.scenario import load_scenario

    path = tmp_path / "s.toml"
    path.write_text('name = "s"\n[parameters]\nhome_fade_years = 4.0\n')
    assert load_scenario(path).parameters.home_fade_years == 4.0


def test_the_wish_sees_the_fade_when_asked_and_fewer_long_settled_move(world):
    # home_fade_in_wish 1: the group's wish to move sees its members' mean faded attachment,
    # so a diaspora long abroad whose home is its best option reconsiders less often
    seeds = (1, 2, 3)

    def left(ts: pd.DataFrame) -> float:
        moved = ts.variable.isin(["journeys_onward", "journeys_return"]) & (ts.country == "BBB")
        return float(ts[moved].value.sum())

    split = sum(left(_run(world, s, home_fade_years=2.0)[1]) for s in seeds)
    whole = sum(left(_run(world, s, home_fade_years=2.0, home_fade_in_wish=1.0)[1]) for s in seeds)
    assert whole < 0.9 * split, (split, whole)


def test_the_group_mean_fade_is_taken_off_home_abroad_only():
    from flowsim.model.classes import TIERS
    from flowsim.model.decide import _fade_home_in_wish

    p = Parameters(b_home=2.0, home_fade_years=1.0, home_fade_in_wish=0.5)
    n, n_cls = 2, 2 * TIERS  # two countries, nationality 0 and 1
    g_util = np.zeros((n_cls, n, n))
    # two settled agents of class 0 (nationality 0) living in country 1, 12 and 36 months
    group = np.array([0 * n + 1, 0 * n + 1, 0 * n + 0])
    settled = np.array([True, True, True])
    counts = np.bincount(group, minlength=n_cls * n).astype(float)
    months = np.array([12, 36, 60])
    _fade_home_in_wish(g_util, group, settled, counts, months, p)
    mean = np.mean(faded_attachment(months[:2], p))
    assert g_util[0, 1, 0] == pytest.approx(-0.5 * mean)  # abroad: home option lowered
    assert g_util[0, 0, 0] == 0.0  # at home: nothing
    assert np.count_nonzero(g_util) == 1

"""Darien-style observation: crossings flagged by whether the crosser had lived abroad."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from flowsim.calibration.observe import secondary_share
from flowsim.cli.main import main
from flowsim.model import FlowModel
from flowsim.scenario import Scenario
from flowsim.world import load_world
from toy_world import write_toy_world


def test_first_month_crossers_have_not_lived_abroad(tmp_path):
    world = load_world(write_toy_world(tmp_path / "toy", months_ab=0.3))
    s = Scenario(
        name="toy",
        run={"start": "2015-01", "months": 12, "scale": 100.0},
        parameters={"residence_months": 3},
    )
    model = FlowModel(s, world=world, seed=4)
    model.add_emigrants("AAA", 40)
    model.step()
    fl = model.recorder.flow_table()
    assert fl["people"].sum() > 0
    assert not fl["lived_in_third"].any(), "nobody has lived abroad yet"
    P = model.population
    assert not P.lived_abroad.any()
    model.run_months(2)
    assert not P.lived_abroad.any(), "two months abroad are a stop, not a residence"
    model.run_months(9)
    # the flag is set only for agents who have made a journey
    assert P.lived_abroad.any()
    assert (P.moves[P.lived_abroad] >= 1).all()


def test_the_residence_threshold_relabels_journeys_and_changes_no_decision(tmp_path):
    """Stays shorter than residence_months are stops: fewer onward, as many journeys."""
    world = load_world(write_toy_world(tmp_path / "toy", push=30_000))

    models = {}

    def flows(months: int) -> pd.DataFrame:
        s = Scenario(
            name="toy",
            run={"start": "2015-01", "months": 36, "scale": 100.0},
            parameters={"hazard_max": 0.3, "residence_months": months},
        )
        models[months] = model = FlowModel(s, world=world, seed=5)
        model.run_months()
        return model.recorder.flow_table()

    short, usual = flows(1), flows(12)
    # a first journey starts at home; leaving a stop continues it and starts no journey
    for model in models.values():
        ts = model.recorder.timeseries()
        first = ts[ts.variable == "journeys_first"]
        assert first["value"].sum() > 0 and (first.country == first.nationality).all()
    started = {
        m: model.recorder.timeseries().query("variable.str.startswith('journeys_')")["value"].sum()
        for m, model in models.items()
    }
    assert started[12] < started[1], started
    by_route = [f.groupby("route")["people"].sum() for f in (short, usual)]
    pd.testing.assert_series_equal(by_route[0], by_route[1])  # same crossings
    onward = [float(f.loc[f.kind == "onward", "people"].sum()) for f in (short, usual)]
    third = [float(f.loc[f.lived_in_third, "people"].sum()) for f in (short, usual)]
    assert onward[0] > onward[1] and third[0] > third[1], (onward, third)


def _toy_results(tmp_path: Path, policies: str = "") -> Path:
    """Run the toy line (36 months from 2015-01) through the CLI; return the results folder."""
    world = write_toy_world(tmp_path / "toy", push=30000)
    scen = tmp_path / "toy.toml"
    scen.write_text(
        'name = "toy"\n[run]\nstart = "2015-01"\nmonths = 36\nscale = 100\nseed = 3\n'
        "[parameters]\nhazard_max = 0.3\n" + policies
    )
    out = tmp_path / "res"
    assert main(["run", str(scen), "--world", str(world), "--out", str(out)]) == 0
    return out


def test_secondary_share_from_a_results_folder(tmp_path):
    out = _toy_results(tmp_path)
    share = secondary_share(out, route="Last border")
    fl = pd.read_parquet(out / "flows.parquet")
    fl = fl[fl.route == "Last border"]
    fl = fl.assign(year=pd.to_datetime(fl.month).dt.year.astype(str))
    assert len(share) > 0 and fl.lived_in_third.any()
    for year, rows in fl.groupby("year"):
        expect = rows.loc[rows.lived_in_third, "people"].sum() / rows.people.sum()
        got = share[(share.nationality == "ALL") & (share.period == year)].share.item()
        assert np.isclose(got, expect)
    assert ((share.share >= 0) & (share.share <= 1)).all()


def test_the_initial_stock_leaves_a_residence_and_a_stop_is_no_new_journey(tmp_path):
    """2015 residents moving on make onward journeys whatever their months there; a
    newcomer forced on from a stop continues its journey, counted once."""
    from flowsim.vocab import INITIAL_COHORT

    world = load_world(write_toy_world(tmp_path / "toy", months_ab=0.3))
    s = Scenario(name="toy", run={"start": "2015-01", "months": 12, "scale": 100.0})
    model = FlowModel(s, world=world, seed=4)
    model.add_emigrants("AAA", 60)
    model.run_months(3)
    P = model.population
    bbb = model.world_index.node("BBB")
    here = np.flatnonzero(P.alive & ~P.in_transit & (P.location == bbb))
    assert len(here) >= 10 and (P.months_here[here] < 12).all()
    residents = here[: len(here) // 2]
    P.cohort[residents] = INITIAL_COHORT
    P.moves[residents] = 1  # as the initial stock is placed (flowsim.model.initial)
    model.pending_forced = here.astype(model.pending_forced.dtype)  # all must move on
    before = model.recorder.timeseries()
    model.step()
    after = model.recorder.timeseries()

    def started(ts: pd.DataFrame, variable: str) -> float:
        rows = ts[(ts.variable == variable) & (ts.country == "BBB")]
        return float(rows["value"].sum())

    onward = started(after, "journeys_onward") - started(before, "journeys_onward")
    first = started(after, "journeys_first") - started(before, "journeys_first")
    returns = started(after, "journeys_return") - started(before, "journeys_return")
    settled_left = started(after, "left_residence") - started(before, "left_residence")
    aaa, half = model.world_index.node("AAA"), len(residents)
    left = P.in_transit[here] | (P.location[here] != bbb)
    home = left & ((P.location[here] == aaa) | (P.dest[here] == aaa))
    on = left & ~home
    assert on[:half].sum() > 0 and on[half:].sum() > 0, "both groups move on"
    assert onward == 100.0 * on[:half].sum(), "only the residents start onward journeys"
    assert first == 0.0, "leaving a stop starts no first journey"
    assert returns == 100.0 * home.sum(), "a return is a new journey, counted once"
    assert settled_left == 100.0 * left[:half].sum(), "only residents leave a residence"
    assert left[half:].sum() > 0, "newcomers at a stop left too, uncounted"


def test_observations_from_a_results_folder_read_every_variable_they_need(tmp_path):
    """``observe_results`` (a results folder) gives what ``observe_tables`` gives on its tables."""
    from flowsim.calibration.observe import observe_results, observe_tables
    from flowsim.results import open as open_results

    regularization = (
        '[[policy]]\ntype = "regularization"\nname = "reg"\ncountry = "BBB"\n'
        'start = "2015-06"\nend = "2016-12"\n'
    )
    out = _toy_results(tmp_path, regularization)
    row = {"group": "g", "indicator": "", "place": "", "unit": "", "from_country": ""}
    row |= {"mode": "", "route": "", "nationalities": "AAA", "weight": 1.0, "obs_error": 0.1}
    row |= {"observation": "", "source_url": "", "value": 1.0}
    targets = pd.DataFrame(
        [
            {**row, "target_id": f"{k}|{c}", "kind": k, "country": c, "period": "2016"}
            for k in ("departures", "stock", "regularized")
            for c in ("BBB", "CCC")
            if k != "regularized" or c == "BBB"
        ]
    )
    ts = pd.read_parquet(out / "timeseries.parquet")
    fl = pd.read_parquet(out / "flows.parquet")
    direct = observe_tables(targets, ts, fl).iloc[0]
    assert (direct > 0).all()  # residents of BBB and CCC left in 2016; BBB granted permits
    folder = observe_results(open_results(out), targets).iloc[0]
    assert np.allclose(folder.to_numpy(), direct.to_numpy())

"""History matching on a toy world: parameter recovery from the model's own output,
resumability, and the implausibility arithmetic."""

from __future__ import annotations

import json
import shutil
from dataclasses import asdict
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from flowsim.calibration.history_matching import (
    RANKS,
    Problem,
    Scorer,
    Settings,
    group_implausibility,
    implausibility,
    kth_largest,
    latin_hypercube,
    maximin_subset,
    run_history_matching,
    run_implausibility,
)
from flowsim.calibration.observe import observe_run
from flowsim.calibration.space import FreeParameter, calibration_scenario, narrowed
from flowsim.calibration.synthetic import synthetic_targets
from flowsim.calibration.targets import TARGET_COLUMNS
from flowsim.engine.executors import SerialExecutor
from flowsim.engine.run import RunSpec, run_one
from flowsim.rng import replicate_seed
from flowsim.scenario.schema import RunSettings, Scenario
from toy_world import write_toy_world

TRUTH = {"push_scale": 1.5, "hazard_max": 0.1, "b_int": 2.0}
SPACE = (
    FreeParameter("push_scale", 0.3, 3.0, log=True),
    FreeParameter("hazard_max", 0.01, 0.5, log=True),
    FreeParameter("b_int", 0.0, 6.0),  # no effect on a world without policies: not identifiable
)


def test_implausibility_arithmetic() -> None:
    imp = implausibility(
        np.array([0.0, 1.0]), np.array([[3.0, 1.0]]), np.zeros((1, 2)), np.ones(2), np.zeros((1, 2))
    )
    assert imp.tolist() == [[3.0, 0.0]]
    values = np.array([[1.0, 5.0, 3.0]])
    assert kth_largest(values, 1)[0] == 5.0 and kth_largest(values, 2)[0] == 3.0
    # an interval (low row, high row): 0 inside, the distance to the nearer bound outside
    bounds = np.array([[0.0, 0.0, 0.0], [2.0, 2.0, 2.0]])
    mean = np.array([[-1.0, 1.5, 4.0]])
    imp = implausibility(bounds, mean, np.zeros((1, 3)), np.full(3, 4.0), np.zeros((1, 3)))
    assert imp.tolist() == [[0.5, 0.0, 1.0]]
    # equal bounds, or one row of observations, are the point formula bit for bit
    z, m = np.array([0.3, -1.7]), np.array([[1.1, 0.2], [-4.0, 9.0], [0.0, 0.0]])
    v_em, v_fixed, v_ens = np.full((3, 2), 0.1), np.array([0.2, 0.3]), np.full((3, 2), 0.05)
    point = np.abs(z - m) / np.sqrt(v_em + v_fixed + v_ens)
    assert np.array_equal(implausibility(z, m, v_em, v_fixed, v_ens), point)
    assert np.array_equal(implausibility(np.vstack([z, z]), m, v_em, v_fixed, v_ens), point)


def test_group_implausibility_weighs_each_group_once() -> None:
    # three targets of group a at 1, one of group b at 5: the groups' mean, not the targets'
    imp = np.array([[1.0, 1.0, 1.0, 5.0]])
    assert group_implausibility(imp, ["a", "a", "a", "b"])[0] == pytest.approx(3.0)
    # within a group, the root mean square weighted by the targets' weights
    weighted = group_implausibility(np.array([[1.0, 1.0, 4.0]]), ["a"] * 3, np.array([1, 1, 2]))
    assert weighted[0] == pytest.approx(np.sqrt((1 + 1 + 2 * 16) / 4))
    # the order of the columns does not matter; an unmeasured target makes it infinite
    cols = [3, 0, 2, 1]
    assert group_implausibility(imp[:, cols], ["b", "a", "a", "a"])[0] == pytest.approx(3.0)
    assert np.isinf(group_implausibility(np.array([[1.0, np.inf]]), ["a", "b"]))[0]


def test_the_group_rank_sees_every_group_where_the_kth_sees_two_misfits() -> None:
    """Two structural misfits hold the top of every point: the kth largest ranks by them.

    Point 0 is a hair better on the misfits and far worse everywhere else; the kth measure
    prefers it, the group measure the point that fits the other groups.
    """
    groups = ("misfit", "misfit", "r4v", "r4v", "darien")
    scorer = Scorer(kth=2, groups=groups, weights=np.ones(5))
    imp = np.array([[6.0, 5.9, 2.9, 2.9, 2.9], [6.0, 6.0, 0.5, 0.5, 0.5]])
    assert scorer(imp, "kth").argmin() == 0
    assert scorer(imp, "groups").argmin() == 1
    with pytest.raises(ValueError, match="rank must be one of kth, groups"):
        Settings(rank="mean")
    with pytest.raises(ValueError, match="measure must be one of kth, groups"):
        scorer(imp, "mean")


def test_a_matching_that_nothing_passes_keeps_the_least_implausible_by_its_rank(
    tmp_path: Path,
) -> None:
    problem, _ = _toy_problem(tmp_path)
    tight = {
        **SETTINGS.__dict__,
        **{"cutoff": 1e-6, "max_waves": 2, "n_sets": 6, "validation_replicates": 2},
    }
    outcome = run_history_matching(
        problem, Settings(**{**tight, "rank": "groups"}), tmp_path / "g", SerialExecutor()
    )
    # every wave kept the least implausible tenth of what was left, by the group measure
    assert [r.measure_used for r in outcome.record] == ["groups", "groups"]
    assert [r.volume for r in outcome.record] == pytest.approx([0.1, 0.01], rel=0.05)
    assert "by groups" in outcome.record[-1].stop
    judged = outcome.validation
    assert not judged["non_implausible"].any()
    # the column is the group measure of the validation runs' own implausibilities
    fitted = problem.targets[problem.fitted].reset_index(drop=True)
    imp = run_implausibility(
        fitted, outcome.simulated[:, :, problem.fitted], SETTINGS.scale, SETTINGS.discrepancy
    )
    expected = group_implausibility(imp, fitted["group"].tolist(), fitted["weight"].to_numpy())
    assert judged["group_implausibility"].to_numpy() == pytest.approx(expected)
    assert not np.allclose(expected, judged["kth_implausibility"])
    # a rerun continues the same waves: nothing runs, the record is the same (but its clock)
    record = pd.read_csv(tmp_path / "g" / "record.csv").drop(columns="seconds")
    run_history_matching(
        problem, Settings(**{**tight, "rank": "groups"}), tmp_path / "g", SerialExecutor()
    )
    again = pd.read_csv(tmp_path / "g" / "record.csv").drop(columns="seconds")
    pd.testing.assert_frame_equal(again, record)
    # the same wave-1 runs, ranked by the kth largest, keep other candidates
    kth = run_history_matching(
        problem, Settings(**{**tight, "rank": "kth"}), tmp_path / "k", SerialExecutor()
    )
    assert kth.record[0].measure_used == "kth"
    runs = [
        pd.read_csv(tmp_path / f / "wave1" / "runs.csv").sort_values(["point", "replicate"])
        for f in ("k", "g")
    ]
    pd.testing.assert_frame_equal(runs[0].reset_index(drop=True), runs[1].reset_index(drop=True))
    assert not np.array_equal(
        pd.read_csv(tmp_path / "k" / "validation" / "design.csv").to_numpy(),
        pd.read_csv(tmp_path / "g" / "validation" / "design.csv").to_numpy(),
    )


def test_a_folder_saved_before_the_rank_setting_resumes_as_kth(tmp_path: Path) -> None:
    problem, _ = _toy_problem(tmp_path)
    short = Settings(**{**SETTINGS.__dict__, "max_waves": 1, "n_sets": 4})
    out = tmp_path / "hm"
    run_history_matching(problem, short, out, SerialExecutor())
    saved = json.loads((out / "settings.json").read_text())
    del saved["rank"]  # as written before the setting existed
    (out / "settings.json").write_text(json.dumps(saved))
    # the missing setting reads as what such a folder did (kth), not as the request
    with pytest.raises(ValueError, match="other settings \\(rank\\)"):
        run_history_matching(
            problem, Settings(**{**short.__dict__, "rank": "groups"}), out, SerialExecutor()
        )
    assert "rank" not in json.loads((out / "settings.json").read_text())
    run_history_matching(problem, short, out, SerialExecutor())  # resumes, no complaint


def test_a_resume_refuses_other_figures_or_another_scenario(tmp_path: Path) -> None:
    problem, _ = _toy_problem(tmp_path)
    short = Settings(**{**SETTINGS.__dict__, "max_waves": 1, "n_sets": 4})
    out = tmp_path / "hm"
    run_history_matching(problem, short, out, SerialExecutor())
    saved = (out / "settings.json").read_text()
    # a figure, a bound or a weight changed: the saved runs were judged against others
    for column, value in (("value", 1.5), ("high", "inf"), ("weight", 0.0)):
        targets = problem.targets.copy()
        if column == "value":
            targets.loc[0, "value"] *= value
        else:
            targets.loc[0, column] = value
        other = Problem(problem.base, targets, problem.space, problem.world_dir)
        with pytest.raises(ValueError, match="other settings \\(observations\\)"):
            run_history_matching(other, short, out, SerialExecutor())
    # a behaviour of the base scenario changed: the saved runs ran another model
    changed = problem.base.with_overrides({"parameters.b_lang": 1.0})
    with pytest.raises(ValueError, match="other settings \\(scenario\\)"):
        run_history_matching(
            Problem(changed, problem.targets, problem.space, problem.world_dir),
            short,
            out,
            SerialExecutor(),
        )
    assert (out / "settings.json").read_text() == saved, "a refusal writes nothing"
    # words and the [calibration] record are not behaviour
    renamed = problem.base.model_copy(update={"description": "other words"})
    run_history_matching(
        Problem(renamed, problem.targets, problem.space, problem.world_dir),
        short,
        out,
        SerialExecutor(),
    )
    # a folder saved before the digests were recorded resumes, unchecked on them
    old = json.loads(saved)
    del old["observations"], old["scenario"]
    (out / "settings.json").write_text(json.dumps(old))
    run_history_matching(problem, short, out, SerialExecutor())
    assert "observations" in json.loads((out / "settings.json").read_text())


def test_designs_are_seeded_and_space_filling() -> None:
    a, b = latin_hypercube(10, 3, 1), latin_hypercube(10, 3, 1)
    assert np.array_equal(a, b) and not np.array_equal(a, latin_hypercube(10, 3, 2))
    # one point in every tenth of every axis
    assert all(sorted((a[:, j] * 10).astype(int)) == list(range(10)) for j in range(3))
    pts = latin_hypercube(500, 2, 3)
    pick = pts[maximin_subset(pts, 8)]
    gaps = [np.min(np.linalg.norm(np.delete(pick, i, 0) - p, axis=1)) for i, p in enumerate(pick)]
    assert min(gaps) > 0.2, "greedy maximin spreads the points"


def _toy_problem(tmp_path: Path) -> tuple[Problem, np.ndarray]:
    world = write_toy_world(tmp_path / "toy", push=20000.0)
    base = Scenario(name="toy", run=RunSettings(start="2015-01", months=24, scale=200))
    rows = [
        {
            "target_id": f"{c}|{m}",
            "group": "stock",
            "kind": "stock",
            "country": c,
            "nationalities": "AAA",
            "period": m,
        }
        for c in ("BBB", "CCC", "DDD")
        for m in ("2015-06", "2015-12", "2016-06", "2016-12")
    ] + [
        {
            "target_id": f"last|{y}",
            "group": "border",
            "kind": "route_crossings",
            "route": "Last border",
            "nationalities": "*",
            "period": y,
        }
        for y in ("2015", "2016")
    ]
    blank = {c: "" for c in TARGET_COLUMNS} | {"weight": 1.0, "obs_error": 0.05, "value": 0.0}
    targets = pd.DataFrame([blank | r for r in rows])[list(TARGET_COLUMNS)]
    truth = calibration_scenario(base, TRUTH, scale=200, months=24)
    result = run_one(RunSpec("truth/r0", truth, 0, 999_999, world_dir=str(world)))
    assert result.ok
    targets["value"] = observe_run(targets, result.timeseries, result.flows)
    assert (targets["value"] > 0).all()
    return Problem(base, targets, SPACE, world_dir=str(world)), targets["value"].to_numpy()


SETTINGS = Settings(
    points=16,
    points_later=12,
    replicates=2,
    max_waves=2,
    discrepancy=0.05,
    n_sets=12,
    validation_replicates=1,
    candidates=2000,
    scale=200.0,
    months=24,
    seed=11,
)


def test_recovers_known_parameters_and_resumes(tmp_path: Path) -> None:
    problem, _ = _toy_problem(tmp_path)
    out = tmp_path / "hm"
    outcome = run_history_matching(problem, SETTINGS, out, SerialExecutor())
    ranges = outcome.ranges.set_index("parameter")
    ens = outcome.validation[outcome.validation["non_implausible"]]
    assert len(ens) >= 3, "the final space holds non-implausible sets"
    assert outcome.record[-1].volume < 0.5, "the waves ruled out most of the prior"
    for name, value in TRUTH.items():  # the truth is never ruled out
        lo, hi = ranges.loc[name, "emulated_low"], ranges.loc[name, "emulated_high"]
        assert lo <= value <= hi, f"{name}: truth {value} outside [{lo:.3g}, {hi:.3g}]"
    assert abs(np.log(ranges.loc["push_scale", "ensemble_median"] / TRUTH["push_scale"])) < 0.3
    assert ranges.loc["push_scale", "share_of_prior"] < 0.4, "push_scale is pinned down"
    assert ranges.loc["b_int", "share_of_prior"] > 0.5, "b_int (no effect) is not"
    # a rerun continues: nothing new runs, same outcome
    lines = {p: p.read_text() for p in out.rglob("runs.csv")}
    again = run_history_matching(problem, SETTINGS, out, SerialExecutor())
    assert {p: p.read_text() for p in out.rglob("runs.csv")} == lines
    pd.testing.assert_frame_equal(again.validation, outcome.validation)
    with pytest.raises(ValueError, match="other settings"):
        run_history_matching(
            problem, Settings(**{**SETTINGS.__dict__, "cutoff": 2.0}), out, SerialExecutor()
        )


def test_a_resumed_matching_is_the_uninterrupted_one_bit_for_bit(tmp_path: Path) -> None:
    """Killed mid-wave 2 and resumed, a matching ends exactly as one never interrupted.

    Nothing passes the cutoff (every wave's ``cutoff_used`` is a quantile of emulated
    implausibilities, so any change of the emulators' inputs shows), and the survivors are
    few, so the designs of wave 2 and of the validation are refilled by the matching's
    random generator (a resumed matching must draw as the uninterrupted one did).
    """
    problem, _ = _toy_problem(tmp_path)
    settings = Settings(
        **{
            **SETTINGS.__dict__,
            **{"cutoff": 1e-6, "points": 12, "points_later": 8, "candidates": 200, "n_sets": 4},
        }
    )
    whole, cut = tmp_path / "whole", tmp_path / "cut"
    outcome = run_history_matching(problem, settings, whole, SerialExecutor())
    assert len(outcome.record) == 2
    assert outcome.record[0].volume * settings.candidates < 3 * settings.points_later  # refill
    # interrupted: wave 2's design saved, half its runs done (the last one half written)
    shutil.copytree(whole, cut)
    shutil.rmtree(cut / "validation")
    for gone in ("record.csv", "record.json", "ranges.csv"):
        (cut / gone).unlink()
    lines = (cut / "wave2" / "runs.csv").read_text().splitlines(keepends=True)
    half = len(lines) // 2
    (cut / "wave2" / "runs.csv").write_text("".join(lines[:half]) + lines[half][:9])
    resumed = run_history_matching(problem, settings, cut, SerialExecutor())

    def record(folder: Path) -> list[dict]:
        rows = json.loads((folder / "record.json").read_text())
        return [{k: v for k, v in r.items() if k != "seconds"} for r in rows]

    assert record(cut) == record(whole)
    for part in ("wave1", "wave2", "validation"):
        design = [(f / part / "design.csv").read_text() for f in (whole, cut)]
        assert design[0] == design[1], part
        runs = [
            pd.read_csv(f / part / "runs.csv").sort_values(["point", "replicate"])
            for f in (whole, cut)
        ]
        pd.testing.assert_frame_equal(
            runs[0].reset_index(drop=True), runs[1].reset_index(drop=True), check_exact=True
        )
    pd.testing.assert_frame_equal(resumed.validation, outcome.validation, check_exact=True)
    assert np.array_equal(resumed.simulated, outcome.simulated, equal_nan=True)
    assert (cut / "validation" / "judged.csv").read_text() == (
        whole / "validation" / "judged.csv"
    ).read_text()
    assert (cut / "ranges.csv").read_text() == (whole / "ranges.csv").read_text()


def test_narrowed_space_is_a_box_around_the_centre_inside_the_prior() -> None:
    centre = {"push_scale": 1.5, "hazard_max": 0.012, "b_int": 2.0}
    box = {p.name: p for p in narrowed(SPACE, centre, 0.1)}
    for p in SPACE:
        q = box[p.name]
        assert p.low <= q.low < centre[p.name] < q.high <= p.high, p.name
        width = float(p.to_unit(q.high) - p.to_unit(q.low))  # on the prior's unit scale
        clipped = p.to_unit(centre[p.name]) - 0.1 < 0 or p.to_unit(centre[p.name]) + 0.1 > 1
        assert width == pytest.approx(0.2) or clipped, p.name
    # on a log parameter the box is symmetric in log: 1.5 is its geometric centre
    assert np.sqrt(box["push_scale"].low * box["push_scale"].high) == pytest.approx(1.5)
    # hazard_max sits near its lower bound: the box is cut there, not shifted
    assert box["hazard_max"].low == SPACE[1].low
    assert box["b_int"].low == pytest.approx(2.0 - 0.6) and box["b_int"].high == pytest.approx(2.6)
    with pytest.raises(ValueError, match="half_width"):
        narrowed(SPACE, centre, 0.0)
    with pytest.raises(ValueError, match="no centre for b_int"):
        narrowed(SPACE, {"push_scale": 1.0, "hazard_max": 0.1}, 0.1)
    for bad in (float("nan"), -1.0):  # not a number / not positive on push_scale's log scale
        with pytest.raises(ValueError, match="push_scale: centre .* not on its search scale"):
            narrowed(SPACE, {**centre, "push_scale": bad}, 0.1)
    # a centre outside the prior is moved to the nearest bound: the box stays inside
    edge = {p.name: p for p in narrowed(SPACE, {**centre, "b_int": 9.0}, 0.1)}["b_int"]
    assert (edge.low, edge.high) == (pytest.approx(6.0 - 0.6), 6.0)


def test_a_local_history_matching_designs_only_inside_its_box(tmp_path: Path) -> None:
    problem, _ = _toy_problem(tmp_path)
    local = Problem(
        problem.base,
        problem.targets,
        narrowed(SPACE, TRUTH, 0.15),
        world_dir=problem.world_dir,
    )
    settings = Settings(**{**SETTINGS.__dict__, "max_waves": 1, "points": 8, "n_sets": 4})
    outcome = run_history_matching(local, settings, tmp_path / "hm", SerialExecutor())
    box = {p.name: p for p in local.space}
    for name, p in box.items():
        design = pd.read_csv(tmp_path / "hm" / "wave1" / "design.csv")[name]
        vals = pd.concat([design, outcome.validation[name]])
        assert vals.between(p.low * (1 - 1e-9), p.high * (1 + 1e-9)).all(), name
        assert vals.min() < p.low + 0.3 * (p.high - p.low), f"{name}: design fills the box"
    ranges = outcome.ranges.set_index("parameter")
    assert ranges.loc["b_int", "prior_low"] == pytest.approx(TRUTH["b_int"] - 0.9)


def test_synthetic_targets_are_the_model_own_replicate_mean(tmp_path: Path) -> None:
    problem, _ = _toy_problem(tmp_path)
    truth = problem.base.with_overrides({f"parameters.{k}": v for k, v in TRUTH.items()})
    kw = {"scale": 200.0, "replicates": 2, "months": 24, "world_dir": problem.world_dir}
    table = synthetic_targets(truth, problem.targets, SerialExecutor(), seed=5, **kw)
    # the same rows, weights and errors; only the values change, and a synthetic figure
    # is a figure (its bounds are the value), not an interval
    values = ["value", "low", "high"]
    pd.testing.assert_frame_equal(table.drop(columns=values), problem.targets.drop(columns=values))
    assert (table["low"] == table["value"]).all() and (table["high"] == table["value"]).all()
    scenario = calibration_scenario(truth, {}, scale=200, months=24)
    runs = [
        observe_run(problem.targets, r.timeseries, r.flows)
        for r in (
            run_one(
                RunSpec(f"s/r{k}", scenario, k, replicate_seed(5, k), world_dir=problem.world_dir)
            )
            for k in range(2)
        )
    ]
    np.testing.assert_allclose(table["value"], np.mean(runs, axis=0))
    assert (table["value"] > 0).any()
    other = synthetic_targets(truth, problem.targets, SerialExecutor(), seed=6, **kw)
    assert not np.allclose(other["value"], table["value"]), "another seed, other runs"


def test_around_box_comes_from_the_scenario_then_from_the_saved_settings(tmp_path: Path) -> None:
    from types import SimpleNamespace

    from flowsim.cli.calibrate import _search_space

    def problem(b_int: float) -> SimpleNamespace:
        params = SimpleNamespace(push_scale=1.5, hazard_max=0.1, b_int=b_int)
        return SimpleNamespace(base=SimpleNamespace(parameters=params), space=SPACE)

    args = SimpleNamespace(around=0.1, out=str(tmp_path))
    assert _search_space(SimpleNamespace(around=None, out=str(tmp_path)), problem(2.0)) == SPACE
    first = _search_space(args, problem(2.0))
    assert first == narrowed(SPACE, {"push_scale": 1.5, "hazard_max": 0.1, "b_int": 2.0}, 0.1)
    # a matching with this box started: a rerun keeps it though the scenario moved on
    (tmp_path / "settings.json").write_text(
        json.dumps({"around": 0.1, "space": [asdict(p) for p in first]})
    )
    assert _search_space(args, problem(4.0)) == first
    # another half-width is another matching (run_history_matching then refuses the folder)
    other = _search_space(SimpleNamespace(around=0.2, out=str(tmp_path)), problem(4.0))
    assert dict((p.name, p) for p in other)["b_int"].low == pytest.approx(4.0 - 1.2)


@pytest.mark.parametrize(("rank", "first"), [("groups", 2), ("kth", 0), (None, 0)])
def test_the_ensemble_fills_with_the_least_implausible_by_the_saved_rank(
    tmp_path: Path, rank: str | None, first: int
) -> None:
    """No validated set is non-implausible: the fill follows the calibration's own measure
    (a folder saved before ``rank`` existed ranks by the kth largest)."""
    from flowsim.calibration.targets import load_targets
    from flowsim.cli.calibrate import _choose_sets

    targets = load_targets()
    ids = targets["target_id"].tolist()
    settings = {"scale": 500.0, "validation_replicates": 1} | ({"rank": rank} if rank else {})
    (tmp_path / "validation").mkdir()
    (tmp_path / "settings.json").write_text(json.dumps(settings))
    pd.DataFrame(
        {
            "point": [0, 1, 2],
            "kth_implausibility": [4.0, 5.0, 6.0],
            "group_implausibility": [3.0, 2.5, 2.0],
            "non_implausible": [False] * 3,
        }
    ).to_csv(tmp_path / "validation" / "judged.csv", index=False)
    runs = pd.DataFrame([targets["value"].to_numpy()] * 3, columns=ids)
    runs.insert(0, "replicate", 0)
    runs.insert(0, "point", [0, 1, 2])
    runs.to_csv(tmp_path / "validation" / "runs.csv", index=False)
    _, chosen, n_ok, _ = _choose_sets(tmp_path, targets, 1, warn=False)
    assert n_ok == 0 and chosen["point"].tolist() == [first]


def test_the_command_line_passes_its_rank_to_the_matching() -> None:
    import argparse

    from flowsim.cli.calibrate import _settings, register

    parser = argparse.ArgumentParser()
    register(parser.add_subparsers())
    choices = next(
        a
        for a in parser._subparsers._group_actions[0].choices["calibrate"]._actions
        if a.dest == "rank"
    ).choices
    assert tuple(choices) == RANKS
    args = parser.parse_args(["calibrate", "--rank", "groups"])
    assert _settings(args).rank == "groups"
    assert _settings(parser.parse_args(["calibrate"])).rank == "kth"

"""Compass-search refinement: the search itself on known functions, and on a toy world
(a wrong parameter is walked back toward the truth, the gain is measured on fresh seeds,
and an interrupted refinement resumes without rerunning anything)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from flowsim.calibration.refine import (
    RefineSettings,
    compass_search,
    guard_folder_name,
    point_loss,
    refine,
)
from flowsim.engine.executors import SerialExecutor
from test_history_matching import TRUTH, _toy_problem


def _quadratic(calls: list[np.ndarray]):
    target = np.array([0.3, 0.8, 0.55])

    def f(points: np.ndarray) -> np.ndarray:
        calls.append(points.copy())
        return ((points - target) ** 2).sum(axis=1)

    return f


def test_compass_search_finds_the_minimum_of_a_quadratic() -> None:
    calls: list[np.ndarray] = []
    res = compass_search(
        _quadratic(calls), np.array([0.9, 0.1, 0.5]), [0, 1, 2],
        step=0.25, min_step=0.01, tol=0.0, max_evaluations=500,
    )  # fmt: skip
    assert np.allclose(res.best, [0.3, 0.8, 0.55], atol=0.02)
    assert res.loss < res.start_loss and res.stop == "min_step"
    assert res.evaluations == sum(len(c) for c in calls) <= 500
    assert (np.vstack(calls) >= 0).all() and (np.vstack(calls) <= 1).all(), "stays in the cube"


def test_compass_search_keeps_fixed_axes_and_budget_and_is_deterministic() -> None:
    runs = [
        compass_search(
            _quadratic([]),
            np.array([0.9, 0.1, 0.5]),
            [0, 2],
            step=0.25,
            min_step=0.01,
            tol=0.0,
            max_evaluations=9,
        )  # fmt: skip
        for _ in range(2)
    ]
    assert runs[0].best[1] == 0.1, "axis 1 is not free"
    assert runs[0].evaluations <= 9 and runs[0].stop == "evaluations"
    assert np.array_equal(runs[0].best, runs[1].best) and runs[0].steps == runs[1].steps


def test_compass_search_ignores_gains_below_tol() -> None:
    res = compass_search(
        lambda p: 1.0 - 0.001 * p[:, 0], np.array([0.5]), [0],
        step=0.25, min_step=0.1, tol=0.01, max_evaluations=100,
    )  # fmt: skip
    assert res.best[0] == 0.5 and not any(s["accepted"] for s in res.steps)


def test_point_loss_is_infinite_for_a_failed_run(tmp_path: Path) -> None:
    problem, observed = _toy_problem(tmp_path)
    good = np.vstack([observed, observed])
    assert point_loss(problem, good, 200.0) == pytest.approx(0.0)
    bad = good.copy()
    bad[1] = np.nan
    assert point_loss(problem, bad, 200.0) == float("inf")


def test_refine_walks_toward_the_truth_and_resumes(tmp_path: Path) -> None:
    problem, _ = _toy_problem(tmp_path)
    start = dict(TRUTH) | {"push_scale": 0.5}  # a third of the truth (1.5)
    settings = RefineSettings(
        evaluations=14, step=0.25, min_step=0.05, replicates=2, validation_replicates=2,
        scale=200.0, months=24, seed=11, fixed=("b_int",),
    )  # fmt: skip
    out = tmp_path / "refine"
    result = refine(problem, settings, out, start, SerialExecutor())
    refined = result["refined"]
    assert isinstance(refined, dict)
    assert abs(np.log(refined["push_scale"] / TRUTH["push_scale"])) < abs(np.log(0.5 / 1.5))
    assert refined["b_int"] == start["b_int"], "a fixed parameter keeps its exact value"
    assert result["validated_loss_refined"] < result["validated_loss_start"], (
        "the gain holds on seeds the search never used"
    )
    # a rerun replays the search against the saved runs: nothing new runs, same result
    saved = {p: p.read_text() for p in out.rglob("runs.csv")}
    again = refine(problem, settings, out, start, SerialExecutor())
    assert {p: p.read_text() for p in out.rglob("runs.csv")} == saved
    assert again == json.loads((out / "result.json").read_text())
    assert again["refined"] == refined
    with pytest.raises(ValueError, match="other settings"):
        refine(problem, RefineSettings(**{**settings.__dict__, "step": 0.1}), out, start,
               SerialExecutor())  # fmt: skip
    with pytest.raises(ValueError, match="push_scale = 9 .allowed: 0.3 to 3."):
        refine(problem, settings, tmp_path / "y", start | {"push_scale": 9.0}, SerialExecutor())
    with pytest.raises(ValueError, match="not free"):
        refine(problem, RefineSettings(fixed=("nope",)), tmp_path / "x", start, SerialExecutor())


def test_a_run_file_cut_mid_line_resumes(tmp_path: Path) -> None:
    problem, _ = _toy_problem(tmp_path)
    settings = RefineSettings(
        evaluations=3, step=0.25, min_step=0.25, replicates=1, validation_replicates=1,
        scale=200.0, months=24, seed=11, fixed=("b_int",),
    )  # fmt: skip
    out = tmp_path / "refine"
    first = refine(problem, settings, out, dict(TRUTH), SerialExecutor())
    runs = out / "runs.csv"
    text = runs.read_text()
    runs.write_text(text[: len(text) - 7])  # the last run was being written when killed
    again = refine(problem, settings, out, dict(TRUTH), SerialExecutor())
    assert again == first
    assert runs.read_text().count("\n") == text.count("\n"), "the cut run ran again, once"
    (out / "validation" / "runs.csv").write_text("")  # created, then killed before the header
    assert refine(problem, settings, out, dict(TRUTH), SerialExecutor()) == first


def test_parameters_refined_without_a_refinement_is_refused(tmp_path: Path) -> None:
    from flowsim.cli.main import main

    out = tmp_path / "cal"
    (out / "validation").mkdir(parents=True)
    (out / "validation" / "judged.csv").write_text("point\n")
    code = main(
        ["calibrate", "--report", "--out", str(out), "--parameters", "refined",
         "--params-file", "", "--ensemble-file", "", "--docs", ""]
    )  # fmt: skip
    assert code == 2
    assert not (out / "refine").exists(), "nothing created"


@pytest.mark.parametrize(("option", "value"), [("--refine", "-3"), ("--refine-step", "2")])
def test_refine_options_are_checked_before_anything_runs(tmp_path, capsys, option, value):
    from flowsim.cli.main import main

    out = tmp_path / "cal"
    with pytest.raises(SystemExit) as info:
        main(["calibrate", option, value, "--out", str(out)])
    err = capsys.readouterr().err
    assert info.value.code == 2 and "out of range" in err and len(err.strip().splitlines()) == 1
    assert not out.exists()


def test_the_guard_keeps_the_furthest_step_that_keeps_the_directions(tmp_path, monkeypatch):
    """A check that fails above a push_scale walks the result back along the search path."""
    import flowsim.calibration.directions as directions
    from flowsim.calibration.directions import CheckResult

    problem, _ = _toy_problem(tmp_path)
    start = dict(TRUTH) | {"push_scale": 0.5}
    plain = RefineSettings(
        evaluations=14, step=0.25, min_step=0.05, replicates=2, validation_replicates=2,
        scale=200.0, months=24, seed=11, fixed=("b_int",),
    )  # fmt: skip
    free = refine(problem, plain, tmp_path / "free", start, SerialExecutor())
    free_path = _path_push(tmp_path / "free")
    assert free_path[0] == pytest.approx(0.5)
    rises = [i for i in range(1, len(free_path)) if free_path[i] > free_path[i - 1]]
    assert len(rises) >= 2, f"the toy search raises push_scale in several steps: {free_path}"
    breaks = rises[1]  # the second rise breaks the check
    limit = (free_path[breaks - 1] + free_path[breaks]) / 2
    assert all(v > limit for v in free_path[breaks:]), "push_scale only rises on this path"
    seen: list[float] = []

    def fake(names, folder, parameters, executor):
        seen.append(parameters["push_scale"])
        ok = parameters["push_scale"] <= limit
        return {n: CheckResult(n, (1.0,), (2.0,) if ok else (0.5,), ok) for n in names}

    monkeypatch.setattr(directions, "run_checks", fake)
    guarded = RefineSettings(**{**plain.__dict__, "guard": ("integration",)})
    out = tmp_path / "guarded"
    result = refine(problem, guarded, out, start, SerialExecutor())
    assert result["refined"]["push_scale"] == pytest.approx(free_path[breaks - 1])
    assert result["refined"]["push_scale"] <= limit < free["refined"]["push_scale"]
    info = result["guard"]
    assert info["kept_step"] == breaks - 1 and info["start_passed"] is True
    assert info["unguarded"]["push_scale"] == pytest.approx(free["refined"]["push_scale"])
    steps = len(free_path) - 1
    assert len(seen) <= 2 + int(np.ceil(np.log2(steps))), "bisected, not walked"
    cache = out / "guard" / guard_folder_name(("integration",))
    assert len(list(cache.glob("point*.json"))) == len(seen)
    assert (out / f"validation_step{breaks - 1:03d}" / "runs.csv").exists()
    # a rerun reads the saved verdicts: no check runs again, same result
    seen.clear()
    assert refine(problem, guarded, out, start, SerialExecutor()) == result and not seen
    # the guard is not part of the search: the same search unguarded, then guarded again
    unguarded = refine(problem, plain, out, start, SerialExecutor())
    assert unguarded["refined"] == free["refined"] and "guard" not in unguarded and not seen
    assert refine(problem, guarded, out, start, SerialExecutor()) == result and not seen


def _path_push(folder: Path) -> list[float]:
    """push_scale at each point of a finished refinement's path (path.csv), start first."""
    import pandas as pd

    return [float(v) for v in pd.read_csv(folder / "path.csv")["push_scale"]]


def test_a_bad_guard_is_refused_before_anything_runs(tmp_path, capsys) -> None:
    from flowsim.cli.main import main

    out = tmp_path / "cal"
    code = main(["calibrate", "--refine", "3", "--guard", "integration,nope", "--out", str(out)])
    err = capsys.readouterr().err
    assert code == 2 and "nope" in err and "mexico_visa" in err
    assert len(err.strip().splitlines()) == 1 and not out.exists()


def test_a_calibration_of_another_targets_table_is_refused_before_anything_runs(
    tmp_path, capsys
) -> None:
    from flowsim.cli.main import main

    out = tmp_path / "cal"
    (out / "validation").mkdir(parents=True)
    (out / "validation" / "judged.csv").write_text("point\n")
    (out / "settings.json").write_text(json.dumps({"targets": ["old|target"]}))
    code = main(
        ["calibrate", "--report", "--refine", "5", "--refine-from", "scenario",
         "--out", str(out), "--params-file", "", "--ensemble-file", "", "--docs", ""]
    )  # fmt: skip
    err = capsys.readouterr().err
    assert code == 2 and "another targets table" in err and len(err.strip().splitlines()) == 1
    assert sorted(p.name for p in out.iterdir()) == ["settings.json", "validation"]


def test_runs_of_another_targets_table_are_named_not_misread(tmp_path) -> None:
    from flowsim.calibration.history_matching import read_runs

    path = tmp_path / "runs.csv"
    path.write_text("point,replicate,a\n0,0,1.5\n")
    assert read_runs(path, ["a"])["a"].tolist() == [1.5]
    with pytest.raises(ValueError, match=r"runs.csv holds runs observed against another"):
        read_runs(path, ["a", "b"])
    path.write_text("point,replicate,a,b,c\n0,0,1,2,3\n")  # a target dropped since
    with pytest.raises(ValueError, match="differ in number or order"):
        read_runs(path, ["a", "c"])


def test_guard_verdicts_are_cached_per_definition_of_the_checks(monkeypatch) -> None:
    """A check redefined (here the Mexico-visa check at another scale) gets another cache."""
    from dataclasses import replace

    from flowsim.calibration import directions

    names = ("integration", "mexico_visa")
    before = guard_folder_name(names)
    assert before.startswith("integration_mexico_visa-") and before == guard_folder_name(names)
    old = dict(directions.CHECKS)
    old["mexico_visa"] = replace(old["mexico_visa"], scale=1000.0)
    monkeypatch.setattr(directions, "CHECKS", old)
    assert guard_folder_name(names) != before
    assert guard_folder_name(("integration",)) == guard_folder_name(("integration",))

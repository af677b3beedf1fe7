"""The policy window, grid pairing and ensemble signs, on small results with known numbers."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from flowsim import tables
from flowsim.analysis import compare
from flowsim.analysis.load import ResultsFrames
from flowsim.analysis.pairing import baseline_labels
from flowsim.analysis.report import build_report
from flowsim.analysis.trust import parameter_sets, sign_by_parameter_set
from flowsim.analysis.window import ScenarioInfo, changed_policies, policy_level, policy_window
from flowsim.errors import ResultsError

MONTHS = pd.date_range("2024-01-01", periods=6, freq="MS")


def make_results(onward, params=None, manifest=None) -> ResultsFrames:
    """Results from ``{label: array[replicate, month]}`` of onward journeys from COL."""
    runs, series = [], []
    for label, values in onward.items():
        for r, row in enumerate(np.asarray(values, dtype=float)):
            rid = f"{label}/r{r:03d}"
            point = (params or {}).get(label, {})
            runs.append(
                dict(
                    run_id=rid,
                    scenario=label,
                    replicate=r,
                    seed=r,
                    status="ok",
                    error="",
                    seconds=1.0,
                    flowsim_version="0",
                    params=json.dumps(point),
                )
            )
            for month, value in zip(MONTHS, row, strict=True):
                series.append(
                    dict(
                        run_id=rid,
                        scenario=label,
                        replicate=r,
                        month=month,
                        country="COL",
                        nationality="VEN",
                        status="all",
                        variable="journeys_onward",
                        value=value,
                    )
                )
    return ResultsFrames(
        pd.DataFrame(runs, columns=tables.RUNS_COLUMNS),
        pd.DataFrame(series, columns=tables.TIMESERIES_COLUMNS),
        pd.DataFrame({c: [] for c in tables.FLOWS_COLUMNS}).astype({"month": "datetime64[ns]"}),
        manifest or {},
    )


BASE = [[10, 10, 10, 10, 10, 10], [12, 12, 12, 12, 12, 12]]
#: Identical to the baseline, replicate by replicate, until 2024-04; then 5 fewer a month.
POLICY = [[10, 10, 10, 5, 5, 5], [12, 12, 12, 7, 7, 7]]


def test_window_starts_where_results_first_differ():
    window = policy_window(make_results({"baseline": BASE, "policy": POLICY}))
    assert window.spec == "2024-04/2024-06"
    assert "results differ" in window.reason


def test_window_from_policies_wins_over_results():
    info = {
        "baseline": ScenarioInfo("status quo", [{"name": "a", "start": "2023-01"}]),
        "policy": ScenarioInfo(
            "more", [{"name": "a", "start": "2023-01"}, {"name": "b", "start": "2024-03"}]
        ),
    }
    window = policy_window(make_results({"baseline": BASE, "policy": POLICY}), info=info)
    assert window.spec == "2024-03/2024-06"
    assert "policies differ" in window.reason


def test_window_as_asked_and_bad_period():
    results = make_results({"baseline": BASE, "policy": POLICY})
    assert policy_window(results, period="2024-02:2024-05").spec == "2024-02/2024-05"
    with pytest.raises(ResultsError, match="holds no month"):
        policy_window(results, period="2030-01:2030-12")
    with pytest.raises(ResultsError, match="unknown period"):
        policy_window(results, period="soon")


def test_effect_over_window_is_not_diluted(tmp_path):
    """Over the window the effect is -5 per month per run: -15 over three months, -50%."""
    report = build_report(make_results({"baseline": BASE, "policy": POLICY}), tmp_path)
    row = report.summary[
        (report.summary["metric"] == "onward_moves") & (report.summary["scenario"] == "policy")
    ].iloc[0]
    assert row["period"] == "2024-04/2024-06"
    assert row["diff_mean"] == pytest.approx(-15.0)
    assert row["rel_change"] == pytest.approx(-15.0 / 33.0)


def test_changed_policies_lists_added_and_dropped():
    info = {
        "baseline": ScenarioInfo("", [{"name": "keep"}, {"name": "gone", "start": "2020-01"}]),
        "policy": ScenarioInfo("", [{"name": "keep"}, {"name": "new", "start": "2025-01"}]),
    }
    changed = changed_policies(info, {"baseline": "baseline", "policy": "baseline"})
    assert changed == {
        "policy": [
            {"name": "new", "start": "2025-01"},
            {"name": "gone", "start": "2020-01", "dropped": True},
        ]
    }


def test_policy_level_text():
    text = policy_level(
        {
            "name": "x",
            "type": "y",
            "level": 0.6,
            "slots_per_year": 100000.0,
            "countries": ["COL", "PER"],
            "start": "2025-01",
        }
    )
    assert text == "level 0.6; slots per year 100,000; countries COL, PER"


def test_grid_compares_at_the_same_grid_point():
    """Baseline and policy at x=1 and x=2: the policy is 1 lower at each point, while the
    points differ by 100; pairing across points would credit that 100 to the policy."""
    onward = {
        "baseline[x=1]": [[10] * 6, [10] * 6],
        "baseline[x=2]": [[110] * 6, [110] * 6],
        "policy[x=1]": [[9] * 6, [9] * 6],
        "policy[x=2]": [[109] * 6, [109] * 6],
    }
    params = {label: {"x": int(label[-2])} for label in onward}
    results = make_results(onward, params)
    table = compare(results, baseline="baseline", metric="onward_moves")
    policy = table[table["scenario"].str.startswith("policy")]
    assert list(policy["baseline"]) == ["baseline[x=1]", "baseline[x=2]"]
    assert policy["diff_mean"].tolist() == pytest.approx([-6.0, -6.0])


def test_grid_over_a_policy_field_pairs_with_the_plain_baseline():
    onward = {"baseline": [[10] * 6], "policy[level=0.5]": [[8] * 6], "policy[level=1]": [[5] * 6]}
    params = {"policy[level=0.5]": {"level": 0.5}, "policy[level=1]": {"level": 1}}
    pairs = baseline_labels(make_results(onward, params).runs, "baseline")
    assert pairs == {
        "baseline": "baseline",
        "policy[level=0.5]": "baseline",
        "policy[level=1]": "baseline",
    }


def test_unknown_baseline_lists_scenarios():
    with pytest.raises(ResultsError, match="available: baseline, policy"):
        compare(make_results({"baseline": BASE, "policy": POLICY}), baseline="status_quo")


def test_sign_across_parameter_sets():
    """Two parameter sets of two runs each: 'steady' lowers under both, 'fickle' does not."""
    base = [[10] * 6] * 4
    steady = [[8] * 6] * 4
    fickle = [[8] * 6, [8] * 6, [12] * 6, [12] * 6]
    runs_list = [
        {"run_id": f"{label}/r{r:03d}", "parameter_set": r // 2}
        for label in ("baseline", "steady", "fickle")
        for r in range(4)
    ]
    results = make_results(
        {"baseline": base, "steady": steady, "fickle": fickle}, manifest={"runs": runs_list}
    )
    sets = parameter_sets(results)
    assert sets is not None and sets["fickle/r003"] == 1
    from flowsim.analysis.metrics import onward_moves

    values = onward_moves(results)
    pairs = baseline_labels(results.runs, "baseline")
    signs = sign_by_parameter_set(values, pairs, sets).set_index("scenario")
    assert bool(signs.loc["steady", "same_sign"]) and signs.loc["steady", "lower"] == 2
    assert not bool(signs.loc["fickle", "same_sign"])
    assert (signs.loc["fickle", "lower"], signs.loc["fickle", "higher"]) == (1, 1)


def test_no_parameter_sets_without_them():
    assert parameter_sets(make_results({"baseline": BASE})) is None


def test_report_states_signs_across_parameter_sets_and_the_calibration(tmp_path):
    base = [[10] * 6] * 4
    fickle = [[10, 10, 10, 8, 8, 8], [10, 10, 10, 8, 8, 8]] + [[10, 10, 10, 12, 12, 12]] * 2
    # lower under set 0, no change under set 1: not a change of sign
    inert = [[10, 10, 10, 8, 8, 8], [10, 10, 10, 8, 8, 8]] + [[10] * 6] * 2
    runs_list = [
        {"run_id": f"{label}/r{r:03d}", "parameter_set": r // 2}
        for label in ("baseline", "fickle", "inert")
        for r in range(4)
    ]
    calibration = {"baseline": {"name": "t", "n_sets": 2, "fit_male_overall": 0.1}}
    results = make_results(
        {"baseline": base, "fickle": fickle, "inert": inert},
        manifest={"runs": runs_list, "calibration": calibration},
    )
    build_report(results, tmp_path)
    text = (tmp_path / "report.html").read_text()
    assert "combine the model&#x27;s randomness with the uncertainty of its parameters" in text
    assert "Fickle: the effect changes sign across parameter sets (1 lower, 1 higher, of 2)" in text
    assert "Inert: lower in 1 parameter set and no change in 1 (of 2); never the other way" in text
    assert "Inert: the effect changes sign" not in text
    assert "an ensemble of 2 plausible parameter sets" in text and "a close fit" in text

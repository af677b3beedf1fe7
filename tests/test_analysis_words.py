"""Numbers as the reader sees them, and the calibration read from fake manifests."""

from __future__ import annotations

import pandas as pd

from flowsim.analysis.trust import calibration_of, calibration_sentences
from flowsim.analysis.words import Numbers, scenario_title


def test_people_round_to_the_agent_scale():
    n = Numbers("people", 1000)
    assert n.level(123_456.7) == "123,000"
    assert n.change(-18_640.0) == "-19,000"
    assert n.change(0.0) == "no change"
    assert n.change(-300.0) == "-<1,000"
    assert Numbers("people", 500).change(1234.0) == "+1,200"


def test_shares_in_percent_and_percentage_points():
    n = Numbers("share", 1000)
    assert n.level(0.047) == "4.7%"
    assert n.change(0.0123) == "+1.2 pp"
    assert n.change(-0.0004) == "no change"  # never "-0.0 pp"
    assert n.relative(0.04, 0.047) == ""  # shares are compared in pp only


def test_relative_change_needs_enough_agents():
    n = Numbers("people", 1000)
    assert n.relative(-5_000.0, 10_000.0) == ""  # 10 agents: too few to quote a percentage
    assert n.relative(-18_900.0, 100_000.0) == "-19%"


def test_scenario_titles():
    assert scenario_title("labor_pathways_expanded") == "Labor pathways expanded"
    assert scenario_title("combined[scale=500,x=1]") == "Combined (scale = 500, x = 1)"


def test_calibration_missing_or_null_is_said_plainly():
    for manifest in (
        {},
        {"calibration": None},
        {"calibration": {"baseline": None}},
        {"calibration": "yes"},
    ):
        assert calibration_of(manifest, "baseline") is None
        assert (
            "do not record how the model was calibrated"
            in calibration_sentences(manifest, "baseline")[0]
        )


def test_calibration_quoted_with_its_meaning():
    manifest = {
        "calibration": {
            "baseline[x=1]": None,
            "baseline": {
                "name": "targets_2015_2021",
                "method": "history_matching",
                "ensemble": "calibration/ensemble.csv",
                "n_sets": 30,
                "fit_male_overall": 0.8,
                "fit_male_by_group": {"stocks": 0.4, "darien": 1.1, "us_border": 0.8},
                "measured_by": "flowsim calibrate --report",
            },
        }
    }
    text = " ".join(calibration_sentences(manifest, "baseline[x=1]"))
    assert "targets_2015_2021" in text and "history matching" in text
    assert "30 plausible parameter sets" in text
    assert "0.80" in text and "factor of 2.2" in text and "rough fit" in text
    assert text.index("darien") < text.index("us_border") < text.index("stocks")
    assert "flowsim calibrate --report" in text


def test_an_ensemble_with_no_plausible_set_is_not_called_plausible():
    record = {"name": "t", "method": "history_matching", "n_sets": 50, "n_non_implausible": 0}
    text = " ".join(calibration_sentences({"calibration": {"baseline": record}}, "baseline"))
    assert "plausible parameter sets" not in text
    assert "50 parameter sets of which 0 fit within the stated observation errors" in text


def test_a_change_that_rounds_to_nothing_reads_no_change_without_a_unit():
    from flowsim.analysis.report import plain_answer

    table = pd.DataFrame(
        {
            "scenario": ["baseline", "other"],
            "baseline": ["baseline", "baseline"],
            "mean": [1000.0, 1000.0],
            "diff_mean": [float("nan"), 0.0],
            "diff_lo90": [float("nan"), 0.0],
            "diff_hi90": [float("nan"), 0.0],
        }
    )
    text = plain_answer(table, "onward_moves", "baseline", scale=1000.0)
    assert "no change people" not in text and "no change" in text


def test_the_baseline_point_s_own_fit_is_quoted_before_the_ensemble_s():
    record = {
        "name": "t",
        "method": "history_matching",
        "n_sets": 50,
        "n_non_implausible": 0,
        "fit_male_overall": 1.07,
        "fit_male_by_group": {"stocks": 2.0, "darien": 0.1},
        "point_male": 0.75,
        "point_male_by_group": {"stocks": 0.3, "darien": 1.2},
    }
    text = " ".join(calibration_sentences({"calibration": {"baseline": record}}, "baseline"))
    assert "of the baseline's own parameters on fresh seeds: mean absolute log error 0.75" in text
    assert "factor of 2.1" in text and "The ensemble's median scores 1.07." in text
    # the worst groups are the point's, not the ensemble's
    assert text.index("darien (1.20)") < text.index("stocks (0.30)")


def test_each_fit_is_attributed_to_the_command_that_measured_it():
    record = {
        "name": "t",
        "method": "history_matching",
        "fit_male_overall": 1.07,
        "measured_by": "flowsim calibrate --report --out results/x",
        "point_male": 0.75,
        "point_measured_by": "benchmarks/history_table.py --seeds 4 --scale 2000",
    }
    text = " ".join(calibration_sentences({"calibration": {"baseline": record}}, "baseline"))
    assert "Fit of the baseline's own parameters measured with: benchmarks/history_table.py" in text
    assert "The ensemble's fit measured with: flowsim calibrate --report --out results/x." in text
    # seeds are called fresh only when a refinement's validation measured the point
    assert "own parameters: mean absolute log error 0.75" in text and "fresh" not in text
    # without a separate record of the point's measurement, one line names the command
    del record["point_measured_by"]
    text = " ".join(calibration_sentences({"calibration": {"baseline": record}}, "baseline"))
    assert "Fit measured with: flowsim calibrate --report --out results/x." in text
    assert "own parameters measured with" not in text

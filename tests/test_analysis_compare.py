"""compare() and the metrics against hand-computed numbers from the fixture folder."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from flowsim.analysis import METRICS, ResultsFrames, compare, load_results
from flowsim.analysis.metrics import onward_moves, regular_share
from flowsim.errors import ResultsError
from test_analysis_fixture import (
    DARIEN,
    EMPLOYED,
    HOSTS,
    ONWARD,
    REPLICATES,
    SCENARIOS,
    STOCK,
    write_results,
)


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    return write_results(tmp_path_factory.mktemp("results") / "fixture")


@pytest.fixture(scope="module")
def frames(folder):
    return load_results(folder)


def pct(x, q):
    return np.percentile(np.asarray(x, dtype=float), q, method="linear")


def expected_row(per_rep: dict[str, np.ndarray], scenario: str) -> dict[str, float]:
    """Expected stats from per-replicate values indexed by replicate number."""
    reps = REPLICATES[scenario]
    own = per_rep[scenario][list(reps)]
    paired = [r for r in reps if r in REPLICATES["baseline"]]
    diff = per_rep[scenario][paired] - per_rep["baseline"][paired]
    base_mean = per_rep["baseline"][paired].mean()
    return {
        "n": len(reps),
        "mean": own.mean(),
        "lo90": pct(own, 5),
        "hi90": pct(own, 95),
        "diff_mean": diff.mean(),
        "diff_lo90": pct(diff, 5),
        "diff_hi90": pct(diff, 95),
        "rel_change": diff.mean() / base_mean if base_mean else np.nan,
    }


def assert_matches(table: pd.DataFrame, per_rep: dict[str, np.ndarray]) -> None:
    assert list(table["scenario"]) == list(SCENARIOS)
    for scenario in SCENARIOS:
        row = table[table["scenario"] == scenario].iloc[0]
        for column, value in expected_row(per_rep, scenario).items():
            assert row[column] == pytest.approx(value, nan_ok=True), (scenario, column)


def test_columns_are_the_contract(folder):
    table = compare(folder)
    assert list(table.columns) == [
        "scenario",
        "period",
        "n",
        "mean",
        "lo90",
        "hi90",
        "diff_mean",
        "diff_lo90",
        "diff_hi90",
        "rel_change",
        "baseline",
    ]
    assert list(compare(folder, by="country").columns)[:3] == ["scenario", "country", "period"]


def test_onward_whole_run(folder):
    table = compare(folder, metric="onward_moves")
    assert_matches(table, {s: ONWARD[s].sum(axis=(1, 2)) for s in SCENARIOS})
    assert set(table["period"]) == {"2025-11/2026-02"}


def test_pathways_pairs_only_replicates_in_baseline(folder):
    row = compare(folder).set_index("scenario").loc["pathways"]
    total = ONWARD["pathways"].sum(axis=(1, 2))
    base = ONWARD["baseline"].sum(axis=(1, 2))
    assert row["n"] == 4
    assert row["mean"] == pytest.approx(total.mean())
    assert row["diff_mean"] == pytest.approx((total[:3] - base[:3]).mean())


def test_baseline_differs_from_itself_by_zero(folder):
    row = compare(folder).iloc[0]
    assert row["scenario"] == "baseline"
    assert (row["diff_mean"], row["diff_lo90"], row["diff_hi90"], row["rel_change"]) == (0, 0, 0, 0)


def test_same_answer_from_folder_and_frames(folder, frames):
    from_folder = compare(folder, metric="regular_share")
    from_frames = compare(frames, metric="regular_share")
    pd.testing.assert_frame_equal(from_folder, from_frames)


def test_any_object_with_tables_works(frames):
    class Store:
        runs = frames.runs
        timeseries = frames.timeseries
        flows = frames.flows

    pd.testing.assert_frame_equal(compare(Store()), compare(frames))


def test_period_year(folder):
    table = compare(folder, period="year")
    assert list(table["period"].unique()) == ["2025", "2026"]
    y2025 = table[table["period"] == "2025"]
    assert_matches(y2025, {s: ONWARD[s][:, :2].sum(axis=(1, 2)) for s in SCENARIOS})
    y2026 = table[table["period"] == "2026"]
    assert_matches(y2026, {s: ONWARD[s][:, 2:].sum(axis=(1, 2)) for s in SCENARIOS})


def test_period_month(folder):
    table = compare(folder, period="month")
    assert list(table["period"].unique()) == ["2025-11", "2025-12", "2026-01", "2026-02"]
    dec = table[table["period"] == "2025-12"]
    assert_matches(dec, {s: ONWARD[s][:, 1].sum(axis=1) for s in SCENARIOS})


def test_period_range(folder):
    table = compare(folder, period="2025-12/2026-01")
    assert set(table["period"]) == {"2025-12/2026-01"}
    assert_matches(table, {s: ONWARD[s][:, 1:3].sum(axis=(1, 2)) for s in SCENARIOS})


def test_period_range_outside_results_is_an_error(folder):
    with pytest.raises(ResultsError, match="2025-11/2026-02"):
        compare(folder, period="2030-01/2030-12")


def test_unknown_period_lists_allowed(folder):
    with pytest.raises(ResultsError, match="run, year, month"):
        compare(folder, period="decade")


def test_by_country(folder):
    table = compare(folder, by="country")
    assert sorted(table["country"].unique()) == sorted(HOSTS)
    for h, host in enumerate(HOSTS):
        part = table[table["country"] == host]
        assert_matches(part, {s: ONWARD[s][:, :, h].sum(axis=1) for s in SCENARIOS})


def test_by_nationality(folder):
    table = compare(folder, by="nationality")
    assert set(table["nationality"]) == {"VEN"}
    assert_matches(table, {s: ONWARD[s].sum(axis=(1, 2)) for s in SCENARIOS})


def test_darien_crossings_and_zero_baseline_rel_change(folder):
    table = compare(folder, metric="darien_crossings")
    assert_matches(table, {s: DARIEN[s].sum(axis=1) for s in SCENARIOS})
    closure = compare(folder, metric="darien_crossings", baseline="closure")
    assert closure["rel_change"].isna().iloc[1:].all()  # baseline mean is 0


def test_regular_share_is_a_monthly_mean_of_abroad_stock(folder):
    share = {}
    for s in SCENARIOS:
        regular = STOCK[s][..., 2:].sum(axis=(2, 3))  # regular, labor_visa, naturalized
        total = STOCK[s].sum(axis=(2, 3))
        share[s] = (regular / total).mean(axis=1)
    assert_matches(compare(folder, metric="regular_share"), share)


def test_employment_rate(folder):
    rate = {
        s: (EMPLOYED[s].sum(axis=(2, 3)) / STOCK[s].sum(axis=(2, 3))).mean(axis=1)
        for s in SCENARIOS
    }
    assert_matches(compare(folder, metric="employment_rate"), rate)


def test_stock_by_host_is_end_of_period(folder):
    table = compare(folder, metric="stock_by_host", by="country", period="year")
    part = table[(table["country"] == "PER") & (table["period"] == "2025")]
    assert_matches(part, {s: STOCK[s][:, 1, 1].sum(axis=1) for s in SCENARIOS})


def test_every_run_gets_a_row_even_without_data(frames):
    quiet = ResultsFrames(
        frames.runs, frames.timeseries[frames.timeseries["scenario"] != "closure"], frames.flows
    )
    values = onward_moves(quiet, by="country")
    closure = values[values["scenario"] == "closure"]
    assert len(closure) == 3 * len(HOSTS)
    assert (closure["value"] == 0).all()
    share = regular_share(quiet)
    assert share[share["scenario"] == "closure"]["value"].isna().all()


def test_metric_output_columns(frames):
    values = onward_moves(frames, by="country", period="year")
    assert list(values.columns) == ["run_id", "scenario", "replicate", "country", "period", "value"]


def test_every_registered_metric_runs(frames):
    for name, (function, label, description, unit) in METRICS.items():
        table = compare(frames, metric=name)
        assert len(table) == len(SCENARIOS), name
        assert label and description and unit in {"people", "share"}
        assert callable(function)


def test_missing_baseline_names_available(folder):
    with pytest.raises(ResultsError, match="baseline, closure, pathways"):
        compare(folder, baseline="status_quo")


def test_unknown_metric_lists_allowed(folder):
    with pytest.raises(ResultsError, match="onward_moves"):
        compare(folder, metric="happiness")


def test_unknown_grouping(folder):
    with pytest.raises(ResultsError, match="country, nationality"):
        compare(folder, by="route")


def test_missing_folder(tmp_path):
    with pytest.raises(ResultsError, match="not found"):
        compare(tmp_path / "nope")


def test_folder_without_tables(tmp_path):
    with pytest.raises(ResultsError, match="runs.parquet"):
        compare(tmp_path)

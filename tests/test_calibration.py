"""Calibration: periods, observation model, loss, report files and parameter recovery."""

from __future__ import annotations

import warnings
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from flowsim.calibration import observe
from flowsim.calibration.history_matching import implausibility, observed_log
from flowsim.calibration.loss import (
    calibration_loss,
    group_losses,
    interval_log_error,
    log_error,
    observed_bounds,
)
from flowsim.calibration.report import fit_table, update_document, write_parameters
from flowsim.calibration.targets import (
    LAST_TARGET_MONTH,
    TARGET_COLUMNS,
    default_targets_path,
    fiscal_year,
    load_targets,
    period_bounds,
)


# ----------------------------------------------------------------- periods
def test_october_2019_belongs_to_fy2020() -> None:
    assert fiscal_year(date(2019, 10, 1)) == 2020
    assert fiscal_year(date(2019, 9, 1)) == 2019
    assert period_bounds("FY2020") == (date(2019, 10, 1), date(2020, 9, 1))


@pytest.mark.parametrize(
    ("period", "bounds"),
    [
        ("2019", (date(2019, 1, 1), date(2019, 12, 1))),
        ("2020-11", (date(2020, 11, 1), date(2020, 11, 1))),
        ("2020-01/2020-11", (date(2020, 1, 1), date(2020, 11, 1))),
    ],
)
def test_period_bounds(period: str, bounds: tuple[date, date]) -> None:
    assert period_bounds(period) == bounds


@pytest.mark.parametrize("bad", ["2019-13", "FY20", "2020-05/2020-01", "soon"])
def test_bad_periods_are_rejected(bad: str) -> None:
    with pytest.raises(ValueError):
        period_bounds(bad)


def test_packaged_targets_stop_in_2021_and_cite_sources() -> None:
    targets = load_targets()
    assert all(period_bounds(p)[1] <= LAST_TARGET_MONTH for p in targets["period"])
    assert set(targets["group"]) >= {"r4v_stock", "darien_nationality", "us_sw_border"}
    assert targets["source_url"].str.startswith("http").all(), "every target needs its source"
    assert (targets["observation"] != "").all(), "every target needs its observation"


# ----------------------------------------------------------------- observation model
def _ts(rows: list[tuple[str, str, str, str, str, float]]) -> pd.DataFrame:
    frame = pd.DataFrame(
        rows, columns=["month", "country", "nationality", "status", "variable", "value"]
    )
    frame["month"] = pd.to_datetime(frame["month"])
    return frame.assign(run_id="toy/r0")


def _flows(rows: list[tuple[str, str, str, float]]) -> pd.DataFrame:
    frame = pd.DataFrame(rows, columns=["month", "nationality", "route", "people"])
    frame["month"] = pd.to_datetime(frame["month"])
    return frame.assign(run_id="toy/r0")


TS = _ts(
    [
        ("2020-11-01", "COL", "VEN", "irregular", "stock", 700.0),
        ("2020-11-01", "COL", "VEN", "regular", "stock", 300.0),
        ("2020-11-01", "COL", "HTI", "regular", "stock", 50.0),
        ("2020-11-01", "VEN", "VEN", "national", "stock", 9000.0),
        ("2020-10-01", "COL", "VEN", "regular", "stock", 111.0),
        ("2019-09-01", "USA", "MEX", "all", "intercepted", 7.0),  # FY2019
        ("2019-10-01", "USA", "MEX", "all", "intercepted", 10.0),  # FY2020
        ("2019-10-01", "USA", "VEN", "all", "intercepted", 4.0),  # FY2020
        ("2020-09-01", "MEX", "GTM", "all", "intercepted", 99.0),  # not entering the USA
        ("2021-03-01", "COL", "HTI", "all", "deaths", 2.0),
        ("2021-04-01", "MEX", "HND", "all", "deaths", 3.0),
        ("2017-08-01", "COL", "VEN", "all", "regularized", 60.0),
        ("2018-12-01", "COL", "VEN", "all", "regularized", 40.0),
        ("2019-01-01", "COL", "VEN", "all", "regularized", 500.0),  # after the period
        ("2018-03-01", "COL", "HTI", "all", "regularized", 7.0),  # another nationality
        ("2018-03-01", "PER", "VEN", "all", "regularized", 9.0),  # another host
    ]
)
FLOWS = _flows(
    [
        ("2021-01-01", "HTI", "Darien Gap", 100.0),
        ("2021-12-01", "VEN", "Darien Gap", 20.0),
        ("2022-01-01", "VEN", "Darien Gap", 5000.0),
        ("2019-10-01", "GTM", "US southwest border", 30.0),  # FY2020
        ("2020-09-01", "HND", "US southwest border", 40.0),  # FY2020
        ("2020-10-01", "HND", "US southwest border", 1000.0),  # FY2021
        ("2020-01-01", "MEX", "US southwest border", 200.0),  # FY2020
    ]
)


def test_stock_sums_statuses_abroad_at_the_month() -> None:
    assert observe.stock(TS, "COL", "VEN", date(2020, 11, 1)) == 1000.0
    assert observe.stock(TS, "VEN", "VEN", date(2020, 11, 1)) == 0.0


def test_route_crossings_by_year_and_nationality() -> None:
    first, last = period_bounds("2021")
    assert observe.route_crossings(FLOWS, "Darien Gap", "*", first, last) == 120.0
    assert observe.route_crossings(FLOWS, "Darien Gap", "VEN", first, last) == 20.0


def test_border_encounters_by_fiscal_year_and_group() -> None:
    first, last = period_bounds("FY2020")
    args = ("US southwest border", "USA")
    assert observe.border_encounters(TS, FLOWS, *args, "*", first, last) == 284.0
    assert observe.border_encounters(TS, FLOWS, *args, "MEX", first, last) == 210.0
    assert observe.border_encounters(TS, FLOWS, *args, "GTM HND SLV", first, last) == 70.0
    assert observe.border_encounters(TS, FLOWS, *args, "~MEX GTM HND SLV", first, last) == 4.0


def test_deaths_by_departure_country() -> None:
    first, last = period_bounds("2021")
    assert observe.deaths(TS, "*", first, last) == 5.0
    assert observe.deaths(TS, "MEX", first, last) == 3.0


def test_regularized_permits_by_host_nationality_and_period() -> None:
    first, last = period_bounds("2017-01/2018-12")
    assert observe.regularized(TS, "COL", "VEN", first, last) == 100.0
    assert observe.regularized(TS, "COL", "*", first, last) == 107.0
    assert observe.regularized(TS, "CHL", "*", first, last) == 0.0


def _targets(rows: list[dict[str, object]]) -> pd.DataFrame:
    base = {c: "" for c in TARGET_COLUMNS} | {"weight": 1.0, "nationalities": "*", "obs_error": 0.1}
    return pd.DataFrame([base | r for r in rows])[list(TARGET_COLUMNS)]


def test_observe_tables_follows_the_targets_rows() -> None:
    targets = _targets(
        [
            {
                "target_id": "s",
                "kind": "stock",
                "country": "COL",
                "nationalities": "VEN",
                "period": "2020-11",
                "value": 1.0,
            },
            {
                "target_id": "d",
                "kind": "route_crossings",
                "route": "Darien Gap",
                "period": "2021",
                "value": 1.0,
            },
            {
                "target_id": "b",
                "kind": "border_encounters",
                "route": "US southwest border",
                "country": "USA",
                "period": "FY2021",
                "value": 1.0,
            },
            {
                "target_id": "x",
                "kind": "deaths",
                "country": "*",
                "period": "2021-03/2021-04",
                "value": 1.0,
            },
            {
                "target_id": "i",
                "kind": "intercepted",
                "country": "USA",
                "nationalities": "MEX",
                "period": "FY2020",
                "value": 1.0,
            },
            {
                "target_id": "r",
                "kind": "regularized",
                "country": "COL",
                "nationalities": "VEN",
                "period": "2017-01/2018-12",
                "value": 1.0,
            },
        ]
    )
    table = observe.observe_tables(targets, TS, FLOWS)
    assert table.loc["toy/r0"].to_dict() == {
        "s": 1000.0,
        "d": 120.0,
        "b": 1000.0,
        "x": 5.0,
        "i": 10.0,  # FY2020 only, entering the USA only, Mexicans only
        "r": 100.0,
    }


# ----------------------------------------------------------------- loss
def test_loss_on_known_numbers() -> None:
    targets = _targets(
        [
            {"target_id": "a1", "group": "a", "value": 99.0},
            {"target_id": "a2", "group": "a", "value": 9.0},
            {"target_id": "b1", "group": "b", "value": 0.0},
            {"target_id": "z", "group": "c", "value": 5.0, "weight": 0.0},
        ]
    )
    sim = np.array([999.0, 9.0, np.e - 1, 1e9])
    assert log_error(999.0, 99.0) == pytest.approx(np.log(10))
    groups = group_losses(targets, sim)
    assert list(groups.index) == ["a", "b"], "weight-0 rows are reported, not fitted"
    assert groups["a"] == pytest.approx(np.log(10) / 2)
    assert groups["b"] == pytest.approx(1.0)
    assert calibration_loss(targets, sim) == pytest.approx((np.log(10) / 2 + 1.0) / 2)


def test_an_interval_target_scores_the_distance_to_its_nearer_bound() -> None:
    sim = np.array([9.0, 99.0, 999.0, 9999.0, np.nan])
    got = interval_log_error(sim, 99.0, 999.0, 1.0)
    assert got[0] == pytest.approx(np.log(10 / 100)), "below: to the low bound"
    assert got[1] == 0.0 and got[2] == 0.0, "inside (bounds included): no error"
    assert got[3] == pytest.approx(np.log(10))
    assert np.isnan(got[4]), "a failed run stays missing, not a perfect fit"
    # equal bounds are the plain log error, bit for bit (every point target)
    assert np.array_equal(interval_log_error(sim[:4], 99.0, 99.0, 1.0), log_error(sim[:4], 99.0))
    targets = _targets(
        [
            {"target_id": "p", "group": "a", "value": 99.0},
            {"target_id": "i", "group": "b", "value": 999.0, "low": 99.0, "high": 999.0},
            {"target_id": "e", "group": "c", "value": 99.0, "low": "", "high": ""},
        ]
    )
    low, high = observed_bounds(targets)
    assert low.tolist() == [99.0, 99.0, 99.0] and high.tolist() == [99.0, 999.0, 99.0]
    groups = group_losses(targets, np.array([999.0, 499.0, 999.0]))
    assert groups["a"] == pytest.approx(np.log(10)) and groups["c"] == pytest.approx(np.log(10))
    assert groups["b"] == 0.0, "inside its interval the target fits"
    assert group_losses(targets, np.array([999.0, 9.0, 999.0]))["b"] == pytest.approx(np.log(10))


def test_a_lower_bound_alone_scores_only_a_shortfall(tmp_path: Path) -> None:
    """``high`` = inf: a source's "over 100,000" is met by any larger count."""
    sim = np.array([9.0, 99.0, 9999.0, 1e12, np.nan])
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no division warning from the open bound
        got = interval_log_error(sim, 99.0, np.inf, 1.0)
    assert got[0] == pytest.approx(np.log(10 / 100)), "below: to the lower bound"
    assert got[1] == 0.0 and got[2] == 0.0 and got[3] == 0.0, "at or above: no error"
    assert np.isnan(got[4])
    table = pd.read_csv(default_targets_path(), dtype=str, keep_default_na=False)
    table = table[table["high"] == ""].head(3).reset_index(drop=True)
    table.loc[1, ["value", "low", "high"]] = ["100", "", "inf"]
    path = tmp_path / "targets.csv"
    table.to_csv(path, index=False)
    targets = load_targets(path)
    low, high = observed_bounds(targets)
    assert low[1] == 100.0 and np.isinf(high[1]) and np.isfinite(high[[0, 2]]).all()
    # the implausibility measures the shortfall only, as the loss does
    z = observed_log(targets, 1.0)
    mean = np.log(np.array([[101.0, 1e9, 101.0], [101.0, 11.0, 101.0]]))
    imp = implausibility(z, mean, np.zeros_like(mean), np.ones(3), np.zeros_like(mean))
    assert imp[0, 1] == 0.0 and imp[1, 1] == pytest.approx(np.log(101 / 11))


@pytest.mark.parametrize(
    ("low", "high", "message"),
    [
        ("ten", "", "low must be a finite number or empty"),
        ("", "lots", "high must be a finite number, inf \\(no upper bound\\) or empty"),
        ("", "-inf", "high must be a finite number, inf \\(no upper bound\\) or empty"),
        ("", "Infinity", "high must be a finite number, inf \\(no upper bound\\) or empty"),
        ("inf", "", "low must be a finite number or empty"),
        ("120", "", "0 <= low <= value <= high"),
        ("", "80", "0 <= low <= value <= high"),
        ("-1", "", "0 <= low <= value <= high"),
    ],
)
def test_bad_target_bounds_are_rejected_naming_the_target(
    tmp_path: Path, low: str, high: str, message: str
) -> None:
    table = pd.read_csv(default_targets_path(), dtype=str, keep_default_na=False).head(3)
    table.loc[1, ["value", "low", "high"]] = ["100", low, high]
    path = tmp_path / "targets.csv"
    table.to_csv(path, index=False)
    with pytest.raises(ValueError, match=message) as err:
        load_targets(path)
    assert table.loc[1, "target_id"] in str(err.value)


def test_duplicate_ids_are_refused_before_their_bounds_are_read(tmp_path: Path) -> None:
    table = pd.read_csv(default_targets_path(), dtype=str, keep_default_na=False).head(3)
    table.loc[2] = table.loc[1]
    table.loc[2, "low"] = "x"  # would be a bad bound, but the duplicate is the first problem
    path = tmp_path / "targets.csv"
    table.to_csv(path, index=False)
    with pytest.raises(ValueError, match="duplicate target ids"):
        load_targets(path)


@pytest.mark.parametrize("value", ["inf", "nan"])
def test_a_target_value_must_be_finite(tmp_path: Path, value: str) -> None:
    table = pd.read_csv(default_targets_path(), dtype=str, keep_default_na=False).head(3)
    table.loc[1, "value"] = value
    path = tmp_path / "targets.csv"
    table.to_csv(path, index=False)
    with pytest.raises(ValueError, match="value must be a finite number") as err:
        load_targets(path)
    assert table.loc[1, "target_id"] in str(err.value)


def test_mexican_airport_entries_bound_the_migrants_by_the_2019_travellers() -> None:
    # the 2021 row's lower bound is its entries less eleven months of 2019's entries (all
    # taken as round-trip travellers at most); the earlier years are upper bounds, reported
    # not fitted
    air = load_targets().set_index("target_id")
    air = air[air["group"] == "mexico_air"]
    y2021 = air.loc["mex_air|VEN|2021-01/2021-11"]
    assert y2021["high"] == y2021["value"] == 160_379
    visitors = air.loc["mex_air|VEN|2019", "value"] * 11 / 12
    assert y2021["low"] == round(y2021["value"] - visitors) and y2021["weight"] == 1
    earlier = air.drop(index="mex_air|VEN|2021-01/2021-11")
    assert list(earlier["period"]) == ["2018", "2019", "2020"]
    assert (earlier["low"] == 0).all() and (earlier["high"] == earlier["value"]).all()
    assert (earlier["weight"] == 0).all()


def test_fit_table_interval_and_error() -> None:
    targets = _targets([{"target_id": "t", "group": "g", "period": "2019", "value": 9.0}])
    table = fit_table(targets, np.array([[9.0], [19.0], [29.0]]))
    row = table.iloc[0]
    assert row["simulated_mean"] == 19.0
    assert row["log_error"] == pytest.approx(np.log(2))
    assert 9.0 < row["simulated_p05"] < row["simulated_p95"] < 29.0


# ----------------------------------------------------------------- files
def test_parameter_file_is_a_scenario_layer(tmp_path: Path) -> None:
    from flowsim.scenario.load import load_scenario

    write_parameters(
        tmp_path / "calibration" / "baseline_parameters.toml",
        {"push_scale": 1.7, "b_net": 0.25},
        note="test",
        calibration={
            "method": "history_matching",
            "ensemble": "ensemble.csv",
            "n_sets": 2,
            "measured_by": 'flowsim calibrate --report --out "x"',
            "fit_male_by_group": {"stock": 0.25},
            "refined_points": 40,
            "refined_male_before": 0.9,
            "refined_male_after": 0.7,
            "refined_male_by_group": {"stock": 0.2},
        },
    )
    (tmp_path / "base.toml").write_text(
        'name = "base"\nextends = "calibration/baseline_parameters"\n[run]\nmonths = 12\n',
        encoding="utf-8",
    )
    scenario = load_scenario(tmp_path / "base.toml")
    assert scenario.parameters.push_scale == 1.7
    assert scenario.parameters.b_net == 0.25
    assert scenario.name == "base"
    assert scenario.calibration is not None
    assert scenario.calibration.ensemble == "calibration/ensemble.csv"
    assert scenario.calibration.fit_male_by_group == {"stock": 0.25}
    assert scenario.calibration.measured_by == 'flowsim calibrate --report --out "x"'
    assert scenario.calibration.refined_male_after == 0.7
    assert scenario.calibration.refined_male_by_group == {"stock": 0.2}


def test_update_document_replaces_only_marked_sections(tmp_path: Path) -> None:
    doc = tmp_path / "c.md"
    doc.write_text("keep\n<!-- fit:start -->\nold\n<!-- fit:end -->\ntail\n", encoding="utf-8")
    update_document(doc, {"fit": "new"})
    assert doc.read_text() == "keep\n<!-- fit:start -->\nnew\n<!-- fit:end -->\ntail\n"
    with pytest.raises(ValueError):
        update_document(doc, {"missing": "x"})


# ----------------------------------------------------------------- flows observations
def _full_flows(rows: list[tuple[str, str, str, str, str, str, float]]) -> pd.DataFrame:
    cols = ["month", "nationality", "from_country", "to_country", "route", "mode", "kind"]
    frame = pd.DataFrame(rows, columns=[*cols, "people"])
    frame["month"] = pd.to_datetime(frame["month"])
    return frame.assign(run_id="toy/r0")


FULL = _full_flows(
    [
        ("2021-03-01", "VEN", "COL", "MEX", "COL-MEX-air", "air", "onward", 10.0),
        ("2021-04-01", "VEN", "VEN", "MEX", "VEN-MEX-air", "air", "first", 5.0),
        ("2021-04-01", "VEN", "GTM", "MEX", "GTM-MEX-land", "land", "onward", 7.0),
        ("2022-01-01", "VEN", "VEN", "MEX", "VEN-MEX-air", "air", "first", 500.0),
        ("2020-05-01", "VEN", "COL", "VEN", "COL-VEN-land", "land", "return", 30.0),
        ("2020-06-01", "VEN", "PER", "VEN", "PER-VEN-air", "air", "return", 3.0),
        ("2020-06-01", "VEN", "COL", "VEN", "COL-VEN-land", "land", "first", 99.0),
        ("2021-02-01", "HTI", "COL", "PAN", "Darien Gap", "land", "onward", 60.0),
        ("2021-02-01", "VEN", "COL", "PAN", "Darien Gap", "land", "first", 40.0),
    ]
)


def test_entries_by_mode_and_country_left() -> None:
    first, last = period_bounds("2021")
    assert observe.entries(FULL, "MEX", "", "air", "VEN", first, last) == 15.0
    assert observe.entries(FULL, "MEX", "", "", "VEN", first, last) == 22.0
    assert observe.entries(FULL, "MEX", "COL", "", "*", first, last) == 10.0


def test_returns_count_only_return_journeys() -> None:
    first, last = period_bounds("2020-04/2020-10")
    assert observe.returns(FULL, "VEN", "", "VEN", first, last) == 33.0
    assert observe.returns(FULL, "VEN", "COL", "VEN", first, last) == 30.0


def test_darien_secondary_share_flag_or_onward() -> None:
    first, last = period_bounds("2021")
    assert observe.darien_secondary_share(FULL, "Darien Gap", "*", first, last) == 60.0
    flagged = FULL.assign(lived_in_third=FULL["nationality"] == "VEN")
    assert observe.darien_secondary_share(flagged, "Darien Gap", "*", first, last) == 40.0
    none = period_bounds("2016")
    assert np.isnan(observe.darien_secondary_share(FULL, "Darien Gap", "*", *none))


def test_arrivals_secondary_share_counts_arrivals_in_the_listed_hosts() -> None:
    first, last = period_bounds("2021")
    # arrivals in MEX and PAN in 2021: 10 + 5 + 7 (MEX) + 60 + 40 (PAN); onward 10 + 7 + 60
    assert observe.arrivals_secondary_share(FULL, "MEX PAN", "*", first, last) == pytest.approx(
        100.0 * 77 / 122
    )
    assert observe.arrivals_secondary_share(FULL, "MEX", "VEN", first, last) == pytest.approx(
        100.0 * 17 / 22
    )
    flagged = FULL.assign(lived_in_third=FULL["from_country"] == "GTM")
    assert observe.arrivals_secondary_share(flagged, "MEX", "*", first, last) == pytest.approx(
        100.0 * 7 / 22
    )
    # returns home are not arrivals in a host; nobody arriving is no share at all
    returns = period_bounds("2020")
    assert np.isnan(observe.arrivals_secondary_share(FULL, "VEN", "VEN", *returns))
    targets = load_targets()
    dtm = targets[targets["kind"] == "arrivals_secondary_share"]
    assert list(dtm["country"]) == ["BRA COL PER"] and list(dtm["value"]) == [2.0]
    in_survey = flagged.assign(to_country="COL", month=pd.Timestamp("2018-01-01"))
    got = observe.observe_run(dtm, TS.iloc[:0], in_survey)  # dispatch by host list
    venezuelans = in_survey.loc[in_survey["nationality"] == "VEN", "people"].sum()
    assert got[0] == pytest.approx(100.0 * 7 / venezuelans)


def test_packaged_targets_state_an_observation_error_and_new_families() -> None:
    targets = load_targets()
    assert (targets["obs_error"] > 0).all()
    groups = set(targets["group"])
    assert {"undesa_stock", "haitian_stock", "darien_residence", "usbp_nationality"} <= groups
    assert {"mexico_air", "returns", "uscg_interdictions"} <= groups
    spain = targets[(targets["group"] == "undesa_stock") & (targets["country"] == "ESP")]
    assert {"2015-06", "2020-06"} <= set(spain["period"])
    simulated = observe.observe_run(targets, TS.iloc[:0], FULL.iloc[:0])
    assert simulated.shape == (len(targets),)


def test_ensemble_fit_table_median_of_set_means_and_group_male() -> None:
    from flowsim.calibration.report import ensemble_fit_table, male_by_group

    targets = _targets(
        [
            {"target_id": "a", "group": "g1", "value": 99.0, "obs_error": 0.1},
            {"target_id": "b", "group": "g2", "value": 999.0, "obs_error": 0.1},
            {"target_id": "z", "group": "g3", "value": 9.0, "obs_error": 0.1, "weight": 0.0},
        ]
    )
    # 3 sets x 2 replicates: set means of "a" are 99, 999, 9 -> median 99 (exact fit)
    sims = np.array(
        [
            [[98.0, 9.0, 0.0], [100.0, 9.0, 0.0]],
            [[999.0, 99.0, 0.0], [999.0, 99.0, 0.0]],
            [[9.0, 99.0, 0.0], [9.0, 99.0, 0.0]],
        ]
    )
    table = ensemble_fit_table(targets, sims, scale=1.0)
    assert table["ensemble_median"].tolist() == [99.0, 99.0, 0.0]
    assert table.loc[0, "inside_90"] and not table.loc[1, "inside_90"]
    male = male_by_group(table)
    assert male["g1"] == pytest.approx(0.0)
    assert male["g2"] == pytest.approx(np.log(10))
    assert "g3" not in male, "weight-0 rows are reported, not fitted"
    assert male["overall"] == pytest.approx(np.log(10) / 2)


def test_departures_are_residents_leaving_over_the_stock_before() -> None:
    ts = _ts(
        [
            ("2020-12-01", "COL", "VEN", "irregular", "stock", 800.0),
            ("2020-12-01", "COL", "VEN", "regular", "stock", 200.0),
            ("2021-01-01", "COL", "VEN", "regular", "stock", 5000.0),  # not the base
            ("2021-03-01", "COL", "VEN", "all", "left_residence", 30.0),
            ("2021-07-01", "COL", "VEN", "all", "left_residence", 10.0),
            ("2021-07-01", "COL", "VEN", "all", "journeys_return", 99.0),  # not the measure
            ("2022-01-01", "COL", "VEN", "all", "left_residence", 500.0),  # after the period
            ("2021-03-01", "PER", "VEN", "all", "left_residence", 70.0),
            ("2021-03-01", "COL", "HTI", "all", "left_residence", 9.0),
        ]
    )
    first, last = period_bounds("2021")
    assert observe.departures(ts, "COL", "VEN", first, last) == pytest.approx(4.0)
    assert np.isnan(observe.departures(ts, "ECU", "VEN", first, last))
    targets = load_targets()
    row = targets[targets["kind"] == "departures"]
    assert list(row["country"]) == ["COL"] and list(row["value"]) == [4.0]
    assert observe.observe_run(row, ts, FULL.iloc[:0])[0] == pytest.approx(4.0)


def test_every_free_parameter_prior_lies_inside_the_parameter_bounds() -> None:
    # a prior outside a Field's bounds would make history matching propose invalid scenarios
    from flowsim.calibration.space import FREE_PARAMETERS
    from flowsim.parameters import Parameters

    names = [p.name for p in FREE_PARAMETERS]
    assert len(names) == len(set(names))
    for p in FREE_PARAMETERS:
        assert p.name in Parameters.model_fields, p.name
        assert p.low < p.high, p.name
        if p.log:
            assert p.low > 0, p.name
        for value in (p.low, p.high):
            Parameters(**{p.name: value})  # raises a ValidationError outside the bounds


def test_fit_figures_draw_every_group_with_intervals_and_upper_bounds(tmp_path: Path) -> None:
    from flowsim.calibration.report import ensemble_fit_table, fit_figures, observed_marks

    targets = load_targets()
    targets = targets[targets["group"].isin(["mexico_air", "returns"])].reset_index(drop=True)
    sims = np.full((2, 1, len(targets)), 50_000.0)
    table = ensemble_fit_table(targets, sims, 500.0).rename(
        columns={f"ensemble_{k}": f"simulated_{k}" for k in ("p05", "p95")}
        | {"ensemble_median": "simulated_mean"}
    )
    paths = fit_figures(table, tmp_path)
    assert sorted(p.name for p in paths) == ["fit_mexico_air.png", "fit_returns.png"]
    assert all(p.read_bytes()[:4] == b"\x89PNG" for p in paths)
    # the marks: returns are lower bounds only ("more than 95,000"), airports 2018-2020
    # upper bounds only, 2021 an interval; exactly one mark a row
    marks = observed_marks(table)
    assert (np.sum(marks, axis=0) == 1).all()
    kind = np.select(list(marks), ["point", "span", "upper", "lower"], "none")
    got = dict(zip(table["target"], kind, strict=True))
    assert got["mex_air|VEN|2021-01/2021-11"] == "span"
    assert [got[f"mex_air|VEN|{y}"] for y in (2018, 2019, 2020)] == ["upper"] * 3
    assert {got[t] for t in table["target"] if t.startswith("returns")} == {"lower"}
    assert observed_marks(table.drop(columns=["observed_low", "observed_high"]))[0].all()
    # and the drawing follows them: one line for the 2021 interval, triangles at the upper
    # bounds, no filled dot for a bounded row
    from matplotlib.axes import Axes

    calls: list[tuple[str, int, str]] = []
    real_plot, real_vlines = Axes.plot, Axes.vlines

    def plot(ax: Axes, x: object, y: object, fmt: str = "-", **kw: object) -> object:
        if isinstance(fmt, str) and fmt in ("o", "v", "^"):
            fill = "open" if kw.get("mfc") == "none" else "filled"
            calls.append((fmt, len(np.atleast_1d(y)), fill))
        return real_plot(ax, x, y, fmt, **kw)

    def vlines(ax: Axes, x: object, lo: object, hi: object, **kw: object) -> object:
        calls.append(("|", len(np.atleast_1d(lo)), "line"))
        return real_vlines(ax, x, lo, hi, **kw)

    air = table[table["group"] == "mexico_air"]
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(Axes, "plot", plot)
        mp.setattr(Axes, "vlines", vlines)
        fit_figures(air, tmp_path)
    assert sorted(calls) == sorted([("|", 1, "line"), ("o", 1, "open"), ("v", 3, "filled")])
    calls.clear()
    with pytest.MonkeyPatch.context() as mp:  # the returns: upward triangles, no interval
        mp.setattr(Axes, "plot", plot)
        mp.setattr(Axes, "vlines", vlines)
        fit_figures(table[table["group"] == "returns"], tmp_path)
    n_returns = int((table["group"] == "returns").sum())  # one panel each
    marked = [c for c in calls if c[0] != "|"]  # "|": the simulated bars of a panel of one
    assert marked == [("^", 1, "filled")] * n_returns


def test_optional_document_sections_are_skipped_others_refused(tmp_path: Path) -> None:
    doc = tmp_path / "doc.md"
    doc.write_text("a\n<!-- one:start -->\nold\n<!-- one:end -->\n", encoding="utf-8")
    skipped = update_document(doc, {"one": "new", "two": "x"}, optional=frozenset({"two"}))
    assert skipped == ["two"] and "new" in doc.read_text(encoding="utf-8")
    before = doc.read_text(encoding="utf-8")
    with pytest.raises(ValueError, match="two:start"):
        update_document(doc, {"one": "newer", "two": "x"})
    assert doc.read_text(encoding="utf-8") == before, "nothing written on a refusal"


def test_headline_parts_sum_to_the_overall_male_largest_first() -> None:
    from flowsim.calibration.report import ensemble_fit_table, headline_parts, male_by_group

    targets = _targets(
        [
            {"target_id": "a1", "group": "a", "value": 99.0},
            {"target_id": "a2", "group": "a", "value": 9.0, "weight": 3.0},
            {"target_id": "b1", "group": "b", "value": 999.0},
            {"target_id": "z", "group": "c", "value": 5.0, "weight": 0.0},
        ]
    )
    sims = np.array([[[999.0, 99.0, 999.0, 1e6]], [[999.0, 99.0, 999.0, 1e6]]])
    table = ensemble_fit_table(targets, sims, scale=1.0)
    parts = headline_parts(table)
    assert "z" not in set(parts["target"]), "weight-0 rows hold no part"
    assert parts["part"].sum() == pytest.approx(male_by_group(table)["overall"])
    # a2 (weight 3 of 4 in its group, error log 10) before a1 (weight 1) and b1 (exact)
    assert parts["target"].tolist() == ["a2", "a1", "b1"]
    assert parts.loc[0, "part"] == pytest.approx(3 * np.log(10) / (4 * 2))
    assert headline_parts(table, top=1)["target"].tolist() == ["a2"]


def test_run_implausibility_from_replicates_or_the_emulated_variance() -> None:
    from flowsim.calibration.history_matching import run_implausibility

    targets = _targets(
        [
            {"target_id": "a", "group": "a", "value": 99.0, "obs_error": 0.0},
            {"target_id": "b", "group": "b", "value": 9.0, "obs_error": 0.0},
        ]
    )
    # one point, two runs: log(100) and log(10000) for a; log(10) twice for b (c = 1)
    sims = np.array([[[99.0, 9.0], [9999.0, 9.0]]])
    imp = run_implausibility(targets, sims, scale=1.0, discrepancy=np.e - 1.0)
    mean_a = (np.log(100.0) + np.log(10000.0)) / 2
    var_a = np.var([np.log(100.0), np.log(10000.0)], ddof=1) * 1.5  # V_run (1 + 1/2)
    expected_a = abs(mean_a - np.log(100.0)) / np.sqrt(1.0 + var_a)  # discrepancy: log(e) = 1
    assert imp[0, 0] == pytest.approx(expected_a)
    assert imp[0, 1] == 0.0, "b's runs equal its observation"
    # one run: the emulated variance (or none) stands in for the replicates'
    one = sims[:, :1, :]
    assert run_implausibility(targets, one, 1.0, np.e - 1.0)[0, 0] == 0.0
    far = sims[:, 1:, :]  # log(10000) against log(100), no variance known: V_run = 0
    assert run_implausibility(targets, far, 1.0, np.e - 1.0)[0, 0] == pytest.approx(np.log(100.0))
    emulated = run_implausibility(targets, sims[:, 1:, :], 1.0, np.e - 1.0, np.array([[3.0, 0.0]]))
    assert emulated[0, 0] == pytest.approx(np.log(100.0) / np.sqrt(1.0 + 3.0 * 2))
    # a count no run measured is infinitely implausible (c = people per agent, not 1)
    missing = np.array([[[np.nan, 9.0], [np.nan, 9.0]]])
    assert np.isinf(run_implausibility(targets, missing, 500.0, 0.35)[0, 0])


def test_misfits_everywhere_lists_targets_no_set_fits() -> None:
    from flowsim.calibration.report import ensemble_fit_table, misfits_everywhere

    targets = _targets(
        [
            {"target_id": "fits", "group": "a", "value": 10.0},
            {"target_id": "never", "group": "a", "value": 20.0},
            {"target_id": "mostly", "group": "b", "value": 10.0},
            {"target_id": "unfitted", "group": "c", "value": 10.0, "weight": 0.0},
        ]
    )
    table = ensemble_fit_table(targets, np.full((10, 1, 4), 10.0), scale=1.0)
    imp = pd.DataFrame(np.zeros((10, 3)), columns=["mostly", "fits", "never"])  # any order
    imp["never"] = 5.0  # never within the cutoff
    imp.loc[:8, "mostly"] = 4.0  # beyond it in 9 sets of 10
    imp.loc[:7, "fits"] = 4.0  # in 8 of 10: under the 90% share
    out = misfits_everywhere(table, imp, cutoff=3.0)
    assert out["target"].tolist() == ["never", "mostly"]
    assert out["sets_implausible"].tolist() == [10, 9] and set(out["sets"]) == {10}
    assert out["median_implausibility"].tolist() == [5.0, 4.0]
    assert out.set_index("target").loc["never", "observed"] == 20.0, "rows follow the ids"
    assert misfits_everywhere(table, imp, cutoff=3.0, share=0.8)["target"].tolist() == [
        "never",
        "mostly",
        "fits",
    ]
    # no sets: nothing listed
    assert misfits_everywhere(table, imp.iloc[:0], cutoff=3.0).empty
    with pytest.raises(ValueError, match="unexpected"):
        misfits_everywhere(table, imp.assign(unfitted=0.0), cutoff=3.0)
    with pytest.raises(ValueError, match="missing"):
        misfits_everywhere(table, imp.drop(columns="fits"), cutoff=3.0)


def test_markdown_table_escapes_the_pipes_of_target_ids() -> None:
    from flowsim.calibration.report import markdown_table

    text = markdown_table(pd.DataFrame({"target": ["r4v_stock|PAN|2021-11"], "x": [1.5]}))
    assert text.splitlines()[2] == "| r4v_stock\\|PAN\\|2021-11 | 1.500 |"

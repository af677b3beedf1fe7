"""The people a target's source counts whom the model does not simulate (``unmodelled``).

Panama's Darien totals count everyone who crossed; the model simulates five nationalities
and has the others only as an input (``outside_crossings.csv``). The observation of a total
of every nationality adds them, so a total is compared with a total.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd
import pytest

from flowsim.calibration import observe
from flowsim.calibration.history_matching import observations_digest
from flowsim.calibration.report import ensemble_fit_table
from flowsim.calibration.targets import (
    TARGET_COLUMNS,
    load_targets,
    period_bounds,
    unmodelled_people,
    with_unmodelled,
)
from flowsim.world import default_world

OUTSIDE = pd.DataFrame(
    {
        "route": ["Darien Gap", "Darien Gap", "Darien Gap", "Other Route"],
        "year": [2019, 2019, 2020, 2019],
        "people_per_year": [1200.0, 600.0, 2400.0, 99_999.0],
        "network": ["a", "b", "a", "a"],
    }
)


def _targets(rows: list[dict]) -> pd.DataFrame:
    base = {c: "" for c in TARGET_COLUMNS} | {"weight": 1.0, "obs_error": 0.1, "value": 1.0}
    return pd.DataFrame([base | r for r in rows])[list(TARGET_COLUMNS)]


def _darien(nationalities: str, period: str, kind: str = "route_crossings") -> dict:
    return {"kind": kind, "route": "Darien Gap", "nationalities": nationalities, "period": period}


def test_a_total_gets_its_route_s_outside_crossings_over_its_period_and_nothing_else_does():
    targets = _targets(
        [
            _darien("*", "2019"),
            _darien("*", "2019-11/2020-02"),
            _darien("HTI", "2019"),
            _darien("*", "2018"),
            _darien("*", "2019", kind="border_encounters"),
        ]
    )
    got = unmodelled_people(targets, OUTSIDE)
    # both networks' rows of 2019 add up; two months of 2019 and two of 2020
    expected = [1800.0, 2 * 1800.0 / 12 + 2 * 2400.0 / 12, 0.0, 0.0, 0.0]
    np.testing.assert_allclose(got, expected)
    assert unmodelled_people(targets, OUTSIDE.iloc[:0]).sum() == 0.0


def test_a_route_without_a_row_in_a_later_year_has_no_outsiders_that_year_as_the_model_reads():
    """The table runs to 2020; "Other Route" has a row for 2019 only, so none in 2020-2021.

    Route knowledge reads the table year by year over all its routes
    (``flowsim.world.outside_flow`` and ``year_layer``, as ``outside_flow_in``); the targets
    read it the same way, not each route's own last year carried on.
    """
    other = {"kind": "route_crossings", "route": "Other Route", "nationalities": "*"}
    targets = _targets([other | {"period": p} for p in ("2019", "2020", "2021")])
    np.testing.assert_allclose(unmodelled_people(targets, OUTSIDE), [99_999.0, 0.0, 0.0])


def test_the_observation_adds_them_to_the_agents_crossings():
    targets = _targets(
        [
            _darien("*", "2019"),
            _darien("HTI", "2019"),
        ]
    )
    targets["unmodelled"] = unmodelled_people(targets, OUTSIDE)
    flows = pd.DataFrame(
        {
            "run_id": [0, 0],
            "month": ["2019-03", "2020-01"],
            "route": ["Darien Gap", "Darien Gap"],
            "nationality": ["HTI", "HTI"],
            "people": [500.0, 700.0],
            "to_country": ["PAN", "PAN"],
        }
    )
    got = observe.observe_run(
        targets,
        pd.DataFrame(columns=["variable", "country", "nationality", "month", "status", "value"]),
        flows,
    )
    assert got.tolist() == [500.0 + 1800.0, 500.0]
    # a row without the column (a table built by hand) adds nothing
    assert observe.observe_run(
        targets.drop(columns="unmodelled"),
        pd.DataFrame(columns=["variable", "country", "nationality", "month", "status", "value"]),
        flows,
    ).tolist() == [500.0, 500.0]


def test_the_packaged_darien_totals_carry_the_embedded_world_s_outsiders_year_by_year():
    targets = load_targets()
    outside = default_world().outside_crossings
    darien = outside[outside["route"] == "Darien Gap"].set_index("year")["people_per_year"]
    totals = targets[targets["target_id"].str.startswith("darien|all|")]
    assert len(totals) == 7
    for period, unmodelled in zip(totals["period"], totals["unmodelled"], strict=True):
        assert unmodelled == pytest.approx(darien[int(period)])
    # every other row counts only what the model simulates
    assert (targets.loc[~targets.index.isin(totals.index), "unmodelled"] == 0).all()


def test_the_saved_calibration_folders_see_a_change_of_the_outsiders():
    before = load_targets()
    world = default_world()
    doubled = world.outside_crossings.assign(people_per_year=lambda f: f["people_per_year"] * 2)
    after = with_unmodelled(before, replace(world, outside_crossings=doubled))
    assert (after["unmodelled"] > before["unmodelled"]).any()
    assert observations_digest(after) != observations_digest(before)


def test_fiscal_years_ids_later_years_and_all_but_some_are_read_as_the_model_reads_them():
    routes = pd.DataFrame({"route_id": ["COL-PAN-darien", "X-Y"], "name": ["Darien Gap", ""]})
    by_id = OUTSIDE.assign(route=OUTSIDE["route"].replace({"Darien Gap": "COL-PAN-darien"}))
    targets = _targets(
        [
            {"kind": "route_crossings", "route": "Darien Gap", "nationalities": "*", "period": p}
            for p in ("FY2020", "2022", "2018")
        ]
        + [
            {
                "kind": "route_crossings",
                "route": "Darien Gap",
                "nationalities": "~VEN HTI",
                "period": "2019",
            }
        ]
    )
    got = unmodelled_people(targets, by_id, routes)
    # FY2020: 3 months of 2019 and 9 of 2020; 2022, after the table, holds 2020's flow;
    # 2018, before it, has none; all but two nationalities count the outsiders too
    expected = [3 * 1800.0 / 12 + 9 * 2400.0 / 12, 2400.0, 0.0, 1800.0]
    np.testing.assert_allclose(got, expected)
    # without the routes table an id and a name do not meet
    assert unmodelled_people(targets, by_id).sum() == 0.0


def test_a_missing_unmodelled_cell_adds_nothing_and_the_fit_table_shows_the_column():
    targets = _targets(
        [{"kind": "route_crossings", "route": "Darien Gap", "nationalities": "*", "period": "2019"}]
    ).assign(unmodelled=[np.nan])
    flows = pd.DataFrame(
        {
            "month": ["2019-03"],
            "route": ["Darien Gap"],
            "nationality": ["HTI"],
            "people": [500.0],
            "to_country": ["PAN"],
        }
    )
    ts = pd.DataFrame(columns=["variable", "country", "nationality", "month", "status", "value"])
    assert observe.observe_run(targets, ts, flows).tolist() == [500.0]
    table = ensemble_fit_table(targets.assign(unmodelled=[1800.0]), np.array([[[2300.0]]]), 1.0)
    assert table["unmodelled"].tolist() == [1800.0]


# ----------------------------------------------------------------- the Coast Guard's counts
def test_attempts_are_the_stops_plus_the_entries_by_the_mode_asked():
    ts = pd.DataFrame(
        {
            "month": pd.to_datetime(["2017-11-01", "2018-09-01", "2018-10-01", "2018-03-01"]),
            "country": ["USA", "USA", "USA", "MEX"],
            "nationality": ["HTI", "HTI", "HTI", "HTI"],
            "status": "all",
            "variable": "intercepted",
            "value": [3.0, 4.0, 100.0, 50.0],  # FY2018, FY2018, FY2019, not the USA
        }
    )
    flows = pd.DataFrame(
        {
            "month": pd.to_datetime(["2018-01-01", "2018-01-01", "2018-02-01", "2018-02-01"]),
            "nationality": ["HTI", "HTI", "CUB", "HTI"],
            "from_country": ["DOM", "MEX", "CUB", "DOM"],
            "to_country": ["USA", "USA", "USA", "PRI"],
            "route": ["Mona Passage", "US southwest border", "Florida Straits", "x"],
            "mode": ["sea", "land", "sea", "sea"],
            "kind": "first",
            "people": [2.0, 30.0, 9.0, 70.0],
        }
    )
    targets = _targets(
        [
            {
                "target_id": "a",
                "kind": "attempts",
                "country": "USA",
                "mode": "sea",
                "nationalities": "HTI",
                "period": "FY2018",
            },
            {
                "target_id": "b",
                "kind": "attempts",
                "country": "USA",
                "nationalities": "HTI",
                "period": "FY2018",
            },
        ]
    )
    # 3 + 4 stopped in FY2018, 2 landed by sea (30 more by land when no mode is asked)
    assert observe.observe_run(targets, ts, flows).tolist() == [9.0, 39.0]


def test_the_coast_guard_s_interdictions_bound_the_model_s_stops_by_the_attempts():
    targets = load_targets().set_index("target_id")
    stops = targets[targets.index.str.startswith("uscg|")]
    tried = targets[targets.index.str.startswith("uscg_attempts|")]
    assert len(stops) == len(tried) == 5
    for tid, row in stops.iterrows():
        twin = tried.loc[tid.replace("uscg|", "uscg_attempts|")]
        assert row["low"] == row["value"] < row["high"] == twin["value"]
        assert (twin["kind"], twin["mode"], twin["country"]) == ("attempts", "sea", "USA")
        assert twin["nationalities"] == row["nationalities"]
        assert twin["group"] == row["group"] == "uscg_interdictions"
    # Haitians: the Coast Guard interdicted about a fifth of those who tried; Cubans most
    share = stops["value"] / tried["value"].to_numpy()
    assert share[stops["nationalities"] == "HTI"].max() < 0.25
    assert share[stops["nationalities"] == "CUB"].min() > 0.65


def test_the_cubans_at_us_ports_are_read_as_those_crossing_the_mexican_border():
    targets = load_targets().set_index("target_id")
    land = targets.loc["us_sw|CUB>landports|2015-01/2015-09"]
    ports = targets.loc["us_sw|CUB>ports|2015-10/2016-07"]
    # January-September 2015: at most CBP's land-port Cubans of all FY2015, at least that
    # less every port's October-December 2014 (Pew: 16,444 was 78% above it)
    assert (land["low"], land["value"], land["high"]) == (
        30_966 - round(16_444 / 1.78),
        30_966,
        30_966,
    )
    # October 2015-July 2016: at most every port's (Pew), at least Laredo's 64% of them
    assert (ports["low"], ports["value"], ports["high"]) == (round(0.64 * 46_635), 46_635, 46_635)
    for row in (land, ports):
        assert (row["kind"], row["country"], row["from_country"], row["mode"]) == (
            "entries",
            "USA",
            "MEX",
            "land",
        )
        assert (row["nationalities"], row["group"], row["weight"] > 0) == (
            "CUB",
            "us_sw_border",
            True,
        )


def test_no_packaged_target_starts_before_the_runs_do():
    """A period that starts before 2015-01 would compare part of it with all of it."""
    from flowsim.calibration.space import CALIBRATION_START

    targets = load_targets()
    year, month = (int(x) for x in CALIBRATION_START.split("-"))
    firsts = [period_bounds(p)[0] for p in targets["period"]]
    early = [
        t
        for t, f in zip(targets["target_id"], firsts, strict=True)
        if (f.year, f.month) < (year, month)
    ]
    assert not early
    total = targets.set_index("target_id").loc["us_sw|all|2015-01/2015-09", "value"]
    assert total == round(445_819 * 9 / 12)  # FY2015's events, nine months of twelve


def test_a_run_of_another_world_is_observed_against_that_world_s_outsiders(tmp_path):
    """``simulate_targets``, the calibration's observation of one run, reads a run of another
    world (``world_dir``) against that world's outside crossings, not the packaged one's."""
    from flowsim.calibration.space import simulate_targets
    from flowsim.engine.run import RunSpec
    from flowsim.scenario import Scenario
    from toy_world import write_toy_world

    folder = write_toy_world(tmp_path / "toy", push=600.0)
    (folder / "smuggling_networks.csv").write_text("network,nationality,source\nn1,AAA,t\n")
    (folder / "outside_crossings.csv").write_text(
        "route,year,people_per_year,network,source\nLast border,2015,1200,n1,t\n"
    )
    scenario = Scenario.model_validate(
        {"name": "toy", "run": {"start": "2015-01", "months": 3, "scale": 100}}
    )
    spec = RunSpec("toy/r0", scenario, 0, 7, world_dir=str(folder))
    rows = [
        {
            "kind": "route_crossings",
            "route": "Last border",
            "nationalities": "*",
            "period": "2015-01/2015-03",
        }
    ]
    packaged = with_unmodelled(_targets(rows))  # the packaged world has no such route
    assert packaged["unmodelled"].tolist() == [0.0]
    agents_only = simulate_targets(spec, packaged.drop(columns="unmodelled"))
    observed = simulate_targets(spec, packaged)
    assert observed - agents_only == pytest.approx([3 * 1200 / 12])

"""Visas filter rather than close: the third document tier (``Parameters.visa_share``).

On the toy line world with every route legal, a visa required of AAA's nationals by DDD
closes the last border to passport holders; the visa holders (the best-off ``visa_share`` of
the passport holders) still cross it. ``flowsim.model.classes`` holds the tiers.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from conservation import assert_conserved
from flowsim.model import FlowModel
from flowsim.model.classes import NO_PASSPORT, PASSPORT, TIERS, VISAS, journey_class, tier
from flowsim.scenario import Scenario
from flowsim.world import load_world
from toy_world import write_toy_world

VISA = {"type": "visa_requirement", "country": "DDD", "nationalities": ["AAA"], "start": "2015-01"}


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    # every route legal: only the documented travel, and a visa closes the last border
    return load_world(write_toy_world(tmp_path_factory.mktemp("toy"), push=120_000, legal=True))


def _run(world, policies=(), months=18, **params) -> tuple[FlowModel, pd.DataFrame]:
    sc = Scenario(
        name="t", run={"months": months, "scale": 100.0}, parameters=params, policies=list(policies)
    )
    model = FlowModel(sc, world=world, seed=11, agents=False)
    model.run_months()
    return model, model.recorder.timeseries()


def _last_stock(ts: pd.DataFrame, country: str) -> float:
    sel = ts[(ts.variable == "stock") & (ts.country == country)]
    return float(sel[sel.month == sel.month.max()].value.sum())


def test_classes_number_each_tier_of_each_nationality():
    nat = np.array([0, 0, 0, 2, 2])
    documented = np.array([False, True, True, False, True])
    visas = np.array([True, False, True, True, True])  # a visa without a passport counts nothing
    assert tier(documented, visas).tolist() == [NO_PASSPORT, PASSPORT, VISAS, NO_PASSPORT, VISAS]
    assert journey_class(nat, documented, visas).tolist() == [0, 1, 2, 2 * TIERS, 2 * TIERS + 2]


def test_without_visa_holders_a_required_visa_closes_entry(world):
    _, free = _run(world)
    model, closed = _run(world, [VISA])
    assert _last_stock(free, "DDD") > 0
    assert _last_stock(closed, "DDD") == 0
    assert not model.population.visa_holder.any()


def test_when_every_passport_holder_holds_visas_the_requirement_changes_nothing(world):
    # the same agents and draws; only their class differs: the run is identical
    _, free = _run(world)
    _, all_visas = _run(world, [VISA], visa_share=1.0)
    pd.testing.assert_frame_equal(free, all_visas)


def test_more_visa_holders_more_entries_and_holders_are_the_best_off(world):
    stock = {}
    for share in (0.0, 0.3, 0.7, 1.0):
        model, ts = _run(world, [VISA], visa_share=share)
        stock[share] = _last_stock(ts, "DDD")
        P = model.population
        assert not (P.visa_holder & ~P.documented).any()  # visas only with a passport
        assert_conserved(model, ts)
        if share in (0.3, 0.7):
            # only visa holders cross into DDD
            there = P.alive & ~P.in_transit & (P.location == model.world_index.node("DDD"))
            assert there.any() and P.visa_holder[there].all()
    assert stock[0.0] < stock[0.3] < stock[0.7] <= stock[1.0]


def test_visa_holders_are_the_share_asked_of_passport_holders(world):
    for rho in (0.0, 0.8):
        model, _ = _run(world, [VISA], months=3, visa_share=0.4, passport_wealth=rho)
        P = model.population
        share = P.visa_holder.sum() / P.documented.sum()
        assert share == pytest.approx(0.4, abs=0.03), rho
        if rho > 0:  # the same latent ranks visas above passports: the richer hold them
            others = P.documented & ~P.visa_holder
            assert np.median(P.savings[P.visa_holder]) > np.median(P.savings[others])


def _with_access(folder, access: dict[str, str]):
    """Add the optional visa_access column to the toy world's countries.csv."""
    path = folder / "countries.csv"
    lines = path.read_text().splitlines()
    rows = [lines[0] + ",visa_access"] + [
        f"{line},{access.get(line.split(',')[0], '1')}" for line in lines[1:]
    ]
    path.write_text("\n".join(rows) + "\n")
    return folder


def test_a_nationality_without_visa_access_holds_no_visas(tmp_path):
    folder = _with_access(write_toy_world(tmp_path, push=120_000, legal=True), {"AAA": "0"})
    model, ts = _run(load_world(folder), [VISA], months=12, visa_share=1.0)
    assert model.population.documented.any()
    assert not model.population.visa_holder.any()
    assert _last_stock(ts, "DDD") == 0


def test_bad_visa_access_is_one_clear_line(tmp_path):
    from flowsim.errors import WorldError

    folder = _with_access(write_toy_world(tmp_path, legal=True), {"BBB": "1.5"})
    with pytest.raises(WorldError) as err:
        load_world(folder)
    text = str(err.value)
    assert "countries.csv" in text and "visa_access" in text and "[0, 1]" in text


def test_a_closed_route_stops_visa_holders_too(world):
    closure = {"type": "route_closure", "routes": ["Last border"], "start": "2015-01"}
    model, ts = _run(world, [VISA, closure], visa_share=1.0)
    assert model.population.visa_holder.any()
    assert _last_stock(ts, "DDD") == 0


def test_agents_given_a_passport_hold_visas_at_the_share_asked(world):
    # pathway recruits get their papers whatever the origin's passport share (0.5 here):
    # visa_share of them hold visas, not passport share x visa_share
    sc = Scenario(name="t", run={"months": 1, "scale": 100.0}, parameters={"visa_share": 0.5})
    model = FlowModel(sc, world=world, seed=11, agents=False)
    rows = model.add_agents(np.zeros(4000, dtype=np.int64), source=99, documented=True)
    P = model.population
    assert P.documented[rows].all()
    assert P.visa_holder[rows].mean() == pytest.approx(0.5, abs=0.03)


def test_regular_migrants_of_the_initial_stock_hold_visas_at_the_share_asked(tmp_path):
    folder = write_toy_world(tmp_path / "toy", push=0.0)
    (folder / "initial_stock.csv").write_text(
        "origin,destination,year,people,source\nAAA,BBB,2010,20000,t\nAAA,BBB,2015,40000,t\n"
    )
    (folder / "initial_status.csv").write_text(
        "nationality,country,naturalized,irregular,source\nALL,ALL,0.0,0.0,t\n"
    )
    sc = Scenario(name="t", run={"months": 1, "scale": 10.0}, parameters={"visa_share": 0.4})
    P = FlowModel(sc, world=load_world(folder), seed=3, agents=False).population
    assert P.n == 4000 and P.documented.all()  # regular residents hold papers
    assert P.visa_holder.mean() == pytest.approx(0.4, abs=0.03)


def test_classes_with_the_same_inputs_share_their_tables_exactly(world):
    # shortest_paths computes each distinct class row once and copies it to its duplicates
    from dataclasses import fields

    from flowsim.model.paths import PathTables, edge_weights, shortest_paths

    w = FlowModel(Scenario(name="t", run={"months": 1}), world=world, seed=1).world_index
    weights = edge_weights(w, 1000.0, 1.0, 1.0, 0.1, 0.1)
    rng = np.random.default_rng(5)
    rows = rng.random((3, w.n_edges)) < 0.8
    stop = rng.random((3, w.n_edges)) * 0.5
    dup = [0, 1, 0, 2, 1]  # five classes, three distinct
    together = shortest_paths(w, rows[dup], weights, stop[dup], 1.0, home=np.array(dup))
    for i, r in enumerate(dup):
        alone = shortest_paths(w, rows[[r]], weights, stop[[r]], 1.0, home=np.array([r]))
        for f in fields(PathTables):
            np.testing.assert_array_equal(getattr(together, f.name)[i], getattr(alone, f.name)[0])
        assert not together.cost.flags.writeable


def test_the_embedded_world_carries_the_consulates_refusal_rates():
    # countries.csv: visa_access = 1 - the US adjusted B-visa refusal rate (FY2016; Haiti's
    # FY2015 bound), each with its source; Cubans are refused most, Visa Waiver members not
    from importlib.resources import files

    from flowsim.world import default_world

    access = default_world().countries["visa_access"].astype(float)
    assert access.between(0, 1).all()
    assert access["CUB"] == pytest.approx(1 - 0.8185, abs=0.005)
    assert access["VEN"] == pytest.approx(1 - 0.4025, abs=0.005)
    assert access["CUB"] == access.min() and access["CHL"] == access["ESP"] == 1.0
    assert access["HTI"] < access["VEN"] < access["MEX"] < access["COL"]
    table = pd.read_csv(files("flowsim.data").joinpath("countries.csv"))
    assert table["visa_access_source"].str.len().gt(20).all()


def test_in_the_embedded_world_visas_follow_each_nationalitys_access():
    # the initial stock's regular residents hold visas at visa_share * visa_access of their
    # nationality: Colombians far more often than Cubans
    from pathlib import Path

    from flowsim.scenario import load_scenario

    root = Path(__file__).resolve().parents[1]
    sc = load_scenario(root / "scenarios" / "baseline.toml").with_overrides(
        {"run.scale": 20_000.0, "run.months": 1, "parameters.visa_share": 0.5}
    )
    model = FlowModel(sc, seed=5, agents=False)
    P, w = model.population, model.world_index
    share = {}
    for code in ("COL", "CUB"):
        docs = P.documented & (P.nationality == w.node(code))
        share[code] = P.visa_holder[docs].mean()
    assert share["COL"] > 2 * share["CUB"] > 0

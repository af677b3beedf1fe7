"""Initial stock abroad: agents created from UN DESA 2015 bilateral stocks."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from flowsim.model import FlowModel
from flowsim.scenario import Scenario, load_scenario
from flowsim.vocab import INITIAL_COHORT, IRREGULAR, NATIONAL, NATURALIZED
from flowsim.world import load_world
from toy_world import BBB_CRASH, write_toy_world

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "src" / "flowsim" / "data"


def _baseline(scale: float = 500.0, **params: float) -> FlowModel:
    s = load_scenario(ROOT / "scenarios" / "baseline.toml").with_overrides(
        {"run.scale": scale, "run.months": 12, **{f"parameters.{k}": v for k, v in params.items()}}
    )
    return FlowModel(s, seed=7, agents=False)


def _start_stock(model: FlowModel) -> pd.Series:
    """People abroad by (nationality, host) at the start, before the first month's moves.

    (A month later the stocks also hold that month's arrivals and departures, which at
    high push can move a pair by more than the 10% allowed here.)
    """
    P, w = model.population, model.world_index
    abroad = P.alive & ~P.in_transit & (P.location != P.nationality)
    frame = pd.DataFrame(
        {
            "nationality": np.asarray(w.iso3)[P.nationality[abroad]],
            "country": np.asarray(w.iso3)[P.location[abroad]],
        }
    )
    return frame.groupby(["nationality", "country"]).size() * model.scale


def test_start_stocks_match_un_desa_2015_for_large_pairs():
    un = pd.read_csv(DATA / "initial_stock.csv")
    un = un[un.year == 2015].set_index(["origin", "destination"])["people"]
    model = _baseline()
    origins = {model.world_index.iso3[o] for o in model.world_index.origins}
    big = un[(un > 50_000) & un.index.get_level_values(0).isin(origins)]
    assert len(big) >= 20
    stock = _start_stock(model)
    for (nat, host), people in big.items():
        got = stock.get((nat, host), 0.0)
        message = f"{nat} in {host}: {got:,.0f} vs UN DESA {people:,.0f}"
        assert abs(got / people - 1.0) < 0.10, message


def test_initial_agents_attributes_and_rounding():
    model = _baseline(scale=2000.0)
    P = model.population
    init = P.cohort == INITIAL_COHORT
    assert init.sum() > 5000
    assert (P.location[init] != P.nationality[init]).all()
    assert (P.status[init] != NATIONAL).all() and P.lived_abroad[init].all()
    assert (P.months_here[init] >= 1).all() and (P.arrival_month[init] < model.month).all()
    # every 2015 resident lives where it is, however recent its arrival (UN DESA counts
    # usual residents): its first move is an onward journey or a return, never a stop
    from flowsim.model.journeys import lived_here

    recent = init & (P.months_here < model.params.residence_months)
    assert recent.any() and lived_here(model, np.flatnonzero(recent)).all()
    w = model.world_index
    usa, mex, cub = w.node("USA"), w.node("MEX"), w.node("CUB")
    in_usa = init & (P.location == usa)
    mex_us = in_usa & (P.nationality == mex)
    cub_us = in_usa & (P.nationality == cub)
    # stated shares (initial_status.csv): Mexicans in the US 48% irregular, Cubans 3%
    assert abs((P.status[mex_us] == IRREGULAR).mean() - 0.48) < 0.03
    assert (P.status[cub_us] == IRREGULAR).mean() < 0.08
    assert (P.status[cub_us] == NATURALIZED).mean() > 0.5
    # Mexicans in the US arrived long ago (stock built up since the 1970s); Venezuelans in
    # Chile recently (the 2015 stock is mostly 2010-2015 arrivals)
    ven_chl = init & (P.nationality == w.node("VEN")) & (P.location == w.node("CHL"))
    assert np.median(P.months_here[mex_us]) > 120
    assert np.median(P.months_here[ven_chl]) < 72
    # probabilistic rounding: the total is right in expectation over small pairs too
    k = int(np.searchsorted(w.stock_years, 2015, side="right")) - 1
    expected = w.stock[k][w.origins].sum() / model.scale
    assert abs(init.sum() / expected - 1.0) < 0.01


def test_same_seed_same_initial_stock_and_share_zero_creates_none():
    a, b = _baseline(scale=3000.0), _baseline(scale=3000.0)
    for col in ("key", "nationality", "location", "status", "months_here", "savings"):
        np.testing.assert_array_equal(a.population.column(col), b.population.column(col))
    none = _baseline(scale=3000.0, initial_stock_share=0.0)
    assert none.population.n == 0
    # without initial agents the diaspora table is the whole network
    np.testing.assert_array_equal(none.network, none.world_index.diaspora)


def test_network_counts_initial_agents_once():
    model = _baseline(scale=1000.0)
    w = model.world_index
    mex, usa = w.node("MEX"), w.node("USA")
    P = model.population
    agents = np.count_nonzero((P.nationality == mex) & (P.location == usa)) * model.scale
    assert model.network[mex, usa] == agents  # the diaspora table is not added on top


def _toy_with_stock(tmp_path: Path, people: float) -> Path:
    folder = write_toy_world(tmp_path / "toy", push=0.0)
    (folder / "initial_stock.csv").write_text(
        "origin,destination,year,people,source\n"
        f"AAA,BBB,2010,{people / 2},t\nAAA,BBB,2015,{people},t\n"
    )
    (folder / "initial_status.csv").write_text(
        "nationality,country,naturalized,irregular,source\nALL,ALL,0.0,1.0,t\n"
    )
    return folder


def test_conservation_with_initial_stock(tmp_path):
    world = load_world(_toy_with_stock(tmp_path, 50_000))
    s = Scenario(name="toy", run={"start": "2015-01", "months": 24, "scale": 100.0})
    model = FlowModel(s, world=world, seed=1)
    n0 = model.population.n
    assert n0 == 500
    model.run_months()
    c = model.counts()
    assert c["created"] == c["alive"] + c["dead"] == n0
    P = model.population
    transit = int((P.alive & P.in_transit).sum())
    ts = model.recorder.timeseries()
    last = ts[(ts.variable == "stock") & (ts.month == ts.month.max())].value.sum()
    assert last == (c["alive"] - transit) * model.scale
    pre = ts[(ts.variable == "stock_pre2015") & (ts.month == ts.month.max())].value.sum()
    assert pre == last  # everyone alive here is of the initial cohort


def test_initial_diaspora_moves_on_when_its_host_economy_falls(tmp_path):
    """A diaspora in BBB leaves more (onward to CCC/DDD or home) after a wage collapse in BBB."""
    world = load_world(_toy_with_stock(tmp_path, 100_000))

    def onward(shock: bool) -> float:
        policies = [BBB_CRASH] if shock else []
        s = Scenario(
            name="toy",
            run={"start": "2015-01", "months": 24, "scale": 100.0},
            policies=policies,
        )
        model = FlowModel(s, world=world, seed=3)
        model.run_months()
        ts = model.recorder.timeseries()
        left = ts[ts.variable.isin(["journeys_onward", "journeys_return"]) & (ts.country == "BBB")]
        return float(left.value.sum())

    calm, crash = onward(False), onward(True)
    assert crash > 1.5 * calm + 1000, (calm, crash)

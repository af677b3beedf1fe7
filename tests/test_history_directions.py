"""Direction tests of the destination's processing regime, status realism and gateways.

Toy line world AAA (origin) -> BBB -> CCC -> DDD; paired seeds (common random numbers), so
each comparison differs only by the policy. Each test asserts a sign summed over seeds.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from flowsim.model import FlowModel
from flowsim.model.classes import NO_PASSPORT, PASSPORT, TIERS
from flowsim.model.decide import destination_utility
from flowsim.scenario import Scenario
from flowsim.vocab import IRREGULAR, PENDING, REGULAR, VISITOR
from flowsim.world import load_world
from toy_world import write_toy_world

SEEDS = (1, 2, 3)


def _scenario(policies: list[dict], months: int = 24, **params: float) -> Scenario:
    return Scenario.model_validate(
        {
            "name": "toy",
            "run": {"start": "2015-01", "months": months, "scale": 100},
            "parameters": {"hazard_max": 0.2, **params},
            "policies": policies,
        }
    )


def _regime(**kw: object) -> dict:
    return {"type": "processing_regime", "name": "r", "country": "DDD", "start": "2015-01", **kw}


def _last_border(
    world: Path, policies: list[dict], seed: int, **params: float
) -> tuple[float, FlowModel]:
    model = FlowModel(_scenario(policies, **params), world=load_world(world), seed=seed)
    model.run_months()
    fl = model.recorder.flow_table()
    return float(fl.loc[fl.route == "Last border", "people"].sum()), model


def _crossings(world: Path, policies: list[dict], **params: float) -> float:
    return sum(_last_border(world, policies, s, **params)[0] for s in SEEDS)


def test_releasing_a_nationality_at_the_border_raises_its_crossings(tmp_path):
    world = write_toy_world(tmp_path / "toy", push=20_000)
    none = _crossings(world, [])
    released = _crossings(world, [_regime(pending=0.9, grant=0.5)])
    assert released > none, (none, released)


def test_expelling_a_nationality_at_the_border_lowers_its_crossings(tmp_path):
    world = write_toy_world(tmp_path / "toy", push=20_000)
    none = _crossings(world, [])
    expelled = _crossings(world, [_regime(expelled=0.9, deport_to="origin")])
    assert expelled < none, (none, expelled)


def test_retry_far_applies_only_where_no_land_route_leads_back(tmp_path):
    """``retry_far`` governs those sent home with no land route back; ``retry_expelled`` others."""
    world = write_toy_world(tmp_path / "toy", push=20_000)
    home = [_regime(expelled=0.6, deport_to="origin")]  # AAA: no land route into DDD
    border = [_regime(expelled=0.6, deport_to="CCC")]  # CCC -> DDD is a land route
    far_low, far_high = ({"retry_expelled": 0.9, "retry_far": r} for r in (0.0, 0.9))
    assert _crossings(world, home, **far_low) < _crossings(world, home, **far_high)
    assert _crossings(world, border, **far_low) == _crossings(world, border, **far_high)


def test_retry_chance_is_near_where_a_land_route_leads_into_the_host(tmp_path):
    world = write_toy_world(tmp_path / "toy")
    cases = (("origin", "BBB"), ("CCC", "CCC"), ("previous", "AAA"))
    policies = [_regime(expelled=0.5, deport_to=t, nationalities=[n]) for t, n in cases]
    for k, pol in enumerate(policies):
        pol["name"] = f"r{k}"
    model = FlowModel(_scenario(policies), world=load_world(world), seed=1)
    w = model.world_index
    retry = model.effects.arrival.retry_chance(w, 0.8, 0.1)
    ddd = w.node("DDD")
    assert retry[w.node("BBB"), ddd] == 0.1  # sent home to BBB: no land route BBB -> DDD
    assert retry[w.node("CCC"), ddd] == 0.8  # left in CCC, next to DDD
    assert retry[w.node("AAA"), ddd] == 0.8  # turned back where they came from, not home


def test_regime_sets_arrivals_status_and_expels(tmp_path):
    world = write_toy_world(tmp_path / "toy", push=20_000)
    _, pend = _last_border(world, [_regime(pending=1.0)], 1)
    P, ddd = pend.population, pend.world_index.node("DDD")
    here = P.alive & ~P.in_transit & (P.location == ddd)
    assert here.any() and (P.status[here & (P.arrival_month >= 12)] == PENDING).all()
    _, prot = _last_border(world, [_regime(protected=1.0, protected_months=120)], 1)
    P = prot.population
    here = P.alive & ~P.in_transit & (P.location == ddd)
    assert here.any() and (P.status[here] == REGULAR).all()
    _, exp = _last_border(world, [_regime(expelled=1.0, deport_to="origin")], 1)
    P = exp.population
    assert not (P.alive & ~P.in_transit & (P.location == ddd)).any()
    ts = exp.recorder.timeseries()
    assert ts.loc[(ts.variable == "deported") & (ts.country == "DDD"), "value"].sum() > 0


def _gateway_world(tmp_path: Path) -> Path:
    """Legal routes only, and DDD requires a visa of everyone: a closed air gateway."""
    world = write_toy_world(tmp_path / "toy", push=20_000, legal=True)
    (world / "visas.csv").write_text(
        "destination,nationality,visa_required,source\n"
        "AAA,ALL,false,t\nBBB,ALL,false,t\nCCC,ALL,false,t\nDDD,ALL,true,t\n"
    )
    return world


def test_a_gateway_opening_raises_that_route(tmp_path):
    world = _gateway_world(tmp_path)
    closed = _crossings(world, [])
    lift = {
        "type": "visa_requirement",
        "name": "open",
        "country": "DDD",
        "nationalities": ["AAA"],
        "required": False,
        "start": "2015-06",
    }
    opened = _crossings(world, [lift])
    assert closed == 0.0 and opened > 0.0


def test_legal_entrants_are_visitors_who_overstay(tmp_path):
    world = load_world(write_toy_world(tmp_path / "toy", push=0.0, legal=True, months_ab=0.2))
    s = _scenario([], months=8, hazard_max=1e-9, visitor_months=3)
    model = FlowModel(s, world=world, seed=2)
    rows = model.add_emigrants("AAA", 60)
    P = model.population
    P.documented[rows] = True  # passports: the legal routes are open to them
    model.step()
    settled = P.alive & ~P.in_transit & (P.location != P.nationality)
    assert settled.any() and (P.status[settled] == VISITOR).all()
    first = int(P.arrival_month[settled].max())
    model.run_months(4)
    old = P.alive & ~P.in_transit & (P.location != P.nationality) & (P.arrival_month <= first)
    assert (P.status[old] == IRREGULAR).all() and old.sum() > 0
    pd.testing.assert_series_equal(
        pd.Series(P.status[old]).value_counts(),
        pd.Series({IRREGULAR: int(old.sum())}),
        check_names=False,
        check_index_type=False,
        check_dtype=False,
    )


def _us_border_crossings(expel_ven: float, seed: int) -> float:
    from flowsim.engine.run import RunSpec, simulate
    from flowsim.scenario import load_scenario

    root = Path(__file__).resolve().parents[1]
    base = load_scenario(root / "scenarios" / "baseline.toml").with_overrides(
        {"run.scale": 5000, "run.months": 84}
    )
    data = base.model_dump(mode="json")
    for pol in data["policies"]:
        if pol["name"] == "usa_title42_exempt_2020":
            pol["expelled"], pol["pending"] = expel_ven, min(0.9, 1.0 - expel_ven)
    s = Scenario.model_validate(data)
    _, fl = simulate(RunSpec(run_id=f"t/{seed}", scenario=s, replicate=0, seed=seed))
    sel = (fl.route == "US southwest border") & fl.nationality.isin(["VEN", "CUB", "NIC"])
    return float(fl.loc[sel & (fl.month >= "2020-03-01"), "people"].sum())


def test_title42_expelling_venezuelans_cubans_nicaraguans_lowers_their_us_crossings():
    """The baseline mostly releases them (Title 42 rarely applied); expelling them deters."""
    released = sum(_us_border_crossings(0.01, s) for s in (1, 2))
    expelled = sum(_us_border_crossings(0.9, s) for s in (1, 2))
    assert expelled < released, (released, expelled)


def _mixed_world(tmp_path: Path) -> Path:
    """The toy line with a legal flight AAA -> DDD beside the irregular land routes."""
    world = write_toy_world(tmp_path / "toy", push=20_000)
    with (world / "routes.csv").open("a") as f:
        f.write("AAA-DDD-air,AAA,DDD,air,1500,150,0.05,0.0,true,Flight,t\n")
    return world


def test_the_path_tables_know_whether_a_journey_enters_legally(tmp_path):
    model = FlowModel(_scenario([]), world=load_world(_mixed_world(tmp_path)), seed=1)
    w, paths = model.world_index, model.paths
    aaa, ccc, ddd = w.node("AAA"), w.node("CCC"), w.node("DDD")
    documented, undocumented = TIERS * aaa + PASSPORT, TIERS * aaa + NO_PASSPORT
    assert paths.legal_entry[documented, aaa, ddd]  # the flight
    assert paths.irregular[documented, aaa, ddd] == 0
    assert not paths.legal_entry[undocumented, aaa, ddd]  # overland, no passport
    assert not paths.legal_entry[documented, aaa, ccc]  # land borders are irregular here
    assert not paths.legal_entry[documented, aaa, aaa]  # no journey, no entry


def test_a_regime_for_irregular_entrants_weighs_only_on_irregular_journeys(tmp_path):
    """Expulsions of irregular arrivals lower DDD's value over land, not by air."""
    world = load_world(_mixed_world(tmp_path))
    w = FlowModel(_scenario([]), world=world, seed=1).world_index
    aaa, ddd = w.node("AAA"), w.node("DDD")
    documented, undocumented = TIERS * aaa + PASSPORT, TIERS * aaa + NO_PASSPORT

    def value(policies: list[dict]) -> np.ndarray:
        model = FlowModel(_scenario(policies), world=world, seed=1)
        return destination_utility(model)[:, aaa, ddd]

    none = value([])
    irregular_only = value([_regime(expelled=0.9, deport_to="origin")])
    every_entry = value([_regime(expelled=0.9, deport_to="origin", entry="all")])
    assert irregular_only[documented] == none[documented]
    assert irregular_only[undocumented] < none[undocumented]
    assert every_entry[documented] < none[documented]


def test_legal_travellers_ignore_a_regime_that_never_reaches_them(tmp_path):
    """With only legal routes, an irregular-entry regime changes nothing: decision or run."""
    world = write_toy_world(tmp_path / "toy", push=20_000, legal=True)
    none = [_last_border(world, [], s)[0] for s in SEEDS]
    regime = [_last_border(world, [_regime(expelled=0.9, deport_to="origin")], s)[0] for s in SEEDS]
    assert sum(none) > 0 and regime == none, (none, regime)


def test_the_undocumented_can_go_home_over_a_legal_border_and_nowhere_else(tmp_path):
    """A state admits its own nationals: an entry into one's own country needs no passport.

    Toy line with legal routes only (each needs a passport): the undocumented class of AAA
    can cross BBB -> AAA (home) but not AAA -> BBB, nor CCC -> BBB on the way home.
    """
    world = write_toy_world(tmp_path / "toy", legal=True)
    model = FlowModel(_scenario([]), world=load_world(world), seed=1)
    w, paths = model.world_index, model.paths
    aaa, bbb, ccc = w.node("AAA"), w.node("BBB"), w.node("CCC")
    undocumented, documented = TIERS * aaa + NO_PASSPORT, TIERS * aaa + PASSPORT
    assert paths.reachable[undocumented, bbb, aaa]
    assert paths.legal_entry[undocumented, bbb, aaa]
    assert not paths.reachable[undocumented, aaa, bbb]
    assert not paths.reachable[undocumented, ccc, aaa]  # CCC -> BBB is no entry home
    assert paths.reachable[documented, ccc, aaa]
    # an undocumented national of BBB goes home to BBB, not to AAA
    other = TIERS * bbb + NO_PASSPORT
    assert paths.reachable[other, aaa, bbb] and not paths.reachable[other, bbb, aaa]


def test_the_undocumented_cannot_fly_home(tmp_path):
    """Airlines board only the documented: the home rule is for land crossings."""
    world = write_toy_world(tmp_path / "toy", legal=True)
    with (world / "routes.csv").open("a") as f:
        f.write("DDD-AAA-air,DDD,AAA,air,1500,150,0.05,0.0,true,Flight home,t\n")
    model = FlowModel(_scenario([]), world=load_world(world), seed=1)
    w, paths = model.world_index, model.paths
    aaa, ddd = w.node("AAA"), w.node("DDD")
    # overland needs passports on the way
    assert not paths.reachable[TIERS * aaa + NO_PASSPORT, ddd, aaa]
    assert paths.reachable[TIERS * aaa + PASSPORT, ddd, aaa]


def _final_stocks(world: Path, policies: list[dict]) -> pd.Series:
    """People living in each country in the last month, summed over seeds."""
    total = pd.Series(dtype=float)
    for seed in SEEDS:
        ts = _last_border(world, policies, seed)[1].recorder.timeseries()
        last = ts[(ts.variable == "stock") & (ts.month == ts.month.max())]
        total = total.add(last.groupby("country")["value"].sum(), fill_value=0.0)
    return total


def test_a_transit_permit_moves_would_be_settlers_on(tmp_path):
    """A transit country that sends irregular arrivals onward (the form of Costa Rica's
    25-day permit, ``cri_transit_permit_2016``) holds fewer of them, and the onward
    destination gains from where it sends them, not only from choices that avoid it."""
    world = write_toy_world(tmp_path / "toy", push=20_000)

    def permit(to: str) -> list[dict]:
        return [
            {
                "type": "processing_regime",
                "name": "transit",
                "country": "CCC",
                "expelled": 0.9,
                "deport_to": to,
                "start": "2015-01",
            }
        ]

    onward = _final_stocks(world, permit("DDD"))
    assert onward["CCC"] < _final_stocks(world, [])["CCC"]
    assert onward["DDD"] > _final_stocks(world, permit("origin"))["DDD"]

"""Direction and unit tests of the mechanisms added for the 2015-2021 history.

Route knowledge (``model/knowledge.py``), distance, shared language, the crisis at home,
retries after an expulsion, journeys that never pass through one's own country and the
removal of irregular residents. Toy line
world AAA (origin) -> BBB -> CCC -> DDD (``toy_world.py``); paired seeds, so each comparison
differs only by the mechanism; each test asserts a sign summed over seeds.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pytest

from flowsim import draws
from flowsim.model import FlowModel
from flowsim.model.decide import place_value
from flowsim.model.knowledge import learn_routes, unknown_share
from flowsim.model.paths import edge_weights, shortest_paths
from flowsim.scenario import Scenario
from flowsim.vocab import NATIONAL
from flowsim.world import load_world
from toy_world import write_toy_world

SEEDS = (1, 2, 3)


def _scenario(
    months: int = 24, policies: list[dict] | None = None, world: dict | None = None, **params
) -> Scenario:
    return Scenario.model_validate(
        {
            "name": "toy",
            "run": {"start": "2015-01", "months": months, "scale": 100},
            "parameters": {"hazard_max": 0.2, **params},
            "policies": policies or [],
            "world": world or {},
        }
    )


def _run(folder: Path, seed: int, months: int = 24, **kw) -> FlowModel:
    model = FlowModel(_scenario(months, **kw), world=load_world(folder), seed=seed)
    model.run_months()
    return model


def _route_people(model: FlowModel, route: str) -> float:
    fl = model.recorder.flow_table()
    return float(fl.loc[fl.route == route, "people"].sum())


def _stock(model: FlowModel, country: str) -> float:
    P, w = model.population, model.world_index
    return float((P.alive & ~P.in_transit & (P.location == w.node(country))).sum())


# ----------------------------------------------------------------- route knowledge
def test_unknown_share_falls_with_use_and_is_zero_on_legal_routes(tmp_path):
    folder = write_toy_world(tmp_path / "toy", push=0.0)
    model = FlowModel(_scenario(1, b_know=2.0), world=load_world(folder), seed=1)
    p, w = model.params, model.world_index
    fresh = unknown_share(model)
    expected = p.know_ref / (p.know_ref + p.know_base)
    np.testing.assert_allclose(fresh, np.round(expected / 0.02) * 0.02)
    last = w.edge_label.index("Last border")
    model.route_use[0, last] = 50 * p.know_ref
    used = unknown_share(model)
    assert used[0, last] < fresh[0, last]  # AAA nationals have seen it used
    # the others heard a little of it (spill), less than those who used it
    assert used[0, last] <= used[1, last] <= fresh[1, last]
    legal = FlowModel(
        _scenario(1, b_know=2.0), world=load_world(write_toy_world(tmp_path / "l", legal=True))
    )
    assert (unknown_share(legal) == 0.0).all()  # legal routes are known to all
    off = FlowModel(_scenario(1, b_know=0.0), world=load_world(folder))
    assert (unknown_share(off) == 0.0).all()


def test_learning_adds_the_month_and_forgets_with_time(tmp_path):
    model = FlowModel(
        _scenario(1, b_know=2.0, know_memory_months=10.0),
        world=load_world(write_toy_world(tmp_path / "toy")),
    )
    model.route_crossed[0, 2] = 7
    learn_routes(model)
    assert model.route_use[0, 2] == 7 * model.scale and model.route_crossed.sum() == 0
    learn_routes(model)
    assert model.route_use[0, 2] == pytest.approx(7 * model.scale * 0.9)


def test_a_known_route_is_used_more(tmp_path):
    """Same world and seeds; in one run AAA nationals already know the last border."""
    folder = write_toy_world(tmp_path / "toy", push=20_000)
    unknown = known = 0.0
    for seed in SEEDS:
        a = FlowModel(_scenario(12, b_know=4.0, know_ref=1e5), world=load_world(folder), seed=seed)
        b = FlowModel(_scenario(12, b_know=4.0, know_ref=1e5), world=load_world(folder), seed=seed)
        b.route_use[0, b.world_index.edge_label.index("Last border")] = 1e7
        a.run_months()
        b.run_months()
        unknown += _route_people(a, "Last border")
        known += _route_people(b, "Last border")
    assert known > unknown, (unknown, known)


def test_route_knowledge_table_seeds_the_start_at_its_steady_state(tmp_path):
    """A flow F a year before the start leaves use = F / 12 * memory, the fixed point."""
    folder = write_toy_world(tmp_path / "toy")
    (folder / "route_knowledge.csv").write_text(
        "route,nationality,people_per_year,source\nLast border,AAA,1200,t\nBBB-CCC,AAA,60,t\n"
    )
    world = load_world(folder)
    model = FlowModel(_scenario(1, b_know=2.0, know_memory_months=10.0), world=world)
    w = model.world_index
    last, middle = w.edge_label.index("Last border"), w.edge_id.index("BBB-CCC")
    assert model.route_use[0, last] == pytest.approx(1200 / 12 * 10)
    assert model.route_use[0, middle] == pytest.approx(60 / 12 * 10)
    assert model.route_use.sum() == pytest.approx((1200 + 60) / 12 * 10)
    # at the fixed point a month of the same flow leaves it where it was
    model.route_crossed[0, last] = round(100 / model.scale)
    before = model.route_use[0, last]
    learn_routes(model)
    assert model.route_use[0, last] == pytest.approx(before)
    # without the table, everyone starts from know_base alone
    bare = FlowModel(_scenario(1, b_know=2.0), world=load_world(write_toy_world(tmp_path / "bare")))
    assert bare.route_use.sum() == 0.0


def test_route_knowledge_before_the_start_raises_the_route_s_use(tmp_path):
    """Paired seeds: a nationality that crossed the last border before the start uses it more."""
    folder = write_toy_world(tmp_path / "toy", push=20_000)
    seeded = write_toy_world(tmp_path / "seeded", push=20_000)
    (seeded / "route_knowledge.csv").write_text(
        "route,nationality,people_per_year,source\nLast border,AAA,500000,t\n"
    )
    fresh = known = 0.0
    for seed in SEEDS:
        kw = {"b_know": 4.0, "know_ref": 1e5}
        fresh += _route_people(_run(folder, seed, months=12, **kw), "Last border")
        known += _route_people(_run(seeded, seed, months=12, **kw), "Last border")
    assert known > fresh, (fresh, known)


def test_crossings_teach_the_route_over_a_run(tmp_path):
    model = _run(write_toy_world(tmp_path / "toy", push=20_000), 1, months=12, b_know=2.0)
    last = model.world_index.edge_label.index("Last border")
    assert model.route_use[0, last] > 0
    assert unknown_share(model)[0, last] < model.params.know_ref / (
        model.params.know_ref + model.params.know_base
    )


# ----------------------------------------------------------------- distance and language
def test_a_longer_journey_is_chosen_less(tmp_path):
    folder = write_toy_world(tmp_path / "toy", push=20_000)
    far = {"routes": [{"route": "Last border", "distance_km": 8000}]}
    near = sum(_stock(_run(folder, s, b_dist=1.0), "DDD") for s in SEEDS)
    longer = sum(_stock(_run(folder, s, b_dist=1.0, world=far), "DDD") for s in SEEDS)
    assert longer < near, (near, longer)


def test_a_shared_language_draws_more(tmp_path):
    folder = write_toy_world(tmp_path / "toy", push=20_000)
    text = (folder / "countries.csv").read_text().splitlines()
    langs = {"AAA": "spa", "BBB": "eng", "CCC": "spa", "DDD": "eng"}
    rows = [text[0] + ",language"] + [f"{r},{langs[r[:3]]}" for r in text[1:]]
    (folder / "countries.csv").write_text("\n".join(rows) + "\n")
    assert load_world(folder).countries["language"].tolist() == list(langs.values())
    none = sum(_stock(_run(folder, s, b_lang=0.0), "CCC") for s in SEEDS)
    some = sum(_stock(_run(folder, s, b_lang=2.0), "CCC") for s in SEEDS)
    assert some > none, (none, some)


# ----------------------------------------------------------------- crisis at home
def test_a_crisis_at_home_keeps_emigrants_from_returning(tmp_path):
    folder = write_toy_world(tmp_path / "toy", push=200_000)  # 2% of AAA leave a year

    def returns(**params) -> float:
        total = 0.0
        for s in SEEDS:
            fl = _run(folder, s, months=36, **params).recorder.flow_table()
            total += float(fl.loc[fl.kind == "return", "people"].sum())
        return total

    calm, crisis = returns(b_crisis=0.0, b_home=3.0), returns(b_crisis=1.0, b_home=3.0)
    assert crisis < calm, (calm, crisis)


# ----------------------------------------------------------------- retries after expulsion
def test_retries_after_expulsion_raise_encounters(tmp_path):
    folder = write_toy_world(tmp_path / "toy", push=20_000)
    regime = [
        {
            "type": "processing_regime",
            "name": "expel",
            "country": "DDD",
            "start": "2015-01",
            "expelled": 0.8,
            "deport_to": "previous",
        }
    ]
    once = sum(
        _route_people(_run(folder, s, policies=regime, retry_expelled=0.0), "Last border")
        for s in SEEDS
    )
    again = sum(
        _route_people(_run(folder, s, policies=regime, retry_expelled=0.9), "Last border")
        for s in SEEDS
    )
    assert again > once, (once, again)


def _air_route(a: str, b: str, km: float, usd: float, months: float) -> dict:
    """A legal, riskless air route between two toy countries (an ``add_routes`` row)."""
    return {
        "route_id": f"{a}-{b}-air", "from_iso3": a, "to_iso3": b, "mode": "air",
        "distance_km": km, "cost_usd": usd, "duration_months": months, "risk": 0.0,
        "legal": True, "name": "", "source": "t",
    }  # fmt: skip


# ----------------------------------------------------------------- no transit through home
def test_journeys_never_pass_through_ones_own_country(tmp_path):
    """BBB -> DDD is cheapest through AAA; an AAA national goes round, others do not."""
    folder = write_toy_world(tmp_path / "toy", legal=True)
    extra = {
        "add_routes": [_air_route("BBB", "AAA", 10, 1, 0.01), _air_route("AAA", "DDD", 10, 1, 0.01)]
    }
    model = FlowModel(_scenario(1, world=extra), world=load_world(folder))
    w, p = model.world_index, model.params
    weights = edge_weights(w, p.path_budget_usd, p.b_cost, p.b_risk, p.b_time)
    open_edges = np.ones((2, w.n_edges), dtype=bool)
    home = np.array([w.node("AAA"), w.node("CCC")])
    tables = shortest_paths(w, open_edges, weights, home=home)
    bbb, ddd = w.node("BBB"), w.node("DDD")
    first = [w.edge_id[tables.next_edge[c, bbb, ddd]] for c in (0, 1)]
    assert first == ["BBB-CCC", "BBB-AAA-air"], first
    assert tables.reachable[0, bbb, w.node("AAA")]  # going home stays possible


# ----------------------------------------------------------------- removal of residents
def test_removing_irregular_residents_deports_them_and_deters_newcomers(tmp_path):
    folder = write_toy_world(tmp_path / "toy", push=20_000)  # irregular routes: all irregular
    removal = [
        {
            "type": "removal",
            "name": "drive",
            "country": "DDD",
            "monthly_share": 0.2,
            "start": "2015-07",
        }
    ]
    none = [_run(folder, s) for s in SEEDS]
    drive = [_run(folder, s, policies=removal) for s in SEEDS]

    def deported(models: list[FlowModel]) -> float:
        total = 0.0
        for m in models:
            ts = m.recorder.timeseries()
            total += ts.loc[(ts.variable == "deported") & (ts.country == "DDD"), "value"].sum()
        return total

    assert deported(drive) > deported(none)
    assert sum(_stock(m, "DDD") for m in drive) < sum(_stock(m, "DDD") for m in none)

    # removed people are at home, as nationals, not lost: more of them than without removals
    def at_home(models: list[FlowModel]) -> int:
        total = 0
        for m in models:
            P = m.population
            home = P.alive & ~P.in_transit & (P.location == m.world_index.node("AAA"))
            total += int((home & (P.status == NATIONAL)).sum())
        return total

    assert at_home(drive) > at_home(none)
    # the drive makes DDD worth less to an irregular newcomer: the same model's value of
    # going there, with and without this month's removal rate
    strict = drive[0]
    aaa, ddd = strict.world_index.node("AAA"), strict.world_index.node("DDD")
    with_drive = place_value(strict)[aaa, ddd]
    strict.effects = dataclasses.replace(
        strict.effects, removal=np.zeros_like(strict.effects.removal)
    )
    assert with_drive < place_value(strict)[aaa, ddd]


# ----------------------------------------------------------------- who finances the journey
def _lender_model(folder: Path, **params) -> FlowModel:
    """Toy model whose AAA nationals (origin population 10 million) live only in DDD."""
    params = {"network_loan_usd": 5000.0, "kin_ties": 10.0, **params}
    model = FlowModel(_scenario(2, **params), world=load_world(folder))
    model.step()  # this month's journey tables
    model.network = np.zeros_like(model.network)
    model.network[0, 3] = 100_000.0
    return model


def test_kin_elsewhere_pay_legal_journeys_only(tmp_path):
    """Kin at the destination pay any journey there; kin elsewhere only a legal one."""
    from flowsim.model.decide import lender_chance, network_loans

    kin = 1.0 - np.exp(-10.0 * 100_000.0 / 10_000_000.0)  # 1 - exp(-kin_ties D / pop)
    ccc, ddd = 2, 3
    for legal in (False, True):
        folder = write_toy_world(tmp_path / f"toy{legal}", push=0.0, legal=legal)
        for w in (0.0, 0.5, 1.0):
            # every route known (b_know 0): kin there pay the whole loan (known_share 1)
            model = _lender_model(folder, loan_anywhere=w, b_know=0.0)
            loans = network_loans(model)[1, 0, :]  # documented AAA nationals at home
            # kin in DDD (the highest wage) lend the whole amount for a journey there
            np.testing.assert_allclose(loans[ddd], 5000.0 * kin)
            # for CCC, where nobody lives, only kin elsewhere (in DDD), on legal routes only
            np.testing.assert_allclose(loans[ccc], 5000.0 * w * kin if legal else 0.0)
            np.testing.assert_allclose(lender_chance(model)[0, ccc], w * kin)


def test_each_agent_has_a_lender_or_not_and_keeps_it(tmp_path):
    """All or nothing per agent and destination; the share with a lender is the chance."""
    from flowsim.model.decide import agent_loans, lender_chance

    folder = write_toy_world(tmp_path / "toy", push=0.0)
    # chance 1 - exp(-2) = 0.865; every route known (b_know 0): whole loans
    model = _lender_model(folder, kin_ties=200.0, b_know=0.0)
    rows = model.add_agents(np.zeros(20_000, dtype=np.int64), source=draws.SOURCE_EMIGRATION)
    loans = agent_loans(model, rows)
    assert set(np.unique(loans)) == {0.0, 5000.0}
    assert (loans[:, 2] == 0).all()  # no kin in CCC
    share = (loans[:, 3] > 0).mean()
    assert abs(share - lender_chance(model)[0, 3]) < 0.015, share
    model.month += 7  # the same agents next season: the same kin
    np.testing.assert_array_equal(agent_loans(model, rows), loans)
    model.network[0, 3] *= 2.0  # the diaspora doubles: everyone who had kin still has
    more = agent_loans(model, rows)
    assert (more[loans > 0] > 0).all() and (more[:, 3] > 0).sum() > (loans[:, 3] > 0).sum()


def test_kin_pay_smugglers_only_on_routes_their_people_know(tmp_path):
    """A loan for an irregular journey shrinks by ``exp(-U)``; legal journeys keep it whole."""
    from flowsim.model.decide import agent_loans, known_share, network_loans
    from flowsim.model.effects_phase import apply_policies

    np.testing.assert_allclose(known_share(np.array([0.0, 1.0, 3.0])), np.exp([0, -1, -3]))
    ddd = 3
    irregular = _lender_model(write_toy_world(tmp_path / "irr", push=0.0), kin_ties=200.0)
    legal = _lender_model(write_toy_world(tmp_path / "leg", push=0.0, legal=True), kin_ties=200.0)
    kin = 1.0 - np.exp(-200.0 * 100_000.0 / 10_000_000.0)
    for model, whole in ((irregular, False), (legal, True)):
        u = model.paths.unknown[0, 0, ddd]  # undocumented AAA nationals at home, to DDD
        assert (u == 0.0) == whole, u  # legal journeys have no unknown share
        loans = network_loans(model)[0, 0, :]
        np.testing.assert_allclose(loans[ddd], 5000.0 * kin * np.exp(-u))
        rows = model.add_agents(np.zeros(5_000, dtype=np.int64), source=draws.SOURCE_EMIGRATION)
        model.population.documented[rows] = False
        got = np.unique(agent_loans(model, rows)[:, ddd])
        np.testing.assert_allclose(got, [0.0, 5000.0 * np.exp(-float(u))], rtol=1e-6)
    # once their people cross the route, kin pay more for it
    before = network_loans(irregular)[0, 0, ddd]
    irregular.route_use[0, :] += 1_000_000.0
    apply_policies(irregular)  # this month's journey tables, with the new knowledge
    assert network_loans(irregular)[0, 0, ddd] > before


def test_kin_pay_smugglers_on_others_routes_only_with_kin_spill(tmp_path):
    """Other nationalities' crossings teach a route to all (``know_spill``), but kin pay its
    smuggler only in proportion ``kin_spill`` of that: at 0, only their own people count."""
    from flowsim.model.decide import agent_loans, network_loans
    from flowsim.model.effects_phase import apply_policies

    ddd, folder = 3, write_toy_world(tmp_path / "irr", push=0.0)
    gain, agent_gain = {}, {}
    for spill in (0.0, 1.0):
        model = _lender_model(folder, kin_ties=200.0, know_spill=0.5, kin_spill=spill)
        rows = model.add_agents(np.zeros(2_000, dtype=np.int64), source=draws.SOURCE_EMIGRATION)
        model.population.documented[rows] = False  # class 0: undocumented AAA at home
        unknown, loan = model.paths.unknown[0, 0, ddd], network_loans(model)[0, 0, ddd]
        lent = agent_loans(model, rows)[:, ddd].sum()
        np.testing.assert_allclose(model.paths.kin_unknown[0, 0, ddd], unknown)  # none crossed
        model.route_use[1, :] += 1_000_000.0  # BBB nationals cross every route
        apply_policies(model)
        assert model.paths.unknown[0, 0, ddd] < unknown  # AAA learn the routes from BBB
        gain[spill] = network_loans(model)[0, 0, ddd] - loan
        agent_gain[spill] = agent_loans(model, rows)[:, ddd].sum() - lent
    assert gain[0.0] == 0.0 < gain[1.0]  # their kin vouch for the fee only with kin_spill
    assert agent_gain[0.0] == 0.0 < agent_gain[1.0]  # each agent's loan, as the group's


@pytest.mark.parametrize("share", [0.1, 0.3, 0.8])
def test_undocumented_find_kin_in_proportion_to_the_diaspora_without_papers(tmp_path, share):
    """``kin_irregular_ref`` r: without a passport the chance of a lender at the destination
    is ``min(1, s / r)`` times the documented's, ``s`` the diaspora's share there without a
    permit; agents all or nothing, the group mean the same, the documented unchanged."""
    from flowsim.model.decide import agent_loans, lender_chance, network_loans

    ddd, folder = 3, write_toy_world(tmp_path / "toy", push=0.0)
    got = {}
    for ref in (0.0, 0.5):
        model = _lender_model(folder, kin_ties=50.0, b_know=0.0, kin_irregular_ref=ref)
        status_shares = model.world_index.status_shares.copy()
        status_shares[0, ddd, 1] = share  # AAA in DDD: this share without a permit
        model.world_index = dataclasses.replace(model.world_index, status_shares=status_shares)
        rows = model.add_agents(np.zeros(40_000, dtype=np.int64), source=draws.SOURCE_EMIGRATION)
        P = model.population
        P.documented[rows] = np.arange(len(rows)) % 2 == 0
        loans = agent_loans(model, rows)[:, ddd]
        assert np.isin(loans, [0.0, 5000.0]).all()  # all or nothing
        doc, undoc = (loans[P.documented[rows] == d] > 0 for d in (True, False))
        chance = lender_chance(model)[0, ddd]
        factor = 1.0 if ref == 0.0 else min(share / ref, 1.0)
        assert abs(doc.mean() - chance) < 0.015
        assert abs(undoc.mean() - factor * chance) < 0.015
        # AAA at home: no passport, passport, passport and visas (only the first changes)
        group = network_loans(model)[0:3, 0, ddd]
        np.testing.assert_allclose(group, [5000.0 * factor * chance] + [5000.0 * chance] * 2)
        got[ref] = undoc.mean()
    assert (got[0.5] < got[0.0]) == (share < 0.5)  # fewer lenders only below the reference


def test_kin_lend_kin_relend_of_each_loan_for_a_new_journey_only(tmp_path):
    """After a journey kin paid for, a new journey gets ``kin_relend`` of each loan;
    leaving a stop on the way or retrying after an expulsion is the same journey."""
    from flowsim.model.decide import agent_loans, lends_again

    folder = write_toy_world(tmp_path / "toy", push=0.0)
    model = _lender_model(folder, kin_ties=200.0, b_know=0.0, kin_relend=0.25)
    rows = model.add_agents(np.zeros(4_000, dtype=np.int64), source=draws.SOURCE_EMIGRATION)
    P = model.population
    no_one = np.zeros(P.n, dtype=bool)
    whole = agent_loans(model, rows)
    assert whole[:, 3].max() == 5000.0
    P.borrowed[rows[::2]] = True  # at home: a new journey
    again = lends_again(model, no_one)
    np.testing.assert_array_equal(again[rows], P.borrowed[rows])
    np.testing.assert_allclose(agent_loans(model, rows)[::2], 0.25 * whole[::2])
    np.testing.assert_array_equal(agent_loans(model, rows)[1::2], whole[1::2])
    forced = no_one.copy()
    forced[rows[::4]] = True  # retrying after an expulsion: the journey kin paid for
    assert not lends_again(model, forced)[rows[::4]].any()
    # abroad on a stop shorter than residence_months: the same journey; after a year there,
    # a new one
    ccc = model.world_index.node("CCC")
    P.location[rows] = ccc
    P.status[rows] = 0  # irregular
    P.months_here[rows] = 1
    assert not lends_again(model, no_one)[rows].any()
    P.months_here[rows] = model.params.residence_months
    np.testing.assert_array_equal(lends_again(model, no_one)[rows], P.borrowed[rows])


def test_the_group_loan_is_the_mean_of_the_agents_loans(tmp_path):
    """The group value's loan (``network_loans`` at the group's mean ``loan_scale``) is the
    mean over its agents of ``agent_loans``, half of whom start anew after a paid journey."""
    from flowsim.model.decide import agent_loans, lends_again, loan_scale, network_loans

    folder = write_toy_world(tmp_path / "toy", push=0.0)
    model = _lender_model(folder, kin_ties=20.0, b_know=0.0, kin_relend=0.2)
    rows = model.add_agents(np.zeros(40_000, dtype=np.int64), source=draws.SOURCE_EMIGRATION)
    P = model.population
    P.documented[rows] = False
    P.borrowed[rows[: len(rows) // 2]] = True
    again = lends_again(model, np.zeros(P.n, dtype=bool))[rows]
    mean_scale = loan_scale(again, model.params).mean()
    assert np.isclose(mean_scale, 0.5 * 0.2 + 0.5)
    group = network_loans(model, mean_scale)[0, 0, 3]  # undocumented AAA nationals at home
    agents = agent_loans(model, rows)[:, 3].mean()
    assert group > 0 and abs(agents / group - 1.0) < 0.03, (agents, group)


def test_the_movers_whose_savings_fall_short_are_paid_by_kin(tmp_path):
    """A mover whose chosen journey costs more than their savings is ``borrowed``; movers
    who could pay it themselves are not."""
    from flowsim.model.decide import _choose, destination_utility

    folder = write_toy_world(tmp_path / "toy", push=0.0, legal=True)
    model = _lender_model(folder, kin_ties=200.0, b_know=0.0)
    rows = model.add_agents(np.zeros(400, dtype=np.int64), source=draws.SOURCE_EMIGRATION)
    P = model.population
    P.documented[rows] = True
    before = np.where(np.arange(400) % 2 == 0, 1.0, 1e6).astype(np.float32)
    P.savings[rows] = before
    must_go = np.full(400, -np.inf)
    no = np.zeros(400, dtype=bool)
    _choose(model, rows, destination_utility(model), must_go, no, no, no)
    moved = P.in_transit[rows]
    assert moved.sum() > 100
    cost = model.paths.cost[1, 0, P.dest[rows]]
    np.testing.assert_array_equal(P.borrowed[rows], moved & (cost > before))
    assert P.borrowed[rows].any() and not P.borrowed[rows][1::2].any()


def test_kin_who_lend_once_move_fewer_people_twice(tmp_path):
    """Direction: with ``kin_relend`` 0, fewer migrants make a second journey than with 1."""
    folder = write_toy_world(tmp_path / "toy", push=50_000.0)
    twice = {}
    for relend in (0.0, 1.0):
        moved = 0
        for seed in (1, 2, 3):
            m = _run(
                folder,
                seed,
                36,
                kin_relend=relend,
                kin_ties=200.0,
                network_loan_usd=2e4,
                savings_median_usd=5.0,  # journeys cost more than savings: kin pay
            )
            P = m.population
            assert P.borrowed.mean() > 0.2  # the mechanism is at work
            moved += int((P.moves >= 2).sum())
        twice[relend] = moved
    assert twice[0.0] < twice[1.0], twice


# ----------------------------------------------------------------- nested choice
def test_nest_value_is_the_logsum_scaled_by_lambda():
    from flowsim.model.decide import nest_value

    u = np.array([[1.0, 1.0, 1.0, 1.0], [2.0, 0.0, -np.inf, -np.inf]])
    logsum = np.array([1.0 + np.log(4.0), np.logaddexp(2, 0)])
    np.testing.assert_allclose(nest_value(u, 1.0, axis=1), logsum)
    np.testing.assert_allclose(nest_value(u, 0.3, axis=1), 0.3 * logsum)
    assert nest_value(np.full((1, 3), -np.inf), 0.5, axis=1)[0] == -np.inf  # nowhere to go


def _first_month_destinations(folder: Path, **params) -> tuple[np.ndarray, np.ndarray]:
    """Keys and destinations (or locations) of every agent after one month, seed 5."""
    model = FlowModel(_scenario(1, **params), world=load_world(folder), seed=5)
    model.step()
    P = model.population
    return P.key.copy(), np.where(P.dest >= 0, P.dest, P.location)


def _assert_same_emigrant_destinations(folder: Path, **changed) -> None:
    """New emigrants must leave: with the same seed, ``changed`` leaves where they go alone."""
    keys, ends = _first_month_destinations(folder)
    keys2, ends2 = _first_month_destinations(folder, **changed)
    assert len(keys) > 100
    np.testing.assert_array_equal(keys, keys2)
    np.testing.assert_array_equal(ends, ends2)


def _onward_people(folder: Path, **params) -> float:
    """Onward journeys over 36 months, summed over ``SEEDS``.

    Every move from a host a migrant has settled in counts (``residence_months`` 1): these
    tests are about the decision to move, and in a 36-month toy run few stay a year.
    """
    total = 0.0
    params = {"residence_months": 1, **params}
    for s in SEEDS:
        fl = _run(folder, s, months=36, **params).recorder.flow_table()
        total += float(fl.loc[fl.kind == "onward", "people"].sum())
    return total


def test_nest_lambda_changes_who_moves_not_where_movers_go(tmp_path):
    _assert_same_emigrant_destinations(
        write_toy_world(tmp_path / "toy", push=200_000), nest_lambda=0.3
    )


def test_wish_scale_changes_who_moves_not_where_movers_go(tmp_path):
    # wish_scale acts on the group's hazard only: where movers go keeps taste_scale
    _assert_same_emigrant_destinations(
        write_toy_world(tmp_path / "toy", push=200_000), wish_scale=0.2
    )


def test_substitute_destinations_make_fewer_onward_moves(tmp_path):
    """Many options each no better than staying should not by themselves make people move."""
    folder = write_toy_world(tmp_path / "toy", push=20_000)
    logit, nested = _onward_people(folder, nest_lambda=1.0), _onward_people(folder, nest_lambda=0.3)
    assert nested < logit, (logit, nested)


def test_nest_value_with_a_taste_scale_tends_to_the_best_option():
    from flowsim.model.decide import nest_value

    u = np.array([[1.0, 1.0, 1.0, 1.0], [2.0, 0.0, -np.inf, -np.inf]])
    # four equal options: a bonus of lam * taste_scale * log(4) over any one of them
    np.testing.assert_allclose(
        nest_value(u, 0.7, axis=1, scale=0.25)[0], 0.7 * (1 + 0.25 * np.log(4))
    )
    np.testing.assert_allclose(
        nest_value(u, 0.7, axis=1, scale=0.25)[1], 0.7 * 0.25 * np.logaddexp(8.0, 0.0)
    )
    np.testing.assert_allclose(nest_value(u, 1.0, axis=1, scale=1e-3), [1.0, 2.0], atol=2e-3)
    logsum = np.logaddexp.reduce(u, axis=1)  # an independent log-sum
    np.testing.assert_allclose(nest_value(u, 0.7, axis=1, scale=1.0), 0.7 * logsum)
    np.testing.assert_allclose(
        nest_value(u, 0.7, axis=1, scale=0.5), 0.35 * np.logaddexp.reduce(u / 0.5, axis=1)
    )


def _top_destination_share(folder: Path, **params) -> float:
    """Share of the first month's emigrants (seed 5) bound for their most common destination."""
    keys, ends = _first_month_destinations(folder, **params)
    assert len(keys) > 100
    return float(np.bincount(ends).max() / len(ends))


def test_a_smaller_taste_scale_sends_movers_to_the_best_destination(tmp_path):
    folder = write_toy_world(tmp_path / "toy", push=1_000_000)
    wide, sharp = (_top_destination_share(folder, taste_scale=s) for s in (1.0, 0.3))
    assert sharp > wide, (wide, sharp)


def test_a_smaller_taste_scale_makes_fewer_onward_moves(tmp_path):
    """The bonus for the mere number of destinations shrinks with the taste scale."""
    folder = write_toy_world(tmp_path / "toy", push=20_000)
    wide, sharp = (_onward_people(folder, taste_scale=s) for s in (1.0, 0.3))
    assert sharp < wide, (wide, sharp)


# ----------------------------------------------------------------- legs and moving cost
def test_a_cost_per_leg_makes_journeys_take_the_direct_route(tmp_path):
    """A direct flight dearer than the three-border land journey wins once legs cost."""
    folder = write_toy_world(tmp_path / "toy", legal=True)
    direct = {"add_routes": [_air_route("AAA", "DDD", 300, 200, 0.05)]}
    model = FlowModel(_scenario(1, world=direct), world=load_world(folder))
    w, p = model.world_index, model.params
    aaa, ddd = w.node("AAA"), w.node("DDD")
    open_edges = np.ones((1, w.n_edges), dtype=bool)
    first = {}
    for b_leg in (0.0, 1.0):
        weights = edge_weights(w, p.path_budget_usd, p.b_cost, p.b_risk, p.b_time, b_leg)
        tables = shortest_paths(w, open_edges, weights)
        first[b_leg] = (w.edge_id[tables.next_edge[0, aaa, ddd]], int(tables.legs[0, aaa, ddd]))
    assert first[0.0] == ("AAA-BBB", 3), first
    assert first[1.0] == ("AAA-DDD-air", 1), first


def test_a_cost_per_leg_draws_emigrants_to_nearer_countries(tmp_path):
    """Far DDD (three legs) against near BBB (one leg): its share falls when legs cost."""
    folder = write_toy_world(tmp_path / "toy", push=20_000)

    def far_per_near(b_leg: float) -> float:
        models = [_run(folder, s, b_leg=b_leg) for s in SEEDS]
        return sum(_stock(m, "DDD") for m in models) / sum(_stock(m, "BBB") for m in models)

    free, legged = far_per_near(0.0), far_per_near(0.8)
    assert legged < free, (free, legged)


def test_a_moving_cost_lowers_onward_moves_not_where_emigrants_go(tmp_path):
    _assert_same_emigrant_destinations(write_toy_world(tmp_path / "toy", push=200_000), b_move=2.0)
    folder = write_toy_world(tmp_path / "toy2", push=20_000)
    free, costly = _onward_people(folder, b_move=0.0), _onward_people(folder, b_move=2.0)
    assert 0 < costly < free, (free, costly)


# ----------------------------------------------------------------- regularization as a draw
def _program(arrived_before: str | None) -> dict:
    program = {
        "type": "regularization", "name": "ddd_permit", "country": "DDD",
        "start": "2015-01", "end": "2016-12", "take_up": 0.8, "approval": 0.9,
    }  # fmt: skip
    if arrived_before:
        program["arrived_before"] = arrived_before
    return program


def test_a_regularization_newcomers_can_still_join_is_worth_security(tmp_path):
    from flowsim.model.decide import newcomer_security

    folder = write_toy_world(tmp_path / "toy")
    aaa, ddd = 0, 3
    model = FlowModel(_scenario(1, policies=[_program("2016-06")]), world=load_world(folder))
    model.step()  # effects of 2015-01 applied
    promised = newcomer_security(model)[aaa, ddd]
    assert 0.5 < promised <= 0.9 * 0.8 + 1e-9, promised  # most of take_up x approval
    assert newcomer_security(model)[aaa, 2] == 0.0  # only in the program's country
    closed = FlowModel(_scenario(1, policies=[_program("2015-01")]), world=load_world(folder))
    closed.step()  # the cut-off is the start: newcomers cannot join
    assert newcomer_security(closed)[aaa, ddd] == 0.0


def test_a_residence_requirement_shortens_what_a_program_promises_newcomers(tmp_path):
    """A newcomer can apply only once it has lived ``min_stay_months`` in the host: the
    months left to apply shrink by that much, and a requirement longer than the window
    promises nothing."""
    from flowsim.model.decide import newcomer_security

    folder = write_toy_world(tmp_path / "toy")
    aaa, ddd = 0, 3

    def promised(min_stay: int, open_ended: bool = False) -> float:
        program = {**_program("2016-06"), "min_stay_months": min_stay}
        if open_ended:  # counts the 12 months ahead
            del program["end"]
        model = FlowModel(_scenario(1, policies=[program]), world=load_world(folder))
        model.step()  # effects of 2015-01 applied: 24 months left in the window
        return float(newcomer_security(model)[aaa, ddd])

    none, year, longer = promised(0), promised(12), promised(24)
    assert none > year > 0.0, (none, year)
    assert longer == 0.0
    # the same rule for an open-ended window, over its 12 months ahead
    assert promised(0, True) > promised(6, True) > 0.0
    assert promised(12, True) == 0.0


def test_an_open_regularization_draws_newcomers(tmp_path):
    """New emigrants choose DDD more while its program still takes newcomers."""
    folder = write_toy_world(tmp_path / "toy", push=20_000)

    def first_into_ddd(policies: list[dict]) -> float:
        total = 0.0
        for s in SEEDS:
            fl = _run(folder, s, months=12, policies=policies).recorder.flow_table()
            total += float(fl.loc[(fl.to_country == "DDD") & (fl.kind == "first"), "people"].sum())
        return total

    without, joinable = first_into_ddd([]), first_into_ddd([_program("2016-12")])
    assert joinable > without, (without, joinable)


def test_kin_lend_what_they_earn(tmp_path):
    """Kin in a host with 0.4 of the highest wage lend 0.4 of ``network_loan_usd``."""
    from flowsim.model.decide import agent_loans, network_loans

    folder = write_toy_world(tmp_path / "toy", push=0.0, legal=True)  # kin elsewhere lend
    model = _lender_model(folder, loan_anywhere=0.5, kin_ties=200.0)
    model.network[0, :] = 0.0
    model.network[0, 2] = 60_000.0  # kin in CCC (wage 800) ...
    model.network[0, 3] = 20_000.0  # ... and in DDD (wage 2000, the highest)
    q = {d: 1.0 - np.exp(-200.0 * d / 10_000_000.0) for d in (20_000.0, 60_000.0, 80_000.0)}
    loans = network_loans(model)[1, 0, :]  # documented AAA nationals at home
    # kin there lend what they earn; failing those, half of the kin elsewhere lend theirs
    np.testing.assert_allclose(
        loans[2], q[60_000.0] * 2000.0 + (1 - q[60_000.0]) * 0.5 * q[20_000.0] * 5000.0
    )
    np.testing.assert_allclose(
        loans[3], q[20_000.0] * 5000.0 + (1 - q[20_000.0]) * 0.5 * q[60_000.0] * 2000.0
    )
    lend_mean = 5000.0 * (0.75 * 0.4 + 0.25 * 1.0)  # the diaspora-weighted mean
    np.testing.assert_allclose(loans[1], 0.5 * q[80_000.0] * lend_mean)  # nobody in BBB
    # each agent borrows from one kind of kin or none; the mean over agents is the table's
    rows = model.add_agents(np.zeros(40_000, dtype=np.int64), source=draws.SOURCE_EMIGRATION)
    model.population.documented[rows] = True
    per_agent = agent_loans(model, rows)
    assert np.allclose(per_agent.mean(axis=0)[1:], loans[1:], rtol=0.03)
    assert set(np.unique(per_agent[:, 2])) == {0.0, 2000.0, 5000.0}


def _guard(route: str, interception: float) -> dict:
    """An enforcement policy intercepting ``interception`` of a route's crossers from 2015."""
    return {
        "type": "enforcement",
        "name": "guard",
        "routes": [route],
        "interception": interception,
        "deport_to": "origin",
        "start": "2015-01",
    }


# ----------------------------------------------------------------- failed journeys
def test_a_failed_journey_loses_the_destination_over_home():
    from flowsim.model.utility import failure_term, value_lost_on_failure
    from flowsim.parameters import Parameters

    p = Parameters(b_home=2.0, b_fail=1.0)
    value = np.array([[9.0, 8.0, 12.0], [5.0, 7.0, 6.0], [1.0, 1.0, 1.0]])  # [nat, to]
    lost = value_lost_on_failure(value, p)
    # home's value without the attachment to it is 9 - 2 = 7 for nationality 0
    np.testing.assert_allclose(lost[0], [0.0, 1.0, 5.0])
    assert (np.diag(lost) == 0).all()  # a return that fails leaves people where they were
    stopped, expelled = np.array([0.0, 0.5, 0.5]), np.array([0.0, 0.0, 0.2])
    term = failure_term(lost[0], stopped, expelled, p)
    np.testing.assert_allclose(term, [0.0, -0.5, -(1 - 0.5 * 0.8) * 5.0])
    assert (failure_term(lost[0], stopped, expelled, Parameters(b_fail=0.0)) == 0).all()


@pytest.mark.parametrize("b_fail", [0.0, 1.0])
def test_a_guarded_route_deters_more_the_richer_the_prize_only_with_the_failure_term(
    tmp_path, b_fail
):
    """The stop term alone costs a fixed amount; the failure term scales with the prize."""
    from flowsim.model.decide import destination_utility

    guard = _guard("Last border", 0.5)
    drop = {}
    for wage in (2000, 4000):
        folder = write_toy_world(tmp_path / f"w{wage}", push=0.0)
        text = (folder / "countries.csv").read_text().replace(",2000,0.3,", f",{wage},0.3,")
        (folder / "countries.csv").write_text(text)
        u = []
        for policies in ([], [guard]):
            model = FlowModel(
                _scenario(1, policies=policies, b_fail=b_fail), world=load_world(folder), seed=1
            )
            model.step()
            u.append(destination_utility(model)[0, 0, 3])  # AAA nationals at home -> DDD
        drop[wage] = u[0] - u[1]
    assert drop[2000] > 0
    if b_fail == 0.0:
        assert np.isclose(drop[4000], drop[2000])
    else:
        assert drop[4000] > drop[2000] + 0.5 * np.log(2.0) * 0.9


def test_the_failure_term_lowers_arrivals_through_a_guarded_route(tmp_path):
    """Paired seeds: with the failure term, fewer cross the guarded border to DDD.

    Interception is the same in both, so fewer crossings mean fewer attempts.
    """
    guard = _guard("Last border", 0.5)
    folder = write_toy_world(tmp_path / "toy", push=20_000.0)
    crossed = {
        b_fail: sum(
            _route_people(_run(folder, s, policies=[guard], b_fail=b_fail), "Last border")
            for s in SEEDS
        )
        for b_fail in (0.0, 1.0)
    }
    assert 0 < crossed[1.0] < crossed[0.0], crossed


# ----------------------------------------------------------------- pushed emigrants who stay
def _decisions(model: FlowModel) -> dict[str, float]:
    ts = model.recorder.timeseries()
    ts = ts[ts.country == "AAA"]
    return {
        v: float(ts.loc[ts.variable == v, "value"].sum())
        for v in ("emigrants", "stayed_home", "journeys_first")
    }


@pytest.mark.parametrize("b_push", [0.0, 50.0])
def test_every_pushed_emigrant_leaves_or_stays_home(tmp_path, b_push):
    """First month (no one else at home yet): pushed = left + stayed, exactly."""
    folder = write_toy_world(tmp_path / "toy", push=20_000.0)
    for seed in SEEDS:
        d = _decisions(_run(folder, seed, months=1, b_push=b_push))
        assert d["emigrants"] > 0
        assert d["journeys_first"] + d["stayed_home"] == d["emigrants"], d
        if b_push == 50.0:  # the default: staying is worth nothing to the pushed
            assert d["stayed_home"] == 0


def test_a_guarded_border_keeps_pushed_emigrants_at_home(tmp_path):
    """Paired seeds: the same people are pushed; more of them stay when leaving is worse."""
    guard = _guard("First border", 0.8)
    folder = write_toy_world(tmp_path / "toy", push=20_000.0)
    open_, guarded = [], []
    for seed in SEEDS:
        open_.append(_decisions(_run(folder, seed, months=6, b_push=0.0)))
        guarded.append(_decisions(_run(folder, seed, months=6, b_push=0.0, policies=[guard])))
    assert [d["emigrants"] for d in open_] == [d["emigrants"] for d in guarded]
    assert sum(d["stayed_home"] for d in guarded) > sum(d["stayed_home"] for d in open_)

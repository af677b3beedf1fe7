"""The mobilization family: a share of a nationality abroad weighs moving on each month.

While it runs, a mobilization reaches a share ``reach`` a month of its nationalities living in
its countries; those reached weigh moving as if acting on a wish, so their hazard of acting is
``1 - (1 - hazard) * (1 - reach)``. They still choose by utilities and may stay. News about
named places (``toward``) raises the hazard the same way on top, and those it moves weigh
only those places against staying.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from flowsim.calendar import parse_month
from flowsim.calibration.explain import explain_group, model_before_decide
from flowsim.errors import ScenarioError
from flowsim.model import FlowModel
from flowsim.model.decide import wish_to_move
from flowsim.model.knowledge import UNKNOWN_STEP, unknown_share
from flowsim.policies import Effects, build_policies
from flowsim.scenario import Scenario
from flowsim.scenario.load import load_scenario
from flowsim.vocab import LABOR_VISA
from flowsim.world import World, load_world
from flowsim.world.compiled import compile_world
from toy_world import crash_scenario, left_bbb, write_toy_diaspora

#: AAA's diaspora in BBB is reached from 2015-06 to 2015-09; BBB's wages collapse from 2015-03
#: (``toy_world.BBB_CRASH``), so some leave BBB without it and some already live elsewhere.
RUMOUR = {
    "type": "mobilization",
    "name": "aaa_rumour",
    "countries": ["BBB"],
    "nationalities": ["AAA"],
    "reach": 0.3,
    "start": "2015-06",
    "end": "2015-09",
}
PARAMS = {"b_home": 1.0, "hazard_max": 0.2}
#: The same reach as news about CCC only, for one month (2015-06).
NEWS = {**RUMOUR, "name": "aaa_news_ccc", "toward": ["CCC"], "end": "2015-06"}


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> World:
    return load_world(write_toy_diaspora(tmp_path_factory.mktemp("mob") / "toy"))


def _scenario(policies: list[dict]) -> Scenario:
    return crash_scenario(12, PARAMS, policies)


def test_reach_is_written_for_its_pairs_abroad_only_and_overlaps_combine(world: World) -> None:
    other = {**RUMOUR, "name": "second", "reach": 0.5, "ramp_months": 2}
    at_home = {**RUMOUR, "name": "home", "countries": ["AAA", "BBB"], "reach": 0.2}
    sc = Scenario(name="toy", policies=[RUMOUR, other, at_home])
    w = compile_world(world, sc)
    first, second, third = build_policies(sc.policies, w)
    fx = Effects.base(w)
    month = first.start
    for pol in (first, second, third):  # the second at half intensity in its ramp's 1st month
        pol.apply(fx, month, pol.intensity(month))
    a, b = w.node("AAA"), w.node("BBB")
    assert fx.reached[a, b] == pytest.approx(1 - (1 - 0.3) * (1 - 0.5 * 0.5) * (1 - 0.2))
    untouched = fx.reached.copy()
    untouched[a, b] = 0.0
    assert not untouched.any()  # AAA at home is skipped though listed


def test_hazard_of_those_reached_and_no_one_else(world: World) -> None:
    month = parse_month(RUMOUR["start"])
    models = [
        model_before_decide(_scenario(policies), month, world=world, seed=3)
        for policies in ([], [RUMOUR])
    ]
    P = models[0].population
    w = models[0].world_index
    here = (P.nationality == w.node("AAA")) & (P.location == w.node("BBB"))
    contract = np.flatnonzero(here & models[0].settled())[:5]  # labor-visa holders stay put
    for model in models:
        model.population.status[contract] = LABOR_VISA
    plain, reached = (wish_to_move(model) for model in models)
    acting = here & plain.settled & (P.status != LABOR_VISA)
    assert (plain.hazard[acting] > 0).sum() > 100  # the crash gave them a wish already
    expected = plain.hazard[acting] + (1.0 - plain.hazard[acting]) * np.float32(0.3)
    np.testing.assert_allclose(reached.hazard[acting], expected, rtol=1e-6)
    elsewhere = ~here & plain.settled
    assert (plain.hazard[elsewhere] > 0).sum() > 10  # AAA who already left BBB
    np.testing.assert_array_equal(reached.hazard[~here], plain.hazard[~here])
    assert not reached.hazard[~plain.settled].any()  # travellers travel
    assert not reached.hazard[contract].any()  # contracts bind


def test_reached_through_its_last_month_and_not_after(world: World) -> None:
    w = compile_world(world, _scenario([]))
    a, b = w.node("AAA"), w.node("BBB")
    last = model_before_decide(_scenario([RUMOUR]), parse_month("2015-09"), world=world)
    assert last.effects.reached[a, b] == pytest.approx(0.3)
    after = model_before_decide(_scenario([RUMOUR]), parse_month("2015-10"), world=world)
    assert not after.effects.reached.any()


def _left_bbb(world: World, policies: list[dict], seed: int) -> float:
    return sum(left_bbb(world, _scenario(policies), seed).values())


def test_more_leave_while_it_runs(world: World) -> None:
    # paired seeds: same diaspora, crash and draws; only the mobilization differs
    for seed in (1, 2, 3):
        without = _left_bbb(world, [], seed)
        with_it = _left_bbb(world, [RUMOUR], seed)
        assert without > 0
        assert with_it > 1.2 * without, (seed, without, with_it)


def test_zero_reach_other_pairs_or_home_change_nothing(world: World) -> None:
    base = _left_bbb(world, [], 5)
    assert base > 0
    assert _left_bbb(world, [{**RUMOUR, "reach": 0.0}], 5) == base
    # a share of 0 where another mobilization reaches someone runs the formula with r = 0
    nobody = {**RUMOUR, "name": "nobody", "nationalities": ["CCC"]}
    assert _left_bbb(world, [{**RUMOUR, "reach": 0.0}, nobody], 5) == base
    assert _left_bbb(world, [{**RUMOUR, "nationalities": ["BBB", "CCC"]}], 5) == base  # no one
    assert _left_bbb(world, [{**RUMOUR, "countries": ["AAA"]}], 5) == base


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("reach = 1.5", "reach"),
        ("reach = -0.1", "reach"),
        ("nationalities = []\nreach = 0.2", "nationalities"),
        ("reach = 0.2\nroute_info = 1.5", "route_info"),
        ("reach = 0.2\nroute_info = -0.1", "route_info"),
    ],
)
def test_bad_values_are_one_line_naming_the_key(tmp_path: Path, line: str, message: str) -> None:
    nats = "" if "nationalities" in line else 'nationalities = ["HTI"]\n'
    f = tmp_path / "m.toml"
    f.write_text(
        'name = "m"\n[[policy]]\ntype = "mobilization"\nname = "x"\ncountries = ["CHL"]\n'
        f'{nats}{line}\nstart = "2021-05"\n'
    )
    with pytest.raises(ScenarioError, match=message) as err:
        load_scenario(f)
    assert len(str(err.value).strip().splitlines()) == 1


def test_explain_shows_the_share_reached(world: World) -> None:
    month = parse_month(RUMOUR["start"])
    model = model_before_decide(_scenario([RUMOUR]), month, world=world, seed=3)
    summary, _ = explain_group(model, "AAA", "BBB")
    assert summary.reached.tolist() == pytest.approx([0.3] * len(summary))
    assert (summary.hazard >= 0.3).all()  # at least the share reached acts
    elsewhere, _ = explain_group(model, "AAA", "CCC")
    assert (elsewhere.reached == 0.0).all()


def test_news_about_a_place_writes_its_own_share_and_places(world: World) -> None:
    sc = Scenario(name="toy", policies=[RUMOUR, NEWS])
    w = compile_world(world, sc)
    built = {pol.spec.name: pol for pol in build_policies(sc.policies, w)}
    rumour, news = built["aaa_rumour"], built["aaa_news_ccc"]
    fx = Effects.base(w)
    a, b, c = w.node("AAA"), w.node("BBB"), w.node("CCC")
    news.apply(fx, news.start, news.intensity(news.start))
    assert not fx.reached.any()  # news about a place leaves the undirected share alone
    assert fx.reached_toward[a, b] == pytest.approx(0.3)
    assert fx.reached_toward.sum() == pytest.approx(0.3)  # its pair only
    assert np.argwhere(fx.toward).tolist() == [[a, b, c]]  # its pair and place only
    rumour.apply(fx, rumour.start, rumour.intensity(rumour.start))
    assert fx.reached[a, b] == pytest.approx(0.3)
    assert fx.reached_toward[a, b] == pytest.approx(0.3)


def test_news_raises_the_hazard_on_top_and_anywhere_is_the_hazard_without_it(
    world: World,
) -> None:
    month = parse_month(NEWS["start"])
    models = [
        model_before_decide(_scenario(policies), month, world=world, seed=3)
        for policies in ([RUMOUR], [RUMOUR, NEWS])
    ]
    P, w = models[0].population, models[0].world_index
    here = (P.nationality == w.node("AAA")) & (P.location == w.node("BBB"))
    contract = np.flatnonzero(here & models[0].settled())[:5]  # labor-visa holders stay put
    for model in models:
        model.population.status[contract] = LABOR_VISA
    rumour, both = (wish_to_move(model) for model in models)
    np.testing.assert_array_equal(both.anywhere, rumour.hazard)
    acting = here & rumour.settled & (P.status != LABOR_VISA)
    assert acting.sum() > 100
    expected = rumour.hazard[acting] + (1.0 - rumour.hazard[acting]) * np.float32(0.3)
    np.testing.assert_allclose(both.hazard[acting], expected, rtol=1e-6)
    np.testing.assert_array_equal(both.hazard[~here], rumour.hazard[~here])
    assert not both.hazard[contract].any()  # contracts bind, news or not
    assert not both.hazard[~both.settled].any()  # travellers travel


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_those_the_news_moves_go_only_where_it_names(world: World, seed: int) -> None:
    # six months, the news in the last: until then the runs are the same, and in that month
    # those who act without it draw and choose as they would have
    months = 6
    without = left_bbb(world, crash_scenario(months, PARAMS, []), seed)
    news = left_bbb(world, crash_scenario(months, PARAMS, [NEWS]), seed)
    anywhere = left_bbb(world, crash_scenario(months, PARAMS, [{**NEWS, "toward": []}]), seed)
    assert without.get("AAA", 0.0) > 0  # some go home without any news
    assert news.get("CCC", 0.0) > 1.5 * without.get("CCC", 0.0)
    others = [{k: v for k, v in run.items() if k != "CCC"} for run in (news, without)]
    assert others[0] == others[1]  # no one else moves
    assert anywhere.get("AAA", 0.0) > without.get("AAA", 0.0)  # undirected: home too


def test_explain_shows_the_share_news_reaches(world: World) -> None:
    month = parse_month(NEWS["start"])
    model = model_before_decide(_scenario([NEWS]), month, world=world, seed=3)
    summary, _ = explain_group(model, "AAA", "BBB")
    assert summary.reached_toward.tolist() == pytest.approx([0.3] * len(summary))
    assert (summary.reached == 0.0).all()
    assert (summary.hazard >= 0.3).all()


def _priced_out(policies: list[dict]) -> Scenario:
    """Six months of ``crash_scenario`` with CCC priced out of reach from BBB."""
    base = crash_scenario(6, PARAMS, policies)
    return Scenario(
        name="toy",
        run=base.run,
        parameters=base.parameters,
        policies=base.policies,
        world={"routes": [{"route": "BBB-CCC", "cost_usd": 1e7}]},
    )


def _stuck_and_left(world: World, policies: list[dict], seed: int) -> tuple[float, dict]:
    """Six months with CCC priced out of reach: people counted stuck, and who left BBB."""
    model = FlowModel(_priced_out(policies), world=world, seed=seed)
    model.run_months()
    ts = model.recorder.timeseries()
    stuck = float(ts[ts.variable == "stuck"].value.sum())
    fl = model.recorder.flow_table()
    left = fl[(fl.from_country == "BBB") & fl.kind.isin(["onward", "return"])]
    return stuck, left.groupby("to_country").people.sum().to_dict()


def test_news_about_a_place_out_of_reach_moves_no_one_and_counts_no_one_stuck(
    world: World,
) -> None:
    # those the news brings to act cannot afford CCC: they stay, as they would have, and are
    # not counted among those who wanted to move but could afford nothing
    month = parse_month(NEWS["start"])
    wish = wish_to_move(model_before_decide(_priced_out([NEWS]), month, world=world, seed=4))
    assert (wish.hazard > wish.anywhere).sum() > 100  # the news does bring many to act
    without = _stuck_and_left(world, [], 4)
    news = _stuck_and_left(world, [NEWS], 4)
    anywhere = _stuck_and_left(world, [{**NEWS, "toward": []}], 4)
    assert without[1].get("AAA", 0.0) > 0 and "CCC" not in without[1]
    assert news == without
    assert anywhere[1].get("AAA", 0.0) > without[1].get("AAA", 0.0)  # undirected: home


def test_news_about_another_place_elsewhere_widens_no_one_s_options(world: World) -> None:
    # news about AAA running in DDD (where AAA's diaspora may arrive) must not let those the
    # news about CCC moves in BBB go home
    elsewhere = {**NEWS, "name": "aaa_news_home", "countries": ["DDD"], "toward": ["AAA"]}
    for seed in (1, 2):
        without = left_bbb(world, crash_scenario(6, PARAMS, []), seed)
        both = left_bbb(world, crash_scenario(6, PARAMS, [NEWS, elsewhere]), seed)
        assert both.get("CCC", 0.0) > without.get("CCC", 0.0)
        others = [{k: v for k, v in run.items() if k != "CCC"} for run in (both, without)]
        assert others[0] == others[1]


#: The rumour, also describing the routes: half of what AAA does not know of every irregular
#: route is lifted while it runs.
INFORMED = {**RUMOUR, "name": "aaa_routes", "route_info": 0.5}


def test_route_info_is_written_for_its_nationalities_and_overlaps_combine(world: World) -> None:
    other = {**INFORMED, "name": "second", "route_info": 0.4, "ramp_months": 2}
    sc = Scenario(name="toy", policies=[RUMOUR, INFORMED, other])
    w = compile_world(world, sc)
    built = {pol.spec.name: pol for pol in build_policies(sc.policies, w)}
    plain, informed, second = built["aaa_rumour"], built["aaa_routes"], built["second"]
    fx = Effects.base(w)
    plain.apply(fx, plain.start, plain.intensity(plain.start))
    assert not fx.route_info.any()  # by default the news describes no route
    for pol in (informed, second):  # the second at half intensity in its ramp's 1st month
        pol.apply(fx, pol.start, pol.intensity(pol.start))
    a = w.node("AAA")
    assert fx.route_info[a] == pytest.approx(1 - (1 - 0.5) * (1 - 0.4 * 0.5))
    rest = fx.route_info.copy()
    rest[a] = 0.0
    assert not rest.any()  # its nationalities only


@pytest.mark.parametrize("kin_spill", [1.0, 0.5])  # 0.5: kin's shares computed apart
def test_route_info_lifts_that_share_of_the_unknown_while_it_runs(
    world: World, kin_spill: float
) -> None:
    params = {**PARAMS, "kin_spill": kin_spill}

    def model_at(policies: list[dict], month: str) -> FlowModel:
        scenario = crash_scenario(12, params, policies)
        return model_before_decide(scenario, parse_month(month), world=world, seed=3)

    plain, informed = model_at([RUMOUR], "2015-06"), model_at([INFORMED], "2015-06")
    w = plain.world_index
    a = w.node("AAA")
    irregular = ~w.edge_legal
    # [route choice, kin] shares of AAA's irregular routes, each rounded to UNKNOWN_STEP
    before, after = plain.unknown[:, a][:, irregular], informed.unknown[:, a][:, irregular]
    assert (before >= 0.5).any()  # AAA has routes to learn
    np.testing.assert_allclose(after, before * 0.5, atol=UNKNOWN_STEP)
    assert (after < before).all(axis=1).any()
    others = np.arange(w.n_nodes) != a
    np.testing.assert_array_equal(plain.unknown[:, others], informed.unknown[:, others])
    assert not informed.unknown[:, :, w.edge_legal].any()  # legal routes stay known
    # a later month of the news (same intensities: the effects are reused) lifts it too,
    # and the month after it ends nothing is lifted
    for month, lifted in (("2015-07", 0.5), ("2015-10", 0.0)):
        model = model_at([INFORMED], month)
        assert model.effects.route_info[a] == pytest.approx(lifted)
        lift = np.full(w.n_nodes, 0.0)
        lift[a] = lifted
        expected = [
            unknown_share(model, informed=lift),
            unknown_share(model, kin=True, informed=lift),
        ]
        np.testing.assert_array_equal(model.unknown, np.stack(expected))


def test_news_that_describes_the_routes_moves_more(world: World) -> None:
    # paired seeds: the same rumour, with and without the routes described
    for seed in (1, 2, 3):
        plain = _left_bbb(world, [RUMOUR], seed)
        informed = _left_bbb(world, [INFORMED], seed)
        assert informed > plain, (seed, plain, informed)

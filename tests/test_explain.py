"""``flowsim explain``: a group's options in a month, read from the decision's own numbers."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from flowsim.calendar import parse_month
from flowsim.calibration.explain import (
    explain_group,
    journey_legs,
    model_before_decide,
    place_terms_table,
)
from flowsim.cli.main import main
from flowsim.errors import ScenarioError
from flowsim.model import FlowModel
from flowsim.model.classes import NO_PASSPORT, TIER_NAMES, TIERS, tier
from flowsim.model.schedule import SCHEDULE
from flowsim.model.utility import cost_term
from flowsim.scenario import Scenario
from flowsim.world import load_world
from toy_world import write_toy_world

TOY_SCENARIO = """name = "toy"
[run]
start = "2015-01"
months = 12
scale = 100
seed = 3
[parameters]
hazard_max = 0.2
"""


def _scenario(**params) -> Scenario:
    scenario = Scenario.model_validate(
        {
            "name": "toy",
            "run": {"start": "2015-01", "months": 12, "scale": 100, "seed": 3},
            "parameters": {"hazard_max": 0.2},
        }
    )
    return scenario.with_overrides({f"parameters.{k}": v for k, v in params.items()})


@pytest.fixture(scope="module")
def toy(tmp_path_factory) -> Path:
    return write_toy_world(tmp_path_factory.mktemp("explain") / "toy", push=200_000)


def test_stopping_before_decide_changes_nothing_in_the_run(toy):
    """Explaining a month, then finishing it, gives the state of a run that never stopped."""
    world = load_world(toy)
    stopped = model_before_decide(_scenario(), parse_month("2015-07"), world=world)
    explain_group(stopped, "AAA", "BBB")
    journey_legs(stopped, "AAA", "AAA", "DDD", level=0)
    names = [phase.name for phase in SCHEDULE]
    for phase in SCHEDULE[names.index("decide") :]:
        phase.run(stopped)
    assert stopped.month == parse_month("2015-08")  # the month's last phase moved it on
    plain = FlowModel(_scenario(), world=world)
    while plain.month < stopped.month:
        plain.step()
    for column in ("location", "dest", "status", "savings", "key"):
        np.testing.assert_array_equal(
            getattr(stopped.population, column), getattr(plain.population, column)
        )


@pytest.mark.parametrize("taste_scale", [1.0, 0.5])
def test_the_tables_are_the_decisions_numbers(toy, taste_scale):
    world = load_world(toy)
    model = model_before_decide(
        _scenario(taste_scale=taste_scale), parse_month("2015-07"), world=world
    )
    summary, options = explain_group(model, "aaa", "BBB")
    P, w, p = model.population, model.world_index, model.params
    here = model.settled() & (P.nationality == w.node("AAA")) & (P.location == w.node("BBB"))
    assert summary.agents.sum() == here.sum() > 0
    assert ((summary.hazard >= 0) & (summary.hazard <= p.hazard_max)).all()
    for _, group in summary.iterrows():
        level = TIER_NAMES.index(group.documents)
        cls = TIERS * w.node("AAA") + level
        rows = here & (tier(P.documented, P.visa_holder) == level)
        assert group.savings_usd == pytest.approx(float(np.mean(P.savings[rows], dtype=float)))
        mine = options[options.documents == group.documents].set_index("destination")
        # recomputed from the journey tables: value = utility - price at the mean savings
        budget = group.savings_usd + mine.loan_usd
        price = cost_term(mine.cost_usd.to_numpy(), budget.to_numpy(), p)
        np.testing.assert_allclose(mine.value, mine.utility - price, rtol=1e-5)
        ok = mine.cost_usd <= budget
        assert (mine.affordable == ok).all()
        expected = np.exp(mine.value[ok] / taste_scale - (mine.value[ok] / taste_scale).max())
        np.testing.assert_allclose(mine.share[ok], expected / expected.sum(), rtol=1e-9)
        assert (mine.share[~ok] == 0).all()
        for d in mine.index:
            cost = float(model.paths.cost[cls, w.node("BBB"), w.node(d)])
            assert mine.cost_usd[d] == pytest.approx(cost)
        assert list(mine.value) == sorted(mine.value, reverse=True)


@pytest.mark.parametrize("kin_spill", [1.0, 0.0])
def test_kin_knowledge_is_shown_beside_route_choices(toy, kin_spill):
    """``kin_unknown_sum`` is the journey table's kin sum: route choice's at kin_spill 1."""
    world = load_world(toy)
    model = model_before_decide(
        _scenario(kin_spill=kin_spill, know_spill=0.5), parse_month("2015-07"), world=world
    )
    from flowsim.model.effects_phase import apply_policies

    model.route_use[1, :] += 1_000_000.0  # BBB nationals cross every route
    apply_policies(model)
    _, options = explain_group(model, "AAA", "BBB")
    w = model.world_index
    if kin_spill == 0.0:  # what BBB teach helps AAA choose a route, not their kin pay for it
        assert (options.kin_unknown_sum > options.unknown_sum + 0.1).any()
    for _, row in options.iterrows():
        cls = TIERS * w.node("AAA") + TIER_NAMES.index(row.documents)
        kin = float(model.paths.kin_unknown[cls, w.node("BBB"), w.node(row.destination)])
        assert row.kin_unknown_sum == pytest.approx(kin)
        if kin_spill == 1.0:
            assert row.kin_unknown_sum == row.unknown_sum
        else:
            assert row.kin_unknown_sum >= row.unknown_sum - 1e-6  # others teach kin less


def test_a_journey_is_listed_route_by_route(toy):
    model = model_before_decide(_scenario(), parse_month("2015-03"), world=load_world(toy))
    legs = journey_legs(model, "AAA", "AAA", "DDD", level=0)
    assert list(legs.route) == ["AAA-BBB", "BBB-CCC", "CCC-DDD"]
    assert not legs.legal.any()
    assert ((legs.unknown >= 0) & (legs.unknown <= 1)).all()
    # the routes' unknown shares add up to the journey's, as the journey tables hold it
    cls, w = TIERS * model.world_index.node("AAA") + NO_PASSPORT, model.world_index
    total = float(model.paths.unknown[cls, w.node("AAA"), w.node("DDD")])
    assert legs.unknown.sum() == pytest.approx(total, abs=1e-6)
    assert journey_legs(model, "AAA", "DDD", "DDD", level=0).empty


def test_a_month_outside_the_run_or_an_unknown_code_is_one_clear_error(toy):
    world = load_world(toy)
    with pytest.raises(ScenarioError, match=r"--month: 2016-01 is outside .* 2015-01 to 2015-12"):
        model_before_decide(_scenario(), parse_month("2016-01"), world=world)
    model = model_before_decide(_scenario(), parse_month("2015-02"), world=world)
    with pytest.raises(ScenarioError, match=r"--nationality: 'XXX' is not .*allowed: AAA, BBB"):
        explain_group(model, "XXX", "BBB")
    with pytest.raises(ScenarioError, match=r"--journey: 'ZZZ' is not a country"):
        journey_legs(model, "AAA", "AAA", "ZZZ", level=0)


def test_the_command_prints_the_tables_and_rejects_bad_input(toy, tmp_path, capsys):
    scenario = tmp_path / "toy.toml"
    scenario.write_text(TOY_SCENARIO)
    common = ["explain", str(scenario), "--world", str(toy), "--nationality", "aaa"]
    good = [*common, "--country", "BBB", "--month", "2015-07", "--set", "b_dist=0.5"]
    assert main([*good, "--journey", "ddd"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("AAA living in BBB, 2015-07, scenario 'toy', seed 3")
    assert "destination" in out and "share" in out
    assert "journey to DDD, without passport:" in out and "CCC-DDD" in out
    assert "value of living there" not in out, "the terms only when asked"
    assert main([*good, "--terms"]) == 0
    out = capsys.readouterr().out
    terms = out[out.index("value of living there for an irregular newcomer of AAA (here: BBB):") :]
    assert "place_value" in terms and "network" in terms
    assert any(line.split()[:1] == ["BBB"] for line in terms.splitlines()), "here is listed"
    for bad, key in (
        (["--set", "b_nope=1"], "b_nope"),
        (["--set", "taste_scale=2"], "taste_scale"),
        (["--journey", "ZZZ"], "--journey"),
    ):
        assert main([*good, *bad]) == 2
        captured = capsys.readouterr()
        assert captured.out == ""  # refused before anything ran or printed
        assert len(captured.err.strip().splitlines()) == 1 and key in captured.err
    assert main([*common, "--country", "QQQ", "--month", "2015-07"]) == 2
    assert "--country: 'QQQ'" in capsys.readouterr().err
    with pytest.raises(SystemExit) as stop:
        main([*common, "--country", "BBB", "--month", "July"])
    assert stop.value.code == 2
    assert "allowed: YYYY-MM" in capsys.readouterr().err


@pytest.mark.parametrize("in_wish", [0.0, 1.0])
def test_a_fading_attachment_lowers_home_by_the_groups_mean(toy, in_wish):
    # home_fade_years: the group's home option is lowered by its members' mean faded part;
    # the other destinations keep the decision's group values
    from flowsim.model.decide import wish_to_move
    from flowsim.model.utility import faded_attachment

    world = load_world(toy)
    model = model_before_decide(
        _scenario(b_home=3.0, home_fade_years=0.5, home_fade_in_wish=in_wish),
        parse_month("2015-07"),
        world=world,
    )
    summary, options = explain_group(model, "AAA", "BBB")
    wish = wish_to_move(model)
    P, w = model.population, model.world_index
    aaa, bbb = w.node("AAA"), w.node("BBB")
    here = model.settled() & (P.nationality == aaa) & (P.location == bbb)
    for _, group in summary.iterrows():
        level = TIER_NAMES.index(group.documents)
        rows = here & (tier(P.documented, P.visa_holder) == level)
        fade = float(faded_attachment(P.months_here[rows], model.params).mean())
        assert fade > 0
        raw = wish.priced[TIERS * aaa + level, bbb, :].astype(np.float64)
        if in_wish:  # the group's values carry the mean fade already: nothing more
            fade = 0.0
        mine = options[options.documents == group.documents].set_index("destination")
        assert mine.value["AAA"] == pytest.approx(raw[aaa] - fade, rel=1e-6)
        for d in mine.index.drop("AAA"):
            assert mine.value[d] == pytest.approx(raw[w.node(d)], rel=1e-9)


def test_the_place_terms_are_the_decisions_place_value(toy):
    from flowsim.model.decide import newcomer_security, place_value
    from flowsim.model.utility import network_term, removal_term

    world = load_world(toy)
    scenario = Scenario.model_validate(
        {
            "name": "toy",
            "run": {"start": "2015-01", "months": 12, "scale": 100, "seed": 3},
            "parameters": {"hazard_max": 0.2},
            "policies": [
                {
                    "type": "removal",
                    "name": "ccc_removes",
                    "country": "CCC",
                    "monthly_share": 0.05,
                    "start": "2015-01",
                }
            ],
        }
    )
    model = model_before_decide(scenario, parse_month("2015-07"), world=world)
    w, p = model.world_index, model.params
    nat = w.node("AAA")
    table = place_terms_table(model, "aaa").set_index("country")
    codes = list(w.iso3)
    terms = table.loc[codes, ["income", "network", "home", "language", "removal"]]
    # the value the decision uses is the terms' sum, and the removal term is the old
    # formula's subtraction, bit for bit
    value = place_value(model)
    np.testing.assert_array_equal(table.loc[codes, "place_value"].to_numpy(), value[nat])
    secure = newcomer_security(model)
    removal = removal_term(model.effects.removal, p) * (1.0 - np.minimum(secure, 1.0))
    assert removal[nat, w.node("CCC")] > 0, "the toy's removal policy weighs on CCC"
    sums = terms[["income", "network", "home", "language"]].sum(axis=1).to_numpy()
    np.testing.assert_allclose(sums - removal[nat], value[nat], rtol=0, atol=1e-12)
    assert table.loc["CCC", "removal"] == -removal[nat, w.node("CCC")] < 0
    np.testing.assert_array_equal(
        table.loc[codes, "network"].to_numpy(), network_term(model.network, p)[nat]
    )
    assert list(table["place_value"]) == sorted(table["place_value"], reverse=True)
    with pytest.raises(ScenarioError, match="QQQ"):
        place_terms_table(model, "QQQ")


def test_the_terms_print_where_no_one_lives(toy, tmp_path, capsys):
    scenario = tmp_path / "toy.toml"
    scenario.write_text(TOY_SCENARIO)
    argv = ["explain", str(scenario), "--world", str(toy), "--nationality", "ddd"]
    assert main([*argv, "--country", "AAA", "--month", "2015-02", "--terms"]) == 0
    out = capsys.readouterr().out
    assert "no settled agents of this nationality live there this month" in out
    assert "value of living there for an irregular newcomer of DDD (here: AAA):" in out


#: The toy scenario with a policy whose strength an ensemble set can carry.
TOY_WITH_SHOCK = (
    TOY_SCENARIO
    + """
[[policy]]
type = "shock"
name = "toy_outflow"
countries = ["AAA"]
push_multiplier = 1.0
start = "2015-01"
"""
)


def test_an_ensemble_set_is_explained_with_its_own_values(toy, tmp_path, capsys):
    """``--ensemble-set K`` runs with set K's parameters and fitted inputs, as ``--set`` and
    the scenario file would; ``--set`` then applies on top."""
    scenario = tmp_path / "toy.toml"
    scenario.write_text(TOY_WITH_SHOCK)
    ensemble = tmp_path / "ensemble.csv"
    ensemble.write_text(
        "set,taste_scale,b_dist,policies.toy_outflow.push_multiplier\n"
        "0,0.4,0.2,1.0\n1,0.9,0.9,3.0\n"
    )
    argv = ["explain", str(scenario), "--world", str(toy), "--nationality", "aaa"]
    argv += ["--country", "AAA", "--month", "2015-07"]

    def printed(*extra: str, text: str = TOY_WITH_SHOCK) -> str:
        scenario.write_text(text)
        assert main([*argv, *extra]) == 0
        return capsys.readouterr().out

    by_set = printed("--ensemble-set", "1", "--ensemble", str(ensemble))
    shock_3 = TOY_WITH_SHOCK.replace("push_multiplier = 1.0", "push_multiplier = 3.0")
    assert by_set == printed("--set", "taste_scale=0.9", "--set", "b_dist=0.9", text=shock_3)
    assert by_set != printed("--set", "taste_scale=0.9", "--set", "b_dist=0.9"), (
        "the set's push multiplier must change who is at home in 2015-07"
    )
    assert by_set != printed("--ensemble-set", "0", "--ensemble", str(ensemble))
    on_top = printed("--ensemble-set", "1", "--ensemble", str(ensemble), "--set", "b_dist=0.2")
    assert on_top != by_set, "--set must win over the set's value"
    assert on_top == printed("--set", "taste_scale=0.9", "--set", "b_dist=0.2", text=shock_3)


def test_a_bad_ensemble_set_is_one_line_before_the_run(toy, tmp_path, capsys):
    """A set the file lacks, no file, a file that is not an ensemble, a set value the
    scenario refuses, or ``--ensemble`` alone: one line naming where, nothing run."""
    scenario = tmp_path / "toy.toml"
    scenario.write_text(TOY_WITH_SHOCK)
    good = tmp_path / "ensemble.csv"
    good.write_text("set,taste_scale\n0,0.4\n1,0.9\n")
    unknown = tmp_path / "unknown.csv"
    unknown.write_text("set,taste_scale,b_nope\n0,0.4,1\n")
    refused = tmp_path / "refused.csv"
    refused.write_text("set,taste_scale,policies.toy_outflow.push_multiplier\n0,0.4,-1\n")
    argv = ["explain", str(scenario), "--world", str(toy), "--nationality", "aaa"]
    argv += ["--country", "AAA", "--month", "2015-07"]
    for bad, said in (
        (
            ["--ensemble-set", "2", "--ensemble", str(good)],
            f"{good}: set 2: no such set (allowed: 0..1)",
        ),
        (
            ["--ensemble-set", "0", "--ensemble", str(tmp_path / "none.csv")],
            "none.csv: file: no such ensemble file",
        ),
        (
            ["--ensemble-set", "0", "--ensemble", str(unknown)],
            f"{unknown}: file: unknown columns b_nope",
        ),
        (
            ["--ensemble-set", "0", "--ensemble", str(refused)],
            f"{refused} (set 0): policies.toy_outflow",
        ),
        (["--ensemble", str(good)], "--ensemble: needs --ensemble-set"),
    ):
        assert main([*argv, *bad]) == 2, bad
        captured = capsys.readouterr()
        assert captured.out == ""
        assert len(captured.err.strip().splitlines()) == 1 and said in captured.err, captured.err


def test_an_input_for_a_removed_policy_is_named_not_applied(toy, tmp_path, capsys):
    """A set's input whose policy the scenario does not have (a counterfactual that removes
    it) is not applied, as in a sweep, and a note names it; the rest of the set applies."""
    scenario = tmp_path / "toy.toml"
    scenario.write_text(TOY_SCENARIO)  # no toy_outflow policy
    ensemble = tmp_path / "ensemble.csv"
    ensemble.write_text("set,taste_scale,policies.toy_outflow.push_multiplier\n0,0.9,3\n")
    argv = ["explain", str(scenario), "--world", str(toy), "--nationality", "aaa"]
    argv += ["--country", "AAA", "--month", "2015-07"]
    assert main([*argv, "--ensemble-set", "0", "--ensemble", str(ensemble)]) == 0
    captured = capsys.readouterr()
    assert "not applied" in captured.err and "policies.toy_outflow.push_multiplier" in captured.err
    assert main([*argv, "--set", "taste_scale=0.9"]) == 0
    assert capsys.readouterr().out == captured.out

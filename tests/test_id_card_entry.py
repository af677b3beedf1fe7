"""Identity-card entry (``id_card_entry``): a country's legal posts open to the undocumented.

Toy line world AAA (origin) -> BBB -> CCC -> DDD with every route legal, so a traveller
without a passport (``NO_PASSPORT``) goes nowhere but home; a country that admits AAA's
nationals on an identity card lets them in, and only there. The baseline's two such
policies (Ecuador until the 2019 visa, Peru until the 2018 passport rule) are checked on
the month's journey tables, and their direction on the 2015-2018 history.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from conservation import assert_conserved
from flowsim.calendar import parse_month
from flowsim.model import FlowModel
from flowsim.model.classes import NO_PASSPORT, PASSPORT, TIERS
from flowsim.model.effects_phase import apply_policies
from flowsim.scenario import Scenario, load_scenario
from flowsim.world import load_world
from toy_world import write_toy_world

ROOT = Path(__file__).resolve().parents[1]
ID_BBB = {"type": "id_card_entry", "name": "id_bbb", "country": "BBB", "nationalities": ["AAA"]}


def _scenario(policies: list[dict], months: int = 18) -> Scenario:
    return Scenario.model_validate(
        {
            "name": "toy",
            "run": {"start": "2015-01", "months": months, "scale": 100},
            "parameters": {"hazard_max": 0.2},
            "policies": [{"start": "2015-01", **p} for p in policies],
        }
    )


@pytest.fixture(scope="module")
def legal_world(tmp_path_factory):
    folder = write_toy_world(tmp_path_factory.mktemp("toy"), push=60_000, legal=True)
    with (folder / "routes.csv").open("a") as f:  # a flight past BBB, straight to CCC
        f.write("AAA-CCC-air,AAA,CCC,air,1500,150,0.05,0.0,true,Flight,t\n")
    return load_world(folder)


def _classes(model: FlowModel) -> tuple[int, int, int, int, int]:
    w = model.world_index
    aaa = w.node("AAA")
    return TIERS * aaa + NO_PASSPORT, TIERS * aaa + PASSPORT, aaa, w.node("BBB"), w.node("CCC")


def test_the_card_opens_the_country_s_land_posts_and_nothing_beyond(legal_world):
    without = FlowModel(_scenario([]), world=legal_world, seed=1)
    undocumented, documented, aaa, bbb, ccc = _classes(without)
    assert not without.paths.reachable[undocumented, aaa, bbb]
    model = FlowModel(_scenario([ID_BBB]), world=legal_world, seed=1)
    paths = model.paths
    assert paths.reachable[undocumented, aaa, bbb] and paths.legal_entry[undocumented, aaa, bbb]
    assert not paths.reachable[undocumented, aaa, ccc]  # CCC wants a passport; so does the flight
    assert paths.reachable[undocumented, bbb, aaa]  # home, as always
    # passport holders' tables do not change
    np.testing.assert_array_equal(paths.cost[documented], without.paths.cost[documented])


def test_the_card_opens_only_the_modes_named(legal_world):
    """CCC is entered by land from BBB and by air from AAA: each mode opens only its route."""
    by_land = {**ID_BBB, "name": "id_ccc", "country": "CCC"}
    by_air = {**by_land, "modes": ["air"]}
    land = FlowModel(_scenario([ID_BBB, by_land]), world=legal_world, seed=1)
    undocumented, _, aaa, bbb, ccc = _classes(land)
    assert land.paths.reachable[undocumented, bbb, ccc]  # the land post BBB -> CCC
    assert land.paths.legs[undocumented, aaa, ccc] == 2  # overland: the flight stays closed
    air = FlowModel(_scenario([ID_BBB, by_air]), world=legal_world, seed=1)
    assert air.paths.legs[undocumented, aaa, ccc] == 1  # the flight
    assert air.paths.legal_entry[undocumented, aaa, ccc]
    assert not air.paths.reachable[undocumented, bbb, ccc]  # the land post stays closed


def test_a_visa_or_a_closure_still_applies_to_card_holders(legal_world):
    visa = {"type": "visa_requirement", "name": "v", "country": "BBB", "nationalities": ["AAA"]}
    closed = {"type": "route_closure", "name": "c", "countries": ["BBB"], "modes": ["land"]}
    for other in (visa, closed):
        model = FlowModel(_scenario([ID_BBB, other]), world=legal_world, seed=1)
        undocumented, _, aaa, bbb, _ = _classes(model)
        assert not model.paths.reachable[undocumented, aaa, bbb], other["type"]


def test_the_card_admits_only_the_nationalities_named(legal_world):
    others = {**ID_BBB, "nationalities": ["CCC"]}
    model = FlowModel(_scenario([others]), world=legal_world, seed=1)
    undocumented, _, aaa, bbb, _ = _classes(model)
    assert not model.paths.reachable[undocumented, aaa, bbb]


def _undocumented_in(model: FlowModel, country: str) -> int:
    P = model.population
    there = P.alive & ~P.in_transit & (P.location == model.world_index.node(country))
    return int((there & ~P.documented).sum())


def test_card_holders_settle_in_the_country_while_the_window_is_open(legal_world):
    """Undocumented emigrants reach BBB only with the card, and fewer when it ends early."""
    counts = {}
    for name, policies in (
        ("none", []),
        ("open", [ID_BBB]),
        ("short", [{**ID_BBB, "end": "2015-03"}]),
    ):
        model = FlowModel(_scenario(policies), world=legal_world, seed=3)
        model.run_months()
        counts[name] = _undocumented_in(model, "BBB")
        assert_conserved(model)
    assert counts["none"] == 0
    assert counts["open"] > counts["short"] > 0, counts


def _legal_for_undocumented_venezuelans(model: FlowModel, month: str, src: str, dst: str) -> bool:
    model.month = parse_month(month)
    apply_policies(model)
    w = model.world_index
    cls = TIERS * w.node("VEN") + NO_PASSPORT
    paths = model.paths
    return bool(paths.reachable[cls, w.node(src), w.node(dst)]) and bool(
        paths.legal_entry[cls, w.node(src), w.node(dst)]
    )


def test_the_baseline_admits_venezuelan_cards_in_ecuador_and_peru_until_the_rules_change(
    baseline_model,
):
    """ecu_id_entry_ven until the 2019 visa; per_id_entry_ven until the 2018 passport rule."""
    legal = _legal_for_undocumented_venezuelans
    w = baseline_model.world_index
    ven, ecu = w.node("VEN"), w.node("ECU")
    into_ecu = (w.edge_dst == ecu) & w.edge_legal & (w.edge_mode == 0)  # land posts
    for month, open_ in (("2019-07", True), ("2019-08", False)):  # the card's own end
        baseline_model.month = parse_month(month)
        apply_policies(baseline_model)
        assert baseline_model.effects.id_entry[ven, into_ecu].all() == open_, month
    assert legal(baseline_model, "2017-06", "COL", "ECU")
    assert legal(baseline_model, "2017-06", "ECU", "PER")
    assert legal(baseline_model, "2018-10", "ECU", "PER")
    assert not legal(baseline_model, "2018-11", "ECU", "PER")
    assert legal(baseline_model, "2019-07", "COL", "ECU")
    assert not legal(baseline_model, "2019-08", "COL", "ECU")
    # never into Colombia or Chile, which the policies do not name
    assert not legal(baseline_model, "2017-06", "PER", "CHL")
    assert not legal(baseline_model, "2017-06", "ECU", "COL")


def _venezuelans(scenario: Scenario, seed: int) -> pd.Series:
    model = FlowModel(scenario, seed=seed, agents=False)
    model.run_months()
    ts = model.recorder.timeseries()
    sel = ts[(ts.variable == "stock") & (ts.nationality == "VEN") & (ts.month == "2018-10-01")]
    return sel.groupby("country")["value"].sum()


def test_without_the_cards_fewer_venezuelans_reach_peru_and_more_stay_in_colombia():
    """Direction on the 2015-2018 history, 2 paired seeds at 2,000 people per agent.

    Measured when written (summed over the seeds, October 2018): Peru 1,062,000 with the
    cards vs 814,000 without, Ecuador 882,000 vs 704,000, Colombia 1,902,000 vs 2,144,000.
    """
    base = load_scenario(ROOT / "scenarios" / "baseline.toml").with_overrides(
        {"run.scale": 2000.0, "run.months": 46}
    )
    names = {"ecu_id_entry_ven", "per_id_entry_ven"}
    assert names <= {p.key for p in base.policies}
    without = base.model_copy(update={"policies": [p for p in base.policies if p.key not in names]})
    with_cards = sum(_venezuelans(base, s) for s in (1, 2))
    no_cards = sum(_venezuelans(without, s) for s in (1, 2))
    assert with_cards["PER"] > 1.1 * no_cards["PER"], (with_cards["PER"], no_cards["PER"])
    assert with_cards["COL"] < no_cards["COL"], (with_cards["COL"], no_cards["COL"])

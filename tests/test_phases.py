"""Phases one at a time, on hand-built populations in the toy line world (AAA -> DDD).

Each test builds a model, places agents by hand (location, status, dates), runs one phase
function of ``flowsim.model.schedule.SCHEDULE`` and checks exactly what it changed.
"""

from __future__ import annotations

import numpy as np
import pytest

from flowsim.model import FlowModel
from flowsim.model.cells import build_cells
from flowsim.model.decide import decide
from flowsim.model.emigration import emigrate
from flowsim.model.labor import labor_market
from flowsim.model.schedule import SCHEDULE
from flowsim.model.settle import settle_in
from flowsim.model.status import update_status
from flowsim.scenario import Scenario
from flowsim.vocab import FIRST, IRREGULAR, LABOR_VISA, NATIONAL, PENDING, REGULAR, RETURN
from flowsim.world import load_world
from toy_world import write_toy_world


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    return load_world(write_toy_world(tmp_path_factory.mktemp("toy")))


def _model(world, policies=(), **params) -> FlowModel:
    sc = Scenario(
        name="t", run={"months": 24, "scale": 10.0}, parameters=params, policies=list(policies)
    )
    model = FlowModel(sc, world=world, seed=2, agents=False)
    SCHEDULE[0].run(model)  # this month's effects
    return model


def _place(model: FlowModel, n: int, where: str, status: int) -> np.ndarray:
    """Create ``n`` AAA nationals settled in ``where`` with ``status`` since last year."""
    rows = model.add_emigrants("AAA", n)
    model.pending_forced = rows[:0]  # placed by hand: not new emigrants
    P = model.population
    P.location[rows] = model.world_index.node(where)
    P.status[rows] = status
    P.status_since[rows] = model.month - 12
    P.arrival_month[rows] = model.month - 12
    return rows


def test_status_grants_due_applications_and_rejects_the_others(world):
    model = _model(world)
    rows = _place(model, 10, "BBB", PENDING)
    P = model.population
    P.status_until[rows] = model.month  # decided this month
    P.permit_months[rows[:6]] = 24  # granted at application
    P.permit_months[rows[6:]] = 0  # rejected
    update_status(model)
    assert (P.status[rows[:6]] == REGULAR).all()
    assert (P.status_until[rows[:6]] == model.month + 24).all()
    assert (P.status[rows[6:]] == IRREGULAR).all()


def test_status_renews_every_permit_when_renewal_is_certain(world):
    model = _model(world, permit_renewal=1.0)
    rows = _place(model, 8, "CCC", REGULAR)
    P = model.population
    P.status_until[rows] = model.month
    P.permit_months[rows] = 12
    update_status(model)
    assert (P.status[rows] == REGULAR).all()
    assert (P.status_until[rows] == model.month + 12).all()


def test_contract_end_sends_planned_returns_home_and_others_overstay(world):
    model = _model(world)
    rows = _place(model, 6, "DDD", LABOR_VISA)
    P = model.population
    P.status_until[rows] = model.month
    P.plan_return[rows[:4]] = True
    update_status(model)
    home, stay = rows[:4], rows[4:]
    assert P.in_transit[home].all() and (P.kind[home] == RETURN).all()
    assert (P.dest[home] == model.world_index.node("AAA")).all()
    assert (P.status[stay] == IRREGULAR).all() and not P.in_transit[stay].any()


def _one_month_program(**fields: object) -> dict:
    """A regularization in BBB open for 2015-01 only, which everyone eligible applies to."""
    program = {"type": "regularization", "country": "BBB", "start": "2015-01", "end": "2015-01"}
    return program | {"take_up": 1.0, "approval": 1.0} | fields


def test_regularization_window_turns_applicants_pending(world):
    model = _model(world, policies=[_one_month_program(processing_months=2)])
    inside = _place(model, 20, "BBB", IRREGULAR)
    outside = _place(model, 5, "CCC", IRREGULAR)
    update_status(model)
    P = model.population
    assert (P.status[inside] == PENDING).all()  # take-up 1 over a one-month window
    assert (P.status_until[inside] == model.month + 2).all()
    assert (P.status[outside] == IRREGULAR).all()


def test_a_residence_requirement_admits_only_those_here_long_enough(world):
    """``min_stay_months``: who has lived in the host that long may apply; newer arrivals not."""
    model = _model(world, policies=[_one_month_program(min_stay_months=12)])
    rows = _place(model, 12, "BBB", IRREGULAR)
    P = model.population
    P.arrival_month[rows[:4]] = model.month - 12  # exactly a year: eligible
    P.arrival_month[rows[4:8]] = model.month - 30  # long-settled: eligible
    P.arrival_month[rows[8:]] = model.month - 11  # a month short: not yet
    update_status(model)
    assert (P.status[rows[:8]] == PENDING).all()
    assert (P.status[rows[8:]] == IRREGULAR).all()


def test_labor_market_hires_everyone_when_finding_is_certain_and_pays_by_skill(world):
    model = _model(world, job_find_rate=1.0, job_loss_rate=0.0, save_rate=1.0)
    rows = _place(model, 50, "DDD", REGULAR)
    P = model.population
    P.savings[rows] = 0.0
    P.integration[rows] = 1.0
    P.skill[rows[:25]], P.skill[rows[25:]] = 0.0, 1.0
    # DDD: unemployment 0.05, so a regular, integrated agent finds a job with prob. 0.95
    build_cells(model)
    labor_market(model)
    employed = P.employed[rows]
    assert employed.mean() > 0.8
    low = P.savings[rows[:25]][employed[:25]]
    high = P.savings[rows[25:]][employed[25:]]
    p = model.params
    assert np.allclose(low, 2000 * p.skill_wage_floor)  # the host wage times the skill wage
    assert np.allclose(high, 2000 * (p.skill_wage_floor + p.skill_wage_slope))


def test_emigration_marks_new_and_added_agents_forced(world):
    model = _model(world)
    added = model.add_emigrants("AAA", 3)
    emigrate(model)  # push is 0 in this world: only the added agents
    np.testing.assert_array_equal(model.forced, added)
    assert len(model.pending_forced) == 0
    assert (model.population.status[added] == NATIONAL).all()


def test_settle_in_moves_integration_towards_its_target(world):
    model = _model(world, integration_rate=0.5)
    rows = _place(model, 4, "DDD", REGULAR)
    P = model.population
    P.integration[rows] = 0.0
    months = P.months_here[rows].copy()
    build_cells(model)
    settle_in(model)
    target = model.world_index.integration_base[model.world_index.node("DDD")]
    assert np.allclose(P.integration[rows], 0.5 * target)  # half-way in one month
    assert (P.months_here[rows] == months + 1).all()


def test_decide_sends_every_forced_emigrant_and_nobody_else(world):
    model = _model(world, hazard_max=1e-9)
    settled_abroad = _place(model, 10, "CCC", REGULAR)
    leaving = model.add_emigrants("AAA", 12)
    model.population.savings[leaving] = 10_000.0  # every route is affordable
    emigrate(model)
    build_cells(model)
    decide(model)
    P = model.population
    assert P.in_transit[leaving].all()
    assert (P.kind[leaving] == FIRST).all()
    assert not P.in_transit[settled_abroad].any()

"""The decision rule: one list of named terms, each formula written once, each coefficient cited."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np

from flowsim.model import utility
from flowsim.parameters import Parameters

ROOT = Path(__file__).resolve().parents[1]
SRC = ROOT / "src" / "flowsim"
P = Parameters()


def test_every_term_coefficient_is_a_cited_parameter():
    names = [t.name for t in utility.TERMS]
    assert len(names) == len(set(names))
    for term in utility.TERMS:
        assert term.coefficient in Parameters.model_fields, term


def test_every_parameter_states_its_source_or_assumption():
    for name, info in Parameters.model_fields.items():
        text = info.description or ""
        cited = re.search(r"\(\D*\d{4}", text) or re.search(r"\b(19|20)\d{2}\b", text)
        assert cited or "Assumption" in text or "alibrat" in text, f"{name}: {text!r}"


def test_odd_shows_the_terms():
    odd = (ROOT / "docs" / "ODD.md").read_text(encoding="utf-8")
    assert utility.terms_markdown() in odd, "docs/ODD.md 7.4 is stale: run scripts/sync_docs.py"


def test_shared_terms_are_written_once():
    # the network, home and cost terms and the job-access formula live in utility.py only
    patterns = {
        "network term": r"log1p\([^)]*net_ref",
        "home term": r"p\.b_home",
        "cost term": r"p\.b_cost \* cost",
        "job access": r"informality\) \* access|\(1\.0 - inf\) \* a0",
        "skill wage": r"0\.6\) \+ np\.float32\(0\.8",
    }
    for path in (SRC / "model").glob("*.py"):
        if path.name == "utility.py":
            continue
        text = path.read_text(encoding="utf-8")
        for what, pattern in patterns.items():
            assert not re.search(pattern, text), f"{path.name} writes the {what} again"


def test_terms_have_the_documented_shape():
    net = np.array([[0.0, P.net_ref], [0.0, 0.0]])
    assert utility.network_term(net, P)[0, 1] == P.b_net * np.log(2.0)
    assert utility.network_term(net, P)[0, 0] == 0.0
    np.testing.assert_array_equal(utility.home_term(np.zeros(3), P), P.b_home * np.eye(3))
    # a crisis at home (percent emigrating per year) lowers only one's own country
    crisis = utility.home_term(np.array([4.0, 0.0, 0.0]), P)
    assert crisis[0, 0] == P.b_home - 4.0 * P.b_crisis and crisis[1, 1] == P.b_home
    assert crisis[0, 1] == 0.0
    same = np.array([[True, False], [False, True]])
    np.testing.assert_array_equal(utility.language_term(same, P), P.b_lang * same)
    # an expulsion followed by retries ends in expulsion less often, never more
    once = utility.final_expulsion(np.array([0.0, 0.5, 1.0]), 0.0)
    retry = utility.final_expulsion(np.array([0.0, 0.5, 1.0]), 0.7)
    np.testing.assert_allclose(once, [0.0, 0.5, 1.0])
    assert retry[0] == 0.0 and 0.0 < retry[1] < 0.5 and retry[2] == 1.0
    zero = np.zeros(2)
    far = utility.journey_term(zero, zero, zero, np.array([100.0, 5000.0]), zero, zero, P)
    assert far[1] < far[0] <= 0.0  # longer journeys are worth less
    unknown = utility.journey_term(*(zero,) * 4, np.array([0.0, 1.0]), zero, P)
    assert unknown[0] == 0.0 and np.isclose(unknown[1], -P.b_know * (1 - np.exp(-1.0)))
    # every leg (border crossed) costs b_leg
    legged = P.model_copy(update={"b_leg": 0.4})
    legs = utility.journey_term(*(zero,) * 5, np.array([1.0, 3.0]), legged)
    np.testing.assert_allclose(legs, [-0.4, -1.2])
    assert utility.income_term(np.array([0.5]), P)[0] == 0.0  # floored at 1 USD
    sec = utility.status_security(P)
    assert sec[0] == 0.0 and sec[1] == P.pending_security and sec[2] == 1.0
    a0, a1 = utility.status_formal_access(P)
    assert a0[0] + a1[0] == 1.0 and a0[2] == 1.0 and a1[2] == 0.0  # full integration = access
    cheap, dear = utility.cost_term(np.array([100.0, 1000.0]), np.array([500.0, 500.0]), P)
    assert 0 < cheap < dear
    low, high = utility.skill_wage(np.array([0.0, 1.0], dtype=np.float32), P)
    assert np.isclose(low, P.skill_wage_floor) and high > low


def test_odd_parameter_tables_follow_the_code_and_the_calibration_layer():
    from flowsim.parameters import baseline_calibrated_values, sync_parameter_rows

    odd = (ROOT / "docs" / "ODD.md").read_text(encoding="utf-8")
    rows = set(re.findall(r"^\| `(\w+)` \|", odd, re.M))
    missing = [n for n in Parameters.model_fields if n not in rows]
    assert not missing, f"docs/ODD.md section 7 has no row for {missing}"
    reference = (ROOT / "docs" / "scenarios.md").read_text(encoding="utf-8")
    keys = set(re.findall(r"^\| `(\w+)` \| \w+ \|", reference, re.M))
    missing = [n for n in Parameters.model_fields if n not in keys]
    assert not missing, f"docs/scenarios.md's [parameters] table has no row for {missing}"
    synced = sync_parameter_rows(odd, baseline_calibrated_values())
    assert synced == odd, "docs/ODD.md parameter rows are stale: run scripts/sync_docs.py"

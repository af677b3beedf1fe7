"""The decision rule as a list of named utility terms, each written once.

``TERMS`` names every term of the utilities agents compare (staying, each destination, a
pathway offer), its coefficient (a cited ``flowsim.parameters.Parameters`` field) and its
formula; ``docs/ODD.md`` section 7.4 shows ``terms_markdown()`` (checked by a test). The
functions below compute the terms shared by several options (income, network, home,
security, journey); ``model/cells.py`` and ``model/decide.py`` assemble them, so each
term's formula exists in one place.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from flowsim.parameters import Parameters
from flowsim.vocab import IRREGULAR, PENDING, STATUS_NAMES, VISITOR


@dataclass(frozen=True)
class Term:
    """One term of the random utility.

    Attributes:
        name: Short name.
        coefficient: The ``Parameters`` field weighting it.
        formula: What is weighted (sign included).
        options: Where it enters: ``stay``, ``destination`` and/or ``pathway offer``.
    """

    name: str
    coefficient: str
    formula: str
    options: tuple[str, ...]


TERMS: tuple[Term, ...] = (
    Term("income", "b_inc", "log(max(expected monthly income, 1 USD))", ("stay", "destination")),
    Term(
        "network",
        "b_net",
        "log(1 + diaspora of the nationality here / net_ref)",
        ("stay", "destination"),
    ),
    Term(
        "home",
        "b_home",
        "1 in one's own country; for a migrant abroad choosing, exp(-years in the current "
        "country / home_fade_years) when home_fade_years > 0",
        ("stay", "destination"),
    ),
    Term(
        "language",
        "b_lang",
        "1 where an official language is shared with one's own country",
        ("stay", "destination"),
    ),
    Term(
        "crisis at home",
        "b_crisis",
        "-percent of the home population emigrating per year (push series), in one's own country",
        ("stay", "destination"),
    ),
    Term(
        "security",
        "b_secure",
        "security of the status: 0 irregular, pending_security pending and visitor, 1 otherwise",
        ("stay",),
    ),
    Term(
        "arrival security",
        "b_secure",
        "expected security S of a newcomer under the destination's processing regime, "
        "S = (protected + pending_security * pending) / (1 - expelled)",
        ("destination",),
    ),
    Term(
        "expulsion",
        "b_stop",
        "-chance a newcomer ends up expelled by the destination's processing regime, "
        "retries included: e (1 - r) / (1 - e r), r = retry_expelled near the border, retry_far "
        "when the expelled are sent further (flown home)",
        ("destination",),
    ),
    Term(
        "removal",
        "b_stop",
        "-chance an irregular resident is deported within a year (removal policies); for a "
        "newcomer times (1 - S), the share the processing regime does not protect",
        ("stay", "destination"),
    ),
    Term("integration", "b_int", "integration (0-1)", ("stay",)),
    Term("hardship", "b_hardship", "-1 without a job", ("stay",)),
    Term("settled", "b_settle", "log(1 + years lived here)", ("stay",)),
    Term("moving cost", "b_move", "1: staying avoids the fixed cost of any move", ("stay",)),
    Term(
        "push",
        "b_push",
        "-1 for this month's pushed emigrants (push series) at home, who also lose the home "
        "term's attachment b_home: they stay only if nothing affordable is worth more",
        ("stay",),
    ),
    Term("risk", "b_risk", "-probability of dying on the journey", ("destination",)),
    Term(
        "stop",
        "b_stop",
        "-probability of being intercepted or turned back on the journey",
        ("destination",),
    ),
    Term(
        "failure",
        "b_fail",
        "-F * max(V_to - (V_home - b_home), 0): F = 1 - (1 - stopped on the journey)(1 - "
        "expelled for good on arrival), V the value of living at the destination and at home "
        "(income, network, home, language, arrival security); 0 for a return home",
        ("destination",),
    ),
    Term("time", "b_time", "-months of travel", ("destination",)),
    Term("distance", "b_dist", "-log(1 + journey km / 1000)", ("destination",)),
    Term("legs", "b_leg", "-number of routes (border crossings) on the journey", ("destination",)),
    Term(
        "unknown routes",
        "b_know",
        "-(1 - exp(-U)), U = sum over the journey's irregular routes of the share the "
        "nationality does not know (model/knowledge.py)",
        ("destination",),
    ),
    Term(
        "herd",
        "b_herd",
        "r / (r + herd_ref), r = recent monthly share of one's compatriots here who left for "
        "the destination (model/herd.py); 0 at home",
        ("destination",),
    ),
    Term("cost", "b_cost", "-journey cost / (savings + diaspora loan + c0)", ("destination",)),
    Term("pathway", "b_path", "+1 for a legal pathway offer", ("pathway offer",)),
)


#: Journey length at which the distance term reaches ``b_dist * log(2)``, km. Assumption:
#: short hops to a neighbour cost little, the term grows like log(km) beyond.
KM_REF = 1000.0


def income_term(income: np.ndarray, p: Parameters) -> np.ndarray:
    """``b_inc * log(max(income, 1))``."""
    return p.b_inc * np.log(np.maximum(income, 1.0))


def network_term(network: np.ndarray, p: Parameters) -> np.ndarray:
    """``b_net * log(1 + network / net_ref)`` for a ``[nationality, country]`` diaspora."""
    return p.b_net * np.log1p(network / p.net_ref)


def removal_term(monthly: np.ndarray, p: Parameters) -> np.ndarray:
    """``b_stop * (1 - (1 - monthly)^12)``: the yearly chance of removal, weighted like a stop."""
    return p.b_stop * -np.expm1(12.0 * np.log1p(-np.minimum(monthly, 1.0 - 1e-12)))


def language_term(same_language: np.ndarray, p: Parameters) -> np.ndarray:
    """``b_lang`` where the country shares an official language with the nationality."""
    return p.b_lang * same_language


def home_term(crisis: np.ndarray, p: Parameters) -> np.ndarray:
    """``b_home - b_crisis * crisis`` where the country is the nationality's own, else 0.

    Args:
        crisis: ``[country]`` percent of the population emigrating per year
            (``WorldIndex.emigration_rate``): the conditions that push people out also
            lower what going back is worth.
        p: Parameters.

    Returns:
        ``[nationality, country]``.
    """
    return np.diag(p.b_home - p.b_crisis * np.asarray(crisis, dtype=float))


def faded_attachment(months_here: np.ndarray, p: Parameters) -> np.ndarray:
    """Return the part of ``b_home`` a migrant abroad no longer feels: ``[agents]``.

    ``b_home * (1 - exp(-years / home_fade_years))`` with ``years`` the time lived in the
    current country (``months_here / 12``); 0 when ``home_fade_years`` is 0 (no fading).

    Args:
        months_here: Whole months each migrant has lived in the country it is in.
        p: Parameters.

    Returns:
        ``[agents]`` utility to subtract from the home option of each migrant abroad.
    """
    if p.home_fade_years <= 0.0:
        return np.zeros(len(months_here))
    years = np.asarray(months_here, dtype=np.float64) / 12.0
    return p.b_home * -np.expm1(-years / p.home_fade_years)


def final_expulsion(expelled: np.ndarray, retry: float | np.ndarray) -> np.ndarray:
    """Chance of ending up expelled when each expulsion is followed by a retry w.p. ``retry``.

    ``e (1 - r) / (1 - e r)``: expelled on the first attempt and giving up, or retrying and
    ending expelled later (a geometric series over attempts).
    """
    e = np.asarray(expelled, dtype=float)
    return e * (1.0 - retry) / np.maximum(1.0 - e * retry, 1e-9)


def value_lost_on_failure(value: np.ndarray, p: Parameters) -> np.ndarray:
    """Return what a failed journey to each destination loses: ``[nat, to]``.

    A failed journey ends, for most, back home (the usual ``deport_to``), but in debt and
    without the house or job sold to leave, so without the attachment to home
    (``b_home``) that keeps people there: ``value - (value at home - b_home)``. A return
    journey that fails leaves people where they were (turned back), so home itself loses
    nothing beyond the stop term.

    Args:
        value: ``[nat, to]`` value of living at each destination once let in, the
            nationality's own country included (the diagonal).
        p: Parameters.
    """
    lost = value - home_without_attachment(value, p)[:, None]
    np.fill_diagonal(lost, 0.0)
    return lost


def home_without_attachment(value: np.ndarray, p: Parameters) -> np.ndarray:
    """Return the value of being at home without the attachment to it: ``[nat]``.

    ``value[n, n] - b_home``, on the scale of the destinations' values (``value``, ``[nat,
    to]``): where a failed journey ends, in debt and without what was sold to leave.
    """
    return np.diag(value) - p.b_home


def failure_term(
    lost: np.ndarray, stopped: np.ndarray, expelled: np.ndarray, p: Parameters
) -> np.ndarray:
    """Return ``-b_fail * F * max(lost, 0)``, the value a failed journey is expected to lose.

    ``F = 1 - (1 - stopped) * (1 - expelled)``: the chance of being stopped on the way or
    expelled for good on arrival, both of which end, for most, back home (the usual
    ``deport_to``). ``lost`` is the destination's value over that of being sent home.
    Arrays broadcast (e.g. ``lost`` and ``expelled`` ``[.., 1, to]``, ``stopped`` the
    journey's ``[.., from, to]``).
    """
    fail = 1.0 - (1.0 - stopped) * (1.0 - expelled)
    return -p.b_fail * fail * np.maximum(lost, 0.0)


def pushed_stay_penalty(p: Parameters) -> float:
    """Return ``b_home + b_push``: what staying loses for this month's pushed emigrants."""
    return p.b_home + p.b_push


def journey_term(
    risk: np.ndarray,
    stopped: np.ndarray,
    months: np.ndarray,
    km: np.ndarray,
    unknown: np.ndarray,
    legs: np.ndarray,
    p: Parameters,
) -> np.ndarray:
    """Return the journey terms of the destination utility.

    ``-b_risk risk - b_stop stopped - b_time months - b_dist log(1 + km/1000)
    - b_leg legs - b_know (1 - exp(-unknown))``, where ``legs`` counts the journey's routes
    and ``unknown`` is the sum of their unknown shares; that term saturates at ``b_know`` (a
    journey through several unknown crossings is not worth less than never).
    """
    return (
        -p.b_risk * risk
        - p.b_stop * stopped
        - p.b_time * months
        - p.b_dist * np.log1p(km / KM_REF)
        - p.b_leg * legs
        + p.b_know * np.expm1(-unknown)
    )


def cost_term(cost: np.ndarray, budget: np.ndarray, p: Parameters) -> np.ndarray:
    """``b_cost * cost / (budget + c0)``, the money cost subtracted from a destination."""
    return p.b_cost * cost / (budget + p.c0)


def status_security(p: Parameters) -> np.ndarray:
    """Security of each status (0-1), indexed by status code."""
    secure = np.ones(len(STATUS_NAMES))
    secure[IRREGULAR], secure[PENDING] = 0.0, p.pending_security
    secure[VISITOR] = p.pending_security  # a short legal stay: as secure as a pending case
    return secure


def status_formal_access(p: Parameters) -> tuple[np.ndarray, np.ndarray]:
    """Formal-job access ``a0 + a1 * integration`` by status code: returns ``(a0, a1)``."""
    a0 = np.ones(len(STATUS_NAMES))
    a1 = np.zeros(len(STATUS_NAMES))
    a0[IRREGULAR], a1[IRREGULAR] = p.irregular_formal_access, 1.0 - p.irregular_formal_access
    a0[PENDING], a1[PENDING] = p.pending_formal_access, 1.0 - p.pending_formal_access
    a0[VISITOR], a1[VISITOR] = a0[IRREGULAR], a1[IRREGULAR]  # a tourist entry: no work permit
    return a0, a1


def job_access(informality: np.ndarray, access: np.ndarray) -> np.ndarray:
    """Access to any job: the informal sector is open to all, the formal one by ``access``."""
    return informality + (1.0 - informality) * access


def skill_wage(skill: np.ndarray, p: Parameters) -> np.ndarray:
    """Wage multiplier of a skill percentile: ``skill_wage_floor + skill_wage_slope * skill``."""
    return np.float32(p.skill_wage_floor) + np.float32(p.skill_wage_slope) * skill


def terms_markdown() -> str:
    """Return the utility terms as the Markdown table shown in docs/ODD.md section 7.4."""
    lines = ["| term | coefficient | times | enters |", "|---|---|---|---|"]
    for t in TERMS:
        lines.append(f"| {t.name} | `{t.coefficient}` | {t.formula} | {', '.join(t.options)} |")
    return "\n".join(lines) + "\n"

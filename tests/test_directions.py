"""Scientific direction tests on the default world, with paired seeds (common random numbers).

Each test asserts the sign of an effect summed over paired replicates, never a tuned number.
The policy checks (integration, regularization, the Mexico visa) are defined once in
``flowsim.calibration.directions``, which ``flowsim calibrate --refine --guard`` also runs.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

import pandas as pd

from flowsim.calibration.directions import CHECKS, holds
from flowsim.calibration.directions import total as check_total
from flowsim.engine.run import RunSpec, simulate
from flowsim.scenario import Scenario, load_scenario

ROOT = Path(__file__).resolve().parents[1]
SEEDS = (1, 2, 3, 4)
SCALE = 5000
HOSTS = ["COL", "PER", "ECU", "CHL"]


@cache
def scenario(name: str, months: int, scale: float = SCALE) -> Scenario:
    s = load_scenario(ROOT / "scenarios" / f"{name}.toml")
    return s.with_overrides({"run.scale": scale, "run.months": months})


def run(
    name: str, seed: int, months: int = 156, scale: float = SCALE
) -> tuple[pd.DataFrame, pd.DataFrame]:
    return _run(name, seed, int(months), float(scale))  # one cache key however called


@cache
def _run(name: str, seed: int, months: int, scale: float) -> tuple[pd.DataFrame, pd.DataFrame]:
    return run_scenario(scenario(name, months, scale), seed)


def check(name: str) -> tuple[list[float], list[float], bool]:
    """Treated and reference totals by seed of a direction check, and whether it holds."""
    c = CHECKS[name]
    idx = 0 if c.table == "timeseries" else 1

    def totals(stem: str) -> list[float]:
        return [check_total(run(stem, s, c.months, c.scale)[idx], c.where) for s in c.seeds]

    treated, reference = totals(c.treated), totals(c.reference)
    return treated, reference, holds(c, treated, reference)


def run_scenario(s: Scenario, seed: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    return simulate(RunSpec(run_id=f"{s.name}/{seed}", scenario=s, replicate=0, seed=seed))


def total(df: pd.DataFrame, **eq) -> float:
    """Sum a run's table (``people`` of flows, ``value`` of timeseries) over the rows ``eq``
    selects (``since``/``until`` bound the month): the checks' own ``total``."""
    return check_total(df, eq)


def with_darien(risk: float | None = None, closed: bool = False) -> Scenario:
    base = scenario("baseline", 96).model_dump(mode="json")
    change = {"route": "Darien Gap", "closed": closed}
    if risk is not None:
        change["risk"] = risk
    base["world"]["routes"] = [change]
    return Scenario.model_validate(base)


def test_riskier_darien_carries_fewer_people():
    # two paired seeds, whose baseline runs the closure test below reuses (suite time)
    low = sum(total(run("baseline", s, 96)[1], route="Darien Gap") for s in SEEDS[:2])
    risky = with_darien(risk=0.05)
    high = sum(total(run_scenario(risky, s)[1], route="Darien Gap") for s in SEEDS[:2])
    assert low > 0, "the baseline must use the Darien at all"
    assert high < low, f"a 5% death risk should lower Darien crossings ({high} vs {low})"


def test_closing_the_darien_removes_its_crossings_and_loses_nobody():
    closed = with_darien(closed=True)
    for s in SEEDS[:2]:
        ts, flows = run_scenario(closed, s)
        assert total(flows, route="Darien Gap") == 0
        base_ts, _ = run("baseline", s, 96)
        # nobody vanishes: people alive at the end (settled + in transit) are comparable,
        # and every emigrant created is still counted somewhere
        end = ts.month.max()
        alive = total(ts, variable="stock", month=end) + total(ts, variable="in_transit", month=end)
        created = total(ts, variable="emigrants") + total(
            ts, variable="journeys_pathway", country="VEN"
        )
        assert alive + total(ts, variable="deaths") >= total(ts, variable="emigrants")
        assert created > 0
        assert total(base_ts, variable="emigrants") == total(ts, variable="emigrants"), (
            "emigration does not depend on the Darien: paired runs must create the same people"
        )


def test_integration_lowers_onward_moves_from_treated_hosts():
    treated, base, ok = check("integration")
    assert CHECKS["integration"].seeds == SEEDS and CHECKS["integration"].scale == SCALE
    assert ok, f"integration should lower onward moves ({sum(treated)} vs {sum(base)})"


def test_regularization_raises_regular_share_and_lowers_onward_moves():
    hosts = ["COL", "PER", "ECU", "CHL", "MEX", "CRI"]

    def regular_share(ts: pd.DataFrame) -> float:
        end = pd.Timestamp("2026-12-01")
        st = ts[
            (ts.variable == "stock")
            & (ts.month == end)
            & ts.country.isin(hosts)
            & (ts.country != ts.nationality)
        ]
        return st[st.status.isin(["regular", "naturalized"])].value.sum() / st.value.sum()

    base = [run("baseline", s) for s in SEEDS]
    reg = [run("regularization_broad", s) for s in SEEDS]
    assert sum(map(regular_share, (r[0] for r in reg))) > sum(
        map(regular_share, (b[0] for b in base))
    )
    treated, reference, ok = check("regularization")
    assert ok, f"regularization should lower onward moves ({sum(treated)} vs {sum(reference)})"


def test_pathways_add_legal_departures_and_cut_irregular_crossings_by_less_than_slots():
    irregular = ["Darien Gap", "US southwest border"]
    months = 156
    start = "2025-01-01"
    slots = (100_000 + 20_000 + 30_000) * (months - 120) / 12  # people offered 2025-01..2027-12
    base_path = sum(
        total(run("baseline", s)[0], variable="journeys_pathway", since=start) for s in SEEDS
    ) / len(SEEDS)
    path = sum(
        total(run("labor_pathways_expanded", s)[0], variable="journeys_pathway", since=start)
        for s in SEEDS
    ) / len(SEEDS)
    assert path > base_path, "pathway scenarios must send people on legal journeys"
    cut = sum(
        total(run("baseline", s)[1], route=irregular, since=start)
        - total(run("labor_pathways_expanded", s)[1], route=irregular, since=start)
        for s in SEEDS
    ) / len(SEEDS)
    assert cut < slots, f"irregular crossings fell by {cut}, more than the {slots} slots opened"


def test_mexico_visa_pushes_venezuelans_to_the_darien():
    # The shift was a fifth to a third of Venezuelan Darien crossings (ninth and tenth
    # passes; about two-thirds, mostly one seed, at the twenty-fourth's), so the check runs at
    # 500 people per agent (at 5,000 too few agents make the sign a coin toss; at 1,000, at
    # the twenty-fifth pass's point, four of six seeds tied on 2 or 3 agents) and asks it of the
    # sum over eighteen paired seeds and of a sign test over the untied ones at 5% (in some
    # seeds the route stays at one level with and without the visa: a tie, neither way; six
    # seeds and four of them until the twenty-sixth pass, nine and six of them, none lower,
    # in the twenty-sixth, whose rule one seed lower by four agents failed in the
    # twenty-seventh: src/flowsim/calibration/directions.py).
    with_visa, without, ok = check("mexico_visa")
    assert CHECKS["mexico_visa"].seeds == tuple(range(1, 19))
    assert CHECKS["mexico_visa"].sign_alpha == 0.05
    assert ok, (
        f"closing Mexico's air route should raise Venezuelan Darien crossings (sum over 18 "
        f"seeds, sign test at 5%) "
        f"({with_visa} with the visa vs {without} without)"
    )

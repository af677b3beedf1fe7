"""The direction checks' arithmetic (the checks themselves run in test_directions.py)."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pandas as pd
import pytest

from flowsim.calibration.directions import CHECKS, holds, run_checks, total
from flowsim.engine.executors import SerialExecutor


def test_a_summed_check_holds_on_the_sum_a_per_seed_check_on_every_seed() -> None:
    summed = replace(CHECKS["integration"], seeds=(1, 2), per_seed=False, expect="lower")
    assert holds(summed, [1.0, 5.0], [3.0, 4.0])  # 6 < 7 though seed 2 goes the other way
    assert not holds(summed, [4.0, 5.0], [3.0, 4.0])
    each = replace(summed, per_seed=True)
    assert not holds(each, [1.0, 5.0], [3.0, 4.0])
    assert holds(each, [1.0, 3.0], [3.0, 4.0])
    higher = replace(each, expect="higher")
    assert holds(higher, [4.0, 5.0], [3.0, 4.0]) and not holds(higher, [3.0, 5.0], [3.0, 4.0])
    # the sum and a least number of seeds: 2 of 3 seeds must show it as well as the sum
    most = replace(summed, seeds=(1, 2, 3), expect="higher", min_seeds=2)
    assert holds(most, [5.0, 5.0, 1.0], [3.0, 4.0, 2.0])  # sum 11 > 9, two seeds higher
    assert not holds(most, [9.0, 3.0, 1.0], [3.0, 4.0, 2.0])  # sum 13 > 9, one seed higher
    assert not holds(most, [5.0, 5.0, 0.0], [3.0, 4.0, 4.0])  # two seeds, sum 10 < 11
    with pytest.raises(ValueError, match="min_seeds 4"):
        replace(most, min_seeds=4)
    # none against: a tie is neither for nor against, a seed the other way fails the check
    none = replace(most, none_against=True)
    assert holds(none, [5.0, 5.0, 2.0], [3.0, 4.0, 2.0])  # two higher, one tie
    assert not holds(none, [6.0, 5.0, 1.0], [3.0, 4.0, 2.0])  # two higher, one lower
    assert holds(most, [6.0, 5.0, 1.0], [3.0, 4.0, 2.0])  # which min_seeds alone lets pass
    fewer = replace(none, expect="lower")
    assert holds(fewer, [1.0, 2.0, 2.0], [3.0, 4.0, 2.0])  # two lower, one tie
    assert not holds(fewer, [1.0, 2.0, 3.0], [3.0, 4.0, 2.0])  # two lower, one higher
    # the shipped Mexico-visa check asks the sum over eighteen seeds and a sign test at 5%
    # (since the twenty-seventh pass); the twenty-sixth pass's rule (six of nine, none the
    # other way) and the earlier one (four of six) are replayed below
    shipped = CHECKS["mexico_visa"]
    assert (shipped.min_seeds, shipped.none_against, len(shipped.seeds)) == (0, False, 18)
    assert shipped.sign_alpha == 0.05
    nine = replace(shipped, seeds=tuple(range(1, 10)), min_seeds=6, none_against=True, sign_alpha=0)
    visa = replace(nine, seeds=(1, 2, 3, 4, 5, 6), min_seeds=4)
    # the twenty-sixth pass's point: three of the first six higher, three tied (the rule of
    # four of six fails), the next three higher: six of nine
    with_visa = [7000.0, 17000.0, 6000.0, 2000.0, 3000.0, 35500.0, 25000.0, 5500.0, 16000.0]
    without = [7000.0, 6000.0, 4500.0, 2000.0, 3000.0, 4000.0, 4500.0, 5000.0, 4000.0]
    assert not holds(visa, with_visa[:6], without[:6])
    assert holds(nine, with_visa, without)
    assert not holds(nine, with_visa, without[:8] + [16500.0])  # one seed the other way
    assert not holds(nine, with_visa[:5] + [4000.0] + with_visa[6:], without)  # five of nine
    # the twenty-seventh pass's baseline on the first nine seeds: five higher, three tied,
    # one lower by four agents, the sum 134,500 against 43,000; the rule of nine fails
    new_with = [4000.0, 34000.0, 6000.0, 1500.0, 3000.0, 33000.0, 37500.0, 11500.0, 4000.0]
    new_without = [6000.0, 7500.0, 4500.0, 1500.0, 3000.0, 4000.0, 6000.0, 6500.0, 4000.0]
    assert not holds(nine, new_with, new_without)
    # the twenty-fourth pass's runs: four higher, two tied
    treated = [5000.0, 75000.0, 18000.0, 3000.0, 12000.0, 12000.0]
    reference = [5000.0, 11000.0, 6000.0, 3000.0, 9000.0, 9000.0]
    assert holds(visa, treated, reference)
    assert not holds(visa, treated, [5000.0, 11000.0, 6000.0, 3500.0, 9000.0, 9000.0])
    # the twenty-fifth pass's point: at 1,000 people per agent four of six seeds tied, which
    # the rule counts neither way (so it failed); at 500, the check's scale since, four higher
    assert visa.scale == 500.0
    at_1000 = [2000.0, 31000.0, 7000.0, 3000.0, 2000.0, 3000.0]
    assert not holds(visa, at_1000, [2000.0, 7000.0, 6000.0, 3000.0, 2000.0, 3000.0])
    at_500 = [6000.0, 6500.0, 5500.0, 2000.0, 3000.0, 33000.0]
    assert holds(visa, at_500, [5500.0, 6000.0, 4000.0, 2000.0, 3000.0, 5000.0])


def test_the_sign_test_counts_untied_seeds_against_a_fair_coin() -> None:
    from flowsim.calibration.directions import sign_test_p

    assert sign_test_p(0, 0) == 1.0  # every seed tied: no evidence
    assert sign_test_p(5, 0) == 1 / 32
    assert sign_test_p(5, 1) == 7 / 64  # five of six untied seeds
    assert sign_test_p(10, 2) == (66 + 12 + 1) / 4096
    assert sign_test_p(0, 3) == 1.0
    check = replace(CHECKS["integration"], seeds=tuple(range(8)), expect="higher")
    tested = replace(check, sign_alpha=0.05)
    # the sum alone holds on one large seed; the sign test asks that it not be one seed
    one_big = ([100.0] + [1.0] * 7, [1.0] * 8)
    assert holds(check, *one_big) and not holds(tested, *one_big)  # 1 of 1 untied: p = 0.5
    five_of_five = ([2.0] * 5 + [1.0] * 3, [1.0] * 8)
    assert holds(tested, *five_of_five)  # p = 1/32 (three ties left out)
    five_of_six = ([2.0] * 5 + [0.5] + [1.0] * 2, [1.0] * 8)
    assert not holds(tested, *five_of_six)  # p = 7/64
    with pytest.raises(ValueError, match="sign_alpha 1.5"):
        replace(check, sign_alpha=1.5)


def test_total_selects_rows_by_value_list_and_months() -> None:
    df = pd.DataFrame(
        {
            "month": pd.to_datetime(["2021-12-01", "2022-01-01", "2023-12-01", "2024-01-01"]),
            "route": ["Darien Gap"] * 3 + ["other"],
            "nationality": ["VEN", "VEN", "HTI", "VEN"],
            "people": [1.0, 10.0, 100.0, 1000.0],
        }
    )
    where = dict(CHECKS["mexico_visa"].where)
    assert total(df, where) == 10.0
    assert total(df, where | {"nationality": ["VEN", "HTI"]}) == 110.0


def test_an_unknown_check_is_refused_by_name(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="nope unknown; allowed: integration, regularization"):
        run_checks(["nope"], tmp_path, {}, SerialExecutor())

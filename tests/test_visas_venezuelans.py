"""The baseline's visas for Venezuelans in Central America and the Caribbean.

El Salvador's visa (since 2008, a policy from the run's start), Nicaragua's (2016-08 to
2018-10), Honduras's (2017-11), Guatemala's (2018-03) and the Dominican Republic's (2019-12)
are baseline policies, and Costa Rica's (2022-02) closes the list. The checks read the
month's effects (``Effects.visa_required``) and, as a direction, compare the baseline with
itself without the four policies that start within the run.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from flowsim.calendar import parse_month
from flowsim.model import FlowModel
from flowsim.model.effects_phase import apply_policies
from flowsim.scenario import load_scenario

ROOT = Path(__file__).resolve().parents[1]
POLICIES = ("nic_visa_ven_2016", "hnd_visa_ven_2017", "gtm_visa_ven_2018", "dom_visa_ven_2019")
HOSTS = ("HND", "GTM", "DOM")


def _required(model: FlowModel, month: str, host: str, nat: str = "VEN") -> bool:
    model.month = parse_month(month)
    apply_policies(model)
    w = model.world_index
    return bool(model.effects.visa_required[w.node(nat), w.node(host)])


@pytest.mark.parametrize(
    ("host", "before", "from_"),
    [
        ("HND", "2017-10", "2017-11"),
        ("GTM", "2018-02", "2018-03"),
        ("DOM", "2019-11", "2019-12"),
        ("PAN", "2017-09", "2017-10"),
        ("CHL", "2019-05", "2019-06"),
        ("CRI", "2022-01", "2022-02"),
    ],
)
def test_each_visa_for_venezuelans_starts_in_its_month(baseline_model, host, before, from_):
    assert not _required(baseline_model, before, host)
    assert _required(baseline_model, from_, host)
    assert _required(baseline_model, "2023-06", host)


def test_el_salvador_requires_visas_of_venezuelans_from_the_start(baseline_model):
    assert _required(baseline_model, "2015-01", "SLV")
    assert _required(baseline_model, "2023-06", "SLV")
    assert not _required(baseline_model, "2015-01", "SLV", nat="COL")


def test_nicaragua_required_visas_of_venezuelans_from_2016_08_to_2018_10(baseline_model):
    assert not _required(baseline_model, "2016-07", "NIC")
    assert _required(baseline_model, "2016-08", "NIC")
    assert _required(baseline_model, "2018-10", "NIC")
    assert not _required(baseline_model, "2018-11", "NIC")
    assert not _required(baseline_model, "2023-06", "NIC")


def _venezuelans_in_hosts(scenario_path: Path, seeds: tuple[int, ...]) -> float:
    """Venezuelans living in Honduras, Guatemala and the Dominican Republic at the end of
    2021, summed over seeds (2,000 people per agent)."""
    scenario = load_scenario(scenario_path).with_overrides({"run.scale": 2000.0, "run.months": 84})
    total = 0.0
    for seed in seeds:
        model = FlowModel(scenario, seed=seed)
        model.run_months()
        ts = model.recorder.timeseries()
        last = ts["month"].max()
        sel = (
            (ts["variable"] == "stock")
            & (ts["nationality"] == "VEN")
            & ts["country"].isin(HOSTS)
            & (ts["month"] == last)
            & (ts["status"] != "national")
        )
        total += float(ts.loc[sel, "value"].sum())
    return total


def test_the_visas_keep_venezuelans_from_settling_in_central_america(tmp_path):
    """Direction: without the four visas more Venezuelans live in those hosts at end 2021
    (Nicaragua's, lifted in 2018, is removed too but its stock not counted)."""
    without = tmp_path / "no_visas.toml"
    without.write_text(
        'name = "no_central_american_visas"\n'
        f"extends = {json.dumps(str(ROOT / 'scenarios' / 'baseline'))}\n"
        f"remove_policies = {json.dumps(list(POLICIES))}\n",
        encoding="utf-8",
    )
    seeds = (1, 2)
    shipped = _venezuelans_in_hosts(ROOT / "scenarios" / "baseline.toml", seeds)
    open_ = _venezuelans_in_hosts(without, seeds)
    assert open_ > 1.1 * shipped, (shipped, open_)

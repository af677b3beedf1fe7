"""Policy families: one registry, schemas and runtimes paired, writes declared and read."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pytest

from flowsim.errors import ScenarioError
from flowsim.model.schedule import effects_read
from flowsim.policies import FAMILIES, POLICY_SPECS, Effects, PolicySpec, build_policies
from flowsim.scenario import Scenario
from flowsim.scenario.load import load_scenario
from flowsim.world import default_world
from flowsim.world.compiled import compile_world

SRC = Path(__file__).resolve().parents[1] / "src" / "flowsim"


def _spec(kind: str, **extra) -> PolicySpec:
    spec_class = POLICY_SPECS[kind]
    return spec_class.model_validate(
        {"type": kind, "start": "2015-01", **spec_class.example, **extra}
    )


@pytest.fixture(scope="module")
def world_index():
    return compile_world(default_world(), Scenario(name="default"))


def test_every_family_has_schema_runtime_and_example():
    assert set(FAMILIES) == set(POLICY_SPECS)
    for name, family in FAMILIES.items():
        assert family.type_name() == name
        assert family.spec_class is POLICY_SPECS[name]
        assert "apply" in vars(family), f"{name} has no apply"
        assert family.writes, f"{name} declares no Effects field it writes"
        assert family.spec_class.example, f"{name} has no example"
        _spec(name)  # the example is valid


def test_every_family_module_defines_family():
    folder = SRC / "policies" / "families"
    modules = {p.stem for p in folder.glob("*.py") if p.stem != "__init__"}
    found = {f.__module__.rsplit(".", 1)[1] for f in FAMILIES.values()}
    assert modules == found


def test_writes_are_effects_fields():
    fields = set(Effects.field_names())
    for name, family in FAMILIES.items():
        assert family.writes <= fields, f"{name} writes unknown fields {family.writes - fields}"


def test_every_written_field_is_read_by_a_phase():
    read = effects_read()
    for name, family in FAMILIES.items():
        assert family.writes <= read, f"{name} writes {family.writes - read}, which no phase reads"


def _snapshot(fx: Effects) -> dict[str, object]:
    out = {}
    for f in dataclasses.fields(fx):
        v = getattr(fx, f.name)
        if dataclasses.is_dataclass(v):  # a group of arrays (e.g. the arrival regime)
            v = np.concatenate([np.asarray(x, dtype=float).ravel() for x in vars(v).values()])
        out[f.name] = v.copy() if isinstance(v, np.ndarray) else list(v)
    return out


@pytest.mark.parametrize("kind", sorted(FAMILIES))
def test_apply_changes_exactly_what_it_declares(kind, world_index):
    (pol,) = build_policies((_spec(kind),), world_index)
    fx = Effects.base(world_index)
    before = _snapshot(fx)
    pol.apply(fx, pol.start, 1.0)
    after = _snapshot(fx)
    changed = set()
    for name in before:
        a, b = before[name], after[name]
        same = np.array_equal(a, b) if isinstance(a, np.ndarray) else len(a) == len(b)
        if not same:
            changed.add(name)
    assert changed, f"{kind} changed nothing"
    assert changed <= FAMILIES[kind].writes, f"{kind} changed undeclared {changed}"


def test_country_and_route_fields_come_from_the_schema():
    assert POLICY_SPECS["labor_pathway"].country_fields() == (
        "from_countries",
        "to",
        "nationalities",
    )
    assert "deport_to" in POLICY_SPECS["enforcement"].country_fields()
    refs = set(_spec("enforcement", deport_to="MEX").world_refs())
    assert ("deport_to", "country", "MEX") in refs and ("routes", "route", "Darien Gap") in refs
    origin = _spec("enforcement", deport_to="origin")
    assert all(ref[0] != "deport_to" for ref in origin.world_refs())


def test_derived_key_ignores_position_name_and_prose():
    a = _spec("shock")
    b = _spec("shock", description="a different text")
    assert a.key == b.key and a.key.startswith("shock_")
    assert _spec("shock", push_multiplier=3.0).key != a.key
    assert _spec("shock", name="covid").key == "covid"


def test_duplicate_keys_are_rejected():
    pol = {"type": "shock", "start": "2015-01", "countries": ["COL"]}
    with pytest.raises(ValueError, match="both named"):
        Scenario(name="x", policies=[pol, pol])
    with pytest.raises(ValueError, match="both named 'a'"):
        Scenario(
            name="x", policies=[{**pol, "name": "a"}, {**pol, "name": "a", "push_multiplier": 2.0}]
        )


def test_policies_are_applied_by_start_then_key_not_file_order(world_index):
    specs = (
        _spec("shock", name="zeta", start="2015-01"),
        _spec("shock", name="alpha", start="2015-06"),
        _spec("shock", name="beta", start="2015-01"),
    )
    keys = [p.key for p in build_policies(specs, world_index)]
    assert keys == ["beta", "zeta", "alpha"]
    assert [p.key for p in build_policies(specs[::-1], world_index)] == keys


def test_unknown_country_and_route_get_a_suggestion(tmp_path):
    f = tmp_path / "s.toml"
    f.write_text(
        'name = "s"\n[[policy]]\ntype = "integration"\ncountries = ["CLO"]\nlevel = 0.5\n'
        'start = "2016-01"\n[[policy]]\ntype = "route_closure"\nroutes = ["Darien Gap "]\n'
        'start = "2016-01"\n'
    )
    with pytest.raises(ScenarioError) as err:
        load_scenario(f)
    text = str(err.value)
    assert "policy[0].countries: unknown country 'CLO' (did you mean 'COL'?" in text
    assert "policy[1].routes: unknown route 'Darien Gap '" in text and "did you mean" in text

"""The schedule is written once: the step runs it, the ODD shows it, phases declare reads."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

from flowsim.model import FlowModel
from flowsim.model.schedule import SCHEDULE, effects_read, schedule_markdown
from flowsim.policies import Effects
from flowsim.scenario import Scenario
from flowsim.world import load_world
from toy_world import write_toy_world

ROOT = Path(__file__).resolve().parents[1]
SRC = ROOT / "src" / "flowsim"


def test_phase_names_are_unique_and_declared():
    names = [p.name for p in SCHEDULE]
    assert len(names) == len(set(names))
    for phase in SCHEDULE:
        assert phase.reads and phase.writes and phase.why, phase.name
        assert callable(phase.run)


def test_odd_shows_the_schedule_exactly():
    odd = (ROOT / "docs" / "ODD.md").read_text(encoding="utf-8")
    assert schedule_markdown() in odd, "docs/ODD.md section 3 is stale: run scripts/sync_docs.py"
    for i, phase in enumerate(SCHEDULE, start=1):
        assert f"{i}. **{phase.name}**" in odd


def test_sync_docs_check_passes():
    out = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "sync_docs.py"), "--check"],
        env={"PYTHONPATH": str(ROOT / "src")},
        capture_output=True,
        text=True,
    )
    assert out.returncode == 0, out.stdout + out.stderr


def _effects_fields_accessed() -> set[str]:
    """Effects fields the model package's code reads (attribute access on effects)."""
    fields = set(Effects.field_names())
    read: set[str] = set()
    for path in (SRC / "model").glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (
                isinstance(node, ast.Attribute)
                and node.attr in fields
                and ast.unparse(node.value) in ("fx", "model.effects")
            ):
                read.add(node.attr)
    return read


def test_declared_effects_reads_match_the_code():
    # the policies phase reads visa_required, closed and intercept through Effects.open_edges
    assert effects_read() == _effects_fields_accessed() | {"visa_required"}


def test_step_runs_the_schedule_in_order(tmp_path, monkeypatch):
    world = load_world(write_toy_world(tmp_path / "toy"))
    model = FlowModel(Scenario(name="toy", run={"months": 2}), world=world, seed=1)
    ran: list[str] = []
    import flowsim.model.model as model_module

    wrapped = tuple(
        p.__class__(
            p.name, (lambda m, p=p: (ran.append(p.name), p.run(m))[1]), p.reads, p.writes, p.why
        )
        for p in SCHEDULE
    )
    monkeypatch.setattr(model_module, "SCHEDULE", wrapped)
    model.step()
    assert ran == [p.name for p in SCHEDULE]


def test_model_attributes_are_all_created_in_init(tmp_path):
    world = load_world(write_toy_world(tmp_path / "toy", push=50_000))
    model = FlowModel(Scenario(name="toy", run={"months": 3}), world=world, seed=1)
    before = set(vars(model))
    model.add_emigrants("AAA", 5)
    model.run_months()
    assert set(vars(model)) == before

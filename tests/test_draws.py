"""The registry of random draws: unique names, and every draw in the source goes through it."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from flowsim import draws
from flowsim.rng import name_key

SRC = Path(__file__).resolve().parents[1] / "src" / "flowsim"
DRAW_FUNCTIONS = {"agent_uniform", "stream"}


def test_draw_names_and_streams_are_unique():
    names = list(draws.DRAWS)
    assert len(names) == len(set(names))
    assert len({name_key(n) for n in names}) == len(names)
    with pytest.raises(ValueError, match="twice"):
        draws.register("move", "again")


def test_policy_draws_differ_by_policy_and_from_each_other():
    a = draws.PATHWAY_PICK.of("usa")
    assert a != draws.PATHWAY_PICK.of("can") and a != draws.PATHWAY_ACCEPT.of("usa")
    assert a not in draws.DRAWS  # a per-policy stream never equals a plain draw's name
    with pytest.raises(ValueError):
        draws.MOVE.of("usa")


def _draw_calls() -> list[tuple[str, int, ast.expr]]:
    calls = []
    for path in SRC.rglob("*.py"):
        if path.name in ("rng.py", "draws.py"):
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call):
                fn = node.func
                fname = fn.attr if isinstance(fn, ast.Attribute) else getattr(fn, "id", "")
                if fname in DRAW_FUNCTIONS and len(node.args) >= 2:
                    calls.append((str(path.relative_to(SRC)), node.lineno, node.args[1]))
    return calls


def test_every_draw_in_the_source_is_registered():
    calls = _draw_calls()
    assert calls, "found no draws: the scan is broken"
    for where, line, arg in calls:
        text = ast.unparse(arg)
        assert text.startswith("draws."), (
            f"{where}:{line} draws from {text}, not a flowsim.draws name"
        )
        attr = text.removeprefix("draws.").split(".")[0].split("(")[0]
        assert isinstance(getattr(draws, attr, None), draws.Draw), f"{where}:{line}: {text}"
        per_policy = getattr(draws, attr).per_policy
        assert per_policy == (".of(" in text), f"{where}:{line}: {text} (per policy: {per_policy})"


def test_no_draw_is_keyed_by_a_list_position():
    for where, line, _ in _draw_calls():
        src = (SRC / where).read_text(encoding="utf-8").splitlines()[line - 1]
        assert "enumerate" not in src and ".index" not in src, f"{where}:{line}"

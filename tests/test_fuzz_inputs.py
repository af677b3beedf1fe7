"""Fuzzing scenario files and CLI arguments: exit 0, or exit 2 with one line per problem.

Hypothesis writes scenario files from every key the schema knows plus misspelt ones, with
values of every kind (NaN, infinities, huge numbers, unicode, wrong types, wrong case),
sometimes with a BOM, Windows line ends or undecodable bytes, and checks ``flowsim
validate``; it also builds ``flowsim run`` command lines with arbitrary option values
(the model replaced by a stub). Whatever the input: no traceback, no validation-library
wording or regular expression in a message, every problem line is ``FILE: key: message``,
and a file holding a NaN or an infinity is never accepted.
"""

from __future__ import annotations

import contextlib
import io
import json
import math
import os
import re
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from flowsim.cli.main import main
from flowsim.parameters import Parameters
from flowsim.policies import POLICY_SPECS

ROOT = Path(__file__).resolve().parents[1]
BASELINE = str(ROOT / "scenarios" / "baseline.toml")
#: Examples per property by default; the slow variants run ``FUZZ_MANY``.
FUZZ_FEW, FUZZ_MANY = 120, 1500

LEAKS = re.compile(r"Traceback|Input should|validation error|pydantic|\^\[|\]\$|\\d|errors\.")

names = st.sampled_from(
    ["run", "parameters", "world", "policy", "name", "description", "extends", "Run", "polcy"]
)
numbers = st.one_of(
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from([0, 1, -1, 0.5, 1e300, -1e-300, 2**63, 192, 2000]),
)
texts = st.one_of(
    st.text(max_size=12),
    st.sampled_from(["COL", "col", "PER", "XXX", "2019-06", "2019-13", "Darien Gap", "é🚶", ""]),
)
scalars = st.one_of(numbers, texts, st.booleans())
values = st.one_of(scalars, st.lists(scalars, max_size=3))
run_keys = st.sampled_from(["start", "months", "scale", "seed", "Months", "stop"])
param_keys = st.sampled_from([*list(Parameters.model_fields)[:10], "b_nett", "B_NET"])
policy_types = st.sampled_from([*POLICY_SPECS, "Integration", "nope"])


@st.composite
def policies(draw):
    kind = draw(policy_types)
    fields = list(POLICY_SPECS.get(kind, POLICY_SPECS["integration"]).model_fields)
    body = {"type": kind, "start": draw(st.sampled_from(["2016-01", "2030-01", "2016-1"]))}
    for key in draw(st.lists(st.sampled_from([*fields, "levle"]), max_size=4)):
        body[key] = draw(values)
    return body


@st.composite
def scenario_docs(draw):
    doc: dict = {}
    if draw(st.booleans()):
        doc["run"] = draw(st.dictionaries(run_keys, values, max_size=3))
    if draw(st.booleans()):
        doc["parameters"] = draw(st.dictionaries(param_keys, values, max_size=3))
    if draw(st.booleans()):
        doc["policy"] = draw(st.lists(policies(), max_size=2))
    for key in draw(st.lists(names, max_size=2)):
        doc.setdefault(key, draw(values))
    return doc


def toml_value(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if math.isnan(value):
            return "nan"
        if math.isinf(value):
            return "inf" if value > 0 else "-inf"
        return repr(value)
    if isinstance(value, str):
        return json.dumps(value)  # a JSON string is a valid TOML basic string
    if isinstance(value, list):
        return "[" + ", ".join(toml_value(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{json.dumps(k)} = {toml_value(v)}" for k, v in value.items()) + "}"
    raise TypeError(value)


def to_toml(doc: dict) -> str:
    lines = [f"{json.dumps(k)} = {toml_value(v)}" for k, v in doc.items()]
    return "\n".join(lines) + "\n"


def non_finite(value) -> bool:
    if isinstance(value, float):
        return not math.isfinite(value)
    if isinstance(value, dict):
        return any(non_finite(v) for v in value.values())
    if isinstance(value, list):
        return any(non_finite(v) for v in value)
    return False


def call(argv: list[str]) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            code = main(argv)
        except SystemExit as exc:  # argparse rejects an option
            code = int(exc.code or 0)
    return code, out.getvalue(), err.getvalue()


def check_problem_lines(err: str, code: int) -> None:
    assert not LEAKS.search(err), err
    lines = [line for line in err.splitlines() if line and not line.startswith("warning:")]
    assert code in (0, 2), (code, err)
    if code == 2:
        assert lines, "exit 2 without saying why"
        for line in lines:
            assert re.match(r"^\S.*?: \S.*?: \S", line) or line.startswith("flowsim "), line


def _validate_doc(text: bytes, doc: dict | None) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "fuzz.toml"
        path.write_bytes(text)
        code, out, err = call(["validate", str(path)])
    check_problem_lines(err, code)
    if code == 2:
        assert str(path) in err
    if doc is not None and non_finite(doc):
        assert code == 2, f"a NaN or infinity was accepted:\n{text.decode()}"


def _encode(doc: dict, form: str) -> bytes:
    text = to_toml(doc)
    if form == "crlf":
        return text.replace("\n", "\r\n").encode("utf-8")
    if form == "bom":
        return b"\xef\xbb\xbf" + text.encode("utf-8")
    if form == "latin1":
        return text.encode("utf-8") + b'description = "caf\xe9"\n'
    return text.encode("utf-8")


FORMS = st.sampled_from(["plain", "plain", "crlf", "bom", "latin1"])


def _fuzz_scenarios(examples: int):
    @settings(
        max_examples=examples,
        deadline=None,
        derandomize=True,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )
    @given(doc=scenario_docs(), form=FORMS)
    def check(doc, form):
        _validate_doc(_encode(doc, form), doc)

    check()


def test_fuzz_scenario_files():
    _fuzz_scenarios(FUZZ_FEW)


@pytest.mark.slow
def test_fuzz_scenario_files_many():
    _fuzz_scenarios(FUZZ_MANY)


@settings(max_examples=60, deadline=None, derandomize=True)
@given(raw=st.binary(max_size=200))
def test_fuzz_raw_bytes(raw):
    _validate_doc(raw, None)


option_values = st.one_of(
    st.integers(min_value=-(2**65), max_value=2**65).map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    st.sampled_from(["0", "-1", "1e-9", "nan", "inf", "", "abc", "12", "50000", " 3"]),
)


@st.composite
def run_args(draw):
    argv = ["run", BASELINE]
    for option in draw(st.lists(st.sampled_from(["--seed", "--months", "--scale"]), max_size=3)):
        argv += [option, draw(option_values)]
    if not any(a in argv for a in ("--scale",)):
        argv += ["--scale", "50000"]  # keep the stubbed run's setup small
    if "--months" not in argv:
        argv += ["--months", "6"]
    return argv


class _Stub:
    """Stands in for run_one: an ok run with empty tables, no model."""

    def __call__(self, spec):
        from flowsim.engine.run import RunResult, empty_tables
        from flowsim.tables import RUNS_COLUMNS

        row = {
            "run_id": spec.run_id,
            "scenario": spec.scenario_label,
            "replicate": spec.replicate,
            "seed": spec.seed,
            "status": "ok",
            "error": "",
            "seconds": 0.0,
            "flowsim_version": "stub",
            "params": "{}",
        }
        ts, fl = empty_tables()
        return RunResult(run={k: row[k] for k in RUNS_COLUMNS}, timeseries=ts, flows=fl)


def _fuzz_cli(examples: int, monkeypatch) -> None:
    monkeypatch.setattr("flowsim.engine.run.run_one", _Stub())

    @settings(
        max_examples=examples,
        deadline=None,
        derandomize=True,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
    )
    @given(argv=run_args())
    def check(argv):
        with tempfile.TemporaryDirectory() as tmp:
            out = os.path.join(tmp, "out")
            code, stdout, err = call([*argv, "--out", out])
            check_problem_lines(err, code)
            if code == 2:
                assert not os.path.exists(out), "a refused command changed --out"
            else:
                assert os.path.isfile(os.path.join(out, "manifest.json"))

    check()


def test_fuzz_run_arguments(monkeypatch):
    _fuzz_cli(40, monkeypatch)


@pytest.mark.slow
def test_fuzz_run_arguments_many(monkeypatch):
    _fuzz_cli(400, monkeypatch)

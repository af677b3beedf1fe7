"""Scenario inputs whose strengths calibration fits together with the parameters.

Some of a scenario's inputs are dated events whose size no source gives: the share of
crossers the Coast Guard stops, how many of a nationality a rumour reaches, how much a
pandemic raised job losses. They are written in the scenario file as assumptions, and
matching the parameters with them held at one value would hide their uncertainty. A
calibration inputs file (TOML) declares which of them the matching varies, and over what
prior range::

    [[input]]
    key = "policies.uscg_interdiction.interception"   # policies.<policy name>.<field>
    low = 0.3
    high = 0.95
    log = false                                       # optional (default false)
    why = "assumption in the baseline (0.6); ..."     # what the range rests on

The keys are the dotted keys of ``Scenario.with_overrides``, so an ensemble set carries its
inputs as columns named by those keys (``flowsim.scenario.ensemble``), and a sweep over the
ensemble sets them in every scenario that has the policy (a scenario that removes the
policy runs without it). Only inputs before the end of the calibration window should be
declared: the outcomes up to 2021 are what fit them.
"""

from __future__ import annotations

import itertools
import math
import tomllib
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from flowsim.calibration.space import FreeParameter
from flowsim.errors import ScenarioError
from flowsim.scenario.ensemble import POLICY_PREFIX, is_input, scenario_value

if TYPE_CHECKING:
    from flowsim.scenario.schema import Scenario

#: Where ``--inputs`` looks when not given (used only when the file exists), from the
#: working directory like the other defaults of ``flowsim calibrate``.
DEFAULT_INPUTS = Path("scenarios/calibration/inputs.toml")

#: Keys of one ``[[input]]`` entry.
ENTRY_KEYS: tuple[str, ...] = ("key", "low", "high", "log", "why")


def resolve_inputs(option: str | None, scenario: Scenario) -> tuple[FreeParameter, ...]:
    """Return the inputs a command varies: ``--inputs`` as given, or the default file.

    ``None`` (the option not given) reads ``DEFAULT_INPUTS`` when it exists and gives no
    inputs otherwise; ``''`` gives none; a path must exist.

    Raises:
        ValueError: One line naming the file and the input at fault.
    """
    if option is None:
        return load_inputs(DEFAULT_INPUTS, scenario) if DEFAULT_INPUTS.exists() else ()
    return load_inputs(option, scenario) if option else ()


def load_inputs(path: str | Path, scenario: Scenario) -> tuple[FreeParameter, ...]:
    """Read a calibration inputs file and check each input against ``scenario``.

    Args:
        path: The TOML file.
        scenario: The scenario calibrated: every input's policy must be in it, with a
            numeric field whose current value lies in ``[low, high]``, and both bounds
            must be valid values of the field.

    Returns:
        One ``FreeParameter`` per input, named by its dotted key, in file order.

    Raises:
        ValueError: One line naming the file, the input's key and what is allowed.
    """
    path = Path(path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ValueError(f"{path}: cannot read the calibration inputs ({exc.strerror})") from None
    except tomllib.TOMLDecodeError as exc:
        raise ValueError(f"{path}: not valid TOML ({exc})") from None
    extra = sorted(set(data) - {"input"})
    if extra:
        raise ValueError(f"{path}: unknown table {extra[0]!r} (allowed: [[input]])")
    entries = data.get("input", [])
    if not isinstance(entries, list):
        raise ValueError(f"{path}: input must be an array of tables ([[input]])")
    out: list[FreeParameter] = []
    for i, entry in enumerate(entries):
        out.append(_one_input(path, i, entry, scenario))
    keys = [p.name for p in out]
    twice = sorted({k for k in keys if keys.count(k) > 1})
    if twice:
        raise ValueError(f"{path}: {twice[0]}: declared twice (one [[input]] per key)")
    _check_corners(path, out, scenario)
    return tuple(out)


def _one_input(path: Path, i: int, entry: object, scenario: Scenario) -> FreeParameter:
    """Check one ``[[input]]`` entry; return it as a free parameter."""
    where = f"{path}: input {i + 1}"
    if not isinstance(entry, dict):
        raise ValueError(f"{where}: must be a table with {', '.join(ENTRY_KEYS)}")
    unknown = sorted(set(entry) - set(ENTRY_KEYS))
    if unknown:
        raise ValueError(f"{where}: unknown key {unknown[0]!r} (allowed: {', '.join(ENTRY_KEYS)})")
    missing = [k for k in ("key", "low", "high", "why") if k not in entry]
    if missing:
        raise ValueError(f"{where}: {missing[0]} is missing (required: key, low, high, why)")
    key = entry["key"]
    if not isinstance(key, str) or not is_input(key):
        raise ValueError(f"{where}: key {key!r}: must be policies.<policy name>.<field>")
    where = f"{path}: {key}"
    low, high, log = entry["low"], entry["high"], entry.get("log", False)
    bad = [
        n
        for n, v in (("low", low), ("high", high))
        if isinstance(v, bool) or not isinstance(v, int | float) or not math.isfinite(v)
    ]
    if bad:
        raise ValueError(f"{where}: {bad[0]} must be a finite number")
    if not isinstance(log, bool):
        raise ValueError(f"{where}: log must be true or false")
    if not low < high or (log and low <= 0):
        raise ValueError(f"{where}: needs low < high (and low > 0 with log = true)")
    if not isinstance(entry["why"], str) or not entry["why"].strip():
        raise ValueError(f"{where}: why must say what the range rests on")
    try:
        value = scenario_value(scenario, key)
    except (KeyError, TypeError, ValueError) as exc:
        raise ValueError(f"{where}: {exc.args[0]}") from None
    if not low <= value <= high:
        raise ValueError(
            f"{where}: the scenario's value {value:g} lies outside [{low:g}, {high:g}]"
        )
    # the bounds, and a point between them that is not a whole number: a whole-number
    # field (months, say) cannot vary continuously
    inside = low + (high - low) * 0.382
    for bound in (low, high, inside):
        try:
            scenario.with_overrides({key: float(bound)}, file=str(path))
        except ScenarioError as exc:
            what = "bound" if bound != inside else "a value between the bounds,"
            why = exc.problems[0].message
            raise ValueError(f"{where}: {what} {bound:g} is not allowed ({why})") from None
    return FreeParameter(key, float(low), float(high), log)


def _check_corners(path: Path, inputs: Sequence[FreeParameter], scenario: Scenario) -> None:
    """Try every corner of the inputs of one policy together (limits across its fields)."""
    by_policy: dict[str, list[FreeParameter]] = {}
    for p in inputs:
        by_policy.setdefault(p.name.split(".")[1], []).append(p)
    for policy, group in by_policy.items():
        if len(group) < 2:
            continue
        for corner in itertools.product(*((p.low, p.high) for p in group)):
            values = {p.name: float(v) for p, v in zip(group, corner, strict=True)}
            try:
                scenario.with_overrides(values, file=str(path))
            except ScenarioError as exc:
                shown = ", ".join(f"{k} = {v:g}" for k, v in values.items())
                raise ValueError(
                    f"{path}: {POLICY_PREFIX}{policy}: the corner {shown} is not allowed "
                    f"({exc.problems[0].message}); narrow the ranges"
                ) from None

"""Load scenario files: TOML -> checked sections -> merged ``extends`` chain -> Scenario.

Every problem is reported as ``FILE: key.path: what is wrong (allowed: ...)``; all problems
of all files in the chain are collected before raising, so a modeler fixes them in one go.
No run can start from a file that does not load.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, TypeAdapter, ValidationError

from flowsim.errors import Problem, ScenarioError
from flowsim.parameters import Parameters
from flowsim.policies import POLICY_SPECS, Policy
from flowsim.scenario.files import read_toml
from flowsim.scenario.messages import number_problems, plain, suggestion
from flowsim.scenario.schema import (
    CalibrationInfo,
    CountryChange,
    NewRoute,
    RouteChange,
    RunSettings,
    Scenario,
    WorldOverrides,
)

if TYPE_CHECKING:
    from flowsim.world import World

#: Keys a scenario file may have at its top level.
FILE_KEYS: tuple[str, ...] = (
    "name",
    "description",
    "extends",
    "remove_policies",
    "run",
    "parameters",
    "world",
    "policy",
    "calibration",
)

_POLICY_ADAPTER: TypeAdapter[Any] = TypeAdapter(Policy)


@dataclass
class _Layer:
    """One file of an ``extends`` chain, its raw content and the problems found in it."""

    path: Path
    raw: dict[str, Any]
    problems: list[Problem] = field(default_factory=list)


def _allowed(model: type[BaseModel]) -> str:
    return ", ".join(model.model_fields)


def _section_model(section: str, loc: tuple[Any, ...]) -> type[BaseModel] | None:
    """Return the model class that owns the last key of ``loc`` inside ``section``."""
    if section == "run":
        return RunSettings
    if section == "parameters":
        return Parameters
    if section == "calibration":
        return CalibrationInfo
    if section == "policy":
        return POLICY_SPECS.get(str(loc[0])) if loc else None
    if section == "world":
        inner = [p for p in loc[:-1] if isinstance(p, str)]
        if not inner:
            return WorldOverrides
        return {"routes": RouteChange, "add_routes": NewRoute}.get(inner[0], CountryChange)
    return None


def _key_path(prefix: str, loc: tuple[Any, ...]) -> str:
    """Dotted key path with list positions as ``[i]``: ``world.add_routes[0].mode``."""
    out = prefix
    for part in loc:
        if part == "__root__":
            continue
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out = f"{out}.{part}" if out else str(part)
    return out


def _format_pydantic(file: str, prefix: str, section: str, exc: ValidationError) -> list[Problem]:
    """Turn pydantic errors into problems with dotted key paths and allowed values."""
    problems: list[Problem] = []
    for err in exc.errors():
        loc = tuple(err["loc"])
        shown = loc
        if section == "policy" and loc and str(loc[0]) in POLICY_SPECS:
            shown = loc[1:]  # drop the discriminator tag pydantic inserts
        where = _key_path(prefix, shown)
        kind = err["type"]
        if kind == "value_error" and "end" in str(err["msg"]) and "before start" in str(err["msg"]):
            where = _key_path(where, ("end",))
        if kind == "extra_forbidden":
            model = _section_model(section, loc)
            allowed = f" (allowed: {_allowed(model)})" if model else ""
            hint = suggestion(str(loc[-1]), model.model_fields) if model else ""
            msg = f"unknown key{allowed}{hint}"
        elif kind in ("union_tag_invalid", "union_tag_not_found"):
            where = f"{prefix}.type"
            got = err.get("input", {}).get("type") if isinstance(err.get("input"), dict) else None
            msg = (
                f"unknown policy type {got!r}" if got is not None else "missing policy type"
            ) + f" (allowed: {', '.join(POLICY_SPECS)})"
            if got is not None:
                msg += suggestion(str(got), POLICY_SPECS)
        else:
            msg = plain(err)
        problems.append(Problem(file, where, msg))
    return problems


def _check_sections(layer: _Layer) -> None:
    """Validate each section of one file on its own, so problems name this file."""
    file = str(layer.path)
    raw = layer.raw
    numbers = number_problems(raw, file)
    if numbers:  # NaN, infinity, 1e300: reported alone, the schema would repeat them
        layer.problems += numbers
        return
    for key in raw:
        if key not in FILE_KEYS:
            layer.problems.append(
                Problem(
                    file,
                    key,
                    f"unknown key (allowed: {', '.join(FILE_KEYS)}){suggestion(key, FILE_KEYS)}",
                )
            )
    checks: list[tuple[str, type[BaseModel]]] = [
        ("run", RunSettings),
        ("parameters", Parameters),
        ("world", WorldOverrides),
        ("calibration", CalibrationInfo),
    ]
    for section, model in checks:
        if section in raw:
            if not isinstance(raw[section], dict):
                layer.problems.append(Problem(file, section, "must be a table"))
                continue
            try:
                model.model_validate(raw[section])
            except ValidationError as exc:
                layer.problems += _format_pydantic(file, section, section, exc)
    policies = raw.get("policy", [])
    if not isinstance(policies, list):
        layer.problems.append(Problem(file, "policy", "must be an array of tables [[policy]]"))
        policies = []
    for i, pol in enumerate(policies):
        prefix = f"policy[{i}]"
        if not isinstance(pol, dict):
            layer.problems.append(Problem(file, prefix, "must be a table"))
            continue
        try:
            _POLICY_ADAPTER.validate_python(pol)
        except ValidationError as exc:
            layer.problems += _format_pydantic(file, prefix, "policy", exc)
    for key in ("name", "description", "extends"):
        if key in raw and not isinstance(raw[key], str):
            layer.problems.append(Problem(file, key, f"must be a string; got {raw[key]!r}"))
    rp = raw.get("remove_policies", [])
    if not (isinstance(rp, list) and all(isinstance(x, str) for x in rp)):
        layer.problems.append(Problem(file, "remove_policies", "must be a list of policy names"))


def _read_toml(path: Path) -> dict[str, Any]:
    return read_toml(path)


def _candidates(ref: str, relative_to: Path, search_dirs: Sequence[Path]) -> list[Path]:
    """Places a base named in ``extends`` may be, in the order they are tried."""
    ref_path = Path(ref)
    if ref_path.suffix != ".toml":
        ref_path = ref_path.with_suffix(".toml")
    if ref_path.is_absolute():
        return [ref_path]
    out: list[Path] = []
    for folder in [relative_to, *search_dirs]:
        c = folder / ref_path
        if c not in out:
            out.append(c)
    return out


def resolve_ref(ref: str | Path, *, relative_to: Path | None, search_dirs: Sequence[Path]) -> Path:
    """Find the file a scenario reference names (a path, or a bare name in a search folder).

    Args:
        ref: ``"baseline"``, ``"baseline.toml"`` or a path.
        relative_to: Folder of the file that holds the reference, searched first.
        search_dirs: Further folders to look in (e.g. ``scenarios/``).

    Returns:
        The path of an existing file, or the best guess (for the error message).
    """
    ref_path = Path(ref)
    candidates: list[Path] = []
    if ref_path.suffix != ".toml":
        ref_path = ref_path.with_suffix(".toml")
    if ref_path.is_absolute() or ref_path.exists() or len(ref_path.parts) > 1:
        return ref_path  # a path, as the user typed it (never re-rooted in a search folder)
    for folder in ([relative_to] if relative_to else []) + [*search_dirs]:
        candidates.append(folder / ref_path)
    for c in candidates:
        if c.is_file():
            return c
    return candidates[0] if candidates else ref_path


def _chain(path: Path, search_dirs: Sequence[Path]) -> list[_Layer]:
    """Read a file and its ``extends`` ancestors, base first; detect cycles."""
    layers: list[_Layer] = []
    seen: list[Path] = []
    candidates: list[Path] = []
    ext_ref = ""
    current: Path | None = path
    child_file: str | None = None
    while current is not None:
        resolved = current.resolve()
        if resolved in seen:
            cycle = " -> ".join(p.name for p in [*seen, resolved])
            raise ScenarioError([Problem(str(path), "extends", f"cycle in extends: {cycle}")])
        seen.append(resolved)
        if not current.exists():
            where = "extends" if child_file else "file"
            looked = ", ".join(str(c) for c in candidates) if child_file else str(current)
            raise ScenarioError(
                [
                    Problem(
                        child_file or str(current),
                        where,
                        f"no scenario file {ext_ref!r} (looked for: {looked})"
                        if child_file
                        else "no such file",
                    )
                ]
            )
        layer = _Layer(current, _read_toml(current))
        layers.append(layer)
        ext = layer.raw.get("extends")
        if isinstance(ext, str) and ext:
            child_file = str(current)
            ext_ref = ext
            candidates = _candidates(ext, current.parent, search_dirs)
            current = next((c for c in candidates if c.is_file()), candidates[0])
        else:
            current = None
    return list(reversed(layers))


def _relative_to(path: Path, folder: Path) -> str:
    """``path`` relative to ``folder`` as POSIX text (``..`` allowed), independent of cwd."""
    return Path(os.path.relpath(path, folder)).as_posix()


def _merge(layers: list[_Layer]) -> tuple[dict[str, Any], list[tuple[str, int]]]:
    """Merge raw layers (base first); return the data and each policy's (file, index)."""
    data: dict[str, Any] = {"run": {}, "parameters": {}, "world": {}}
    policies: list[tuple[dict[str, Any], str, int]] = []
    world: dict[str, Any] = {"routes": [], "add_routes": [], "countries": {}}
    calibration: dict[str, Any] | None = None
    top_dir = layers[-1].path.resolve().parent
    for layer in layers:
        raw = layer.raw
        for key in ("name", "description"):
            if key in raw:
                data[key] = raw[key]
        if isinstance(raw.get("calibration"), dict):
            calibration = {**(calibration or {}), **raw["calibration"]}
            ens = raw["calibration"].get("ensemble")
            if isinstance(ens, str) and ens:
                calibration["ensemble"] = _relative_to(layer.path.resolve().parent / ens, top_dir)
        data["run"].update(raw.get("run", {}))
        data["parameters"].update(raw.get("parameters", {}))
        w = raw.get("world", {})
        world["routes"] += list(w.get("routes", []))
        world["add_routes"] += list(w.get("add_routes", []))
        for iso, change in w.get("countries", {}).items():
            world["countries"].setdefault(iso, {}).update(change)
        removed = set(raw.get("remove_policies", []))
        known = {p[0].get("name") for p in policies if p[0].get("name")}
        for name in sorted(removed - known):
            layer.problems.append(
                Problem(
                    str(layer.path),
                    "remove_policies",
                    f"no base policy named {name!r} "
                    f"(allowed: {', '.join(sorted(known)) or 'none'})",
                )
            )
        policies = [
            p for p in policies if p[0].get("name", "") not in removed or not p[0].get("name")
        ]
        names_here: dict[str, int] = {}
        for i, pol in enumerate(raw.get("policy", [])):
            pname = pol.get("name", "")
            if pname and pname in names_here:
                layer.problems.append(
                    Problem(
                        str(layer.path),
                        f"policy[{i}].name",
                        f"duplicate policy name {pname!r} (also policy[{names_here[pname]}]); "
                        "names "
                        "must be unique within a file",
                    )
                )
            elif pname:
                names_here[pname] = i
            name = pol.get("name", "")
            slot = next(
                (j for j, p in enumerate(policies) if name and p[0].get("name") == name), None
            )
            entry = (pol, str(layer.path), i)
            if slot is None:
                policies.append(entry)
            else:
                policies[slot] = entry
    data["world"] = world
    data["policies"] = [p[0] for p in policies]
    if calibration is not None:
        data["calibration"] = calibration
    return data, [(f, i) for _, f, i in policies]


def load_scenario(
    ref: str | Path,
    *,
    search_dirs: Sequence[Path] = (),
    world: World | None = None,
) -> Scenario:
    """Load, merge and check a scenario file.

    Args:
        ref: A path to a ``.toml`` file, or a bare scenario name looked up in ``search_dirs``
            (and ``./scenarios``).
        search_dirs: Folders holding scenario files, for names and ``extends``.
        world: World to check country codes and route names against; the default world
            when omitted.

    Returns:
        The resolved, frozen ``Scenario``.

    Raises:
        ScenarioError: Listing every problem as ``FILE: key.path: message``.
    """
    dirs = [*search_dirs, Path("scenarios")]
    path = resolve_ref(ref, relative_to=None, search_dirs=dirs)
    layers = _chain(path, dirs)
    problems: list[Problem] = []
    for layer in layers:
        _check_sections(layer)
        problems += layer.problems
    if problems:
        raise ScenarioError(problems)
    data, origins = _merge(layers)
    problems = [p for layer in layers for p in layer.problems]
    if problems:
        raise ScenarioError(problems)
    if "name" not in layers[-1].raw:
        data["name"] = path.stem
    try:
        scenario = Scenario.model_validate(data)
    except ValidationError as exc:
        raise ScenarioError(_format_pydantic(str(path), "", "", exc)) from None
    from flowsim.scenario.checks import check_against_world

    if world is None:
        from flowsim.world import default_world

        world = default_world()
    problems = check_against_world(scenario, world, origins, str(path))
    if problems:
        raise ScenarioError(problems)
    return scenario


def validate_files(paths: Sequence[str | Path], *, world: World | None = None) -> list[Problem]:
    """Check scenario files without running them; return all problems (empty when valid)."""
    problems: list[Problem] = []
    for p in paths:
        try:
            load_scenario(p, search_dirs=[Path(p).parent], world=world)
        except ScenarioError as exc:
            problems += exc.problems
    return problems


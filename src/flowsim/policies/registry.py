"""The registry of policy families, collected once from ``flowsim.policies.families``.

Each module of that package defines ``FAMILY`` (its runtime class, which names its file
schema); listing the package finds them all, so adding a family is adding one module. The
scenario file schema (``Policy``, a union discriminated by ``type``) is derived from the
same list, so a family cannot have a schema without a runtime or the reverse.
"""

from __future__ import annotations

import importlib
import pkgutil
from typing import TYPE_CHECKING, Annotated, Union

from pydantic import Field

from flowsim.policies import families as _families_package
from flowsim.policies.base import PolicySpec, RuntimePolicy

if TYPE_CHECKING:
    from flowsim.world.compiled import WorldIndex


def _collect() -> dict[str, type[RuntimePolicy]]:
    found: dict[str, type[RuntimePolicy]] = {}
    for info in sorted(pkgutil.iter_modules(_families_package.__path__), key=lambda m: m.name):
        module = importlib.import_module(f"{_families_package.__name__}.{info.name}")
        family = getattr(module, "FAMILY", None)
        if not (isinstance(family, type) and issubclass(family, RuntimePolicy)):
            raise TypeError(f"{module.__name__} defines no FAMILY (a RuntimePolicy subclass)")
        name = family.type_name()
        if name in found:
            raise TypeError(f"policy type {name!r} defined twice ({module.__name__})")
        found[name] = family
    return found


#: ``type`` name -> runtime class of every policy family.
FAMILIES: dict[str, type[RuntimePolicy]] = _collect()

#: ``type`` name -> file schema of every policy family.
POLICY_SPECS: dict[str, type[PolicySpec]] = {
    name: family.spec_class for name, family in FAMILIES.items()
}

#: A policy as written in a scenario file: one of the families' schemas, chosen by ``type``.
Policy = Annotated[
    Union[tuple(POLICY_SPECS.values())],  # type: ignore[valid-type]  # noqa: UP007
    Field(discriminator="type"),
]


def apply_order(spec: PolicySpec) -> tuple[int, str]:
    """Order in which policies are applied each month: start month, then key.

    Never the position in the scenario file, so reordering a file's policies changes no
    result; where two policies set the same thing, the most recent one wins.
    """
    return (spec.start_index, spec.key)


def build_policies(specs: tuple[PolicySpec, ...], w: WorldIndex) -> list[RuntimePolicy]:
    """Instantiate the runtime policy of each spec, in ``apply_order``.

    Raises:
        ValueError: If two policies share a key (names must be unique in a scenario).
    """
    seen: dict[str, PolicySpec] = {}
    for spec in specs:
        if spec.key in seen:
            raise ValueError(f"two policies are named {spec.key!r}; names must be unique")
        seen[spec.key] = spec
    ordered = sorted(specs, key=apply_order)
    return [FAMILIES[spec.type](spec, w) for spec in ordered]  # type: ignore[attr-defined]


def families_markdown() -> str:
    """Return the families as the Markdown table shown in docs/architecture.md."""
    lines = ["| type | module | writes | what it does |", "|---|---|---|---|"]
    for name, family in FAMILIES.items():
        doc = (family.__doc__ or "").strip().splitlines()[0]
        writes = ", ".join(f"`{w}`" for w in sorted(family.writes))
        module = family.__module__.replace(".", "/")
        lines.append(f"| `{name}` | `src/{module}.py` | {writes} | {doc} |")
    return "\n".join(lines) + "\n"

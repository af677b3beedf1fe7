"""Ensemble files: the calibrated parameter sets a scenario or an experiment runs over.

An ensemble is a CSV with one row per parameter set: a ``set`` column (0, 1, 2, ...
in order) and one column per calibrated parameter (a field of
``flowsim.parameters.Parameters``). Columns in ``META_COLUMNS`` (how the set was found) may
follow and are not parameters. ``flowsim calibrate`` writes it; experiments read it with
``ensemble = "<path>"``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

import pandas as pd
from pydantic import ValidationError

from flowsim.parameters import Parameters

#: Columns that describe a set rather than set a parameter.
META_COLUMNS: tuple[str, ...] = (
    "wave",
    "point",
    "max_implausibility",
    "second_implausibility",
    "male",
    "non_implausible",
)


def read_ensemble(path: str | Path) -> list[dict[str, float]]:
    """Read an ensemble file.

    Args:
        path: The CSV.

    Returns:
        One dict of parameter name -> value per set, in ``set`` order.

    Raises:
        FileNotFoundError: If the file does not exist.
        ValueError: One line naming the file and what is wrong (missing ``set``, unknown
            column, ``set`` not 0..n-1, a value outside the parameter's range).
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"{path}: no such ensemble file")
    frame = pd.read_csv(path)
    fields = set(Parameters.model_fields)
    if "set" not in frame.columns:
        raise ValueError(f"{path}: column 'set' is missing (the parameter set's index)")
    unknown = [c for c in frame.columns if c != "set" and c not in fields | set(META_COLUMNS)]
    if unknown:
        raise ValueError(
            f"{path}: unknown columns {', '.join(unknown)} (allowed: set, parameters of "
            f"flowsim.parameters.Parameters, {', '.join(META_COLUMNS)})"
        )
    names = [c for c in frame.columns if c in fields]
    if not names or frame.empty:
        raise ValueError(f"{path}: no parameter columns or no rows")
    if frame["set"].tolist() != list(range(len(frame))):
        raise ValueError(f"{path}: column 'set' must be 0, 1, ..., {len(frame) - 1} in order")
    sets = [{n: float(row[n]) for n in names} for _, row in frame.iterrows()]
    for i, values in enumerate(sets):
        try:
            Parameters(**values)
        except ValidationError as exc:
            first = exc.errors()[0]
            where = ".".join(str(p) for p in first["loc"])
            raise ValueError(f"{path}: set {i}, {where}: {first['msg']}") from None
    return sets


def write_ensemble(
    path: str | Path,
    sets: Sequence[Mapping[str, float]],
    meta: pd.DataFrame | None = None,
) -> Path:
    """Write parameter sets (and optional ``META_COLUMNS``) as an ensemble file.

    Args:
        path: Where to write (folders are created).
        sets: One mapping of parameter name -> value per set, all with the same names.
        meta: Optional frame, one row per set, with columns from ``META_COLUMNS``.

    Returns:
        The path written.
    """
    frame = pd.DataFrame(list(sets)).astype(float)
    frame.insert(0, "set", range(len(frame)))
    if meta is not None:
        extra = [c for c in meta.columns if c in META_COLUMNS]
        frame = pd.concat([frame, meta[extra].reset_index(drop=True)], axis=1)
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    frame.to_csv(path, index=False, float_format="%.6g")
    return path

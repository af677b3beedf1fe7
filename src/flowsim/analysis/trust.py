"""How far to trust a comparison: calibration, parameter sets, randomness, agent scale.

The results manifest records ``"calibration"``: scenario label -> the scenario's
``[calibration]`` table (``name``, ``method``, ``ensemble``, ``n_sets``,
``fit_male_overall``, ``fit_male_by_group``, ``measured_by``, and the point's own fit
``point_male``, ``point_male_by_group``, ``point_measured_by``) or ``null``. A run of an
ensemble sweep records the index of its parameter set (``parameter_set``), in the runs table
or in the manifest's run list.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from flowsim.analysis.pairing import scenario_name

#: Names the parameter-set index may have in the runs table or the manifest's run list.
PARAMETER_SET_KEYS: tuple[str, ...] = ("parameter_set", "param_set")


def calibration_of(manifest: Mapping[str, Any], baseline: str) -> dict[str, Any] | None:
    """Return the baseline's calibration record from the manifest (``None`` when absent).

    Reads ``manifest["calibration"]`` defensively: a missing key, a null entry or an entry
    that is not a table all mean "not recorded".
    """
    table = manifest.get("calibration") if isinstance(manifest, Mapping) else None
    if not isinstance(table, Mapping):
        return None
    for key in (baseline, scenario_name(baseline)):
        entry = table.get(key)
        if isinstance(entry, Mapping):
            return dict(entry)
    return None


def calibration_sentences(manifest: Mapping[str, Any], baseline: str) -> list[str]:
    """Plain sentences quoting the baseline's calibration and what its fit means."""
    record = calibration_of(manifest, baseline)
    if record is None:
        return [
            "The results do not record how the model was calibrated: read absolute numbers "
            "as illustrative and the differences between scenarios as the result."
        ]
    name = record.get("name") or "unnamed"
    method = str(record.get("method") or "").replace("_", " ")
    text = f"The baseline's parameters come from the calibration '{name}'"
    text += f" ({method})" if method else ""
    n_sets = record.get("n_sets")
    plausible = record.get("n_non_implausible")
    if isinstance(n_sets, int | float) and n_sets > 1:
        if isinstance(plausible, int | float) and plausible < n_sets:
            text += (
                f", which kept {int(n_sets)} parameter sets of which {int(plausible)} fit "
                "within the stated observation errors and model discrepancy"
            )
        else:
            text += f", an ensemble of {int(n_sets)} plausible parameter sets"
    text += ", fitted to observations up to 2021."
    out = [text]
    point = _number(record.get("point_male"))
    fit = point if point is not None else _number(record.get("fit_male_overall"))
    if fit is not None:
        factor = math.exp(fit)
        whose = ""
        if point is not None:
            # a refinement's validation runs fresh seeds; a hand measurement says its own
            fresh = "" if record.get("point_measured_by") else " on fresh seeds"
            whose = f" of the baseline's own parameters{fresh}"
        out.append(
            f"Fit{whose}: mean absolute log error {fit:.2f} over all targets, so a simulated "
            f"target is typically within a factor of {factor:.1f} of the observed value "
            f"({_fit_words(factor)})."
        )
        ensemble = _number(record.get("fit_male_overall"))
        if point is not None and ensemble is not None:
            out.append(f"The ensemble's median scores {ensemble:.2f}.")
        groups = record.get("point_male_by_group") if point is not None else None
        groups = groups or record.get("fit_male_by_group")
        if isinstance(groups, Mapping) and groups:
            ranked = sorted(
                ((str(k), v) for k, v in groups.items() if _number(v) is not None),
                key=lambda kv: -float(kv[1]),
            )
            if ranked:
                worst = ", ".join(f"{k} ({float(v):.2f})" for k, v in ranked[:3])
                out.append(f"Worst-fitting target groups (mean absolute log error): {worst}.")
    else:
        out.append("The calibration record states no fit.")
    if point is not None and record.get("point_measured_by"):
        out.append(
            f"Fit of the baseline's own parameters measured with: {record['point_measured_by']}."
        )
        if record.get("measured_by"):
            out.append(f"The ensemble's fit measured with: {record['measured_by']}.")
    elif record.get("measured_by"):
        out.append(f"Fit measured with: {record['measured_by']}.")
    return out


def parameter_sets(results: Any) -> pd.Series | None:
    """Run id -> parameter-set index, or ``None`` when the runs carry none."""
    runs = results.runs
    for key in PARAMETER_SET_KEYS:
        if key in runs.columns and runs[key].notna().any():
            return runs.set_index("run_id")[key].dropna().astype("int64")
    listed = results.manifest.get("runs") if isinstance(results.manifest, Mapping) else None
    if isinstance(listed, list):
        pairs = {}
        for entry in listed:
            if not isinstance(entry, Mapping):
                continue
            for key in PARAMETER_SET_KEYS:
                if entry.get(key) is not None and "run_id" in entry:
                    pairs[entry["run_id"]] = int(entry[key])
        if pairs:
            return pd.Series(pairs, name="parameter_set")
    return None


def sign_by_parameter_set(
    values: pd.DataFrame, pairs: Mapping[str, str], sets: pd.Series
) -> pd.DataFrame:
    """Whether each scenario's effect keeps its sign across parameter sets.

    Args:
        values: A metric's per-run values over one period (no grouping).
        pairs: Scenario label -> its baseline's label.
        sets: Run id -> parameter-set index.

    Returns:
        One row per scenario: ``scenario, sets, lower, higher, same_sign`` where ``lower``
        (``higher``) counts the sets whose mean paired change is below (above) zero and
        ``same_sign`` is true when every set agrees.
    """
    values = values.assign(parameter_set=values["run_id"].map(sets))
    indexed = values.set_index(["scenario", "replicate"])["value"]
    rows = []
    for scenario, base in pairs.items():
        if scenario == base:
            continue
        own = values[values["scenario"] == scenario]
        keys = pd.MultiIndex.from_arrays([[base] * len(own), own["replicate"]])
        diff = own["value"].to_numpy() - indexed.reindex(keys).to_numpy()
        per_set = pd.Series(diff, index=own["parameter_set"].to_numpy()).groupby(level=0).mean()
        per_set = per_set.dropna()
        lower, higher = int((per_set < 0).sum()), int((per_set > 0).sum())
        rows.append(
            {
                "scenario": scenario,
                "sets": len(per_set),
                "lower": lower,
                "higher": higher,
                "same_sign": bool(len(per_set))
                and (lower == len(per_set) or higher == len(per_set)),
            }
        )
    return pd.DataFrame(rows, columns=["scenario", "sets", "lower", "higher", "same_sign"])


def _fit_words(factor: float) -> str:
    if factor < 1.25:
        return "a close fit"
    if factor < 2.0:
        return "right in size, not in detail"
    return "a rough fit: trust the differences between scenarios more than the levels"


def _number(value: Any) -> float | None:
    try:
        out = float(value)
    except (TypeError, ValueError):
        return None
    return out if np.isfinite(out) else None

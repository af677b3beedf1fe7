"""The policy window: the months over which a comparison is reported.

Averaging a policy's effect over years in which no policy differs dilutes it, so reports
cover, by default, the months from the first month any scenario differs from its baseline to
the end of the run. That month is read from the scenarios' policies when they are known
(policies a scenario adds, changes or drops compared with its baseline), otherwise from the
results: replicate k of every scenario shares its random draws with replicate k of the
baseline, so their monthly totals are identical until a policy acts.

Scenario descriptions reach this module as plain data (``ScenarioInfo``): the command line
reads them from the scenario files; analysis never loads scenarios itself.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from flowsim.analysis.load import Results
from flowsim.analysis.pairing import baseline_labels
from flowsim.analysis.periods import parse_range
from flowsim.errors import ResultsError

#: Policy fields that say what and when rather than how much (left out of the level text).
_NOT_LEVEL = {"name", "type", "description", "start", "end"}


@dataclass(frozen=True)
class ScenarioInfo:
    """What a scenario is, in words: its description and its policies as plain dicts.

    Attributes:
        description: The scenario file's description.
        policies: Each policy's fields (``name``, ``type``, ``start``, ``end`` and its
            family's settings), as the scenario file states them after ``extends``.
    """

    description: str = ""
    policies: list[dict[str, Any]] = field(default_factory=list)


@dataclass(frozen=True)
class PolicyWindow:
    """The months a comparison covers and how they were chosen.

    Attributes:
        start: First month (first day).
        end: Last month (first day).
        reason: One plain sentence saying where the start comes from.
    """

    start: pd.Timestamp
    end: pd.Timestamp
    reason: str

    @property
    def spec(self) -> str:
        """The window as a period spec (``"2025-01/2030-12"``)."""
        return f"{self.start:%Y-%m}/{self.end:%Y-%m}"

    @property
    def words(self) -> str:
        """The window for a reader (``"January 2025 to December 2030"``)."""
        return f"{self.start:%B %Y} to {self.end:%B %Y}"


def policy_level(policy: Mapping[str, Any]) -> str:
    """Return the settings of a policy that say how much, as text (``"level 0.6"``)."""
    parts = []
    for key, value in policy.items():
        if key in _NOT_LEVEL or value in (None, [], {}, ""):
            continue
        if isinstance(value, float) and value.is_integer() and abs(value) >= 100:
            value = int(value)
        if isinstance(value, int | float) and not isinstance(value, bool) and abs(value) >= 1000:
            text = f"{value:,}"
        elif isinstance(value, list):
            text = ", ".join(str(v) for v in value)
        else:
            text = str(value)
        parts.append(f"{key.replace('_', ' ')} {text}")
    return "; ".join(parts)


def changed_policies(
    info: Mapping[str, ScenarioInfo], pairs: Mapping[str, str]
) -> dict[str, list[dict[str, Any]]]:
    """Policies each scenario adds, changes or drops compared with its baseline.

    Args:
        info: Scenario label -> its description and policies.
        pairs: Scenario label -> its baseline's label (:func:`baseline_labels`).

    Returns:
        Scenario label -> the differing policies (a dropped policy is listed as the
        baseline has it, with ``"dropped": True``); baselines and unknown labels are left out.
    """
    out: dict[str, list[dict[str, Any]]] = {}
    for label, base_label in pairs.items():
        if label == base_label or label not in info or base_label not in info:
            continue
        own = info[label].policies
        base = info[base_label].policies
        added = [p for p in own if p not in base]
        dropped = [{**p, "dropped": True} for p in base if p not in own]
        out[label] = added + dropped
    return out


def first_difference(results: Results, baseline: str) -> pd.Timestamp | None:
    """Find the first month any scenario's results differ from its baseline's.

    Compares monthly totals of every timeseries variable between replicate k of each
    scenario and replicate k of its baseline (same grid point).

    Returns:
        The month, or ``None`` when no scenario ever differs.
    """
    pairs = baseline_labels(results.runs, baseline)
    totals = results.query(
        "SELECT t.run_id, t.month, t.variable, SUM(t.value) AS value FROM timeseries t "
        "GROUP BY t.run_id, t.month, t.variable"
    )
    if totals.empty:
        return None
    runs = results.runs[["run_id", "scenario", "replicate"]]
    totals = totals.merge(runs, on="run_id")
    totals["base_label"] = totals["scenario"].map(pairs)
    totals = totals.dropna(subset=["base_label"])
    base = totals[totals["scenario"] == totals["base_label"]]
    base = base.set_index(["scenario", "replicate", "month", "variable"])["value"]
    others = totals[totals["scenario"] != totals["base_label"]]
    if others.empty:
        return None
    keys = pd.MultiIndex.from_frame(others[["base_label", "replicate", "month", "variable"]])
    reference = base.reindex(keys).to_numpy()
    own = others["value"].to_numpy()
    differs = ~np.isclose(own, np.nan_to_num(reference, nan=0.0), rtol=1e-9, atol=1e-9)
    if not differs.any():
        return None
    return pd.Timestamp(others["month"].to_numpy()[differs].min())


def policy_window(
    results: Results,
    baseline: str = "baseline",
    *,
    period: str | None = None,
    info: Mapping[str, ScenarioInfo] | None = None,
) -> PolicyWindow:
    """Choose the months a comparison covers.

    Args:
        results: Opened results.
        baseline: The baseline scenario.
        period: A range ``"START/END"`` (or ``"START:END"``) given by the user; wins when set.
        info: Scenario descriptions and policies, when known.

    Returns:
        The window; by default from the first month any scenario differs from its baseline
        to the end of the run (the whole run when nothing differs).

    Raises:
        ResultsError: The period is not a range of months or holds no month of the results.
    """
    months = results.months
    if not months:
        raise ResultsError("the results hold no months")
    first, last = months[0], months[-1]
    if period:
        start, end = parse_range(period.replace(":", "/"))
        if end < first or start > last:
            raise ResultsError(
                f"period {period!r} holds no month of the results "
                f"(they cover {first:%Y-%m} to {last:%Y-%m})"
            )
        return PolicyWindow(max(start, first), min(end, last), "as asked")
    if info:
        pairs = baseline_labels(results.runs, baseline)
        changed = changed_policies(info, pairs)
        starts = [
            pd.Timestamp(str(p["start"]) + "-01")
            for policies in changed.values()
            for p in policies
            if p.get("start")
        ]
        if starts:
            start = min(max(min(starts), first), last)
            return PolicyWindow(
                start,
                last,
                "from the first month a scenario's policies differ from the baseline's, "
                "to the end of the run",
            )
    start = first_difference(results, baseline)
    if start is None:
        return PolicyWindow(first, last, "the whole run (no scenario differs from the baseline)")
    return PolicyWindow(
        start,
        last,
        "from the first month a scenario's results differ from the baseline's, "
        "to the end of the run",
    )

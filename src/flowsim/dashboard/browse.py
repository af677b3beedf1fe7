"""The results tab: a finished sweep's folder read once and summarised without re-running.

Everything here works on results tables through :mod:`flowsim.analysis`; the figures are
the analysis figures. Problems come back as messages, never as exceptions, so the page
can show them.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from flowsim.analysis.compare import compare
from flowsim.analysis.load import Results, open_results
from flowsim.analysis.metrics import METRICS
from flowsim.analysis.report import agent_scale
from flowsim.analysis.window import PolicyWindow, policy_window
from flowsim.analysis.words import Numbers, scenario_title
from flowsim.errors import FlowsimError

#: Headings of the compare table as shown: the change columns come right after the
#: scenario, so they are visible without scrolling.
TABLE_HEADINGS: tuple[str, ...] = (
    "Scenario",
    "Change vs baseline",
    "90% interval of change",
    "Relative change",
    "Mean",
    "Runs",
)


@dataclass(frozen=True)
class Opened:
    """A results folder as read for browsing.

    Attributes:
        frames: The finished runs' tables, or None when the folder could not be read.
        message: Why nothing could be read ("" when ``frames`` is set).
    """

    frames: Results | None
    message: str = ""

    @property
    def baseline(self) -> str:
        """``baseline`` when the folder has it, else its first scenario."""
        names = self.frames.scenarios if self.frames is not None else []
        return "baseline" if "baseline" in names else (names[0] if names else "")


def open_folder(folder: str | Path | None) -> Opened:
    """Read a results folder; say what is wrong instead of raising."""
    if not folder:
        return Opened(
            None,
            "No results folder given: start the dashboard with "
            "`flowsim dashboard RESULTS_DIR` to browse a finished sweep.",
        )
    path = Path(folder)
    if not path.is_dir():
        return Opened(None, f"Results folder {path} does not exist.")
    try:
        return Opened(open_results(path))
    except FlowsimError as exc:
        return Opened(None, f"Cannot read {path}: {exc}")


def metric_choices() -> list[str]:
    """Metric names offered in the picker, onward journeys first."""
    return ["onward_moves", *[m for m in METRICS if m != "onward_moves"]]


def metric_labels() -> dict[str, str]:
    """Metric name -> its label, in picker order."""
    return {name: METRICS[name].label for name in metric_choices()}


def metric_named(label: str) -> str:
    """Return the metric name of a label shown in the picker."""
    return next(name for name, text in metric_labels().items() if text == label)


def window_of(frames: Results, baseline: str) -> PolicyWindow:
    """Return the policy window of a results folder, read from its results."""
    return policy_window(frames, baseline)


def compare_table(
    frames: Results, metric: str, baseline: str, *, period: str = "run"
) -> pd.DataFrame:
    """Return the compare table with readable headings, rounded to the agent scale.

    Raises:
        FlowsimError: The metric or baseline is not available in these results.
    """
    table = compare(frames, baseline=baseline, metric=metric, period=period)
    numbers = Numbers(METRICS[metric].unit, agent_scale(frames.manifest))
    rows = []
    for _, r in table.iterrows():
        is_base = r["scenario"] == r["baseline"]
        rows.append(
            [
                scenario_title(str(r["scenario"])),
                "(baseline)" if is_base else numbers.change(r["diff_mean"]),
                "" if is_base else numbers.interval(r["diff_lo90"], r["diff_hi90"]),
                "" if is_base else numbers.relative(r["diff_mean"], r["mean"] - r["diff_mean"]),
                numbers.level(r["mean"]),
                str(r["n"]),
            ]
        )
    return pd.DataFrame(rows, columns=list(TABLE_HEADINGS))

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
from flowsim.errors import FlowsimError

#: Columns of the compare table as shown, with their headings.
TABLE_HEADINGS: dict[str, str] = {
    "scenario": "scenario",
    "n": "runs",
    "mean": "mean",
    "lo90": "5%",
    "hi90": "95%",
    "diff_mean": "change vs baseline",
    "diff_lo90": "change 5%",
    "diff_hi90": "change 95%",
    "rel_change": "relative change",
}


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
    """Metric names offered in the picker, onward moves first."""
    return ["onward_moves", *[m for m in METRICS if m != "onward_moves"]]


def compare_table(frames: Results, metric: str, baseline: str) -> pd.DataFrame:
    """Return the compare table (whole run) with readable headings and rounded values.

    Raises:
        FlowsimError: The metric or baseline is not available in these results.
    """
    table = compare(frames, baseline=baseline, metric=metric)
    shown = table[list(TABLE_HEADINGS)].copy()
    for column in ("mean", "lo90", "hi90", "diff_mean", "diff_lo90", "diff_hi90"):
        shown[column] = shown[column].map(_number)
    shown["rel_change"] = shown["rel_change"].map(lambda v: "" if pd.isna(v) else f"{v:+.1%}")
    return shown.rename(columns=TABLE_HEADINGS)


def _number(value: float) -> str:
    if pd.isna(value):
        return ""
    return f"{value:,.0f}" if abs(value) >= 100 else f"{value:,.3g}"

"""The fit report: table, figures, calibrated parameter file and the calibration document.

``fit_table`` compares observed values with the replicate spread of simulated ones;
``fit_figures`` draws one figure per target group (observed as points, simulated mean and
90% interval as ribbons); ``write_parameters`` writes the ``[parameters]`` file the
baseline extends; ``update_document`` replaces the generated parts of
``docs/calibration.md`` between ``<!-- name:start -->`` and ``<!-- name:end -->`` markers.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd

from flowsim.calibration.loss import group_losses, log_error
from flowsim.calibration.targets import period_bounds

FIT_COLUMNS: tuple[str, ...] = (
    "target",
    "group",
    "period",
    "observed",
    "simulated_mean",
    "simulated_p05",
    "simulated_p95",
    "log_error",
    "weight",
)


def fit_table(targets: pd.DataFrame, simulated: np.ndarray) -> pd.DataFrame:
    """Compare observed and simulated values.

    Args:
        targets: The targets table.
        simulated: Array (replicate, target) of simulated values.

    Returns:
        One row per target with ``FIT_COLUMNS``; ``log_error`` is
        ``log((mean + 1) / (observed + 1))``, the interval the replicates' 5-95%.
    """
    sims = np.atleast_2d(np.asarray(simulated, dtype=float))
    mean = sims.mean(axis=0)
    return pd.DataFrame(
        {
            "target": targets["target_id"].to_numpy(),
            "group": targets["group"].to_numpy(),
            "period": targets["period"].to_numpy(),
            "observed": targets["value"].to_numpy(),
            "simulated_mean": mean,
            "simulated_p05": np.quantile(sims, 0.05, axis=0),
            "simulated_p95": np.quantile(sims, 0.95, axis=0),
            "log_error": log_error(mean, targets["value"].to_numpy()),
            "weight": targets["weight"].to_numpy(),
        }
    )[list(FIT_COLUMNS)]


def group_summary(targets: pd.DataFrame, simulated: np.ndarray, offset: float = 1.0) -> pd.Series:
    """Loss per group of the replicate means (see ``loss.group_losses``)."""
    return group_losses(targets, np.atleast_2d(simulated).mean(axis=0), offset)


def _series(target: str) -> str:
    parts = target.split("|")
    return "|".join(parts[:-1]) if len(parts) > 1 else target


def _midpoint(period: str) -> date:
    first, last = period_bounds(period)
    return last if first == last else date(last.year, last.month, 1)


def fit_figures(table: pd.DataFrame, out_dir: Path) -> list[Path]:
    """Draw ``fit_<group>.png`` per target group into ``out_dir``; return the paths.

    Each panel is one series (a host, a nationality, a border group); observed values are
    points, the simulated mean a line and the replicates' 5-95% a ribbon (bars when the
    series has one period). The y axis is logarithmic.
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    paths: list[Path] = []
    for group, rows in table.groupby("group", sort=True):
        rows = rows.assign(series=rows["target"].map(_series), x=rows["period"].map(_midpoint))
        series = list(dict.fromkeys(rows["series"]))
        ncol = min(4, len(series))
        nrow = int(np.ceil(len(series) / ncol))
        fig, axes = plt.subplots(nrow, ncol, figsize=(3.2 * ncol, 2.4 * nrow), squeeze=False)
        for ax, name in zip(axes.flat, series, strict=False):
            r = rows[rows["series"] == name].sort_values("x")
            x = pd.to_datetime(r["x"])
            lo, hi = r["simulated_p05"] + 1, r["simulated_p95"] + 1
            if len(r) > 1:
                ax.fill_between(x, lo, hi, alpha=0.3, color="tab:blue", label="simulated 90%")
                ax.plot(x, r["simulated_mean"] + 1, color="tab:blue", label="simulated mean")
            else:
                ax.errorbar(
                    x,
                    r["simulated_mean"] + 1,
                    yerr=[r["simulated_mean"] + 1 - lo, hi - r["simulated_mean"] - 1],
                    fmt="s",
                    color="tab:blue",
                    label="simulated (90%)",
                )
            ax.plot(x, r["observed"] + 1, "o", color="black", label="observed")
            ax.set_yscale("log")
            ax.set_title(name, fontsize=8)
            ax.tick_params(labelsize=7)
            for label in ax.get_xticklabels():
                label.set_rotation(30)
        for ax in list(axes.flat)[len(series) :]:
            ax.set_visible(False)
        axes.flat[0].legend(fontsize=6)
        fig.suptitle(f"{group}: observed vs simulated (people + 1, log scale)", fontsize=9)
        fig.tight_layout()
        path = out_dir / f"fit_{group}.png"
        fig.savefig(path, dpi=100)
        plt.close(fig)
        paths.append(path)
    return paths


def markdown_table(frame: pd.DataFrame, floatfmt: str = "{:,.0f}") -> str:
    """Render a frame as a GitHub Markdown table (numbers formatted, no index)."""

    def cell(v: object) -> str:
        if isinstance(v, float | np.floating):
            return f"{v:.3f}" if abs(v) < 10 and v != int(v) else floatfmt.format(v)
        return str(v)

    head = "| " + " | ".join(frame.columns) + " |"
    rule = "|" + "|".join("---" for _ in frame.columns) + "|"
    body = ["| " + " | ".join(cell(v) for v in row) + " |" for row in frame.itertuples(index=False)]
    return "\n".join([head, rule, *body])


def write_parameters(
    path: Path, values: Mapping[str, float], *, loss: float, trials: int, note: str
) -> None:
    """Write the calibrated ``[parameters]`` file (a scenario layer) with a comment header."""
    lines = [
        "# Calibrated baseline parameters (flowsim calibrate; see docs/calibration.md).",
        f"# Date: {date.today():%Y-%m-%d}. Trials: {trials}. Search loss: {loss:.4f}.",
        f"# {note}",
        '# Include from a scenario with: extends = "calibration/baseline_parameters"',
        'name = "baseline_parameters"',
        'description = "Parameters calibrated to 2015-2021 targets (flowsim calibrate)."',
        "",
        "[parameters]",
        *[f"{k} = {float(v):.6g}" for k, v in values.items()],
        "",
    ]
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines), encoding="utf-8")


def update_document(path: Path, sections: Mapping[str, str]) -> None:
    """Replace generated sections of a Markdown document between their markers.

    Args:
        path: The document; it must exist and hold ``<!-- name:start -->`` and
            ``<!-- name:end -->`` for each section name.
        sections: Section name -> Markdown to put between its markers.

    Raises:
        ValueError: If a section's markers are missing.
    """
    text = path.read_text(encoding="utf-8")
    for name, body in sections.items():
        pattern = re.compile(
            rf"(<!-- {re.escape(name)}:start -->\n).*?(<!-- {re.escape(name)}:end -->)", re.S
        )
        if not pattern.search(text):
            raise ValueError(f"{path}: no <!-- {name}:start --> / <!-- {name}:end --> markers")
        text = pattern.sub(lambda m, b=body: m.group(1) + b.rstrip() + "\n" + m.group(2), text)
    path.write_text(text, encoding="utf-8")

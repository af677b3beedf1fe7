"""The fit report: table, figures, calibrated parameter file and the calibration document.

``fit_table`` compares observed values with the replicate spread of simulated ones;
``fit_figures`` draws one figure per target group (observed as points, simulated mean and
90% interval as ribbons); ``write_parameters`` writes the ``[parameters]`` file the
baseline extends; ``update_document`` replaces the generated parts of
``docs/calibration.md`` between ``<!-- name:start -->`` and ``<!-- name:end -->`` markers.
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Mapping
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd

from flowsim.calibration.loss import group_losses, observed_bounds, target_log_errors
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
        ``log((mean + 1) / (observed + 1))`` (against the nearer bound of a target's
        interval, 0 inside it: ``loss.target_log_errors``), the interval the replicates'
        5-95%.
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
            "log_error": target_log_errors(targets, mean, 1.0),
            "weight": targets["weight"].to_numpy(),
        }
    )[list(FIT_COLUMNS)]


ENSEMBLE_FIT_COLUMNS: tuple[str, ...] = (
    "target",
    "group",
    "period",
    "observed",
    "obs_error",
    "observed_low",
    "observed_high",
    "unmodelled",
    "ensemble_median",
    "ensemble_p05",
    "ensemble_p95",
    "inside_90",
    "log_error",
    "log_error_c1",
    "weight",
)


def ensemble_fit_table(targets: pd.DataFrame, simulated: np.ndarray, scale: float) -> pd.DataFrame:
    """Compare observed values with an ensemble of parameter sets.

    Args:
        targets: The targets table.
        simulated: Array (set, replicate, target) of simulated values.
        scale: People per agent of the runs (the log error's offset for counts).

    Returns:
        One row per target with ``ENSEMBLE_FIT_COLUMNS``: the ensemble median is the
        median over sets of each set's replicate mean; the 5-95% range covers every run
        of every set; ``log_error`` is the median's ``log((s + c) / (o + c))`` with
        ``c`` = ``scale`` (1 for percents), ``log_error_c1`` the same with ``c = 1``.
        ``observed_low`` / ``observed_high`` are the interval the modelled quantity should
        lie in (both the observed value for most targets); the errors are measured to its
        nearer bound, 0 inside (``loss.target_log_errors``), and ``inside_90`` says whether
        it meets the runs' 5-95% range. ``unmodelled`` is the part of every simulated
        value that is the input's people the model does not simulate (``load_targets``;
        0 when the targets lack the column).
    """
    sims = np.asarray(simulated, dtype=float)
    with warnings.catch_warnings():  # a share nobody contributes to is NaN in every run
        warnings.simplefilter("ignore", RuntimeWarning)
        per_set = np.nanmean(sims, axis=1)
        median = np.nanmedian(per_set, axis=0)
        runs = sims.reshape(-1, sims.shape[2])
        p05 = np.nanquantile(runs, 0.05, axis=0)
        p95 = np.nanquantile(runs, 0.95, axis=0)
    obs = targets["value"].to_numpy(dtype=float)
    low, high = observed_bounds(targets)
    return pd.DataFrame(
        {
            "target": targets["target_id"].to_numpy(),
            "group": targets["group"].to_numpy(),
            "period": targets["period"].to_numpy(),
            "observed": obs,
            "obs_error": targets["obs_error"].to_numpy(),
            "observed_low": low,
            "observed_high": high,
            "unmodelled": (
                targets["unmodelled"].to_numpy(dtype=float)
                if "unmodelled" in targets
                else np.zeros(len(targets))
            ),
            "ensemble_median": median,
            "ensemble_p05": p05,
            "ensemble_p95": p95,
            "inside_90": (high >= p05) & (low <= p95),
            "log_error": target_log_errors(targets, median, scale),
            "log_error_c1": target_log_errors(targets, median, 1.0),
            "weight": targets["weight"].to_numpy(),
        }
    )[list(ENSEMBLE_FIT_COLUMNS)]


def male_by_group(table: pd.DataFrame, column: str = "log_error") -> pd.Series:
    """Weighted mean absolute log error per group of an ``ensemble_fit_table``.

    Rows of weight 0 are left out; the index is sorted; ``overall`` (the mean of the
    groups, every group counting the same) is appended last.
    """
    rows = table[table["weight"] > 0]
    err = rows[column].abs() * rows["weight"]
    groups = (err.groupby(rows["group"]).sum() / rows.groupby("group")["weight"].sum()).sort_index()
    return pd.concat([groups, pd.Series({"overall": float(groups.mean())})])


def headline_parts(table: pd.DataFrame, top: int | None = None) -> pd.DataFrame:
    """Each fitted row's part of the overall MALE of an ``ensemble_fit_table``, largest first.

    A row's part is ``weight * |log_error| / (its group's total weight * number of groups)``,
    so the parts of all fitted rows sum to ``male_by_group(table)["overall"]``: the table
    says which rows hold the headline up.

    Args:
        table: An ``ensemble_fit_table`` (rows of weight 0 are left out).
        top: Keep only the ``top`` largest parts (all when None).

    Returns:
        Columns ``target``, ``group``, ``observed``, ``observed_low``, ``observed_high``
        (the interval ``log_error`` is measured against), ``ensemble_median``,
        ``log_error``, ``weight`` and ``part``, sorted by ``part`` descending (ties by
        target).
    """
    rows = table[table["weight"] > 0]
    group_weight = rows.groupby("group")["weight"].transform("sum")
    n_groups = rows["group"].nunique()
    part = rows["weight"] * rows["log_error"].abs() / (group_weight * max(n_groups, 1))
    columns = ["target", "group", "observed", "observed_low", "observed_high"]
    columns += ["ensemble_median", "log_error", "weight", "part"]
    out = rows.assign(part=part)[columns]
    out = out.sort_values(["part", "target"], ascending=[False, True], kind="stable")
    return (out.head(top) if top is not None else out).reset_index(drop=True)


#: Least share of the ensemble's sets a target must be implausible in to count as a misfit.
MISFIT_SHARE: float = 0.9


def misfits_everywhere(
    table: pd.DataFrame, implausible: pd.DataFrame, cutoff: float, share: float = MISFIT_SHARE
) -> pd.DataFrame:
    """Return the fitted targets implausible in at least ``share`` of the ensemble's sets.

    These are the model's structural misfits: few or no sets bring them within ``cutoff``
    standard deviations of the observation, so with the second-largest implausibility as
    the criterion any two of them keep a set implausible (docs/calibration.md, "What no set
    fits"). They explain why no set is non-implausible, not how large the headline MALE is
    (``headline_parts`` says that).

    Args:
        table: The ensemble's ``ensemble_fit_table``.
        implausible: Each set's implausibility from its own runs
            (``history_matching.run_implausibility``): one row per set, one column per
            fitted target, named by its id (the table's rows of positive weight, any order).
        cutoff: The implausibility cutoff of the matching.
        share: Least share of sets a target must be implausible in to be listed.

    Returns:
        Columns ``target``, ``group``, ``observed``, ``ensemble_median``, ``log_error``,
        ``sets_implausible`` (how many sets exceed the cutoff), ``sets`` and
        ``median_implausibility``, the most often implausible first (ties: the larger
        median implausibility).
    """
    rows = table[table["weight"] > 0].reset_index(drop=True)
    ids = rows["target"].tolist()
    if sorted(map(str, implausible.columns)) != sorted(ids):
        missing = sorted(set(ids) - set(map(str, implausible.columns)))
        extra = sorted(set(map(str, implausible.columns)) - set(ids))
        raise ValueError(
            "implausibility columns must be the fitted targets' ids: "
            f"missing {missing[:3]}, unexpected {extra[:3]}"
        )
    imp = implausible[ids].to_numpy(dtype=float)
    n_sets = imp.shape[0]
    out = rows[["target", "group", "observed", "ensemble_median", "log_error"]].assign(
        sets_implausible=(imp > cutoff).sum(axis=0),
        sets=n_sets,
        median_implausibility=np.median(imp, axis=0) if n_sets else np.nan,
    )
    out = out[out["sets_implausible"] >= share * n_sets] if n_sets else out.iloc[:0]
    out = out.sort_values(
        ["sets_implausible", "median_implausibility", "target"],
        ascending=[False, False, True],
        kind="stable",
    )
    return out.reset_index(drop=True)


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
    points (``observed_marks``: a vertical line over the interval of a target that has one,
    columns ``observed_low`` / ``observed_high``, with the source's figure an open circle; a
    downward triangle when the figure is only an upper bound, an upward one when it is only
    a lower bound), the simulated mean a line
    and the replicates' 5-95% a ribbon (bars when the series has one period). The y axis is
    logarithmic.
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
            point, span, upper, lower = observed_marks(r)
            obs = r["observed"].to_numpy() + 1
            if point.any():
                ax.plot(x[point], obs[point], "o", color="black", label="observed")
            if span.any():  # the interval the source fixes, its own figure an open circle
                low, high = r["observed_low"].to_numpy() + 1, r["observed_high"].to_numpy() + 1
                ax.vlines(x[span], low[span], high[span], color="black", label="observed interval")
                ax.plot(x[span], obs[span], "o", mfc="none", color="black")
            if upper.any():  # only an upper bound: a downward triangle at it
                high = r["observed_high"].to_numpy() + 1
                ax.plot(x[upper], high[upper], "v", color="black", label="upper bound")
            if lower.any():  # only a lower bound ("over 100,000"): an upward triangle at it
                low = r["observed_low"].to_numpy() + 1
                ax.plot(x[lower], low[lower], "^", color="black", label="lower bound")
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


def observed_marks(
    rows: pd.DataFrame,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """How a figure marks each row's observation: masks ``(point, span, upper, lower)``.

    ``point``: a figure (no ``observed_low`` / ``observed_high`` columns, or equal bounds);
    ``span``: a finite interval with a positive lower bound; ``upper``: an upper bound alone
    (lower bound 0); ``lower``: a lower bound alone (upper bound ``inf``). Exactly one is
    true for every row.
    """
    n = len(rows)
    if not {"observed_low", "observed_high"} <= set(rows.columns):
        none = np.zeros(n, dtype=bool)
        return np.ones(n, dtype=bool), none, none.copy(), none.copy()
    low, high = rows["observed_low"].to_numpy(), rows["observed_high"].to_numpy()
    bounded = high > low
    lower = bounded & np.isinf(high)
    finite = bounded & ~lower
    return ~bounded, finite & (low > 0), finite & (low <= 0), lower


def markdown_table(frame: pd.DataFrame, floatfmt: str = "{:,.0f}") -> str:
    """Render a frame as a GitHub Markdown table (numbers formatted, pipes escaped, no index)."""

    def cell(v: object) -> str:
        if isinstance(v, float | np.floating):
            return f"{v:.3f}" if abs(v) < 10 and v != int(v) else floatfmt.format(v)
        return str(v).replace("|", "\\|")  # a target id's pipes would split the cell

    head = "| " + " | ".join(frame.columns) + " |"
    rule = "|" + "|".join("---" for _ in frame.columns) + "|"
    body = ["| " + " | ".join(cell(v) for v in row) + " |" for row in frame.itertuples(index=False)]
    return "\n".join([head, rule, *body])


def _toml_value(v: object) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int | float):
        return f"{float(v):.6g}" if isinstance(v, float) else str(v)
    return '"' + str(v).replace("\\", "\\\\").replace('"', '\\"') + '"'


def write_parameters(
    path: Path,
    values: Mapping[str, float],
    *,
    note: str,
    calibration: Mapping[str, object] | None = None,
    keep_comments: bool = False,
) -> None:
    """Write the calibrated scenario layer: ``[parameters]`` and ``[calibration]``.

    Args:
        path: The TOML file (a scenario layer the baseline extends).
        values: Parameter name -> value (the representative set).
        note: A comment line saying how the values were found.
        calibration: The ``[calibration]`` table (nested mappings become sub-tables).
        keep_comments: Keep the comment lines a person wrote into the existing file's
            header (after the three generated lines), e.g. why ``[parameters]`` are kept.
    """
    kept = _written_comments(path) if keep_comments else []
    lines = [
        "# Calibrated baseline parameters (flowsim calibrate; see docs/calibration.md).",
        f"# Date: {date.today():%Y-%m-%d}. {note}",
        '# Include from a scenario with: extends = "calibration/baseline_parameters"',
        *kept,
        'name = "baseline_parameters"',
        'description = "Parameters calibrated to 2015-2021 targets (flowsim calibrate)."',
        "",
        "[parameters]",
        *[f"{k} = {float(v):.6g}" for k, v in values.items()],
        "",
    ]
    if calibration:
        flat = {k: v for k, v in calibration.items() if not isinstance(v, Mapping)}
        nested = {k: v for k, v in calibration.items() if isinstance(v, Mapping)}
        lines += ["[calibration]", *[f"{k} = {_toml_value(v)}" for k, v in flat.items()], ""]
        for k, table in nested.items():
            lines += [f"[calibration.{k}]"]
            lines += [f"{name} = {_toml_value(v)}" for name, v in table.items()]
            lines += [""]
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines), encoding="utf-8")


def _written_comments(path: Path) -> list[str]:
    """Comment lines between the generated header and the first key of an existing layer."""
    if not path.is_file():
        return []
    header = path.read_text(encoding="utf-8").splitlines()
    out = []
    for line in header[3:]:
        if not line.startswith("#"):
            break
        out.append(line)
    return out


def update_document(
    path: Path, sections: Mapping[str, str], optional: frozenset[str] = frozenset()
) -> list[str]:
    """Replace generated sections of a Markdown document between their markers.

    Args:
        path: The document; it must exist and hold ``<!-- name:start -->`` and
            ``<!-- name:end -->`` for each section name.
        sections: Section name -> Markdown to put between its markers.
        optional: Section names a document may lack (a document written before the
            section existed); they are skipped.

    Returns:
        The optional sections skipped for want of markers.

    Raises:
        ValueError: If a section's markers are missing and it is not optional (nothing
            is written then).
    """
    text = path.read_text(encoding="utf-8")
    skipped: list[str] = []
    for name, body in sections.items():
        pattern = re.compile(
            rf"(<!-- {re.escape(name)}:start -->\n).*?(<!-- {re.escape(name)}:end -->)", re.S
        )
        if not pattern.search(text):
            if name in optional:
                skipped.append(name)
                continue
            raise ValueError(f"{path}: no <!-- {name}:start --> / <!-- {name}:end --> markers")
        text = pattern.sub(lambda m, b=body: m.group(1) + b.rstrip() + "\n" + m.group(2), text)
    path.write_text(text, encoding="utf-8")
    return skipped

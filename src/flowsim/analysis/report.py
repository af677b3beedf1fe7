"""A scenario comparison report for policy staff: tables, figures and one HTML file.

:func:`build_report` writes, into one folder:

- ``summary.csv``: every metric's comparison table (whole run), one block per metric;
- ``summary.md``: the headline table, the plain-language answer and the other metrics;
- the figures as PNG files;
- ``report.html``: one self-contained page (figures embedded) to send by email.
"""

from __future__ import annotations

import base64
import html
import io
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from flowsim.analysis.compare import compare
from flowsim.analysis.flowmap import plot_flow_map
from flowsim.analysis.load import ResultsFrames, as_frames
from flowsim.analysis.metrics import METRICS, get_metric
from flowsim.analysis.plots import plot_differences, plot_status_composition, plot_timeseries

#: Metric the headline table and sentence are about, unless told otherwise.
HEADLINE_METRIC = "onward_moves"


@dataclass(frozen=True)
class ReportFigure:
    """One figure of the report: file name, caption and the PNG bytes."""

    name: str
    caption: str
    png: bytes


@dataclass(frozen=True)
class Report:
    """What :func:`build_report` wrote.

    Attributes:
        out_dir: The report folder.
        files: Every file written, in writing order.
        summary: All metrics' comparison tables, with a ``metric`` column first.
        answer: The plain-language answer about the headline metric.
    """

    out_dir: Path
    files: list[Path]
    summary: pd.DataFrame
    answer: str


def build_report(
    results: Any,
    out_dir: str | Path,
    *,
    baseline: str = "baseline",
    metrics: Sequence[str] | None = None,
) -> Report:
    """Compare every scenario with the baseline and write the report files.

    Args:
        results: A results folder, ``ResultsFrames`` or object with the three tables.
        out_dir: Folder to write into (created when missing).
        baseline: Scenario the others are compared with.
        metrics: Metrics to report; the first is the headline (default: onward moves, then
            every other metric).

    Returns:
        The files written and the tables behind them.

    Raises:
        ResultsError: Unknown metric or baseline, or unusable results.
    """
    names = list(metrics) if metrics else [HEADLINE_METRIC]
    if not metrics:
        names += [m for m in METRICS if m != HEADLINE_METRIC]
    for name in names:
        get_metric(name)
    frames = as_frames(results)
    tables = {name: compare(frames, baseline=baseline, metric=name) for name in names}
    headline_metric = names[0]
    headline = tables[headline_metric]
    summary = pd.concat([t.assign(metric=name) for name, t in tables.items()], ignore_index=True)
    summary = summary[["metric", *[c for c in summary.columns if c != "metric"]]]
    answer = plain_answer(headline, headline_metric, baseline)
    facts = run_facts(frames)
    notes = caveats(frames)
    figures = _figures(frames, headline, headline_metric, baseline)

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    files: list[Path] = []
    path = out / "summary.csv"
    summary.to_csv(path, index=False)
    files.append(path)
    for figure in figures:
        path = out / figure.name
        path.write_bytes(figure.png)
        files.append(path)
    others = {name: tables[name] for name in names[1:]}
    path = out / "summary.md"
    path.write_text(
        _markdown(facts, headline, headline_metric, answer, others, figures, baseline, notes),
        encoding="utf-8",
    )
    files.append(path)
    path = out / "report.html"
    path.write_text(
        _html(facts, headline, headline_metric, answer, others, figures, baseline, notes),
        encoding="utf-8",
    )
    files.append(path)
    return Report(out, files, summary, answer)


def plain_answer(table: pd.DataFrame, metric: str, baseline: str) -> str:
    """One sentence saying which scenario lowers the metric most, and by how much.

    Args:
        table: :func:`compare` output for ``metric`` over the whole run.
        metric: The metric's name.
        baseline: The baseline's label.
    """
    info = get_metric(metric)
    what = info.description
    others = table[(table["scenario"] != baseline) & table["diff_mean"].notna()]
    if others.empty:
        return f"Only {baseline} was run, so there is nothing to compare it with."
    best = others.loc[others["diff_mean"].idxmin()]
    size = _fmt_change(abs(best["diff_mean"]), info.unit)
    lo, hi = best["diff_lo90"], best["diff_hi90"]
    rel = best["rel_change"]
    rel_text = f", {rel:+.1%} vs {baseline}" if np.isfinite(rel) else ""
    unit = " people" if info.unit == "people" else " percentage points"
    scale = 100 if info.unit == "share" else 1
    interval = (
        f"90% interval of the change: {_fmt_signed(lo * scale, 'people')} to "
        f"{_fmt_signed(hi * scale, 'people')}{unit}"
    )
    if best["diff_mean"] < 0:
        sentence = f"{best['scenario']} lowers {what} most: by {size} ({interval}){rel_text}."
    else:
        sentence = (
            f"No scenario lowers {what}; the smallest change is {best['scenario']}: "
            f"{'+' if best['diff_mean'] > 0 else ''}{size} ({interval}){rel_text}."
        )
    if lo <= 0 <= hi and best["diff_mean"] != 0:
        sentence += " The interval includes no change, so the effect is not clear."
    return sentence


def run_facts(frames: ResultsFrames) -> dict[str, str]:
    """Plain facts about what was run, read from the tables and the manifest."""
    runs = frames.runs
    per_scenario = runs.groupby("scenario", sort=False)["replicate"].nunique()
    months = frames.months
    manifest = frames.manifest
    facts = {
        "Scenarios": ", ".join(f"{s} ({n} replicates)" for s, n in per_scenario.items()),
        "Months": (
            f"{months[0]:%Y-%m} to {months[-1]:%Y-%m} ({len(months)} months)" if months else "none"
        ),
        "Runs": f"{len(runs)} finished"
        + (f", {len(frames.failed_runs)} failed (left out)" if _failed(frames) else ""),
    }
    name = _find(manifest, ("experiment", "name"), ("sweep", "name"), ("name",))
    if name is not None:
        facts = {"Experiment": str(name), **facts}
    scale = agent_scale(manifest)
    if scale is not None:
        facts["Agent scale"] = f"each simulated agent stands for {scale} people"
    version = _find(manifest, ("flowsim_version",))
    if version is not None:
        facts["flowsim version"] = str(version)
    return facts


def agent_scale(manifest: dict[str, Any]) -> Any:
    """Return the people one agent stands for, when the manifest records it."""
    for key in ("agent_scale", "people_per_agent", "scale"):
        value = _deep_get(manifest, key)
        if value is not None:
            return value
    return None


def caveats(frames: ResultsFrames) -> list[str]:
    """Plain-language limits of the comparison, read from the runs and the manifest."""
    n = frames.runs.groupby("scenario")["replicate"].nunique()
    reps = f"{n.min()}" if n.min() == n.max() else f"{n.min()} to {n.max()}"
    notes = [
        f"Intervals are the 5th to 95th percentiles across {reps} replicates per scenario. "
        "They show the model's randomness only, not uncertainty in its assumptions or data."
        + (" With fewer than 20 replicates they are rough." if n.min() < 20 else ""),
        "Differences are paired: replicate k of each scenario uses the same random seed as "
        "replicate k of the baseline, so they isolate the effect of the policy.",
    ]
    scale = agent_scale(frames.manifest)
    if scale is None:
        notes.append("The manifest does not record the agent scale (people per agent).")
    else:
        notes.append(
            f"Each simulated agent stands for {scale} people, so counts move in steps of "
            f"{scale} and small flows are uncertain."
        )
    calibration = None
    for key in ("calibration", "calibration_status", "calibrated"):
        calibration = _deep_get(frames.manifest, key)
        if calibration is not None:
            break
    if isinstance(calibration, dict):
        calibration = calibration.get("status", calibration)
    if calibration is None:
        notes.append(
            "The manifest does not record a calibration: read absolute numbers as "
            "illustrative and the differences between scenarios as the result."
        )
    else:
        notes.append(f"Calibration status: {calibration}.")
    if _failed(frames):
        k = len(frames.failed_runs)
        notes.append(
            f"{k} run{'s' if k > 1 else ''} failed and {'are' if k > 1 else 'is'} "
            "left out of every table."
        )
    return notes


# --- figures -----------------------------------------------------------------------------


def _figures(
    frames: ResultsFrames, headline: pd.DataFrame, metric: str, baseline: str
) -> list[ReportFigure]:
    info = get_metric(metric)
    out = [
        ReportFigure(
            "timeseries.png",
            f"{info.description.capitalize()} per month: mean of the replicates (line) and "
            "the range of 90% of them (band).",
            _png(plot_timeseries(frames, metric, baseline=baseline)),
        )
    ]
    if len(headline) > 1:
        out.append(
            ReportFigure(
                "differences.png",
                f"Change in {info.description} compared with {baseline}, with its 90% "
                "interval. Left of zero (blue) is a decrease.",
                _png(plot_differences(headline, metric=metric, baseline=baseline)),
            )
        )
    out.append(
        ReportFigure(
            "flowmap_baseline.png",
            f"Onward journeys in {baseline}: arrow width shows the people who moved.",
            _png(plot_flow_map(frames, baseline, kind="onward")),
        )
    )
    others = headline[headline["scenario"] != baseline].dropna(subset=["diff_mean"])
    if not others.empty:
        best = str(others.loc[others["diff_mean"].idxmin(), "scenario"])
        out.append(
            ReportFigure(
                f"flowmap_{_slug(best)}_vs_{_slug(baseline)}.png",
                f"Where onward journeys change in {best} compared with {baseline}: "
                "vermillion = more people, blue = fewer.",
                _png(plot_flow_map(frames, best, versus=baseline, kind="onward")),
            )
        )
    host = _largest_host(frames, baseline)
    if host is not None:
        out.append(
            ReportFigure(
                f"status_{_slug(host)}.png",
                f"Migrants living in {host} (the largest host in {baseline}) by legal status.",
                _png(plot_status_composition(frames, host, scenario=baseline)),
            )
        )
    return out


def _largest_host(frames: ResultsFrames, scenario: str) -> str | None:
    ts = frames.timeseries
    stock = ts[
        (ts["variable"] == "stock")
        & (ts["scenario"] == scenario)
        & (ts["country"] != ts["nationality"])
        & (ts["status"] != "all")
    ]
    if stock.empty:
        return None
    last = stock[stock["month"] == stock["month"].max()]
    return str(last.groupby("country")["value"].sum().idxmax())


def _png(fig: Figure) -> bytes:
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=110)
    return buffer.getvalue()


# --- text --------------------------------------------------------------------------------


def _headline_rows(table: pd.DataFrame, unit: str, baseline: str) -> list[list[str]]:
    rows = []
    for _, r in table.iterrows():
        is_base = r["scenario"] == baseline
        rows.append(
            [
                str(r["scenario"]),
                str(r["n"]),
                _fmt_level(r["mean"], unit),
                f"{_fmt_level(r['lo90'], unit)} to {_fmt_level(r['hi90'], unit)}",
                "(baseline)" if is_base else _fmt_signed(r["diff_mean"], unit),
                ""
                if is_base
                else f"{_fmt_signed(r['diff_lo90'], unit)} to {_fmt_signed(r['diff_hi90'], unit)}",
                "" if is_base or not np.isfinite(r["rel_change"]) else f"{r['rel_change']:+.1%}",
            ]
        )
    return rows


_HEADLINE_HEADER = [
    "Scenario",
    "Replicates",
    "Mean",
    "90% interval",
    "Change vs baseline",
    "90% interval of change",
    "Relative change",
]
_OTHER_HEADER = ["Metric", "Scenario", "Change vs baseline", "90% interval", "Relative change"]


def _other_rows(others: dict[str, pd.DataFrame], baseline: str) -> list[list[str]]:
    rows = []
    for name, table in others.items():
        unit = get_metric(name).unit
        for _, r in table[table["scenario"] != baseline].iterrows():
            rel = r["rel_change"]
            rows.append(
                [
                    name,
                    str(r["scenario"]),
                    _fmt_signed(r["diff_mean"], unit),
                    f"{_fmt_signed(r['diff_lo90'], unit)} to {_fmt_signed(r['diff_hi90'], unit)}",
                    f"{rel:+.1%}" if np.isfinite(rel) else "",
                ]
            )
    return rows


def _markdown(facts, headline, metric, answer, others, figures, baseline, notes) -> str:
    info = get_metric(metric)
    lines = ["# Scenario comparison", "", "## What was run", ""]
    lines += [f"- **{k}**: {v}" for k, v in facts.items()]
    lines += ["", f"## {info.description.capitalize()} ({info.unit}, whole run)", ""]
    lines += _md_table(_HEADLINE_HEADER, _headline_rows(headline, info.unit, baseline))
    lines += ["", f"**Answer.** {answer}", ""]
    if others:
        lines += ["## Other outcomes: change vs baseline (whole run)", ""]
        lines += _md_table(_OTHER_HEADER, _other_rows(others, baseline))
        lines.append("")
    lines += ["## ReportFigure", ""]
    lines += [f"![{f.caption}]({f.name})\n\n{f.caption}\n" for f in figures]
    lines += ["## Caveats", "", *[f"- {c}" for c in notes]]
    return "\n".join(lines) + "\n"


def _md_table(header: list[str], rows: list[list[str]]) -> list[str]:
    def line(cells: list[str]) -> str:
        return "| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |"

    return [line(header), line(["---"] * len(header)), *[line(r) for r in rows]]


def _html(facts, headline, metric, answer, others, figures, baseline, notes) -> str:
    info = get_metric(metric)
    esc = html.escape
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        "<title>Scenario comparison</title>",
        f"<style>{_CSS}</style></head><body>",
        "<h1>Scenario comparison</h1>",
        f'<p class="answer">{esc(answer)}</p>',
        "<h2>What was run</h2><ul>",
        *[f"<li><b>{esc(k)}</b>: {esc(v)}</li>" for k, v in facts.items()],
        "</ul>",
        f"<h2>{esc(info.description.capitalize())} ({esc(info.unit)}, whole run)</h2>",
        _html_table(_HEADLINE_HEADER, _headline_rows(headline, info.unit, baseline)),
    ]
    if others:
        parts += [
            "<h2>Other outcomes: change vs baseline (whole run)</h2>",
            _html_table(_OTHER_HEADER, _other_rows(others, baseline)),
        ]
    parts.append("<h2>Figures</h2>")
    for figure in figures:
        data = base64.b64encode(figure.png).decode("ascii")
        parts.append(
            f'<figure><img src="data:image/png;base64,{data}" alt="{esc(figure.caption)}">'
            f"<figcaption>{esc(figure.caption)}</figcaption></figure>"
        )
    parts += ["<h2>Caveats</h2><ul>", *[f"<li>{esc(c)}</li>" for c in notes], "</ul>"]
    parts.append("</body></html>")
    return "\n".join(parts) + "\n"


def _html_table(header: list[str], rows: list[list[str]]) -> str:
    head = "".join(f"<th>{html.escape(h)}</th>" for h in header)
    body = "".join(
        "<tr>" + "".join(f"<td>{html.escape(c)}</td>" for c in row) + "</tr>" for row in rows
    )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


_CSS = (
    "body{font-family:system-ui,Segoe UI,Arial,sans-serif;max-width:980px;margin:2em auto;"
    "padding:0 1em;color:#222;line-height:1.45}"
    "table{border-collapse:collapse;margin:1em 0;font-size:.92em}"
    "th,td{border:1px solid #ccc;padding:.35em .6em;text-align:right}"
    "th:first-child,td:first-child,td:nth-child(2){text-align:left}"
    "th{background:#f2f2f2}"
    ".answer{font-size:1.15em;background:#eef5fb;border-left:4px solid #0072B2;padding:.6em 1em}"
    "figure{margin:1.5em 0}img{max-width:100%}figcaption{font-size:.9em;color:#555}"
)


# --- formatting and manifest lookup ------------------------------------------------------


def _fmt_level(value: float, unit: str) -> str:
    if not np.isfinite(value):
        return "n/a"
    if unit == "share":
        return f"{value:.1%}"
    return f"{value:,.0f}" if abs(value) >= 100 else f"{value:,.1f}"


def _fmt_signed(value: float, unit: str) -> str:
    if not np.isfinite(value):
        return "n/a"
    if unit == "share":
        return f"{100 * value:+.1f} pp"
    return f"{value:+,.0f}" if abs(value) >= 100 else f"{value:+,.1f}"


def _fmt_change(value: float, unit: str) -> str:
    if unit == "share":
        return f"{100 * value:.1f} percentage points"
    return f"{_fmt_level(value, unit)} people"


def _failed(frames: ResultsFrames) -> bool:
    return frames.failed_runs is not None and len(frames.failed_runs) > 0


def _find(manifest: dict[str, Any], *paths: tuple[str, ...]) -> Any:
    for path in paths:
        node: Any = manifest
        for key in path:
            node = node.get(key) if isinstance(node, dict) else None
        if node is not None and not isinstance(node, dict):
            return node
    return None


def _deep_get(node: Any, key: str) -> Any:
    """First value stored under ``key`` anywhere in nested dicts (breadth first)."""
    queue = [node]
    while queue:
        current = queue.pop(0)
        if isinstance(current, dict):
            if key in current and current[key] is not None:
                return current[key]
            queue.extend(v for v in current.values() if isinstance(v, dict))
    return None


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", text).strip("_") or "scenario"

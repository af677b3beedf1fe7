"""A scenario comparison report for policy staff: tables, figures and one HTML file.

:func:`build_report` writes, into one folder:

- ``summary.csv``: every metric's comparison over the policy window, with label and unit;
- ``onward_by_host.csv``, ``onward_by_nationality.csv``, ``onward_by_year.csv``: the
  breakdowns of onward journeys;
- ``summary.md``: the report as text;
- the figures as PNG files;
- ``report.html``: one self-contained page (figures embedded) that links the CSV files.

Every number covers the policy window (:mod:`flowsim.analysis.window`) unless it says
otherwise, and is rounded to what the agent scale can resolve (:mod:`flowsim.analysis.words`).
"""

from __future__ import annotations

import base64
import html
import io
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
from matplotlib.figure import Figure

from flowsim.analysis.compare import summarise
from flowsim.analysis.flowmap import plot_flow_map
from flowsim.analysis.load import Results, as_frames
from flowsim.analysis.metrics import METRICS, _group_columns, get_metric
from flowsim.analysis.pairing import baseline_labels, has_grid
from flowsim.analysis.plots import plot_differences, plot_status_composition, plot_timeseries
from flowsim.analysis.trust import calibration_sentences, parameter_sets, sign_by_parameter_set
from flowsim.analysis.window import (
    PolicyWindow,
    ScenarioInfo,
    changed_policies,
    policy_level,
    policy_window,
)
from flowsim.analysis.words import Numbers, scenario_title

#: Metric the headline table and sentence are about, unless told otherwise.
HEADLINE_METRIC = "onward_moves"

#: Breakdown file name -> (grouping, period kind) of onward journeys.
BREAKDOWNS: dict[str, tuple[str | None, str]] = {
    "onward_by_host.csv": ("country", "window"),
    "onward_by_nationality.csv": ("nationality", "window"),
    "onward_by_year.csv": (None, "year"),
}

#: Rows shown per breakdown table in the report (the CSV files hold every row).
BREAKDOWN_ROWS = 12

ONWARD_DEFINITION = (
    "An onward journey is a journey a migrant starts from a country they had lived in for "
    "at least a year (usual residence, as migration statistics count it), which is not their "
    "own, towards a third country (for example a Venezuelan who lived in Peru and leaves for "
    "Chile or the United States). A shorter stay is a stop on the same journey. Journeys back "
    "home are not onward journeys; neither are first departures from the country of origin."
)


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
        summary: All metrics' comparison tables, with ``metric``, ``label`` and ``unit``.
        answer: The plain-language answer about the headline metric.
        window: The months every table covers.
    """

    out_dir: Path
    files: list[Path]
    summary: pd.DataFrame
    answer: str
    window: PolicyWindow


def build_report(
    results: Any,
    out_dir: str | Path,
    *,
    baseline: str = "baseline",
    metrics: Sequence[str] | None = None,
    period: str | None = None,
    info: Mapping[str, ScenarioInfo] | None = None,
) -> Report:
    """Compare every scenario with the baseline over the policy window; write the report.

    Args:
        results: A results folder, opened results, or an object with the three tables.
        out_dir: Folder to write into (created when missing).
        baseline: Scenario the others are compared with (at the same grid point).
        metrics: Metrics to report; the first is the headline (default: onward journeys,
            then every other metric).
        period: Months to compare, ``"START:END"`` (default: the policy window).
        info: Scenario descriptions and policies, when known (the command line reads them
            from the scenario files).

    Returns:
        The files written and the tables behind them.

    Raises:
        ResultsError: Unknown metric, baseline or period, or unusable results.
    """
    names = list(metrics) if metrics else [HEADLINE_METRIC]
    if not metrics:
        names += [m for m in METRICS if m != HEADLINE_METRIC]
    for name in names:
        get_metric(name)
    frames = as_frames(results)
    pairs = baseline_labels(frames.runs, baseline)
    window = policy_window(frames, baseline, period=period, info=info)
    values = {name: get_metric(name).function(frames, period=window.spec) for name in names}
    tables = {name: summarise(values[name], pairs, [], order=frames.scenarios) for name in names}
    head = names[0]
    scale = agent_scale(frames.manifest)
    summary = pd.concat([_labelled(t, name) for name, t in tables.items()], ignore_index=True)
    answer = plain_answer(tables[head], head, baseline, scale=scale, window=window)
    breakdowns = _breakdowns(frames, pairs, window) if head == HEADLINE_METRIC else {}
    sets = parameter_sets(frames)
    signs = sign_by_parameter_set(values[head], pairs, sets) if sets is not None else None
    figures = _figures(frames, tables[head], head, baseline, window)
    page = _Page(
        facts=run_facts(frames),
        window=window,
        scenarios=_scenario_rows(frames, pairs, info),
        headline=tables[head],
        metric=head,
        answer=answer,
        others={name: tables[name] for name in names[1:]},
        breakdowns=breakdowns,
        figures=figures,
        baseline=baseline,
        grid=has_grid(frames.runs),
        trust=caveats(frames, baseline, signs),
        scale=scale,
    )

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    files: list[Path] = []
    path = out / "summary.csv"
    summary.to_csv(path, index=False)
    files.append(path)
    for file, table in breakdowns.items():
        path = out / file
        table.to_csv(path, index=False)
        files.append(path)
    for figure in figures:
        path = out / figure.name
        path.write_bytes(figure.png)
        files.append(path)
    path = out / "summary.md"
    path.write_text(_markdown(page), encoding="utf-8")
    files.append(path)
    path = out / "report.html"
    path.write_text(_html(page), encoding="utf-8")
    files.append(path)
    return Report(out, files, summary, answer, window)


def plain_answer(
    table: pd.DataFrame,
    metric: str,
    baseline: str,
    *,
    scale: float | None = None,
    window: PolicyWindow | None = None,
) -> str:
    """One sentence saying which scenario lowers the metric most, and by how much.

    Args:
        table: :func:`~flowsim.analysis.compare.compare` output for ``metric``, one period.
        metric: The metric's name.
        baseline: The baseline's label.
        scale: People per agent (for rounding), when known.
        window: The months the table covers, when known (named in the sentence).
    """
    info = get_metric(metric)
    numbers = Numbers(info.unit, scale)
    what = in_sentence(info.label)
    others = table[(table["scenario"] != table.get("baseline", baseline))]
    others = others[others["diff_mean"].notna()]
    when = f" over {window.words}" if window is not None else ""
    if others.empty:
        return f"Only {scenario_title(baseline)} was run, so there is nothing to compare it with."
    best = others.loc[others["diff_mean"].idxmin()]
    name = scenario_title(str(best["scenario"]))
    base_name = scenario_title(str(best.get("baseline", baseline)))
    base_mean = best["mean"] - best["diff_mean"]
    change = numbers.change(best["diff_mean"])
    interval = numbers.interval(best["diff_lo90"], best["diff_hi90"])
    rel = numbers.relative(best["diff_mean"], base_mean)
    rel_text = f", {rel} compared with {base_name}" if rel else f" compared with {base_name}"
    unit = " people" if info.unit == "people" else ""

    def with_unit(text: str) -> str:  # "no change" takes no unit
        return text if text == "no change" else f"{text}{unit}"

    interval_text = interval if interval == "no change" else f"{interval}{unit}"
    if best["diff_mean"] < 0:
        sentence = (
            f"{name} lowers {what} most{when}: by {with_unit(change.lstrip('-'))}{rel_text} "
            f"(90% interval of the change: {interval_text})."
        )
    else:
        sentence = (
            f"No scenario lowers {what}{when}; the smallest change is {name}: "
            f"{with_unit(change)}{rel_text} (90% interval of the change: {interval_text})."
        )
    lo, hi = best["diff_lo90"], best["diff_hi90"]
    if lo <= 0 <= hi and best["diff_mean"] != 0:
        sentence += " The interval includes no change, so the effect is not clear."
    return sentence


def in_sentence(label: str) -> str:
    """Return a metric label for use inside a sentence: lower case, except names of places."""
    first = label.split(" ", 1)[0]
    return label if first in _PROPER_NOUNS else label[:1].lower() + label[1:]


#: First words of metric labels that are names and keep their capital inside a sentence.
_PROPER_NOUNS = frozenset({"Darien", "US"})


def run_facts(frames: Results) -> dict[str, str]:
    """Plain facts about what was run, read from the tables and the manifest."""
    runs = frames.runs
    per_scenario = runs.groupby("scenario", sort=False)["replicate"].nunique()
    months = frames.months
    manifest = frames.manifest
    facts = {
        "Scenarios": ", ".join(f"{scenario_title(s)} ({n} runs)" for s, n in per_scenario.items()),
        "Months simulated": (
            f"{months[0]:%B %Y} to {months[-1]:%B %Y} ({len(months)} months)" if months else "none"
        ),
        "Runs": f"{len(runs)} finished"
        + (f", {len(frames.failed_runs)} failed (left out)" if _failed(frames) else ""),
    }
    name = _find(manifest, ("experiment", "name"), ("sweep", "name"), ("name",))
    if name is not None:
        facts = {"Experiment": str(name), **facts}
    scale = agent_scale(manifest)
    if scale is not None:
        facts["Agent scale"] = f"each simulated person stands for {scale:,.0f} people"
    version = _find(manifest, ("flowsim_version",))
    if version is not None:
        facts["flowsim version"] = str(version)
    return facts


def agent_scale(manifest: dict[str, Any]) -> float | None:
    """Return the people one agent stands for, when the manifest records it."""
    for key in ("agent_scale", "people_per_agent", "scale"):
        value = _deep_get(manifest, key)
        if isinstance(value, int | float) and not isinstance(value, bool) and value > 0:
            return float(value)
    return None


def caveats(
    frames: Results, baseline: str = "baseline", signs: pd.DataFrame | None = None
) -> list[str]:
    """Plain-language limits of the comparison: calibration, uncertainty, scale, failures."""
    notes = calibration_sentences(frames.manifest, baseline)
    n = frames.runs.groupby("scenario")["replicate"].nunique()
    reps = f"{n.min()}" if n.min() == n.max() else f"{n.min()} to {n.max()}"
    if signs is not None:
        notes.append(
            f"Intervals are the 5th to 95th percentiles across {reps} runs per scenario that "
            "span the calibrated parameter sets, so they combine the model's randomness with "
            "the uncertainty of its parameters and of the inputs the calibration fitted, if any "
            "(not of its structure or data)."
        )
        for _, row in signs.iterrows():
            name = scenario_title(str(row["scenario"]))
            if row["same_sign"]:
                way = "lower" if row["lower"] else "higher"
                notes.append(
                    f"{name}: the effect has the same sign ({way}) under all "
                    f"{row['sets']} parameter sets."
                )
            elif not (row["lower"] and row["higher"]):
                way = "lower" if row["lower"] else "higher"
                count = row["lower"] or row["higher"]
                notes.append(
                    f"{name}: {way} in {count} parameter set{'s' if count != 1 else ''} and "
                    "no change in "
                    f"{row['sets'] - count} (of {row['sets']}); never the other way."
                )
            else:
                notes.append(
                    f"{name}: the effect changes sign across parameter sets "
                    f"({row['lower']} lower, {row['higher']} higher, of {row['sets']}): "
                    "its direction depends on the model's assumptions."
                )
    else:
        notes.append(
            f"Intervals are the 5th to 95th percentiles across {reps} runs per scenario. They "
            "show the model's randomness only, not how much the answer depends on its "
            "parameters: run the comparison over the calibrated ensemble for that."
            + (" With fewer than 20 runs they are rough." if n.min() < 20 else "")
        )
    notes.append(
        "Differences are paired: run k of each scenario uses the same random draws as run k "
        "of the baseline, so they isolate the effect of the policy."
    )
    scale = agent_scale(frames.manifest)
    if scale is None:
        notes.append("The results do not record the agent scale (people per agent).")
    else:
        notes.append(
            f"Each simulated person stands for {scale:,.0f} people, so counts are rounded to "
            f"{Numbers('people', scale).step:,.0f} people and relative changes are shown only "
            f"for counts above {20 * scale:,.0f} people."
        )
    if _failed(frames):
        k = len(frames.failed_runs)
        notes.append(
            f"{k} run{'s' if k > 1 else ''} failed and {'are' if k > 1 else 'is'} "
            "left out of every table."
        )
    return notes


# --- pieces ------------------------------------------------------------------------------


def _labelled(table: pd.DataFrame, metric: str) -> pd.DataFrame:
    info = get_metric(metric)
    unit = "people" if info.unit == "people" else "share (0-1)"
    front = {"metric": metric, "label": info.label, "unit": unit}
    return table.assign(**front)[[*front, *table.columns]]


def _breakdowns(
    frames: Results, pairs: Mapping[str, str], window: PolicyWindow
) -> dict[str, pd.DataFrame]:
    out = {}
    for file, (by, kind) in BREAKDOWNS.items():
        period = "year" if kind == "year" else window.spec
        values = get_metric(HEADLINE_METRIC).function(frames, by=by, period=period)
        if kind == "year":
            values = values[values["period"].astype(int) >= window.start.year]
        table = summarise(values, pairs, _group_columns(by), order=frames.scenarios)
        out[file] = _labelled(table, HEADLINE_METRIC)
    return out


def _scenario_rows(
    frames: Results, pairs: Mapping[str, str], info: Mapping[str, ScenarioInfo] | None
) -> list[list[str]]:
    changed = changed_policies(info, pairs) if info else {}
    rows = []
    for label in frames.scenarios:
        if label not in pairs:
            continue
        entry = info.get(label) if info else None
        description = " ".join(entry.description.split()) if entry else _UNKNOWN
        if pairs[label] == label:
            policies = "the reference: the others are compared with it"
        elif entry is None:
            policies = _UNKNOWN
        else:
            policies = "; ".join(_policy_text(p) for p in changed.get(label, [])) or "none"
        rows.append([scenario_title(label), description, policies])
    return rows


_UNKNOWN = "(not known: scenario file not found, or changed since the run)"


def _policy_text(policy: Mapping[str, Any]) -> str:
    when = f"from {policy.get('start')}" + (f" to {policy['end']}" if policy.get("end") else "")
    name = str(policy.get("name", "")).replace("_", " ")
    kind = str(policy.get("type", "")).replace("_", " ")
    if policy.get("dropped"):
        return f"without {name} ({kind}, {when})"
    level = policy_level({k: v for k, v in policy.items() if k != "ramp_months" or v})
    return f"{name} ({kind}, {when}; {level})"


# --- figures -----------------------------------------------------------------------------


def _figures(
    frames: Results,
    headline: pd.DataFrame,
    metric: str,
    baseline: str,
    window: PolicyWindow,
) -> list[ReportFigure]:
    info = get_metric(metric)
    out = [
        ReportFigure(
            "timeseries.png",
            f"{info.label} per month. Each panel is one scenario (mean line, band holding 90% "
            f"of its runs) over the baseline in black; the dashed line marks "
            f"{window.start:%B %Y}, where the policy window starts.",
            _png(plot_timeseries(frames, metric, baseline=baseline, marker=window.start)),
        )
    ]
    if len(headline) > 1:
        out.append(
            ReportFigure(
                "differences.png",
                f"Change in {info.label.lower()} compared with the baseline, "
                f"{window.words}, with its 90% interval. Left of zero (blue) is a decrease.",
                _png(plot_differences(headline, metric=metric, baseline=baseline)),
            )
        )
    base_label = str(headline["baseline"].iloc[0]) if "baseline" in headline else baseline
    out.append(
        ReportFigure(
            "flowmap_baseline.png",
            f"Onward journeys in the baseline, {window.words}: arrow width shows the people "
            "who moved (key at the bottom).",
            _png(plot_flow_map(frames, base_label, kind="onward", period=window.spec)),
        )
    )
    others = headline[headline["scenario"] != headline.get("baseline", baseline)]
    others = others.dropna(subset=["diff_mean"])
    if not others.empty:
        row = others.loc[others["diff_mean"].idxmin()]
        best, versus = str(row["scenario"]), str(row.get("baseline", baseline))
        out.append(
            ReportFigure(
                f"flowmap_{_slug(best)}_vs_{_slug(versus)}.png",
                f"Where onward journeys change in {scenario_title(best)} compared with the "
                f"baseline, {window.words}: vermillion = more people, blue = fewer; the "
                "largest changes carry their numbers.",
                _png(plot_flow_map(frames, best, versus=versus, kind="onward", period=window.spec)),
            )
        )
    host = _largest_host(frames, base_label)
    if host is not None:
        out.append(
            ReportFigure(
                f"status_{_slug(host)}.png",
                f"Migrants living in {host} (the largest host in the baseline) by legal "
                "status, mean of the baseline's runs.",
                _png(plot_status_composition(frames, host, scenario=base_label)),
            )
        )
    return out


def _largest_host(frames: Results, scenario: str) -> str | None:
    got = frames.query(
        "SELECT t.country, SUM(t.value) AS value FROM timeseries t "
        "JOIN runs r ON t.run_id = r.run_id "
        "WHERE r.scenario = ? AND t.variable = 'stock' AND t.country <> t.nationality "
        "AND t.status <> 'all' AND t.month = (SELECT MAX(month) FROM timeseries) "
        "GROUP BY t.country ORDER BY value DESC, t.country LIMIT 1",
        [scenario],
    )
    return None if got.empty else str(got["country"].iloc[0])


def _png(fig: Figure) -> bytes:
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=110)
    return buffer.getvalue()


# --- text --------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Page:
    """Everything the text of the report shows."""

    facts: dict[str, str]
    window: PolicyWindow
    scenarios: list[list[str]]
    headline: pd.DataFrame
    metric: str
    answer: str
    others: dict[str, pd.DataFrame]
    breakdowns: dict[str, pd.DataFrame]
    figures: list[ReportFigure]
    baseline: str
    grid: bool
    trust: list[str]
    scale: float | None


_HEADLINE_HEADER = [
    "Scenario",
    "Runs",
    "Mean",
    "90% of runs",
    "Change vs baseline",
    "90% interval of change",
    "Relative change",
]
_OTHER_HEADER = ["Outcome", "Scenario", "Change vs baseline", "90% interval", "Relative change"]
_SCENARIO_HEADER = ["Scenario", "What it is", "Policies that differ from the baseline"]
_METRIC_HEADER = ["Outcome", "Definition", "Unit"]


def _headline_rows(table: pd.DataFrame, metric: str, scale: float | None) -> list[list[str]]:
    numbers = Numbers(get_metric(metric).unit, scale)
    rows = []
    for _, r in table.iterrows():
        is_base = r["scenario"] == r.get("baseline")
        base_mean = r["mean"] - r["diff_mean"]
        rows.append(
            [
                scenario_title(str(r["scenario"])),
                str(r["n"]),
                numbers.level(r["mean"]),
                numbers.interval(r["lo90"], r["hi90"], change=False),
                "(baseline)" if is_base else numbers.change(r["diff_mean"]),
                "" if is_base else numbers.interval(r["diff_lo90"], r["diff_hi90"]),
                "" if is_base else numbers.relative(r["diff_mean"], base_mean),
            ]
        )
    return rows


def _other_rows(others: dict[str, pd.DataFrame], scale: float | None) -> list[list[str]]:
    rows = []
    for name, table in others.items():
        info = get_metric(name)
        numbers = Numbers(info.unit, scale)
        for _, r in table[table["scenario"] != table["baseline"]].iterrows():
            rows.append(
                [
                    info.label,
                    scenario_title(str(r["scenario"])),
                    numbers.change(r["diff_mean"]),
                    numbers.interval(r["diff_lo90"], r["diff_hi90"]),
                    numbers.relative(r["diff_mean"], r["mean"] - r["diff_mean"]),
                ]
            )
    return rows


def _metric_rows(page: _Page) -> list[list[str]]:
    names = [page.metric, *page.others]
    rows = []
    for name in names:
        info = get_metric(name)
        unit = "people" if info.unit == "people" else "percent; changes in percentage points (pp)"
        rows.append([info.label, info.description[:1].upper() + info.description[1:] + ".", unit])
    return rows


def _breakdown_block(file: str, table: pd.DataFrame, page: _Page) -> tuple[str, list, list]:
    """Title, header and rows of one breakdown: baseline level and each scenario's change."""
    group = next((c for c in ("country", "nationality") if c in table.columns), "period")
    numbers = Numbers("people", page.scale)
    bases = table[table["scenario"] == table["baseline"]]
    scenarios = [s for s in dict.fromkeys(table["scenario"]) if s not in set(bases["scenario"])]
    wide_base = bases.groupby(group, sort=False)["mean"].mean()
    if group != "period":
        wide_base = wide_base.sort_values(ascending=False).head(BREAKDOWN_ROWS)
    header = [
        {"country": "Host country left", "nationality": "Nationality", "period": "Year"}[group],
        "Baseline",
        *[f"Change: {scenario_title(s)}" for s in scenarios],
    ]
    rows = []
    for key, level in wide_base.items():
        row = [str(key), numbers.level(level)]
        for scenario in scenarios:
            hit = table[(table["scenario"] == scenario) & (table[group] == key)]
            row.append(numbers.change(float(hit["diff_mean"].mean())) if len(hit) else "")
        rows.append(row)
    title = {
        "country": "Onward journeys by the host country people leave",
        "nationality": "Onward journeys by nationality",
        "period": "Onward journeys by year",
    }[group]
    when = "" if group == "period" else f", {page.window.words}"
    shown = "" if group == "period" else f" (the {BREAKDOWN_ROWS} largest in the baseline)"
    return f"{title}{when}{shown}", header, rows


def _markdown(page: _Page) -> str:
    info = get_metric(page.metric)
    lines = ["# How each policy changes onward migration", "", f"**Answer.** {page.answer}", ""]
    lines += [
        f"**Period compared:** {page.window.words} ({page.window.reason}). "
        "Every number below covers these months unless it says otherwise.",
        "",
    ]
    if page.grid:
        lines += [_GRID_NOTE, ""]
    lines += ["## Scenarios", ""]
    lines += _md_table(_SCENARIO_HEADER, page.scenarios)
    lines += ["", "## Words used", "", ONWARD_DEFINITION, ""]
    lines += _md_table(_METRIC_HEADER, _metric_rows(page))
    lines += ["", f"## {info.label}, {page.window.words}", ""]
    lines += _md_table(_HEADLINE_HEADER, _headline_rows(page.headline, page.metric, page.scale))
    if page.others:
        lines += ["", f"## Other outcomes: change compared with the baseline, {page.window.words}"]
        lines += ["", *_md_table(_OTHER_HEADER, _other_rows(page.others, page.scale))]
    for file, table in page.breakdowns.items():
        title, header, rows = _breakdown_block(file, table, page)
        lines += [
            "",
            f"## {title}",
            "",
            *_md_table(header, rows),
            "",
            f"All rows: [{file}]({file})",
        ]
    lines += ["", "## Figures", ""]
    lines += [f"![{f.caption}]({f.name})\n\n{f.caption}\n" for f in page.figures]
    lines += ["## How far to trust these numbers", "", *[f"- {c}" for c in page.trust]]
    lines += ["", "## What was run", "", *[f"- **{k}**: {v}" for k, v in page.facts.items()]]
    lines += ["", "## Files", "", *[f"- [{f}]({f}): {_FILES[f]}" for f in _file_list(page)]]
    return "\n".join(lines) + "\n"


_GRID_NOTE = (
    "This sweep ran a parameter grid: each scenario is compared with the baseline at the same "
    "grid point (the values in brackets), never across points."
)

_FILES = {
    "summary.csv": "every outcome, every scenario, with label and unit",
    "onward_by_host.csv": "onward journeys by the host country left",
    "onward_by_nationality.csv": "onward journeys by nationality",
    "onward_by_year.csv": "onward journeys by year",
}


def _file_list(page: _Page) -> list[str]:
    return ["summary.csv", *page.breakdowns]


def _md_table(header: list[str], rows: list[list[str]]) -> list[str]:
    def line(cells: list[str]) -> str:
        return "| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |"

    return [line(header), line(["---"] * len(header)), *[line(r) for r in rows]]


def _html(page: _Page) -> str:
    info = get_metric(page.metric)
    esc = html.escape
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        "<title>How each policy changes onward migration</title>",
        f"<style>{_CSS}</style></head><body>",
        "<h1>How each policy changes onward migration</h1>",
        f'<p class="answer">{esc(page.answer)}</p>',
        f'<p class="window"><b>Period compared:</b> {esc(page.window.words)} '
        f"({esc(page.window.reason)}). Every number below covers these months unless it "
        "says otherwise.</p>",
    ]
    if page.grid:
        parts.append(f"<p>{esc(_GRID_NOTE)}</p>")
    parts += [
        '<h2 id="scenarios">Scenarios</h2>',
        _html_table(_SCENARIO_HEADER, page.scenarios, "scenarios"),
        '<h2 id="words">Words used</h2>',
        f"<p>{esc(ONWARD_DEFINITION)}</p>",
        _html_table(_METRIC_HEADER, _metric_rows(page), "words"),
        f'<h2 id="headline">{esc(info.label)}, {esc(page.window.words)}</h2>',
        _html_table(
            _HEADLINE_HEADER, _headline_rows(page.headline, page.metric, page.scale), "numbers"
        ),
    ]
    if page.others:
        parts += [
            f"<h2>Other outcomes: change compared with the baseline, {esc(page.window.words)}</h2>",
            _html_table(_OTHER_HEADER, _other_rows(page.others, page.scale), "numbers"),
        ]
    for file, table in page.breakdowns.items():
        title, header, rows = _breakdown_block(file, table, page)
        parts += [
            f'<h2 id="{_slug(file)}">{esc(title)}</h2>',
            _html_table(header, rows, "numbers"),
            f'<p class="file">All rows: <a href="{esc(file)}">{esc(file)}</a></p>',
        ]
    parts.append("<h2>Figures</h2>")
    for figure in page.figures:
        data = base64.b64encode(figure.png).decode("ascii")
        parts.append(
            f'<figure><img src="data:image/png;base64,{data}" alt="{esc(figure.caption)}">'
            f"<figcaption>{esc(figure.caption)}</figcaption></figure>"
        )
    parts += [
        '<h2 id="trust">How far to trust these numbers</h2><ul>',
        *[f"<li>{esc(c)}</li>" for c in page.trust],
        "</ul>",
        "<h2>What was run</h2><ul>",
        *[f"<li><b>{esc(k)}</b>: {esc(v)}</li>" for k, v in page.facts.items()],
        "</ul>",
        '<h2 id="files">Files</h2><ul>',
        *[f'<li><a href="{esc(f)}">{esc(f)}</a>: {esc(_FILES[f])}</li>' for f in _file_list(page)],
        "</ul>",
        "</body></html>",
    ]
    return "\n".join(parts) + "\n"


def _html_table(header: list[str], rows: list[list[str]], kind: str) -> str:
    head = "".join(f"<th>{html.escape(h)}</th>" for h in header)
    body = "".join(
        "<tr>" + "".join(f"<td>{html.escape(c)}</td>" for c in row) + "</tr>" for row in rows
    )
    return f'<table class="{kind}"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'


_CSS = (
    "body{font-family:system-ui,Segoe UI,Arial,sans-serif;max-width:1060px;margin:2em auto;"
    "padding:0 1em;color:#222;line-height:1.45}"
    "table{border-collapse:collapse;margin:1em 0;font-size:.9em}"
    "th,td{border:1px solid #ccc;padding:.35em .6em;vertical-align:top}"
    "table.numbers td{text-align:right}table.numbers td:first-child{text-align:left}"
    "th{background:#f2f2f2;text-align:left}"
    ".answer{font-size:1.15em;background:#eef5fb;border-left:4px solid #0072B2;padding:.6em 1em}"
    ".window{background:#fdf6e3;border-left:4px solid #E69F00;padding:.5em 1em}"
    "figure{margin:1.5em 0}img{max-width:100%}figcaption{font-size:.9em;color:#555}"
)


# --- formatting and manifest lookup ------------------------------------------------------


def _failed(frames: Results) -> bool:
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


__all__ = ["Report", "ReportFigure", "build_report", "caveats", "plain_answer", "run_facts"]

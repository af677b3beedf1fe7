"""The dashboard page: Mesa's SolaraViz around :class:`~flowsim.dashboard.live.LiveModel`.

Page 0 ("live") shows the run's headline numbers, a flow map, onward moves over time and
the status composition in one host; the sidebar holds SolaraViz's Reset/Step/Play buttons
and the policy levers (applied on Reset). Page 1 browses a finished sweep's results folder.

Serve with ``flowsim dashboard [RESULTS_DIR]`` (or ``solara run flowsim.dashboard.app``).
The folders come from the environment variables below, which the command sets.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import solara
from matplotlib.figure import Figure
from mesa.visualization import SolaraViz
from mesa.visualization.utils import update_counter

from flowsim.analysis.compare import compare
from flowsim.analysis.flowmap import plot_flow_map
from flowsim.analysis.plots import plot_differences, plot_status_composition, plot_timeseries
from flowsim.dashboard import browse
from flowsim.dashboard.levers import ANDEAN_HOSTS, SCALE_CHOICES, Levers, scenario_choices
from flowsim.dashboard.live import LiveModel

#: Environment variable naming the results folder of the results tab.
RESULTS_ENV = "FLOWSIM_DASHBOARD_RESULTS"
#: Environment variable naming the folder of scenario files (default ``./scenarios``).
SCENARIOS_ENV = "FLOWSIM_DASHBOARD_SCENARIOS"
#: Hosts offered in the status-composition picker.
HOSTS: tuple[str, ...] = (*ANDEAN_HOSTS, "BRA", "PAN", "MEX", "USA")
#: Figure sizes (inches) on the live page, small enough for its grid cells.
LIVE_MAP_SIZE: tuple[float, float] = (5.2, 5.0)
LIVE_CHART_SIZE: tuple[float, float] = (7.0, 3.4)


def scenarios_dir() -> Path:
    """Return the folder of scenario files the dropdown lists."""
    return Path(os.environ.get(SCENARIOS_ENV) or "scenarios").resolve()


def model_params(folder: Path) -> dict[str, Any]:
    """SolaraViz controls: one entry per ``LiveModel`` keyword, defaults from ``Levers``."""
    d = Levers()
    choices = scenario_choices(folder)
    return {
        "scenario": {
            "type": "Select",
            "label": "Scenario file",
            "value": choices[0],
            "values": choices,
        },
        "start": {"type": "InputText", "label": "Start month (YYYY-MM)", "value": d.start},
        "scale": {
            "type": "Select",
            "label": "People per agent",
            "value": SCALE_CHOICES[0],
            "values": list(SCALE_CHOICES),
        },
        "levers_from": {
            "type": "InputText",
            "label": "Levers act from (YYYY-MM)",
            "value": d.levers_from,
        },
        "integration_level": {
            "type": "SliderFloat",
            "label": "Integration level, Andean hosts",
            "value": 0.0,
            "min": 0.0,
            "max": 1.0,
            "step": 0.05,
        },
        "regularization": {
            "type": "Checkbox",
            "label": "Regularization round, Andean hosts",
            "value": False,
        },
        "arrived_before": {
            "type": "InputText",
            "label": "Regularization: arrived before (YYYY-MM)",
            "value": d.arrived_before,
        },
        "pathway_slots": {
            "type": "InputText",
            "label": "Labor pathway slots per year (to USA)",
            "value": str(d.pathway_slots),
        },
        "darien_interception": {
            "type": "SliderFloat",
            "label": "Darien interception",
            "value": 0.0,
            "min": 0.0,
            "max": 0.9,
            "step": 0.05,
        },
        "scenarios_dir": str(folder),
    }


def _figure(make: Any, size: tuple[float, float] | None = None) -> None:
    """Render a figure from ``make()`` (resized to ``size`` inches); show errors instead."""
    try:
        fig: Figure = make()
    except Exception as exc:  # noqa: BLE001 - a broken figure must not break the page
        solara.Error(f"Figure not available: {exc}")
        return
    if size is not None:
        fig.set_size_inches(*size)
    solara.FigureMatplotlib(fig, format="png", bbox_inches="tight")


@solara.component
def Summary(model: LiveModel) -> None:
    """Month, onward moves and migrants abroad, with progress and any message."""
    update_counter.get()
    snap = model.snapshot()
    with solara.Card("Live run"):
        run = model.scenario.run
        solara.Text(
            f"Scenario: {model.scenario.name} ({run.scale:,.0f} people per agent, "
            f"from {run.start})",
            classes=["flowsim-scenario"],
            style={"display": "block"},
        )
        solara.Text(
            f"Levers: {model.lever_summary}", classes=["flowsim-levers"], style={"display": "block"}
        )
        with solara.Column(classes=["flowsim-summary"]):
            solara.Text(f"Month: {snap.month}", classes=["flowsim-month"])
            solara.Text(
                f"Onward moves this month: {snap.onward_month:,.0f}",
                classes=["flowsim-onward-month"],
            )
            solara.Text(
                f"Onward moves so far: {snap.onward_total:,.0f}", classes=["flowsim-onward-total"]
            )
            solara.Text(f"Migrants abroad: {snap.abroad:,.0f}", classes=["flowsim-abroad"])
        solara.ProgressLinear(value=100.0 * snap.months_done / max(snap.months_total, 1))
        solara.Text(f"{snap.months_done} of {snap.months_total} months simulated")
        if model.message:
            (solara.Error if model.problem else solara.Info)(model.message)
        solara.Markdown("*Changed controls take effect when you press **Reset**.*")


@solara.component
def FlowMap(model: LiveModel) -> None:
    """Countries at their capitals, arrows sized by this month's or all onward journeys."""
    update_counter.get()
    span, set_span = solara.use_state("this month")
    solara.ToggleButtonsSingle(value=span, on_value=set_span, values=["this month", "since start"])
    snap = model.snapshot()
    if snap.months_done == 0:
        solara.Info("Press Step or ▶ to run the model.")
        return
    period = f"{snap.month}/{snap.month}" if span == "this month" else "run"
    _figure(
        lambda: plot_flow_map(model.frames(), model.scenario.name, kind="onward", period=period),
        LIVE_MAP_SIZE,
    )


@solara.component
def OnwardChart(model: LiveModel) -> None:
    """Onward journeys per month so far."""
    update_counter.get()
    if model.snapshot().months_done == 0:
        solara.Info("Onward migration over time appears after the first step.")
        return
    _figure(
        lambda: plot_timeseries(model.frames(), "onward_moves", baseline=model.scenario.name),
        LIVE_CHART_SIZE,
    )


@solara.component
def StatusChart(model: LiveModel) -> None:
    """Migrants in one host by legal status, month by month."""
    update_counter.get()
    host, set_host = solara.use_state(HOSTS[0])
    solara.Select("Host country", value=host, values=list(HOSTS), on_value=set_host)
    if model.snapshot().months_done == 0:
        solara.Info("Status composition appears after the first step.")
        return
    _figure(
        lambda: plot_status_composition(model.frames(), host, scenario=model.scenario.name),
        LIVE_CHART_SIZE,
    )


@solara.component
def ResultsBrowser(model: LiveModel) -> None:
    """Show a finished sweep: compare table with intervals and the analysis figures."""
    folder = os.environ.get(RESULTS_ENV, "")
    opened = solara.use_memo(lambda: browse.open_folder(folder), [folder])
    metric, set_metric = solara.use_state("onward_moves")
    scenario, set_scenario = solara.use_state("")
    host, set_host = solara.use_state(HOSTS[0])
    with solara.Card(f"Results browser: {folder or 'no folder'}"):
        if opened.frames is None:
            solara.Warning(opened.message)
            return
        frames, base = opened.frames, opened.baseline
        others = [s for s in frames.scenarios if s != base] or [base]
        chosen = scenario if scenario in frames.scenarios else others[0]
        with solara.Row():
            solara.Select(
                "Metric", value=metric, values=browse.metric_choices(), on_value=set_metric
            )
            solara.Select("Scenario", value=chosen, values=frames.scenarios, on_value=set_scenario)
            solara.Select("Host country", value=host, values=list(HOSTS), on_value=set_host)
        runs = len(frames.runs)
        solara.Markdown(
            f"{runs} finished runs; baseline **{base}**; whole-run totals, "
            "intervals are the 5-95% range across replicates."
        )
        try:
            table = browse.compare_table(frames, metric, base)
        except Exception as exc:  # noqa: BLE001 - shown, the rest of the tab still works
            solara.Error(f"Compare table not available: {exc}")
        else:
            solara.DataFrame(table, items_per_page=20)
            _figure(
                lambda: plot_differences(
                    compare(frames, baseline=base, metric=metric), metric=metric, baseline=base
                )
            )
        _figure(lambda: plot_timeseries(frames, metric, baseline=base))
        versus = base if chosen != base else None
        _figure(lambda: plot_flow_map(frames, chosen, versus=versus, kind="onward"))
        _figure(lambda: plot_status_composition(frames, host, scenario=chosen))


@solara.component
def Page() -> None:
    """Serve the whole app: SolaraViz with the live page (0) and results page (1)."""
    folder = scenarios_dir()
    params = solara.use_memo(lambda: model_params(folder), [])
    model = solara.use_memo(lambda: LiveModel(scenarios_dir=str(folder)), [])
    SolaraViz(
        model,
        components=[
            (Summary, 0),
            (FlowMap, 0),
            (OnwardChart, 0),
            (StatusChart, 0),
            (ResultsBrowser, 1),
        ],
        model_params=params,
        name="flowsim: onward migration in the Americas",
        play_interval=150,
    )

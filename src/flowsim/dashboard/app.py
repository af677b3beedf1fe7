"""The dashboard page for policy users, around :class:`~flowsim.dashboard.live.LiveModel`.

Two named tabs: "Live run" shows the run's headline numbers, a flow map, onward journeys
over time and the status composition in one host; "Compare finished scenarios" browses a
finished sweep's results folder. The sidebar holds the Reset/Play/Step buttons (Mesa's model
controller, with its speed fixed: no framework settings are shown) and the policy levers
(applied on Reset).

Serve with ``flowsim dashboard [RESULTS_DIR]`` (or ``solara run flowsim.dashboard.app``).
The folders come from the environment variables below, which the command sets.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import solara
from matplotlib.figure import Figure
from mesa.visualization.solara_viz import ModelController, ModelCreator
from mesa.visualization.utils import update_counter

from flowsim.analysis.compare import compare
from flowsim.analysis.flowmap import plot_flow_map
from flowsim.analysis.plots import plot_differences, plot_status_composition, plot_timeseries
from flowsim.analysis.words import scenario_title
from flowsim.dashboard import browse
from flowsim.dashboard.levers import ANDEAN_HOSTS, SCALE_CHOICES, Levers, scenario_choices
from flowsim.dashboard.live import LiveModel

#: Environment variable naming the results folder of the results tab.
RESULTS_ENV = "FLOWSIM_DASHBOARD_RESULTS"
#: Environment variable naming the folder of scenario files (default ``./scenarios``).
SCENARIOS_ENV = "FLOWSIM_DASHBOARD_SCENARIOS"
#: Hosts offered in the status-composition picker.
HOSTS: tuple[str, ...] = (*ANDEAN_HOSTS, "BRA", "PAN", "MEX", "USA")
#: Figure sizes (inches) on the live page; the map keeps the whole continent in view.
LIVE_MAP_SIZE: tuple[float, float] = (6.4, 7.2)
LIVE_CHART_SIZE: tuple[float, float] = (7.6, 3.6)
#: Tab titles, in order.
TABS: tuple[str, ...] = ("Live run", "Compare finished scenarios")
#: Milliseconds between played months.
PLAY_INTERVAL_MS = 150


def scenarios_dir() -> Path:
    """Return the folder of scenario files the dropdown lists."""
    return Path(os.environ.get(SCENARIOS_ENV) or "scenarios").resolve()


def model_params(folder: Path) -> dict[str, Any]:
    """Sidebar levers: one entry per ``LiveModel`` keyword, defaults from ``Levers``."""
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
        # one widget, so the month and its numbers reach the page in one update: separate
        # widgets update one message at a time, and a reader could see the new month beside
        # the previous month's numbers
        solara.Text(
            "\n".join(
                (
                    f"Month: {snap.month}",
                    f"Onward journeys this month: {snap.onward_month:,.0f}",
                    f"Onward journeys so far: {snap.onward_total:,.0f}",
                    f"Migrants abroad: {snap.abroad:,.0f}",
                )
            ),
            classes=["flowsim-summary"],
            style={"display": "block", "white-space": "pre-line"},
        )
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
        window = solara.use_memo(lambda: browse.window_of(frames, base), [folder])
        others = [s for s in frames.scenarios if s != base] or [base]
        chosen = scenario if scenario in frames.scenarios else others[0]
        titles = {s: scenario_title(s) for s in frames.scenarios}
        labels = browse.metric_labels()
        with solara.Row():
            solara.Select(
                "Outcome",
                value=labels[metric],
                values=list(labels.values()),
                on_value=lambda v: set_metric(browse.metric_named(v)),
            )
            solara.Select(
                "Scenario",
                value=titles[chosen],
                values=list(titles.values()),
                on_value=lambda v: set_scenario(next(k for k, t in titles.items() if t == v)),
            )
            solara.Select("Host country", value=host, values=list(HOSTS), on_value=set_host)
        runs = frames.runs.groupby("scenario")["replicate"].nunique()
        per = f"{runs.min()}" if runs.min() == runs.max() else f"{runs.min()}-{runs.max()}"
        solara.Markdown(
            f"{len(frames.runs)} finished runs ({per} per scenario); compared with "
            f"**{scenario_title(base)}** over **{window.words}** ({window.reason}). "
            "Intervals hold 90% of the runs."
        )
        try:
            table = browse.compare_table(frames, metric, base, period=window.spec)
        except Exception as exc:  # noqa: BLE001 - shown, the rest of the tab still works
            solara.Error(f"Compare table not available: {exc}")
        else:
            solara.DataFrame(table, items_per_page=20)
            _figure(
                lambda: plot_differences(
                    compare(frames, baseline=base, metric=metric, period=window.spec),
                    metric=metric,
                    baseline=base,
                )
            )
        _figure(lambda: plot_timeseries(frames, metric, baseline=base, marker=window.start))
        versus = base if chosen != base else None
        _figure(
            lambda: plot_flow_map(frames, chosen, versus=versus, kind="onward", period=window.spec)
        )
        _figure(lambda: plot_status_composition(frames, host, scenario=chosen))


@solara.component
def LiveTab(model: LiveModel) -> None:
    """Lay out the live run: numbers and map side by side, the two charts below."""
    with solara.Columns([5, 7]):
        with solara.Column():
            Summary(model)
            StatusChart(model)
        with solara.Column():
            FlowMap(model)
    OnwardChart(model)


@solara.component
def Page() -> None:
    """Serve the whole app: named tabs, run controls and levers in the sidebar."""
    folder = scenarios_dir()
    params = solara.use_memo(lambda: model_params(folder), [])
    model = solara.use_reactive(solara.use_memo(lambda: LiveModel(scenarios_dir=str(folder)), []))
    chosen = solara.use_reactive({})
    # the controller's speed settings, fixed (Mesa reads them as reactive values)
    play = solara.use_reactive(PLAY_INTERVAL_MS)
    render = solara.use_reactive(1)
    threads = solara.use_reactive(False)
    solara.Style(_CSS)
    with solara.AppBar():
        solara.AppBarTitle("flowsim: onward migration in the Americas")
    with solara.Sidebar(), solara.Column():
        with solara.Card("Run"):
            ModelController(
                model,
                model_parameters=chosen,
                play_interval=play,
                render_interval=render,
                use_threads=threads,
            )
        with solara.Card("Policy levers"):
            ModelCreator(model, params, model_parameters=chosen)
    with solara.lab.Tabs():
        with solara.lab.Tab(TABS[0]):
            LiveTab(model.value)
        with solara.lab.Tab(TABS[1]):
            ResultsBrowser(model.value)


#: Page style: tables scroll inside their card, never push the change columns out of view.
_CSS = """
.v-data-table { font-size: 0.85rem; }
.v-data-table td, .v-data-table th { white-space: nowrap; padding: 0 8px !important; }
"""

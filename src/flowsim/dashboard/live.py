"""The live run behind the dashboard: a Mesa model wrapping ``FlowModel`` with levers.

Mesa's model controller rebuilds the model as ``LiveModel(**controls)`` on Reset, so every
control is a keyword argument here. Construction and stepping never raise: bad lever values
fall back to the scenario file as it is (and say so in ``message``), and a failing step stops
the run with the error in ``message``, so the page always stays usable.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import mesa
import pandas as pd

from flowsim import __version__
from flowsim.analysis.load import ResultsFrames, as_frames
from flowsim.analysis.metrics import ABROAD_STATUSES
from flowsim.calendar import format_month
from flowsim.dashboard.levers import BUILT_IN, LeverError, Levers, build_scenario, describe
from flowsim.model.model import FlowModel
from flowsim.scenario import Scenario
from flowsim.tables import RUNS_COLUMNS


@dataclass(frozen=True)
class Snapshot:
    """Headline numbers of the live run after its latest step.

    Attributes:
        month: Last simulated month (``YYYY-MM``), or ``"not started"``.
        months_done: Steps taken.
        months_total: Steps in the run.
        onward_month: Onward journeys started in the last month (people).
        onward_total: Onward journeys since the start (people).
        abroad: Migrants living outside their country of nationality (people).
    """

    month: str
    months_done: int
    months_total: int
    onward_month: float
    onward_total: float
    abroad: float


class LiveModel(mesa.Model):
    """A ``FlowModel`` built from the dashboard's controls, stepped by Mesa's controller.

    Args:
        scenario: Scenario file name in ``scenarios_dir`` (see ``Levers``).
        start: First month, ``YYYY-MM``.
        scale: People per agent.
        levers_from: Month the levers start acting, ``YYYY-MM``.
        integration_level: Andean integration lever, 0-1.
        regularization: Andean regularization lever on/off.
        arrived_before: Regularization cutoff, ``YYYY-MM``.
        pathway_slots: US labor visas per year.
        darien_interception: Darien interception lever, 0-1.
        scenarios_dir: Folder of the scenario files.

    Attributes:
        flow: The running ``FlowModel``.
        levers: The controls as given.
        message: What the page should tell the user (rejected input, errors, completion).
        problem: Whether ``message`` reports a problem (shown as an error).
    """

    def __init__(
        self,
        scenario: str = "baseline.toml",
        start: str = "2015-01",
        scale: str | float = Levers.scale,
        levers_from: str = Levers.levers_from,
        integration_level: float = 0.0,
        regularization: bool = False,
        arrived_before: str = Levers.arrived_before,
        pathway_slots: str | float = "0",
        darien_interception: float = 0.0,
        scenarios_dir: str | None = None,
    ) -> None:
        super().__init__()
        self.levers = Levers(
            scenario=scenario,
            start=start,
            scale=scale,
            levers_from=levers_from,
            integration_level=float(integration_level),
            regularization=bool(regularization),
            arrived_before=arrived_before,
            pathway_slots=pathway_slots,
            darien_interception=float(darien_interception),
        )
        self.message, self.problem = "", False
        folder = Path(scenarios_dir) if scenarios_dir else None
        self.flow = self._build(folder)
        self._cache: tuple[int, ResultsFrames] | None = None

    def _build(self, folder: Path | None) -> FlowModel:
        try:
            return FlowModel(build_scenario(self.levers, folder))
        except Exception as exc:  # noqa: BLE001 - any failure becomes a message
            reason = str(exc) if isinstance(exc, LeverError) else f"{type(exc).__name__}: {exc}"
        fallback = Levers(scenario=self.levers.scenario)
        try:
            model = FlowModel(build_scenario(fallback, folder))
        except Exception:  # noqa: BLE001 - the file itself is broken: built-in defaults
            model = FlowModel(build_scenario(Levers(scenario=BUILT_IN), folder))
        self.message = f"Input not applied:\n{reason}\nShowing {model.scenario.name} instead."
        self.problem = True
        return model

    @property
    def scenario(self) -> Scenario:
        """The scenario being run."""
        return self.flow.scenario

    @property
    def lever_summary(self) -> str:
        """Which levers are in effect (none when the input was rejected)."""
        return "no levers set (input rejected)" if self.problem else describe(self.levers)

    def step(self) -> None:
        """Advance the run one month; stop at its last month or on an error."""
        if not self.running:
            return
        try:
            self.flow.step()
        except Exception as exc:  # noqa: BLE001 - shown on the page, the run stops
            self.running = False
            self.message, self.problem = f"The model stopped: {type(exc).__name__}: {exc}", True
            return
        if self.flow.month > self.scenario.run.end_index:
            self.running = False
            self.message = f"Run complete: {self.scenario.run.months} months simulated."

    def frames(self) -> ResultsFrames:
        """Return the run so far as results tables (one run), for the analysis figures."""
        if self._cache is None or self._cache[0] != self.flow.month:
            self._cache = (self.flow.month, live_frames(self.flow))
        return self._cache[1]

    def snapshot(self) -> Snapshot:
        """Headline numbers after the latest step."""
        done = len(self.flow.recorder.months)
        total = self.scenario.run.months
        if done == 0:
            return Snapshot("not started", 0, total, 0.0, 0.0, 0.0)
        return summarise(self.frames(), format_month(self.flow.month - 1), done, total)


def live_frames(model: FlowModel) -> ResultsFrames:
    """Wrap a model's recorded months as the results tables of a single finished run."""
    name = model.scenario.name
    run = {c: "" for c in RUNS_COLUMNS}
    run.update(
        run_id=f"{name}/live",
        scenario=name,
        replicate=0,
        seed=model.seed,
        status="ok",
        seconds=0.0,
        flowsim_version=__version__,
        params="{}",
    )
    ids = {"run_id": f"{name}/live", "scenario": name, "replicate": 0}
    ts = model.recorder.timeseries().assign(**ids)
    flows = model.recorder.flow_table().assign(**ids)
    return as_frames(_Tables(pd.DataFrame([run]), ts, flows))


def summarise(frames: ResultsFrames, month: str, done: int, total: int) -> Snapshot:
    """Headline numbers of a one-run frame at its last month."""
    ts = frames.timeseries
    onward = ts[ts["variable"] == "journeys_onward"].groupby("month")["value"].sum()
    last = pd.Timestamp(f"{month}-01")
    stock = ts[
        (ts["variable"] == "stock")
        & (ts["month"] == last)
        & (ts["country"] != ts["nationality"])
        & ts["status"].isin(ABROAD_STATUSES)
    ]
    return Snapshot(
        month=month,
        months_done=done,
        months_total=total,
        onward_month=float(onward.get(last, 0.0)),
        onward_total=float(onward.sum()),
        abroad=float(stock["value"].sum()),
    )


@dataclass(frozen=True)
class _Tables:
    runs: pd.DataFrame
    timeseries: pd.DataFrame
    flows: pd.DataFrame

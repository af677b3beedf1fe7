"""Sweeps: run every run of an experiment into a results folder, resumably.

The sweep lists every run up front (:func:`flowsim.experiment.expand`), locks the results
folder, writes the manifest (or checks the folder's manifest plans the same runs with the
same code and inputs), verifies the runs already finished there against their receipts,
and submits the rest (never-finished and damaged runs) to an executor. Each task runs
one run and writes its own part files and receipt (results never travel back through
the scheduler, so a dead Dask worker loses at most the run it was doing) and returns a
small :class:`Receipt`. Receipts stream back as they finish; a run that
raises, or whose worker process dies, is recorded as a ``failed`` runs row and the
sweep goes on.
"""

from __future__ import annotations

import concurrent.futures as cf
import json
import time
import traceback
from collections import deque
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from flowsim import __version__
from flowsim.engine.executors import check_executor, open_pool
from flowsim.engine.provenance import manifest_for
from flowsim.errors import ResultsError
from flowsim.experiment import Experiment, expand, experiment_from
from flowsim.results.store import PartWriter, ResultsStore, move_aside

if TYPE_CHECKING:
    import pandas as pd

    from flowsim.engine.run import RunResult, RunSpec

RunFn = Callable[["RunSpec"], "RunResult"]


@dataclass(frozen=True)
class Receipt:
    """What a task reports back: enough for progress, never the results themselves.

    Attributes:
        run_id: The run.
        status: ``"ok"`` or ``"failed"``.
        seconds: Wall time of the run.
        error: ``""`` when ok, else the error text.
    """

    run_id: str
    status: str
    seconds: float
    error: str = ""


@dataclass
class SweepSummary:
    """Outcome of a sweep.

    Attributes:
        out_dir: The results folder.
        total: Runs in the experiment.
        skipped: Runs already finished in the folder before this sweep.
        done: Runs finished ok by this sweep.
        failed: Runs that failed in this sweep, as ``(run_id, error)``.
        kept_failed: Runs recorded as failed earlier and not retried (still failed).
        repaired: Runs found damaged (a part missing or not matching its receipt) and
            therefore rerun, as ``(run_id, what was wrong)``.
        seconds: Wall time of the sweep.
        moved_aside: Where ``overwrite`` moved the folder's earlier results (or None).
    """

    out_dir: Path
    total: int
    skipped: int = 0
    done: int = 0
    failed: list[tuple[str, str]] = field(default_factory=list)
    kept_failed: list[str] = field(default_factory=list)
    repaired: list[tuple[str, str]] = field(default_factory=list)
    seconds: float = 0.0
    moved_aside: Path | None = None

    @property
    def ok(self) -> bool:
        """Whether every run of the experiment is finished ok in the folder."""
        return not self.failed and not self.kept_failed

    def __str__(self) -> str:
        failed = len(self.failed) + len(self.kept_failed)
        kept = f" ({len(self.kept_failed)} from earlier)" if self.kept_failed else ""
        repaired = f", {len(self.repaired)} damaged rerun" if self.repaired else ""
        return (
            f"{self.total} runs: {self.done} done, {self.skipped} skipped (already finished)"
            f"{repaired}, {failed} failed{kept} in {self.seconds:.1f} s -> {self.out_dir}"
        )


def scenario_of(run_id: str) -> str:
    """Return the scenario label of a run id (``"<label>/r<k>"``)."""
    return run_id.rsplit("/r", 1)[0]


def runs_row(spec: RunSpec, status: str, error: str, seconds: float) -> dict[str, Any]:
    """Return a runs row (``tables.RUNS_COLUMNS``) for ``spec``, e.g. for a failure."""
    return {
        "run_id": spec.run_id,
        "scenario": scenario_of(spec.run_id),
        "replicate": spec.replicate,
        "seed": spec.seed,
        "status": status,
        "error": error,
        "seconds": seconds,
        "flowsim_version": __version__,
        "params": json.dumps(spec.params, sort_keys=True),
    }


def _labelled(spec: RunSpec, frame: pd.DataFrame) -> pd.DataFrame:
    label = scenario_of(spec.run_id)
    if frame.empty or (
        (frame["run_id"] == spec.run_id).all()
        and (frame["scenario"] == label).all()
        and (frame["replicate"] == spec.replicate).all()
    ):
        return frame
    return frame.assign(run_id=spec.run_id, scenario=label, replicate=spec.replicate)


def _error_text(exc: BaseException) -> str:
    return "".join(traceback.format_exception(exc)).strip()


def execute(spec: RunSpec, writer: PartWriter, run_fn: RunFn | None = None) -> Receipt:
    """Run one run and write its parts; the task every executor runs.

    Args:
        spec: The run.
        writer: Where to write its parts.
        run_fn: The run function (default ``flowsim.engine.run.run_one``).

    Returns:
        The receipt. Exceptions from the run become a failed run; the runs part is
        always written last.
    """
    if run_fn is None:
        from flowsim.engine.run import run_one as run_fn
    start = time.perf_counter()
    try:
        result = run_fn(spec)
        row = {**runs_row(spec, "ok", "", time.perf_counter() - start), **result.run}
        row.update(run_id=spec.run_id, scenario=scenario_of(spec.run_id))
        if row["status"] == "ok":
            writer.write_run(row, _labelled(spec, result.timeseries), _labelled(spec, result.flows))
        else:
            writer.write_run(row)
    except Exception as exc:
        row = runs_row(spec, "failed", _error_text(exc), time.perf_counter() - start)
        writer.write_run(row)
    return Receipt(spec.run_id, str(row["status"]), float(row["seconds"]), str(row["error"]))


def _stream(
    specs: list[RunSpec],
    task: Callable[[RunSpec], Receipt],
    open_executor: Callable[[int | None], Any],
    on_crash: Callable[[RunSpec, str], Receipt],
) -> Iterator[Receipt]:
    """Yield receipts as runs finish, keeping about two tasks per slot in flight.

    When a process pool breaks (a worker died), every run that was in flight is retried
    alone in a fresh one-worker pool; the one that kills its worker again is recorded
    as failed and the sweep continues with the rest.
    """
    queue = deque(specs)
    while queue:
        suspects: list[RunSpec] = []
        with open_executor(None) as pool:
            inflight: dict[cf.Future, RunSpec] = {}
            while queue or inflight:
                while queue and not suspects and len(inflight) < 2 * pool.slots:
                    spec = queue.popleft()
                    inflight[pool.executor.submit(task, spec)] = spec
                if not inflight:
                    break
                done, _ = cf.wait(inflight, return_when=cf.FIRST_COMPLETED)
                for future in done:
                    spec = inflight.pop(future)
                    try:
                        yield future.result()
                    except cf.BrokenExecutor:
                        suspects.append(spec)
                    except Exception as exc:
                        yield on_crash(spec, _error_text(exc))
        for spec in suspects:
            with open_executor(1) as alone:
                try:
                    yield alone.executor.submit(task, spec).result()
                except cf.BrokenExecutor:
                    yield on_crash(spec, "the worker process running this run died")
                except Exception as exc:
                    yield on_crash(spec, _error_text(exc))


def run_sweep(
    experiment: str | Path | Experiment,
    out_dir: str | Path,
    executor: str = "processes",
    workers: int | None = None,
    scheduler: str | None = None,
    retry_failed: bool = False,
    progress: bool = True,
    run_fn: RunFn | None = None,
    extend: bool = False,
    overwrite: bool = False,
) -> SweepSummary:
    """Run an experiment into a results folder, skipping runs already finished there.

    Args:
        experiment: An experiment file or a loaded experiment.
        out_dir: The results folder (created if needed). With a Dask cluster it must be
            on a filesystem shared by the client and every worker.
        executor: ``"serial"``, ``"processes"`` or ``"dask"``.
        workers: Worker processes (default: CPUs available).
        scheduler: Address of a running Dask scheduler (``executor="dask"`` only).
        retry_failed: Also rerun runs recorded as failed.
        progress: Show a progress bar.
        run_fn: The run function, a module-level callable (default ``run_one``).
        extend: Allow adding runs (more replicates, grid points or scenarios) to a folder
            that holds an earlier version of the experiment; existing runs are kept.
        overwrite: When ``out_dir`` holds other results, move it aside to
            ``<out_dir>.old-<time>`` (never deleted) and start a new folder.

    Returns:
        The summary.

    Raises:
        ScenarioError: When the experiment or one of its scenarios is invalid (nothing
            is written).
        ResultsError: When ``out_dir`` holds other results, is in use by another command,
            or cannot be written.
    """
    from tqdm.auto import tqdm

    check_executor(executor)
    if scheduler and executor != "dask":
        raise ValueError("a scheduler address needs executor='dask'")
    started = time.perf_counter()
    exp = experiment_from(experiment)
    plan = expand(exp)
    manifest = manifest_for("sweep", exp.canonical(), exp.content_hash(), plan.runs)
    with _prepared(out_dir, manifest, extend=extend, overwrite=overwrite) as (store, aside):
        states = store.states(s.run_id for s in plan.runs)
        todo = [
            s
            for s in plan.runs
            if not states[s.run_id].finished
            or (retry_failed and states[s.run_id].state == "failed")
        ]
        summary = SweepSummary(
            store.root,
            total=len(plan.runs),
            skipped=len(plan.runs) - len(todo),
            kept_failed=[
                r for r, st in states.items() if st.state == "failed" and not retry_failed
            ],
            repaired=[(r, st.detail) for r, st in states.items() if st.state == "damaged"],
            moved_aside=aside,
        )

        def on_crash(spec: RunSpec, error: str) -> Receipt:
            store.writer.write_run(runs_row(spec, "failed", error, 0.0))
            return Receipt(spec.run_id, "failed", 0.0, error)

        def open_executor(n: int | None) -> Any:
            return open_pool(executor, n or workers, scheduler)

        task = _Task(store.writer, run_fn)
        with tqdm(total=len(todo), unit="run", disable=not progress or not todo) as bar:
            for receipt in _stream(todo, task, open_executor, on_crash):
                if receipt.status == "ok":
                    summary.done += 1
                else:
                    summary.failed.append((receipt.run_id, receipt.error))
                bar.set_postfix(done=summary.done, failed=len(summary.failed), refresh=False)
                bar.update()
    summary.seconds = time.perf_counter() - started
    return summary


@contextmanager
def _prepared(
    out_dir: str | Path, manifest: dict[str, Any], *, extend: bool, overwrite: bool
) -> Iterator[tuple[ResultsStore, Path | None]]:
    """Yield the locked, prepared store and where other results were moved (if they were)."""
    store = ResultsStore(out_dir)
    with store:
        try:
            store.prepare(manifest, extend=extend)
        except ResultsError:
            if not overwrite or not store.root.is_dir():
                raise
            aside = move_aside(store.root)
        else:
            yield store, None
            return
    with ResultsStore(out_dir) as fresh:
        fresh.prepare(manifest, extend=extend)
        yield fresh, aside


@dataclass(frozen=True)
class _Task:
    """The picklable task sent to workers: ``execute`` bound to a writer and run function."""

    writer: PartWriter
    run_fn: RunFn | None

    def __call__(self, spec: RunSpec) -> Receipt:
        return execute(spec, self.writer, self.run_fn)

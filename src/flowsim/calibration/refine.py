"""Local refinement of a calibrated point: a compass search on the calibration loss.

History matching (``history_matching``) rules out the implausible part of the prior with
a few hundred runs spread over 21 dimensions; the point it hands over is the best of the
runs it happened to make, not a minimum of the loss. ``refine`` walks from such a point
along each parameter axis in the unit cube (a compass, or pattern, search: Kolda, Lewis &
Torczon 2003, SIAM Review 45:385-482), accepting a step only when it lowers the
calibration loss (``loss.calibration_loss``: the mean over target groups of the weighted
mean absolute log error) by more than ``tol``, and halving the step when no axis helps.

Every point runs the same replicate seeds (common random numbers), so two points differ
by their parameters, not their luck. The search is deterministic given the losses, and
every run is appended to ``runs.csv`` as it finishes, so an interrupted refinement
resumes by replaying the search against what is saved. The final point and the start are
then rerun on seeds the search never saw (``validation``): the improvement reported is
measured there, not on the seeds it was selected on.
"""

from __future__ import annotations

import concurrent.futures as cf
import json
import warnings
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from flowsim.calibration.history_matching import Problem, Settings, run_design, save_design
from flowsim.calibration.loss import SHARE_KINDS, group_losses
from flowsim.calibration.space import CALIBRATION_MONTHS

#: Seed offset of the validation runs: seeds the search never used.
VALIDATION_SEED_OFFSET = 7_919

#: Settings that choose among the search's points afterwards, not how the search runs.
GUARD_SETTINGS: tuple[str, ...] = ("guard", "guard_scenarios")


@dataclass(frozen=True)
class RefineSettings:
    """Settings of a refinement (saved in ``refine.json``).

    Attributes:
        evaluations: Most points run (the start included).
        step: First step along an axis, in the unit cube.
        min_step: Stop when the step falls below this.
        tol: A step is taken only when it lowers the loss by more than this.
        replicates: Runs per point (common random numbers).
        validation_replicates: Runs of the start and the result on fresh seeds.
        scale: People per agent.
        months: Months simulated from 2015-01.
        seed: Root seed of the replicate seeds.
        fixed: Parameters held at their start value.
        guard: Direction checks (``flowsim.calibration.directions.CHECKS``) the result
            must keep; empty = none.
        guard_scenarios: Folder of the scenario files the checks run.
    """

    evaluations: int = 200
    step: float = 0.125
    min_step: float = 0.02
    tol: float = 0.002
    replicates: int = 2
    validation_replicates: int = 4
    scale: float = 5000.0
    months: int = CALIBRATION_MONTHS
    seed: int = 20150101
    fixed: tuple[str, ...] = ()
    guard: tuple[str, ...] = ()
    guard_scenarios: str = "scenarios"


@dataclass
class SearchResult:
    """Where a compass search ended.

    Attributes:
        best: Unit-cube point with the lowest loss found.
        loss: Its loss.
        start_loss: Loss of the start point.
        evaluations: Distinct points evaluated.
        steps: One row per axis step tried: ``axis``, ``step``, ``loss``, ``accepted``.
        stop: Why it stopped (``min_step`` or ``evaluations``).
        path: The points the search moved through, the start first and ``best`` last.
        path_losses: Their losses.
    """

    best: np.ndarray
    loss: float
    start_loss: float
    evaluations: int
    steps: list[dict[str, float]] = field(default_factory=list)
    stop: str = ""
    path: list[np.ndarray] = field(default_factory=list)
    path_losses: list[float] = field(default_factory=list)


def compass_search(
    evaluate: Callable[[np.ndarray], np.ndarray],
    start: np.ndarray,
    free: Sequence[int],
    *,
    step: float,
    min_step: float,
    tol: float,
    max_evaluations: int,
) -> SearchResult:
    """Minimise ``evaluate`` over ``[0, 1]^d`` from ``start`` moving only the ``free`` axes.

    Args:
        evaluate: Maps an array of points (rows) to their losses; called with the start,
            then with the one or two neighbours of the current point along one axis.
        start: The start point.
        free: Axes the search may move, tried in this order.
        step: First step length.
        min_step: Stop when the step falls below this.
        tol: Smallest improvement that moves the point.
        max_evaluations: Most points evaluated (the start included).

    Returns:
        The best point found and the path taken. Deterministic given ``evaluate``.
    """
    u = np.clip(np.asarray(start, dtype=float), 0.0, 1.0)
    f = float(evaluate(u[None, :])[0])
    result = SearchResult(
        best=u.copy(), loss=f, start_loss=f, evaluations=1, path=[u.copy()], path_losses=[f]
    )
    while step >= min_step:
        moved = False
        for j in free:
            cands = []
            for sign in (1.0, -1.0):
                v = u.copy()
                v[j] = float(np.clip(u[j] + sign * step, 0.0, 1.0))
                if v[j] != u[j]:
                    cands.append(v)
            if not cands:
                continue
            if result.evaluations + len(cands) > max_evaluations:
                result.stop = "evaluations"
                return result
            losses = np.asarray(evaluate(np.vstack(cands)), dtype=float)
            result.evaluations += len(cands)
            k = int(np.argmin(losses))
            accepted = bool(losses[k] < f - tol)
            result.steps.append(
                {"axis": j, "step": step, "loss": float(losses[k]), "accepted": accepted}
            )
            if accepted:
                u, f, moved = cands[k], float(losses[k]), True
                result.best, result.loss = u.copy(), f
                result.path.append(u.copy())
                result.path_losses.append(f)
        if not moved:
            step /= 2.0
    result.stop = "min_step"
    return result


def _replicate_mean(problem: Problem, sims: np.ndarray) -> np.ndarray:
    """Mean over replicates, (replicate, target) -> target; a NaN share counts 0.

    A share nobody contributes to (no Darien crosser) is NaN in a run; it counts 0, as in
    the emulators' outputs (``history_matching.log_outputs``).
    """
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        mean = np.nanmean(np.asarray(sims, dtype=float), axis=0)
    share = problem.targets["kind"].isin(SHARE_KINDS).to_numpy()
    return np.where(share & np.isnan(mean), 0.0, mean)


def point_loss(problem: Problem, sims: np.ndarray, scale: float) -> float:
    """Calibration loss of one point's replicates, (replicate, target).

    A failed run (all NaN) or a fitted target no run observed makes the loss infinite.
    """
    sims = np.asarray(sims, dtype=float)
    if np.isnan(sims).all(axis=-1).any():
        return float("inf")
    mean = _replicate_mean(problem, sims)
    if np.isnan(mean[problem.fitted]).any():
        return float("inf")
    return float(group_losses(problem.targets, mean, scale).mean())


class _Design:
    """The growing list of points a search evaluated, kept in ``design.csv``."""

    def __init__(self, problem: Problem, folder: Path) -> None:
        self.problem, self.folder = problem, folder
        self.points: list[np.ndarray] = []
        path = folder / "design.csv"
        if path.exists():
            cols = [f"u_{p.name}" for p in problem.space]
            self.points = list(pd.read_csv(path)[cols].to_numpy(dtype=float))

    def index(self, u: np.ndarray) -> int:
        for i, p in enumerate(self.points):
            if np.allclose(p, u, rtol=0.0, atol=1e-8):  # older design.csv files keep 10 digits
                return i
        self.points.append(np.asarray(u, dtype=float))
        return len(self.points) - 1

    def save(self) -> None:
        save_design(self.folder, self.problem.space, np.vstack(self.points))


def _hm_settings(settings: RefineSettings, seed: int) -> Settings:
    """Return the history-matching settings ``run_design`` reads (scale, months, seed)."""
    return Settings(scale=settings.scale, months=settings.months, seed=seed)


def refine(
    problem: Problem,
    settings: RefineSettings,
    folder: Path,
    start: Mapping[str, float],
    executor: cf.Executor,
    on_progress: Callable[[str], None] | None = None,
) -> dict[str, object]:
    """Refine ``start`` by compass search; validate start and result on fresh seeds.

    Args:
        problem: Base scenario, targets and free parameters (``problem.space``).
        settings: Search settings; a rerun in the same ``folder`` must use the same ones.
        folder: Where ``refine.json``, ``design.csv``, ``runs.csv``, ``steps.csv``,
            ``path.csv`` (the accepted points), ``guard/``, ``validation/`` and
            ``result.json`` go.
        start: Start value of every free parameter.
        executor: Where runs go.
        on_progress: Called with a line after each axis step.

    Returns:
        The content of ``result.json``: start and refined values, their losses on the
        search seeds, and their validated losses (overall and per group).

    Raises:
        ValueError: When ``folder`` holds a refinement with other settings or start, or a
            start value is missing or outside its search range.
    """
    names = [p.name for p in problem.space]
    missing = [n for n in names if n not in start]
    if missing:
        raise ValueError(f"refine: no start value for {', '.join(missing)}")
    outside = [
        f"{p.name} = {start[p.name]:g} (allowed: {p.low:g} to {p.high:g})"
        for p in problem.space
        if not p.low - 1e-12 <= float(start[p.name]) <= p.high + 1e-12
    ]
    if outside:  # the unit cube would clip it: the search would start elsewhere
        raise ValueError(f"refine: start outside the search range: {'; '.join(outside)}")
    unknown = [n for n in settings.fixed if n not in names]
    if unknown:
        raise ValueError(
            f"refine: fixed parameter {', '.join(unknown)} is not free; allowed: {', '.join(names)}"
        )
    folder.mkdir(parents=True, exist_ok=True)
    # the guard only picks a point of the finished search: it is not part of its identity,
    # so one search can be guarded in several ways (verdicts are kept per set of checks)
    search = {k: v for k, v in asdict(settings).items() if k not in GUARD_SETTINGS}
    saved = {
        "settings": search | {"fixed": list(settings.fixed)},
        "start": {n: float(start[n]) for n in names},
    }
    meta = folder / "refine.json"
    if meta.exists():
        old = json.loads(meta.read_text(encoding="utf-8"))
        for key in GUARD_SETTINGS:  # recorded by earlier versions
            old.get("settings", {}).pop(key, None)
        if old != json.loads(json.dumps(saved)):
            raise ValueError(
                f"refine: {folder} holds a refinement with other settings or another start; "
                "use another --out or the same settings (and the same --inputs: '' for none)"
            )
    else:
        _write_json(meta, saved)

    design = _Design(problem, folder)
    hm = _hm_settings(settings, settings.seed)

    def evaluate(points: np.ndarray) -> np.ndarray:
        idx = [design.index(u) for u in points]
        design.save()
        sims = run_design(
            problem, hm, folder, np.vstack(design.points), settings.replicates, executor,
            "refine",
        )  # fmt: skip
        return np.array([point_loss(problem, sims[i], settings.scale) for i in idx])

    u0 = np.array([float(p.to_unit(start[p.name])) for p in problem.space])
    free = [j for j, n in enumerate(names) if n not in settings.fixed]

    def tracked(points: np.ndarray) -> np.ndarray:
        losses = evaluate(points)
        if on_progress:
            on_progress(f"refine: {len(design.points)} points, best of batch {losses.min():.4f}")
        return losses

    found = compass_search(
        tracked,
        u0,
        free,
        step=settings.step,
        min_step=settings.min_step,
        tol=settings.tol,
        max_evaluations=settings.evaluations,
    )
    pd.DataFrame(found.steps, columns=["axis", "step", "loss", "accepted"]).assign(
        parameter=lambda d: [names[int(a)] for a in d["axis"]]
    ).to_csv(folder / "steps.csv", index=False, float_format="%.6g")

    pd.DataFrame(
        [
            {"step": i, "loss": loss} | _point_values(problem, u, start, settings.fixed)
            for i, (u, loss) in enumerate(zip(found.path, found.path_losses, strict=True))
        ]
    ).to_csv(folder / "path.csv", index=False, float_format="%.6g")
    chosen, verdicts = len(found.path) - 1, {}
    if settings.guard:
        chosen, verdicts = _guard_path(problem, settings, folder, found, start, executor)
        if on_progress:
            on_progress(
                f"refine: guard ({', '.join(settings.guard)}) keeps step {chosen} of "
                f"{len(found.path) - 1}"
            )

    # the start and the result on seeds the search never saw
    vseed = settings.seed + VALIDATION_SEED_OFFSET
    both = np.vstack([u0, found.path[chosen]])
    last = len(found.path) - 1  # a walked-back point is validated in a folder of its own
    vfolder = folder / ("validation" if chosen == last else f"validation_step{chosen:03d}")
    vsims = run_design(
        problem,
        _hm_settings(settings, vseed),
        vfolder,
        both,
        settings.validation_replicates,
        executor,
        "refine-validation",
    )
    groups = [
        group_losses(problem.targets, _replicate_mean(problem, vsims[i]), settings.scale)
        for i in (0, 1)
    ]
    result: dict[str, object] = {
        "stop": found.stop,
        "evaluations": found.evaluations,
        "start": saved["start"],
        "refined": _point_values(problem, found.path[chosen], start, settings.fixed),
        "search_loss_start": found.start_loss,
        "search_loss_refined": found.path_losses[chosen],
        "validation_seed": vseed,
        "validation_replicates": settings.validation_replicates,
        "validated_loss_start": float(groups[0].mean()),
        "validated_loss_refined": float(groups[1].mean()),
        "validated_groups_start": {g: float(v) for g, v in groups[0].items()},
        "validated_groups_refined": {g: float(v) for g, v in groups[1].items()},
    }
    if settings.guard:
        result["guard"] = {
            "checks": list(settings.guard),
            "kept_step": chosen,
            "steps": len(found.path) - 1,
            "start_passed": bool(verdicts[0]["passed"]) if 0 in verdicts else None,
            "unguarded": _point_values(problem, found.best, start, settings.fixed),
            "search_loss_unguarded": found.loss,
            "verdicts": {str(i): v for i, v in sorted(verdicts.items())},
        }
    _write_json(folder / "result.json", result)
    return result


def _point_values(
    problem: Problem, u: np.ndarray, start: Mapping[str, float], fixed: Sequence[str]
) -> dict[str, float]:
    """Parameter values of unit-cube point ``u``; ``fixed`` ones exactly at their start."""
    values = {p.name: float(p.from_unit(u[j])) for j, p in enumerate(problem.space)}
    for n in fixed:  # held exactly, not through a round trip of the unit cube
        values[n] = float(start[n])
    return values


def guard_folder_name(names: Sequence[str]) -> str:
    """Name of the folder caching the verdicts of the direction checks ``names``.

    The names joined by ``_`` and a digest of the checks' definitions (scale, seeds,
    months, where, the sign's rule), so verdicts saved under another definition of a check
    (e.g. the Mexico-visa check at 1,000 people per agent before the twenty-fifth pass) are
    not read as this one's: they stay where they are, and the guard runs the checks anew.
    """
    import hashlib

    from flowsim.calibration.directions import CHECKS

    known = [asdict(CHECKS[n]) for n in names if n in CHECKS]
    blob = json.dumps(known, sort_keys=True, default=str).encode("utf-8")
    return "_".join(names) + "-" + hashlib.sha256(blob).hexdigest()[:10]


def _guard_path(
    problem: Problem,
    settings: RefineSettings,
    folder: Path,
    found: SearchResult,
    start: Mapping[str, float],
    executor: cf.Executor,
) -> tuple[int, dict[int, dict[str, object]]]:
    """Return the furthest point of the search path that keeps every direction check.

    The result is checked first; if it fails, the path is bisected between the start and
    it (the checks are assumed to fail from some step on), so a path of ``k`` steps costs
    at most ``2 + log2(k)`` checks. If the start fails too, the start is kept (and
    flagged: ``start_passed`` False in the result). Each verdict is saved in
    ``guard/<checks>-<digest>/pointNNN.json`` (``guard_folder_name``), so an interrupted
    guard resumes. The checks run the scenario files of ``settings.guard_scenarios`` (its
    ``baseline.toml`` and policy scenarios) with the point's parameters set, whatever
    scenario was calibrated.
    """
    from flowsim.calibration.directions import run_checks

    cache = folder / "guard" / guard_folder_name(settings.guard)
    cache.mkdir(parents=True, exist_ok=True)
    verdicts: dict[int, dict[str, object]] = {}

    def passes(i: int) -> bool:
        path = cache / f"point{i:03d}.json"
        if path.exists():
            verdicts[i] = json.loads(path.read_text(encoding="utf-8"))
        else:
            values = _point_values(problem, found.path[i], start, settings.fixed)
            got = run_checks(settings.guard, Path(settings.guard_scenarios), values, executor)
            verdicts[i] = {
                "values": values,
                "checks": {n: r.as_dict() for n, r in got.items()},
                "passed": all(r.passed for r in got.values()),
            }
            _write_json(path, verdicts[i])
        return bool(verdicts[i]["passed"])

    last = len(found.path) - 1
    if passes(last):
        return last, verdicts
    if last == 0 or not passes(0):
        return 0, verdicts
    lo, hi = 0, last  # lo passes, hi fails
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if passes(mid):
            lo = mid
        else:
            hi = mid
    return lo, verdicts


def _write_json(path: Path, data: object) -> None:
    """Write JSON atomically (a temporary file renamed into place)."""
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_text(json.dumps(data, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    tmp.replace(path)


def read_result(folder: Path) -> dict[str, object] | None:
    """Return the ``result.json`` of a finished refinement in ``folder``, or None."""
    path = folder / "result.json"
    return json.loads(path.read_text(encoding="utf-8")) if path.exists() else None

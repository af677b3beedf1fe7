"""History matching: rule out the implausible parameter space in waves, keep the rest.

The procedure of Andrianakis et al. (2015, PLOS Comput Biol 11:e1003968), as used for
stochastic agent-based models by Vernon et al. (2022, Phil Trans R Soc A 380:20220039) and
McCulloch et al. (2022, JASSS 25(4):3):

1. **Design**: wave 1 places ``points`` Latin-hypercube points (seeded) in the unit cube of
   the free parameters; later waves place ``points_later`` points, chosen greedily far apart
   (maximin) among the candidates no earlier wave ruled out. Each point runs ``replicates``
   times (replicate r has the same seed at every point).
2. **Emulators** (``emulator``): per fitted target (weight > 0), Gaussian processes of the
   mean and of the run-to-run variance of ``y = log(simulated + c)``.
3. **Implausibility** of a point x for target i, with ``z = log(observed + c)``::

       I_i(x) = |z_i - E[f_i(x)]| / sqrt(V_emulator + V_obs + V_discrepancy + V_ensemble)

   For a target whose source bounds the modelled quantity by an interval (``low`` /
   ``high`` in the targets table) the numerator is the distance from ``E[f_i(x)]`` to
   ``[log(low + c), log(high + c)]``, 0 inside it.

   ``V_obs = log(1 + obs_error)^2`` (the target's stated observation error),
   ``V_discrepancy = log(1 + discrepancy)^2`` (how far the best model run may still be
   from reality, one value for all targets), ``V_ensemble`` the emulated run-to-run
   variance of one run. A point is non-implausible when the ``kth`` largest ``I_i`` (2 =
   second maximum, which tolerates one badly emulated or badly observed target) is at most
   ``cutoff`` (3, Pukelsheim's three-sigma rule).
4. **Waves** go on until the non-implausible volume stops shrinking: the volume is the
   fraction of a fixed reference Latin hypercube (``candidates`` points) no wave rules
   out; the waves stop when a wave keeps more than ``shrink_stop`` (0.9) of the previous
   volume, when no candidate is left, or after ``max_waves``. When a wave would rule out
   every candidate (the model cannot meet all targets within the stated errors), it
   keeps the ``fallback_keep`` least implausible share of the remaining candidates
   instead and records the implausibility that share reaches (``cutoff_used``), so the
   record says plainly how far from the cutoff the best of the space is. "Least
   implausible" is judged by ``rank``: ``"kth"``, the ``kth`` largest implausibility, or
   ``"groups"``, ``group_implausibility`` (each target group's root mean square
   implausibility, groups equal): when structural misfits hold the largest
   implausibilities of every point, the kth largest orders points by those few targets
   alone, the group measure by every group.
5. **Ensemble**: ``n_sets`` far-apart points of the final non-implausible space are run
   (``validation_replicates`` each) and judged on their actual runs (no emulator); the
   ones whose ``kth`` largest implausibility is at most ``cutoff`` form the ensemble.

Everything is saved in the output folder as it happens (``wave<k>/design.csv``,
``wave<k>/runs.csv`` one row per finished run, ``validation/...``, ``record.csv``), so a
rerun with the same settings continues where the last one stopped.
"""

from __future__ import annotations

import concurrent.futures as cf
import hashlib
import json
import time
import warnings
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from flowsim.calibration.emulator import Emulators, fit_emulators
from flowsim.calibration.loss import observed_bounds, target_offsets
from flowsim.calibration.space import (
    CALIBRATION_MONTHS,
    FREE_PARAMETERS,
    FreeParameter,
    calibration_scenario,
    simulate_targets,
    to_values,
)
from flowsim.calibration.targets import DERIVED_COLUMNS, TARGET_COLUMNS, TEXT_COLUMNS
from flowsim.engine.run import RunSpec
from flowsim.rng import replicate_seed
from flowsim.scenario.schema import Scenario

#: The measures ``Settings.rank`` may name.
RANKS: tuple[str, ...] = ("kth", "groups")


@dataclass(frozen=True)
class Settings:
    """Settings of a history-matching calibration (saved in ``settings.json``).

    Attributes:
        points: Design points of wave 1.
        points_later: Design points of each later wave.
        replicates: Runs per design point.
        max_waves: Most waves.
        cutoff: Implausibility cutoff.
        kth: Which largest implausibility is compared with the cutoff (1 = max).
        discrepancy: Model discrepancy as a relative standard deviation.
        shrink_stop: Stop when a wave keeps more than this share of the previous volume.
        fallback_keep: When no candidate passes ``cutoff``, keep this least implausible
            share of the remaining candidates (the wave's ``cutoff_used`` says at which
            implausibility); 0 = stop instead.
        rank: What "least implausible" means then, and how validation sets that are not
            non-implausible are ordered: ``"kth"`` (the ``kth`` largest implausibility) or
            ``"groups"`` (``group_implausibility``).
        n_sets: Points run to validate the final space (the ensemble's upper size).
        validation_replicates: Runs per validation point.
        candidates: Size of the reference Latin hypercube (volume estimate, candidates).
        scale: People per agent of every run.
        months: Months simulated from 2015-01.
        seed: Root seed of designs, emulator fits and runs.
        around: Half-width of the box a local matching searches around the scenario's
            parameters (``flowsim.calibration.space.narrowed``), ``None`` for the whole
            prior; a record (the box itself is the problem's space, saved with it).
    """

    points: int = 60
    points_later: int = 40
    replicates: int = 2
    max_waves: int = 4
    cutoff: float = 3.0
    kth: int = 2
    discrepancy: float = 0.35
    shrink_stop: float = 0.9
    fallback_keep: float = 0.1
    rank: str = "kth"
    n_sets: int = 100
    validation_replicates: int = 1
    candidates: int = 20000
    scale: float = 5000.0
    months: int = CALIBRATION_MONTHS
    seed: int = 20150101
    around: float | None = None

    def __post_init__(self) -> None:
        """Refuse a ``rank`` that names no measure."""
        if self.rank not in RANKS:
            raise ValueError(f"rank must be one of {', '.join(RANKS)}, not {self.rank!r}")


#: Settings added after folders were saved without them, with the value that reproduces what
#: such a folder did.
ADDED_SETTINGS: dict[str, object] = {"rank": "kth"}

#: What a folder records of its inputs since the twenty-sixth pass, compared on a resume
#: only when the folder recorded it (one saved before resumes unchecked on them):
#: ``observations``, the targets' figures, bounds, weights, errors and observation rows
#: (``observations_digest``), and ``scenario``, the base scenario's behaviour
#: (``Scenario.behaviour_hash``). Saved runs judged against other figures, or run on another
#: model, would otherwise mix silently with new ones.
RECORDED_INPUTS: frozenset[str] = frozenset({"observations", "scenario"})

#: The targets' columns that decide what a run is compared with (the words left out).
OBSERVATION_COLUMNS: tuple[str, ...] = (
    tuple(c for c in TARGET_COLUMNS if c not in TEXT_COLUMNS) + DERIVED_COLUMNS
)

#: Settings a rerun may change: they only steer steps not yet taken (saved designs and
#: runs are reused as they are).
LATER_SETTINGS: frozenset[str] = frozenset(
    {"max_waves", "points_later", "n_sets", "validation_replicates", "shrink_stop"}
)


@dataclass
class WaveRecord:
    """What one wave did (a row of ``record.csv``)."""

    wave: int
    points: int
    runs: int
    failed_runs: int
    volume: float
    volume_ratio: float
    best_kth_implausibility: float
    seconds: float
    stop: str = ""
    cutoff_used: float = 3.0
    measure_used: str = "kth"


@dataclass
class Outcome:
    """The result of a calibration.

    Attributes:
        record: One ``WaveRecord`` per wave.
        validation: One row per validation point: parameters, ``max_implausibility``,
            ``second_implausibility`` (the ``kth`` one when kth != 2 is in ``kth``),
            ``group_implausibility``, ``non_implausible``.
        simulated: Validation runs' outputs, (point, replicate, target) in people.
        targets: The targets table used (all rows, fitted or not).
        emulated: Boolean mask of targets that were emulated and matched.
        ranges: Per parameter, prior and non-implausible range (from the final space).
    """

    record: list[WaveRecord] = field(default_factory=list)
    validation: pd.DataFrame = field(default_factory=pd.DataFrame)
    simulated: np.ndarray = field(default_factory=lambda: np.empty((0, 0, 0)))
    targets: pd.DataFrame = field(default_factory=pd.DataFrame)
    emulated: np.ndarray = field(default_factory=lambda: np.empty(0, bool))
    ranges: pd.DataFrame = field(default_factory=pd.DataFrame)


@dataclass(frozen=True)
class Problem:
    """What is calibrated: the base scenario, the targets and the free parameters."""

    base: Scenario
    targets: pd.DataFrame
    space: Sequence[FreeParameter] = FREE_PARAMETERS
    world_dir: str | None = None

    @property
    def fitted(self) -> np.ndarray:
        """Mask of targets with a positive weight (the ones matched)."""
        return self.targets["weight"].to_numpy() > 0


def observations_digest(targets: pd.DataFrame) -> str:
    """SHA-256 of the targets' ``OBSERVATION_COLUMNS`` (those present), as CSV text."""
    columns = [c for c in OBSERVATION_COLUMNS if c in targets.columns]
    text = targets[columns].to_csv(index=False, float_format="%r")
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


# ----------------------------------------------------------------- numbers
def log_outputs(targets: pd.DataFrame, simulated: np.ndarray, scale: float) -> np.ndarray:
    """Return ``log(value + c)`` of simulated values (..., target); NaN percents count 0."""
    c = target_offsets(targets, scale)
    sim = np.asarray(simulated, dtype=float)
    share = c == 1.0
    sim = np.where(share & np.isnan(sim), 0.0, sim)
    return np.log(np.maximum(sim, 0.0) + c)


def observed_log(targets: pd.DataFrame, scale: float) -> np.ndarray:
    """Observed bounds on the log scale, ``log(bound + c)``: an array (2, target) of low, high.

    Both rows are ``log(value + c)`` for a target without an interval
    (``loss.observed_bounds``).
    """
    c = target_offsets(targets, scale)
    return np.log(np.vstack(observed_bounds(targets)) + c)


def fixed_variance(targets: pd.DataFrame, discrepancy: float) -> np.ndarray:
    """``V_obs + V_discrepancy`` of each target on the log scale."""
    v_obs = np.log1p(targets["obs_error"].to_numpy(dtype=float)) ** 2
    return v_obs + np.log1p(discrepancy) ** 2


def implausibility(
    z: np.ndarray, mean: np.ndarray, v_em: np.ndarray, v_fixed: np.ndarray, v_ens: np.ndarray
) -> np.ndarray:
    """``|z - E[f]| / sqrt(V_emulator + V_obs + V_discrepancy + V_ensemble)``, (point, target).

    ``z`` is one observed log value per target, or an array (2, target) of the bounds of
    an interval (``observed_log``): the numerator is then the distance from ``E[f]`` to
    ``[low, high]``, 0 inside (equal bounds give ``|z - E[f]|`` exactly).
    """
    z = np.asarray(z, dtype=float)
    low, high = (z, z) if z.ndim == 1 else (z[0], z[1])
    distance = np.maximum(low - mean, 0.0) + np.maximum(mean - high, 0.0)
    return distance / np.sqrt(v_em + v_fixed + v_ens)


def kth_largest(values: np.ndarray, k: int) -> np.ndarray:
    """Return the k-th largest value of each row (k = 1: the maximum)."""
    k = min(k, values.shape[1])
    return np.sort(values, axis=1)[:, -k]


def group_implausibility(
    imp: np.ndarray, groups: Sequence[str], weights: np.ndarray | None = None
) -> np.ndarray:
    """Mean over target groups of each group's root mean square implausibility, per point.

    Within a group the squares are weighted by the targets' weights (the targets table's
    ``weight``, as the headline's per-group error is); every group counts once, as in the
    headline (``flowsim.calibration.loss.group_losses``). An infinite implausibility (a
    target no run measured) makes the point's measure infinite.

    Args:
        imp: Array (point, target) of implausibilities.
        groups: The group of each target (column).
        weights: Positive weight of each target; ``None`` weighs them equally.

    Returns:
        Array (point,) of the measure.
    """
    imp = np.asarray(imp, dtype=float)
    labels = np.asarray(groups)
    w = np.ones(imp.shape[1]) if weights is None else np.asarray(weights, dtype=float)
    per_group = []
    for g in dict.fromkeys(labels.tolist()):
        cols = labels == g
        per_group.append(np.sqrt((imp[:, cols] ** 2 * w[cols]).sum(axis=1) / w[cols].sum()))
    return np.mean(per_group, axis=0)


@dataclass(frozen=True, eq=False)
class Scorer:
    """Turns a (point, target) implausibility array into each point's score by a measure."""

    kth: int
    groups: tuple[str, ...]
    weights: np.ndarray

    def __call__(self, imp: np.ndarray, measure: str) -> np.ndarray:
        """Each point's ``kth`` largest implausibility, or its ``group_implausibility``."""
        if measure == "groups":
            return group_implausibility(imp, self.groups, self.weights)
        if measure == "kth":
            return kth_largest(imp, self.kth)
        raise ValueError(f"measure must be one of {', '.join(RANKS)}, not {measure!r}")


def latin_hypercube(n: int, dim: int, seed: int) -> np.ndarray:
    """``n`` points of a seeded Latin hypercube in ``[0, 1]^dim``."""
    from scipy.stats import qmc

    return qmc.LatinHypercube(d=dim, seed=np.random.default_rng(seed)).random(n)


def maximin_subset(points: np.ndarray, n: int) -> np.ndarray:
    """Return indices of ``n`` points chosen greedily far apart (farthest-point sampling).

    Starts from the point nearest the centroid; deterministic for given points.
    """
    if len(points) <= n:
        return np.arange(len(points))
    first = int(np.argmin(((points - points.mean(axis=0)) ** 2).sum(axis=1)))
    chosen = [first]
    dist = ((points - points[first]) ** 2).sum(axis=1)
    for _ in range(n - 1):
        nxt = int(np.argmax(dist))
        chosen.append(nxt)
        dist = np.minimum(dist, ((points - points[nxt]) ** 2).sum(axis=1))
    return np.array(chosen)


# ----------------------------------------------------------------- runs
def _runs_file(folder: Path) -> Path:
    return folder / "runs.csv"


def run_design(
    problem: Problem,
    settings: Settings,
    folder: Path,
    unit: np.ndarray,
    replicates: int,
    executor: cf.Executor,
    label: str,
    on_run: Callable[[str], None] | None = None,
) -> np.ndarray:
    """Run every (point, replicate) of a design not yet in ``folder/runs.csv``.

    Each finished run is appended to ``runs.csv`` at once (``point``, ``replicate``, one
    column per ``target_id``), so an interrupted wave resumes without losing runs. The
    values returned are the ones read back from the file, so an uninterrupted matching
    works on the very numbers a resumed one reads.

    Returns:
        Simulated values, (point, replicate, target); NaN for failed runs.
    """
    folder.mkdir(parents=True, exist_ok=True)
    targets = problem.targets
    ids = targets["target_id"].tolist()
    path = _runs_file(folder)
    _drop_partial_line(path)
    done = _saved_runs(path, ids)
    values = to_values(problem.space, unit)
    todo = [(i, r) for i in range(len(unit)) for r in range(replicates) if (i, r) not in done]
    futures: dict[cf.Future, tuple[int, int]] = {}
    for i, r in todo:
        scenario = calibration_scenario(
            problem.base, values[i], scale=settings.scale, months=settings.months
        )
        spec = RunSpec(
            f"{label}p{i}/r{r}",
            scenario,
            r,
            replicate_seed(settings.seed, r),
            label=f"{label}p{i}",
            world_dir=problem.world_dir,
        )
        futures[executor.submit(simulate_targets, spec, targets)] = (i, r)
    new_file = not path.exists() or not path.stat().st_size
    with path.open("a", encoding="utf-8") as fh:
        if new_file:
            fh.write(pd.DataFrame(columns=["point", "replicate", *ids]).to_csv(index=False))
        for fut in cf.as_completed(futures):
            i, r = futures[fut]
            sim = fut.result()
            row = pd.DataFrame([[i, r, *sim]], columns=["point", "replicate", *ids])
            fh.write(row.to_csv(index=False, header=False))
            fh.flush()
            if on_run:
                on_run(f"{label} point {i} replicate {r}")
    if futures:
        done = _saved_runs(path, ids)  # as a resumed matching will read them
    out = np.full((len(unit), replicates, len(ids)), np.nan)
    for (i, r), sim in done.items():
        if i < len(unit) and r < replicates:
            out[i, r] = sim
    return out


def read_runs(path: Path, ids: Sequence[str]) -> pd.DataFrame:
    """Read a runs file (``point``, ``replicate``, one column per target id).

    Raises:
        ValueError: The file was observed against another targets table (a current
            target has no column): its runs cannot be compared with the current ones.
    """
    runs = pd.read_csv(path)
    if list(runs.columns) != ["point", "replicate", *ids]:  # rows are appended in this order
        missing = [i for i in ids if i not in runs.columns]
        what = (
            f"no column for {len(missing)} current target(s), e.g. {missing[0]!r}"
            if missing
            else "its target columns differ in number or order"
        )
        raise ValueError(
            f"{path} holds runs observed against another targets table ({what}); "
            "use another --out folder"
        )
    return runs


def _saved_runs(path: Path, ids: Sequence[str]) -> dict[tuple[int, int], np.ndarray]:
    """Return the runs saved in a runs file by (point, replicate), the last row of each."""
    done: dict[tuple[int, int], np.ndarray] = {}
    if path.exists() and path.stat().st_size:
        old = read_runs(path, ids)
        keys = old[["point", "replicate"]].to_numpy(dtype=int)
        for (i, r), sim in zip(keys, old[ids].to_numpy(dtype=float), strict=True):
            done[(int(i), int(r))] = sim
    return done


def _drop_partial_line(path: Path) -> None:
    """Cut a run file back to its last complete line (a run killed mid-write)."""
    if not path.exists():
        return
    data = path.read_bytes()
    if data and not data.endswith(b"\n"):
        path.write_bytes(data[: data.rfind(b"\n") + 1])


def save_design(folder: Path, space: Sequence[FreeParameter], unit: np.ndarray) -> np.ndarray:
    """Write a design's points (natural and unit-cube values) to ``folder/design.csv``.

    Numbers are written in full (shortest round-trip form).

    Returns:
        The unit-cube values as read back from the file (``_load_design``): the ones a
        resumed matching uses, so an uninterrupted one uses them too.
    """
    folder.mkdir(parents=True, exist_ok=True)
    values = pd.DataFrame(to_values(space, unit))
    units = pd.DataFrame(unit, columns=[f"u_{p.name}" for p in space])
    frame = pd.concat([values, units], axis=1)
    frame.insert(0, "point", range(len(unit)))
    frame.to_csv(folder / "design.csv", index=False)
    saved = _load_design(folder, space)
    assert saved is not None
    return saved


def _load_design(folder: Path, space: Sequence[FreeParameter]) -> np.ndarray | None:
    path = folder / "design.csv"
    if not path.exists():
        return None
    return pd.read_csv(path)[[f"u_{p.name}" for p in space]].to_numpy(dtype=float)


# ----------------------------------------------------------------- waves
#: A wave's cut: its emulators, the cutoff and the measure the cutoff applies to.
Wave = tuple[Emulators, float, str]


def _survivors(
    waves: list[Wave],
    x: np.ndarray,
    z: np.ndarray,
    v_fixed: np.ndarray,
    scorer: Scorer,
) -> tuple[np.ndarray, np.ndarray]:
    """Mask of points no wave rules out, and the last wave's score by its measure."""
    keep = np.ones(len(x), dtype=bool)
    last = np.full(len(x), np.inf)
    for em, cutoff, measure in waves:
        idx = np.flatnonzero(keep)
        if not len(idx):
            break
        mean, v_em, v_ens = em.predict(x[idx])
        score = scorer(implausibility(z, mean, v_em, v_fixed, v_ens), measure)
        last[:] = np.inf
        last[idx] = score
        keep[idx] = score <= cutoff
    return keep, last


def _last_wave(
    waves: list[Wave],
    x: np.ndarray,
    z: np.ndarray,
    v_fixed: np.ndarray,
    scorer: Scorer,
) -> tuple[np.ndarray, np.ndarray]:
    """Points the waves before the last one keep, and the last wave's implausibility there.

    The last wave's emulators are evaluated once, so its cut can be scored by more than one
    measure (``run_history_matching``'s fallback) without predicting again.

    Returns:
        ``(idx, imp)``: indices into ``x`` of the points the earlier waves keep, and the
        last wave's (point, target) implausibility at them.
    """
    keep, _ = _survivors(waves[:-1], x, z, v_fixed, scorer)
    idx = np.flatnonzero(keep)
    if not len(idx):
        return idx, np.empty((0, len(z)))
    mean, v_em, v_ens = waves[-1][0].predict(x[idx])
    return idx, implausibility(z, mean, v_em, v_fixed, v_ens)


def _refill(
    waves: list[Wave],
    seeds: np.ndarray,
    z: np.ndarray,
    v_fixed: np.ndarray,
    scorer: Scorer,
    wanted: int,
    rng: np.random.Generator,
) -> np.ndarray:
    """More non-implausible candidates by jittering the survivors (when they are few)."""
    found = [seeds]
    total = len(seeds)
    for _ in range(5):
        if total >= wanted or not total:
            break
        base = np.vstack(found)
        draws = base[rng.integers(len(base), size=4 * wanted)]
        cand = np.clip(draws + rng.normal(0.0, 0.05, size=draws.shape), 0.0, 1.0)
        keep, _ = _survivors(waves, cand, z, v_fixed, scorer)
        found.append(cand[keep])
        total += int(keep.sum())
    return np.vstack(found)


def run_history_matching(
    problem: Problem,
    settings: Settings,
    out_dir: Path,
    executor: cf.Executor,
    on_progress: Callable[[str], None] | None = None,
) -> Outcome:
    """Run (or continue) the waves and the validation; see the module docstring.

    Args:
        problem: Base scenario, targets and free parameters.
        settings: The procedure's settings.
        out_dir: Output folder; a rerun with the same settings continues what is there.
        executor: Where runs execute (``flowsim.engine.executors``).
        on_progress: Called with a line of text after each run and each wave.

    Returns:
        The outcome (also written to ``out_dir``).

    Raises:
        ValueError: If ``out_dir`` holds a calibration made with other settings.
    """
    out_dir.mkdir(parents=True, exist_ok=True)
    say = on_progress or (lambda _line: None)
    saved = out_dir / "settings.json"
    mine = {
        **asdict(settings),
        "space": [asdict(p) for p in problem.space],
        "targets": problem.targets["target_id"].tolist(),
        "observations": observations_digest(problem.targets),
        "scenario": problem.base.behaviour_hash(),
    }
    if saved.exists():
        old = json.loads(saved.read_text(encoding="utf-8"))
        # a setting added later is read as its behaviour before it in a folder saved then
        # inputs recorded since the twenty-sixth pass are checked where the folder has them
        diff = sorted(
            k
            for k in mine
            if k not in LATER_SETTINGS
            and (k not in RECORDED_INPUTS or k in old)
            and old.get(k, ADDED_SETTINGS.get(k)) != json.loads(json.dumps(mine[k]))
        )
        if diff:
            raise ValueError(
                f"{out_dir} holds a calibration with other settings ({', '.join(diff)}); "
                "use another --out folder or the same settings"
                + (" (and the same --inputs: '' for none)" if "space" in diff else "")
                + (
                    " (observations: the targets' figures, bounds, weights or errors, or the "
                    "crossers the model does not simulate; "
                    "scenario: the base scenario's policies, parameters or world)"
                    if RECORDED_INPUTS & set(diff)
                    else ""
                )
            )
    saved.write_text(json.dumps(mine, indent=1), encoding="utf-8")

    fitted = problem.fitted
    targets_fit = problem.targets[fitted].reset_index(drop=True)
    z = observed_log(targets_fit, settings.scale)
    v_fixed = fixed_variance(targets_fit, settings.discrepancy)
    scorer = Scorer(
        kth=settings.kth,
        groups=tuple(targets_fit["group"]),
        weights=targets_fit["weight"].to_numpy(dtype=float),
    )
    dim = len(problem.space)
    reference = latin_hypercube(settings.candidates, dim, settings.seed + 1)
    rng = np.random.default_rng(settings.seed + 2)
    waves: list[Wave] = []
    record: list[WaveRecord] = []
    volume = 1.0
    stop = ""
    keep = np.ones(len(reference), dtype=bool)
    candidates = reference
    for w in range(1, settings.max_waves + 1):
        t0 = time.perf_counter()
        folder = out_dir / f"wave{w}"
        unit = _load_design(folder, problem.space)
        pool = candidates
        if w > 1 and len(pool) < 3 * settings.points_later:
            # drawn even when the design was saved by an earlier, interrupted call: the
            # generator then stands where an uninterrupted matching has it for later draws
            pool = _refill(waves, pool, z, v_fixed, scorer, 3 * settings.points_later, rng)
        if unit is None:
            if w == 1:
                unit = latin_hypercube(settings.points, dim, settings.seed)
            else:
                unit = pool[maximin_subset(pool, settings.points_later)]
            unit = save_design(folder, problem.space, unit)  # as a resumed matching reads it
        sims = run_design(
            problem, settings, folder, unit, settings.replicates, executor, f"w{w}", say
        )
        y = log_outputs(targets_fit, sims[:, :, fitted], settings.scale)
        groups = targets_fit["group"].tolist()
        emulators = fit_emulators(unit, y, groups, seed=settings.seed + w)
        waves.append((emulators, settings.cutoff, "kth"))
        idx, imp = _last_wave(waves, reference, z, v_fixed, scorer)
        score = np.full(len(reference), np.inf)
        score[idx] = scorer(imp, "kth")
        keep = score <= settings.cutoff
        best_kth = float(np.min(score))
        cutoff_used, measure_used = settings.cutoff, "kth"
        if not keep.any() and settings.fallback_keep > 0:
            # nothing passes the cutoff: the model cannot match every target within the
            # stated errors; go on with the least implausible share (by settings.rank) of
            # what was left (the same predictions, scored by that measure)
            measure_used = settings.rank
            score[idx] = scorer(imp, measure_used)
            alive = score[idx]
            cutoff_used = float(np.quantile(alive[np.isfinite(alive)], settings.fallback_keep))
            waves[-1] = (emulators, cutoff_used, measure_used)
            keep = score <= cutoff_used
        candidates = reference[keep]
        new_volume = float(keep.mean())
        ratio = new_volume / volume if volume > 0 else 0.0
        failed = int(np.isnan(sims).all(axis=2).sum())
        if new_volume == 0.0:
            stop = "no non-implausible candidate left"
        elif measure_used != "kth" and w == settings.max_waves:
            stop = (
                f"max_waves={settings.max_waves} reached (kept the least implausible by "
                f"{measure_used}, up to {cutoff_used:.2f})"
            )
        elif cutoff_used > settings.cutoff and w == settings.max_waves:
            stop = f"max_waves={settings.max_waves} reached (cutoff raised to {cutoff_used:.2f})"
        elif w > 1 and ratio > settings.shrink_stop:
            stop = f"volume kept {ratio:.2f} > {settings.shrink_stop} of the previous wave's"
        elif w == settings.max_waves:
            stop = f"max_waves={settings.max_waves} reached"
        rec = WaveRecord(
            wave=w,
            points=len(unit),
            runs=int(np.isfinite(sims).any(axis=2).sum()),
            failed_runs=failed,
            volume=new_volume,
            volume_ratio=ratio,
            best_kth_implausibility=best_kth,
            seconds=round(time.perf_counter() - t0, 1),
            stop=stop,
            cutoff_used=cutoff_used,
            measure_used=measure_used,
        )
        record.append(rec)
        volume = new_volume
        say(
            f"wave {w}: {rec.points} points, {rec.runs} runs, non-implausible volume "
            f"{new_volume:.4f} ({ratio:.2f} of the previous), best emulated "
            f"I({settings.kth}) {rec.best_kth_implausibility:.2f}"
        )
        if stop:
            break
    _write_record(out_dir, record)

    # validation: far-apart points of the final space, judged by actual runs
    folder = out_dir / "validation"
    unit = _load_design(folder, problem.space)
    if unit is None:
        if len(candidates) == 0:
            # nothing survived: validate the least implausible candidates of the last wave,
            # least implausible by settings.rank
            last = (waves[-1][0], np.inf, settings.rank)
            _, score = _survivors([*waves[:-1], last], reference, z, v_fixed, scorer)
            order = np.argsort(score)[: 10 * settings.n_sets]
            pool = reference[order]
        else:
            pool = candidates
            if len(pool) < 3 * settings.n_sets:
                pool = _refill(waves, pool, z, v_fixed, scorer, 3 * settings.n_sets, rng)
        unit = save_design(folder, problem.space, pool[maximin_subset(pool, settings.n_sets)])
    sims = run_design(
        problem, settings, folder, unit, settings.validation_replicates, executor, "val", say
    )
    validation = judge(problem, settings, unit, sims, waves[-1][0])
    validation.to_csv(folder / "judged.csv", index=False, float_format="%.6g")
    ranges = parameter_ranges(problem.space, candidates, validation)
    ranges.to_csv(out_dir / "ranges.csv", index=False, float_format="%.6g")
    return Outcome(
        record=record,
        validation=validation,
        simulated=sims,
        targets=problem.targets,
        emulated=fitted,
        ranges=ranges,
    )


def judge(
    problem: Problem,
    settings: Settings,
    unit: np.ndarray,
    sims: np.ndarray,
    variance: Emulators | None = None,
) -> pd.DataFrame:
    """Judge validation points by the implausibility of their actual runs (no mean emulator).

    Each fitted target's implausibility is ``run_implausibility``'s (the ``variance``
    emulator predicts the run-to-run variance only when there is one run per point); a
    point's summaries are the largest, the second largest and the ``settings.kth`` largest
    of them.

    Returns:
        One row per point: parameters, ``point``, ``max_implausibility``,
        ``second_implausibility``, ``kth_implausibility``, ``group_implausibility``,
        ``non_implausible``.
    """
    fitted = problem.fitted
    tf = problem.targets[fitted].reset_index(drop=True)
    one_run = sims.shape[1] == 1
    v_run = variance.predict(unit)[2] if variance is not None and one_run else None
    imp = run_implausibility(tf, sims[:, :, fitted], settings.scale, settings.discrepancy, v_run)
    frame = pd.DataFrame(to_values(problem.space, unit))
    frame.insert(0, "point", range(len(unit)))
    frame["max_implausibility"] = kth_largest(imp, 1)
    frame["second_implausibility"] = kth_largest(imp, 2)
    frame["kth_implausibility"] = kth_largest(imp, settings.kth)
    frame["group_implausibility"] = group_implausibility(
        imp, tf["group"].tolist(), tf["weight"].to_numpy(dtype=float)
    )
    frame["non_implausible"] = frame["kth_implausibility"] <= settings.cutoff
    return frame


def run_implausibility(
    targets: pd.DataFrame,
    simulated: np.ndarray,
    scale: float,
    discrepancy: float,
    v_run_emulated: np.ndarray | None = None,
) -> np.ndarray:
    """Return each target's implausibility at points judged by their actual runs.

    ``E[f]`` is the replicate mean of ``y = log(value + c)`` over ``n`` runs. The
    observation is one realisation of a stochastic world, so the variance term is the
    run-to-run variance of one run plus that of the mean of ``n``: ``V_run * (1 + 1/n)``.
    ``V_run`` is the replicates' sample variance when ``n > 1``, else ``v_run_emulated``
    (the variance emulator's prediction, shape (point, target); 0 without one). A target
    whose runs give no number, or (with ``n > 1``) fewer than two, counts as infinitely
    implausible (its mean or its variance is NaN).

    Args:
        targets: The targets the columns of ``simulated`` measure (fitted ones).
        simulated: Array (point, replicate, target) of simulated values.
        scale: People per agent of the runs.
        discrepancy: Model discrepancy, relative standard deviation.
        v_run_emulated: Emulated run-to-run variance, used when there is one replicate.

    Returns:
        Array (point, target) of implausibilities, ``inf`` where undefined.
    """
    y = log_outputs(targets, simulated, scale)
    with warnings.catch_warnings():  # a target no run measured: inf below
        warnings.simplefilter("ignore", RuntimeWarning)
        mean = np.nanmean(y, axis=1)
        n = y.shape[1]
        if n > 1:
            v_run = np.nanvar(y, axis=1, ddof=1)
        elif v_run_emulated is not None:
            v_run = np.asarray(v_run_emulated, dtype=float)
        else:
            v_run = np.zeros_like(mean)
    imp = implausibility(
        observed_log(targets, scale),
        mean,
        np.zeros_like(mean),
        fixed_variance(targets, discrepancy),
        v_run * (1.0 + 1.0 / n),
    )
    return np.where(np.isnan(imp), np.inf, imp)


def parameter_ranges(
    space: Sequence[FreeParameter], candidates: np.ndarray, validation: pd.DataFrame
) -> pd.DataFrame:
    """Per parameter: prior range, emulated non-implausible range, ensemble range.

    ``share_of_prior`` is the width of the ensemble's 5-95% range over the prior's width on
    the parameter's own scale (log for log parameters): near 1 = not pinned down by the
    data, small = pinned down.
    """
    with warnings.catch_warnings():  # no non-implausible set: the ensemble columns are NaN
        warnings.simplefilter("ignore", RuntimeWarning)
        return _parameter_ranges(space, candidates, validation)


def _parameter_ranges(
    space: Sequence[FreeParameter], candidates: np.ndarray, validation: pd.DataFrame
) -> pd.DataFrame:
    rows = []
    ens = validation[validation["non_implausible"]]
    for j, p in enumerate(space):
        emu = candidates[:, j] if len(candidates) else np.array([np.nan])
        vals = ens[p.name].to_numpy() if len(ens) else np.array([np.nan])
        u = p.to_unit(vals) if len(ens) else np.array([np.nan])
        rows.append(
            {
                "parameter": p.name,
                "prior_low": p.low,
                "prior_high": p.high,
                "log_scale": p.log,
                "emulated_low": float(p.from_unit(np.nanmin(emu))) if len(candidates) else np.nan,
                "emulated_high": float(p.from_unit(np.nanmax(emu))) if len(candidates) else np.nan,
                "ensemble_p05": float(np.nanquantile(vals, 0.05)),
                "ensemble_median": float(np.nanmedian(vals)),
                "ensemble_p95": float(np.nanquantile(vals, 0.95)),
                "share_of_prior": float(np.nanquantile(u, 0.95) - np.nanquantile(u, 0.05)),
            }
        )
    return pd.DataFrame(rows)


def _write_record(out_dir: Path, record: list[WaveRecord]) -> None:
    frame = pd.DataFrame([asdict(r) for r in record])
    frame.to_csv(out_dir / "record.csv", index=False, float_format="%.6g")
    (out_dir / "record.json").write_text(
        json.dumps([asdict(r) for r in record], indent=1), encoding="utf-8"
    )

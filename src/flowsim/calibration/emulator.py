"""Gaussian-process emulators of every target's mean and run-to-run variance.

The simulator is stochastic and slow, so history matching replaces it by two emulators per
target, fitted on the points of a wave (inputs in the unit cube, outputs on the log scale
``y = log(simulated + c)``, ``c`` from ``loss.target_offsets``):

- the **mean** emulator: a GP (constant times anisotropic squared-exponential kernel) on
  the replicate mean of ``y`` at each point, with a nugget equal to the pooled variance of
  that mean (the replicates' sample variance over their number), so the GP does not chase
  run-to-run noise. Its predictive variance is the emulator's own uncertainty
  ``V_emulator``;
- the **variance** emulator: a GP (one length scale) on the log of the replicates' sample
  variance of ``y``; ``exp`` of its prediction is the run-to-run variance of one run
  ``V_ensemble`` at a new point (zero when a wave has one replicate per point).

With some 200 targets, fitting every kernel by maximum likelihood costs minutes per wave on
two cores, so the kernel hyperparameters (length scales, signal variance) are shared by the
targets of a group: they are fitted once per group on the group's average standardized
output, and each target's GP is then conditioned on its own outputs with that kernel (a
Cholesky solve, no optimisation). Correlation lengths shared between related outputs are a
usual simplification of multi-output emulation (e.g. Conti & O'Hagan 2010, J Stat Plan
Inference 140:640). scikit-learn's ``GaussianProcessRegressor`` does the fitting
(seeded), so no further dependency is needed.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

#: Floor of a sample variance before taking its log (log scale units squared).
VARIANCE_FLOOR = 1e-6

#: Most L-BFGS-B iterations of one kernel fit (the likelihood is flat near its optimum).
MAX_ITERATIONS = 100


def _optimizer(obj_func: object, initial_theta: np.ndarray, bounds: np.ndarray) -> tuple:
    """Minimize the negative log marginal likelihood (L-BFGS-B, ``MAX_ITERATIONS``)."""
    from scipy.optimize import minimize

    res = minimize(
        obj_func,  # type: ignore[arg-type]
        initial_theta,
        method="L-BFGS-B",
        jac=True,
        bounds=bounds,
        options={"maxiter": MAX_ITERATIONS},
    )
    return res.x, res.fun


def _kernel(dim: int, anisotropic: bool) -> object:
    from sklearn.gaussian_process.kernels import RBF, ConstantKernel, WhiteKernel

    scales = np.full(dim, 0.5) if anisotropic else 0.5
    return ConstantKernel(1.0, (1e-2, 1e2)) * RBF(
        length_scale=scales, length_scale_bounds=(0.05, 50.0)
    ) + WhiteKernel(1e-2, (1e-8, 1e1))


def _fit_kernel(x: np.ndarray, y: np.ndarray, seed: int, anisotropic: bool) -> object:
    """Fit a kernel by maximum likelihood on standardized ``y``; return its signal part."""
    from sklearn.gaussian_process import GaussianProcessRegressor

    gp = GaussianProcessRegressor(
        kernel=_kernel(x.shape[1], anisotropic),
        normalize_y=True,
        optimizer=_optimizer,
        random_state=seed,
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # convergence notes at the bounds are expected
        gp.fit(x, y)
    return gp.kernel_.k1  # type: ignore[attr-defined]  # constant * RBF, noise dropped


def _condition(x: np.ndarray, y: np.ndarray, kernel: object, nugget: float) -> object:
    """Return a GP with a fixed kernel conditioned on ``(x, y)`` (``nugget`` in y units)."""
    from sklearn.gaussian_process import GaussianProcessRegressor

    scale = float(np.std(y)) or 1.0
    gp = GaussianProcessRegressor(
        kernel=kernel,
        alpha=max(nugget / scale**2, 1e-8),
        normalize_y=True,
        optimizer=None,
    )
    gp.fit(x, y)
    return gp


def _standardized_mean(columns: np.ndarray) -> np.ndarray:
    sd = columns.std(axis=0)
    keep = sd > 1e-9
    z = (columns[:, keep] - columns[:, keep].mean(axis=0)) / sd[keep]
    return z.mean(axis=1)


@dataclass
class Emulators:
    """Mean and variance emulators of every emulated target.

    Attributes:
        mean: One conditioned GP per target (None for a constant output).
        variance: One conditioned GP per target, or None (one replicate, or constant).
        constant: Value of each output that never varied (NaN where it varied).
        log_variance: Constant log variance used where ``variance`` is None (-inf = 0).
    """

    mean: list[object | None] = field(default_factory=list)
    variance: list[object | None] = field(default_factory=list)
    constant: np.ndarray = field(default_factory=lambda: np.empty(0))
    log_variance: np.ndarray = field(default_factory=lambda: np.empty(0))

    def predict(self, x: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Predict at points ``x`` (rows in the unit cube).

        Returns:
            ``(mean, v_emulator, v_ensemble)``, each (point, target).
        """
        from threadpoolctl import threadpool_limits

        n, t = len(x), len(self.mean)
        mean = np.empty((n, t))
        v_em = np.zeros((n, t))
        v_ens = np.zeros((n, t))
        with threadpool_limits(1):  # small matrices: threads only add overhead
            for j in range(t):
                gp = self.mean[j]
                if gp is None:
                    mean[:, j] = self.constant[j]
                else:
                    m, sd = gp.predict(x, return_std=True)  # type: ignore[attr-defined]
                    mean[:, j] = m
                    v_em[:, j] = sd**2
                vgp = self.variance[j]
                if vgp is not None:
                    v_ens[:, j] = np.exp(vgp.predict(x))  # type: ignore[attr-defined]
                else:
                    v_ens[:, j] = np.exp(self.log_variance[j])
        return mean, v_em, v_ens


def fit_emulators(
    x: np.ndarray, y: np.ndarray, groups: Sequence[str] | None = None, seed: int = 0
) -> Emulators:
    """Fit mean and variance emulators of each output.

    Args:
        x: Inputs, (point, dimension) in the unit cube.
        y: Outputs on the log scale, (point, replicate, target); points with a NaN
            (failed runs) are left out.
        groups: Group of each target (kernels are shared inside a group); one group per
            target when omitted.
        seed: Seed of the kernel fits.

    Returns:
        The emulators.
    """
    from threadpoolctl import threadpool_limits

    n_target = y.shape[2]
    groups = list(groups) if groups is not None else [str(j) for j in range(n_target)]
    ok = ~np.isnan(y).any(axis=(1, 2))
    x, y = x[ok], y[ok]
    n_rep = y.shape[1]
    means = y.mean(axis=1)
    log_var = np.log(np.maximum(y.var(axis=1, ddof=1), VARIANCE_FLOOR)) if n_rep >= 2 else None
    out = Emulators(
        mean=[None] * n_target,
        variance=[None] * n_target,
        constant=np.full(n_target, np.nan),
        log_variance=np.full(n_target, -np.inf),
    )
    with threadpool_limits(1):
        for k, name in enumerate(dict.fromkeys(groups)):
            cols = np.array([j for j in range(n_target) if groups[j] == name])
            varying = [j for j in cols if np.ptp(means[:, j]) > 1e-9]
            for j in cols:
                if j not in varying:
                    out.constant[j] = float(means[:, j].mean()) if len(means) else 0.0
            if len(x) < 3 or not varying:
                for j in varying:
                    out.constant[j] = float(means[:, j].mean())
                continue
            kernel = _fit_kernel(x, _standardized_mean(means[:, varying]), seed + k, True)
            for j in varying:
                nugget = float(np.exp(log_var[:, j]).mean()) / n_rep if log_var is not None else 0
                out.mean[j] = _condition(x, means[:, j], kernel, nugget)
            if log_var is None:
                continue
            lv = log_var[:, cols]
            vary_v = [i for i in range(len(cols)) if np.ptp(lv[:, i]) > 1e-9]
            for i, j in enumerate(cols):
                out.log_variance[j] = float(lv[:, i].mean())
            if not vary_v:
                continue
            vkernel = _fit_kernel(x, _standardized_mean(lv[:, vary_v]), seed + 7919 + k, False)
            for i in vary_v:
                # the sample variance of few replicates is itself noisy: a chi-square
                # with n-1 degrees of freedom has log variance about 2 / (n - 1)
                out.variance[cols[i]] = _condition(x, lv[:, i], vkernel, 2.0 / (n_rep - 1))
    return out

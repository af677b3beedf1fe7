"""Calibration of the baseline to 2015-2021 public data and parameter sensitivity.

- ``targets``: the observed figures (``data/targets.csv``) and their periods.
- ``observe``: the observation model, results tables -> the same quantities as the targets.
- ``loss``: weighted mean absolute log error, each target group counting equally.
- ``space``: the free parameters, their prior ranges and one simulated point.
- ``emulator``: Gaussian-process emulators of each target's mean and run-to-run variance.
- ``history_matching``: waves of design, emulation and implausibility; the ensemble.
- ``report``: the fit table, figures and the calibration document.
- ``sensitivity``: Morris elementary effects of the free parameters.

Only periods up to 2021 are targets; later years are kept out for validation.
"""

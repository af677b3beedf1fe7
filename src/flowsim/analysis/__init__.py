"""Analysis of results folders: metrics, scenario comparisons, figures and reports.

Reads results tables only (see :mod:`flowsim.tables`); never imports the model. Functions
return DataFrames and matplotlib Figures and never print. Start with :func:`compare`::

    from flowsim.analysis import compare
    compare("results/policy_comparison", baseline="baseline", metric="onward_moves")
"""

from flowsim.analysis.compare import compare
from flowsim.analysis.load import ResultsFrames, ResultsSource, load_results, open_results
from flowsim.analysis.metrics import METRICS

__all__ = [
    "METRICS",
    "ResultsFrames",
    "ResultsSource",
    "compare",
    "load_results",
    "open_results",
]

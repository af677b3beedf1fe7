"""Results folders: one per sweep, written by the engine and read by analysis.

``flowsim.results.open(directory)`` returns a :class:`Results` for notebooks; the store
module writes folders (see its docstring for the layout).
"""

from __future__ import annotations

from flowsim.results.reader import Results, open_results, parse_period

open = open_results  # noqa: A001  (``results.open(folder)`` reads like ``pd.read_*``)

__all__ = ["Results", "open", "open_results", "parse_period"]

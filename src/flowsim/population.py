"""The migrant population as columnar arrays: one row per agent, one array per attribute.

Rows are appended when people emigrate and are never reused or deleted: the dead keep
their row with ``alive == False``, so ``created == alive + dead`` holds at every step
(there are no births and no exits from the modelled world). Arrays grow by doubling, so
adding agents is amortised O(1) per agent.
"""

from __future__ import annotations

import numpy as np

from flowsim.vocab import FIRST, NATIONAL, NEVER_MONTH, RUN_COHORT

#: Column name -> (dtype, fill value for new rows).
COLUMNS: dict[str, tuple[type, float | int | bool]] = {
    "key": (np.uint64, 0),  # stable identity for counter-based random draws
    "nationality": (np.int16, 0),  # country index of origin
    "location": (np.int16, 0),  # current country index (last node reached when travelling)
    "status": (np.int8, NATIONAL),
    "status_since": (np.int32, 0),  # absolute month the status began
    "status_until": (np.int32, NEVER_MONTH),  # month the status ends (permit/contract/decision)
    "permit_months": (np.int16, 0),  # permit length granted when a pending case succeeds
    "plan_return": (np.bool_, False),  # labor-visa holder returns home at contract end
    "documented": (np.bool_, False),  # holds a passport: may use legal routes
    "visa_holder": (np.bool_, False),  # with a passport, holds the visas legal entry requires
    "employed": (np.bool_, False),
    "savings": (np.float32, 0.0),  # USD
    "skill": (np.float32, 0.5),  # 0-1 percentile
    "months_here": (np.int16, 0),  # whole months lived at the current location
    "arrival_month": (np.int32, 0),  # absolute month of arrival at the current location
    "integration": (np.float32, 0.0),  # 0-1
    "moves": (np.int16, 0),  # international journeys started
    "borrowed": (np.bool_, False),  # kin paid part of a journey (decide.lends_again)
    "in_transit": (np.bool_, False),
    "edge": (np.int16, -1),  # route index being travelled, -1 when not on a route
    "months_left": (np.float32, 0.0),  # on the current route
    "dest": (np.int16, -1),  # journey destination, -1 when settled
    "kind": (np.int8, FIRST),  # kind of the current or last journey
    "alive": (np.bool_, True),
    "lived_abroad": (np.bool_, False),  # has lived (residence_months) outside its own country
    "cohort": (np.int8, RUN_COHORT),  # COHORT_NAMES code: run or initial stock
}


class Population:
    """Columnar agent state; attribute ``<column>`` is a view of the live rows."""

    def __init__(self, capacity: int = 1024) -> None:
        self._capacity = max(int(capacity), 16)
        self.n = 0
        self._data = {
            name: np.full(self._capacity, fill, dtype=dtype)
            for name, (dtype, fill) in COLUMNS.items()
        }

    def __getattr__(self, name: str) -> np.ndarray:
        data = self.__dict__.get("_data")
        if data is not None and name in data:
            return data[name][: self.n]
        raise AttributeError(name)

    def column(self, name: str) -> np.ndarray:
        """Return the live view of a column (same as attribute access)."""
        return self._data[name][: self.n]

    def add(self, count: int, **values: np.ndarray | float | int | bool) -> np.ndarray:
        """Append ``count`` rows with the given column values; return their row indices.

        Args:
            count: Number of agents to add.
            **values: Column name -> scalar or array of length ``count``; other columns
                take their fill value.

        Returns:
            ``int64`` array of the new rows.
        """
        unknown = set(values) - set(COLUMNS)
        if unknown:
            raise KeyError(f"unknown population columns: {sorted(unknown)}")
        start, stop = self.n, self.n + int(count)
        if stop > self._capacity:
            new_cap = max(stop, 2 * self._capacity)
            for name, (dtype, fill) in COLUMNS.items():
                arr = np.full(new_cap, fill, dtype=dtype)
                arr[:start] = self._data[name][:start]
                self._data[name] = arr
            self._capacity = new_cap
        for name, value in values.items():
            self._data[name][start:stop] = value
        self.n = stop
        return np.arange(start, stop)

    def nbytes(self) -> int:
        """Bytes held by the arrays (including spare capacity)."""
        return sum(a.nbytes for a in self._data.values())

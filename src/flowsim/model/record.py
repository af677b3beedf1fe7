"""Monthly aggregation of what happened, in people, kept as small dense numpy arrays.

Nothing per agent is stored: each month adds a few thousand numbers (stocks by country x
nationality x status, events by country x nationality, crossings by route x nationality x
journey kind), so memory does not grow with the number of agents. ``tables`` turns them
into the long result tables of ``flowsim.tables`` at the end of a run.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from flowsim.calendar import month_date
from flowsim.tables import STOCK_VARIABLES, VARIABLES
from flowsim.vocab import INITIAL_COHORT, KIND_NAMES, MODES, STATUS_NAMES
from flowsim.world.compiled import WorldIndex

if TYPE_CHECKING:
    from flowsim.model.model import FlowModel

#: Event variables counted by (country, nationality) each month: every result variable
#: but the two stocks (the variables themselves are defined once, in ``flowsim.tables``).
EVENTS: tuple[str, ...] = tuple(v for v in VARIABLES if v not in STOCK_VARIABLES)
_EV = {name: i for i, name in enumerate(EVENTS)}
JOURNEY_EVENT = tuple(_EV[f"journeys_{k}"] for k in KIND_NAMES)


class Recorder:
    """Accumulates one month at a time; ``scale`` converts agents to people."""

    def __init__(self, w: WorldIndex, scale: float) -> None:
        self.w = w
        self.scale = float(scale)
        n = w.n_nodes
        self._n = n
        self.months: list[int] = []
        self._events: list[np.ndarray] = []
        self._stock: list[np.ndarray] = []
        self._employed: list[np.ndarray] = []
        self._initial: list[np.ndarray] = []
        self._flows: list[np.ndarray] = []
        self.events = np.zeros((len(EVENTS), n, n))
        self.flows = np.zeros(w.n_edges * n * len(KIND_NAMES) * 2)

    def count(self, event: str | int, country: np.ndarray, nationality: np.ndarray) -> None:
        """Add one agent per element to an event at (country, nationality)."""
        if len(country) == 0:
            return
        ev = _EV[event] if isinstance(event, str) else event
        key = country.astype(np.int64) * self._n + nationality
        self.events[ev] += np.bincount(key, minlength=self._n * self._n).reshape(self._n, self._n)

    def cross(
        self, edge: np.ndarray, nationality: np.ndarray, kind: np.ndarray, lived: np.ndarray
    ) -> None:
        """Record border crossings on routes, each with its journey's kind.

        ``lived`` flags crossers who had lived (``residence_months`` settled) in a country
        other than their own before this crossing.
        """
        if len(edge) == 0:
            return
        key = (edge.astype(np.int64) * self._n + nationality) * len(KIND_NAMES) + kind
        key = key * 2 + lived
        self.flows += np.bincount(key, minlength=self.flows.size)

    def close_month(
        self,
        month: int,
        location: np.ndarray,
        nationality: np.ndarray,
        status: np.ndarray,
        employed: np.ndarray,
        initial: np.ndarray | None = None,
    ) -> None:
        """Store stocks of settled agents and this month's events, then reset events.

        ``initial`` flags agents of the initial stock (cohort ``pre2015``), whose stock is
        also stored on its own (variable ``stock_pre2015``).
        """
        n, s = self._n, len(STATUS_NAMES)
        key = (location.astype(np.int64) * n + nationality) * s + status
        size = n * n * s
        self._stock.append(np.bincount(key, minlength=size).astype(np.float32))
        self._employed.append(np.bincount(key[employed], minlength=size).astype(np.float32))
        old = key[initial] if initial is not None else key[:0]
        self._initial.append(np.bincount(old, minlength=size).astype(np.float32))
        self._events.append(self.events.astype(np.float32))
        self._flows.append(self.flows.astype(np.float32))
        self.months.append(month)
        self.events = np.zeros_like(self.events)
        self.flows = np.zeros_like(self.flows)

    def timeseries(self) -> pd.DataFrame:
        """Long table: month, country, nationality, status, variable, value (people)."""
        n, s = self._n, len(STATUS_NAMES)
        iso = np.array(self.w.iso3, dtype=object)
        parts = []
        stocks = (self._stock, self._employed, self._initial)
        for variable, stacked in zip(STOCK_VARIABLES, stocks, strict=True):
            arr = np.stack(stacked) if stacked else np.zeros((0, n * n * s))
            t, flat = np.nonzero(arr)
            loc, rest = np.divmod(flat, n * s)
            nat, st = np.divmod(rest, s)
            parts.append(
                pd.DataFrame(
                    {
                        "m": np.asarray(self.months)[t],
                        "country": iso[loc],
                        "nationality": iso[nat],
                        "status": np.array(STATUS_NAMES, dtype=object)[st],
                        "variable": variable,
                        "value": arr[t, flat].astype(np.float64) * self.scale,
                    }
                )
            )
        ev = np.stack(self._events) if self._events else np.zeros((0, len(EVENTS), n, n))
        t, v, loc, nat = np.nonzero(ev)
        parts.append(
            pd.DataFrame(
                {
                    "m": np.asarray(self.months)[t],
                    "country": iso[loc],
                    "nationality": iso[nat],
                    "status": "all",
                    "variable": np.array(EVENTS, dtype=object)[v],
                    "value": ev[t, v, loc, nat].astype(np.float64) * self.scale,
                }
            )
        )
        df = pd.concat(parts, ignore_index=True)
        df.insert(0, "month", _dates(df.pop("m")))
        return df.sort_values(
            ["month", "variable", "country", "nationality", "status"], kind="stable"
        ).reset_index(drop=True)

    def flow_table(self) -> pd.DataFrame:
        """Crossings: month, nationality, from/to country, route, mode, kind, lived, people."""
        n, k = self._n, len(KIND_NAMES)
        iso = np.array(self.w.iso3, dtype=object)
        arr = np.stack(self._flows) if self._flows else np.zeros((0, self.flows.size))
        t, flat = np.nonzero(arr)
        flat_kind, lived = np.divmod(flat, 2)
        edge_nat, kind = np.divmod(flat_kind, k)
        edge, nat = np.divmod(edge_nat, n)
        df = pd.DataFrame(
            {
                "month": _dates(pd.Series(np.asarray(self.months)[t])),
                "nationality": iso[nat],
                "from_country": iso[self.w.edge_src[edge]],
                "to_country": iso[self.w.edge_dst[edge]],
                "route": np.array(self.w.edge_label, dtype=object)[edge],
                "mode": np.array(MODES, dtype=object)[self.w.edge_mode[edge]],
                "kind": np.array(KIND_NAMES, dtype=object)[kind],
                "lived_in_third": lived.astype(bool),
                "people": arr[t, flat].astype(np.float64) * self.scale,
            }
        )
        return df.sort_values(
            ["month", "route", "nationality", "kind", "lived_in_third"], kind="stable"
        ).reset_index(drop=True)


def record_month(model: FlowModel) -> None:
    """Phase ``record``: store this month's stocks and events; advance the month."""
    P = model.population
    settled = model.settled()
    model.recorder.close_month(
        model.month,
        P.location[settled],
        P.nationality[settled],
        P.status[settled],
        P.employed[settled],
        P.cohort[settled] == INITIAL_COHORT,
    )
    model.agent_steps += int(np.count_nonzero(P.alive))
    model.month += 1


def _dates(months: pd.Series) -> pd.Series:
    lookup = {m: pd.Timestamp(month_date(int(m))) for m in pd.unique(months)}
    return pd.Series(
        pd.to_datetime(months.map(lookup)).values.astype("datetime64[ms]"), index=months.index
    )

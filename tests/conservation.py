"""The people-conservation check shared by the model tests."""

from __future__ import annotations

import pandas as pd

from flowsim.model import FlowModel


def assert_conserved(model: FlowModel, ts: pd.DataFrame | None = None) -> None:
    """Everyone created is settled somewhere, travelling or dead; the stock counts the settled.

    Args:
        model: A model after ``run_months``.
        ts: Its timeseries table (read from the recorder when omitted).
    """
    ts = model.recorder.timeseries() if ts is None else ts
    c, P = model.counts(), model.population
    assert c["created"] == c["alive"] + c["dead"]
    transit = int((P.alive & P.in_transit).sum())
    last = ts[(ts.variable == "stock") & (ts.month == ts.month.max())].value.sum()
    assert last == (c["alive"] - transit) * model.scale

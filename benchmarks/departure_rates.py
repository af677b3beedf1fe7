"""Journeys started from a host per 100 residents a year, for some (nationality, host) pairs.

Reads the runs of a results folder written by ``benchmarks/history_table.py`` (one
``seed<k>`` folder per seed) and prints, by year, the onward and return journeys the
migrants of each pair started from their host (timeseries ``journeys_onward`` and
``journeys_return``) per 100 of them living there in June (``stock``, all statuses), as
``onward/return``. A diagnostic of how often settled migrants move: DANE's survey of 2021
(the ``host_departures`` target) puts the Venezuelans of Colombia at 4 a year, 3 home and 1
elsewhere. Not part of the test suite.

Usage (from the repository root)::

    PYTHONPATH=src python benchmarks/departure_rates.py results/history_table
        [--pairs VEN:COL,VEN:PER,HTI:CHL]
"""

from __future__ import annotations

import argparse
from pathlib import Path

import pandas as pd

PAIRS = "VEN:COL,VEN:PER,VEN:ECU,VEN:CHL,HTI:CHL,HTI:BRA,HTI:DOM"


def rates(folder: Path, pairs: list[tuple[str, str]]) -> pd.DataFrame:
    """Return ``onward/return`` per 100 June residents, years by pairs.

    Args:
        folder: A history-table results folder (``seed0``, ``seed1``, ... inside).
        pairs: (nationality, host) ISO3 pairs.

    Returns:
        One row per year, one column per pair, cells as text ``"onward/return"``.
    """
    seeds = sorted(folder.glob("seed*/timeseries.parquet"))
    if not seeds:
        raise SystemExit(f"{folder}: no seed*/timeseries.parquet (run history_table.py first)")
    nats = sorted({n for n, _ in pairs})
    ts = pd.concat(pd.read_parquet(f, filters=[("nationality", "in", nats)]) for f in seeds)
    when = pd.to_datetime(ts["month"])
    ts = ts.assign(year=when.dt.year, june=when.dt.month == 6)
    out = {}
    for nat, host in pairs:
        s = ts[(ts.nationality == nat) & (ts.country == host)]
        per_year = {
            v: s[s.variable == v].groupby("year").value.sum()
            for v in ("journeys_onward", "journeys_return")
        }
        stock = s[(s.variable == "stock") & s.june].groupby("year").value.sum()
        onward = (100 * per_year["journeys_onward"] / stock).round(1)
        home = (100 * per_year["journeys_return"] / stock).round(1)
        out[f"{nat} in {host}"] = onward.astype(str) + "/" + home.astype(str)
    return pd.DataFrame(out)


def main() -> None:
    """Parse the command line and print the table."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("folder", type=Path)
    ap.add_argument("--pairs", default=PAIRS, help=f"NAT:HOST,... (default {PAIRS})")
    args = ap.parse_args()
    pairs = [tuple(x.split(":")) for x in args.pairs.split(",")]
    if any(len(p) != 2 for p in pairs):
        raise SystemExit(f"--pairs: expected NAT:HOST,... (e.g. {PAIRS}), got {args.pairs!r}")
    print(rates(args.folder, pairs).to_string())


if __name__ == "__main__":
    main()

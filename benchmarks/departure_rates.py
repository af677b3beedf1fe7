"""Journeys started from a host per 100 residents a year, for some (nationality, host) pairs.

Reads the runs of a results folder written by ``benchmarks/history_table.py`` (its
``seed<k>`` folders; folders moved aside, ``seed<k>.old-<time>``, are skipped) and prints, by
year, the onward and return journeys the migrants of each pair started from their host
(timeseries ``journeys_onward`` and ``journeys_return``) per 100 of them living there at the
end of the year before (``stock``, every status; the run's first month for its first year),
as ``onward/return``: add the two for all journeys started. A diagnostic of how often settled
migrants move. Not the ``host_departures`` target, which counts people leaving a residence
(``left_residence``) rather than journeys; DANE's survey behind it puts the Venezuelans of
Colombia at 4 a year leaving, 3 home and 1 elsewhere. Not part of the test suite.

Usage (from the repository root)::

    PYTHONPATH=src python benchmarks/departure_rates.py results/history_table
        [--pairs VEN:COL,VEN:PER,HTI:CHL]
"""

from __future__ import annotations

import argparse
import re
from pathlib import Path

import pandas as pd

PAIRS = "VEN:COL,VEN:PER,VEN:ECU,VEN:CHL,HTI:CHL,HTI:BRA,HTI:DOM"


def rates(folder: Path, pairs: list[tuple[str, str]]) -> pd.DataFrame:
    """Return ``onward/return`` per 100 residents at the end of the year before.

    Args:
        folder: A history-table results folder (``seed0``, ``seed1``, ... inside).
        pairs: (nationality, host) ISO3 pairs, upper case.

    Returns:
        One row per year, one column per pair, cells as text ``"onward/return"``.

    Raises:
        ValueError: If the folder holds no runs, or a pair has no migrants in them.
    """
    seeds = sorted(
        f / "timeseries.parquet"
        for f in folder.glob("seed*")
        if re.fullmatch(r"seed\d+", f.name) and (f / "timeseries.parquet").exists()
    )
    if not seeds:
        raise ValueError(f"{folder}: no seed<k>/timeseries.parquet (run history_table.py first)")
    nats = sorted({n for n, _ in pairs})
    ts = pd.concat(pd.read_parquet(f, filters=[("nationality", "in", nats)]) for f in seeds)
    if ts.empty:
        raise ValueError(f"--pairs: no migrants of {', '.join(nats)} in {folder}")
    when = pd.to_datetime(ts["month"])
    ts = ts.assign(year=when.dt.year, month_no=when.dt.month)
    years = range(int(ts.year.min()), int(ts.year.max()) + 1)
    first = ts[when == when.min()]
    out = {}
    for nat, host in pairs:
        s = ts[(ts.nationality == nat) & (ts.country == host)]
        if s.empty:
            raise ValueError(f"--pairs: no {nat} migrants in {host} in {folder}")
        counts = {
            v: s[s.variable == v].groupby("year").value.sum().reindex(years, fill_value=0.0)
            for v in ("journeys_onward", "journeys_return")
        }
        stocks = s[(s.variable == "stock") & (s.month_no == 12)].groupby("year").value.sum()
        base = stocks.shift(1, fill_value=float("nan")).reindex(years)
        start = first[(first.nationality == nat) & (first.country == host)]
        base.iloc[0] = start[start.variable == "stock"].value.sum()
        onward = (100 * counts["journeys_onward"] / base).round(1)
        home = (100 * counts["journeys_return"] / base).round(1)
        out[f"{nat} in {host}"] = onward.astype(str) + "/" + home.astype(str)
    return pd.DataFrame(out).rename_axis("year")


def main() -> None:
    """Parse the command line and print the table; bad input is one line and exit 2."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("folder", type=Path)
    ap.add_argument("--pairs", default=PAIRS, help=f"NAT:HOST,... (default {PAIRS})")
    args = ap.parse_args()
    pairs = [tuple(x.strip().upper().split(":")) for x in args.pairs.split(",")]
    if any(len(p) != 2 or not all(re.fullmatch(r"[A-Z]{3}", c) for c in p) for p in pairs):
        ap.error(
            f"--pairs: expected NAT:HOST,... with ISO3 codes (e.g. {PAIRS}), got {args.pairs!r}"
        )
    try:
        table = rates(args.folder, pairs)
    except ValueError as err:
        ap.error(str(err))
    print(table.to_string())


if __name__ == "__main__":
    main()

"""The baseline's 2015-2021 history table: observed figures against the model.

Runs the baseline (2015-01 to 2021-12) for several seeds into a results folder, then
compares the mean over seeds with the observed figures below (each with its source in the
project's data: ``src/flowsim/data/targets.csv`` and the shared reference collection) and
prints the table and the mean absolute log error.

Usage (from the repository root)::

    PYTHONPATH=src python benchmarks/history_table.py [--seeds 3] [--scale 500]
        [--out results/history_table] [--scenario scenarios/baseline.toml]
        [--set know_spill=0 --set b_leg=0.2]

``--set`` runs the scenario with parameters changed (a one-at-a-time profile). After the
table it prints the calibration loss of the same runs by target group (weighted mean
absolute log error, ``flowsim.calibration.loss.group_losses``) and their mean, the
quantity calibration minimises. Only outcomes up to 2021 appear. Not part of the test suite.
"""

from __future__ import annotations

import argparse
import json
import math
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd

from flowsim.calibration import observe

ROOT = Path(__file__).resolve().parents[1]

#: (label, observed, source, how the model value is read).
ROWS: tuple[tuple[str, float, str, str], ...] = (
    (
        "Haitians crossing the Darien, 2021",
        101_072,
        "Panama SNM via targets.csv darien HTI 2021",
        "darien HTI 2021",
    ),
    (
        "Venezuelans crossing the Darien, 2021",
        2_819,
        "Panama SNM via targets.csv darien VEN 2021",
        "darien VEN 2021",
    ),
    (
        "Haitians living in Chile, end 2019",
        185_865,
        "INE/DEM estimate (shared calibration_targets_more.csv)",
        "stock HTI CHL 2019-12",
    ),
    (
        "Venezuelans living in Spain, mid-2020 (UN DESA)",
        325_667,
        "UN DESA International Migrant Stock 2020",
        "stock VEN ESP 2020-06",
    ),
    (
        "Venezuelans in Peru, Nov 2021 (R4V)",
        1_286_464,
        "R4V via targets.csv r4v_stock PER 2021-11",
        "stock VEN PER 2021-11",
    ),
    (
        "US southwest border encounters, FY2021",
        1_734_686,
        "CBP via targets.csv us_sw all FY2021",
        "encounters FY2021",
    ),
    (
        "Venezuelans in Colombia with a regular status, 31 Jan 2021 (share)",
        759_584 / (759_584 + 983_343),
        "Migracion Colombia: 759,584 regular, 983,343 irregular (shared calibration_targets.csv)",
        "regular share VEN COL 2021-01",
    ),
    (
        "Venezuelans granted a PEP in Colombia, 2017-2018 (first waves + PEP-RAMV)",
        182_000 + 281_307,
        "JDC / Bahar (shared calibration_targets.csv: 182,000 and 281,307)",
        "regularized VEN COL 2017-2018",
    ),
    (
        "Venezuelans granted Peru's PTP permit, 2017-2018",
        170_000,
        "Peru Migraciones via shared calibration_targets.csv (peru_ptp_cards_granted, 2018-12)",
        "regularized VEN PER 2017-2018",
    ),
    (
        "Chile's 2018 extraordinary regularization, visas granted (all nationalities)",
        131_399,
        "Extranjeria via shared calibration_targets.csv (chile_2018_regularization_granted)",
        "regularized * CHL 2018-2019",
    ),
    (
        "2021 Darien crossers who had lived in a third country (IOM: 63% lived in Chile or Brazil)",
        0.63,
        "IOM survey, n=732 (shared calibration_targets_more.csv)",
        "secondary share 2021",
    ),
)


def with_parameters(scenario: Path, settings: list[str], out: Path) -> Path:
    """Write a scenario extending ``scenario`` with ``name=value`` parameters; return its path.

    Returns ``scenario`` itself when ``settings`` is empty. Names and values are checked when
    the scenario loads (an unknown name is refused with the allowed ones).
    """
    if not settings:
        return scenario
    lines = [
        f'name = "{scenario.stem}_profile"',
        f"extends = {json.dumps(str(scenario.resolve().with_suffix('')))}",
        "[parameters]",
    ]
    values: dict[str, float] = {}
    for item in settings:  # a name given twice keeps its last value, as on a command line
        name, sep, value = item.partition("=")
        if not sep:
            raise SystemExit(f"--set {item!r}: expected name=value, e.g. know_spill=0")
        try:
            values[name.strip()] = float(value)
        except ValueError:
            raise SystemExit(f"--set {item!r}: the value must be a number") from None
    lines += [f"{name} = {value!r}" for name, value in values.items()]
    out.mkdir(parents=True, exist_ok=True)
    path = out / "profile_scenario.toml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def simulated(out: Path, seeds: int, targets: pd.DataFrame) -> np.ndarray:
    """Every target's value in each seed's run of ``out``: an array (seed, target)."""
    from flowsim.calibration.observe import observe_run

    return np.vstack(
        [
            observe_run(
                targets,
                pd.read_parquet(out / f"seed{k}" / "timeseries.parquet"),
                pd.read_parquet(out / f"seed{k}" / "flows.parquet"),
            )
            for k in range(seeds)
        ]
    )


def fit_rows(targets: pd.DataFrame, sims: np.ndarray, scale: float) -> pd.DataFrame:
    """The calibration report's fit table of the runs: one row per target.

    ``sims`` is ``simulated``'s array (seed, target) for ``targets``; the runs count as the
    replicates of one parameter set (``flowsim.calibration.report.ensemble_fit_table``), so
    ``ensemble_median`` is the mean over seeds and ``log_error`` the calibration loss's.
    """
    from flowsim.calibration.report import ensemble_fit_table

    return ensemble_fit_table(targets, sims[None, :, :], scale)


def target_rows(table: pd.DataFrame, groups: list[str]) -> pd.DataFrame:
    """Every target of ``groups`` in a ``fit_rows`` table: observed, model, weight, error.

    A target whose source only bounds the modelled quantity shows its interval (``low``,
    ``high``), the one its error is measured against; elsewhere both equal ``observed``.
    """
    rows = table[table["group"].isin(groups)].rename(
        columns={
            "ensemble_median": "model (mean)",
            "log_error": "log error",
            "observed_low": "low",
            "observed_high": "high",
        }
    )
    cols = ["target", "group", "observed", "low", "high", "model (mean)", "weight", "log error"]
    return rows[cols].reset_index(drop=True)


def run(scenario: Path, seeds: int, scale: float, out: Path) -> None:
    """Run the scenario 2015-01..2021-12 for ``seeds`` seeds into ``out`` (one folder each)."""
    from flowsim.cli.main import main

    for k in range(seeds):
        argv = [
            "run", str(scenario), "--seed", str(20150101 + k), "--months", "84",
            "--scale", str(scale), "--out", str(out / f"seed{k}"),
        ]  # fmt: skip
        if (out / f"seed{k}").exists():
            argv.append("--overwrite")  # moves the previous table's run aside, deletes nothing
        if main(argv) != 0:
            raise SystemExit(f"run {k} failed")


def measure(folder: Path) -> dict[str, float]:
    """Model values of the table's rows for one run folder."""
    ts = pd.read_parquet(folder / "timeseries.parquet")
    fl = pd.read_parquet(folder / "flows.parquet")
    year = (date(2021, 1, 1), date(2021, 12, 1))
    share = observe.secondary_share(folder, route="Darien Gap")
    every = share[(share.nationality == "ALL") & (share.period == "2021")]
    return {
        "darien HTI 2021": observe.route_crossings(fl, "Darien Gap", "HTI", *year),
        "darien VEN 2021": observe.route_crossings(fl, "Darien Gap", "VEN", *year),
        "stock HTI CHL 2019-12": observe.stock(ts, "CHL", "HTI", date(2019, 12, 1)),
        "stock VEN ESP 2020-06": observe.stock(ts, "ESP", "VEN", date(2020, 6, 1)),
        "stock VEN PER 2021-11": observe.stock(ts, "PER", "VEN", date(2021, 11, 1)),
        "encounters FY2021": observe.border_encounters(
            ts, fl, "US southwest border", "USA", "*", date(2020, 10, 1), date(2021, 9, 1)
        ),
        "secondary share 2021": float(every["share"].iloc[0]) if len(every) else float("nan"),
        "regular share VEN COL 2021-01": _regular_share(ts, "COL", "VEN", "2021-01-01"),
        "regularized VEN COL 2017-2018": _regularized(ts, "COL", "VEN", (2017, 2018)),
        "regularized VEN PER 2017-2018": _regularized(ts, "PER", "VEN", (2017, 2018)),
        "regularized * CHL 2018-2019": _regularized(ts, "CHL", None, (2018, 2019)),
    }


def _regularized(
    ts: pd.DataFrame, country: str, nationality: str | None, years: tuple[int, ...]
) -> float:
    """People granted a regularization permit in a host during some years."""
    sel = (
        (ts.variable == "regularized")
        & (ts.country == country)
        & pd.to_datetime(ts.month).dt.year.isin(years)
    )
    if nationality is not None:
        sel &= ts.nationality == nationality
    return float(ts.loc[sel, "value"].sum())


#: Statuses counted as regular residence (as in the analysis package).
REGULAR = ("regular", "labor_visa", "naturalized")


def _regular_share(ts: pd.DataFrame, country: str, nationality: str, month: str) -> float:
    """Share of a nationality's stock in a host holding a regular status at a month's end."""
    sel = ts[
        (ts.variable == "stock")
        & (ts.country == country)
        & (ts.nationality == nationality)
        & (pd.to_datetime(ts.month) == pd.Timestamp(month))
    ]
    total = sel.value.sum()
    if not total:
        return float("nan")
    return float(sel.loc[sel.status.isin(REGULAR), "value"].sum() / total)


def table(out: Path, seeds: int, scale: float) -> pd.DataFrame:
    """The comparison table: observed, model mean over seeds, ratio and log error.

    The log error of a count is ``log((model + c) / (observed + c))`` with ``c`` = people per
    agent (as in the calibration loss: a difference below one agent cannot be resolved, and
    a model value of 0 has a finite error); shares (below 1) use ``c = 0``.
    """
    values = pd.DataFrame([measure(out / f"seed{k}") for k in range(seeds)])
    rows = []
    for label, observed, source, key in ROWS:
        model = float(values[key].mean())
        c = scale if observed >= 1 else 0.0
        ratio = model / observed if observed else float("nan")
        rows.append(
            {
                "what": label,
                "observed": observed,
                "model (mean)": model,
                "model min-max": f"{values[key].min():,.3g} - {values[key].max():,.3g}",
                "model/observed": ratio,
                "abs log error": abs(math.log((model + c) / (observed + c)))
                if model + c > 0
                else float("inf"),
                "source": source,
            }
        )
    return pd.DataFrame(rows)


def _markdown(tab: pd.DataFrame) -> str:
    """Render the table as markdown without optional dependencies."""

    def cell(v: object) -> str:
        if isinstance(v, float):
            return f"{v:.2f}" if abs(v) < 10 else f"{v:,.0f}"
        return str(v)

    lines = ["| " + " | ".join(tab.columns) + " |", "|" + "---|" * len(tab.columns)]
    lines += ["| " + " | ".join(cell(v) for v in row) + " |" for row in tab.itertuples(index=False)]
    return "\n".join(lines)


def main() -> None:
    """Run and print the table (markdown) and the mean absolute log error."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seeds", type=int, default=3)
    ap.add_argument("--scale", type=float, default=500.0)
    ap.add_argument("--out", type=Path, default=ROOT / "results" / "history_table")
    ap.add_argument("--scenario", type=Path, default=ROOT / "scenarios" / "baseline.toml")
    ap.add_argument("--no-run", action="store_true", help="reuse the runs already in --out")
    ap.add_argument(
        "--set", action="append", default=[], metavar="NAME=VALUE", help="parameter override"
    )
    ap.add_argument(
        "--targets",
        default="",
        metavar="GROUP[,GROUP]",
        help="also print every target of these groups (observed, model, weight, log error)",
    )
    args = ap.parse_args()
    if not args.no_run:
        scenario = with_parameters(args.scenario, args.set, args.out)
        run(scenario, args.seeds, args.scale, args.out)
    tab = table(args.out, args.seeds, args.scale)
    print(_markdown(tab))
    print(f"\nmean absolute log error: {tab['abs log error'].mean():.3f}")
    from flowsim.calibration.targets import load_targets

    targets = load_targets()
    from flowsim.calibration.report import male_by_group

    fit = fit_rows(targets, simulated(args.out, args.seeds, targets), args.scale)  # once
    groups = male_by_group(fit)
    print("\ncalibration loss by target group (weighted mean absolute log error):")
    print("  " + ", ".join(f"{g} {v:.3f}" for g, v in groups.items()))
    if args.targets:
        rows = target_rows(fit, args.targets.split(","))
        print("\n" + rows.to_string(index=False, float_format=lambda v: f"{v:,.3f}"))


if __name__ == "__main__":
    main()

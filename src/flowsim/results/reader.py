"""Reading a results folder from notebooks and analysis code.

Filters are pushed down to the Parquet scan, so a large store is never loaded whole::

    from flowsim import results
    res = results.open("results/policy_comparison")
    res.runs                                   # one row per run, with status and error
    res.timeseries(variable="journeys_onward", country=["PER", "COL"], period="2018/2023")
    res.flows(route="Darien Gap", kind="onward", period="2023")

Only runs whose status is ``ok`` contribute data unless ``include_failed=True``. Opening
refuses a folder whose planned runs are not all finished ok with whole part files (the
run is named); ``allow_incomplete=True`` opens it anyway and reads only the runs whose
parts match their receipts (e.g. to look at a sweep still running).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.dataset as ds

from flowsim.calendar import month_date
from flowsim.calendar import parse_period as calendar_period
from flowsim.errors import ResultsError
from flowsim.results.store import SCHEMAS, part_name, read_manifest
from flowsim.results.verify import check_complete, run_states

Filter = str | Sequence[str] | None


def parse_period(period: str) -> tuple[date, date]:
    """Return the first and last month (inclusive) of a period.

    Args:
        period: A period in the grammar of :func:`flowsim.calendar.parse_period`
            (``"YYYY"``, ``"YYYY-MM"`` or ``"START/END"`` of those).

    Returns:
        The first days of the first and last months.

    Raises:
        ResultsError: When the period is not in that grammar.
    """
    try:
        first, last = calendar_period(period)
    except ValueError as exc:
        raise ResultsError(str(exc)) from None
    return month_date(first), month_date(last)


def _isin(column: str, value: Filter) -> ds.Expression | None:
    if value is None:
        return None
    values = [value] if isinstance(value, str) else list(value)
    return ds.field(column).isin(values)


def _and(*parts: ds.Expression | None) -> ds.Expression | None:
    out = None
    for part in parts:
        if part is not None:
            out = part if out is None else out & part
    return out


class Results:
    """A results folder opened for reading.

    Attributes:
        root: The folder.
        manifest: The parsed ``manifest.json``.
    """

    def __init__(self, root: str | Path, *, allow_incomplete: bool = False) -> None:
        self.root = Path(root)
        self.manifest: dict[str, Any] = read_manifest(self.root)
        states = run_states(self.root, self.manifest)  # every part's checksum, once
        if not allow_incomplete:
            check_complete(self.root, states)
        self._files = {
            table: [
                str(self.root / f"{table}.parquet" / part_name(run_id))
                for run_id, state in states.items()
                if state.finished and (table == "runs" or state.state == "ok")
            ]
            for table in SCHEMAS
        }

    def _dataset(self, table: str) -> ds.Dataset | None:
        files = self._files[table]
        if not files:
            return None
        return ds.dataset(files, format="parquet", schema=SCHEMAS[table])

    @property
    def runs(self) -> pd.DataFrame:
        """Every finished run (ok and failed), sorted by run id."""
        dataset = self._dataset("runs")
        table = dataset.to_table() if dataset is not None else SCHEMAS["runs"].empty_table()
        return table.to_pandas().sort_values("run_id", ignore_index=True)

    @property
    def failed(self) -> pd.DataFrame:
        """The runs that failed, with their errors."""
        runs = self.runs
        return runs[runs["status"] != "ok"].reset_index(drop=True)

    def _ok_ids(self) -> list[str]:
        dataset = self._dataset("runs")
        if dataset is None:
            return []
        table = dataset.to_table(columns=["run_id"], filter=ds.field("status") == "ok")
        return table["run_id"].to_pylist()

    def _read(
        self,
        table: str,
        filters: list[ds.Expression | None],
        period: str | None,
        include_failed: bool,
    ) -> pd.DataFrame:
        if period is not None:
            first, last = parse_period(period)
            filters.append(
                (ds.field("month") >= pa.scalar(first, pa.date32()))
                & (ds.field("month") <= pa.scalar(last, pa.date32()))
            )
        if not include_failed:
            filters.append(ds.field("run_id").isin(self._ok_ids()))
        dataset = self._dataset(table)
        if dataset is None:
            arrow = SCHEMAS[table].empty_table()
        else:
            arrow = dataset.to_table(filter=_and(*filters))
        arrow = arrow.set_column(
            arrow.schema.get_field_index("month"),
            "month",
            pc.cast(arrow["month"], pa.timestamp("ns")),
        )
        return arrow.to_pandas()

    def timeseries(
        self,
        scenario: Filter = None,
        variable: Filter = None,
        country: Filter = None,
        nationality: Filter = None,
        period: str | None = None,
        *,
        include_failed: bool = False,
    ) -> pd.DataFrame:
        """Return timeseries rows matching every given filter.

        Args:
            scenario: Scenario label(s).
            variable: Variable name(s) (see ``flowsim.tables.VARIABLES``).
            country: ISO3 code(s) where the quantity is measured.
            nationality: ISO3 code(s) of the migrants' origin.
            period: ``"YYYY"``, ``"YYYY-MM"`` or ``"YYYY-MM/YYYY-MM"`` (inclusive).
            include_failed: Also return rows of runs not recorded as ok.

        Returns:
            A long frame with ``flowsim.tables.TIMESERIES_COLUMNS``; ``month`` is a datetime.
        """
        filters = [
            _isin("scenario", scenario),
            _isin("variable", variable),
            _isin("country", country),
            _isin("nationality", nationality),
        ]
        return self._read("timeseries", filters, period, include_failed)

    def flows(
        self,
        scenario: Filter = None,
        kind: Filter = None,
        route: Filter = None,
        period: str | None = None,
        *,
        include_failed: bool = False,
    ) -> pd.DataFrame:
        """Return border-crossing rows matching every given filter.

        Args:
            scenario: Scenario label(s).
            kind: Journey kind(s) (see ``flowsim.tables.KINDS``).
            route: Route name(s) or id(s), e.g. ``"Darien Gap"``.
            period: ``"YYYY"``, ``"YYYY-MM"`` or ``"YYYY-MM/YYYY-MM"`` (inclusive).
            include_failed: Also return rows of runs not recorded as ok.

        Returns:
            A long frame with ``flowsim.tables.FLOWS_COLUMNS``; ``month`` is a datetime.
        """
        filters = [_isin("scenario", scenario), _isin("kind", kind), _isin("route", route)]
        return self._read("flows", filters, period, include_failed)


def open_results(directory: str | Path, *, allow_incomplete: bool = False) -> Results:
    """Open a results folder for reading.

    Args:
        directory: The sweep's folder (it holds ``manifest.json``).
        allow_incomplete: Open a folder with missing, failed or damaged runs too, reading
            only the runs whose parts are whole.

    Returns:
        The results.

    Raises:
        ResultsError: When the folder has no manifest, is of another format version, or
            (unless ``allow_incomplete``) a planned run is missing, failed or damaged.
    """
    return Results(directory, allow_incomplete=allow_incomplete)

"""Read a results folder, keeping only the runs that finished.

A results folder holds ``manifest.json`` and three long tables (``runs``, ``timeseries``,
``flows``), each either one Parquet file or a directory of Parquet part files; the columns
are those of :mod:`flowsim.tables`. Analysis code accepts a folder path, a
:class:`ResultsFrames`, a :class:`ResultsSource`, or any object with ``runs``,
``timeseries`` and ``flows`` DataFrame attributes (such as the results store's reader).

Large folders are never loaded whole: :func:`open_results` keeps the runs table and the
manifest in memory and answers every other question with a DuckDB query over the Parquet
files (:meth:`ResultsSource.query`), so memory grows with the size of the answer, not of
the tables. :class:`ResultsFrames` (tables already in memory) answers the same queries.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd
import pyarrow.parquet as pq

from flowsim import tables
from flowsim.errors import ResultsError

#: Table name -> its columns, as the results contract states them.
TABLE_COLUMNS: dict[str, tuple[str, ...]] = {
    "runs": tables.RUNS_COLUMNS,
    "timeseries": tables.TIMESERIES_COLUMNS,
    "flows": tables.FLOWS_COLUMNS,
}


@dataclass(frozen=True)
class ResultsFrames:
    """The tables of one results folder, in memory.

    Attributes:
        runs: One row per run (``tables.RUNS_COLUMNS``).
        timeseries: Monthly quantities in people (``tables.TIMESERIES_COLUMNS``).
        flows: Border crossings in people (``tables.FLOWS_COLUMNS``).
        manifest: The folder's ``manifest.json`` (empty when absent).
        failed_runs: Rows of the runs table whose status is not ``ok`` (left out).
    """

    runs: pd.DataFrame
    timeseries: pd.DataFrame
    flows: pd.DataFrame
    manifest: dict[str, Any] = field(default_factory=dict)
    failed_runs: pd.DataFrame | None = None

    @property
    def scenarios(self) -> list[str]:
        """Scenario labels in the order they first appear in the runs table."""
        return list(dict.fromkeys(self.runs["scenario"].tolist()))

    @property
    def months(self) -> list[pd.Timestamp]:
        """The months the results cover (any table), in order."""
        both = pd.concat([self.timeseries["month"], self.flows["month"]]).dropna()
        return sorted(pd.Timestamp(m) for m in both.unique())

    def query(self, sql: str, params: list[Any] | None = None) -> pd.DataFrame:
        """Run a DuckDB query over the views ``timeseries``, ``flows`` and ``runs``.

        Args:
            sql: The query; it may name the three tables as views.
            params: Values for the query's ``?`` placeholders.

        Returns:
            The answer, with any ``month`` column as timestamps.
        """
        con = duckdb.connect()
        con.execute("SET enable_progress_bar = false")
        try:
            con.register("runs", self.runs)
            for name in ("timeseries", "flows"):
                con.register(f"_{name}", getattr(self, name))
                con.execute(f"CREATE VIEW {name} AS SELECT {_typed(name)} FROM _{name}")
            return _months_as_timestamps(con.execute(sql, params or []).df())
        finally:
            con.close()


#: DuckDB memory ceiling for queries over results folders (it spills to disk beyond it).
QUERY_MEMORY_LIMIT = "400MB"


class ResultsSource:
    """A results folder read lazily: runs and manifest in memory, the rest queried.

    Attributes:
        root: The results folder.
        runs: Finished runs (status ``ok``).
        manifest: The folder's ``manifest.json`` (empty when absent).
        failed_runs: Runs whose status is not ``ok`` (left out of every query).
    """

    def __init__(self, root: Path) -> None:
        """Read the runs table and manifest of ``root`` (see :func:`open_results`)."""
        self.root = root
        runs = _read_table(root, "runs", required=True)
        done = runs["status"] == "ok"
        if not done.any():
            counts = runs["status"].value_counts().to_dict()
            raise ResultsError(f"{root}: no finished runs (run statuses: {counts or 'none'})")
        self.runs = runs[done].reset_index(drop=True)
        self.failed_runs = runs[~done].reset_index(drop=True)
        self.manifest = read_manifest(root)
        self._months: list[pd.Timestamp] | None = None

    @property
    def scenarios(self) -> list[str]:
        """Scenario labels in the order they first appear in the runs table."""
        return list(dict.fromkeys(self.runs["scenario"].tolist()))

    @property
    def months(self) -> list[pd.Timestamp]:
        """The months the results cover (any table), in order."""
        if self._months is None:
            got = self.query(
                "SELECT DISTINCT month FROM timeseries UNION SELECT DISTINCT month FROM flows"
            )
            self._months = sorted(pd.Timestamp(m) for m in got["month"].dropna())
        return self._months

    def query(self, sql: str, params: list[Any] | None = None) -> pd.DataFrame:
        """Run a DuckDB query over the views ``timeseries``, ``flows`` and ``runs``.

        The views hold finished runs only; ``month`` is a date (first of the month).

        Args:
            sql: The query; it may name the three tables as views.
            params: Values for the query's ``?`` placeholders.

        Returns:
            The answer, with any ``month`` column as timestamps.
        """
        con = duckdb.connect(config={"memory_limit": QUERY_MEMORY_LIMIT, "threads": 2})
        con.execute("SET enable_progress_bar = false")
        try:
            con.register("runs", self.runs)
            for name in ("timeseries", "flows"):
                con.execute(f"CREATE VIEW {name} AS {self._view(name)}")
            return _months_as_timestamps(con.execute(sql, params or []).df())
        finally:
            con.close()

    def _view(self, name: str) -> str:
        path = self.root / f"{name}.parquet"
        files = sorted(path.glob("*.parquet")) if path.is_dir() else [path]
        files = [f for f in files if f.is_file()]
        if not files:
            empty = ", ".join(
                f"CAST(NULL AS {_SQL_TYPES.get(c, 'VARCHAR')}) AS {c}" for c in TABLE_COLUMNS[name]
            )
            return f"SELECT {empty} WHERE FALSE"
        listed = ", ".join("'" + str(f).replace("'", "''") + "'" for f in files)
        present = pq.read_schema(files[0]).names
        return (
            f"SELECT {_typed(name, present)} FROM read_parquet([{listed}], union_by_name = true) "
            "WHERE run_id IN (SELECT run_id FROM runs)"
        )


def open_results(folder: str | Path) -> ResultsSource:
    """Open a results folder for queries without loading its large tables.

    Args:
        folder: The results folder (holding ``runs.parquet`` and friends).

    Raises:
        ResultsError: The folder or its runs table is missing, or no run finished.
    """
    root = Path(folder)
    if not root.is_dir():
        raise ResultsError(f"{folder}: results folder not found")
    return ResultsSource(root)


#: Anything the analysis functions accept as results, once opened.
Results = ResultsFrames | ResultsSource


def load_results(
    folder: str | Path,
    *,
    variables: Iterable[str] | None = None,
    with_flows: bool = True,
) -> ResultsFrames:
    """Read a results folder, keeping only runs whose status is ``ok``.

    Args:
        folder: The results folder (holding ``runs.parquet`` and friends).
        variables: Timeseries variables to read; ``None`` reads them all. Reading only the
            variables a metric needs keeps large sweeps light.
        with_flows: Read the flows table too; when false it is returned empty.

    Returns:
        The folder's tables, restricted to finished runs, with ``month`` as timestamps.

    Raises:
        ResultsError: The folder or its runs table is missing, or no run finished.
    """
    root = Path(folder)
    if not root.is_dir():
        raise ResultsError(f"{folder}: results folder not found")
    runs = _read_table(root, "runs", required=True)
    if variables is None:
        timeseries = _read_table(root, "timeseries")
    elif wanted := sorted(set(variables)):
        timeseries = _read_table(root, "timeseries", filters=[("variable", "in", wanted)])
    else:
        timeseries = _empty("timeseries")
    flows = _read_table(root, "flows") if with_flows else _empty("flows")
    frames = ResultsFrames(runs, timeseries, flows, read_manifest(root))
    return finished_only(frames, source=str(folder))


def read_manifest(folder: str | Path) -> dict[str, Any]:
    """Return the folder's ``manifest.json`` as a dict, or an empty dict when absent."""
    path = Path(folder) / "manifest.json"
    if not path.is_file():
        return {}
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise ResultsError(f"{path}: not valid JSON ({exc})") from exc
    return data if isinstance(data, dict) else {}


def as_frames(results: Any) -> Results:
    """Turn a folder path or an object with table attributes into finished-run results.

    Args:
        results: A folder path (opened lazily with :func:`open_results`), a
            :class:`ResultsSource`, a :class:`ResultsFrames`, or any object with ``runs``,
            ``timeseries`` and ``flows`` DataFrames (and optionally a ``manifest`` dict).

    Returns:
        Results holding only the runs with status ``ok``.

    Raises:
        ResultsError: Nothing usable was given, or no run finished.
    """
    if isinstance(results, str | Path):
        return open_results(results)
    if isinstance(results, ResultsSource):
        return results
    if isinstance(results, ResultsFrames) and _ready(results):
        return results
    try:
        runs, timeseries, flows = results.runs, results.timeseries, results.flows
    except AttributeError as exc:
        raise ResultsError(
            f"cannot read results from {type(results).__name__}: give a results folder or "
            "an object with runs, timeseries and flows DataFrames"
        ) from exc
    manifest = getattr(results, "manifest", None)
    frames = ResultsFrames(
        _normalise(runs, "runs"),
        _normalise(timeseries, "timeseries"),
        _normalise(flows, "flows"),
        manifest if isinstance(manifest, dict) else {},
    )
    return finished_only(frames, source=type(results).__name__)


def finished_only(frames: ResultsFrames, *, source: str = "results") -> ResultsFrames:
    """Keep only runs with status ``ok`` in every table.

    Raises:
        ResultsError: No run has status ``ok``.
    """
    done = frames.runs["status"] == "ok"
    ok = frames.runs[done]
    if ok.empty:
        counts = frames.runs["status"].value_counts().to_dict()
        raise ResultsError(f"{source}: no finished runs (run statuses: {counts or 'none'})")
    ids = set(ok["run_id"])
    failed = frames.runs[~done]
    if frames.failed_runs is not None:
        failed = pd.concat([frames.failed_runs, failed])
    return ResultsFrames(
        ok.reset_index(drop=True),
        frames.timeseries[frames.timeseries["run_id"].isin(ids)].reset_index(drop=True),
        frames.flows[frames.flows["run_id"].isin(ids)].reset_index(drop=True),
        frames.manifest,
        failed.reset_index(drop=True),
    )


def _ready(frames: ResultsFrames) -> bool:
    """Whether frames are already restricted to finished runs, with timestamp months."""
    return bool((frames.runs["status"] == "ok").all()) and all(
        pd.api.types.is_datetime64_any_dtype(df["month"])
        for df in (frames.timeseries, frames.flows)
    )


def _read_table(
    root: Path, name: str, *, required: bool = False, filters: list | None = None
) -> pd.DataFrame:
    path = root / f"{name}.parquet"
    if not path.exists() or (path.is_dir() and not any(path.glob("*.parquet"))):
        if required:
            raise ResultsError(
                f"{root}: no {name}.parquet; a results folder holds manifest.json, "
                "runs.parquet, timeseries.parquet and flows.parquet"
            )
        return _empty(name)
    return _normalise(pd.read_parquet(path, filters=filters), name)


#: SQL types of the columns that are not text.
_SQL_TYPES = {
    "month": "DATE",
    "replicate": "BIGINT",
    "value": "DOUBLE",
    "people": "DOUBLE",
    "lived_in_third": "BOOLEAN",
}


def _typed(name: str, present: Iterable[str] | None = None) -> str:
    """Select list casting a table's columns to their SQL types (text by default).

    Columns not in ``present`` (when given) are NULL: folders written before a column was
    added still answer the queries that do not need it.
    """
    have = set(TABLE_COLUMNS[name] if present is None else present)
    return ", ".join(
        f"CAST({c if c in have else 'NULL'} AS {_SQL_TYPES.get(c, 'VARCHAR')}) AS {c}"
        for c in TABLE_COLUMNS[name]
    )


def _months_as_timestamps(df: pd.DataFrame) -> pd.DataFrame:
    if "month" in df.columns:
        df["month"] = pd.to_datetime(df["month"])
    return df


def _empty(name: str) -> pd.DataFrame:
    return _normalise(pd.DataFrame({c: [] for c in TABLE_COLUMNS[name]}), name)


def _normalise(df: pd.DataFrame, name: str) -> pd.DataFrame:
    """Check the columns, turn categories into plain values and months into timestamps."""
    missing = [c for c in TABLE_COLUMNS[name] if c not in df.columns]
    if missing:
        raise ResultsError(
            f"{name} table lacks columns {missing} (expected: {list(TABLE_COLUMNS[name])})"
        )
    df = df.copy()
    for column in df.columns:
        if isinstance(df[column].dtype, pd.CategoricalDtype):
            df[column] = df[column].astype(df[column].cat.categories.dtype)
    if "month" in df.columns:
        df["month"] = pd.to_datetime(df["month"]).dt.to_period("M").dt.to_timestamp()
    if "replicate" in df.columns and not df.empty:
        df["replicate"] = df["replicate"].astype("int64")
    return df

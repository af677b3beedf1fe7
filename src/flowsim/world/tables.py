"""Read and validate the world tables: five required, five optional.

The optional ones are the initial stock abroad (``initial_stock``, ``initial_status``),
the routes each nationality knew before the start (``route_knowledge``), the
nationalities that shared smuggling networks (``smuggling_networks``) and the crossings of
people the model does not simulate who travelled in those networks
(``outside_crossings``).

Every problem found is collected before anything is raised, so a user fixing a file sees
all of them at once. Rows are numbered as a spreadsheet shows them: the header is row 1,
the first data row is row 2.
"""

from __future__ import annotations

import math
import stat
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from flowsim.errors import Problem, WorldError
from flowsim.vocab import MODES  # noqa: F401  (re-exported by flowsim.world)

#: Allowed route modes.

#: Nationality wildcard in visas.csv: the destination's default rule.
ALL_NATIONALITIES = "ALL"

_TRUE = {"true", "1", "yes"}
_FALSE = {"false", "0", "no"}


@dataclass(frozen=True)
class TableSpec:
    """What one world table must contain.

    Attributes:
        columns: Required columns, in file order.
        numbers: Numeric columns mapped to their inclusive ``(lower, upper)`` bounds
            (``None`` upper: unbounded).
        codes: Columns holding a country code of the world (ISO3).
        booleans: Columns holding ``true``/``false``.
        unique: Columns whose non-empty values must be unique.
        wildcards: Code columns that may also hold ``ALL`` (a default row).
        keys: Columns that together identify a row: two rows with the same values there
            are duplicates (the second would silently win).
        positive: Numeric columns where zero is not allowed either.
        optional: Columns kept when present (their terms are neutral when absent).
    """

    columns: tuple[str, ...]
    numbers: dict[str, tuple[float, float | None]] = field(default_factory=dict)
    codes: tuple[str, ...] = ()
    booleans: tuple[str, ...] = ()
    unique: tuple[str, ...] = ()
    wildcards: tuple[str, ...] = ()
    keys: tuple[str, ...] = ()
    positive: tuple[str, ...] = ()
    optional: tuple[str, ...] = ()


_COUNT: tuple[float, float | None] = (0.0, None)
_FRACTION: tuple[float, float | None] = (0.0, 1.0)

_SOURCES = tuple(
    f"{c}_source"
    for c in ("population", "gdp_pc_ppp", "unemployment", "wage", "informality", "migrant_stock")
) + ("integration_source", "passport_source")

#: The tables, in the order they are read.
SPECS: dict[str, TableSpec] = {
    "countries": TableSpec(
        columns=(
            "iso3",
            "name",
            "lat",
            "lon",
            "population",
            "gdp_pc_ppp",
            "unemployment",
            "wage_usd_month",
            "informality",
            "migrant_stock",
            "integration_base",
            "passport_share",
            *_SOURCES,
        ),
        numbers={
            "lat": (-90.0, 90.0),
            "lon": (-180.0, 180.0),
            "population": _COUNT,
            "gdp_pc_ppp": _COUNT,
            "unemployment": _FRACTION,
            "wage_usd_month": _COUNT,
            "informality": _FRACTION,
            "migrant_stock": _COUNT,
            "integration_base": _FRACTION,
            "passport_share": _FRACTION,
            "visa_access": _FRACTION,
        },
        unique=("iso3",),
        optional=("language", "visa_access"),
    ),
    "routes": TableSpec(
        columns=(
            "route_id",
            "from_iso3",
            "to_iso3",
            "mode",
            "distance_km",
            "cost_usd",
            "duration_months",
            "risk",
            "legal",
            "name",
            "source",
        ),
        numbers={
            "distance_km": _COUNT,
            "cost_usd": _COUNT,
            "duration_months": _COUNT,
            "risk": _FRACTION,
        },
        codes=("from_iso3", "to_iso3"),
        booleans=("legal",),
        unique=("route_id", "name"),
        positive=("duration_months",),
    ),
    "visas": TableSpec(
        columns=("destination", "nationality", "visa_required", "source"),
        codes=("destination", "nationality"),
        booleans=("visa_required",),
        keys=("destination", "nationality"),
    ),
    "diaspora": TableSpec(
        columns=("nationality", "country", "people", "source"),
        numbers={"people": _COUNT},
        codes=("nationality", "country"),
        keys=("nationality", "country"),
    ),
    "push": TableSpec(
        columns=("origin", "year", "emigrants", "source"),
        numbers={"year": _COUNT, "emigrants": _COUNT},
        codes=("origin",),
        keys=("origin", "year"),
    ),
    "initial_stock": TableSpec(
        columns=("origin", "destination", "year", "people", "source"),
        numbers={"year": _COUNT, "people": _COUNT},
        codes=("origin", "destination"),
        keys=("origin", "destination", "year"),
    ),
    "initial_status": TableSpec(
        columns=("nationality", "country", "naturalized", "irregular", "source"),
        numbers={"naturalized": _FRACTION, "irregular": _FRACTION},
        codes=("nationality", "country"),
        wildcards=("nationality", "country"),
        keys=("nationality", "country"),
    ),
    "route_knowledge": TableSpec(
        columns=("route", "nationality", "people_per_year", "source"),
        numbers={"people_per_year": _COUNT},
        codes=("nationality",),
        keys=("route", "nationality"),
    ),
    "smuggling_networks": TableSpec(
        columns=("network", "nationality", "source"),
        codes=("nationality",),
        keys=("network", "nationality"),
    ),
    "outside_crossings": TableSpec(
        columns=("route", "year", "people_per_year", "network", "source"),
        numbers={"year": _COUNT, "people_per_year": _COUNT},
        keys=("route", "year", "network"),
    ),
}

#: Tables a world folder may leave out (a world without them starts with no one abroad,
#: with every irregular route known only at ``know_base``, and with no nationalities that
#: share smuggling networks).
OPTIONAL: frozenset[str] = frozenset(
    {
        "initial_stock",
        "initial_status",
        "route_knowledge",
        "smuggling_networks",
        "outside_crossings",
    }
)


def row_label(index: int, column: str) -> str:
    """Return the spreadsheet position of a data row: header is row 1, data start at row 2."""
    return f"row {index + 2}, column {column}"


#: Largest world table read (the largest shipped table is under 1 MB).
MAX_TABLE_BYTES = 200_000_000


def _read_raw(path: Path, label: str, problems: list[Problem]) -> pd.DataFrame | None:
    """Read a table as text; pipes, devices and huge files are refused without reading."""
    try:
        info = path.stat()
    except OSError:
        problems.append(Problem(label, "file", "missing file"))
        return None
    if not stat.S_ISREG(info.st_mode):
        problems.append(Problem(label, "file", "not a regular file (allowed: a CSV file)"))
        return None
    if info.st_size > MAX_TABLE_BYTES:
        message = f"{info.st_size:,} bytes (allowed: at most {MAX_TABLE_BYTES:,})"
        problems.append(Problem(label, "file", message))
        return None
    try:
        df = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    except pd.errors.EmptyDataError:
        problems.append(Problem(label, "file", "the file is empty (allowed: a header and rows)"))
        return None
    except (pd.errors.ParserError, UnicodeDecodeError, OSError) as exc:
        reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        problems.append(Problem(label, "file", f"cannot be read as UTF-8 CSV: {reason}"))
        return None
    if df.empty:
        problems.append(Problem(label, "file", "has a header but no rows (allowed: 1 or more)"))
        return None
    return df.map(str.strip)


def _check_numbers(df: pd.DataFrame, spec: TableSpec, label: str, out: list[Problem]) -> None:
    for column, (lower, upper) in spec.numbers.items():
        if column in spec.optional and column not in df.columns:
            continue
        values = pd.to_numeric(df[column], errors="coerce")
        for i, (text, value) in enumerate(zip(df[column], values, strict=True)):
            where = row_label(i, column)
            if pd.isna(value):
                out.append(Problem(label, where, f"{text!r} is not a number"))
            elif not math.isfinite(value):
                out.append(
                    Problem(label, where, f"{text} is not allowed (allowed: finite numbers)")
                )
            elif value == 0 and column in spec.positive:
                out.append(Problem(label, where, "0 is not allowed (allowed: above 0)"))
            elif lower == 0 and value < 0:
                out.append(Problem(label, where, f"{text} is negative (must be >= 0)"))
            elif value < lower or (upper is not None and value > upper):
                bounds = f"[{lower:g}, {'inf' if upper is None else f'{upper:g}'}]"
                out.append(Problem(label, where, f"{text} is outside {bounds}"))
        df[column] = values.astype(float)


def _check_booleans(df: pd.DataFrame, spec: TableSpec, label: str, out: list[Problem]) -> None:
    for column in spec.booleans:
        parsed = []
        for i, text in enumerate(df[column]):
            low = text.lower()
            if low not in _TRUE | _FALSE:
                message = f"{text!r} is not a boolean (allowed: true, false)"
                out.append(Problem(label, row_label(i, column), message))
            parsed.append(low in _TRUE)
        df[column] = pd.Series(parsed, index=df.index, dtype=bool)


def _check_codes(
    df: pd.DataFrame, spec: TableSpec, label: str, known: list[str], out: list[Problem]
) -> None:
    allowed = set(known)
    for column in spec.codes:
        wild = column in spec.wildcards or (column == "nationality" and "destination" in df)
        extra = {ALL_NATIONALITIES} if wild else set()
        for i, code in enumerate(df[column]):
            if code not in allowed | extra:
                listed = ", ".join(known + sorted(extra))
                message = f"unknown country code {code!r} (allowed: {listed})"
                out.append(Problem(label, row_label(i, column), message))


def _check_unique(df: pd.DataFrame, spec: TableSpec, label: str, out: list[Problem]) -> None:
    for column in spec.unique:
        seen: dict[str, int] = {}
        for i, value in enumerate(df[column]):
            if value == "":
                continue
            if value in seen:
                first = seen[value] + 2
                message = f"duplicate {column} {value!r} (first at row {first})"
                out.append(Problem(label, row_label(i, column), message))
            else:
                seen[value] = i


def _check_keys(df: pd.DataFrame, spec: TableSpec, label: str, out: list[Problem]) -> None:
    if not spec.keys:
        return
    seen: dict[tuple[str, ...], int] = {}
    for i, key in enumerate(zip(*(df[c] for c in spec.keys), strict=True)):
        if key in seen:
            what = ", ".join(f"{c}={v}" for c, v in zip(spec.keys, key, strict=True))
            message = f"duplicate row for {what} (first at row {seen[key] + 2}; allowed: one)"
            out.append(Problem(label, f"row {i + 2}", message))
        else:
            seen[key] = i


def _check_table(
    name: str, df: pd.DataFrame, label: str, known: list[str], out: list[Problem]
) -> pd.DataFrame | None:
    spec = SPECS[name]
    missing = [c for c in spec.columns if c not in df.columns]
    for column in missing:
        out.append(Problem(label, f"column {column}", "missing column"))
    if missing:
        return None
    df = df.loc[:, list(spec.columns) + [c for c in spec.optional if c in df.columns]].copy()
    _check_unique(df, spec, label, out)
    _check_keys(df, spec, label, out)
    _check_numbers(df, spec, label, out)
    _check_booleans(df, spec, label, out)
    _check_codes(df, spec, label, known, out)
    if name == "routes":
        for i, (a, b) in enumerate(zip(df["from_iso3"], df["to_iso3"], strict=True)):
            if a == b:
                message = f"route from {a} to itself (allowed: a different to_iso3)"
                out.append(Problem(label, row_label(i, "to_iso3"), message))
        for i, mode in enumerate(df["mode"]):
            if mode not in MODES:
                allowed = ", ".join(MODES)
                message = f"unknown mode {mode!r} (allowed: {allowed})"
                out.append(Problem(label, row_label(i, "mode"), message))
    return df


def _check_visa_defaults(visas: pd.DataFrame, routes: pd.DataFrame, label: str) -> list[Problem]:
    """Every destination in visas.csv or reached by a legal route needs a nationality=ALL row."""
    with_default = set(visas.loc[visas["nationality"] == ALL_NATIONALITIES, "destination"])
    destinations = list(dict.fromkeys(visas["destination"]))
    destinations += [d for d in routes.loc[routes["legal"], "to_iso3"] if d not in destinations]
    return [
        Problem(label, "column nationality", f"destination {d} has no '{ALL_NATIONALITIES}' row")
        for d in dict.fromkeys(destinations)
        if d not in with_default
    ]


def _check_known_routes(known: pd.DataFrame, routes: pd.DataFrame, label: str) -> list[Problem]:
    """Check that every ``route`` of the table names one irregular route (id or name).

    Used for route_knowledge.csv and outside_crossings.csv.
    """
    irregular = routes.loc[~routes["legal"]]
    allowed = {*irregular["route_id"], *(n for n in irregular["name"] if n)}
    legal = {*routes.loc[routes["legal"], "route_id"], *(n for n in routes["name"] if n)}
    problems = []
    for i, ref in enumerate(known["route"]):
        if ref in allowed:
            continue
        why = "is a legal route, known to all" if ref in legal - allowed else "is not a route"
        message = f"{ref!r} {why} (allowed: the route_id or name of an irregular route)"
        problems.append(Problem(label, row_label(i, "route"), message))
    return problems


def _check_outside_networks(
    outside: pd.DataFrame, networks: pd.DataFrame | None, labels: dict[str, str]
) -> list[Problem]:
    """Check that every ``network`` of outside_crossings.csv is one of smuggling_networks.csv.

    Without smuggling_networks.csv, one problem says the table needs it.
    """
    if networks is None or len(networks) == 0:
        needed = Path(labels["smuggling_networks"]).name
        message = f"names networks, but there is no {needed} (allowed: add it, listing them)"
        return [Problem(labels["outside_crossings"], "file", message)]
    allowed = set(networks["network"])
    shown = ", ".join(sorted(allowed))
    return [
        Problem(
            labels["outside_crossings"],
            row_label(i, "network"),
            f"{name!r} is not a network of {Path(labels['smuggling_networks']).name} "
            f"(allowed: {shown})",
        )
        for i, name in enumerate(outside["network"])
        if name not in allowed
    ]


def read_tables(directory: Path, shown: str) -> dict[str, pd.DataFrame]:
    """Read and validate the world tables from ``directory``.

    Args:
        directory: Folder holding ``countries.csv``, ``routes.csv``, ``visas.csv``,
            ``diaspora.csv`` and ``push.csv``, and optionally ``initial_stock.csv``,
            ``initial_status.csv``, ``route_knowledge.csv``, ``smuggling_networks.csv`` and
            ``outside_crossings.csv``.
        shown: How the folder is named in error messages (the path as the user gave it).

    Returns:
        The tables by name, with numbers as float and booleans as bool.

    Raises:
        WorldError: Listing every problem found in every table.
    """
    problems: list[Problem] = []
    labels = {name: str(Path(shown) / f"{name}.csv") for name in SPECS}
    raw = {
        name: _read_raw(directory / f"{name}.csv", labels[name], problems)
        for name in SPECS
        if name not in OPTIONAL or (directory / f"{name}.csv").exists()
    }
    known: list[str] = []
    tables: dict[str, pd.DataFrame | None] = {}
    if raw["countries"] is not None:
        tables["countries"] = _check_table(
            "countries", raw["countries"], labels["countries"], known, problems
        )
        if tables["countries"] is not None:
            known = list(dict.fromkeys(tables["countries"]["iso3"]))
    for name in list(SPECS)[1:]:
        if raw.get(name) is not None:
            tables[name] = _check_table(name, raw[name], labels[name], known, problems)
    status = tables.get("initial_status")
    if status is not None and not problems:
        for i, total in enumerate(status["naturalized"] + status["irregular"]):
            if total > 1.0:
                message = f"naturalized + irregular = {total:g} exceeds 1"
                problems.append(Problem(labels["initial_status"], f"row {i + 2}", message))
    if not problems and tables.get("visas") is not None and tables.get("routes") is not None:
        problems += _check_visa_defaults(tables["visas"], tables["routes"], labels["visas"])
    tables_ok = not problems  # the cross-table checks below need valid tables
    for name in ("route_knowledge", "outside_crossings"):
        if tables_ok and tables.get(name) is not None:
            problems += _check_known_routes(tables[name], tables["routes"], labels[name])
    if tables_ok and tables.get("outside_crossings") is not None:
        problems += _check_outside_networks(
            tables["outside_crossings"], tables.get("smuggling_networks"), labels
        )
    if problems:
        raise WorldError(problems)
    out = {name: df for name, df in tables.items() if df is not None}
    for name in OPTIONAL - set(out):
        out[name] = pd.DataFrame({c: [] for c in SPECS[name].columns})
    out["countries"] = out["countries"].set_index("iso3")
    out["push"]["year"] = out["push"]["year"].astype(int)
    return out

"""Broken world tables: every problem names the file, the row and the column."""

from __future__ import annotations

from collections.abc import Callable
from importlib import resources
from pathlib import Path

import pandas as pd
import pytest

from flowsim.errors import WorldError
from flowsim.world import load_world

TABLES = ("countries", "routes", "visas", "diaspora", "push")


@pytest.fixture
def world_dir(tmp_path: Path) -> Path:
    """A writable copy of the default world's tables."""
    src = resources.files("flowsim") / "data"
    for name in TABLES:
        (tmp_path / f"{name}.csv").write_text((src / f"{name}.csv").read_text())
    return tmp_path


def edit(directory: Path, table: str, change: Callable[[pd.DataFrame], pd.DataFrame]) -> str:
    path = directory / f"{table}.csv"
    df = pd.read_csv(path, dtype=str, keep_default_na=False)
    change(df).to_csv(path, index=False)
    return str(path)


def problems_of(directory: Path) -> str:
    with pytest.raises(WorldError) as info:
        load_world(directory)
    assert info.value.problems, "WorldError without problems"
    return str(info.value)


def set_cell(table: str, row: int, column: str, value: str):
    """Change the cell a user sees at spreadsheet ``row`` (header = row 1)."""

    def change(df: pd.DataFrame) -> pd.DataFrame:
        df.loc[row - 2, column] = value
        return df

    return table, change


@pytest.mark.parametrize(
    ("table", "row", "column", "value", "expected"),
    [
        ("countries", 3, "population", "-5", "negative"),
        ("countries", 4, "gdp_pc_ppp", "lots", "not a number"),
        ("countries", 5, "unemployment", "7.5", "outside [0, 1]"),
        ("countries", 6, "informality", "1.2", "outside [0, 1]"),
        ("countries", 7, "integration_base", "2", "outside [0, 1]"),
        ("countries", 2, "lat", "95", "outside [-90, 90]"),
        ("routes", 4, "risk", "1.5", "outside [0, 1]"),
        ("routes", 5, "cost_usd", "-100", "negative"),
        ("routes", 6, "duration_months", "soon", "not a number"),
        ("routes", 7, "mode", "boat", "allowed: land, sea, air"),
        ("routes", 8, "legal", "maybe", "not a boolean"),
        ("routes", 9, "to_iso3", "XXX", "unknown country code 'XXX'"),
        ("routes", 10, "from_iso3", "ZZZ", "allowed: VEN, COL"),
        ("visas", 3, "visa_required", "perhaps", "not a boolean"),
        ("visas", 4, "nationality", "QQQ", "unknown country code"),
        ("diaspora", 2, "country", "FRA", "unknown country code 'FRA'"),
        ("diaspora", 3, "people", "many", "not a number"),
        ("push", 2, "origin", "ATL", "unknown country code 'ATL'"),
        ("push", 5, "emigrants", "-1", "negative"),
    ],
)
def test_bad_cell(world_dir: Path, table, row, column, value, expected) -> None:
    name, change = set_cell(table, row, column, value)
    path = edit(world_dir, name, change)
    message = problems_of(world_dir)
    assert f"{path}: row {row}, column {column}: " in message, message
    assert expected in message, message


def test_missing_file(world_dir: Path) -> None:
    (world_dir / "visas.csv").unlink()
    message = problems_of(world_dir)
    assert f"{world_dir / 'visas.csv'}: file: missing file" in message


def test_missing_column(world_dir: Path) -> None:
    path = edit(world_dir, "routes", lambda df: df.drop(columns=["risk"]))
    message = problems_of(world_dir)
    assert f"{path}: column risk: missing column" in message


def test_duplicate_iso3(world_dir: Path) -> None:
    path = edit(world_dir, "countries", lambda df: pd.concat([df, df.iloc[[2]]]))
    n = len(pd.read_csv(path)) + 1  # last data row as a spreadsheet numbers it
    message = problems_of(world_dir)
    assert f"{path}: row {n}, column iso3: duplicate iso3 'ECU' (first at row 4)" in message


def test_duplicate_route_id(world_dir: Path) -> None:
    def dup(df: pd.DataFrame) -> pd.DataFrame:
        df.loc[5, "route_id"] = df.loc[2, "route_id"]
        return df

    path = edit(world_dir, "routes", dup)
    message = problems_of(world_dir)
    assert f"{path}: row 7, column route_id: duplicate route_id" in message


def test_duplicate_route_name(world_dir: Path) -> None:
    def dup(df: pd.DataFrame) -> pd.DataFrame:
        darien = df.index[df["name"] == "Darien Gap"][0]
        df.loc[darien + 1, "name"] = "Darien Gap"
        return df

    path = edit(world_dir, "routes", dup)
    message = problems_of(world_dir)
    assert f"{path}: row " in message and "column name: duplicate name 'Darien Gap'" in message


def test_origin_that_cannot_leave(world_dir: Path) -> None:
    path = edit(world_dir, "routes", lambda df: df[df["from_iso3"] != "CUB"])
    message = problems_of(world_dir)
    push = pd.read_csv(world_dir / "push.csv")
    row = int(push.index[push["origin"] == "CUB"][0]) + 2
    assert path.endswith("routes.csv")
    assert f"push.csv: row {row}, column origin: origin CUB cannot reach" in message


def test_destination_without_all_row(world_dir: Path) -> None:
    path = edit(
        world_dir,
        "visas",
        lambda df: df[~((df["destination"] == "ESP") & (df["nationality"] == "ALL"))],
    )
    message = problems_of(world_dir)
    assert f"{path}: column nationality: destination ESP has no 'ALL' row" in message


def test_all_problems_reported_together(world_dir: Path) -> None:
    edit(world_dir, "routes", set_cell("routes", 2, "risk", "9")[1])
    edit(world_dir, "push", set_cell("push", 3, "emigrants", "x")[1])
    with pytest.raises(WorldError) as info:
        load_world(world_dir)
    files = {Path(p.file).name for p in info.value.problems}
    assert files == {"routes.csv", "push.csv"}


@pytest.mark.parametrize(
    ("route", "nationality", "people", "expected"),
    [
        ("Nowhere Pass", "CUB", "10", "'Nowhere Pass' is not a route (allowed: the route_id"),
        ("CUB-ECU-air", "CUB", "10", "'CUB-ECU-air' is a legal route, known to all"),
        ("Darien Gap", "QQQ", "10", "unknown country code 'QQQ'"),
        ("Darien Gap", "CUB", "-3", "negative"),
    ],
)
def test_bad_route_knowledge_row(world_dir: Path, route, nationality, people, expected) -> None:
    path = world_dir / "route_knowledge.csv"
    path.write_text(
        "route,nationality,people_per_year,source\n"
        "Darien Gap,HTI,10,t\n"
        f"{route},{nationality},{people},t\n"
    )
    message = problems_of(world_dir)
    assert f"{path}: row 3, column " in message and expected in message, message


def test_duplicate_route_knowledge_row(world_dir: Path) -> None:
    path = world_dir / "route_knowledge.csv"
    path.write_text(
        "route,nationality,people_per_year,source\nDarien Gap,CUB,10,t\nDarien Gap,CUB,20,t\n"
    )
    message = problems_of(world_dir)
    assert f"{path}: row 3: duplicate row for route=Darien Gap, nationality=CUB" in message


@pytest.mark.parametrize(
    ("nationality", "expected"),
    [("QQQ", "unknown country code 'QQQ'"), ("", "unknown country code ''")],
)
def test_bad_smuggling_network_row(world_dir: Path, nationality, expected) -> None:
    path = world_dir / "smuggling_networks.csv"
    path.write_text(f"network,nationality,source\nn1,CUB,t\nn1,{nationality},t\n")
    message = problems_of(world_dir)
    assert f"{path}: row 3, column nationality" in message and expected in message, message


def test_duplicate_smuggling_network_row(world_dir: Path) -> None:
    path = world_dir / "smuggling_networks.csv"
    path.write_text("network,nationality,source\nn1,CUB,t\nn1,CUB,t\n")
    message = problems_of(world_dir)
    assert f"{path}: row 3: duplicate row for network=n1, nationality=CUB" in message


def test_smuggling_network_file_without_its_column(world_dir: Path) -> None:
    path = world_dir / "smuggling_networks.csv"
    path.write_text("network,source\nn1,t\n")
    message = problems_of(world_dir)
    assert f"{path}: column nationality" in message, message

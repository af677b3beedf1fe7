"""Bad input everywhere: one line per problem naming file, key and what is allowed.

World tables and scenario overrides of them get the same checks; CLI options are checked
before anything runs; nothing bad is silently accepted and no traceback is shown.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from importlib import resources
from pathlib import Path

import pandas as pd
import pytest

from flowsim.cli.main import main
from flowsim.errors import ScenarioError, WorldError
from flowsim.experiment import load_experiment
from flowsim.scenario import load_scenario
from flowsim.world import default_world, load_world

ROOT = Path(__file__).resolve().parents[1]
BASELINE = str(ROOT / "scenarios" / "baseline.toml")


def run_cli(args: list[str], capsys) -> tuple[int, list[str]]:
    code = main(args)
    err = capsys.readouterr().err
    assert "Traceback" not in err
    lines = [line for line in err.splitlines() if line and not line.startswith("warning:")]
    return code, lines


# --- world tables --------------------------------------------------------------------


@pytest.fixture
def world_dir(tmp_path: Path) -> Path:
    src = resources.files("flowsim") / "data"
    for entry in src.iterdir():
        if entry.name.endswith(".csv") and entry.name != "targets.csv":
            (tmp_path / entry.name).write_text(entry.read_text(encoding="utf-8"))
    return tmp_path


def edit(directory: Path, table: str, change: Callable[[pd.DataFrame], pd.DataFrame]) -> None:
    path = directory / f"{table}.csv"
    df = pd.read_csv(path, dtype=str, keep_default_na=False)
    change(df).to_csv(path, index=False)


def world_problems(directory: Path) -> str:
    with pytest.raises(WorldError) as info:
        load_world(directory)
    return str(info.value)


def _set(table_col_row_value):
    column, row, value = table_col_row_value

    def change(df: pd.DataFrame) -> pd.DataFrame:
        df.loc[row, column] = value
        return df

    return change


@pytest.mark.parametrize(
    ("table", "change", "expected"),
    [
        ("routes", _set(("cost_usd", 0, "inf")), "routes.csv: row 2, column cost_usd: inf is not"),
        ("routes", _set(("duration_months", 1, "0")), "row 3, column duration_months: 0 is not"),
        ("routes", _set(("to_iso3", 0, "VEN")), "row 2, column to_iso3: route from VEN to itself"),
        ("push", lambda df: pd.concat([df, df.iloc[[0]]]), "push.csv: row"),
        ("diaspora", lambda df: pd.concat([df, df.iloc[[2]]]), "duplicate row for nationality="),
        ("visas", lambda df: pd.concat([df, df.iloc[[1]]]), "duplicate row for destination="),
        ("countries", _set(("wage_usd_month", 0, "-inf")), "-inf is not allowed"),
        ("routes", lambda df: df.iloc[:0], "routes.csv: file: has a header but no rows"),
    ],
)
def test_world_table_problems(world_dir, table, change, expected):
    edit(world_dir, table, change)
    assert expected in world_problems(world_dir)


def test_empty_fifo_and_device_tables_are_refused_without_reading(world_dir):
    (world_dir / "visas.csv").write_text("")
    os.remove(world_dir / "push.csv")
    os.mkfifo(world_dir / "push.csv")  # reading it would block forever
    os.remove(world_dir / "diaspora.csv")
    os.symlink("/dev/zero", world_dir / "diaspora.csv")  # reading it would never end
    text = world_problems(world_dir)
    assert "visas.csv: file: the file is empty" in text
    assert "push.csv: file: not a regular file" in text
    assert "diaspora.csv: file: not a regular file" in text


# --- scenario overrides of the world get the same checks ----------------------------


def scenario_problems(tmp_path: Path, text: str) -> str:
    path = tmp_path / "s.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ScenarioError) as info:
        load_scenario(path)
    return str(info.value)


NEW_ROUTE = """
[[world.add_routes]]
route_id = "{rid}"
from_iso3 = "{a}"
to_iso3 = "{b}"
mode = "land"
distance_km = 100
cost_usd = {cost}
duration_months = 0.5
risk = 0.01
legal = false
name = "{name}"
"""


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        ({"rid": "VEN-COL-land"}, "world.add_routes[0].route_id: 'VEN-COL-land' is already"),
        ({"name": "Cucuta"}, "world.add_routes[0].name: 'Cucuta' is already"),
        ({"b": "VEN"}, "world.add_routes[0].to_iso3: VEN is also the route's from_iso3"),
        ({"cost": "inf"}, "world.add_routes[0].cost_usd: inf is not allowed"),
        ({"cost": "nan"}, "world.add_routes[0].cost_usd: nan is not allowed"),
        ({"cost": "1e300"}, "world.add_routes[0].cost_usd: 1e+300 is too large"),
        ({"b": "col"}, "did you mean 'COL'?"),
    ],
)
def test_added_routes_get_the_world_checks(tmp_path, fields, expected):
    values = {"rid": "new-route", "a": "VEN", "b": "COL", "cost": "10", "name": "", **fields}
    assert expected in scenario_problems(tmp_path, NEW_ROUTE.format(**values))


def test_closing_every_route_out_of_an_origin_is_refused(tmp_path):
    world = default_world()
    origin = min(world.origins(), key=lambda o: int((world.routes["from_iso3"] == o).sum()))
    closed = world.routes.loc[world.routes["from_iso3"] == origin, "route_id"]
    text = "".join(f'[[world.routes]]\nroute = "{r}"\nclosed = true\n' for r in closed)
    assert f"leaves origin {origin} with no route" in scenario_problems(tmp_path, text)


# --- scenario and experiment keys ----------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("[run]\nscale = nan\n", "s.toml: run.scale: nan is not allowed (allowed: finite numbers)"),
        ("[run]\nmonths = 10000000000000000\n", "run.months: 1e+16 is too large"),
        ("[run]\nseed = 9223372036854775808\n", "run.seed: 9223372036854775808 is out of range"),
        ("[Run]\nmonths = 3\n", "s.toml: Run: unknown key (allowed: name,"),
        ("[Run]\nmonths = 3\n", "did you mean 'run'?"),
        ("[run]\nMonths = 3\n", "did you mean 'months'?"),
        ('[run]\nstart = "2015-13"\n', "run.start: must be a month written YYYY-MM"),
        ("[parameters]\nb_nett = 1\n", "did you mean 'b_net'?"),
    ],
)
def test_scenario_key_problems(tmp_path, text, expected):
    found = scenario_problems(tmp_path, text)
    assert expected in found
    assert "^" not in found and "should" not in found.lower()  # no regex, no pydantic wording


def test_policy_problems_suggest_the_right_name(tmp_path):
    text = '[[policy]]\ntype = "integration"\nstart = "2016-01"\ncountries = ["Per"]\nlevel = 0.5\n'
    found = scenario_problems(tmp_path, text)
    assert "policy[0].countries[0]" in found and "'Per'" in found
    text = '[[policy]]\ntype = "Integration"\nstart = "2016-01"\ncountries = ["PER"]\nlevel = 1\n'
    assert "did you mean 'integration'?" in scenario_problems(tmp_path, text)


def test_bom_crlf_and_unicode_are_fine(tmp_path):
    path = tmp_path / "s.toml"
    text = 'description = "Migración – ñandú 🚶"\r\n[run]\r\nmonths = 12\r\n'
    path.write_bytes(b"\xef\xbb\xbf" + text.encode("utf-8"))
    scenario = load_scenario(path)
    assert scenario.run.months == 12 and "ñandú" in scenario.description


def test_validate_names_the_path_as_given(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "bad").mkdir()
    code, lines = run_cli(["validate", "bad/x.toml"], capsys)
    assert code == 2 and lines == ["bad/x.toml: file: no such file"]


def test_validate_refuses_a_fifo_without_blocking(tmp_path, capsys):
    fifo = tmp_path / "x.toml"
    os.mkfifo(fifo)
    code, lines = run_cli(["validate", str(fifo)], capsys)
    assert code == 2 and lines == [
        f"{fifo}: file: is not a regular file (a pipe or device; allowed: a file)"
    ]
    link = tmp_path / "zero.toml"
    os.symlink("/dev/zero", link)
    code, lines = run_cli(["validate", str(link)], capsys)
    assert code == 2 and "not a regular file" in lines[0]


def test_policies_outside_a_shortened_run_warn(tmp_path, capsys):
    code = main(["validate", str(ROOT / "experiments" / "smoke.toml")])
    err = capsys.readouterr().err
    assert code == 0
    assert "warning:" in err and "have no effect" in err and "policy.start" in err


EXPERIMENT = """
name = "x"
scenarios = ["baseline"]
replicates = {replicates}
seed = 1
{grid}
"""


def experiment_problems(tmp_path: Path, replicates="2", grid="") -> str:
    (tmp_path / "scenarios").mkdir(exist_ok=True)
    (tmp_path / "scenarios" / "baseline.toml").write_text(Path(BASELINE).read_text())
    (tmp_path / "experiments").mkdir(exist_ok=True)
    path = tmp_path / "experiments" / "x.toml"
    path.write_text(EXPERIMENT.format(replicates=replicates, grid=grid))
    with pytest.raises(ScenarioError) as info:
        from flowsim.experiment import expand

        expand(load_experiment(path))
    return str(info.value)


def test_million_run_grids_and_huge_replicates_are_refused_up_front(tmp_path):
    grid = '[grid]\n"parameters.b_net" = [' + ",".join(str(i / 1000) for i in range(1000)) + "]\n"
    assert "plans 1,000,000 runs (allowed: at most 200,000" in experiment_problems(
        tmp_path, "1000", grid
    )
    assert "replicates: plans 1,000,000,000,000 runs" in experiment_problems(
        tmp_path, "1000000000000"
    )


def test_duplicate_and_no_op_grid_points_are_refused(tmp_path):
    found = experiment_problems(tmp_path, grid='[grid]\n"parameters.b_net" = [0.5, 0.5]\n')
    assert "x.toml: grid: 'parameters.b_net' lists 0.5 more than once" in found
    found = experiment_problems(tmp_path, grid='[grid]\n"run.months" = [12, 12.0]\n')
    assert "x.toml: grid: baseline[run.months=12.0] runs the same scenario as" in found


def test_a_non_utf8_experiment_is_one_line(tmp_path, capsys):
    path = tmp_path / "x.toml"
    path.write_bytes(b'name = "\xff"\nscenarios = ["baseline"]\nreplicates = 1\nseed = 1\n')
    code, lines = run_cli(["sweep", str(path), "--out", str(tmp_path / "o")], capsys)
    assert code == 2 and lines == [f"{path}: file: not UTF-8 text (byte 8; allowed: UTF-8)"]


# --- CLI options --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("option", "value", "expected"),
    [
        ("--seed", "-1", "-1 is out of range (allowed: 0 to 9,223,372,036,854,775,807)"),
        ("--seed", str(2**63), "is out of range"),
        ("--seed", "abc", "'abc' is not a whole number"),
        ("--months", "0", "0 is out of range (allowed: 1 to 1,200)"),
        ("--scale", "0", "0 is out of range (allowed: above 0"),
        ("--scale", "nan", "nan is out of range"),
        ("--scale", "-5", "-5 is out of range"),
    ],
)
def test_run_options_are_checked_before_anything_runs(tmp_path, capsys, option, value, expected):
    out = tmp_path / "out"
    with pytest.raises(SystemExit) as info:
        main(["run", BASELINE, option, value, "--out", str(out)])
    err = capsys.readouterr().err
    assert info.value.code == 2 and expected in err and len(err.strip().splitlines()) == 1
    assert not out.exists()


def test_sweep_workers_must_be_positive(tmp_path, capsys):
    for value in ("0", "-3", "100000"):
        with pytest.raises(SystemExit):
            main(["sweep", "x.toml", "--workers", value])
        assert "--workers" in capsys.readouterr().err


def test_a_tiny_scale_is_refused_with_the_memory_estimate(tmp_path, capsys):
    out = tmp_path / "out"
    code, lines = run_cli(["run", BASELINE, "--scale", "1e-9", "--out", str(out)], capsys)
    assert code == 2 and len(lines) == 1
    assert "command line: run.scale: 1e-09 people per agent needs about" in lines[0]
    assert "GB of memory" in lines[0] and "allowed: a scale of at least" in lines[0]
    assert not out.exists()


def test_an_unreachable_scheduler_is_one_line(tmp_path, capsys):
    experiment = ROOT / "experiments" / "smoke.toml"
    args = ["sweep", str(experiment), "--scheduler", "tcp://127.0.0.1:9", "--no-progress"]
    code, lines = run_cli([*args, "--out", str(tmp_path / "o")], capsys)
    assert code == 2 and len(lines) == 1
    assert lines[0].startswith("--scheduler tcp://127.0.0.1:9: cannot reach the Dask scheduler")


def test_a_grid_with_an_unknown_country_fails_before_running(tmp_path):
    grid = '[grid]\n"policies.bra_acolhida_2018.countries" = [["BRA"], ["XYZ"]]\n'
    found = experiment_problems(tmp_path, grid=grid)
    assert "unknown country 'XYZ'" in found and "x.toml" in found


def test_sweep_out_pointing_at_a_file_is_one_line(tmp_path, capsys):
    target = tmp_path / "file.txt"
    target.write_text("mine")
    experiment = ROOT / "experiments" / "smoke.toml"
    code, lines = run_cli(
        ["sweep", str(experiment), "--executor", "serial", "--out", str(target)], capsys
    )
    assert code == 2 and len(lines) == 1 and "is a file" in lines[0]
    assert target.read_text() == "mine"


@pytest.mark.parametrize("command", ["calibrate", "sensitivity"])
@pytest.mark.parametrize("value", ["-1", str(2**63)])
def test_calibration_seeds_are_checked_before_anything_runs(tmp_path, capsys, command, value):
    out = tmp_path / "out"
    with pytest.raises(SystemExit) as info:
        main([command, "--seed", value, "--out", str(out)])
    err = capsys.readouterr().err
    assert info.value.code == 2 and "is out of range" in err
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err
    assert not out.exists()


@pytest.mark.parametrize("command", ["calibrate", "sensitivity"])
@pytest.mark.parametrize("value", ["0", "0.6", "x"])
def test_calibrate_around_is_checked_before_anything_runs(tmp_path, capsys, command, value):
    out = tmp_path / "out"
    with pytest.raises(SystemExit) as info:
        main([command, "--around", value, "--out", str(out)])
    err = capsys.readouterr().err
    assert info.value.code == 2 and "--around" in err and "at most 0.5" in err
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err
    assert not out.exists()


def test_a_bad_target_bound_is_one_line_naming_the_file_and_target(tmp_path, capsys):
    table = pd.read_csv(resources.files("flowsim") / "data" / "targets.csv", dtype=str).head(3)
    table.loc[1, "low"] = "ten"
    path = tmp_path / "targets.csv"
    table.to_csv(path, index=False)
    out = tmp_path / "out"
    assert main(["calibrate", "--targets", str(path), "--out", str(out)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and str(path) in err[0] and table.loc[1, "target_id"] in err[0]
    assert "low must be a finite number or empty" in err[0]
    assert not out.exists()

"""Broken scenario files: each gives one plain line naming the file and the key, exit 2."""

from __future__ import annotations

from pathlib import Path

import pytest

from flowsim.cli.main import main
from flowsim.scenario.load import validate_files

ROOT = Path(__file__).resolve().parents[1]
BASE = f'extends = "{(ROOT / "scenarios" / "baseline.toml").as_posix()}"\n'

INTEGRATION = 'type = "integration"\nname = "p"\ncountries = ["COL"]\nlevel = 0.5\n'

# (case id, files {name: text} with the checked file first, key path expected, needs "allowed:")
CASES: list[tuple[str, dict[str, str], str, bool]] = [
    ("typo_in_run_key", {"s.toml": BASE + "[run]\nmonts = 3\n"}, "run.monts", True),
    ("unknown_top_level_key", {"s.toml": BASE + "polcy = 1\n"}, "polcy", True),
    (
        "unknown_policy_type",
        {"s.toml": BASE + '[[policy]]\ntype = "amnesty"\nstart = "2025-01"\n'},
        "policy[0].type",
        True,
    ),
    (
        "missing_policy_type",
        {"s.toml": BASE + '[[policy]]\ncountries = ["COL"]\nstart = "2025-01"\n'},
        "policy[0].type",
        True,
    ),
    (
        "unknown_policy_key",
        {"s.toml": BASE + "[[policy]]\n" + INTEGRATION + 'lvl = 2\nstart = "2025-01"\n'},
        "policy[0].lvl",
        True,
    ),
    (
        "unknown_country_in_policy",
        {
            "s.toml": BASE + '[[policy]]\ntype = "integration"\ncountries = ["XYZ"]\nlevel = 0.5\n'
            'start = "2025-01"\n'
        },
        "policy[0].countries",
        True,
    ),
    (
        "end_before_start",
        {"s.toml": BASE + "[[policy]]\n" + INTEGRATION + 'start = "2026-01"\nend = "2025-01"\n'},
        "policy[0].end",
        False,
    ),
    (
        "policy_start_outside_run",
        {"s.toml": BASE + "[[policy]]\n" + INTEGRATION + 'start = "2040-01"\n'},
        "policy[0].start",
        True,
    ),
    (
        "negative_slots_per_year",
        {
            "s.toml": BASE
            + '[[policy]]\ntype = "labor_pathway"\nfrom_countries = ["COL"]\nto = "USA"\n'
            'slots_per_year = -5\nstart = "2025-01"\n'
        },
        "policy[0].slots_per_year",
        False,
    ),
    (
        "take_up_above_one",
        {
            "s.toml": BASE + '[[policy]]\ntype = "regularization"\ncountry = "COL"\ntake_up = 1.5\n'
            'start = "2025-01"\n'
        },
        "policy[0].take_up",
        False,
    ),
    ("missing_base", {"s.toml": 'extends = "no_such_base"\n'}, "extends", False),
    (
        "cycle_in_extends",
        {"a.toml": 'extends = "b"\n', "b.toml": 'extends = "a"\n'},
        "extends",
        False,
    ),
    ("wrong_type", {"s.toml": BASE + '[run]\nmonths = "ten"\n'}, "run.months", False),
    ("empty_file", {"s.toml": ""}, "file", False),
    ("malformed_toml", {"s.toml": "[run\nmonths = 3\n"}, "toml", False),
    (
        "unknown_parameter",
        {"s.toml": BASE + "[parameters]\nb_nett = 0.3\n"},
        "parameters.b_nett",
        True,
    ),
    (
        "parameter_out_of_range",
        {"s.toml": BASE + "[parameters]\nb_net = 10\n"},
        "parameters.b_net",
        False,
    ),
    (
        "unknown_route_in_closure",
        {
            "s.toml": BASE + '[[policy]]\ntype = "route_closure"\nroutes = ["Atlantis Pass"]\n'
            'start = "2025-01"\n'
        },
        "policy[0].routes",
        True,
    ),
    ("invalid_month", {"s.toml": BASE + '[run]\nstart = "2025-13"\n'}, "run.start", False),
    (
        "integration_without_level",
        {
            "s.toml": BASE + '[[policy]]\ntype = "integration"\ncountries = ["COL"]\n'
            'start = "2025-01"\n'
        },
        "policy[0].level",
        False,
    ),
    (
        "unknown_country_in_world",
        {"s.toml": BASE + "[world.countries.XXX]\nunemployment = 0.1\n"},
        "world.countries.XXX",
        True,
    ),
    (
        "unknown_country_key",
        {"s.toml": BASE + "[world.countries.COL]\nunemploymnt = 0.1\n"},
        "world.countries.COL.unemploymnt",
        True,
    ),
    (
        "closure_without_target",
        {"s.toml": BASE + '[[policy]]\ntype = "route_closure"\nstart = "2025-01"\n'},
        "policy[0]",
        False,
    ),
    (
        "deport_to_unknown_country",
        {
            "s.toml": BASE + '[[policy]]\ntype = "enforcement"\nroutes = ["Darien Gap"]\n'
            'interception = 0.5\ndeport_to = "XXX"\nstart = "2025-01"\n'
        },
        "policy[0].deport_to",
        True,
    ),
    ("run_not_a_table", {"s.toml": BASE + "run = 3\n"}, "run", False),
    ("bad_scenario_name", {"s.toml": 'name = "my scenario"\n' + BASE}, "name", False),
]


def _write(tmp_path: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    return tmp_path / next(iter(files))


@pytest.mark.parametrize(
    ("files", "key", "allowed"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_broken_file_is_reported(tmp_path, capsys, files, key, allowed):
    path = _write(tmp_path, files)
    assert main(["validate", str(path)]) == 2
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    assert path.name in err
    assert f": {key}: " in err, err
    if allowed:
        assert "allowed:" in err, err


def test_at_least_fifteen_cases():
    assert len(CASES) >= 15


def test_every_problem_of_a_file_is_listed(tmp_path, capsys):
    path = _write(tmp_path, {"s.toml": BASE + "[run]\nmonts = 3\n[parameters]\nb_nett = 1\n"})
    assert main(["validate", str(path)]) == 2
    err = capsys.readouterr().err
    assert ": run.monts: " in err and ": parameters.b_nett: " in err


def test_problem_in_base_names_the_base(tmp_path, capsys):
    _write(tmp_path, {"base.toml": BASE + "[run]\nmonts = 3\n"})
    child = _write(tmp_path, {"child.toml": 'extends = "base"\n'})
    assert main(["validate", str(child)]) == 2
    err = capsys.readouterr().err
    assert "base.toml: run.monts: unknown key (allowed:" in err


@pytest.mark.parametrize("case", ["typo_in_run_key", "take_up_above_one", "malformed_toml"])
def test_run_refuses_broken_file(tmp_path, capsys, case):
    files = next(c[1] for c in CASES if c[0] == case)
    path = _write(tmp_path, files)
    out_dir = tmp_path / "results"
    code = main(["run", str(path), "--months", "2", "--scale", "50000", "--out", str(out_dir)])
    assert code == 2
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    assert path.name in err
    assert not out_dir.exists()


@pytest.mark.parametrize(
    ("name", "text", "key", "needle"),
    [
        (
            "dup",
            BASE + ("[[policy]]\n" + INTEGRATION + 'start = "2025-01"\n') * 2,
            "policy[1].name",
            "duplicate policy name",
        ),
        ("remove", BASE + 'remove_policies = ["nope"]\n', "remove_policies", "allowed:"),
        (
            "mode",
            BASE + '[[world.add_routes]]\nroute_id = "X"\nfrom_iso3 = "COL"\nto_iso3 = "PAN"\n'
            'mode = "boat"\ndistance_km = 1\ncost_usd = 1\nduration_months = 1\n'
            "risk = 0\nlegal = false\n",
            "world.add_routes[0].mode",
            "boat",
        ),
    ],
)
def test_more_broken_files(tmp_path, capsys, name, text, key, needle):
    path = tmp_path / f"{name}.toml"
    path.write_text(text)
    assert main(["validate", str(path)]) == 2
    err = capsys.readouterr().err
    assert f": {key}: " in err and needle in err and "Traceback" not in err, err


def test_non_utf8_file_is_a_clear_error(tmp_path, capsys):
    path = tmp_path / "bad.toml"
    path.write_bytes(b'name = "\x80"\n')
    assert main(["validate", str(path)]) == 2
    err = capsys.readouterr().err
    assert "bad.toml: file: not UTF-8" in err and "Traceback" not in err


def test_the_documented_remove_policies_message_is_the_one_users_get(tmp_path):
    """docs/scenarios.md quotes the error for an unknown base policy: it lists every name."""
    root = Path(__file__).resolve().parents[1]
    scenarios = tmp_path / "scenarios"
    scenarios.mkdir()
    (scenarios / "baseline.toml").symlink_to(root / "scenarios" / "baseline.toml")
    (scenarios / "calibration").symlink_to(root / "scenarios" / "calibration")
    mine = scenarios / "my_scenario.toml"
    mine.write_text(
        'name = "mine"\nextends = "baseline"\nremove_policies = ["mex_visa_ven_2023"]\n',
        encoding="utf-8",
    )
    got = [p for p in validate_files([mine]) if p.where == "remove_policies"]
    assert len(got) == 1
    line = f"scenarios/my_scenario.toml: remove_policies: {got[0].message}"
    documented = (root / "docs" / "scenarios.md").read_text(encoding="utf-8").splitlines()
    assert line in documented, "docs/scenarios.md's remove_policies example is stale"

"""``flowsim compare`` writes the report and fails clearly on a bad folder."""

from __future__ import annotations

from flowsim.cli.main import main
from test_analysis_fixture import write_results


def test_compare_writes_report(tmp_path, capsys):
    results = write_results(tmp_path / "results")
    assert main(["compare", str(results)]) == 0
    out = results / "report"
    for name in ("summary.csv", "summary.md", "report.html", "timeseries.png"):
        assert (out / name).is_file(), name
    assert "report.html" in capsys.readouterr().out


def test_compare_options(tmp_path):
    results = write_results(tmp_path / "results")
    code = main(
        [
            "compare",
            str(results),
            "--baseline",
            "closure",
            "--metric",
            "deaths",
            "--out",
            str(tmp_path / "rep"),
        ]
    )
    assert code == 0
    assert (tmp_path / "rep" / "report.html").is_file()


def test_missing_folder_exit_2(tmp_path, capsys):
    assert main(["compare", str(tmp_path / "absent")]) == 2
    err = capsys.readouterr().err
    assert "absent" in err and "results folder not found" in err


def test_empty_folder_exit_2(tmp_path, capsys):
    assert main(["compare", str(tmp_path)]) == 2
    assert "runs.parquet" in capsys.readouterr().err


def test_unknown_metric_exit_2(tmp_path, capsys):
    results = write_results(tmp_path / "results")
    assert main(["compare", str(results), "--metric", "happiness"]) == 2
    assert "allowed: onward_moves" in capsys.readouterr().err


def test_unknown_baseline_exit_2(tmp_path, capsys):
    results = write_results(tmp_path / "results")
    assert main(["compare", str(results), "--baseline", "status_quo"]) == 2
    assert "available: baseline, closure, pathways" in capsys.readouterr().err


def test_compare_period_option(tmp_path, capsys):
    import pandas as pd

    results = write_results(tmp_path / "results")
    out = tmp_path / "rep"
    assert main(["compare", str(results), "--period", "2025-12:2026-01", "--out", str(out)]) == 0
    assert set(pd.read_csv(out / "summary.csv")["period"]) == {"2025-12/2026-01"}
    assert "period compared: 2025-12/2026-01 (as asked)" in capsys.readouterr().out


def test_compare_bad_period_exit_2(tmp_path, capsys):
    results = write_results(tmp_path / "results")
    assert main(["compare", str(results), "--period", "next year"]) == 2
    assert "unknown period 'next year'" in capsys.readouterr().err

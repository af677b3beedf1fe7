"""The report writes every file, embeds every figure and answers in plain language."""

from __future__ import annotations

import re

import pandas as pd
import pytest

from flowsim.analysis import METRICS
from flowsim.analysis.report import build_report
from test_analysis_fixture import SCENARIOS, write_results


@pytest.fixture(scope="module")
def report(tmp_path_factory):
    root = tmp_path_factory.mktemp("report")
    return build_report(write_results(root / "results"), root / "out")


def test_files_written(report):
    names = {p.name for p in report.files}
    assert {"summary.csv", "summary.md", "report.html", "timeseries.png"} <= names
    assert all(p.exists() and p.stat().st_size > 0 for p in report.files)


def test_html_is_self_contained(report):
    text = (report.out_dir / "report.html").read_text()
    pngs = [p for p in report.files if p.suffix == ".png"]
    assert text.count('<img src="data:image/png;base64,') == len(pngs) == 5
    for scenario in SCENARIOS:
        assert scenario.capitalize() in text
    assert not re.search(r'src="(?!data:)', text)  # nothing to fetch


def test_html_says_what_was_run_and_caveats(report):
    text = (report.out_dir / "report.html").read_text()
    assert "stands for 100 people" in text  # agent scale from the manifest
    assert "do not record how the model was calibrated" in text
    assert "1 run failed" in text
    assert "lowers onward journeys" in text
    assert "Period compared:" in text


def test_plain_words_only(report):
    """No code names, headings named after classes, or signed zeros reach the reader."""
    for name in ("summary.md", "report.html"):
        text = (report.out_dir / name).read_text()
        assert "ReportFigure" not in text
        assert "onward_moves" not in text and "regular_share" not in text
        assert not re.search(r"[-+]0\.0 pp", text)
        assert "An onward journey is" in text
        for info in METRICS.values():  # every metric with its label and definition
            assert info.label in text
            assert info.description[1:] in text


def test_breakdowns_written_linked_and_with_units(report):
    text = (report.out_dir / "report.html").read_text()
    for name in (
        "summary.csv",
        "onward_by_host.csv",
        "onward_by_nationality.csv",
        "onward_by_year.csv",
    ):
        assert f'<a href="{name}">' in text
        table = pd.read_csv(report.out_dir / name)
        assert "unit" in table.columns and table["unit"].notna().all()
    host = pd.read_csv(report.out_dir / "onward_by_host.csv")
    assert set(host["country"]) == {"COL", "PER", "CHL"}
    assert "Host country left" in text and "Onward journeys by nationality" in text


def test_summary_csv_has_every_metric(report):
    table = pd.read_csv(report.out_dir / "summary.csv")
    assert list(table["metric"].unique()) == list(METRICS)
    assert set(table["scenario"]) == set(SCENARIOS)


def test_answer_names_the_biggest_decrease(report):
    onward = report.summary[report.summary["metric"] == "onward_moves"]
    others = onward[onward["scenario"] != "baseline"]
    best = others.loc[others["diff_mean"].idxmin(), "scenario"]
    assert report.answer.startswith(f"{best.capitalize()} lowers")
    # baseline below 20 agents' worth (2,000 people at 100 per agent): no percentage quoted
    assert "% interval" in report.answer and not re.search(r"[-+]\d+(\.\d)?%", report.answer)


def test_markdown_has_headline_table(report):
    text = (report.out_dir / "summary.md").read_text()
    assert "| Scenario | Runs | Mean |" in text
    assert "## How far to trust these numbers" in text


def test_chosen_metrics_only(tmp_path):
    rep = build_report(
        write_results(tmp_path / "r"), tmp_path / "o", metrics=["darien_crossings", "deaths"]
    )
    assert list(rep.summary["metric"].unique()) == ["darien_crossings", "deaths"]
    assert rep.answer.startswith("Closure lowers Darien Gap crossings most")


def test_grid_report_compares_at_the_same_grid_point(tmp_path):
    from test_analysis_fixture import write_grid_results

    rep = build_report(write_grid_results(tmp_path / "grid"), tmp_path / "out")
    onward = rep.summary[rep.summary["metric"] == "onward_moves"].set_index("scenario")
    assert onward.loc["closure[x=2]", "baseline"] == "baseline[x=2]"
    assert onward.loc["closure[x=1]", "baseline"] == "baseline[x=1]"
    # the x=2 copy holds ten times the people: so does its paired change
    ratio = onward.loc["closure[x=2]", "diff_mean"] / onward.loc["closure[x=1]", "diff_mean"]
    assert ratio == pytest.approx(10.0)
    assert "same grid point" in (tmp_path / "out" / "report.html").read_text()

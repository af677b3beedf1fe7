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
        assert scenario in text
    assert not re.search(r'src="(?!data:)', text)  # nothing to fetch


def test_html_says_what_was_run_and_caveats(report):
    text = (report.out_dir / "report.html").read_text()
    assert "100 people" in text  # agent scale from the manifest
    assert "not calibrated" in text
    assert "1 run failed" in text
    assert "lowers onward journeys" in text


def test_summary_csv_has_every_metric(report):
    table = pd.read_csv(report.out_dir / "summary.csv")
    assert list(table["metric"].unique()) == list(METRICS)
    assert set(table["scenario"]) == set(SCENARIOS)


def test_answer_names_the_biggest_decrease(report):
    onward = report.summary[report.summary["metric"] == "onward_moves"]
    others = onward[onward["scenario"] != "baseline"]
    best = others.loc[others["diff_mean"].idxmin(), "scenario"]
    assert report.answer.startswith(f"{best} lowers")
    assert f"{others['rel_change'].min():+.1%}" in report.answer


def test_markdown_has_headline_table(report):
    text = (report.out_dir / "summary.md").read_text()
    assert "| Scenario | Replicates | Mean |" in text
    assert "## Caveats" in text


def test_chosen_metrics_only(tmp_path):
    rep = build_report(
        write_results(tmp_path / "r"), tmp_path / "o", metrics=["darien_crossings", "deaths"]
    )
    assert list(rep.summary["metric"].unique()) == ["darien_crossings", "deaths"]
    assert rep.answer.startswith("closure lowers crossings of the Darien Gap most")

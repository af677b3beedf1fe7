"""Figures render with the expected artists; the flow map draws one arrow per moving pair."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import pandas as pd  # noqa: E402
import pytest  # noqa: E402
from matplotlib.collections import PolyCollection  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402
from matplotlib.patches import FancyArrowPatch  # noqa: E402

from flowsim.analysis import compare, load_results  # noqa: E402
from flowsim.analysis.flowmap import flow_pairs, load_coordinates, plot_flow_map  # noqa: E402
from flowsim.analysis.metrics import ABROAD_STATUSES  # noqa: E402
from flowsim.analysis.plots import (  # noqa: E402
    plot_differences,
    plot_status_composition,
    plot_timeseries,
)
from flowsim.errors import ResultsError  # noqa: E402
from test_analysis_fixture import DARIEN, PER_CHL, SCENARIOS, write_results  # noqa: E402


@pytest.fixture(scope="module")
def frames(tmp_path_factory):
    return load_results(write_results(tmp_path_factory.mktemp("results") / "fixture"))


def arrows(fig: Figure) -> list[FancyArrowPatch]:
    return [p for p in fig.axes[0].patches if isinstance(p, FancyArrowPatch)]


def test_timeseries_one_panel_per_scenario_with_the_baseline_on_top(frames):
    marker = pd.Timestamp("2026-01-01")
    fig = plot_timeseries(frames, "onward_moves", marker=marker)
    panels = [ax for ax in fig.axes if ax.get_visible()]
    assert len(panels) == len(SCENARIOS) - 1
    for ax, name in zip(panels, ("Closure", "Pathways"), strict=True):
        assert ax.get_title().startswith(name)
        assert len([c for c in ax.collections if isinstance(c, PolyCollection)]) == 1
        scenario_line, baseline_line, start = ax.lines
        assert baseline_line.get_color() == "black"
        assert baseline_line.get_zorder() > scenario_line.get_zorder()  # drawn on top
        assert pd.Timestamp(start.get_xdata()[0]) == marker
    assert fig.get_supylabel() == "people per month"
    fig.savefig(__import__("io").BytesIO(), format="png")


def test_timeseries_for_one_country_and_a_share(frames):
    fig = plot_timeseries(frames, "regular_share", country="PER", scenarios=["baseline"])
    assert len(fig.axes[0].lines) == 1
    assert "PER" in fig.get_suptitle()


def test_differences_has_one_bar_per_other_scenario(frames):
    fig = plot_differences(compare(frames), metric="onward_moves")
    ax = fig.axes[0]
    assert len(ax.patches) == len(SCENARIOS) - 1
    assert [t.get_text() for t in ax.get_yticklabels()] == ["Pathways", "Closure"]


def test_status_composition_stacks_every_status(frames):
    fig = plot_status_composition(frames, "COL", scenario="closure")
    assert len(fig.axes[0].collections) == len(ABROAD_STATUSES)


def test_status_composition_unknown_scenario(frames):
    with pytest.raises(ResultsError, match="available: baseline"):
        plot_status_composition(frames, "COL", scenario="nope")


def test_flow_map_one_arrow_per_nonzero_pair(frames):
    assert len(arrows(plot_flow_map(frames, "baseline", kind=None))) == 3
    assert len(arrows(plot_flow_map(frames, "baseline", kind="onward"))) == 2
    # closure: nobody crosses the Darien or flies to Spain
    assert len(arrows(plot_flow_map(frames, "closure", kind=None))) == 1
    assert len(arrows(plot_flow_map(frames, "closure", versus="baseline", kind=None))) == 3
    assert len(arrows(plot_flow_map(frames, "baseline", kind="return"))) == 0


def test_flow_pairs_mean_and_paired_difference(frames):
    mean = flow_pairs(frames, "baseline", kind="onward").set_index(["from_country", "to_country"])
    assert mean.loc[("COL", "PAN"), "people"] == pytest.approx(DARIEN["baseline"][:3].sum(1).mean())
    diff = flow_pairs(frames, "pathways", versus="baseline", kind="onward")
    diff = diff.set_index(["from_country", "to_country"])["people"]
    expected = (PER_CHL["pathways"][:3] - PER_CHL["baseline"][:3]).sum(1).mean()
    assert diff.loc[("PER", "CHL")] == pytest.approx(expected)


def test_arrow_width_grows_with_people(frames):
    fig = plot_flow_map(frames, "baseline", kind="onward")
    widths = sorted(a.get_linewidth() for a in arrows(fig))
    assert widths[0] < widths[-1]


def test_coordinates_cover_the_region_and_manifest_overrides():
    coords = load_coordinates()
    assert {"VEN", "COL", "PAN", "MEX", "USA", "ESP"} <= set(coords.index)
    moved = load_coordinates(
        {
            "coordinates": {
                "COL": {"lat": 1.0, "lon": -70.0},
                "XKX": {"lat": 42.6, "lon": 21.2, "name": "Pristina"},
            }
        }
    )
    assert moved.loc["COL", "lat"] == 1.0
    assert moved.loc["XKX", "name"] == "Pristina"

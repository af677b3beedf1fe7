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


def crowded_frames():
    """Onward journeys among the small, close countries of Central America and Hispaniola."""
    from flowsim import tables
    from flowsim.analysis.load import ResultsFrames

    hops = [("SLV", "GTM"), ("HND", "GTM"), ("NIC", "CRI"), ("GTM", "MEX"), ("HTI", "DOM"),
            ("DOM", "USA"), ("CRI", "PAN"), ("COL", "ESP"), ("PRY", "ARG")]  # fmt: skip
    flows = [
        dict(run_id="baseline/r0", scenario="baseline", replicate=0,
             month=pd.Timestamp("2025-01-01"), nationality="VEN", from_country=a,
             to_country=b, route="r", mode="land", kind="onward", lived_in_third=True,
             people=100.0 * (i + 1))
        for i, (a, b) in enumerate(hops)
    ]  # fmt: skip
    runs = pd.DataFrame(
        [dict(run_id="baseline/r0", scenario="baseline", replicate=0, seed=1, status="ok",
              error="", seconds=1.0, flowsim_version="0", params="{}")]
    )  # fmt: skip
    empty = pd.DataFrame({c: [] for c in tables.TIMESERIES_COLUMNS})
    return ResultsFrames(runs, empty.astype({"month": "datetime64[ns]"}),
                         pd.DataFrame(flows, columns=tables.FLOWS_COLUMNS))  # fmt: skip


def test_flow_map_has_borders_separate_labels_a_key_and_numbers():
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    fig = plot_flow_map(crowded_frames(), "baseline", numbers=3)
    ax = fig.axes[0]
    outlines = [c for c in ax.collections if isinstance(c, PolyCollection)]
    assert outlines and len(outlines[0].get_paths()) >= 32  # every country of the file
    renderer = FigureCanvasAgg(fig).get_renderer()
    codes = [t for t in ax.texts if t.get_text().isupper() and len(t.get_text()) == 3]
    assert {t.get_text() for t in codes} >= {"SLV", "GTM", "HND", "NIC", "CRI", "HTI", "DOM"}
    assert "PRY" in {t.get_text() for t in codes}  # no capital in coords.csv: outline centre
    boxes = [t.get_window_extent(renderer) for t in codes]
    for i, a in enumerate(boxes):
        for b in boxes[i + 1 :]:
            assert not a.overlaps(b), "country labels overlap"
    numbers = [t.get_text() for t in ax.texts if t.get_text().replace(",", "").isdigit()]
    assert numbers == ["900", "800", "700"]  # the three largest corridors
    key = ax.get_legend()
    assert [t.get_text() for t in key.get_texts()] == ["900", "450", "90"]
    x0, x1 = ax.get_xlim()
    spain = [t for t in ax.texts if t.get_text().startswith("Spain")][0]
    assert x0 < spain.xy[0] < x1  # Spain drawn at the frame's edge, not off it


def test_status_composition_draws_each_status_under_its_own_name():
    """Parole and an unknown status are drawn apart from labor visas, each in its own colour."""
    from flowsim import tables
    from flowsim.analysis.load import ResultsFrames

    month = pd.Timestamp("2025-01-01")
    people = {"irregular": 10.0, "parole": 20.0, "labor_visa": 5.0, "asylum_claim": 7.0}
    series = pd.DataFrame(
        [dict(run_id="b/r0", scenario="b", replicate=0, month=month, country="USA",
              nationality="VEN", status=s, variable="stock", value=v)
         for s, v in people.items()],
        columns=tables.TIMESERIES_COLUMNS,
    )  # fmt: skip
    runs = pd.DataFrame(
        [dict(run_id="b/r0", scenario="b", replicate=0, seed=1, status="ok", error="",
              seconds=1.0, flowsim_version="0", params="{}")]
    )  # fmt: skip
    flows = pd.DataFrame({c: [] for c in tables.FLOWS_COLUMNS}).astype({"month": "datetime64[ns]"})
    fig = plot_status_composition(ResultsFrames(runs, series, flows), "USA", scenario="b")
    ax = fig.axes[0]
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert "humanitarian parole" in labels and "asylum claim" in labels and "labor visa" in labels
    colours = [tuple(c.get_facecolor()[0]) for c in ax.collections]
    assert len(set(colours)) == len(colours)  # no two statuses share a colour
    assert "one run" in ax.get_title()

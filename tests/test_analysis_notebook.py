"""The scenario comparison notebook runs top to bottom on a results folder."""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

from test_analysis_fixture import write_grid_results, write_results

NOTEBOOK = Path(__file__).resolve().parents[1] / "notebooks" / "compare_scenarios.ipynb"


@pytest.mark.parametrize("writer", [write_results, write_grid_results], ids=["flat", "grid"])
def test_notebook_runs(tmp_path, monkeypatch, writer):
    monkeypatch.setenv("FLOWSIM_RESULTS", str(writer(tmp_path / "results")))
    monkeypatch.setenv("MPLBACKEND", "Agg")
    # the kernel runs in notebooks/: make it import this source tree, as the tests do
    monkeypatch.setenv("PYTHONPATH", str(NOTEBOOK.parents[1] / "src"))
    nb = nbformat.read(NOTEBOOK, as_version=4)
    NotebookClient(
        nb,
        timeout=300,
        kernel_name="python3",
        resources={"metadata": {"path": str(NOTEBOOK.parent)}},
    ).execute()
    outputs = [o for cell in nb.cells if cell.cell_type == "code" for o in cell.outputs]
    assert not [o for o in outputs if o.output_type == "error"]
    images = [o for o in outputs if "image/png" in o.get("data", {})]
    assert len(images) == 5
    text = "".join(o.get("text", "") for o in outputs)
    assert "lowers onward journeys" in text
    assert "Period compared:" in text

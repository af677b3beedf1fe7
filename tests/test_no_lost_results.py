"""Nothing a user does loses results: the run / compare / run sequence, --overwrite, locks."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from flowsim.cli.main import main

ROOT = Path(__file__).resolve().parents[1]
BASELINE = str(ROOT / "scenarios" / "baseline.toml")
SMALL = ["--months", "12", "--scale", "50000"]


def files_of(folder: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(folder)): p.read_bytes()
        for p in sorted(folder.rglob("*"))
        if p.is_file() and p.name != ".flowsim.lock"
    }


def test_run_compare_run_loses_nothing(tmp_path, capsys):
    out = tmp_path / "x"
    assert main(["run", BASELINE, *SMALL, "--out", str(out)]) == 0
    assert main(["compare", str(out), "--out", str(out / "report")]) == 0
    (out / "notes.txt").write_text("my notes")
    before = files_of(out)
    assert any(k.startswith("report/") for k in before)
    capsys.readouterr()
    # the same command again: verified, nothing rewritten
    assert main(["run", BASELINE, *SMALL, "--out", str(out)]) == 0
    assert "nothing to do" in capsys.readouterr().out
    assert files_of(out) == before
    # another seed: refused with the reason, nothing changed
    assert main(["run", BASELINE, *SMALL, "--seed", "5", "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert "nothing was changed" in err and "--overwrite" in err and "run baseline/r000" in err
    assert "Traceback" not in err
    assert files_of(out) == before
    # --overwrite writes the new run, then moves the old folder aside whole
    assert main(["run", BASELINE, *SMALL, "--seed", "5", "--out", str(out), "--overwrite"]) == 0
    (aside,) = tmp_path.glob("x.old-*")
    assert files_of(aside) == before
    assert json.loads((out / "manifest.json").read_text())["runs"][0]["seed"] == 5
    assert not list(tmp_path.glob(".x.partial-*"))


def test_a_failing_rerun_keeps_the_old_results(tmp_path, monkeypatch, capsys):
    out = tmp_path / "x"
    assert main(["run", BASELINE, *SMALL, "--out", str(out)]) == 0
    before = files_of(out)

    def boom(*args, **kwargs):
        raise RuntimeError("model exploded")

    monkeypatch.setattr("flowsim.engine.run.simulate", boom)
    assert main(["run", BASELINE, *SMALL, "--seed", "9", "--out", str(out), "--overwrite"]) == 1
    assert "model exploded" in capsys.readouterr().err
    assert files_of(out) == before and not list(tmp_path.glob("x.old-*"))
    assert not list(tmp_path.glob(".x.partial-*"))


def test_an_interrupted_run_leaves_no_half_folder(tmp_path, monkeypatch, capsys):
    out = tmp_path / "x"

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt  # what SIGTERM becomes inside `flowsim`

    monkeypatch.setattr("flowsim.engine.run.simulate", interrupted)
    assert main(["run", BASELINE, *SMALL, "--out", str(out)]) == 130
    assert not out.exists() and not list(tmp_path.iterdir())


def test_a_damaged_single_run_is_redone_in_place(tmp_path, capsys):
    out = tmp_path / "x"
    assert main(["run", BASELINE, *SMALL, "--out", str(out)]) == 0
    (part,) = (out / "flows.parquet").glob("part-*.parquet")
    good = part.read_bytes()
    part.write_bytes(good[: len(good) // 2])  # truncated
    (out / "mine.txt").write_text("keep")
    assert main(["compare", str(out)]) == 2
    err = capsys.readouterr().err
    assert "baseline/r000 is damaged" in err and "Traceback" not in err
    assert main(["run", BASELINE, *SMALL, "--out", str(out)]) == 0
    assert "damaged" in capsys.readouterr().err
    assert part.read_bytes() == good and (out / "mine.txt").read_text() == "keep"


@pytest.mark.parametrize("what", ["file", "not_results"])
def test_out_that_is_not_a_results_folder_is_refused(tmp_path, capsys, what):
    out = tmp_path / "x"
    if what == "file":
        out.write_text("a file")
    else:
        out.mkdir()
        (out / "thesis.tex").write_text("mine")
    assert main(["run", BASELINE, *SMALL, "--out", str(out)]) == 2
    err = "\n".join(
        line for line in capsys.readouterr().err.splitlines() if not line.startswith("warning:")
    )
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err
    assert ("is a file" in err) if what == "file" else ("not a results folder" in err)
    assert (out.read_text() == "a file") if what == "file" else (out / "thesis.tex").exists()


def test_run_and_sweep_write_the_same_manifest_format(tmp_path):
    from flowsim.engine.sweep import run_sweep
    from flowsim.scenario import load_scenario

    out = tmp_path / "x"
    assert main(["run", BASELINE, *SMALL, "--seed", "7", "--out", str(out)]) == 0
    single = json.loads((out / "manifest.json").read_text())
    experiment = tmp_path / "e.toml"
    experiment.write_text(
        f'name = "e"\nscenarios = ["{BASELINE}"]\nreplicates = 1\nseed = 7\n'
        "[run]\nmonths = 12\nscale = 50000\n"
    )
    run_sweep(experiment, tmp_path / "s", executor="serial", progress=False)
    swept = json.loads((tmp_path / "s" / "manifest.json").read_text())
    assert set(single) == set(swept)
    assert (single["kind"], swept["kind"]) == ("run", "sweep")
    for manifest in (single, swept):
        assert manifest["settings"]["baseline"]["months"] == 12
        assert manifest["settings"]["baseline"]["scale"] == 50000
        assert manifest["inputs"] == single["inputs"] and len(manifest["inputs"]) >= 5
        assert manifest["flowsim_version"] and "git_commit" in manifest
        scenario = load_scenario(BASELINE)
        calibration = getattr(scenario, "calibration", None)
        expected = None if calibration is None else calibration.model_dump(mode="json")
        assert manifest["calibration"] == {"baseline": expected}
    assert single["runs"][0]["seed"] == 7 and single["runs"][0]["run_id"] == "baseline/r000"

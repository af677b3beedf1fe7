"""``flowsim world``: summary, map file, and user errors without tracebacks."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

import pandas as pd

from flowsim.cli.main import main


def test_summary_lists_countries_and_named_crossings(capsys) -> None:
    assert main(["world"]) == 0
    out = capsys.readouterr().out
    assert "countries (23)" in out
    for iso3 in ("VEN", "COL", "PAN", "USA", "ESP"):
        assert iso3 in out
    assert "Darien Gap: COL -> PAN" in out
    assert "US southwest border: MEX -> USA" in out
    assert "origins (10)" in out


def test_map_writes_png(tmp_path: Path, capsys) -> None:
    png = tmp_path / "world.png"
    assert main(["world", "--map", str(png)]) == 0
    assert png.stat().st_size > 10_000
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert str(png) in capsys.readouterr().out


def test_broken_routes_exit_2_without_traceback(tmp_path: Path, capsys) -> None:
    src = resources.files("flowsim") / "data"
    for name in ("countries", "routes", "visas", "diaspora", "push"):
        (tmp_path / f"{name}.csv").write_text((src / f"{name}.csv").read_text())
    routes = pd.read_csv(tmp_path / "routes.csv", dtype=str, keep_default_na=False)
    routes.loc[2, "mode"] = "teleport"
    routes.to_csv(tmp_path / "routes.csv", index=False)

    assert main(["world", "--world", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert f"{tmp_path / 'routes.csv'}: row 4, column mode: unknown mode 'teleport'" in err
    assert "allowed: land, sea, air" in err
    assert "Traceback" not in err

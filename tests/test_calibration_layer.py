"""The ``[calibration]`` table of scenario files: schema, ``extends`` merge, errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from flowsim.errors import ScenarioError
from flowsim.scenario.load import load_scenario


def _write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def test_absent_calibration_is_none(tmp_path: Path) -> None:
    f = _write(tmp_path / "plain.toml", 'name = "plain"\n')
    assert load_scenario(f).calibration is None


def test_calibration_merges_through_extends_and_ensemble_path_follows(tmp_path: Path) -> None:
    _write(
        tmp_path / "calibration" / "params.toml",
        'name = "params"\n[calibration]\nname = "t"\nmethod = "history_matching"\n'
        'ensemble = "ensemble.csv"\nn_sets = 7\nfit_male_overall = 0.4\n'
        "[calibration.fit_male_by_group]\nstock = 0.2\n",
    )
    top = _write(
        tmp_path / "base.toml",
        'name = "base"\nextends = "calibration/params"\n[calibration]\nmeasured_by = "cmd"\n',
    )
    cal = load_scenario(top).calibration
    assert cal is not None
    assert cal.method == "history_matching" and cal.n_sets == 7 and cal.measured_by == "cmd"
    assert cal.fit_male_by_group == {"stock": 0.2}
    # relative to the loaded file's folder, whatever the working directory
    assert cal.ensemble == "calibration/ensemble.csv"
    assert (top.parent / cal.ensemble) == tmp_path / "calibration" / "ensemble.csv"
    # the layer itself still sees its own folder
    assert load_scenario(tmp_path / "calibration" / "params.toml").calibration.ensemble == (
        "ensemble.csv"
    )
    # part of the scenario's content (and hash)
    plain = _write(tmp_path / "plain.toml", 'name = "base"\nextends = "calibration/params"\n')
    assert load_scenario(plain).content_hash() != load_scenario(top).content_hash()


def test_unknown_calibration_key_names_file_and_allowed(tmp_path: Path) -> None:
    f = _write(tmp_path / "bad.toml", 'name = "bad"\n[calibration]\nsets = 3\n')
    with pytest.raises(ScenarioError) as exc:
        load_scenario(f)
    text = str(exc.value)
    assert "bad.toml" in text and "calibration.sets" in text and "n_sets" in text


def test_point_fit_and_kept_comments_of_the_layer(tmp_path: Path) -> None:
    import json

    from flowsim.calibration.report import write_parameters
    from flowsim.cli.calibrate import _kept_point_fit, _point_fit

    refine = tmp_path / "refine"
    refine.mkdir()
    result = {
        "start": {"a": 1.2345678, "b": 2.0},
        "validated_loss_start": 0.75123,
        "validated_groups_start": {"g": 0.5},
    }
    (refine / "result.json").write_text(json.dumps(result))
    fit = _point_fit(refine, {"a": 1.23457, "b": 2.0})  # the layer's 6 significant digits
    assert fit == {"point_male": 0.7512, "point_male_by_group": {"g": 0.5}}
    assert _point_fit(refine, {"a": 1.3, "b": 2.0}) == {}  # another point: no claim
    assert _point_fit(tmp_path / "none", {"a": 1.0}) == {}
    # kept [parameters] keep the fit the layer records for them
    kept = _kept_point_fit({"point_male": 0.7866, "point_male_by_group": {"g": 1.1}})
    assert kept == {"point_male": 0.7866, "point_male_by_group": {"g": 1.1}}
    # and how that fit was measured, when the layer records it
    how = {"point_male": 0.6, "point_measured_by": "benchmarks/history_table.py --seeds 4"}
    assert _kept_point_fit(how)["point_measured_by"] == "benchmarks/history_table.py --seeds 4"
    assert _kept_point_fit({"fit_male_overall": 1.4}) == {}

    layer = tmp_path / "params.toml"
    write_parameters(layer, {"b_net": 1.0}, note="first")
    text = layer.read_text().splitlines()
    text.insert(3, "# why: kept on purpose")
    layer.write_text("\n".join(text))
    write_parameters(layer, {"b_net": 1.0}, note="again", keep_comments=True)
    assert "# why: kept on purpose" in layer.read_text()
    assert load_scenario(layer).parameters.b_net == 1.0  # still a valid layer
    write_parameters(layer, {"b_net": 2.0}, note="new values", keep_comments=False)
    assert "# why" not in layer.read_text()


def test_layer_keeps_parameters_calibration_does_not_vary(tmp_path: Path) -> None:
    """A layer written from a calibration keeps values outside its space (they were run)."""
    from flowsim.calibration.report import write_parameters
    from flowsim.cli.calibrate import _held_outside_space

    layer = tmp_path / "params.toml"
    assert _held_outside_space(layer, ["b_net"]) == {}  # no layer yet
    write_parameters(layer, {"b_net": 1.0, "b_hardship": 2.0}, note="first")
    held = _held_outside_space(layer, ["b_net", "b_cost"])
    assert held == {"b_hardship": 2.0}
    write_parameters(layer, {**held, "b_net": 0.5, "b_cost": 3.0}, note="refined")
    params = load_scenario(layer).parameters
    assert (params.b_hardship, params.b_net, params.b_cost) == (2.0, 0.5, 3.0)

"""The results store: layout, atomic deterministic parts, manifest checks, reading."""

from __future__ import annotations

import json

import pandas as pd
import pyarrow.parquet as pq
import pytest

import fake_runs
from flowsim import results, tables
from flowsim.errors import ResultsError
from flowsim.results.store import (
    SCHEMAS,
    PartWriter,
    ResultsStore,
    build_manifest,
    part_name,
    to_arrow,
    write_part,
)


def result_for(run_id: str, scenario: str = "baseline", replicate: int = 0, seed: int = 7):
    spec = fake_runs.RunSpec(
        run_id=run_id,
        scenario=fake_runs.FakeScenario(name=scenario),
        replicate=replicate,
        seed=seed,
        params={},
    )
    return fake_runs.fake_run(spec)


def manifest(exp_hash="h1", scenarios=None, replicates=1, run_ids=()):
    return build_manifest(
        kind="sweep",
        experiment={"name": "t", "replicates": replicates},
        experiment_hash=exp_hash,
        scenario_hashes=scenarios or {"baseline": "s1"},
        runs=[
            {"run_id": r, "scenario": r.split("/")[0], "replicate": 0, "seed": 0, "params": {}}
            for r in run_ids
        ],
        commit="abc",
    )


def test_schemas_follow_the_table_contract():
    assert tuple(SCHEMAS["runs"].names) == tables.RUNS_COLUMNS
    assert tuple(SCHEMAS["timeseries"].names) == tables.TIMESERIES_COLUMNS
    assert tuple(SCHEMAS["flows"].names) == tables.FLOWS_COLUMNS


def test_part_names_are_safe_and_unique():
    a = part_name("base[parameters.b_net=0.5,x=a/b]/r001")
    b = part_name("base[parameters.b_net=0.5,x=a_b]/r001")
    assert a != b
    assert "/" not in a and not a.startswith((".", "_")) and a.endswith(".parquet")


def test_parts_are_byte_identical_and_leave_no_temp_files(tmp_path):
    res = result_for("baseline/r000")
    for folder in (tmp_path / "a", tmp_path / "b"):
        store = ResultsStore(folder)
        store.prepare(manifest())
        store.writer.write_run(res.run, res.timeseries, res.flows)
    for table in ("runs", "timeseries", "flows"):
        name = f"{table}.parquet/{part_name('baseline/r000')}"
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes()
        assert not [
            p for p in (tmp_path / "a" / f"{table}.parquet").iterdir() if p.name.startswith(".")
        ]
    meta = pq.read_metadata(tmp_path / "a" / "timeseries.parquet" / part_name("baseline/r000"))
    assert meta.row_group(0).column(0).compression == "ZSTD"
    assert meta.metadata is None or b"pandas" not in meta.metadata


def test_whole_tables_read_with_pandas(tmp_path):
    store = ResultsStore(tmp_path)
    store.prepare(manifest())
    for k in range(3):
        res = result_for(f"baseline/r{k:03d}", replicate=k, seed=k)
        store.writer.write_run(res.run, res.timeseries, res.flows)
    ts = pd.read_parquet(tmp_path / "timeseries.parquet")
    assert list(ts.columns) == list(tables.TIMESERIES_COLUMNS)
    assert sorted(ts["replicate"].unique()) == [0, 1, 2]
    assert len(pd.read_parquet(tmp_path / "runs.parquet")) == 3
    ids = [f"baseline/r{k:03d}" for k in range(3)]
    assert {k: v.state for k, v in store.states(ids).items()} == dict.fromkeys(ids, "ok")


def test_a_failed_run_removes_stale_parts(tmp_path):
    writer = PartWriter(tmp_path)
    for t in ("runs", "timeseries", "flows"):
        (tmp_path / f"{t}.parquet").mkdir()
    res = result_for("baseline/r000")
    writer.write_run(res.run, res.timeseries, res.flows)
    writer.write_run({**res.run, "status": "failed", "error": "boom"})
    assert not writer.path("timeseries", "baseline/r000").exists()
    assert pd.read_parquet(tmp_path / "runs.parquet")["status"].tolist() == ["failed"]


def test_a_changed_experiment_is_refused(tmp_path):
    ResultsStore(tmp_path).prepare(manifest())
    ResultsStore(tmp_path).prepare(manifest())  # same sweep: fine
    changed = manifest("h2", replicates=2)
    with pytest.raises(ResultsError, match=r"experiment.replicates: 1 -> 2(.|\n)*new --out"):
        ResultsStore(tmp_path).prepare(changed)
    with pytest.raises(ResultsError, match="scenario baseline: changed"):
        ResultsStore(tmp_path).prepare(manifest(scenarios={"baseline": "s2"}))


def test_a_folder_without_manifest_is_refused(tmp_path):
    (tmp_path / "notes.txt").write_text("mine")
    with pytest.raises(ResultsError, match="not a results folder"):
        ResultsStore(tmp_path).prepare(manifest())


def test_manifest_contents(tmp_path):
    ResultsStore(tmp_path).prepare(manifest())
    data = json.loads((tmp_path / "manifest.json").read_text())
    assert data["format_version"] == tables.FORMAT_VERSION
    assert {
        "flowsim_version",
        "git_commit",
        "created",
        "experiment",
        "experiment_hash",
        "scenarios",
        "runs",
    } <= set(data)


@pytest.fixture
def store(tmp_path):
    s = ResultsStore(tmp_path)
    ids = [f"{sc}/r{k:03d}" for sc in ("baseline", "other") for k in range(2)]
    ids += ["other/r002", "other/r003"]
    s.prepare(manifest(scenarios={"baseline": "s1", "other": "s2"}, run_ids=ids))
    for scenario in ("baseline", "other"):
        for k in range(2):
            res = result_for(f"{scenario}/r{k:03d}", scenario=scenario, replicate=k, seed=k)
            s.writer.write_run(res.run, res.timeseries, res.flows)
    res = result_for("other/r002", scenario="other", replicate=2)
    s.writer.write_run(res.run, res.timeseries, res.flows)
    s.writer.write_run({**res.run, "status": "failed", "error": "boom"})
    res = result_for("other/r003", scenario="other", replicate=3)  # interrupted: no runs part
    write_part(s.writer.path("timeseries", "other/r003"), to_arrow("timeseries", res.timeseries))
    return tmp_path


def test_open_refuses_an_incomplete_folder_naming_the_runs(store):
    with pytest.raises(ResultsError, match=r"run other/r002 failed(.|\n)*other/r003 has not"):
        results.open(store)


def test_open_reads_runs_and_filters(store):
    res = results.open(store, allow_incomplete=True)
    assert res.manifest["experiment"]["name"] == "t"
    assert len(res.runs) == 5 and res.failed["run_id"].tolist() == ["other/r002"]
    ts = res.timeseries(scenario="other", country=["PER"], period="2019-02/2019-03")
    assert set(ts["scenario"]) == {"other"} and set(ts["country"]) == {"PER"}
    assert set(ts["run_id"]) == {"other/r000", "other/r001"}  # not failed, not unfinished
    # an unfinished run's part (no receipt) is never read, even with include_failed
    assert "other/r003" not in set(res.timeseries(include_failed=True)["run_id"])
    assert sorted(ts["month"].dt.strftime("%Y-%m").unique()) == ["2019-02", "2019-03"]
    assert pd.api.types.is_datetime64_any_dtype(ts["month"])
    assert len(res.timeseries(variable="stock", nationality="VEN", period="2019")) == 4 * 6 * 2
    fl = res.flows(kind="onward", route=tables.DARIEN_ROUTE, period="2019-01")
    assert len(fl) == 4 and set(fl["kind"]) == {"onward"}
    assert res.flows(scenario="nope").empty


def test_bad_period_and_missing_folder(store, tmp_path):
    with pytest.raises(ResultsError, match="allowed: YYYY"):
        results.open(store, allow_incomplete=True).timeseries(period="2019/13")
    with pytest.raises(ResultsError, match="not a results folder"):
        results.open(tmp_path / "nothing")

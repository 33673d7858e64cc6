"""Study executor and store: identical results serially, in a process pool and on
Dask; seeds independent of execution order; resume skips finished points."""

from __future__ import annotations

import json
import os
import sys

import numpy as np
import pytest

from picffm.errors import ConfigError
from picffm.runs.executor import Task, derive_seed, point_key, run_tasks
from picffm.studies.store import PointStore


def noisy_task(point, seed, context):
    """Deterministic in (point, seed): a few draws from the point's own generator.

    Appends one line per execution to ``context['log']`` (a file, so that
    executions in worker processes are counted too); fails on purpose while
    ``context['fail_flag']`` exists and the point is ``x == fail_x``.
    """
    if context.get("log"):
        with open(context["log"], "a") as fh:
            fh.write(f"{point['x']}\n")
    if context.get("fail_flag") and os.path.exists(context["fail_flag"]) and point["x"] == context.get("fail_x"):
        raise RuntimeError("simulated crash")
    rng = np.random.default_rng(seed)
    v = rng.normal(size=4) * point["x"]
    return {"mean": float(v.mean()), "values": v.tolist(), "third": 1.0 / 3.0 * point["x"], "n": len(v)}


def _tasks(context=None, xs=(0.5, 1.0, 2.0, 3.0, 5.0)):
    ctx = dict(context or {})
    return [Task(noisy_task, {"x": x, "rep": r}, derive_seed(7, "rep", r, x), ctx) for x in xs for r in range(2)]


def _executions(log) -> list[str]:
    return log.read_text().split() if log.exists() else []


def test_derive_seed_is_stable_and_order_free():
    a = derive_seed(3, "replicate", 1)
    assert a == derive_seed(3, "replicate", 1)
    assert 0 <= a < 2**63
    seeds = {derive_seed(3, "replicate", r) for r in range(200)} | {derive_seed(4, "replicate", 1)}
    assert len(seeds) == 201
    assert point_key({"a": 1, "b": 2.5}) == point_key({"b": 2.5, "a": 1})
    assert point_key({"a": 1}) != point_key({"a": 1.5})
    with pytest.raises(ConfigError, match="study seed"):
        derive_seed(-1, "x")


def test_serial_pool_and_dask_give_identical_results(tmp_path):
    from distributed import Client, LocalCluster

    tasks = _tasks()
    serial = run_tasks(tasks, workers=1, progress=False)
    reversed_serial = run_tasks(tasks[::-1], workers=1, progress=False)
    pool = run_tasks(tasks, workers=2, progress=False)
    # two worker processes talking TCP on the loopback interface only, like a
    # real cluster (tasks and results are pickled); starts in ~1.5 s
    with LocalCluster(n_workers=2, processes=True, threads_per_worker=1, dashboard_address="127.0.0.1:0",
                      host="127.0.0.1") as cluster, Client(cluster) as client:
        dask = run_tasks(tasks, scheduler=client, progress=False)
    assert list(serial) == [t.key for t in tasks] == list(pool) == list(dask)
    assert json.dumps(serial) == json.dumps(pool) == json.dumps(dask)
    assert {k: reversed_serial[k] for k in serial} == serial  # order does not change results
    # an independent computation of one point
    rng = np.random.default_rng(derive_seed(7, "rep", 1, 2.0))
    expect = rng.normal(size=4) * 2.0
    np.testing.assert_array_equal(serial[tasks[5].key]["values"], expect)
    assert serial[tasks[5].key]["third"] == 2.0 / 3.0  # floats survive the JSON round trip bit-exactly


def test_resume_keeps_finished_points_and_skips_them(tmp_path):
    log, flag = tmp_path / "log.txt", tmp_path / "fail.flag"
    flag.write_text("")
    ctx = {"log": str(log), "fail_flag": str(flag), "fail_x": 2.0}
    tasks = _tasks(ctx)
    study = tmp_path / "study"
    with pytest.raises(RuntimeError, match="simulated crash"):
        run_tasks(tasks, store=PointStore(study, {"study": "toy", "fixed": ctx}), workers=1, progress=False)
    # the four points before the crash are on disk, nothing else, no temporary files
    saved = sorted(p.stem for p in (study / "points").glob("*.json"))
    assert saved == sorted(t.key for t in tasks[:4])
    assert not [p for p in (study / "points").iterdir() if p.suffix != ".json"]
    assert len(_executions(log)) == 5
    # a fresh run into the same directory is refused; --resume runs only the rest
    with pytest.raises(ConfigError, match="--resume"):
        PointStore(study, {"study": "toy", "fixed": ctx})
    flag.unlink()
    log.unlink()
    out = run_tasks(tasks, store=PointStore(study, {"study": "toy", "fixed": ctx}, resume=True),
                    workers=2, progress=False)
    assert sorted(_executions(log)) == sorted(str(t.point["x"]) for t in tasks[4:])
    assert out == run_tasks(_tasks(), workers=1, progress=False)  # same results as an uninterrupted run
    # resuming a complete study runs nothing
    log.unlink()
    again = run_tasks(tasks, store=PointStore(study, {"study": "toy", "fixed": ctx}, resume=True), progress=False)
    assert again == out and _executions(log) == []
    saved = json.loads((study / "points" / f"{tasks[0].key}.json").read_text())
    assert saved["point"] == {"x": 0.5, "rep": 0} and saved["seed"] == tasks[0].seed


def test_resume_refuses_other_settings(tmp_path):
    study = tmp_path / "s"
    run_tasks(_tasks()[:1], store=PointStore(study, {"study": "toy", "fixed": {"epochs": 5}}), progress=False)
    with pytest.raises(ConfigError, match=r"epochs: was 5, now 6"):
        PointStore(study, {"study": "toy", "fixed": {"epochs": 6}}, resume=True)
    with pytest.raises(ConfigError, match="holds a 'toy' study"):
        PointStore(study, {"study": "drift", "fixed": {"epochs": 5}}, resume=True)
    (tmp_path / "file").write_text("")
    with pytest.raises(ConfigError, match="not a directory"):
        PointStore(tmp_path / "file", {"study": "toy"})


def test_bad_executor_options(monkeypatch):
    tasks = _tasks()
    with pytest.raises(ConfigError, match="--workers"):
        run_tasks(tasks, workers=0, progress=False)
    with pytest.raises(ConfigError, match="same parameters"):
        run_tasks(tasks + tasks[:1], workers=1, progress=False)
    monkeypatch.setitem(sys.modules, "distributed", None)  # as if dask were not installed
    with pytest.raises(ConfigError, match=r"picffm\[dask\]"):
        run_tasks(tasks, scheduler="tcp://127.0.0.1:8786", progress=False)

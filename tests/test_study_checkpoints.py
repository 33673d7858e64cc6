"""Study points checkpoint themselves: a stop mid-point loses nothing, and the resumed study is bit-identical.

In process: a point asked to stop at a chosen safe point (through the
scheduler's channel, as the first Ctrl-C does) saves its state and raises
TaskStopped; run again on the same folder it continues from there, repeats
none of the checks or epochs already done, and returns exactly what a point
never stopped returns. Through the real CLI: a real SIGINT in a subprocess
while a point is half done, then ``--out DIR --resume`` with no other option: the
same results.json, byte for byte, as an uninterrupted run, and the finished
points are reused, not recomputed. The moments are drawn from a seeded
generator; no timing is asserted.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time

import numpy as np
import pytest

from picffm.runs import channel
from picffm.runs.channel import TaskStopped
from picffm.studies import asymmetry, drift
from picffm.studies.runner import resolve_chip
from picffm.studies.sweep import load_sweep

RNG = np.random.default_rng(20261201)


@pytest.fixture(autouse=True)
def _one_blas_thread():
    """One BLAS thread, as the study's workers run (threaded BLAS on a loaded machine costs 5x here)."""
    from threadpoolctl import threadpool_limits

    with threadpool_limits(1):
        yield
SMALL = {"layers": 1, "epochs": 4, "seeds": 1, "drift_rates": [0.02], "duration_s": 4.0, "step_s": 1.0,
         "recal_interval_s": 1.0, "recal_iterations": 1, "ffm_steps": 2}


def _context(study: str, values: dict) -> dict:
    sweep = load_sweep(study, None, values)
    ctx = sweep.fixed()
    ctx["chip_spec"] = resolve_chip(sweep.chip)
    return ctx


class _StopAfter:
    """A scheduler's stop request that comes true at the ``n``-th safe point asked."""

    def __init__(self, n: int):
        self.n, self.asked = n, 0

    def __call__(self) -> bool:
        self.asked += 1
        return self.asked >= self.n


def _counting(monkeypatch, module, name):
    calls = []
    real = getattr(module, name)

    def wrapper(*args, **kwargs):
        calls.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(module, name, wrapper)
    return calls


@pytest.mark.parametrize("method", ["insilico", "recal", "ffm"])
def test_drift_point_stopped_mid_study_continues_bit_for_bit(method, tmp_path, monkeypatch):
    # recal calibrates its chip and recalibrates at every check: 2 checks there
    ctx = _context("drift", {**SMALL, "methods": [method], "duration_s": 2.0 if method == "recal" else 4.0})
    point = {"drift_rate": 0.02, "method": method, "replicate": 0}
    drift._pretrained.cache_clear()
    fresh = drift.drift_point(point, 7, ctx)  # never stopped, no checkpoints
    # stop at a safe point: 4 training epochs, the deployment of recal's one chip, then after the checks at
    # t = 0 and t = 1 (recal: also right after its deployment)
    before = 4 + (method == "recal")
    stop_at = before + int(RNG.integers(0 if method == "recal" else 1, 3))
    checks = _counting(monkeypatch, drift, "true_accuracy")
    drift._pretrained.cache_clear()
    channel.install(None, _StopAfter(stop_at))
    try:
        with pytest.raises(TaskStopped):
            drift.drift_point(point, 7, ctx, str(tmp_path))
    finally:
        channel.install(None, None)
    done = len(checks)
    assert done == stop_at - before  # the checks made before the stop
    names = sorted(p.name for p in tmp_path.iterdir())
    assert len(names) == 2 and names[1].startswith("train-")  # the point's state and its trained network
    drift._pretrained.cache_clear()  # as in a new process
    from picffm.training.trainers.base import Trainer

    epochs = _counting(monkeypatch, Trainer, "run_epoch")
    resumed = drift.drift_point(point, 7, ctx, str(tmp_path))
    assert resumed == fresh  # every float and counter, bit for bit (the executor's JSON keeps them so)
    assert len(checks) == len(fresh["times_s"])  # no check made twice
    assert epochs == []  # the trained network is read back, not trained again


def test_drift_training_stopped_between_epochs_continues_bit_for_bit(tmp_path, monkeypatch):
    ctx = _context("drift", {**SMALL, "methods": ["ffm"]})
    point = {"drift_rate": 0.02, "method": "ffm", "replicate": 0}
    drift._pretrained.cache_clear()
    fresh = drift.drift_point(point, 3, ctx)
    drift._pretrained.cache_clear()
    channel.install(None, _StopAfter(2))  # after the second of 4 epochs
    try:
        with pytest.raises(TaskStopped):
            drift.drift_point(point, 3, ctx, str(tmp_path))
    finally:
        channel.install(None, None)
    (ckpt,) = tmp_path.iterdir()
    assert ckpt.name.startswith("train-")
    drift._pretrained.cache_clear()
    from picffm.training.trainers.base import Trainer

    epochs = _counting(monkeypatch, Trainer, "run_epoch")
    assert drift.drift_point(point, 3, ctx, str(tmp_path)) == fresh
    assert len(epochs) == 2  # epochs 3 and 4 only


@pytest.mark.parametrize("method", ["insilico", "ffm"])
def test_asymmetry_point_stopped_mid_training_continues_bit_for_bit(method, tmp_path):
    ctx = _context("asymmetry", {"layers": 1, "epochs": 4, "seeds": 1, "asymmetries": [0.5], "methods": [method],
                                 "ffm_trainer": "ffm"})
    point = {"asymmetry": 0.5, "method": method, "replicate": 0}
    fresh = asymmetry.asymmetry_point(point, 11, ctx)
    channel.install(None, _StopAfter(int(RNG.integers(1, 4))))
    try:
        with pytest.raises(TaskStopped):
            asymmetry.asymmetry_point(point, 11, ctx, str(tmp_path))
    finally:
        channel.install(None, None)
    assert len(list(tmp_path.iterdir())) == 1
    assert asymmetry.asymmetry_point(point, 11, ctx, str(tmp_path)) == fresh


def test_a_checkpoint_of_another_point_is_refused_in_one_line(tmp_path):
    ctx = _context("drift", {**SMALL, "methods": ["insilico"]})
    a = {"drift_rate": 0.02, "method": "insilico", "replicate": 0}
    channel.install(None, _StopAfter(5))
    try:
        with pytest.raises(TaskStopped):
            drift.drift_point(a, 7, ctx, str(tmp_path))
    finally:
        channel.install(None, None)
    from picffm.runs.executor import point_key

    b = {**a, "replicate": 1}
    ours = tmp_path / f"{point_key(a)}.npz"
    ours.rename(tmp_path / f"{point_key(b)}.npz")  # copied over another point's name
    from picffm.runs.statefile import StateFileError

    with pytest.raises(StateFileError, match=r"is not the checkpoint of .*delete it") as exc:
        drift.drift_point(b, 7, ctx, str(tmp_path))
    assert "\n" not in str(exc.value)


# ---------------------------------------------------------------- real SIGINT through the CLI

DRIFT = ["study", "drift", "--layers", "1", "--epochs", "6", "--seeds", "1", "--drift-rates", "0,0.02",
         "--method", "insilico,ffm", "--duration-s", "30", "--step-s", "1", "--ffm-steps", "2"]
ASYM = ["study", "asymmetry", "--layers", "1", "--epochs", "25", "--seeds", "1", "--asymmetries", "0,1",
        "--method", "ffm", "--ffm-trainer", "ffm"]
# (study, options, workers, points, the point whose checkpoint is awaited before the SIGINT)
CASES = [("drift", DRIFT, "1", 4, {"drift_rate": 0.0, "method": "ffm", "replicate": 0}),
         ("asymmetry", ASYM, "2", 2, {"asymmetry": 0.0, "method": "ffm", "replicate": 0})]


@pytest.mark.parametrize("name, args, workers, total, awaited", CASES, ids=[f"{c[0]}-workers{c[2]}" for c in CASES])
def test_sigint_mid_point_then_resume_gives_the_uninterrupted_results(name, args, workers, total, awaited, tmp_path,
                                                                      capsys):
    from picffm.runs.executor import point_key

    env = {**os.environ, "PYTHONPATH": os.pathsep.join(p for p in sys.path if p), "OPENBLAS_NUM_THREADS": "1",
           "OMP_NUM_THREADS": "1"}
    ref, out = tmp_path / "ref", tmp_path / "cut"
    cmd = [sys.executable, "-m", "picffm", *args, "--workers", workers, "--quiet"]
    from picffm.cli.main import main

    assert main([*args, "--workers", "1", "--quiet", "--out", str(ref)]) == 0  # the uninterrupted reference
    proc = subprocess.Popen([*cmd, "--out", str(out)], env=env, text=True, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, start_new_session=True)
    try:
        deadline = time.monotonic() + 300
        ckpt = out / "checkpoints" / f"{point_key(awaited)}.npz"
        # a long point has saved itself after its first check or epoch: interrupt it there
        while proc.poll() is None and time.monotonic() < deadline and not ckpt.exists():
            time.sleep(0.01)
        time.sleep(RNG.uniform(0.0, 0.05))
        assert proc.poll() is None, proc.communicate()
        os.killpg(proc.pid, signal.SIGINT)  # Ctrl-C reaches the whole process group
        stdout, stderr = proc.communicate(timeout=300)
    finally:
        if proc.poll() is None:  # pragma: no cover - only if the stop hangs
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
    assert proc.returncode == 130, stderr
    assert stderr.startswith(f"picffm: stopped by Ctrl-C; every finished point is saved in {out}"), stderr
    assert len(stderr.splitlines()) == 1 and f"'picffm study {name} --out {out} --resume'" in stderr
    finished = len(list((out / "points").iterdir()))
    assert finished < total and ckpt.exists()  # the point was stopped half way and saved itself
    # --out DIR --resume alone: the stored options, no option repeated
    again = subprocess.run([sys.executable, "-m", "picffm", "study", name, "--out", str(out), "--resume", "--quiet"],
                           env=env, capture_output=True, text=True, timeout=600)
    assert again.returncode == 0, again.stderr
    assert f"{total - finished} point(s) computed, {finished} reused" in again.stdout
    for f in ("results.json", "summary.csv", "points.csv" if name == "asymmetry" else "accuracy_vs_time.csv"):
        assert (out / f).read_bytes() == (ref / f).read_bytes(), f
    assert not (out / "checkpoints").exists()  # the study is complete: nothing left to continue
    stored = [json.loads((d / "study.json").read_text())["sweep"] for d in (out, ref)]
    assert stored[0] == stored[1]

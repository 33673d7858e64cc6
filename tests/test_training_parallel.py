"""picffm train iris in worker processes: bit-identical to the serial run, interruption and resume, --workers."""

import json
import os
import signal
import subprocess
import sys
import time

import pytest
from threadpoolctl import threadpool_limits

from picffm.chip import preset
from picffm.cli.main import main
from picffm.training.config import TrainConfig
from picffm.runs.statefile import load_state
from picffm.training.results import result_from_plain
from picffm.training.trainers import ideal_model
from picffm.training.run import Experiment, resolve_spec, run_experiment, unit_key
from picffm.training.store import load_checkpoint

TINY = TrainConfig(epochs=3, checkpoint_every=2, grad_probe_step=4, folds=2)
METHODS = ("ideal", "insilico", "ffm-phase")


def _comparable(summary: dict) -> dict:
    """The summary without wall times (the only figures that may differ between runs)."""
    doc = json.loads(json.dumps(summary))
    doc.pop("elapsed_s")
    for methods in doc["chips"].values():
        for entry in methods.values():
            entry.pop("seconds")
    return doc


def _units(out) -> dict:
    docs = {p.stem: load_state(p, "picffm-train-unit") for p in sorted((out / "units").glob("*.npz"))}
    table = ideal_model().schedule.table
    return {k: {"result": result_from_plain(d["result"], table), "snapshots": d["snapshots"]} for k, d in docs.items()}


def _ckpt_epochs(out) -> list:
    """Epoch of every checkpoint in a run directory."""
    exp = Experiment.from_dict(json.loads((out / "config.json").read_text()))
    units = {unit_key(*u): u for u in exp.units()}
    return [load_checkpoint(p, units[p.stem])["trainer"]["epoch"] for p in (out / "checkpoints").glob("*.npz")]


def _serial(exp, out):
    with threadpool_limits(1):  # as the CLI and the workers do
        return run_experiment(exp, out, progress=False, workers=1)


def test_two_workers_give_bit_identical_results(tmp_path):
    exp = Experiment(TINY, METHODS, (resolve_spec("mild"), resolve_spec("harsh")), (0, 1), passes_methods=("ffm",))
    serial = _serial(exp, tmp_path / "serial")
    parallel = run_experiment(exp, tmp_path / "parallel", progress=False, workers=2)
    assert serial["complete"] and parallel["complete"]
    assert _comparable(parallel) == _comparable(serial)
    assert parallel["chips"]["harsh"]["ffm-phase"]["grad_error"]["n"] == 2 * 2  # the probe ran in the workers
    a, b = _units(tmp_path / "serial"), _units(tmp_path / "parallel")
    assert sorted(a) == sorted(b) and len(a) == 2 * (2 + 2 * 2 * 2)  # 2 folds per seed
    for key in a:
        ra, rb = a[key]["result"], b[key]["result"]
        assert ra.history == rb.history and ra.grad == rb.grad and ra.test_acc == rb.test_acc
        assert ra.train_passes == rb.train_passes and ra.updates == rb.updates
        for sa, sb in zip(ra.states, rb.states):  # every phase and gain to the last bit
            assert sa.gain == sb.gain and sa.params.values.tobytes() == sb.params.values.tobytes()
    for name in ("history.csv", "passes.json", "config.json"):
        assert (tmp_path / "parallel" / name).read_text() == (tmp_path / "serial" / name).read_text()
    assert not list((tmp_path / "parallel" / "checkpoints").iterdir())


def test_training_on_a_dask_cluster_is_bit_identical_to_serial(tmp_path):
    """The shared executor's Dask backend trains the units (no checkpoints: workers need not share files)."""
    from distributed import Client, LocalCluster

    exp = Experiment(TrainConfig(epochs=2, grad_probe_step=3, folds=1), ("ideal", "insilico", "ffm"),
                     (resolve_spec("mild"),), (0,), passes_methods=("ffm",))
    serial = _serial(exp, tmp_path / "serial")
    events = []
    with LocalCluster(n_workers=2, processes=True, threads_per_worker=1, dashboard_address="127.0.0.1:0",
                      host="127.0.0.1") as cluster, Client(cluster) as client:
        dask = run_experiment(exp, tmp_path / "dask", progress=False, scheduler=client,
                              on_event=lambda kind, info: events.append(kind))
    assert dask["complete"] and _comparable(dask) == _comparable(serial)
    assert sorted(events) == ["unit"] * 3  # per-unit events only: epochs are not reported from Dask workers
    for name in ("history.csv", "passes.json", "table.txt"):
        assert (tmp_path / "dask" / name).read_text() == (tmp_path / "serial" / name).read_text()


def _quiet_experiment(tmp_path):
    chips = []
    for name in ("mild", "typical"):
        path = tmp_path / f"quiet-{name}.json"
        path.write_text(json.dumps(preset(name).replace(detector__shot=0.0, detector__thermal=0.0, detector__phase_noise_rad=0.0,
                                                  modulator__noise=0.0).to_dict()))
        chips.append(resolve_spec(path))
    return Experiment(TINY, METHODS, tuple(chips), (0, 1), passes_methods=("ffm",))


def test_interrupted_parallel_run_resumes_to_the_same_summary(tmp_path):
    exp = _quiet_experiment(tmp_path)
    full = _serial(exp, tmp_path / "full")

    def stop(kind, info):
        if kind == "epoch" and info["method"] == "ffm-phase" and info["epoch"] == 2:
            raise KeyboardInterrupt

    out = tmp_path / "cut"
    with pytest.raises(KeyboardInterrupt):
        run_experiment(exp, out, progress=False, on_event=stop, workers=2)
    partial = json.loads((out / "metrics.json").read_text())
    assert not partial["complete"]
    # a unit that finished before the interruption is kept (which ideal unit ends first depends on the load)
    assert any((out / "units" / f"{unit_key('model', 'ideal', s, f)}.npz").exists() for s in (0, 1) for f in (0, 1))
    assert len(list((out / "units").glob("*.npz"))) < 2 * (2 + 2 * 2 * 2)
    for epoch in _ckpt_epochs(out):  # a stopped unit saved the epoch it reached
        assert 1 <= epoch < TINY.epochs

    resumed = run_experiment(None, out, resume=True, progress=False, workers=2)
    assert resumed["complete"]
    assert _comparable(resumed) == _comparable(full)
    assert (out / "history.csv").read_text() == (tmp_path / "full" / "history.csv").read_text()
    assert not list((out / "checkpoints").iterdir())
    assert json.loads((out / "config.json").read_text()) == exp.to_dict()  # workers is not part of the run


@pytest.mark.parametrize("value", ["0", "-2", "two", "1.5"])
def test_bad_workers_fail_with_one_line(value, tmp_path, capsys):
    code = main(["train", "iris", "--workers", value, "--epochs", "1", "--out", str(tmp_path / "r")])
    _, err = capsys.readouterr()
    assert code == 2 and f"--workers {value!r} is invalid" in err
    assert err.count("\n") == 1 and "Traceback" not in err
    assert not (tmp_path / "r").exists()


def test_ctrl_c_stops_the_workers_and_resume_accepts_workers(tmp_path):
    """A real SIGINT to the whole process group (what Ctrl-C does) while two workers train."""
    out = tmp_path / "run"
    cmd = [sys.executable, "-m", "picffm", "train", "iris", "--chip", "mild", "--method", "ffm-phase,ffm",
           "--seeds", "1", "--folds", "1", "--epochs", "40", "--workers", "2", "--quiet", "--out", str(out)]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True)
    try:
        deadline = time.monotonic() + 60
        while not list((out / "checkpoints").glob("*.npz")) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert proc.poll() is None, proc.communicate()
        os.killpg(proc.pid, signal.SIGINT)
        stdout, stderr = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:  # pragma: no cover - only if the shutdown hangs
            os.killpg(proc.pid, signal.SIGKILL)
    assert proc.returncode == 130, stderr
    assert stdout == "" and stderr.count("\n") == 1 and f"--out {out} --resume" in stderr
    assert not json.loads((out / "metrics.json").read_text())["complete"]
    saved = _ckpt_epochs(out)
    assert saved and all(0 < e < 40 for e in saved)
    assert "workers" not in (out / "config.json").read_text()

    # --resume takes --workers (an execution option, not one of the run's own options)
    done = subprocess.run([sys.executable, "-m", "picffm", "train", "iris", "--out", str(out), "--resume", "--workers", "2",
                           "--json", "--quiet"], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    doc = json.loads(done.stdout)
    assert doc["complete"] and doc["chips"]["mild"]["ffm-phase"]["test_acc"]["n"] == 1
    assert not list((out / "checkpoints").iterdir())

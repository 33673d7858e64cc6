"""Diffractive classification: data readers (IDX, NPZ, digits), units, run directory, resume, CLI."""

from __future__ import annotations

import gzip
import json
import struct
from pathlib import Path

import numpy as np
import pytest
from numpy.testing import assert_allclose

from picffm.cli.main import main
from picffm.freespace.data import load_digits, load_local, read_idx, to_fields
from picffm.freespace.errors import FreespaceError
from picffm.runs.statefile import load_state


def _idx(path, arr, compress=False):
    arr = np.asarray(arr, dtype=np.uint8)
    head = bytes([0, 0, 8, arr.ndim]) + b"".join(struct.pack(">I", d) for d in arr.shape)
    data = head + arr.tobytes()
    if compress:
        path = path.with_name(path.name + ".gz")
        data = gzip.compress(data)
    path.write_bytes(data)
    return path


def _mnist_like(rng, n, side=10):
    y = np.arange(n) % 3
    x = np.zeros((n, side, side), dtype=np.uint8)
    for k in range(n):  # class c: a bright bar in row band c (learnable)
        x[k, 2 + 3 * y[k]:4 + 3 * y[k], 2:8] = 255
    x = np.clip(x + rng.integers(0, 30, x.shape), 0, 255).astype(np.uint8)
    return x, y


@pytest.mark.parametrize("compress", [False, True])
def test_idx_round_trip(tmp_path, compress):
    rng = np.random.default_rng(0)
    a = rng.integers(0, 256, (5, 4, 3))
    p = _idx(tmp_path / "a-idx3-ubyte", a, compress)
    assert_allclose(read_idx(p), a)


@pytest.mark.parametrize("mangle,needle", [(lambda b: b"\x01" + b[1:], "magic"), (lambda b: b[:2] + b"\x0d" + b[3:], "0x0d"),
                                           (lambda b: b[:-1], "bytes"), (lambda b: b[:6], "header")])
def test_bad_idx_is_named(tmp_path, mangle, needle):
    p = _idx(tmp_path / "a", np.zeros((2, 3, 3)))
    p.write_bytes(mangle(p.read_bytes()))
    with pytest.raises(FreespaceError, match=needle):
        read_idx(p)


def test_idx_header_cannot_allocate_gigabytes(tmp_path):
    p = tmp_path / "huge"
    p.write_bytes(bytes([0, 0, 8, 3]) + struct.pack(">III", 100000, 10000, 10000))
    with pytest.raises(FreespaceError, match="limit"):
        read_idx(p)


def test_local_dir_and_npz(tmp_path):
    rng = np.random.default_rng(1)
    x, y = _mnist_like(rng, 30)
    d = tmp_path / "idx"
    d.mkdir()
    _idx(d / "train-images-idx3-ubyte", x[:20], True)
    _idx(d / "train-labels-idx1-ubyte", y[:20])
    _idx(d / "t10k-images-idx3-ubyte", x[20:])
    _idx(d / "t10k-labels-idx1-ubyte", y[20:], True)
    a = load_local(d)
    np.savez(tmp_path / "m.npz", x_train=x[:20], y_train=y[:20], x_test=x[20:], y_test=y[20:])
    b = load_local(tmp_path / "m.npz")
    assert_allclose(a.train_x, b.train_x) and assert_allclose(a.test_y, b.test_y)
    assert a.train_x.max() == 1.0 and a.n_classes == 3
    np.savez(tmp_path / "bad.npz", x_train=x)
    with pytest.raises(FreespaceError, match="missing array"):
        load_local(tmp_path / "bad.npz")
    (d / "t10k-labels-idx1-ubyte.gz").unlink()
    with pytest.raises(FreespaceError, match="t10k-labels"):
        load_local(d)


def test_digits_and_fields():
    d = load_digits(0)
    assert len(d.train_y) == 1437 and len(d.test_y) == 360 and set(np.unique(d.test_y)) == set(range(10))
    f = to_fields(d.train_x[:4], 40, 16)
    assert f.shape == (4, 40, 40) and f[:, :12].max() == 0 and 0 < f.max() <= 1


def _run(tmp_path, capsys, *extra):
    code = main(["freespace", "classify", "--epochs", "2", "--train-samples", "60", "--test-samples", "30",
                 "--quiet", "--json", "--workers", "1", "--seeds", "1", *extra])
    return code, capsys.readouterr()


def test_cli_classify_end_to_end_resume_and_clobber(tmp_path, capsys):
    rng = np.random.default_rng(2)
    x, y = _mnist_like(rng, 90)
    np.savez(tmp_path / "m.npz", x_train=x[:60], y_train=y[:60], x_test=x[60:], y_test=y[60:])
    out = tmp_path / "run"
    code, cap = _run(tmp_path, capsys, "--data", str(tmp_path / "m.npz"), "-o", str(out))
    assert code == 0, cap.err
    s = json.loads(cap.out)
    r = s["results"]["2"]
    assert r["ideal"]["test_acc"]["mean"] > 60  # a learnable toy problem
    assert r["ffm"]["passes_per_sample"] == pytest.approx(5 + 2 / (2 * 60))  # + flat-response passes
    for name in ("config.json", "metrics.json", "history.csv", "learning_curves.png", "masks.png",
                 "units/L2-s0-ffm.npz", "units/L2-s0-insilico.npz"):
        assert (out / name).is_file(), name
    assert sorted(p.name for p in (out / "units").iterdir()) == [f"L2-s0-{m}.npz" for m in ("ffm", "ideal", "insilico")]
    # resume: nothing left to train, the same summary
    ffm_before = (out / "units/L2-s0-ffm.npz").read_bytes()
    unit_before = load_state(out / "units/L2-s0-ffm.npz", "picffm-freespace-classify-unit")
    assert main(["freespace", "classify", "--out", str(out), "--resume", "--quiet", "--json"]) == 0
    s2 = json.loads(capsys.readouterr().out)
    assert s2["results"] == s["results"]
    assert (out / "units/L2-s0-ffm.npz").read_bytes() == ffm_before
    # an interrupted run: drop a unit, resume trains it again, bit-identical
    (out / "units/L2-s0-ffm.npz").unlink()
    assert main(["freespace", "classify", "--out", str(out), "--resume", "--quiet", "--json"]) == 0
    capsys.readouterr()
    again = load_state(out / "units/L2-s0-ffm.npz", "picffm-freespace-classify-unit")
    assert again["test_acc_history"] == unit_before["test_acc_history"]
    assert np.array_equal(again["masks"], unit_before["masks"])
    # a corrupt unit or a foreign file in units/: one line naming it
    (out / "units/L2-s0-ideal.npz").write_bytes(b"not a state file")
    assert main(["freespace", "classify", "--out", str(out), "--resume", "--quiet"]) == 2
    err = capsys.readouterr().err
    assert "L2-s0-ideal.npz" in err and "Traceback" not in err and err.count("\n") == 1
    (out / "units/L2-s0-ideal.npz").unlink()
    (out / "units/notes.txt").write_text("mine")
    assert main(["freespace", "classify", "--out", str(out), "--resume", "--quiet"]) == 2
    assert "notes.txt: not a unit of this run" in capsys.readouterr().err
    (out / "units/notes.txt").unlink()
    # a second writer is refused while the first holds the directory
    from picffm.freespace.rundir import RunDir

    with RunDir(out, None, owned=(), command="freespace classify", resume=True):
        assert main(["freespace", "classify", "--out", str(out), "--resume", "--quiet"]) == 2
        assert "another picffm run is writing this directory" in capsys.readouterr().err
    # refuses to clobber; --resume refuses new options
    code, cap = _run(tmp_path, capsys, "-o", str(out))
    assert code == 2 and "--force" in cap.err
    assert main(["freespace", "classify", "--out", str(out), "--resume", "--epochs", "3"]) == 2
    assert "drop --epochs" in capsys.readouterr().err
    # --force starts clean, deleting only what a classify run wrote
    code, cap = _run(tmp_path, capsys, "-o", str(out), "--data", str(tmp_path / "m.npz"), "--force")
    assert code == 0, cap.err
    assert sorted(p.name for p in (out / "units").iterdir()) == [f"L2-s0-{m}.npz" for m in ("ffm", "ideal", "insilico")]


@pytest.mark.parametrize("extra,needle", [(["--layers", "9"], "--layers"), (["--layers", "x"], "--layers"),
                                          (["--workers", "0"], "--workers"), (["--data", "nowhere.npz"], "no such"),
                                          (["--epochs", "0"], "--epochs"), (["--train-samples", "3"], "--train-samples"),
                                          (["--seeds", "1,1"], "--seeds '1,1' lists seed 1 more than once"),
                                          # a count beyond the limit built its range first (1e9 seeds: GBs)
                                          (["--seeds", "1000000000"], "--seeds (count) 1000000000 is beyond")])
def test_cli_classify_bad_options(tmp_path, capsys, extra, needle):
    code, cap = _run(tmp_path, capsys, "-o", str(tmp_path / "r"), *extra)
    assert code == 2 and needle in cap.err and "Traceback" not in cap.err


def _tiny(tmp_path, seeds=(0, 1)):
    from picffm.freespace.classify import ClassifyConfig

    rng = np.random.default_rng(7)
    x, y = _mnist_like(rng, 90)
    np.savez(tmp_path / "m.npz", x_train=x[:60], y_train=y[:60], x_test=x[60:], y_test=y[60:])
    return ClassifyConfig(layers=(1,), seeds=seeds, epochs=3, grid_n=32, image_px=24, data=str(tmp_path / "m.npz"))


def _units(out):
    docs = {p.stem: load_state(p, "picffm-freespace-classify-unit") for p in sorted((out / "units").iterdir())}
    for d in docs.values():
        d.pop("seconds")  # wall time, the one field that may differ
    return docs


def _acc(summary):
    """The summary's results without the wall times."""
    return {L: {m: {k: v for k, v in r.items() if k != "seconds"} for m, r in res.items()}
            for L, res in summary["results"].items()}


def _same_units(a, b):
    assert sorted(a) == sorted(b)
    for k in a:
        assert np.array_equal(a[k].pop("masks"), b[k].pop("masks")), k
        assert a[k] == b[k], k


def test_classify_on_the_shared_scheduler_serial_pool_dask_and_resume_are_bit_identical(tmp_path):
    """Units run as tasks of runs.executor.run_tasks: in process, in 2 workers, on Dask; interrupted and resumed."""
    from distributed import Client, LocalCluster

    from picffm.freespace.classify_run import run_classify

    config = _tiny(tmp_path)
    msgs = []
    serial = run_classify(config, tmp_path / "serial", workers=1, progress=msgs.append)
    assert _acc(serial)["1"]["ideal"]["test_acc"]["mean"] > 60  # learnt something: the comparison means something
    assert any("L1-s0-ideal: epoch 3/3" in m for m in msgs)  # progress events from the task, per epoch
    assert any("L1-s1-insilico" in m and "deployed" in m for m in msgs)
    pool = run_classify(config, tmp_path / "pool", workers=2)
    with LocalCluster(n_workers=2, processes=False, threads_per_worker=1, dashboard_address="127.0.0.1:0") as cluster, \
            Client(cluster) as client:
        dask = run_classify(config, tmp_path / "dask", scheduler=client)
    ref = _units(tmp_path / "serial")
    assert len(ref) == 6
    for other, s in (("pool", pool), ("dask", dask)):
        assert _acc(s) == _acc(serial)
        _same_units(_units(tmp_path / other), _units(tmp_path / "serial"))
        assert (tmp_path / other / "history.csv").read_bytes() == (tmp_path / "serial" / "history.csv").read_bytes()

    # stopped after the first finished unit (as Ctrl-C would), then resumed: the same units, bit for bit
    def stop_after_first_unit(msg):
        if "test accuracy" in msg:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        run_classify(config, tmp_path / "stopped", workers=1, progress=stop_after_first_unit)
    assert [p.name for p in (tmp_path / "stopped" / "units").iterdir()] == ["L1-s0-ideal.npz"]
    resumed = run_classify(None, tmp_path / "stopped", resume=True, workers=2)
    assert _acc(resumed) == _acc(serial)
    _same_units(_units(tmp_path / "stopped"), _units(tmp_path / "serial"))


def test_classify_in_two_workers_stops_cleanly_on_ctrl_c_and_resumes(tmp_path):
    """A real SIGINT to the process group (as Ctrl-C): exit 130, one line, finished units kept; resume completes."""
    import os
    import signal
    import subprocess
    import sys
    import time

    rng = np.random.default_rng(4)
    x, y = _mnist_like(rng, 90)
    np.savez(tmp_path / "m.npz", x_train=x[:60], y_train=y[:60], x_test=x[60:], y_test=y[60:])
    out = tmp_path / "run"
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(p for p in sys.path if p)}
    args = [sys.executable, "-m", "picffm", "freespace", "classify", "--epochs", "3", "--train-samples", "60",
            "--test-samples", "30", "--seeds", "2", "--workers", "2", "--data", str(tmp_path / "m.npz"), "-o", str(out)]
    proc = subprocess.Popen(args, env=env, text=True, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            start_new_session=True)
    try:
        deadline = time.monotonic() + 120
        while proc.poll() is None and time.monotonic() < deadline and not any((out / "units").glob("*.npz")):
            time.sleep(0.05)
        time.sleep(np.random.default_rng(18).uniform(0.0, 0.5))  # a seeded moment after the first unit
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGINT)
        stdout, stderr = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:  # pragma: no cover - only if the shutdown hangs
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
    assert proc.returncode == 130, stderr
    lines = [ln for ln in stderr.splitlines() if not ln.startswith("picffm freespace: ")]  # progress lines
    assert len(lines) == 1 and lines[0].startswith("picffm: stopped by Ctrl-C; finished units and the running "
                                                   f"units' checkpoints are in {out}"), stderr
    kept = sorted(p.name for p in (out / "units").iterdir())
    assert kept and all(n.endswith(".npz") for n in kept)
    assert subprocess.run([sys.executable, "-m", "picffm", "freespace", "classify", "--out", str(out), "--resume",
                           "--quiet", "--workers", "1"], env=env, capture_output=True, text=True).returncode == 0
    assert len(list((out / "units").iterdir())) == 6


@pytest.mark.parametrize("stop_after", [1, 2, 3])  # mid epoch 1, after epoch 1, mid epoch 2 (2 batches an epoch)
def test_a_unit_stopped_and_resumed_from_its_checkpoint_is_bit_identical(tmp_path, stop_after):
    """train_unit's checkpoint (through a state file) holds everything: masks, Adam, both generators, the epoch."""
    from picffm.freespace.classify import train_unit
    from picffm.freespace.classify_run import load_data
    from picffm.runs.channel import TaskStopped
    from picffm.runs.statefile import save_state

    config = _tiny(tmp_path, seeds=(0,))
    config = type(config)(**{**config.__dict__, "batch_size": 30})  # 60 samples: 2 batches per epoch
    data = load_data(config, 0)
    ref = train_unit(config, data, 1, 0, "ffm")
    calls, saved = [0], {}

    def should_stop():
        calls[0] += 1
        return calls[0] >= stop_after

    def checkpoint(state):
        save_state(tmp_path / "ckpt.npz", "test-ckpt", state)
        saved["state"] = load_state(tmp_path / "ckpt.npz", "test-ckpt")

    with pytest.raises(TaskStopped):
        train_unit(config, data, 1, 0, "ffm", checkpoint=checkpoint, should_stop=should_stop)
    again = train_unit(config, data, 1, 0, "ffm", saved=saved["state"])
    assert np.array_equal(again.masks, ref.masks)
    assert again.test_acc_history == ref.test_acc_history and again.train_loss == ref.train_loss
    assert (again.passes, again.test_acc, again.train_acc) == (ref.passes, ref.test_acc, ref.train_acc)


def test_checkpoints_are_atomic_without_fsync_as_in_training_and_units_are_durable(tmp_path, monkeypatch):
    """One checkpoint policy for classify and train (runs.statefile.save_checkpoint_state): no fsync per epoch."""
    import picffm.runs.statefile as statefile
    from picffm.freespace.classify_run import run_classify

    writes, real = [], statefile.atomic_write_bytes
    monkeypatch.setattr(statefile, "atomic_write_bytes",
                        lambda path, data, durable=True: (writes.append((Path(path), durable)), real(path, data,
                                                                                                    durable=durable)))
    run_classify(_tiny(tmp_path, seeds=(0,)), tmp_path / "run", workers=1)
    ckpts = [d for p, d in writes if p.parent.name == "checkpoints"]
    units = [d for p, d in writes if p.parent.name == "units"]
    assert len(ckpts) >= 3 and not any(ckpts)  # one per epoch of each trained unit, none fsynced
    assert len(units) == 3 and all(units)      # ideal, ffm, insilico: flushed to disk
    assert not (tmp_path / "run" / "checkpoints").exists() or not any((tmp_path / "run" / "checkpoints").iterdir())

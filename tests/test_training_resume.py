"""Interrupted (SIGINT or SIGKILL at a random moment) and resumed equals uninterrupted, bit for bit.

The run trains on a drifting, noisy chip (``typical``, chip time passing at
every update), so the trainer's minibatch stream, each chip's detector-noise
stream, its drift stream and drift state must all be restored by a resume.
The kill moments are drawn from a seeded generator.
"""

import json
import os
import signal
import subprocess
import sys
import time

import numpy as np
import pytest

from picffm.runs.statefile import load_state
from picffm.training.config import TrainConfig
from picffm.training.run import Experiment, resolve_spec, run_experiment

SCRIPT = '''
import sys
from picffm.training.config import TrainConfig
from picffm.training.run import Experiment, resolve_spec, run_experiment

EXP = Experiment(TrainConfig(epochs=10, checkpoint_every=1, update_time_s=0.5, grad_probe_step=12, folds=2),
                 ("ffm", "ffm-phase"), (resolve_spec("typical"),), (0,), passes_methods=())

if __name__ == "__main__":
    run_experiment(EXP, sys.argv[1], progress=False, workers=int(sys.argv[2]))
'''

EXP = Experiment(TrainConfig(epochs=10, checkpoint_every=1, update_time_s=0.5, grad_probe_step=12, folds=2),
                 ("ffm", "ffm-phase"), (resolve_spec("typical"),), (0,), passes_methods=())

RNG = np.random.default_rng(20261201)
#: (signal, workers, seconds after the run directory appears)
CASES = [(signal.SIGKILL, 1, RNG.uniform(0.1, 1.5)), (signal.SIGINT, 1, RNG.uniform(0.1, 1.5)),
         (signal.SIGKILL, 2, RNG.uniform(0.5, 5.0)), (signal.SIGINT, 2, RNG.uniform(0.5, 5.0))]


def _units(out) -> dict:
    """Every unit's document without its wall time, and its arrays as bytes."""
    docs = {}
    for p in sorted((out / "units").glob("*.npz")):
        doc = load_state(p, "picffm-train-unit")
        doc["result"].pop("seconds")
        docs[p.stem] = json.dumps(doc, sort_keys=True, default=lambda a: (str(a.dtype), a.shape, a.tobytes().hex()))
    return docs


@pytest.fixture(scope="module")
def reference(tmp_path_factory):
    out = tmp_path_factory.mktemp("uninterrupted") / "run"
    run_experiment(EXP, out, progress=False, workers=1)
    return out


@pytest.mark.parametrize("signum, workers, delay", CASES,
                         ids=[f"{signal.Signals(s).name}-w{w}-{d:.2f}s" for s, w, d in CASES])
def test_interrupted_and_resumed_equals_uninterrupted(signum, workers, delay, reference, tmp_path):
    script = tmp_path / "run.py"
    script.write_text(SCRIPT)
    out = tmp_path / "run"
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(p for p in sys.path if p)}
    proc = subprocess.Popen([sys.executable, str(script), str(out), str(workers)], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True)
    try:
        deadline = time.monotonic() + 60
        while not (out / "config.json").exists() and time.monotonic() < deadline and proc.poll() is None:
            time.sleep(0.02)
        time.sleep(delay)
        if proc.poll() is None:
            os.killpg(proc.pid, signum)  # the whole process group, as Ctrl-C does
        _, stderr = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:  # pragma: no cover - only if the shutdown hangs
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
    if signum == signal.SIGKILL:
        assert proc.returncode in (0, -signal.SIGKILL), stderr
    elif proc.returncode != 0:  # the library raised Interrupted (the CLI turns it into one line, exit 130)
        assert stderr.rstrip().splitlines()[-1].startswith("picffm.runs.signals.Interrupted"), stderr
    resumed = run_experiment(None, out, resume=True, progress=False, workers=workers)
    assert resumed["complete"]
    assert _units(out) == _units(reference)
    assert (out / "history.csv").read_text() == (reference / "history.csv").read_text()
    assert (out / "table.txt").read_text() == (reference / "table.txt").read_text()
    assert not list((out / "checkpoints").iterdir())

"""The baseline methods end to end: ``picffm train --method``, pass counts, resume bit for bit."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from picffm.chip import preset
from picffm.training.config import TrainConfig
from picffm.training.trainers import make_chips, make_dataset, make_trainer, passes_per_update
from picffm.training.units import UnitStopped, train_unit

ROOT = Path(__file__).resolve().parents[1]
METHODS = ["insitu-bp"]


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("layers,batch", [(1, 3), (2, 5)])
def test_closed_form_passes_agree_with_the_chip_counters(method, layers, batch):
    config = TrainConfig(epochs=1, layers=layers, batch_size=batch)
    chips = make_chips(preset("typical"), 0, layers)
    tr = make_trainer(method, chips, make_dataset(0, config), config, 0)
    before = sum(c.passes for c in chips)
    tr.step(np.arange(batch))
    assert tr.train_passes == sum(c.passes for c in chips) - before == passes_per_update(method, layers, batch)


@pytest.mark.parametrize("method", METHODS)
def test_resumed_unit_equals_uninterrupted_bit_for_bit(method):
    config = TrainConfig(epochs=3, checkpoint_every=1, update_time_s=0.5, grad_probe_step=4)
    spec = preset("typical")
    whole, _ = train_unit(method, "typical", spec, 0, config)
    saved = []
    with pytest.raises(UnitStopped):
        train_unit(method, "typical", spec, 0, config, checkpoint=saved.append, should_stop=lambda: True)
    state = json.loads(json.dumps(saved[-1], default=lambda a: a.tolist()))  # through plain data, as on disk
    resumed, _ = train_unit(method, "typical", spec, 0, config, saved=saved[-1])
    assert state["trainer"]["epoch"] == 1
    assert resumed.history == whole.history
    assert resumed.grad == whole.grad
    for a, b in zip(resumed.states, whole.states):
        assert np.array_equal(a.params.values, b.params.values) and a.gain == b.gain


@pytest.mark.parametrize("method", METHODS)
def test_method_runs_through_the_cli(method, tmp_path):
    out = tmp_path / "run"
    r = subprocess.run([sys.executable, "-m", "picffm", "train", "iris", "--method", method, "--chip", "typical",
                        "--epochs", "2", "--seeds", "1", "--folds", "1", "--workers", "1", "--quiet", "--json",
                        "-o", str(out)],
                       capture_output=True, text=True, cwd=ROOT, env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin"},
                       timeout=300)
    assert r.returncode == 0, r.stderr
    summary = json.loads(r.stdout)
    entry = summary["chips"]["typical"][method]
    assert 0 <= entry["test_acc"]["mean"] <= 100
    assert entry["passes_per_update"] == passes_per_update(method, 2, 35)
    assert summary["passes_per_update"][method] == passes_per_update(method, 2, 35)

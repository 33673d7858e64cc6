"""The baseline methods end to end: ``picffm train --method``, pass counts, resume bit for bit."""

from __future__ import annotations

import copy
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


#: the cheapest calibration that still programs a fabricated 16-port core to a fidelity of about 0.998
CHEAP = {"settings": 3, "repeats": 1, "crosstalk_settings": 16, "sweep_steps": 8}


@pytest.fixture(scope="module")
def calibrated_pat():
    """A one-layer ``pat`` trainer on the fabricated chip of seed 0, which calibrated its chip itself."""
    from picffm.training import twinned

    config = TrainConfig(epochs=1, folds=1, layers=1)
    chips = make_chips(preset("fabricated"), 0, 1)
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(twinned, "CALIBRATION", CHEAP)
        return make_trainer("pat", chips, make_dataset(0, config), config, 0), chips


@pytest.fixture(scope="module")
def twins_fabricated(calibrated_pat):
    """Its calibrated twin (calibrated once for the module)."""
    return calibrated_pat[0].twins


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


class _PerfectTwin:
    """A twin that knows the chip's truth (test fixture; needs a chip without heater errors or drift).

    The actual phase is the programmed phase plus the chip's static offset, so
    the truth at one programming gives it for every programming.
    """

    def __init__(self, chip):
        t = chip.reveal()
        self.circuit = t.circuit
        self._true = t.params
        self._offset = t.params.programmable - chip.params().programmable
        self.input_factor, self.output_factor = t.input_factor, t.output_factor

    def params(self, programmed):
        p = self._true.copy()
        p.programmable[:] = programmed.programmable + self._offset
        return p

    def encode(self, x):
        return x / (self.input_factor if np.ndim(x) == 1 else self.input_factor[:, None])

    def decode(self, y):
        return y / (self.output_factor if np.ndim(y) == 1 else self.output_factor[:, None])


def test_pat_on_a_perfect_twin_is_the_exact_gradient():
    from picffm.chip.spec import spec_from_dict
    from picffm.training.gradmetric import phase_gradients_true
    from picffm.training.truth import flat_phase_grads

    spec = spec_from_dict({"mirror_asymmetry": 1.0, "coupler": {"kappa_std": 0.03}, "phase": {"offset_std_rad": 0.5},
                           "loss": {"mzi_db": 0.2, "mzi_db_std": 0.05},
                           "modulator": {"gain_std": 0.1, "phase_std_rad": 0.3},
                           "detector": {"phase_offset_std_rad": 1.0}}, name="t")
    config = TrainConfig(epochs=1)
    chips = make_chips(spec, 0, 2)
    tr = make_trainer("pat", chips, make_dataset(0, config), config, 0, twins=[_PerfectTwin(c) for c in chips])
    assert tr.train_passes == 0  # no calibration: the twins were given
    x, y = tr.data.x_train[:, :20], tr.data.y_train[:20]
    before = sum(c.passes for c in chips)
    loss, grads = tr._gradient(x, y)
    assert sum(c.passes for c in chips) - before == passes_per_update("pat", 2, 20)
    states = tr.states
    true_loss, true = phase_gradients_true(tr.chips, tr.cmap, [s.gain for s in states], x, y,
                                           electronics=config.electronics)
    assert loss == pytest.approx(true_loss, rel=1e-12)
    for layer, want in enumerate(true):
        got = grads.layer_vector(layer, exclude=("gain",))
        np.testing.assert_allclose(got, flat_phase_grads(want), atol=1e-10 * np.abs(flat_phase_grads(want)).max())
        assert grads.view(layer, "gain")[0] == pytest.approx(want["gain"], rel=1e-10)


@pytest.mark.parametrize("method", ["pat", "ffm-twin"])
def test_twin_methods_count_calibration_and_update_passes(method, twins_fabricated):
    config = TrainConfig(epochs=1, folds=1, layers=1)
    chips = make_chips(preset("fabricated"), 0, 1)
    tr = make_trainer(method, chips, make_dataset(0, config), config, 0, twins=twins_fabricated)
    assert tr.train_passes == 0 == tr.calibration_passes == sum(c.passes for c in chips)  # twins given
    tr.step(np.arange(35))
    assert tr.train_passes == sum(c.passes for c in chips) == passes_per_update(method, 1, 35)


def test_twin_method_calibrates_through_the_protocol_once_and_counts_it(calibrated_pat):
    tr, chips = calibrated_pat
    assert tr.calibration_passes == chips[0].passes == tr.twins[0].report.passes > 0
    assert tr.train_passes == 0  # passes per update count the updates only


def test_ffm_twin_steps_what_the_chip_realises(twins_fabricated):
    """On the as-fabricated chip the realised (corrected) operator stays the weight the optimiser holds."""
    from picffm.chip.calibration import fidelity
    from picffm.training.gradmetric import true_matrices

    config = TrainConfig(epochs=1, folds=1, layers=1)
    chips = make_chips(preset("fabricated"), 0, 1)
    tr = make_trainer("ffm-twin", chips, make_dataset(0, config), config, 0, twins=twins_fabricated)
    for _ in range(3):
        tr.step(np.arange(35))
    for m, w in zip(true_matrices(tr.chips), tr.params.blocks("w")):
        w = 0.5 * (w + w.T) / np.linalg.norm(w, 2)
        assert fidelity(m, w) > 0.99
        assert abs(np.vdot(w, m)) / (np.linalg.norm(w) * np.linalg.norm(m)) > 0.99
        assert abs(np.angle(np.vdot(w, m))) < 0.1  # the global phase too (the nonlinearity sees it)


@pytest.mark.parametrize("method", ["pat", "ffm-twin"])
def test_twin_methods_resume_bit_for_bit(method, twins_fabricated):
    config = TrainConfig(epochs=2, folds=1, layers=1, update_time_s=0.5)
    data = make_dataset(0, config)

    def trainer():
        chips = make_chips(preset("fabricated"), 0, 1)
        return make_trainer(method, chips, data, config, 0, twins=twins_fabricated), chips

    whole, chips = trainer()
    whole.run_epoch()
    state = copy.deepcopy({"trainer": whole.state_dict(), "chips": [c.get_state() for c in chips]})
    whole.run_epoch()
    resumed, chips2 = trainer()
    resumed.load_state_dict(state["trainer"])
    for c, st in zip(chips2, state["chips"]):
        c.set_state(st)
    resumed.run_epoch()
    assert resumed.history == whole.history
    assert np.array_equal(resumed.params.values, whole.params.values)

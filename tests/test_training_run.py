"""Training runs: determinism, in-silico deployment, checkpoints and resume."""

import json
import pickle

import numpy as np
import pytest

from picffm.chip import preset
from picffm.errors import ConfigError
from picffm.training.config import TrainConfig
from picffm.training.run import Experiment, run_experiment, train_network, unit_key
from picffm.training.store import load_checkpoint

SMALL = TrainConfig(epochs=6, checkpoint_every=2, grad_probe_step=4, folds=1)


def _quiet(spec):
    return spec.replace(detector__shot=0.0, detector__thermal=0.0, detector__phase_noise_rad=0.0, modulator__noise=0.0)


def test_train_network_is_seed_deterministic_and_learns():
    a = train_network("ffm-phase", "mild", 0, SMALL)
    b = train_network("ffm-phase", "mild", 0, SMALL)
    assert a.test_acc == b.test_acc and a.history == b.history
    for sa, sb in zip(a.states, b.states):
        np.testing.assert_array_equal(sa.params.values, sb.params.values)
    assert a.test_acc > 0.6  # chance is 1/3
    assert a.updates == 6 * 3 and a.passes_per_update == 2 * 2 * 35
    # gradient error averaged over updates 1..14 (probe step 4 +- 10 within the 18 updates)
    assert a.grad["window"] == [1, 14] and a.grad["updates"] == 14 and 0 <= a.grad["method"] < 100
    assert a.grad["insilico"] is None  # the fitted-model line is matrix level only
    assert a.grad["method_cos"] > 0.99  # FFM points where the chip's gradient does
    m = train_network("ffm", "mild", 0, SMALL)
    # matrix level: FFM against the fitted model (N unit-vector probes per layer), both close to the truth
    assert 0 < m.grad["method"] < 20 and 0 < m.grad["insilico"] < 40 and m.grad["insilico_cos"] > 0.95
    pickle.loads(pickle.dumps(a))  # picklable for worker processes


def test_insilico_reuses_the_ideal_network_and_tests_it_on_the_chip():
    ideal = train_network("ideal", None, 1, SMALL)
    ins = train_network("insilico", "harsh", 1, SMALL, ideal_result=ideal)
    assert ins.states is ideal.states and ins.train_passes == 0
    assert ins.test_acc < ideal.test_acc
    with pytest.raises(ConfigError, match="unknown method"):
        train_network("backprop", "mild", 0, SMALL)


def _experiment(tmp_path):
    spec_file = tmp_path / "quiet.json"
    spec_file.write_text(json.dumps(_quiet(preset("mild")).to_dict()))
    from picffm.training.run import resolve_spec

    return Experiment(SMALL, ("ideal", "insilico", "ffm", "ffm-phase"), (resolve_spec(spec_file),), (0,),
                      passes_methods=("ffm",))


def test_resume_after_interruption_continues_from_the_saved_state(tmp_path):
    exp = _experiment(tmp_path)
    full = run_experiment(exp, tmp_path / "full", progress=False)
    assert full["complete"]

    seen = []

    def stop(kind, info):
        seen.append((kind, info.get("method"), info.get("epoch")))
        if kind == "epoch" and info["method"] == "ffm-phase" and info["epoch"] == 5:
            raise KeyboardInterrupt

    out = tmp_path / "cut"
    with pytest.raises(KeyboardInterrupt):
        run_experiment(exp, out, progress=False, on_event=stop)
    partial = json.loads((out / "metrics.json").read_text())
    assert not partial["complete"]
    assert (out / "units" / f"{unit_key('quiet', 'ffm', 0)}.npz").exists()
    ckpt = out / "checkpoints" / f"{unit_key('quiet', 'ffm-phase', 0)}.npz"
    assert load_checkpoint(ckpt, ("quiet", "ffm-phase", 0, 0))["trainer"]["epoch"] == 4
    assert partial["chips"]["quiet"]["ffm"]["test_acc"] is not None

    resumed_epochs = []
    resumed = run_experiment(None, out, resume=True, progress=False,
                             on_event=lambda k, i: resumed_epochs.append((k, i.get("method"), i.get("epoch"))))
    assert resumed["complete"]
    # only the rest of the interrupted unit ran: epochs 5 and 6 of ffm-phase
    assert [e for e in resumed_epochs if e[0] == "epoch"] == [("epoch", "ffm-phase", 5), ("epoch", "ffm-phase", 6)]
    for m in ("ideal", "insilico", "ffm", "ffm-phase"):
        assert resumed["chips"]["quiet"][m]["test_acc"] == full["chips"]["quiet"][m]["test_acc"]
        assert resumed["chips"]["quiet"][m].get("grad_error") == full["chips"]["quiet"][m].get("grad_error")
    assert (out / "history.csv").read_text() == (tmp_path / "full" / "history.csv").read_text()
    for name in ("learning_curves.png", "accuracy_bars.png", "table.txt", "config.json"):
        assert (out / name).stat().st_size > 0
    assert len(list((out / "params").glob("*.json"))) == 3 * 2  # ideal, ffm, ffm-phase x 2 layers
    assert not list((out / "checkpoints").iterdir())


def test_resume_needs_a_run_directory(tmp_path):
    with pytest.raises(ConfigError, match="cannot resume"):
        run_experiment(None, tmp_path, resume=True, progress=False)


@pytest.mark.parametrize("method", ["ffm", "ffm-phase", "spsa", "fd"])
@pytest.mark.parametrize("layers,batch", [(1, 3), (2, 5)])
def test_closed_form_passes_agree_with_the_chip_counters(method, layers, batch):
    from picffm.chip import SimulatedChip
    from picffm.meshes import symmetric_core
    from picffm.training.trainers import Dataset, make_chips, make_dataset, make_trainer, passes_per_update

    config = TrainConfig(epochs=1, layers=layers, batch_size=batch)
    data = make_dataset(0, config)
    n = 16
    if method == "fd":  # two loss readings per parameter: a 4-mode core keeps the test quick
        n = 4
        chips = [SimulatedChip(symmetric_core(n), preset("typical"), np.random.default_rng(i)) for i in range(layers)]
        data = Dataset(data.x_train[:n], data.y_train, data.x_test[:n], data.y_test, data.train_index,
                       data.test_index, data.encoder)
    else:
        chips = make_chips(preset("typical"), 0, layers)
    tr = make_trainer(method, chips, data, config, 0)
    before = sum(c.passes for c in chips)
    tr.step(np.arange(batch))
    assert tr.train_passes == sum(c.passes for c in chips) - before == passes_per_update(method, layers, batch, n)
    assert passes_per_update("ideal", layers, batch) == passes_per_update("insilico", layers, batch) == 0

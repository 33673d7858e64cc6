"""The chip time model (``busy_s``): training counts it per update and it changes no result."""

from __future__ import annotations

import numpy as np
import pytest

from picffm.chip import preset
from picffm.training.config import TrainConfig
from picffm.training.run import train_network

CONFIG = TrainConfig(epochs=1, grad_probe_step=2, folds=1)


def test_training_reports_the_chips_busy_time_per_update_and_the_time_model_changes_no_result():
    typical = preset("typical")
    passes_only = typical.replace(timing__pass_s=1e-3, timing__program_s=0.0)
    slow_heaters = typical.replace(timing__pass_s=0.0, timing__program_s=0.5)
    runs = {name: train_network("ffm", spec, 0, CONFIG) for name, spec in
            (("typical", typical), ("passes_only", passes_only), ("slow_heaters", slow_heaters))}
    a = runs["typical"]
    for r in runs.values():  # same network, same history, same counters: the time model draws nothing
        assert r.history == a.history and r.test_acc == a.test_acc and r.train_passes == a.train_passes
        assert all(np.array_equal(u.params.values, v.params.values) for u, v in zip(r.states, a.states))
    assert runs["passes_only"].train_busy_s == pytest.approx(a.train_passes * 1e-3, rel=1e-12)
    # every update reprograms each layer's chip once: L programs per update
    programs = runs["slow_heaters"].train_busy_s / 0.5
    assert programs == pytest.approx(a.updates * CONFIG.layers)
    t = typical.timing
    assert a.train_busy_s == pytest.approx(a.train_passes * t.pass_s + programs * t.program_s, rel=1e-12)

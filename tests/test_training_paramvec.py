"""ParamVector: one flat vector, named per-layer views that write through, the trainers' form."""

import numpy as np
import pytest

from picffm.chip import preset
from picffm.errors import ConfigError
from picffm.training.config import TrainConfig
from picffm.training.gradients import PHASE_KEYS
from picffm.training.network import core_map
from picffm.training.paramvec import ParamVector, matrix_layout, phase_layout
from picffm.training.trainers import initial_states, make_chips, make_dataset, make_trainer


def test_views_write_through_and_pack_round_trips():
    layout = phase_layout(3, 2, 2)
    assert layout.layer_size == 3 + 3 + 2 + 2 + 1 and layout.size == 22
    rng = np.random.default_rng(1)
    layers = [{"u_theta": rng.normal(size=3), "u_phi": rng.normal(size=3), "att_theta": rng.normal(size=2),
               "att_psi": rng.normal(size=2), "gain": rng.normal()} for _ in range(2)]
    p = layout.pack(layers)
    for i, blocks in enumerate(layers):
        for k, v in blocks.items():
            assert np.array_equal(p.view(i, k), np.reshape(v, -1))
    p.view(1, "gain")[:] = 7.0
    assert p.values[-1] == 7.0 and p.layer(1)["gain"][0] == 7.0
    assert np.array_equal(p.layer_vector(0, exclude=("gain",)), p.values[:10])
    m = matrix_layout(2, 3).zeros()
    m.blocks("w")[2][1, 0] = 1j
    assert m.values[-2] == 1j and m.values.dtype == complex
    with pytest.raises(ConfigError, match="no block 'phi'; valid: u_theta"):
        p.view(0, "phi")
    with pytest.raises(ConfigError, match="needs \\(22,\\)"):
        ParamVector(layout, np.zeros(3))


def test_phase_trainer_parameters_are_the_tied_view_of_each_layer():
    config = TrainConfig(epochs=1)
    chips = make_chips(preset("mild"), 0, config.layers)
    tr = make_trainer("ffm-phase", chips, make_dataset(0, config), config, 0)
    states = initial_states(0, config, core_map(chips[0].schedule))
    for i, st in enumerate(states):
        assert np.array_equal(tr.params.layer_vector(i, exclude=("gain",)), st.params.tied())
        assert tr.params.view(i, "gain")[0] == st.gain
    loss = tr.step(np.arange(5))
    assert np.isfinite(loss)
    for i, st in enumerate(tr.states):  # what is programmed is what the vector holds
        assert np.array_equal(st.params.tied(), np.concatenate([tr.params.view(i, k) for k in PHASE_KEYS]))

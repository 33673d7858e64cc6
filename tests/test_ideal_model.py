"""One ideal model: IdealChip, shared compilation, independent settings."""

import numpy as np

from picffm.chip import IdealChip
from picffm.meshes import symmetric_core
from picffm.training.config import TrainConfig
from picffm.training.network import core_map
from picffm.training.trainers import ideal_model, initial_states, make_chips


def test_ideal_models_share_the_compiled_design_but_not_their_settings():
    a, b = ideal_model(), ideal_model()
    assert a.circuit is b.circuit and a.schedule is b.schedule
    st = initial_states(0, TrainConfig(layers=1), core_map(a.schedule))[0]
    before = b.matrix()
    a.program(st.params)
    assert np.array_equal(b.matrix(), before)  # programming one model leaves the other alone
    assert not np.allclose(a.matrix(), before)
    assert all(isinstance(c, IdealChip) and c.circuit is a.circuit for c in make_chips(None, 0, 3))


def test_matrix_at_settings_equals_programming_and_leaves_the_model_as_programmed():
    net = symmetric_core(6)
    chip, ref = IdealChip(net), IdealChip(net)
    rng = np.random.default_rng(5)
    cmap = core_map(chip.schedule)
    p = cmap.tie(rng.uniform(0, 2 * np.pi, cmap.n_mzi), rng.uniform(0, 2 * np.pi, cmap.n_mzi),
                 rng.uniform(0, np.pi, cmap.n_att), rng.uniform(0, 2 * np.pi, cmap.n_att))
    before = chip.matrix()
    m = chip.matrix(p)
    assert np.array_equal(chip.matrix(), before)
    ref.program(p)
    assert np.array_equal(m, ref.matrix())
    u = ref.matrix()
    assert np.allclose(u, u.T, atol=1e-13)  # tied settings: a symmetric core

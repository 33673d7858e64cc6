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


def test_realised_matrix_is_kept_between_programs_and_passes_are_bit_identical():
    # the matrix is computed once per program; every pass of a batch >= N reuses it, bit for bit as the circuit
    net = symmetric_core(8)
    chip = IdealChip(net)
    rng = np.random.default_rng(9)
    cmap = core_map(chip.schedule)
    x = rng.normal(size=(8, 12)) + 1j * rng.normal(size=(8, 12))
    for _ in range(2):
        p = cmap.tie(rng.uniform(0, 2 * np.pi, cmap.n_mzi), rng.uniform(0, 2 * np.pi, cmap.n_mzi),
                     rng.uniform(0, np.pi, cmap.n_att), rng.uniform(0, 2 * np.pi, cmap.n_att))
        chip.program(p)
        cached = chip._matrix
        assert cached is None  # dropped by program
        settings = chip.params()
        assert np.array_equal(chip.run(x), chip.circuit.propagate(x, settings))
        kept = chip._matrix
        assert kept is not None and not kept.flags.writeable
        assert np.array_equal(chip.run_backward(x), chip.circuit.propagate(x, settings, transpose=True))
        assert chip._matrix is kept  # reused by the next pass
        assert np.array_equal(chip.run(x[:, :3]), chip.circuit.propagate(x[:, :3], settings))  # small batch: walked
        m = chip.matrix()
        m[0, 0] = 99.0  # a copy: the kept matrix is untouched
        assert chip._matrix[0, 0] != 99.0
        chip.program(settings)  # the same settings again: nothing to recompute
        assert chip._matrix is kept

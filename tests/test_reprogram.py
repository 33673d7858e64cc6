"""TrackingProgrammer: the assignment shortcut and continuity between nearby updates."""

import numpy as np
from scipy.optimize import linear_sum_assignment
from scipy.stats import unitary_group

from picffm.chip import IdealChip
from picffm.meshes import symmetric_core
from picffm.training.reprogram import TrackingProgrammer, _assignment


def test_assignment_equals_the_solver_on_near_permutations_and_random_unitaries():
    rng = np.random.default_rng(4)
    for n, eps in [(5, 0.0), (16, 1e-3), (16, 0.3), (32, 0.05), (8, 3.0)]:
        for _ in range(10):
            perm = np.eye(n)[rng.permutation(n)]
            h = rng.normal(size=(n, n)) + 1j * rng.normal(size=(n, n))
            u = perm @ unitary_group.rvs(n, random_state=rng) if eps >= 3 else perm
            if eps < 3:  # a unitary near a permutation: exp(i eps H) P
                w, q = np.linalg.eigh(h + h.conj().T)
                u = (q * np.exp(1j * eps * w)) @ q.conj().T @ perm
            overlap = np.abs(u)
            np.testing.assert_array_equal(_assignment(overlap), linear_sum_assignment(-overlap)[1])


def test_tracking_programmer_follows_small_steps_and_stays_exact():
    n = 8
    chip = IdealChip(symmetric_core(n))
    prog = TrackingProgrammer(chip.schedule)
    rng = np.random.default_rng(2)
    a = rng.normal(size=(n, n)) + 1j * rng.normal(size=(n, n))
    w = a + a.T
    step = rng.normal(size=(n, n)) + 1j * rng.normal(size=(n, n))
    prev = None
    for k in range(4):
        wk = w + 1e-4 * k * (step + step.T)
        settings, scale = prog(wk)
        chip.program(settings)
        np.testing.assert_allclose(chip.matrix() * scale, wk, atol=1e-12 * np.abs(wk).max())
        now = settings.programmable.copy()
        if prev is not None:  # a small change of W is a small change of the phases
            assert np.max(np.abs(np.angle(np.exp(1j * (now - prev))))) < 0.05
        prev = now

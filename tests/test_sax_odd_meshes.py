"""Programmed meshes of odd and smallest sizes agree with sax, and keep their invariants.

The example netlists the sax test covers are N = 4, 5 and 16; here every mesh
kind at N = 2, 3 and 5 is programmed onto a seeded random target and its
matrix is compared with sax evaluating the same netlist and phases (an
independent circuit solver), with the unitarity of the unitary meshes and the
symmetry of the symmetric core.
"""

import numpy as np
import pytest
import sax

from picffm.interop.sax import models
from picffm.meshes import mesh_netlist
from picffm.programming import program_matrix
from picffm.simulation import Circuit


def _target(kind, n, rng):
    a = rng.normal(size=(n, n)) + 1j * rng.normal(size=(n, n))
    if kind in ("clements", "reck"):
        return np.linalg.qr(a)[0]
    return a + a.T if kind == "symmetric" else a


@pytest.mark.parametrize("kind", ["clements", "reck", "symmetric", "svd"])
@pytest.mark.parametrize("n", [2, 3, 5])
def test_programmed_mesh_agrees_with_sax(kind, n):
    rng = np.random.default_rng(100 * n + len(kind))
    net = mesh_netlist(kind, n)
    target = _target(kind, n, rng)
    res = program_matrix(net, target)
    m = Circuit.from_netlist(net).matrix(res.params)
    np.testing.assert_allclose(m * res.scale, target, atol=1e-12 * max(1.0, res.scale))
    circuit, _ = sax.circuit(net.with_settings(res.params.to_mapping()).to_dict(), models=models())
    s = circuit()
    ms = np.array([[complex(s[(i, o)]) for i in net.input_ports] for o in net.output_ports])
    np.testing.assert_allclose(ms, m, atol=1e-13)
    if kind in ("clements", "reck"):
        np.testing.assert_allclose(m @ m.conj().T, np.eye(n), atol=1e-13)
    if kind == "symmetric":
        np.testing.assert_allclose(m, m.T, atol=1e-14)

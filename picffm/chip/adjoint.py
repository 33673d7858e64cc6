"""Fields at every heater for light sent forward or backward through a circuit.

In-situ backpropagation (Hughes et al., Optica 5, 864 (2018); Pai et al.,
Science 380, 398 (2023)) reads the field at every phase shifter twice: once
for the data light sent forward from the inputs, once for the *adjoint*
light sent backward from the outputs. This module computes both for a
compiled circuit with given (true) settings. It is simulation, not a chip:
:class:`picffm.chip.SimulatedChip` calls it with its hidden truth and adds
its transceiver and detector errors.

**Reference point of a heater.** Every programmable phase of the circuit
(one entry of :attr:`picffm.parameters.Params.programmable`) has one point
at which its field is read: just *after* the phase shifter, in the forward
sense (from the inputs to the outputs). For an MZI ``C(k2) P(theta) C(k1)
P(phi)`` these are on row 0 between ``P(theta)`` and ``C(k2)``, and between
``P(phi)`` and ``C(k1)``; a mirrored MZI is the same elements in reverse
order (``P(phi) C(k1) P(theta) C(k2)`` read from its outputs, lumped loss at
its input), an MZI's lumped loss sits at its output, as in
:meth:`picffm.simulation.Circuit.taps`. For an attenuator (light enters and
leaves on row 0 of an MZI, then ``P(psi)``) the theta point is just after
the internal shifter, the psi point is its output; for a single phase
shifter, its output.

**Backward light** launched into the outputs (in output order, as
``T[out, in]`` numbers them) travels through the transposed elements
(reciprocity: the backward transfer matrix of a passive circuit is ``T^T``)
and leaves at the inputs. Its field at a heater's reference point is the
field of the backward wave there.

**Gradient.** With ``T = B P(theta) A`` split at a heater (``B`` after its
reference point), data input ``x``, forward field ``a = (P A x)_m`` and
backward field ``b = (B^T v)_m`` for the adjoint input ``v = conj(dL/dy*)``::

    dL/dtheta = 2 Re[1j * a * b]          (:func:`phase_gradient`)

exact for any circuit (lossy or not, symmetric or not).
"""

from __future__ import annotations

import numpy as np

from ..errors import ParamsError
from ..models import coupler_amplitudes
from ..parameters import Params
from ..simulation import Circuit, element_matrices

__all__ = ["heater_fields", "phase_gradient", "TAPPED"]

#: programmable settings with a reference point, per component
TAPPED = {"mzi": ("theta", "phi"), "attenuator": ("theta", "psi"), "phase_shifter": ("phi",)}


def _mzi_coefficients(mzi: dict, backward: bool) -> np.ndarray:
    """``(n, 2, 2)``: field at the theta / phi point = ``c[:, j] @ (x0, x1)`` of the MZI's port fields.

    Forward: ``(x0, x1)`` are the fields entering its inputs; backward: the
    fields entering its outputs (travelling backward).
    """
    mir = np.asarray(mzi["mirror"], bool)
    t1, k1 = coupler_amplitudes(mzi["kappa1"])
    t2, k2 = coupler_amplitudes(mzi["kappa2"])
    amp = 10.0 ** (-np.asarray(mzi["loss_db"], float) / 20.0)
    et, ep = np.exp(1j * np.asarray(mzi["theta"], float)), np.exp(1j * np.asarray(mzi["phi"], float))
    n = mir.size
    one, zero = np.ones(n, complex), np.zeros(n, complex)

    # Forward, non-mirrored: phi point = P(phi) row 0; theta point = row 0 of P(theta) C1 P(phi).
    f_phi = (ep, zero)
    f_th = (et * t1 * ep, et * 1j * k1)
    # Forward, mirrored (loss, C2, P(theta), C1, P(phi)): theta point = row 0 of P(theta) C2 amp;
    # phi point = row 0 of the whole element = P(phi) C1 P(theta) C2 amp.
    m_th = (amp * et * t2, amp * et * 1j * k2)
    m_phi = (amp * ep * (t1 * t2 * et - k1 * k2), amp * ep * 1j * (t1 * k2 * et + k1 * t2))
    # Backward = row 0 of (what follows the point)^T. Non-mirrored: theta: (amp C2)^T = amp C2;
    # phi: (amp C2 P(theta) C1)^T = amp C1 P(theta) C2.
    bf_th = (amp * t2 + zero, amp * 1j * k2 + zero)
    bf_phi = (amp * (t1 * t2 * et - k1 * k2), amp * 1j * (t1 * k2 * et + k1 * t2))
    # Mirrored: theta: (P(phi) C1)^T = C1 P(phi); phi: nothing follows.
    bm_th = (t1 * ep, 1j * k1 + zero)
    bm_phi = (one, zero)
    # (theta point, phi point) of mirrored and of forward MZIs
    mirrored, forward = ((bm_th, bm_phi), (bf_th, bf_phi)) if backward else ((m_th, m_phi), (f_th, f_phi))
    out = np.empty((n, 2, 2), complex)
    for j in range(2):
        for c in range(2):
            out[:, j, c] = np.where(mir, mirrored[j][c], forward[j][c])
    return out


def _single_coefficients(comp: str, vals: dict, m: np.ndarray, backward: bool) -> np.ndarray:
    """``(n, K)``: field at each tapped setting's point = coefficient * the element's port field."""
    if comp == "phase_shifter":
        return (np.ones_like(m) if backward else m)[:, None]
    if comp == "attenuator":
        t1, _ = coupler_amplitudes(vals["kappa1"])
        t2, _ = coupler_amplitudes(vals["kappa2"])
        amp = 10.0 ** (-np.asarray(vals["loss_db"], float) / 20.0)
        if backward:  # from the output: psi point = output; theta point after P(psi), loss, C2 (row 0)
            return np.stack([amp * t2 * np.exp(1j * np.asarray(vals["psi"], float)), np.ones_like(m)], axis=1)
        return np.stack([t1 * np.exp(1j * np.asarray(vals["theta"], float)), m], axis=1)
    raise AssertionError(comp)


def heater_fields(circuit: Circuit, params: Params, x: np.ndarray, *,
                  backward: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """Propagate ``x`` forward (or backward) and record the field at every heater's reference point.

    Args:
        circuit: the compiled circuit.
        params: its settings (a chip passes its true values).
        x: ``(N, B)`` fields launched into the inputs (forward) or into the
            outputs, in output order (backward).
        backward: send the light from the outputs to the inputs.

    Returns:
        ``(y, f)``: the fields leaving the far side ``(N, B)`` (outputs in
        output order, or inputs in mode order) and ``f`` ``(n_programmable,
        B)``, the field at each programmable setting's reference point, in
        :attr:`~picffm.parameters.Params.programmable` order.
    """
    sched, table = circuit.schedule, circuit.table
    for b in table.programmable_blocks():
        if b.key not in TAPPED.get(b.component, ()):
            raise ParamsError(f"no monitor point for programmable {b.component!r} setting {b.key!r}; "
                              f"backward-light monitors exist for: "
                              + ", ".join(f"{c}.{k}" for c, ks in TAPPED.items() for k in ks))
    x = np.asarray(x, dtype=complex)
    if x.ndim != 2 or x.shape[0] != circuit.n:
        raise ParamsError(f"input fields must have shape ({circuit.n}, B); got {x.shape}")
    params = circuit.params(params)
    mats = element_matrices(sched, params)
    perm = sched.output_modes
    f = np.zeros((table.n_programmable, x.shape[1]), complex)
    coef = {}
    for comp in sched.names:
        if comp == "mzi":
            coef[comp] = _mzi_coefficients(params.component("mzi"), backward)
        elif comp in TAPPED:
            coef[comp] = _single_coefficients(comp, params.component(comp), mats[comp], backward)
    if backward:
        state = np.zeros_like(x)
        state[perm] = x
        stages = reversed(sched.stages)
    else:
        state = x.copy()
        stages = sched.stages
    for st in stages:
        sl = slice(st.start, st.stop)
        m = mats[st.component][sl]
        modes = st.modes
        if m.ndim == 1:
            if st.component in coef:
                got = coef[st.component][sl][:, :, None] * state[modes][:, None, :]
                for j, key in enumerate(TAPPED[st.component]):
                    blk = table.block(st.component, key)
                    f[blk.start + st.start:blk.start + st.stop] = got[:, j]
            state[modes] *= m[:, None]
            continue
        xa, xb = state[modes[:, 0]], state[modes[:, 1]]
        if st.component in coef:
            c = coef[st.component][sl]
            for j, key in enumerate(TAPPED[st.component]):
                blk = table.block(st.component, key)
                f[blk.start + st.start:blk.start + st.stop] = c[:, j, 0, None] * xa + c[:, j, 1, None] * xb
        if backward:
            m = np.swapaxes(m, -1, -2)
        state[modes[:, 0]] = m[:, 0, 0, None] * xa + m[:, 0, 1, None] * xb
        state[modes[:, 1]] = m[:, 1, 0, None] * xa + m[:, 1, 1, None] * xb
    y = state if backward else state[perm]
    return y, f


def phase_gradient(forward: np.ndarray, backward: np.ndarray) -> np.ndarray:
    """``dL/dphase = 2 Re[1j * sum_b a b]`` per heater from forward and adjoint fields ``(n, B)``."""
    return -2.0 * np.imag(np.einsum("ij,ij->i", forward, backward))

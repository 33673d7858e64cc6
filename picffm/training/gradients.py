"""Gradients measured on a chip: FFM at matrix and phase level (docs/conventions.md §6).

Everything here uses only the chip protocol (``run``/``monitors``); no light
is ever sent backwards. Notation per layer ``l``: input ``a``, measured
output ``y = M a``, after the gain ``z = s y``; ``g = dL/dz*`` (Wirtinger).

**Error propagation** (both levels). For a symmetric core ``M = M^T``, so
``M^H v = conj(M conj(v))``: the error pass sends ``e = conj(s g)`` *forward*
through the same chip and conjugates the measured output, which gives
``dL/da* = conj(M e)``. Through the electronics, the nonlinearity's exact backward
(:class:`~picffm.training.electronics.Nonlinearity`).

**Matrix level** (outputs only): the layer's effective weight is
``W = s M`` and ``dL/dW* = g a^H``; projected on symmetric matrices
(the parameters are symmetric), ``G = sym(sum_b g_b a_b^H)``,
``sym(X) = (X + X^T) / 2``. Passes per update: one data pass per layer and
one error pass per layer except the first (its input gradient is not
needed): ``(2L - 1) B``.

**Phase level** (monitor taps after every phase shifter): for a tied pair
(``u_X`` and its mirror twin ``ut_X`` programmed together), with ``a`` the
field just after the shifter in ``u_X`` and ``c`` the field just before the
same shifter in ``ut_X``, from the data pass (``d``, input ``a_l``) and the
error pass (``e``, input ``conj(s g)``)::

    dL/dtheta = 2 Re[1j * sum_b (c_e a_d + c_d a_e)]

(the same for the external phase ``phi``). For the attenuator column
``D = diag(d)``, with ``f`` the field entering attenuator ``k`` and ``h = d f``
the field leaving it (both tapped)::

    dL/dpsi_k   = 2 Re[1j * sum_b (f_e h_d + f_d h_e) / 2]
    dL/dtheta_k = 2 Re[r_k * sum_b (f_e h_d + f_d h_e) / 2],
    r_k = (dd/dtheta) / d = cot(theta_k / 2) / 2 + 1j / 2

``r_k`` is the *design* attenuator's (50:50 couplers, programmed theta):
the only model-assisted term; every other phase gradient is exact for the
actual phases of the chip, whatever its couplers, losses, heater errors.
The gain's gradient is digital: ``dL/ds = 2 Re sum conj(g) y``. Passes per
update: ``2 L B`` (every layer needs its own error fields).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import numpy as np

from .electronics import Electronics
from .network import CoreMap, Forward, LayerState, forward, loss_and_grad, optical
from .paramvec import ParamVector, matrix_layout, phase_layout

__all__ = [
    "sym",
    "MatrixGrads",
    "PhaseGrads",
    "matrix_gradients",
    "phase_gradients",
    "phase_gradients_from_taps",
    "network_loss",
    "PHASE_KEYS",
]

#: per-layer phase parameters, in this order: first-half MZI theta/phi, attenuator theta/psi
PHASE_KEYS = ("u_theta", "u_phi", "att_theta", "att_psi")


def sym(x: np.ndarray) -> np.ndarray:
    """Symmetric part ``(X + X^T) / 2``."""
    return 0.5 * (x + x.T)


@dataclass(frozen=True, eq=False)
class MatrixGrads:
    """Matrix-level gradients.

    Attributes:
        loss: mean cross entropy of the batch.
        grads: :class:`~picffm.training.paramvec.ParamVector` of
            :func:`~picffm.training.paramvec.matrix_layout`: per layer the
            block ``w``, ``G = sym(sum_b g a^H)`` ``(N, N)`` complex, the
            Wirtinger gradient ``dL/dW*`` of the layer's symmetric weight.
        logits: ``(n_classes, B)``.
        data: the data pass (:class:`~picffm.training.network.Forward`).
    """

    loss: float
    grads: ParamVector
    logits: np.ndarray
    data: Forward


@dataclass(frozen=True, eq=False)
class PhaseGrads:
    """Phase-level gradients.

    Attributes:
        loss: mean cross entropy of the batch.
        grads: :class:`~picffm.training.paramvec.ParamVector` of
            :func:`~picffm.training.paramvec.phase_layout`: per layer the
            blocks :data:`PHASE_KEYS` (rad^-1: ``dL/dphase``) and ``gain``
            (``dL/ds``).
        logits: ``(n_classes, B)``.
    """

    loss: float
    grads: ParamVector
    logits: np.ndarray


def _error_input(g: np.ndarray, gain: float) -> np.ndarray:
    return np.conj(gain * g)


def matrix_gradients(chips: Sequence, states: Sequence[LayerState], x: np.ndarray, labels: np.ndarray, *,
                     electronics: Electronics) -> MatrixGrads:
    """FFM matrix-level gradients on already-programmed ``chips`` (see module docstring)."""
    data = forward(chips, states, x, electronics)
    loss, g, logits = loss_and_grad(data.z[-1], labels, electronics)
    grads = matrix_layout(chips[0].n_modes, len(chips)).zeros()
    for layer in range(len(chips) - 1, -1, -1):
        grads.view(layer, "w")[:] = sym(g @ data.a[layer].conj().T)
        if layer == 0:
            break
        y_e = optical(chips[layer], _error_input(g, states[layer].gain))
        g = electronics.nonlinearity.backward(data.z[layer - 1], np.conj(y_e))
    return MatrixGrads(loss, grads, logits, data)


def phase_gradients_from_taps(cmap: CoreMap, taps_d, taps_e, att_theta: np.ndarray,
                              att_transmission=None, att_ratio=None) -> dict:
    """Tied-pair phase gradients of one core from data-pass and error-pass taps.

    Args:
        cmap: the core's :class:`~picffm.training.network.CoreMap`.
        taps_d, taps_e: :class:`~picffm.simulation.Taps` of the data pass and of
            the error pass (input ``conj(dL/dy*)``), ``(n_mzi, B)`` each.
        att_theta: programmed attenuator theta (rad), for the design ratio ``r``.
        att_transmission: used only if the taps lack ``single_out`` (a chip
            without monitors after D): the design transmissions ``d_k``.
        att_ratio: ``(dd/dtheta) / d`` per attenuator if known (evaluation
            code with the true couplers); default: the design value ``r_k``.

    Returns:
        dict with :data:`PHASE_KEYS`: ``dL/dphase`` per first-half MZI and per
        attenuator.
    """
    u, ut = _as_slice(cmap.u), _as_slice(cmap.ut)
    out = {}
    for key, after, before in (("u_theta", "theta_after", "theta_before"), ("u_phi", "phi_after", "phi_before")):
        a_d, a_e = getattr(taps_d, after)[u], getattr(taps_e, after)[u]
        c_d, c_e = getattr(taps_d, before)[ut], getattr(taps_e, before)[ut]
        # sum over the batch of c_e a_d + c_d a_e (no conjugate), row by row
        out[key] = -2.0 * np.imag(np.einsum("ij,ij->i", c_e, a_d) + np.einsum("ij,ij->i", c_d, a_e))
    f_d, f_e = taps_d.single_in["attenuator"], taps_e.single_in["attenuator"]
    so_d = getattr(taps_d, "single_out", None) or {}
    so_e = getattr(taps_e, "single_out", None) or {}
    if "attenuator" in so_d and "attenuator" in so_e:
        h_d, h_e = so_d["attenuator"], so_e["attenuator"]
    else:
        d = np.asarray(att_transmission)[:, None]
        h_d, h_e = d * f_d, d * f_e
    p = 0.5 * np.sum(f_e * h_d + f_d * h_e, axis=1)
    out["att_psi"] = -2.0 * np.imag(p)
    r = 0.5 / np.tan(0.5 * np.asarray(att_theta, float)) + 0.5j if att_ratio is None else np.asarray(att_ratio)
    out["att_theta"] = 2.0 * np.real(r * p)
    return out


def _as_slice(idx: np.ndarray):
    """A slice for consecutive ascending indices (a view instead of a gather), else ``idx``."""
    idx = np.asarray(idx)
    if idx.size and np.array_equal(idx, np.arange(idx[0], idx[0] + idx.size)):
        return slice(int(idx[0]), int(idx[0]) + idx.size)
    return idx


def phase_gradients(chips: Sequence, states: Sequence[LayerState], cmap: CoreMap, x: np.ndarray,
                    labels: np.ndarray, *, electronics: Electronics) -> PhaseGrads:
    """FFM phase-level gradients on already-programmed ``chips`` (see module docstring)."""
    from ..models import attenuator

    data = forward(chips, states, x, electronics, monitors=True, read="gradient")
    loss, g, logits = loss_and_grad(data.z[-1], labels, electronics)
    grads = phase_layout(cmap.n_mzi, cmap.n_att, len(chips)).zeros()
    for layer in range(len(chips) - 1, -1, -1):
        st = states[layer]
        y_e, taps_e = optical(chips[layer], _error_input(g, st.gain), monitors=True, read="gradient")
        att = st.params.component("attenuator")
        d = attenuator(theta=att["theta"], psi=att["psi"])
        gr = phase_gradients_from_taps(cmap, data.taps[layer], taps_e, att["theta"], d)
        gr["gain"] = 2.0 * float(np.real(np.sum(np.conj(g) * data.y[layer])))
        for key, view in grads.layer(layer).items():
            view[:] = gr[key]
        if layer > 0:
            g = electronics.nonlinearity.backward(data.z[layer - 1], np.conj(y_e))
    return PhaseGrads(loss, grads, logits)


def network_loss(chips: Sequence, states: Sequence[LayerState], x: np.ndarray, labels: np.ndarray, *,
                 electronics: Electronics) -> float:
    """Mean cross entropy of a data pass through already-programmed chips (L passes per sample)."""
    data = forward(chips, states, x, electronics)
    return loss_and_grad(data.z[-1], labels, electronics)[0]

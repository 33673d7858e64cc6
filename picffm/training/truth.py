"""EVALUATION ONLY: the chip's true gradients and the in-silico model's gradients.

This module calls ``chip.reveal()`` (:class:`picffm.chip.SimulatedChip`), the
oracle a real chip does not have. The run/report code and the tests use it
to measure how far a gradient estimate is from the truth. Trainers never
call what reveals; the ``pat`` trainer uses :func:`phase_gradients_exact`,
which takes circuits, on its calibrated twin's circuits.

What "true gradient" means here (``docs/training.md``):

* **matrix level**: the gradient of the chip's noiseless loss with respect
  to each layer's effective weight ``W_l = s_l M_l``, projected on symmetric
  matrices, ``sym(g a^H)``, with the true realised matrices ``M_l`` and exact
  backpropagation (``M^H``, not the FFM shortcut ``conj(M conj(.))``);
* **phase level**: the derivative of the chip's noiseless loss with respect
  to the *actual* phase of each tied heater pair (both twins' actual phases
  moving together) and of each attenuator phase. It is computed with the
  tied formula of docs/conventions.md §6 from the true circuit's data-pass fields
  and the error fields of the true circuit *transposed*: ``M^T`` is the same
  core with the two halves' true element values swapped. On a chip whose
  twins are identical (mirror asymmetry 0) the transposed circuit is the
  circuit itself, which is why FFM is exact there. Heater efficiency and
  crosstalk relate programmed to actual phases (``actual = J programmed +
  offset``); the gradient with respect to programmed phases is ``J^T``
  times this one.

The in-silico model's gradient is the same quantity computed on the ideal
model (:class:`~picffm.chip.IdealChip` programmed with the same settings:
``true_circuits`` of ideal chips gives their exact circuits).
"""

from __future__ import annotations

from typing import Sequence

import numpy as np

from ..parameters import Params
from ..simulation import Circuit
from .gradients import PHASE_KEYS, phase_gradients_from_taps, sym
from .electronics import Electronics
from .network import CoreMap, loss_and_grad

__all__ = [
    "true_circuits",
    "matrix_gradients_exact",
    "matrix_gradients_through",
    "phase_gradients_exact",
    "relative_error",
    "flat_phase_grads",
]

_SWAP = ("theta", "phi", "kappa1", "kappa2", "loss_db")


def true_circuits(chips: Sequence) -> list[tuple[Circuit, Params]]:
    """``(circuit, true params)`` of every chip, via ``reveal()`` (ideal chips: their own values)."""
    out = []
    for chip in chips:
        if hasattr(chip, "reveal"):
            t = chip.reveal()
            out.append((t.circuit, t.params))
        else:
            out.append((chip.circuit, chip.params()))
    return out


def matrix_gradients_exact(layers: Sequence[tuple[Circuit, dict]], gains: Sequence[float], x: np.ndarray,
                           labels: np.ndarray, *, electronics: Electronics) -> tuple[float, list]:
    """Noiseless loss and exact ``sym(g a^H)`` per layer for the given circuits (backprop with ``M^H``)."""
    return matrix_gradients_through([c.matrix(s) for c, s in layers], gains, x, labels, electronics=electronics)


def matrix_gradients_through(mats: Sequence[np.ndarray], gains: Sequence[float], x: np.ndarray,
                             labels: np.ndarray, *, electronics: Electronics) -> tuple[float, list]:
    """Loss and exact ``sym(g a^H)`` per layer of the network whose layers are ``gain * mats[l]``."""
    nl = electronics.nonlinearity
    a, z = [x], []
    for i, (m, s) in enumerate(zip(mats, gains)):
        z.append(s * (m @ a[-1]))
        if i < len(mats) - 1:
            a.append(nl.forward(z[-1]))
    loss, g, _ = loss_and_grad(z[-1], labels, electronics)
    grads = [None] * len(mats)
    for i in range(len(mats) - 1, -1, -1):
        grads[i] = sym(g @ a[i].conj().T)
        if i > 0:
            g = nl.backward(z[i - 1], gains[i] * (np.asarray(mats[i]).conj().T @ g))
    return loss, grads


def _transposed(cmap: CoreMap, params: Params) -> Params:
    out = params.copy()
    src, dst = params.component("mzi"), out.component("mzi")
    for k in _SWAP:
        v = src[k]
        dst[k][cmap.u] = v[cmap.ut]
        dst[k][cmap.ut] = v[cmap.u]
    return out


def _att_ratio(att: dict) -> np.ndarray:
    t1, k1 = np.sqrt(1 - att["kappa1"]), np.sqrt(att["kappa1"])
    t2, k2 = np.sqrt(1 - att["kappa2"]), np.sqrt(att["kappa2"])
    et = np.exp(1j * att["theta"])
    return 1j * t2 * t1 * et / (t2 * et * t1 - k2 * k1)


def phase_gradients_exact(layers: Sequence[tuple[Circuit, dict]], cmap: CoreMap, gains: Sequence[float],
                          x: np.ndarray, labels: np.ndarray, *, electronics: Electronics,
                          factors: Sequence[tuple[np.ndarray, np.ndarray]] | None = None,
                          measured: Sequence[np.ndarray] | None = None) -> tuple[float, list]:
    """Noiseless loss and exact tied phase gradients (dict per layer, :data:`PHASE_KEYS` + ``gain``).

    ``measured`` (optional, per layer): output fields ``y_l`` ``(N, B)``
    measured on a physical system; they replace the circuits' outputs in the
    forward pass (the next layer's input, the loss and ``g`` come from them),
    while the fields inside each layer and the backward pass are the
    circuits'. That is physics-aware training's rule (the ``pat`` method:
    the circuits are a calibrated twin's).

    ``factors`` (optional, per layer): static transceiver factors ``(e, r)``,
    column vectors of shape ``(N, 1)``: the launched field is ``e * a``, the
    read field ``r * y``. Then the data taps are those of ``e * a``, the error
    launched into the transposed circuit is ``conj(s * conj(r) * g)`` and the
    gradient passed to the previous layer is ``conj(e) * conj(y_e)``. Without
    them, ``e = r = 1``.
    """
    nl = electronics.nonlinearity
    a, y, z, taps = [x], [], [], []
    for i, ((circ, s), gain) in enumerate(zip(layers, gains)):
        xin = a[-1] if factors is None else factors[i][0] * a[-1]
        yi, ti = circ.taps(xin, s, read="gradient")
        if measured is not None:
            yi = measured[i]
        elif factors is not None:
            yi = factors[i][1] * yi
        y.append(yi)
        z.append(gain * y[-1])
        taps.append(ti)
        if i < len(layers) - 1:
            a.append(nl.forward(z[-1]))
    loss, g, _ = loss_and_grad(z[-1], labels, electronics)
    grads = [None] * len(layers)
    for i in range(len(layers) - 1, -1, -1):
        circ, s = layers[i]
        st = _transposed(cmap, s)
        err = gains[i] * g if factors is None else gains[i] * np.conj(factors[i][1]) * g
        y_e, taps_e = circ.taps(np.conj(err), st, read="gradient")
        att = s.component("attenuator")
        gr = phase_gradients_from_taps(cmap, taps[i], taps_e, att["theta"], att_ratio=_att_ratio(att))
        gr["gain"] = 2.0 * float(np.real(np.sum(np.conj(g) * y[i])))
        grads[i] = gr
        if i > 0:
            back = np.conj(y_e) if factors is None else np.conj(factors[i][0]) * np.conj(y_e)
            g = nl.backward(z[i - 1], back)
    return loss, grads


def flat_phase_grads(layer_grads: dict) -> np.ndarray:
    """The phase gradients of one layer as one vector (:data:`PHASE_KEYS` order, no gain)."""
    return np.concatenate([np.asarray(layer_grads[k], float) for k in PHASE_KEYS])


def cosine(estimate: np.ndarray, true: np.ndarray) -> float:
    """Cosine similarity ``Re<estimate, true> / (||estimate|| ||true||)``: 1 = same direction."""
    e, t = np.ravel(estimate), np.ravel(true)
    den = np.linalg.norm(e) * np.linalg.norm(t)
    return float(np.real(np.vdot(t, e)) / den) if den > 0 else float("nan")


def relative_error(estimate: np.ndarray, true: np.ndarray) -> float:
    """``||estimate - true|| / ||true||`` (Frobenius / Euclidean)."""
    den = np.linalg.norm(true)
    return float(np.linalg.norm(np.asarray(estimate) - true) / den) if den > 0 else float("nan")

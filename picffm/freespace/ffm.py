"""Fully forward mode (FFM) gradients of cascaded diffractive stages, from forward passes only.

Stage ``l`` maps its input field ``x_l`` to ``y_l = P (t_l * x_l)`` (``t_l =
e^{i phi_l}``, ``P`` the stage's propagation, see
:mod:`picffm.freespace.system`); the electronics set the next input
``x_{l+1} = sigma(y_l)``; the loss ``L`` is real. Write ``g = dL/dy*``
(Wirtinger) at a stage's output and ``a = t * x`` the field leaving the mask.

**Mask gradient.** ``dL = 2 Re[conj(g)^T dy]`` and ``dy = P (i t dphi x)``,
so ``dL/dphi_j = 2 Re[i a_j (P^T conj(g))_j]``. Free-space propagation is
symmetric, ``P^T = P``, so ``v = P^T conj(g) = P conj(g)`` is what the
camera reads when ``conj(g)`` is displayed on the stage's field generator
with a flat mask and *sent forward* over the same distance (error pass)::

    dL/dphi = 2 Re[ i a_d v ]        (summed over the batch)

with ``a_d`` the monitor reading of the data pass. No light is sent
backwards and no model of the optics is used: the error crosses the same
free space as the data (distance errors included) and ``a_d`` is measured
(aberrations, fill factor and encoding errors included).

**The SLM's own static phase.** The error is displayed on the same SLM as
the data, so a static phase of the SLM plane (backplane curvature, the phase
response at zero setting) would multiply it too. :func:`flat_response`
measures that phase through the protocol (a uniform field with a flat mask,
read by the monitor: one pass per stage) and the error pass displays
``conj(g)`` times its conjugate. On the ideal system it is 1.

**Error for the previous stage.** ``dL/dx* = conj(t) conj(P^T conj(g)) =
conj(t v)``: display ``v`` with the mask on and read the monitor (``t v``),
then conjugate (a second error pass, stages after the first only). Passes
per update: ``L`` data + ``2 L - 1`` error passes per sample.

**Nonlinear FFM.** Through ``x' = sigma(y)`` the error is multiplied by the
activation's derivative at the input recorded in the data pass:
``dL/dy* = conj(g') d sigma/dy* + g' conj(d sigma/dy)`` with ``g' =
dL/dx'*``. ``"intensity"`` (``x' = |y|^2``, the camera intensity re-encoded
as the next amplitude) gives ``dL/dy* = 2 Re(g') y``; ``"linear"`` (the
complex field re-encoded) gives ``dL/dy* = g'``.

**Readout.** Class scores are the powers ``I_c`` in detector squares of the
last output plane; logits ``T I_c / sum_c I_c`` (temperature ``T``), softmax
cross-entropy, mean over the batch.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .errors import FreespaceError
from .grid import Grid
from .system import DiffractiveSystem

__all__ = ["ACTIVATIONS", "activate", "activation_backward", "mask_gradient", "Readout", "detector_masks",
           "forward", "ffm_gradients",
           "flat_response"]

ACTIVATIONS = ("intensity", "linear")


def activate(y: np.ndarray, activation: str) -> np.ndarray:
    """The electronic activation applied to a stage's output fields."""
    if activation == "intensity":
        return np.abs(y) ** 2
    if activation == "linear":
        return y
    raise FreespaceError(f"unknown activation {activation!r}; valid: {', '.join(ACTIVATIONS)}")


def activation_backward(g_next: np.ndarray, y: np.ndarray, activation: str) -> np.ndarray:
    """``dL/dy*`` from ``dL/dx'*`` (``g_next``) and the recorded activation input ``y``."""
    if activation == "intensity":
        return 2 * np.real(g_next) * y
    if activation == "linear":
        return g_next
    raise FreespaceError(f"unknown activation {activation!r}; valid: {', '.join(ACTIVATIONS)}")


def mask_gradient(leaving_d: np.ndarray, v_e: np.ndarray) -> np.ndarray:
    """``dL/dphi`` (n, n): ``2 Re[i a_d v]`` summed over the batch, from the data pass's monitor
    fields ``a_d`` and the flat-mask error pass's output fields ``v`` (B, n, n)."""
    return np.real(2j * np.einsum("bij,bij->ij", leaving_d, v_e))


def detector_masks(grid: Grid, n_classes: int, size_px: int | None = None) -> np.ndarray:
    """Boolean detector squares (C, n, n) in rows of 3-4-3 (any C), centred on the output plane."""
    if not 2 <= n_classes <= 16:
        raise FreespaceError(f"number of classes must be 2..16, got {n_classes}")
    n = grid.n
    rows = {2: [2], 3: [3], 4: [2, 2], 5: [2, 3], 6: [3, 3], 7: [2, 3, 2], 8: [3, 2, 3], 9: [3, 3, 3],
            10: [3, 4, 3]}.get(n_classes) or [4] * (n_classes // 4) + ([n_classes % 4] if n_classes % 4 else [])
    side = max(1, size_px or n // 10)
    pitch = n / (max(max(rows), len(rows)) + 1)
    masks = np.zeros((n_classes, n, n), dtype=bool)
    k = 0
    for r, count in enumerate(rows):
        cy = (n - 1) / 2 + (r - (len(rows) - 1) / 2) * pitch
        for c in range(count):
            cx = (n - 1) / 2 + (c - (count - 1) / 2) * pitch
            y0, x0 = int(round(cy - side / 2)), int(round(cx - side / 2))
            masks[k, max(y0, 0):y0 + side, max(x0, 0):x0 + side] = True
            k += 1
    return masks


@dataclass(frozen=True)
class Readout:
    """Detector squares and the softmax cross-entropy on their normalised powers."""

    masks: np.ndarray  # (C, n, n) bool
    temperature: float = 10.0

    def powers(self, y: np.ndarray) -> np.ndarray:
        """Detector powers (B, C) of output fields (B, n, n)."""
        return np.einsum("bij,cij->bc", np.abs(y) ** 2, self.masks.astype(float))

    def logits(self, powers: np.ndarray) -> np.ndarray:
        s = np.sum(powers, axis=1, keepdims=True)
        return self.temperature * powers / np.where(s > 0, s, 1.0)

    def loss_and_grad(self, y: np.ndarray, labels: np.ndarray) -> tuple[float, np.ndarray, np.ndarray]:
        """Mean cross-entropy, ``dL/dy*`` (B, n, n) and the predicted classes (B,)."""
        p_c = self.powers(y)
        s = np.sum(p_c, axis=1, keepdims=True)
        s = np.where(s > 0, s, 1.0)
        z = self.temperature * p_c / s
        z -= z.max(axis=1, keepdims=True)
        prob = np.exp(z)
        prob /= prob.sum(axis=1, keepdims=True)
        b = len(labels)
        onehot = np.zeros_like(prob)
        onehot[np.arange(b), labels] = 1
        loss = float(-np.mean(np.log(prob[np.arange(b), labels] + 1e-300)))
        dz = (prob - onehot) / b
        d_p = self.temperature / s * (dz - np.sum(dz * p_c, axis=1, keepdims=True) / s)  # dL/dI_c
        # I_c = sum over the square of |y|^2 -> dL/dy* = dL/dI_c * y on the square's pixels
        g = np.einsum("bc,cij->bij", d_p, self.masks.astype(float)) * y
        return loss, g, np.argmax(p_c, axis=1)


def flat_response(system: DiffractiveSystem) -> np.ndarray:
    """Unit-modulus phase (n_stages, n, n) of each stage's SLM plane for a uniform input and a flat mask,
    as read by the monitor (one pass per stage)."""
    n = system.grid.n
    out = np.ones((system.n_stages, n, n), dtype=complex)
    for stage in range(system.n_stages):
        a = system.send(stage, np.ones((1, n, n)), mask=False, monitor=True).leaving[0]
        mag = np.abs(a)
        out[stage] = np.where(mag > 1e-3 * mag.max(), a / np.where(mag > 0, mag, 1.0), 1.0)
    return out


def forward(system: DiffractiveSystem, x0: np.ndarray, activation: str, *, monitor: bool = False):
    """Data pass through every stage. Returns (readings per stage, final output fields)."""
    readings = []
    x = x0
    for stage in range(system.n_stages):
        r = system.send(stage, x, monitor=monitor)
        readings.append(r)
        x = activate(r.output, activation)
    return readings, readings[-1].output


def ffm_gradients(system: DiffractiveSystem, x0: np.ndarray, labels: np.ndarray, readout: Readout,
                  activation: str = "intensity", flat: np.ndarray | None = None
                  ) -> tuple[float, np.ndarray, np.ndarray]:
    """Loss, mask gradients (n_stages, n, n) and predictions by FFM: one data and one error pass per stage.

    Only the system's protocol is used (``send`` and the monitor), so the same
    code is exact backpropagation on an :class:`~picffm.freespace.system.IdealSystem`
    and fully forward mode training on a simulated (or real) one. ``flat``:
    the stages' :func:`flat_response` (measured once; ``None`` = 1).
    """
    readings, y = forward(system, x0, activation, monitor=True)
    loss, g, pred = readout.loss_and_grad(y, labels)
    grads = np.zeros((system.n_stages, *system.grid.shape))
    for stage in range(system.n_stages - 1, -1, -1):
        e = np.conj(g) if flat is None else np.conj(g) * np.conj(flat[stage])
        v = system.send(stage, e, mask=False).output  # P^T conj(g), sent forward
        grads[stage] = mask_gradient(readings[stage].leaving, v)
        if stage > 0:
            g_x = np.conj(system.send(stage, v, mask=True, monitor=True).leaving)  # dL/dx_stage*
            g = activation_backward(g_x, readings[stage - 1].output, activation)
    return loss, grads, pred

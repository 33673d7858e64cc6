"""In-situ backpropagation: phase gradients from backward light and power readings at every heater.

The method of Hughes et al. (Optica 5, 864 (2018)), shown on a chip by Pai et
al. (Science 380, 398 (2023)). It needs a chip with the optional
backward-light capability (:class:`picffm.chip.interface.BackwardLightChip`):
sources and coherent receivers on *both* sides, and a power monitor just
after every heater (:mod:`picffm.chip.adjoint`). Per layer, input ``a``,
gain ``s``, output gradient ``g = dL/dz*``, adjoint input ``v = conj(s g)``,
``b_h`` the adjoint field and ``a_h`` the data field at heater ``h``, the
gradient is ``dL/dphase_h = 2 Re[1j a_h b_h]``
(:func:`picffm.chip.adjoint.phase_gradient`). Powers alone give it by
interference: ``|a_h + u_h|^2 - |a_h|^2 - |u_h|^2 = 2 Re[a_h conj(u_h)]``
with ``u_h = -1j conj(b_h)``. Hughes et al. make ``u`` by time reversal:
the adjoint read at the inputs, phase-conjugated and sent forward, arrives
at every heater as ``conj(b_h)`` if the light passed only through a
*unitary* (lossless) section on its way. The symmetric core ``U^T D U`` has
the attenuator column ``D`` in its middle, which is not unitary, so we time-
reverse from both sides:

1. data pass, forward, input ``a``: outputs ``y``, powers ``|a_h|^2``;
2. adjoint pass, backward, input ``v``: fields ``x_adj = M^T v`` at the
   inputs (coherent detection), powers ``|b_h|^2``;
3. ``u = -1j conj(x_adj)`` forward alone, and 4. ``a + u`` forward: the
   interference at the heaters *before* ``D`` (the first half ``U``);
5. ``q = conj(y)`` backward alone, 6. ``v - 1j q`` and 7. ``v + q`` backward:
   the interference at the heaters *after* ``D`` (the mirror half and the
   attenuators' output phase ``psi``) in both quadratures, which gives
   ``w = h b`` at each attenuator's output and its ``theta`` gradient
   ``2 Re[r w]`` with ``r = (dd/dtheta) / d`` of the design attenuator at the
   programmed ``theta`` (the one model-assisted term, as for ``ffm-phase``).

The conjugated field's own power is read (passes 3 and 5) instead of being
assumed equal to ``|b_h|^2`` or ``|a_h|^2``, so the loss of the section it
crossed only scales that heater's gradient by the section's power
transmission (a positive factor) instead of adding a bias. A tied pair's
gradient is the sum of its two heaters'. The error sent to the previous
layer is ``conj(x_adj)`` (``= M^H s g``): exact backpropagation, whatever
the symmetry of the core.

On a lossless chip with ideal transceivers and no noise every gradient but
the attenuators' theta is exact. What limits it on a real chip: loss (the
scaling above), the transceivers of both directions (an as-fabricated
receiver's reference phase corrupts ``x_adj``), detector noise on powers
whose difference is the small gradient, the receivers' jitter. Passes per
update: ``7 L B``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import numpy as np

from ..errors import ConfigError
from .gradients import PHASE_KEYS
from .electronics import Electronics
from .network import CoreMap, LayerState, loss_and_grad

__all__ = ["InsituGrads", "insitu_gradients", "tied_phase_grads", "passes_insitu"]


@dataclass(frozen=True, eq=False)
class InsituGrads:
    """In-situ backpropagation gradients.

    Attributes:
        loss: mean cross entropy of the batch (from the data pass).
        grads: per layer, a dict with :data:`~picffm.training.gradients.PHASE_KEYS`
            (``dL/dphase``, rad^-1, tied pairs summed) and ``gain`` (``dL/ds``).
        logits: ``(n_classes, B)``.
    """

    loss: float
    grads: list
    logits: np.ndarray


def _powers(chip, v: np.ndarray, backward: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """``heater_powers`` at unit power per column, rescaled (fields by the norm, powers by its square)."""
    norm = np.linalg.norm(v, axis=0)
    norm = np.where(norm > 0, norm, 1.0)
    y, p = chip.heater_powers(v / norm, backward=backward)
    return y * norm, p * norm ** 2


def tied_phase_grads(cmap: CoreMap, flat: np.ndarray) -> dict:
    """Per-heater gradients (``Params.programmable`` order) summed onto the tied view, split by key."""
    table = cmap.schedule.table
    tied = np.bincount(table.tie_index, weights=flat, minlength=table.n_tied)
    k, a = cmap.n_mzi, cmap.n_att
    parts = (tied[:k], tied[k:2 * k], tied[2 * k:2 * k + a], tied[2 * k + a:])
    return dict(zip(PHASE_KEYS, parts))


def _interference(chip, a: np.ndarray, u: np.ndarray, p_a: np.ndarray, p_u: np.ndarray, backward: bool) -> np.ndarray:
    """``P(a + u) - P(a) - P(u)`` at every heater, batch-summed (one pass: ``a + u``)."""
    _, p_s = _powers(chip, a + u, backward)
    return np.sum(p_s - p_a - p_u, axis=1)


def insitu_gradients(chips: Sequence, states: Sequence[LayerState], cmap: CoreMap, x: np.ndarray,
                     labels: np.ndarray, *, electronics: Electronics) -> InsituGrads:
    """In-situ backpropagation gradients on already-programmed chips (see module docstring)."""
    for i, c in enumerate(chips):
        if not getattr(c, "has_backward_light", False):
            raise ConfigError(f"insitu-bp needs chips that send light backward; layer {i}'s chip "
                              f"({type(c).__name__}) cannot")
    table = cmap.schedule.table
    before, after, att_theta, att_psi = _heater_sides(cmap)
    a, ys, zs, pd = [x], [], [], []
    for i, (chip, st) in enumerate(zip(chips, states)):
        y, p = _powers(chip, a[-1])
        ys.append(y)
        zs.append(st.gain * y)
        pd.append(p)
        if i < len(chips) - 1:
            a.append(electronics.nonlinearity.forward(zs[-1]))
    loss, g, logits = loss_and_grad(zs[-1], labels, electronics)
    grads = [None] * len(chips)
    for layer in range(len(chips) - 1, -1, -1):
        chip, st = chips[layer], states[layer]
        v = np.conj(st.gain * g)
        x_adj, pb = _powers(chip, v, backward=True)
        # forward: the phase-conjugated adjoint beside the data (heaters before the attenuators)
        u = -1j * np.conj(x_adj)
        fwd = _interference(chip, a[layer], u, pd[layer], _powers(chip, u)[1], backward=False)
        # backward: the phase-conjugated data beside the adjoint (heaters after them), in both quadratures
        q = np.conj(ys[layer])
        pq = _powers(chip, q, backward=True)[1]  # |-1j q|^2 = |q|^2: one reading for both quadratures
        bwd_i = _interference(chip, v, -1j * q, pb, pq, backward=True)
        bwd_r = _interference(chip, v, q, pb, pq, backward=True)
        flat = np.zeros(table.n_programmable)
        flat[before] = fwd[before]
        flat[after] = bwd_i[after]
        flat[att_psi] = bwd_i[att_psi]
        # attenuator theta: dL/dtheta = 2 Re[r w], w = h b at its output, r = (dd/dtheta) / d of the
        # design at the programmed theta (as for ffm-phase: powers alone do not give the sign of cot)
        r = 0.5 / np.tan(0.5 * st.params.programmable[att_theta]) + 0.5j
        flat[att_theta] = r.real * bwd_r[att_psi] + r.imag * bwd_i[att_psi]
        gr = tied_phase_grads(cmap, flat)
        gr["gain"] = 2.0 * float(np.real(np.sum(np.conj(g) * ys[layer])))
        grads[layer] = gr
        if layer > 0:
            g = electronics.nonlinearity.backward(zs[layer - 1], np.conj(x_adj))
    return InsituGrads(loss, grads, logits)


def _heater_sides(cmap: CoreMap) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Programmable entries of the first-half MZIs, of the mirror half, and the attenuators' theta and psi."""
    table = cmap.schedule.table
    sl = table.elements("mzi")
    copy = table.is_copy[sl]
    mzi = [np.arange(table.block("mzi", k).start, table.block("mzi", k).stop) for k in ("theta", "phi")]
    before = np.concatenate([m[~copy] for m in mzi])
    after = np.concatenate([m[copy] for m in mzi])
    att = [np.arange(table.block("attenuator", k).start, table.block("attenuator", k).stop) for k in ("theta", "psi")]
    return before, after, att[0], att[1]


def passes_insitu(layers: int, batch: int) -> int:
    """Optical passes of one in-situ backpropagation update: seven per layer and sample, ``7 L B``."""
    return 7 * layers * batch

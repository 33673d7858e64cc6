"""The optical network: layers of symmetric cores joined by electronics.

Layer ``l`` is one physical chip holding an N-port symmetric core
``M_l = U^T D U`` (:func:`picffm.meshes.symmetric_core`), followed by
electronics. With ``a_0`` the encoded input (``(N, B)`` complex fields):

* **optical pass**: ``y_l = M_l a_l`` measured by coherent detection. Every
  column sent to a chip is first normalised to unit power and the measured
  fields are scaled back digitally (:func:`optical`), so data and error
  passes use the same laser power and detector range whatever their scale;
* **electronic gain**: ``z_l = s_l * y_l`` (``s_l`` a real gain; for
  matrix-level training it is the spectral norm of the weight matrix, which
  the symmetric core cannot implement since ``|M| <= 1``);
* **electronic nonlinearity** between layers, ``a_{l+1} = f(z_l)``
  (default ``tanh(Re z_l) + 1j * tanh(Im z_l)``, a limiting amplifier on
  each quadrature), which drives the next chip's IQ modulators;
* **readout**: the detected powers of ``C`` chosen output ports of the last
  layer (one per class, default ``0 .. C-1``), times a fixed gain, are the
  logits: ``logit_k = readout_gain * |z_L[ports[k]]|^2``; the loss is the
  softmax cross entropy averaged over the batch (:func:`loss_and_grad`).

The nonlinearity and the readout are one :class:`~picffm.training.electronics.Electronics`
(``TrainConfig.electronics``), passed to every function here.

Settings of a layer are *tied*: every mirror copy is programmed with the
phases of its source (the tied view of :class:`~picffm.parameters.Params`,
:class:`CoreMap`), so the core is symmetric by construction on an ideal chip.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import numpy as np

from ..errors import ConfigError
from ..parameters import Params
from ..schedule import Schedule
from .electronics import Electronics

__all__ = [
    "CoreMap",
    "core_map",
    "LayerState",
    "Forward",
    "optical",
    "forward",
    "loss_and_grad",
    "program_network",
    "predict",
    "evaluate",
]


@dataclass(frozen=True, eq=False)
class CoreMap:
    """Index bookkeeping of a compiled symmetric core, from its element table.

    The tied view of the core's :class:`~picffm.parameters.Params` is
    ``(u_theta, u_phi, att_theta, att_psi)`` concatenated: the first-half
    MZIs' phases (every element that is not a mirror copy, in element order)
    and the attenuators'.

    Attributes:
        n_modes: N.
        u: ``(K,)`` positions (among the MZI elements) of the first-half MZIs.
        ut: ``(K,)`` positions of their mirror twins (same order).
        n_att: number of attenuators (N).
        schedule: the core's schedule (its table lays out the values).
    """

    n_modes: int
    u: np.ndarray
    ut: np.ndarray
    n_att: int
    schedule: Schedule

    @property
    def n_mzi(self) -> int:
        return int(self.u.size)

    def tie(self, u_theta, u_phi, att_theta, att_psi) -> Params:
        """:class:`Params` with every mirror copy equal to its source."""
        tied = np.concatenate([np.asarray(v, float).ravel() for v in (u_theta, u_phi, att_theta, att_psi)])
        return self.schedule.params().set_tied(tied)

    def untie(self, params: Params) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """``(u_theta, u_phi, att_theta, att_psi)`` of a :class:`Params` (first half only)."""
        k, a = self.n_mzi, self.n_att
        t = params.tied()
        return t[:k], t[k:2 * k], t[2 * k:2 * k + a], t[2 * k + a:]


def core_map(schedule: Schedule) -> CoreMap:
    """The :class:`CoreMap` of a symmetric-core schedule (mirror twins from its element table)."""
    table = schedule.table
    sl = table.elements("mzi")
    copy = table.is_copy[sl]
    u = np.nonzero(~copy)[0]
    ut = table.twin[sl][u] - sl.start
    n_att = len(schedule.names.get("attenuator", ()))
    if u.size == 0 or np.any(table.twin[sl][u] < 0) or 2 * u.size != copy.size or n_att != schedule.n_modes \
            or tuple(schedule.names) != ("mzi", "attenuator") \
            or table.keys("mzi", True) != ("theta", "phi") or table.keys("attenuator", True) != ("theta", "psi"):
        raise ConfigError("not a symmetric core: expected MZIs, their mirror twins (info.mirror_twins) and one "
                          "attenuator per mode")
    return CoreMap(schedule.n_modes, u, ut, n_att, schedule)


@dataclass(frozen=True, eq=False)
class LayerState:
    """What defines one layer: the chip's programmed values and the electronic gain.

    Attributes:
        params: :class:`~picffm.parameters.Params` of the chip's netlist (the
            programmable part is what the chip is programmed with; rad).
        gain: electronic gain ``s`` applied to the detected output fields.
    """

    params: Params
    gain: float


@dataclass(frozen=True, eq=False)
class Forward:
    """Fields of one forward (data) pass through the network.

    Attributes:
        a: inputs of every layer, each ``(N, B)``.
        y: measured outputs of every layer (before the gain), each ``(N, B)``.
        z: ``gain * y`` of every layer.
        taps: per layer, the monitor taps (:class:`picffm.simulation.Taps`,
            scaled like ``y``) if requested, else ``None``.
    """

    a: list
    y: list
    z: list
    taps: list


def _scaled_taps(taps, scale: np.ndarray):
    """``taps`` with every field times ``scale`` ``(B,)``: in place when the taps are stacked (then owned)."""
    from ..simulation import Taps

    stacked = getattr(taps, "stacked", None)
    if stacked is not None:
        stacked *= scale
        return taps

    done: dict[int, np.ndarray] = {}  # arrays shared between tap names are scaled once

    def sc(v):
        if id(v) not in done:
            done[id(v)] = v * scale
        return done[id(v)]

    single_out = getattr(taps, "single_out", None)
    kw = {"rows": getattr(taps, "rows", None)}
    if single_out is not None:
        kw["single_out"] = {c: sc(v) for c, v in single_out.items()}
    return Taps(sc(taps.theta_before), sc(taps.theta_after), sc(taps.phi_before), sc(taps.phi_after),
                {c: sc(v) for c, v in taps.single_in.items()}, **kw)


def optical(chip, v: np.ndarray, *, monitors: bool = False, read: str = "all"):
    """Send ``v`` ``(N, B)`` through ``chip`` at unit power per column, rescale the result.

    Returns the measured output fields ``(N, B)`` (and the scaled
    :class:`~picffm.simulation.Taps` if ``monitors``; ``read`` as in
    ``chip.monitors``). One optical pass per column. All-zero columns are
    sent as they are.
    """
    norm = np.linalg.norm(v, axis=0)
    norm = np.where(norm > 0, norm, 1.0)
    if monitors:
        y, taps = chip.monitors(v / norm, read=read)
        return y * norm, _scaled_taps(taps, norm)
    return chip.run(v / norm) * norm


def program_network(chips: Sequence, states: Sequence[LayerState]) -> None:
    """Program every layer's chip with its settings."""
    for chip, st in zip(chips, states):
        chip.program(st.params)


def forward(chips: Sequence, states: Sequence[LayerState], x: np.ndarray, electronics: Electronics, *,
            monitors: bool = False, read: str = "all") -> Forward:
    """Data pass through already-programmed chips (one optical pass per column and layer)."""
    f = electronics.nonlinearity.forward
    a, ys, zs, taps = [x], [], [], []
    for i, (chip, st) in enumerate(zip(chips, states)):
        out = optical(chip, a[-1], monitors=monitors, read=read)
        y, t = out if monitors else (out, None)
        z = st.gain * y
        ys.append(y)
        zs.append(z)
        taps.append(t)
        if i < len(chips) - 1:
            a.append(f(z))
    return Forward(a, ys, zs, taps)


def loss_and_grad(z_out: np.ndarray, labels: np.ndarray,
                  electronics: Electronics) -> tuple[float, np.ndarray, np.ndarray]:
    """Softmax cross entropy on detected intensities, and its output gradient.

    Args:
        z_out: last layer's fields ``(N, B)`` (after the gain).
        labels: ``(B,)`` class indices.
        electronics: the readout ports and gain: ``logit_k = readout_gain * |z_out[ports[k]]|^2``.

    Returns:
        ``(loss, g, logits)``: mean loss over the batch, ``g = dL/dz_out*``
        ``(N, B)`` (zero on the ports that are not read), logits
        ``(n_classes, B)``.
    """
    b = z_out.shape[1]
    rows = electronics.rows
    zk = z_out[rows]
    logits = electronics.readout_gain * (zk.real ** 2 + zk.imag ** 2)
    shifted = logits - logits.max(axis=0, keepdims=True)
    logp = shifted - np.log(np.exp(shifted).sum(axis=0, keepdims=True))
    cols = np.arange(b)
    loss = float(-logp[labels, cols].mean())
    dlogit = np.exp(logp)
    dlogit[labels, cols] -= 1.0
    dlogit /= b
    g = np.zeros_like(z_out)
    # dI/dz* = z for I = |z|^2
    g[rows] = electronics.readout_gain * dlogit * zk
    return loss, g, logits


def predict(chips: Sequence, states: Sequence[LayerState], x: np.ndarray, electronics: Electronics) -> np.ndarray:
    """Logits ``(n_classes, B)`` of already-programmed chips."""
    return electronics.logits(forward(chips, states, x, electronics).z[-1])


def evaluate(chips: Sequence, states: Sequence[LayerState], x: np.ndarray, labels: np.ndarray,
             electronics: Electronics, *, program: bool = True) -> float:
    """Accuracy (fraction) of the network ``states`` run on ``chips`` for encoded inputs ``x``.

    Programs the chips first unless ``program=False``. Costs one optical
    pass per sample and layer.
    """
    if program:
        program_network(chips, states)
    logits = predict(chips, states, x, electronics)
    return float(np.mean(np.argmax(logits, axis=0) == np.asarray(labels)))

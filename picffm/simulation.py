"""Evaluate a compiled schedule: transfer matrix, batch propagation, monitor taps.

All functions are vectorised over the elements of a column and over a batch
of input vectors; the only Python loop runs over columns (stages). Fields are
complex amplitudes; a batch is an array ``(N, B)`` of B column vectors (a
single vector ``(N,)`` is accepted too). ``y = T @ x`` with ``T[out, in]``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Mapping

import numpy as np

from .components import COMPONENTS
from .errors import ParamsError
from .netlist import Netlist
from .schedule import Schedule, Settings, compile_netlist

__all__ = ["Circuit", "Taps", "element_matrices"]


def element_matrices(schedule: Schedule, settings: Settings) -> dict[str, np.ndarray]:
    """Evaluate every element model once: component -> ``(n, 2, 2)`` or ``(n,)``."""
    return {comp: COMPONENTS[comp].model(**settings[comp]) for comp in schedule.names}


@dataclass(frozen=True)
class Taps:
    """Complex fields on the arm of every MZI phase shifter (row 0, mode ``m``).

    Arrays have shape ``(n_mzi, B)`` in ``schedule.names['mzi']`` order:
    ``theta_before``/``theta_after`` just before/after the internal shifter,
    ``phi_before``/``phi_after`` likewise for the external shifter. An MZI's
    lumped loss sits at its output, after the taps; a mirrored MZI, being the
    mirror image, has it at its input, so the taps of a mirror twin are
    exactly the mirror of its original's (the tied FFM formula stays exact). ``single_in`` maps each
    single-mode component (attenuator, phase_shifter, waveguide) to the
    ``(n, B)`` fields just before each of its elements (the field ``f`` of
    DESIGN section 4 for the attenuator column D). ``single_out`` likewise
    holds the fields just after each of them (a monitor after the
    attenuator's output phase shifter: ``d_k * f_k``).
    """

    theta_before: np.ndarray
    theta_after: np.ndarray
    phi_before: np.ndarray
    phi_after: np.ndarray
    single_in: dict
    single_out: dict = field(default_factory=dict)


class Circuit:
    """A compiled circuit that evaluates its schedule for any settings.

    ``Circuit.from_netlist(net)`` compiles once; then :meth:`matrix`,
    :meth:`propagate` and :meth:`taps` take a :data:`Settings` (from
    :meth:`Schedule.settings`), a parameter mapping {instance: {setting:
    value}}, or ``None`` for the netlist's own settings.
    """

    def __init__(self, schedule: Schedule):
        self.schedule = schedule
        self.n = schedule.n_modes
        self._perm = schedule.output_modes
        self._identity_perm = np.array_equal(self._perm, np.arange(self.n))

    @classmethod
    def from_netlist(cls, netlist: Netlist) -> "Circuit":
        return cls(compile_netlist(netlist))

    # -------------------------------------------------------------- settings
    def settings(self, params: Any = None) -> Settings:
        """Normalise ``params`` (None, parameter mapping or Settings) to Settings."""
        if params is None:
            return self.schedule.settings()
        if _is_settings(params, self.schedule):
            return params
        return self.schedule.settings(params)

    # ------------------------------------------------------------ evaluation
    def matrix(self, params: Any = None) -> np.ndarray:
        """Full transfer matrix ``T[out, in]``, shape (N, N)."""
        mats = element_matrices(self.schedule, self.settings(params))
        state = _run(self.schedule.stages, mats, np.eye(self.n, dtype=complex))
        return state if self._identity_perm else state[self._perm]

    def propagate(self, x: np.ndarray, params: Any = None, *, transpose: bool = False) -> np.ndarray:
        """Output fields ``T @ x`` (or ``T.T @ x`` with ``transpose=True``).

        Args:
            x: input fields, shape (N,) or (N, B).
        """
        x = self._check_input(x)
        vec = x.ndim == 1
        xb = x[:, None] if vec else x
        if xb.shape[1] >= self.n:  # a matrix then one matmul is cheaper
            t = self.matrix(params)
            y = (t.T if transpose else t) @ xb
            return y[:, 0] if vec else y
        mats = element_matrices(self.schedule, self.settings(params))
        if transpose:
            state = np.zeros_like(xb, dtype=complex)
            state[self._perm] = xb
            for st in reversed(self.schedule.stages):
                _apply(st, _transposed(mats[st.component][st.start:st.stop]), state)
        else:
            state = _run(self.schedule.stages, mats, xb.astype(complex, copy=True))
            state = state if self._identity_perm else state[self._perm]
        return state[:, 0] if vec else state

    def fields(self, x: np.ndarray, params: Any = None, *, after: list[int] | None = None) -> list[np.ndarray]:
        """Internal fields (in mode order) after the given stage indices.

        Index ``-1`` means the input itself; default: after every stage.
        Returns one ``(N, B)`` array (or ``(N,)``) per requested index.
        """
        x = self._check_input(x)
        stages = self.schedule.stages
        want = sorted(set(range(-1, len(stages)) if after is None else after))
        bad = [i for i in want if not -1 <= i < len(stages)]
        if bad:
            raise ParamsError(f"monitor stage index {bad[0]} out of range; valid: -1..{len(stages) - 1}")
        if not want:
            return []
        mats = element_matrices(self.schedule, self.settings(params))
        state = x.astype(complex, copy=True)
        got = {}
        if -1 in want:
            got[-1] = state.copy()
        for i, st in enumerate(stages):
            if i > want[-1]:
                break
            _apply(st, mats[st.component][st.start:st.stop], state if state.ndim == 2 else state[:, None])
            if i in want:
                got[i] = state.copy()
        order = want if after is None else list(after)
        return [got[i] for i in order]

    def taps(self, x: np.ndarray, params: Any = None) -> tuple[np.ndarray, Taps]:
        """Propagate ``x`` and record the field at every MZI phase shifter.

        Returns ``(y, taps)`` with ``y = T @ x`` of shape (N, B) and
        :class:`Taps`. For a mirrored MZI the elements are traversed in
        reverse order (C(kappa2), P(theta), C(kappa1), P(phi)).
        """
        x = self._check_input(x)
        xb = (x[:, None] if x.ndim == 1 else x).astype(complex, copy=True)
        sched = self.schedule
        settings = self.settings(params)
        mats = element_matrices(sched, settings)
        n_mzi = len(sched.names.get("mzi", ()))
        shape = (n_mzi, xb.shape[1])
        tb, ta, pb, pa = (np.empty(shape, complex) for _ in range(4))
        state = xb
        single_in = {c: np.empty((len(sched.names[c]), xb.shape[1]), complex)
                     for c in sched.names if COMPONENTS[c].n_modes == 1}
        single_out = {c: np.empty_like(v) for c, v in single_in.items()}
        for st in sched.stages:
            if st.component != "mzi":
                if st.component in single_in:
                    single_in[st.component][st.start:st.stop] = state[st.modes]
                _apply(st, mats[st.component][st.start:st.stop], state)
                if st.component in single_out:
                    single_out[st.component][st.start:st.stop] = state[st.modes]
                continue
            s = {k: v[st.start:st.stop, None] for k, v in settings["mzi"].items()}
            a, b = st.modes[:, 0], st.modes[:, 1]
            amp = 10.0 ** (-s["loss_db"] / 20.0)
            mir = s["mirror"]
            # the MZI's lumped loss sits at its output; a mirror image has it at its input
            x0, x1 = state[a], state[b]
            x0, x1 = np.where(mir, amp * x0, x0), np.where(mir, amp * x1, x1)
            out_amp = np.where(mir, 1.0, amp)
            t1, k1 = np.sqrt(1 - s["kappa1"]), 1j * np.sqrt(s["kappa1"])
            t2, k2 = np.sqrt(1 - s["kappa2"]), 1j * np.sqrt(s["kappa2"])
            et, ep = np.exp(1j * s["theta"]), np.exp(1j * s["phi"])
            # forward order: P(phi), C1, P(theta), C2 ; mirror: C2, P(theta), C1, P(phi)
            f_pb = x0
            f_u0 = ep * x0
            f_v0, f_v1 = t1 * f_u0 + k1 * x1, k1 * f_u0 + t1 * x1
            f_w0 = et * f_v0
            f_y0, f_y1 = t2 * f_w0 + k2 * f_v1, k2 * f_w0 + t2 * f_v1
            m_v0, m_v1 = t2 * x0 + k2 * x1, k2 * x0 + t2 * x1
            m_w0 = et * m_v0
            m_u0, m_u1 = t1 * m_w0 + k1 * m_v1, k1 * m_w0 + t1 * m_v1
            m_y0 = ep * m_u0
            sl = slice(st.start, st.stop)
            pb[sl] = np.where(mir, m_u0, f_pb)
            pa[sl] = np.where(mir, m_y0, f_u0)
            tb[sl] = np.where(mir, m_v0, f_v0)
            ta[sl] = np.where(mir, m_w0, f_w0)
            state[a] = out_amp * np.where(mir, m_y0, f_y0)
            state[b] = out_amp * np.where(mir, m_u1, f_y1)
        y = state if self._identity_perm else state[self._perm]
        return y, Taps(tb, ta, pb, pa, single_in, single_out)

    def _check_input(self, x) -> np.ndarray:
        x = np.asarray(x)
        if x.ndim not in (1, 2) or x.shape[0] != self.n:
            raise ParamsError(f"input fields must have shape ({self.n},) or ({self.n}, B); got {x.shape}")
        return x


def _is_settings(params: Any, schedule: Schedule) -> bool:
    if not isinstance(params, Mapping) or not params:
        return False
    key = next(iter(params))
    return key in schedule.names and isinstance(params[key], Mapping) and all(
        isinstance(v, np.ndarray) for v in params[key].values()
    )


def _transposed(m: np.ndarray) -> np.ndarray:
    return np.swapaxes(m, -1, -2) if m.ndim == 3 else m


def _run(stages, mats: dict[str, np.ndarray], state: np.ndarray) -> np.ndarray:
    """Apply every stage to ``state`` (N, B); may return a different buffer.

    Same arithmetic as :func:`_apply` stage by stage (bit-identical results),
    but contiguous two-mode stages write their matmul straight into a second
    buffer (ping-pong) instead of computing a temporary and copying it back.
    """
    spare = None
    n = state.shape[0]
    for st in stages:
        m = mats[st.component][st.start:st.stop]
        off = st.offset
        if m.ndim == 1 or off is None:
            _apply(st, m, state)
            continue
        if spare is None:
            spare = np.empty_like(state)
        k = m.shape[0]
        end = off + 2 * k
        np.matmul(m, state[off:end].reshape(k, 2, -1), out=spare[off:end].reshape(k, 2, -1))
        if off:
            spare[:off] = state[:off]
        if end < n:
            spare[end:] = state[end:]
        state, spare = spare, state
    return state


def _apply(stage, m: np.ndarray, state: np.ndarray) -> None:
    """Apply one stage's element matrices ``m`` to ``state`` (N, B) in place."""
    off = stage.offset
    if m.ndim == 1:  # single-mode elements
        if off is not None:
            state[off:off + m.shape[0]] *= m[:, None]
        else:
            state[stage.modes] *= m[:, None]
        return
    k = m.shape[0]
    if off is not None:
        view = state[off:off + 2 * k]
        state[off:off + 2 * k] = np.matmul(m, view.reshape(k, 2, -1)).reshape(2 * k, -1)
    else:
        a, b = stage.modes[:, 0], stage.modes[:, 1]
        xa, xb = state[a], state[b]
        state[a] = m[:, 0, 0, None] * xa + m[:, 0, 1, None] * xb
        state[b] = m[:, 1, 0, None] * xa + m[:, 1, 1, None] * xb

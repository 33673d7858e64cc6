"""Monitor taps: the fields at every MZI phase shifter, recorded in one pass.

:class:`Taps` holds them; :func:`_taps_pass` propagates a batch and writes
them, from the per-setting coefficients of :class:`_TapCoefficients`
(:func:`picffm.mzi_algebra.mzi_taps`, the same algebra as the element
matrices).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Mapping, NamedTuple

import numpy as np

from ..buffers import BufferPool
from ..components import COMPONENTS
from ..mzi_algebra import TAP_NAMES, mzi_factors, mzi_taps
from ..parameters import Params
from ..schedule import Schedule
from .propagation import _apply

#: what :meth:`Circuit.taps` can record: every tap, or the ones the phase gradient reads
TAP_READS = ("all", "gradient")


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
    docs/conventions.md §6 for the attenuator column D). ``single_out`` likewise
    holds the fields just after each of them (a monitor after the
    attenuator's output phase shifter: ``d_k * f_k``). ``rows``, if set,
    maps a tap array's name to the rows that were recorded (a slice or an
    index array); read no other row (``Circuit.taps(read="gradient")``
    records half the taps, and ``*_before`` and ``*_after`` share an array).
    ``stacked``, if set, is one ``(R, B)`` array whose consecutive rows are
    every array of :meth:`arrays` (they are views of it), so that a
    detector can read a whole pass in one operation; whoever holds the
    :class:`Taps` owns it and may scale it in place.
    """

    theta_before: np.ndarray
    theta_after: np.ndarray
    phi_before: np.ndarray
    phi_after: np.ndarray
    single_in: dict
    single_out: dict = field(default_factory=dict)
    rows: Mapping[str, Any] | None = None
    stacked: np.ndarray | None = None

    def arrays(self) -> list[np.ndarray]:
        """The distinct tap arrays, in the order of :attr:`stacked`'s rows.

        The MZI arrays (``theta_before``, ``theta_after``, ``phi_before``,
        ``phi_after``, an array shared between names counted once), then
        ``single_in``'s and ``single_out``'s arrays in their dict order.
        """
        out, seen = [], set()
        for a in (self.theta_before, self.theta_after, self.phi_before, self.phi_after):
            if id(a) not in seen:
                seen.add(id(a))
                out.append(a)
        return out + list(self.single_in.values()) + list(self.single_out.values())

    def read_rows(self, name: str):
        """Rows of tap array ``name`` that hold measured fields (a slice or index array)."""
        if self.rows is None or name not in self.rows:
            return slice(None)
        return self.rows[name]


def _rows(mask: np.ndarray):
    """Rows where ``mask`` holds, as a slice when they are contiguous."""
    idx = np.flatnonzero(mask)
    if idx.size == 0:
        return slice(0, 0)
    if idx[-1] - idx[0] + 1 == idx.size:
        return slice(int(idx[0]), int(idx[-1]) + 1)
    return idx


class _TapPlan(NamedTuple):
    """What a taps pass needs from the settings, per stage: element matrices, tap coefficients."""

    names: tuple[str, ...]
    n_mzi: int
    stage_mats: list  # stage i's slice of the element matrices
    stage_coef: list  # stage i's MZI tap coefficients (None for a single-mode stage)
    mirror: np.ndarray  # (n_mzi,) bool


class _TapCoefficients:
    """Everything a taps pass derives from the settings alone, evaluated once per setting.

    :meth:`for_read` gives the :class:`_TapPlan` of one choice of taps
    (:func:`picffm.mzi_algebra.mzi_taps` coefficients, computed on first use).
    """

    def __init__(self, sched: Schedule, settings: Params, mats: dict[str, np.ndarray]):
        self.table = settings.table
        self.values = settings.values.copy()
        self._stage_mats = [mats[st.component][st.start:st.stop] for st in sched.stages]
        self._n_mzi = len(sched.names.get("mzi", ()))
        self._mzi = settings.component("mzi") if self._n_mzi else None
        self._sched = sched
        self._plans: dict[bool, _TapPlan] = {}

    def for_read(self, gradient_only: bool) -> _TapPlan:
        if gradient_only not in self._plans:
            names = ("theta", "phi") if gradient_only else TAP_NAMES
            mzi = self._mzi
            if self._n_mzi:
                f = mzi_factors(mzi["theta"], mzi["phi"], mzi["kappa1"], mzi["kappa2"], mzi["loss_db"])
                coef = mzi_taps(f, mzi["mirror"], names)
                mirror = np.asarray(mzi["mirror"], bool)
            else:
                coef, mirror = np.zeros((0, len(names), 2), complex), np.zeros(0, bool)
            per_stage = [coef[st.start:st.stop] if st.component == "mzi" else None for st in self._sched.stages]
            self._plans[gradient_only] = _TapPlan(names, self._n_mzi, self._stage_mats, per_stage, mirror)
        return self._plans[gradient_only]


def _taps_pass(sched: Schedule, state: np.ndarray, gradient_only: bool, pool: BufferPool, coefs: _TapPlan):
    """One pass recording the taps; ``state`` (N, B) is consumed. Returns ``(y in mode order, Taps)``.

    Each MZI stage is two stacked 2x2-by-(2, B) matmuls on a view of its
    contiguous modes: the element matrices give the output (as in
    :func:`_run`, with ping-pong buffers), a matrix of per-MZI tap
    coefficients (:func:`picffm.mzi_algebra.mzi_taps`, the same algebra as
    the element matrices, evaluated once per setting: ``coefs``, a
    :class:`_TapPlan`) gives
    the taps, written straight into one ``(n_taps, n_mzi, B)`` buffer whose
    (contiguous) slices are the tap arrays. No per-stage choice between the forward and
    mirror formulas. That buffer comes from ``pool`` (:class:`~picffm.buffers.BufferPool`):
    a buffer no earlier result still refers to is written again instead of
    a fresh one (at N = 64, B = 1024 the buffer is 130 MB, and touching new
    pages costs about as much as a column walk). With ``gradient_only`` each MZI records two taps
    instead of four, which serve as ``*_before`` (rows of mirrored MZIs) and
    ``*_after`` (rows of forward MZIs).
    """
    n, nb = state.shape
    n_mzi, names = coefs.n_mzi, coefs.names
    single = [c for c in sched.names if COMPONENTS[c].n_modes == 1]
    n_single = sum(len(sched.names[c]) for c in single)
    stacked = pool.get((len(names) * n_mzi + 2 * n_single, nb))  # every tap array: consecutive rows
    buf = stacked[:len(names) * n_mzi].reshape(len(names), n_mzi, nb)  # each tap array contiguous
    buf_t = buf.transpose(1, 0, 2)  # (n_mzi, n_taps, B) view the stage matmuls write into
    single_in, single_out, row = {}, {}, len(names) * n_mzi
    for group in (single_in, single_out):
        for c in single:
            group[c] = stacked[row:row + len(sched.names[c])]
            row += len(sched.names[c])
    spare = np.empty_like(state)
    for st, m, cf in zip(sched.stages, coefs.stage_mats, coefs.stage_coef):
        k = len(st)
        off = st.offset
        if cf is None:
            sl = slice(st.start, st.stop)
            if st.component in single_in:
                single_in[st.component][sl] = state[st.modes] if off is None else state[off:off + k]
            _apply(st, m, state)
            if st.component in single_out:
                single_out[st.component][sl] = state[st.modes] if off is None else state[off:off + k]
            continue
        if off is None:
            x = np.stack((state[st.modes[:, 0]], state[st.modes[:, 1]]), axis=1)
            np.matmul(cf, x, out=buf_t[st.start:st.stop])
            _apply(st, m, state)
            continue
        end = off + 2 * k
        view = state[off:end].reshape(k, 2, nb)
        np.matmul(cf, view, out=buf_t[st.start:st.stop])
        np.matmul(m, view, out=spare[off:end].reshape(k, 2, nb))
        if off:
            spare[:off] = state[:off]
        if end < n:
            spare[end:] = state[end:]
        state, spare = spare, state
    if gradient_only:
        mirror = coefs.mirror
        rows = {"theta_before": _rows(mirror), "phi_before": _rows(mirror),
                "theta_after": _rows(~mirror), "phi_after": _rows(~mirror)}
        th, ph = buf[0], buf[1]
        taps = Taps(th, th, ph, ph, single_in, single_out, rows, stacked)
    else:
        taps = Taps(buf[0], buf[1], buf[2], buf[3], single_in, single_out, None, stacked)
    return state, taps

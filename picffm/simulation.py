"""Evaluate a compiled schedule: transfer matrix, batch propagation, monitor taps.

All functions are vectorised over the elements of a column and over a batch
of input vectors; the only Python loop runs over columns (stages). Fields are
complex amplitudes; a batch is an array ``(N, B)`` of B column vectors (a
single vector ``(N,)`` is accepted too). ``y = T @ x`` with ``T[out, in]``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Mapping, NamedTuple

import numpy as np

from .buffers import BufferPool
from .compiled import kernel, min_modes
from .components import COMPONENTS
from .errors import ParamsError
from .mzi_algebra import TAP_NAMES, MziCouplers, mzi_couplers, mzi_factors, mzi_phased, mzi_taps
from .netlist import Netlist
from .parameters import Params
from .schedule import Schedule, compile_netlist

__all__ = ["Circuit", "Taps", "element_matrices", "TAP_READS"]

#: what :meth:`Circuit.taps` can record: every tap, or the ones the phase gradient reads
TAP_READS = ("all", "gradient")
#: from this many modes on, :meth:`Circuit.matrix` walks the elements in a compiled loop
#: (below it the numpy walk is as fast, and the process does not load the compiler)
COMPILED_MIN_MODES = 32


def element_matrices(schedule: Schedule, params: Params) -> dict[str, np.ndarray]:
    """Evaluate every element model once: component -> ``(n, 2, 2)`` or ``(n,)``."""
    return {comp: COMPONENTS[comp].model(**params.component(comp)) for comp in schedule.names}


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


class Circuit:
    """A compiled circuit that evaluates its schedule for any settings.

    ``Circuit.from_netlist(net)`` compiles once; then :meth:`matrix`,
    :meth:`propagate` and :meth:`taps` take a :class:`~picffm.parameters.Params`
    of this netlist, a parameter file, a mapping {instance: {setting: value}},
    or ``None`` for the netlist's own settings (see :meth:`Schedule.params`).
    """

    def __init__(self, schedule: Schedule):
        self.schedule = schedule
        self.table = schedule.table
        self.n = schedule.n_modes
        self._perm = schedule.output_modes
        self._identity_perm = np.array_equal(self._perm, np.arange(self.n))
        self._tap_buffers = BufferPool()
        self._ops: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None
        self._tap_coef: _TapCoefficients | None = None
        self._couplers: tuple[np.ndarray, MziCouplers] | None = None

    def __getstate__(self):
        state = self.__dict__.copy()
        state["_tap_buffers"] = BufferPool()  # scratch memory is not part of the circuit
        state["_tap_coef"] = None
        state["_couplers"] = None
        return state

    @classmethod
    def from_netlist(cls, netlist: Netlist) -> "Circuit":
        return cls(compile_netlist(netlist))

    # -------------------------------------------------------------- settings
    def params(self, params: Any = None) -> Params:
        """:class:`Params` of this circuit (see :meth:`Schedule.params`)."""
        if type(params) is Params and params.table is self.table:
            return params
        return self.schedule.params(params)

    # ------------------------------------------------------------ evaluation
    def matrix(self, params: Any = None) -> np.ndarray:
        """Full transfer matrix ``T[out, in]``, shape (N, N).

        From N = :data:`COMPILED_MIN_MODES` on (one-shot work: from
        :data:`picffm.compiled.ONE_SHOT_MIN_MODES`, see
        :func:`picffm.compiled.one_shot`), the column walk runs as one
        compiled loop over the elements that skips the entries still zero
        (:func:`picffm.compiled.matrix_walk`; it agrees with the numpy walk
        to rounding, about 1e-15); below it, numpy's stacked matmuls.
        """
        mats = self.element_matrices(params)
        walk = kernel("matrix_walk") if self.n >= min_modes(COMPILED_MIN_MODES) else None
        if walk is None:
            state = _run(self.schedule.stages, mats, np.eye(self.n, dtype=complex))
        else:
            state = walk(self.n, *self._element_ops(), *_stacked(self.schedule, mats))
        return state if self._identity_perm else state[self._perm]

    def element_matrices(self, params: Any = None) -> dict[str, np.ndarray]:
        """:func:`element_matrices` of ``params``, the MZIs' fabrication part evaluated once.

        What an MZI's matrix takes from its couplers, loss and mirror flag
        (:func:`picffm.mzi_algebra.mzi_couplers`) is kept while the fixed
        values (``Params.fixed``) stay the same, compared value for value: a
        chip reprogrammed many times evaluates only the phase part. The
        matrices are the same bits as :func:`element_matrices`'.
        """
        settings = self.params(params)
        if "mzi" not in self.schedule.names:
            return element_matrices(self.schedule, settings)
        fixed = settings.fixed
        kept = self._couplers
        mzi = settings.component("mzi")
        if kept is None or not np.array_equal(kept[0], fixed):
            kept = self._couplers = (fixed.copy(), mzi_couplers(mzi["kappa1"], mzi["kappa2"], mzi["loss_db"],
                                                                  mzi["mirror"]))
        return {comp: mzi_phased(kept[1], mzi["theta"], mzi["phi"]) if comp == "mzi"
                else COMPONENTS[comp].model(**settings.component(comp)) for comp in self.schedule.names}

    def _element_ops(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """``(op_a, op_b, op_k)`` of :func:`picffm.compiled.matrix_walk` in stage order (built once)."""
        if self._ops is None:
            self._ops = _element_ops(self.schedule)
        return self._ops

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
        mats = self.element_matrices(params)
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
        mats = self.element_matrices(params)
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

    def taps(self, x: np.ndarray, params: Any = None, *, read: str = "all") -> tuple[np.ndarray, Taps]:
        """Propagate ``x`` and record the field at the MZI phase shifters.

        Returns ``(y, taps)`` with ``y = T @ x`` of shape (N, B) and
        :class:`Taps`. For a mirrored MZI the elements are traversed in
        reverse order (C(kappa2), P(theta), C(kappa1), P(phi)).

        Args:
            read: ``"all"`` records the four taps of every MZI;
                ``"gradient"`` only what the tied-pair phase gradient reads
                (docs/conventions.md §6): the fields just *after* the shifters of
                forward MZIs and just *before* those of mirrored MZIs (a
                mirror-symmetric set of monitors), plus every single-mode
                tap. ``Taps.rows`` names the rows that hold each tap; the
                other rows hold another tap (``theta_before`` and
                ``theta_after`` share one array, so do the ``phi`` taps).
        """
        if read not in TAP_READS:
            raise ParamsError(f"taps: read={read!r} is not valid; valid: {', '.join(TAP_READS)}")
        x = self._check_input(x)
        xb = (x[:, None] if x.ndim == 1 else x).astype(complex, copy=True)
        settings = self.params(params)
        gradient_only = read == "gradient"
        y, taps = _taps_pass(self.schedule, xb, gradient_only, self._tap_buffers,
                             self._tap_coefficients(settings, gradient_only))
        return (y if self._identity_perm else y[self._perm]), taps

    def _tap_coefficients(self, settings: Params, gradient_only: bool) -> "_TapPlan":
        """The element matrices and tap coefficients of ``settings``, per stage (the last ones kept).

        A data and an error pass through the same settings (as in a phase
        gradient) evaluate them once: the kept ones are reused while the
        values are equal, compared element for element.
        """
        kept = self._tap_coef
        if kept is None or kept.table is not settings.table or not np.array_equal(kept.values, settings.values):
            kept = self._tap_coef = _TapCoefficients(self.schedule, settings, self.element_matrices(settings))
        return kept.for_read(gradient_only)

    def _check_input(self, x) -> np.ndarray:
        x = np.asarray(x)
        if x.ndim not in (1, 2) or x.shape[0] != self.n:
            raise ParamsError(f"input fields must have shape ({self.n},) or ({self.n}, B); got {x.shape}")
        return x


def _two_and_one(schedule: Schedule) -> tuple[list[str], list[str]]:
    """Two-mode and single-mode components of a schedule, in a fixed order."""
    names = list(schedule.names)
    return [c for c in names if COMPONENTS[c].n_modes == 2], [c for c in names if COMPONENTS[c].n_modes == 1]


def _element_ops(schedule: Schedule) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Every element in stage order: its modes ``(a, b)`` (``b = -1`` single-mode) and row in :func:`_stacked`."""
    two, one = _two_and_one(schedule)
    start, acc = {}, 0
    for group in (two, one):
        acc = 0
        for c in group:
            start[c] = acc
            acc += len(schedule.names[c])
    op_a, op_b, op_k = [], [], []
    for st in schedule.stages:
        k = np.arange(st.start, st.stop) + start[st.component]
        if st.modes.ndim == 2:
            op_a.append(st.modes[:, 0])
            op_b.append(st.modes[:, 1])
        else:
            op_a.append(st.modes)
            op_b.append(np.full(len(st), -1))
        op_k.append(k)
    cat = (lambda v: np.concatenate(v).astype(np.int64)) if op_a else (lambda v: np.zeros(0, np.int64))
    return cat(op_a), cat(op_b), cat(op_k)


def _stacked(schedule: Schedule, mats: dict[str, np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """All two-mode element matrices ``(n2, 2, 2)`` and single-mode transmissions ``(n1,)``, stacked."""
    two, one = _two_and_one(schedule)
    t = mats[two[0]] if len(two) == 1 else np.concatenate([mats[c] for c in two]) if two else np.zeros((0, 2, 2), complex)
    o = (np.concatenate([mats[c] for c in one]) if one else np.zeros(0)).astype(complex, copy=False)
    return np.ascontiguousarray(t, dtype=complex), o


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

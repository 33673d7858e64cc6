"""A compiled circuit that evaluates its schedule for any settings: :class:`Circuit`."""

from __future__ import annotations

from typing import Any

import numpy as np

from ..buffers import BufferPool
from ..compiled import kernel, min_modes
from ..components import COMPONENTS
from ..errors import ParamsError
from ..mzi_algebra import MziCouplers, mzi_couplers, mzi_phased
from ..netlist import Netlist
from ..parameters import Params
from ..schedule import Schedule, compile_netlist
from .propagation import _apply, _element_ops, _run, _stacked, _transposed, element_matrices
from .taps import TAP_READS, Taps, _TapCoefficients, _TapPlan, _taps_pass

__all__ = ["Circuit", "COMPILED_MIN_MODES"]

#: from this many modes on, :meth:`Circuit.matrix` walks the elements in a compiled loop
#: (below it the numpy walk is as fast, and the process does not load the compiler)
COMPILED_MIN_MODES = 32


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

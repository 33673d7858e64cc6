"""A simulated chip: the netlist as fabricated, behind the measurement-only protocol.

:class:`SimulatedChip` implements :class:`picffm.chip.interface.Chip`. It
holds a hidden truth drawn from a :class:`~picffm.chip.spec.ChipSpec` and a
``numpy.random.Generator``, split into four independent child streams
(``rng.spawn(4)``): **fabrication** (drawn once, at construction: couplers,
losses, heater offsets and efficiencies; :mod:`picffm.chip.fabrication`),
**drift** (used by :meth:`advance`; :mod:`picffm.chip.drift`), **noise**
(used by every read: detectors, :mod:`picffm.chip.detector`, and the
per-pass encoding noise and reference jitter) and **transceiver** (drawn
once: static IQ-modulator and receiver-reference errors,
:mod:`picffm.chip.transceiver`). The same seed gives the same chip, and
reading detectors never changes the fabrication or the drift.

**What the chip applies.** The realised circuit is the design's schedule
evaluated with true settings: every programmed phase goes through the heater
model of :mod:`picffm.chip.heater_drive` (DAC, thermal crosstalk,
efficiency, offset, drift). Couplers and losses take their fabricated
values; the mirror flags are the design's. Everything is vectorised over
heaters and elements. Every input
vector is encoded by the chip's IQ modulators and every coherently detected
field carries the receivers' reference phase (:mod:`picffm.chip.transceiver`),
so a probe reads the effective operator ``diag(r) M diag(e)`` of
:meth:`SimulatedChip.effective_matrix`.

**Evaluation-only oracle.** :meth:`SimulatedChip.reveal` returns the true
circuit and settings (:class:`~picffm.chip.truestate.TrueState`). It is
*not* part of the chip protocol and **trainers must never call it**: a real
chip has no such method. It exists for tests and reports (the chip's true gradient, the true
noiseless accuracy, programming fidelity). Nothing else on the object
exposes the truth: every hidden value lives in private attributes.
"""

from __future__ import annotations

import numpy as np

from ..buffers import BufferPool
from ..errors import ParamsError
from ..netlist import Netlist
from ..parameters import Params
from ..simulation import Circuit
from . import detector
from .adjoint import heater_fields
from .drift import DriftProcess
from .fabrication import draw_fabrication
from .heater_drive import HeaterDrive
from .heaters import crosstalk_matrix, heater_layout
from .interface import PassCounter, check_program
from .spec import ChipSpec
from .transceiver import Transceiver, draw_transceiver
from .truestate import TrueState

__all__ = ["SimulatedChip", "TrueState"]


class SimulatedChip(PassCounter):
    """A fabricated chip with hidden imperfections (see module docstring).

    Args:
        netlist: the design.
        spec: imperfections, or a preset name (default: the ideal chip,
            identical to :class:`~picffm.chip.ideal.IdealChip`).
        rng: the only source of randomness; ``None`` means
            ``numpy.random.default_rng(0)``.
    """

    has_monitors = True
    has_backward_light = True

    def __init__(self, netlist: Netlist, spec: ChipSpec | str | None = None,
                 rng: np.random.Generator | None = None):
        if spec is None:
            spec = ChipSpec(name="ideal")
        if not isinstance(spec, ChipSpec):
            from .presets import resolve_spec

            spec = resolve_spec(spec)[1]
        if rng is None:
            rng = np.random.default_rng(0)
        self.netlist = netlist
        self.spec = spec
        self._circuit = Circuit.from_netlist(netlist)
        self.schedule = self._circuit.schedule
        self.n_modes = self.schedule.n_modes
        fab_rng, drift_rng, noise_rng, io_rng = rng.spawn(4)
        self._noise_rng = noise_rng
        self._io: Transceiver = draw_transceiver(self.n_modes, spec, io_rng)
        # backward light: modulators on the output ports, receivers on the input ports (own static errors)
        self._io_back: Transceiver = draw_transceiver(self.n_modes, spec, io_rng.spawn(1)[0])
        self._layout = heater_layout(self.schedule)
        self._fab = draw_fabrication(self.schedule, self._layout, spec, fab_rng)
        h = spec.heater
        self._heaters = HeaterDrive(h, crosstalk_matrix(self._layout, h.crosstalk_same_column,
                                                        h.crosstalk_next_column),
                                    self._fab.efficiency, self._fab.offset_rad)
        self._drift = DriftProcess(spec.drift, self._layout.n, (self._layout.twin_src, self._layout.twin_dst),
                                   spec.mirror_asymmetry, drift_rng)
        self._params = self.schedule.params()
        self._true: Params | None = None
        self._matrix: np.ndarray | None = None  # realised matrix of _true, read-only once computed
        # what the monitors read, reused once no result refers to it; at most 1 GiB kept (at N = 128, B = 1024
        # a read is 0.53 GB: one kept, the second allocated per pass, so a chip pins no more than its circuit)
        self._read_buffers = BufferPool(max_bytes=2**30)

    def __getstate__(self):
        state = self.__dict__.copy()
        state["_read_buffers"] = BufferPool(max_bytes=2**30)  # scratch memory is not part of the chip
        return state

    @property
    def timing(self):
        """The time model of :attr:`busy_s`: the spec's :class:`~picffm.chip.spec.TimingSpec`."""
        return self.spec.timing

    # ------------------------------------------------------------ protocol
    def program(self, params) -> None:
        """Set the programmable settings (rad): :class:`Params`, a parameter file or a mapping.

        Programming the settings already programmed (the same bits) changes
        nothing: the true settings and the realised matrix are kept. Every
        valid call counts its settling time in :attr:`busy_s` (a driver
        rewrites its DACs; a conservative estimate).
        """
        new = check_program(self._params, params)
        self._programmed()
        if new.tobytes() == self._params.programmable.tobytes():
            return
        self._params.programmable[:] = new
        self._forget()

    def params(self) -> Params:
        """The programmed (nominal) values, a copy: what the user asked for, not the truth."""
        return self._params.copy()

    def run(self, x: np.ndarray) -> np.ndarray:
        """Output fields by coherent detection (noisy), shape like ``x``."""
        y = self._propagate(x)
        rx = self._io.receive(y, self._io.pass_phases(np.shape(x)[1:], self._noise_rng))
        return detector.coherent(rx, self.spec.detector, self._noise_rng)

    def intensities(self, x: np.ndarray) -> np.ndarray:
        """Output powers by direct detection (noisy; the receivers' reference phase does not matter)."""
        y = self._propagate(x)
        return detector.direct(y, self.spec.detector, self._noise_rng)

    def monitors(self, x: np.ndarray, *, read: str = "all") -> tuple[np.ndarray, Taps]:
        """Output fields and monitor-tap fields, all by coherent detection (noisy).

        ``read`` as in :meth:`picffm.simulation.Circuit.taps`: ``"gradient"``
        reads only the taps the tied-pair phase gradient uses. Detector noise
        is drawn for what is read only, in one generator call per pass.
        """
        y, taps = self._circuit.taps(self._io.encode(x, self._noise_rng), self._true_params(), read=read)
        self._count(x)
        io = self._io
        jit = io.pass_phases(np.shape(x)[1:], self._noise_rng)
        y = detector.coherent(io.receive(y, jit, static=True), self.spec.detector, self._noise_rng)
        return y, detector.coherent_taps(taps, lambda v: io.receive(v, jit, static=False, in_place=True),
                                         self.spec.detector, self._noise_rng, self._read_buffers)

    def run_backward(self, v: np.ndarray) -> np.ndarray:
        """Fields at the inputs (coherent detection, noisy) for fields ``v`` launched into the outputs.

        Backward light (:mod:`picffm.chip.adjoint`): the true ``T^T`` between
        the output-side modulators and the input-side receivers, which have
        their own static errors and the same noise model as the forward ones.
        """
        io = self._io_back
        y = self._through(io.encode(v, self._noise_rng), transpose=True)
        self._count(v)
        return detector.coherent(io.receive(y, io.pass_phases(np.shape(v)[1:], self._noise_rng)),
                                 self.spec.detector, self._noise_rng)

    def heater_powers(self, x: np.ndarray, *, backward: bool = False) -> tuple[np.ndarray, np.ndarray]:
        """Far-side fields (coherent) and the power at every heater's monitor point (direct detection).

        ``x`` ``(N, B)`` is launched into the inputs, or into the outputs if
        ``backward``. Returns ``(y, p)``: ``y`` the fields read at the far
        side, ``p`` ``(n_programmable, B)`` the powers just after each
        heater (forward sense; :mod:`picffm.chip.adjoint`), in
        ``Params.programmable`` order. One optical pass per column.
        """
        io = self._io_back if backward else self._io
        x = np.asarray(x, dtype=complex)
        if x.ndim != 2 or x.shape[0] != self.n_modes:
            raise ParamsError(f"input fields must have shape ({self.n_modes}, B); got {x.shape}")
        y, f = heater_fields(self._circuit, self._true_params(), io.encode(x, self._noise_rng), backward=backward)
        self._count(x)
        y = detector.coherent(io.receive(y, io.pass_phases(x.shape[1:], self._noise_rng)), self.spec.detector,
                              self._noise_rng)
        return y, detector.direct(f, self.spec.detector, self._noise_rng)

    def advance(self, dt_s: float) -> None:
        """Let ``dt_s`` seconds pass: the phase offsets drift."""
        if self._drift.advance(dt_s):
            self._forget()
        self._tick(dt_s)

    def get_state(self) -> dict:
        """Clock, passes, drift phases and the drift and noise generator states (for checkpoints).

        With :meth:`set_state` on a chip made from the same seed (same
        fabrication), every later reading is the same bit for bit. Not part of
        the chip protocol, and like :meth:`reveal` not for trainers: the drift
        phases are hidden truth. Only a run store's checkpoints use it.
        """
        return {**super().get_state(), "drift": self._drift.get_state(),
                "noise_rng": self._noise_rng.bit_generator.state}

    def set_state(self, state: dict) -> None:
        """Restore what :meth:`get_state` returned."""
        super().set_state(state)
        self._drift.set_state(state["drift"])
        self._noise_rng.bit_generator.state = state["noise_rng"]
        self._forget()

    # ------------------------------------------------ evaluation-only oracle
    def reveal(self) -> TrueState:
        """The true circuit and settings now. EVALUATION ONLY: trainers must not call it.

        A real chip cannot do this. Use it in tests and reports (true
        gradients, true noiseless accuracy, programming fidelity); it counts
        no pass and draws no noise.
        """
        return TrueState(self._circuit, self._true_params().copy(), self._time,
                         self._io.input_factor.copy(), self._io.output_factor.copy())

    def realised_matrix(self) -> np.ndarray:
        """Noiseless realised matrix of the core, ``reveal().matrix()``. EVALUATION ONLY."""
        return self._realised().copy()

    def effective_matrix(self) -> np.ndarray:
        """Noiseless ``diag(r) M diag(e)`` with the static modulator and receiver errors. EVALUATION ONLY."""
        return self.reveal().effective_matrix()

    # ------------------------------------------------------------- internals
    def _propagate(self, x) -> np.ndarray:
        y = self._through(self._io.encode(x, self._noise_rng))
        self._count(x)
        return y

    def _through(self, xe: np.ndarray, *, transpose: bool = False) -> np.ndarray:
        """The true circuit (or its transpose) applied to encoded fields ``xe``."""
        if xe.ndim == 2 and xe.shape[1] >= self.n_modes:
            # what Circuit.propagate does for such a batch (bit for bit), with the
            # matrix kept until the next program/drift step instead of rebuilt per pass
            m = self._realised()
            return (m.T if transpose else m) @ xe
        return self._circuit.propagate(xe, self._true_params(), transpose=transpose)

    def _forget(self) -> None:
        """The true settings changed: drop them and the realised matrix."""
        self._true = None
        self._matrix = None

    def _realised(self) -> np.ndarray:
        """The realised matrix of the current true settings, computed once per setting."""
        if self._matrix is None:
            m = self._circuit.matrix(self._true_params())
            m.flags.writeable = False
            self._matrix = m
        return self._matrix

    def _true_params(self) -> Params:
        """The true settings: the heater model (:mod:`picffm.chip.heater_drive`), then the fabricated fixed values."""
        if self._true is not None:
            return self._true
        p = self._params.programmable
        n = p.size
        values = np.empty(self.schedule.table.size)
        values[n:] = self._fab.fixed
        if n:
            self._heaters.apply(p, values[:n], self._drift.state if self._drift.active else None)
        self._true = Params(self.schedule.table, values)
        return self._true

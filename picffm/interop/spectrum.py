"""Spectra: transfer and S-matrices over a wavelength grid.

:func:`sweep` evaluates a netlist at W wavelengths at once. Feed-forward
circuits run their schedule with the wavelength as a batch axis: every
element model is evaluated once over ``(W, elements)``, and each column is
one vectorised update of a ``(modes, W, inputs)`` field array. Other circuits
(rings, reflections, terminators) solve the connection equations of
:mod:`picffm.smatrix` for all wavelengths in one batched dense solve when the
circuit has at most :data:`DENSE_PORTS` instance ports, and one sparse LU per
wavelength otherwise.

Wavelengths are vacuum wavelengths in um; each element disperses as
:mod:`picffm.models` documents (waveguides through their group index,
directional couplers through their gap). The result holds the transfer
matrix ``T[W, outputs, inputs]`` and the full reciprocal S-matrix over the
external ports in netlist order (Touchstone's port order):
``S[w, p, q]`` is the wave leaving port p for a unit wave entering port q.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from ..components import COMPONENTS
from ..errors import CompileError
from ..netlist import Netlist
from ..smatrix import CompiledNetlist, GeneralCircuit, compile_any

__all__ = ["Spectrum", "sweep", "design_smatrix", "design_wavelength", "parse_wavelengths", "DENSE_PORTS"]

#: largest number of instance ports solved with one batched dense solve
DENSE_PORTS = 400


@dataclass(frozen=True)
class Spectrum:
    """A netlist's response over a wavelength grid.

    Attributes:
        wavelengths_um: (W,) vacuum wavelengths, um.
        ports: external ports in netlist order (the axes of ``smatrix``).
        input_ports, output_ports: the columns and rows of ``matrix``.
        matrix: ``(W, outputs, inputs)`` transfer matrices ``T[out, in]``.
        smatrix: ``(W, P, P)`` S-matrices over ``ports`` (reciprocal).
        route: ``"feed-forward"`` or ``"general"``.
    """

    wavelengths_um: np.ndarray
    ports: tuple[str, ...]
    input_ports: tuple[str, ...]
    output_ports: tuple[str, ...]
    matrix: np.ndarray
    smatrix: np.ndarray
    route: str

    @property
    def frequencies_hz(self) -> np.ndarray:
        """Optical frequencies c / wavelength (Hz), same order as the wavelengths."""
        return 299_792_458.0 / (self.wavelengths_um * 1e-6)

    def power_db(self) -> np.ndarray:
        """``10 log10 |T|^2`` (W, outputs, inputs), -inf where dark."""
        with np.errstate(divide="ignore"):
            return 10.0 * np.log10(np.abs(self.matrix) ** 2)


def parse_wavelengths(text: str) -> np.ndarray:
    """``"START:STOP:POINTS"`` (um, um, integer >= 1) -> evenly spaced wavelengths.

    Raises ValueError with a one-line reason (the CLI names the option).
    """
    parts = str(text).split(":")
    if len(parts) != 3:
        raise ValueError(f"{text!r} is not START:STOP:POINTS (e.g. 1.5:1.6:1001, wavelengths in um)")
    try:
        start, stop = float(parts[0]), float(parts[1])
        points = int(parts[2])
    except ValueError:
        raise ValueError(f"{text!r}: START and STOP must be numbers (um) and POINTS an integer") from None
    if not (np.isfinite(start) and np.isfinite(stop)) or not (0.1 <= start <= 20.0 and 0.1 <= stop <= 20.0):
        raise ValueError(f"{text!r}: wavelengths must lie in [0.1, 20] um")
    if not 1 <= points <= 1_000_000:
        raise ValueError(f"{text!r}: POINTS must be between 1 and 1000000")
    if points > 1 and start >= stop:
        raise ValueError(f"{text!r}: START must be below STOP")
    if points == 1 and start != stop:  # linspace would silently drop STOP
        raise ValueError(f"{text!r}: one point needs START = STOP (e.g. {start:g}:{start:g}:1), or give POINTS >= 2")
    return np.linspace(start, stop, points)


def sweep(netlist: Netlist | CompiledNetlist, wavelengths_um: Any, params: Any = None) -> Spectrum:
    """Transfer and S-matrices of ``netlist`` at every wavelength (um).

    Args:
        netlist: a netlist, or one compiled by :func:`picffm.smatrix.compile_any`.
        wavelengths_um: (W,) vacuum wavelengths in um.
        params: settings: a :class:`picffm.parameters.Params`, a parameter file or
            {instance: {setting: value}}.
    """
    compiled = netlist if isinstance(netlist, CompiledNetlist) else compile_any(netlist)
    wl = np.atleast_1d(np.asarray(wavelengths_um, dtype=float))
    if wl.ndim != 1 or wl.size == 0 or not np.all(np.isfinite(wl)) or np.any(wl <= 0):
        raise ValueError("wavelengths must be a non-empty 1-D array of positive numbers (um)")
    net = compiled.netlist
    ports = tuple(net.ports)
    pos = {p: i for i, p in enumerate(ports)}
    ins = [pos[p] for p in compiled.input_ports]
    outs = [pos[p] for p in compiled.output_ports]
    if compiled.route == "feed-forward":
        t = _feed_forward(compiled.backend, wl, params)
        s = _full_s(t, ins, outs, len(ports))
    else:
        s = _general(compiled.backend, wl, params)
        t = s[:, np.array(outs, dtype=int)[:, None], np.array(ins, dtype=int)[None, :]]
    return Spectrum(wl, ports, tuple(compiled.input_ports), tuple(compiled.output_ports), t, s, compiled.route)


def design_wavelength(netlist: Netlist) -> float:
    """The one design wavelength (um) of a netlist's elements (1.55 um if none has one).

    Raises ValueError when elements are designed for different wavelengths:
    such a circuit has no single design point (sweep it instead).
    """
    from ..models import DESIGN_WAVELENGTH_UM

    found = set()
    for inst in netlist.instances.values():
        full = inst.full_settings()
        if "wavelength_um" in full:
            found.add(float(full["wavelength_um"]))
        elif inst.component in ("mzi", "attenuator"):
            found.add(DESIGN_WAVELENGTH_UM)
    if len(found) > 1:
        raise ValueError(f"elements have different design wavelengths ({', '.join(f'{w:g}' for w in sorted(found))} "
                         "um): there is no single design point; sweep a wavelength range instead")
    return found.pop() if found else DESIGN_WAVELENGTH_UM


def design_smatrix(compiled: CompiledNetlist, params: Any = None) -> np.ndarray:
    """(P, P) S-matrix over the external ports (netlist order) at the design wavelengths."""
    net = compiled.netlist
    pos = {p: i for i, p in enumerate(net.ports)}
    if compiled.route == "feed-forward":
        t = compiled.matrix(params)[None]
        return _full_s(t, [pos[p] for p in compiled.input_ports], [pos[p] for p in compiled.output_ports],
                       len(pos))[0]
    return compiled.backend.smatrix(params)


def _full_s(t: np.ndarray, ins: list[int], outs: list[int], n_ports: int) -> np.ndarray:
    """Reciprocal S (W, P, P) of a feed-forward circuit from T (W, out, in): no reflections."""
    s = np.zeros((t.shape[0], n_ports, n_ports), complex)
    s[:, np.array(outs)[:, None], np.array(ins)[None, :]] = t
    s[:, np.array(ins)[:, None], np.array(outs)[None, :]] = np.swapaxes(t, 1, 2)
    return s


def _feed_forward(circuit, wl: np.ndarray, params: Any) -> np.ndarray:
    """(W, N, N) transfer matrices: the schedule run with wavelength as a batch axis."""
    sched = circuit.schedule
    p = circuit.params(params)
    n, w = sched.n_modes, wl.size
    mats = {}
    for c, names in sched.names.items():
        shape = (w, len(names)) + ((2, 2) if COMPONENTS[c].n_modes == 2 else ())
        mats[c] = np.broadcast_to(COMPONENTS[c].model(**p.component(c), wl_um=wl[:, None]), shape)
    state = np.zeros((n, w, n), complex)  # (mode, wavelength, input)
    state[np.arange(n), :, np.arange(n)] = 1.0
    for st in sched.stages:
        m = mats[st.component][:, st.start:st.stop]
        if m.ndim == 2:  # single-mode: (W, k)
            state[st.modes] *= m.T[:, :, None]
            continue
        a, b = st.modes[:, 0], st.modes[:, 1]
        m = np.moveaxis(m, 0, 1)[..., None]  # (k, W, 2, 2, 1)
        xa, xb = state[a], state[b]
        state[a] = m[:, :, 0, 0] * xa + m[:, :, 0, 1] * xb
        state[b] = m[:, :, 1, 0] * xa + m[:, :, 1, 1] * xb
    return np.moveaxis(state[sched.output_modes], 1, 0)  # (W, out, in)


def _general(gc: GeneralCircuit, wl: np.ndarray, params: Any) -> np.ndarray:
    """(W, P, P) S-matrices over the external ports from the connection equations."""
    if gc.n_ports > DENSE_PORTS:
        return np.stack([gc.smatrix(params, wl_um=float(x)) for x in wl])
    rows, cols, vals = gc.instance_entries(params, wl)
    n, w = gc.n_ports, wl.size
    s = np.zeros((w, n, n), complex)
    if rows.size:
        np.add.at(s, (slice(None), rows, cols), vals)
    c = gc.connection_matrix().toarray()
    a = np.eye(n) - s @ c
    ext = gc.external_index()
    rhs = s[:, :, ext]
    try:
        b = np.linalg.solve(a, rhs)
    except np.linalg.LinAlgError:
        where = f"{gc.netlist.source}: " if gc.netlist.source else ""
        raise CompileError(where + "the connection equations are singular at some wavelength: "
                           "a closed lossless loop on resonance has no unique solution") from None
    return b[:, ext, :]

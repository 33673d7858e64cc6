"""The digital twin: the design plus the values calibration fitted, in the design's own types.

A :class:`Twin` keeps structure, settings and fitted truth apart:

* **structure** is the chip's design netlist and its compiled
  :class:`~picffm.simulation.Circuit` (``twin.circuit``), unchanged;
* **settings** are what a user programs, a :class:`~picffm.parameters.Params`
  of that netlist (only its programmable slice counts), exactly what
  ``chip.program`` takes;
* **fitted truth** is what calibration measured: the fixed part of the value
  vector (every coupler's power coupling ``kappa1``/``kappa2``, every
  element's ``loss_db``), the heater model and the transceiver factors.

Heater model: the one heater formula,
:func:`picffm.chip.heater_drive.heater_phases`, with the twin's fitted
factors, so a twin can represent any simulated chip: a programmed phase ``p``
(rad) is driven as ``q = p mod 2 pi`` and produces the actual phase
``efficiency * (q + X q) + offset`` (``X`` the thermal crosstalk, sparse,
zero diagonal). The twin's drive is continuous (``dac_bits=0``), on purpose:
the chip protocol does not expose a DAC's bit depth (nor its range: 2 pi is
assumed), so a calibration cannot know the step; the twin must be
differentiable (:meth:`Twin.phase_jacobian`), which a rounded drive is not;
and the rounding is small beside the fit's own error (at 14 bits over 2 pi
the step is 3.8e-4 rad, an rms phase error of 1.1e-4 rad per heater).

Transceiver: unit-vector probes through the protocol read
``diag(output_factor) @ M @ diag(input_factor)`` (IQ-modulator and receiver
reference errors). :meth:`Twin.encode` / :meth:`Twin.decode` divide them out
electronically, so ``decode(chip.run(encode(x))) ~ M @ x``.

Every method is differentiable by formula: :meth:`Twin.params` gives the
actual values as a plain :class:`Params` that every simulation route and
gradient formula takes, and :meth:`Twin.phase_jacobian` gives ``d actual /
d programmed``.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from ..chip.heater_drive import heater_phases
from ..documents import JSON_SUFFIXES, read_document, write_document
from ..errors import CalibrationError
from ..netlist import Netlist
from ..parameters import Params, as_params
from ..simulation import Circuit

__all__ = ["Twin", "CalibrationReport", "TWIN_FORMAT"]

#: format tag written into every twin file
TWIN_FORMAT = "picffm-twin-1"
TWO_PI = 2.0 * np.pi


@dataclass(frozen=True)
class CalibrationReport:
    """What a calibration cost and how well the twin fits its measurements.

    Attributes:
        passes: optical passes (input vectors) used by the calibration.
        chip_time_s: estimated chip time of the calibration (s): the chip's ``busy_s`` over it (its passes
            and reprogrammings under the chip's time model); the drift clock does not move.
        compute_s: wall time of the fits and the procedure (s).
        noise_floor: measured relative field noise of one probe read
            (std of repeated reads / rms field).
        residual: relative misfit ``||T_twin - T_measured||_F / ||T_measured||_F``
            over the probe matrices of the global fit (averaged reads).
        stages: passes per stage ``{name: passes}``.
    """

    passes: int = 0
    chip_time_s: float = 0.0
    compute_s: float = 0.0
    noise_floor: float = 0.0
    residual: float = 0.0
    stages: dict = field(default_factory=dict)

    def to_dict(self) -> dict:
        return {"passes": int(self.passes), "chip_time_s": float(self.chip_time_s),
                "compute_s": float(self.compute_s), "noise_floor": float(self.noise_floor),
                "residual": float(self.residual), "stages": {k: int(v) for k, v in self.stages.items()}}


class Twin:
    """The design with fitted values (see module docstring).

    Args:
        netlist: the chip's design.
        fixed: fitted fixed part of the value vector (``Params.fixed`` layout).
        offset_rad, efficiency: ``(H,)`` heater model.
        crosstalk: ``(H, H)`` scipy.sparse matrix ``X`` (or ``None``: none).
        input_factor, output_factor: ``(N,)`` complex transceiver factors.
        chip_identity: what identifies the measured chip (plain data).
        report: the :class:`CalibrationReport`.
    """

    def __init__(self, netlist: Netlist, fixed, offset_rad, efficiency, crosstalk=None, input_factor=None,
                 output_factor=None, *, chip_identity: dict | None = None,
                 report: CalibrationReport | None = None, circuit: Circuit | None = None):
        import scipy.sparse as sp

        self.netlist = netlist
        self.circuit = circuit if circuit is not None else Circuit.from_netlist(netlist)
        table = self.circuit.table
        self.n_modes = self.circuit.n
        h = table.n_programmable
        self.fixed = np.array(fixed, dtype=float)
        self.offset_rad = np.array(offset_rad, dtype=float)
        self.efficiency = np.array(efficiency, dtype=float)
        if self.fixed.shape != (table.size - h,) or self.offset_rad.shape != (h,) or self.efficiency.shape != (h,):
            raise CalibrationError(f"twin values do not fit netlist {table.describe()}")
        self.crosstalk = sp.csr_matrix((h, h)) if crosstalk is None else sp.csr_matrix(crosstalk)
        n = self.n_modes
        self.input_factor = np.ones(n, complex) if input_factor is None else np.array(input_factor, complex)
        self.output_factor = np.ones(n, complex) if output_factor is None else np.array(output_factor, complex)
        self.chip_identity = dict(chip_identity or {})
        self.report = report or CalibrationReport()

    # ------------------------------------------------------------ the model
    @property
    def table(self):
        return self.circuit.table

    def settings(self, programmed: Any = None) -> Params:
        """``programmed`` (anything ``chip.program`` takes) as a :class:`Params` of the design."""
        if isinstance(programmed, Params):
            return as_params(self.table, programmed)
        return self.circuit.params(programmed)

    def drive(self, programmed: Any = None) -> np.ndarray:
        """Heater drives ``q = p mod 2 pi`` (rad) of the programmed settings."""
        return np.mod(self.settings(programmed).programmable, TWO_PI)

    def actual_phases(self, programmed: Any = None) -> np.ndarray:
        """``(H,)`` actual phases (rad) the twin predicts for programmed settings (continuous drive)."""
        return heater_phases(self.settings(programmed).programmable, self.efficiency, self.offset_rad,
                             self.crosstalk, range_rad=TWO_PI, dac_bits=0)

    def params(self, programmed: Any = None) -> Params:
        """The actual values for programmed settings: fitted phases, couplers and losses (a new Params)."""
        return Params(self.table, np.concatenate([self.actual_phases(programmed), self.fixed]))

    def phase_jacobian(self, programmed: Any = None):
        """``d actual / d programmed`` = ``diag(efficiency) (I + X)``, scipy.sparse (H, H)."""
        import scipy.sparse as sp

        h = self.efficiency.size
        return (sp.diags(self.efficiency) @ (sp.identity(h) + self.crosstalk)).tocsr()

    def matrix(self, programmed: Any = None) -> np.ndarray:
        """The core's transfer matrix ``M[out, in]`` the twin predicts (no transceiver factors)."""
        return self.circuit.matrix(self.params(programmed))

    def effective_matrix(self, programmed: Any = None) -> np.ndarray:
        """``diag(output_factor) M diag(input_factor)``: what unit-vector probes read (noiseless)."""
        return self.output_factor[:, None] * self.matrix(programmed) * self.input_factor[None, :]

    def propagate(self, x: np.ndarray, programmed: Any = None) -> np.ndarray:
        """What ``chip.run(x)`` reads, noiseless: ``effective_matrix @ x`` for x (N,) or (N, B)."""
        x = np.asarray(x, dtype=complex)
        f = self.input_factor if x.ndim == 1 else self.input_factor[:, None]
        g = self.output_factor if x.ndim == 1 else self.output_factor[:, None]
        return g * self.circuit.propagate(x * f, self.params(programmed))

    def encode(self, x: np.ndarray) -> np.ndarray:
        """Inputs pre-corrected for the IQ modulators: ``x / input_factor``."""
        x = np.asarray(x, dtype=complex)
        return x / (self.input_factor if x.ndim == 1 else self.input_factor[:, None])

    def decode(self, y: np.ndarray) -> np.ndarray:
        """Outputs corrected for the receivers' reference: ``y / output_factor``."""
        y = np.asarray(y, dtype=complex)
        return y / (self.output_factor if y.ndim == 1 else self.output_factor[:, None])

    def program(self, target, *, symmetrize: bool = False, fix_phase: bool = False,
                max_iter: int = 30) -> tuple[Params, float]:
        """Error-aware programming on the twin alone (no pass): ``(params, scale)``.

        See :func:`picffm.calibration.programming.program_twin`.
        """
        from .programming import program_twin

        return program_twin(self, target, symmetrize=symmetrize, fix_phase=fix_phase, max_iter=max_iter)

    # ---------------------------------------------------------------- files
    def to_dict(self) -> dict:
        x = self.crosstalk.tocoo()
        t = self.table
        return {
            "format": TWIN_FORMAT,
            "netlist": {"name": t.netlist_name, "sha256": t.netlist_hash},
            "chip": self.chip_identity,
            "report": self.report.to_dict(),
            "fixed": self.fixed.tolist(),
            "offset_rad": self.offset_rad.tolist(),
            "efficiency": self.efficiency.tolist(),
            "crosstalk": {"rows": x.row.tolist(), "cols": x.col.tolist(), "values": x.data.tolist()},
            "input_factor": [self.input_factor.real.tolist(), self.input_factor.imag.tolist()],
            "output_factor": [self.output_factor.real.tolist(), self.output_factor.imag.tolist()],
        }

    def save(self, path: str | os.PathLike) -> None:
        """Write the twin as JSON (atomically)."""
        path = Path(path)
        if path.suffix.lower() not in JSON_SUFFIXES:
            raise CalibrationError(f"{path}: a twin file is JSON; use the .json extension")
        write_document(self.to_dict(), path, CalibrationError)

    @classmethod
    def load(cls, path: str | os.PathLike, netlist: Netlist) -> "Twin":
        """Read a twin file written for ``netlist``; one-line :class:`CalibrationError` otherwise."""
        path = Path(path)
        doc = read_document(path, "twin", CalibrationError, suffixes=JSON_SUFFIXES)
        return cls.from_dict(doc, netlist, source=str(path))

    @classmethod
    def from_dict(cls, doc: Any, netlist: Netlist, source: str = "twin") -> "Twin":
        import scipy.sparse as sp

        w = f"{source}: "
        if not isinstance(doc, dict) or doc.get("format") != TWIN_FORMAT:
            raise CalibrationError(w + f"not a picffm twin file (expected 'format': {TWIN_FORMAT!r})")
        unknown = sorted(str(k) for k in doc if k not in _KEYS)
        if unknown:
            raise CalibrationError(w + f"bad twin file: unknown key {unknown[0]!r}; valid keys: {', '.join(_KEYS)}")
        circuit = Circuit.from_netlist(netlist)
        t = circuit.table
        rec = doc.get("netlist")
        if not isinstance(rec, dict) or not isinstance(rec.get("sha256"), str):
            raise CalibrationError(w + "bad twin file: no 'netlist' record {name, sha256} of the netlist it was "
                                   "measured on")
        if rec["sha256"] != t.netlist_hash:
            raise CalibrationError(w + f"measured on netlist {rec.get('name')!r} (sha256 {rec['sha256'][:12]}), "
                                   f"not on this netlist {t.describe()}")
        h, n = t.n_programmable, circuit.n
        try:
            fixed = _floats(doc["fixed"], t.size - h, "fixed")
            off = _floats(doc["offset_rad"], h, "offset_rad")
            eff = _floats(doc["efficiency"], h, "efficiency")
            e = _complex(doc["input_factor"], n, "input_factor")
            r = _complex(doc["output_factor"], n, "output_factor")
            x = doc["crosstalk"]
            rows = np.array(x["rows"], dtype=int)
            cols = np.array(x["cols"], dtype=int)
            vals = _floats(x["values"], rows.size, "crosstalk values")
            if rows.shape != cols.shape or rows.ndim != 1 or (rows.size and (
                    min(rows.min(), cols.min()) < 0 or max(rows.max(), cols.max()) >= h)):
                raise ValueError(f"crosstalk indices must be {rows.size} pairs in 0..{h - 1}")
            _check_fixed(t, fixed)
            if np.any(eff <= 0):
                k = int(np.argmax(eff <= 0))
                raise ValueError(f"'efficiency' of the heater of {_heater(t, k)} is {eff[k]:g}; valid: > 0 (a "
                                 "heater that does not shift the phase cannot be programmed)")
            xt = sp.csr_matrix((vals, (rows, cols)), shape=(h, h))
            chip = doc.get("chip", {})
            rep = doc.get("report", {})
            if not isinstance(chip, dict) or not isinstance(rep, dict):
                raise ValueError("'chip' and 'report' must be mappings")
            report = CalibrationReport(**{k: rep[k] for k in ("passes", "chip_time_s", "compute_s", "noise_floor",
                                                               "residual", "stages") if k in rep})
        except (KeyError, TypeError, ValueError, OverflowError) as exc:
            what = f"missing key {exc}" if isinstance(exc, KeyError) else str(exc)
            raise CalibrationError(w + f"bad twin file: {what}") from None
        return cls(netlist, fixed, off, eff, xt, e, r, chip_identity=chip, report=report, circuit=circuit)


#: top-level keys of a twin file (:meth:`Twin.to_dict`)
_KEYS = ("format", "netlist", "chip", "report", "fixed", "offset_rad", "efficiency", "crosstalk", "input_factor",
         "output_factor")


def _heater(table, k: int) -> str:
    """``instance 'name' key`` of programmable entry ``k``."""
    for b in table.blocks:
        if b.programmable and b.start <= k < b.stop:
            return f"instance {table.by_component[b.component][k - b.start]!r} {b.key}"
    return f"entry {k}"


def _check_fixed(table, fixed: np.ndarray) -> None:
    """Raise ValueError naming the first fitted power coupling outside [0, 1] (its instance and key).

    Only couplings are bounded: a fitted ``loss_db`` may be slightly negative (a
    fit to noisy reads of a nearly lossless element), which the model handles.
    """
    from ..components import COMPONENTS

    h = table.n_programmable
    for b in table.blocks:
        if b.programmable or not b.key.startswith("kappa"):
            continue
        s = COMPONENTS[b.component].setting(b.key)
        v = fixed[b.start - h:b.stop - h]
        bad = np.nonzero(~((v >= s.low) & (v <= s.high)))[0]
        if bad.size:
            i = int(bad[0])
            name = table.by_component[b.component][i]
            raise ValueError(f"'fixed': instance {name!r}: {b.key} = {v[i]:g} is out of range; valid: {s.describe()}")


def _floats(v, size: int, name: str) -> np.ndarray:
    if not isinstance(v, list) or len(v) != size or not all(isinstance(a, (int, float)) and not isinstance(a, bool)
                                                            for a in v):
        raise ValueError(f"{name!r} must be a list of {size} numbers")
    a = np.array(v, dtype=float)
    if not np.all(np.isfinite(a)):
        raise ValueError(f"{name!r} holds a non-finite value")
    return a


def _complex(v, size: int, name: str) -> np.ndarray:
    if not isinstance(v, list) or len(v) != 2:
        raise ValueError(f"{name!r} must be [real parts, imaginary parts]")
    return _floats(v[0], size, name) + 1j * _floats(v[1], size, name)

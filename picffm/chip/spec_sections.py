"""The sections of a chip spec: one frozen dataclass per effect, each field with its unit, range and meaning.

The metadata of every field (``low``, ``high``, ``unit``, ``doc``, ``kind``,
``choices``) drives validation (:func:`check_value`, on construction and for
files), the spec files and ``picffm chip presets --fields``.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass, field
from typing import Any, Mapping

from ..errors import SpecError

__all__ = ["CouplerSpec", "PhaseSpec", "HeaterSpec", "LossSpec", "DriftSpec", "DetectorSpec", "ModulatorSpec",
           "TimingSpec", "SECTIONS", "DRIFT_MODELS", "check_value"]

DRIFT_MODELS = ("none", "random_walk", "ou")


class _Section:
    """Validates its fields on construction (library use as well as files)."""

    def __post_init__(self):
        sec = _SECTION_NAME.get(type(self), type(self).__name__)
        for f in dataclasses.fields(self):
            v = check_value(f"{sec}.{f.name}", getattr(self, f.name), f.metadata, "")
            object.__setattr__(self, f.name, v)


def _f(default, low, high, unit, doc, kind=float, choices=None):
    """A spec field with its range, unit and description in the metadata."""
    return field(default=default, metadata=dict(low=low, high=high, unit=unit, doc=doc, kind=kind,
                                                choices=choices))


@dataclass(frozen=True)
class CouplerSpec(_Section):
    """Directional-coupler fabrication error (every MZI and attenuator coupler)."""

    kappa_std: float = _f(0.0, 0.0, 0.25, "power coupling (absolute)",
                          "std of each coupler's power coupling kappa about its design value (0.5); "
                          "0.03 means 50:50 +- 3 % points")


@dataclass(frozen=True)
class PhaseSpec(_Section):
    """Static phase error of every heater left after calibration."""

    offset_std_rad: float = _f(0.0, 0.0, math.pi, "rad",
                               "std of the static phase offset of every phase shifter after calibration")


@dataclass(frozen=True)
class HeaterSpec(_Section):
    """Thermo-optic heaters: efficiency spread, thermal crosstalk, DAC."""

    efficiency_std: float = _f(0.0, 0.0, 0.5, "relative",
                               "std of each heater's efficiency factor about 1 (phase per drive)")
    crosstalk_same_column: float = _f(0.0, 0.0, 0.5, "fraction",
                                      "fraction of a heater's phase induced on the nearest heater above and "
                                      "below it in the same column")
    crosstalk_next_column: float = _f(0.0, 0.0, 0.5, "fraction",
                                      "fraction induced on heaters up to 3/4 column before or after it, "
                                      "on the same or an adjacent mode")
    dac_bits: int = _f(0, 0, 24, "bits", "DAC resolution of the heater drive over range_rad (0: continuous)",
                       kind=int)
    range_rad: float = _f(2 * math.pi, 0.1, 100.0, "rad",
                          "heater range: programmed phases are wrapped into [0, range_rad) and quantised")


@dataclass(frozen=True)
class LossSpec(_Section):
    """Insertion loss per element, with spread (truncated at 0 dB)."""

    mzi_db: float = _f(0.0, 0.0, 10.0, "dB", "mean insertion loss of each MZI and attenuator")
    mzi_db_std: float = _f(0.0, 0.0, 5.0, "dB", "std of the MZI / attenuator insertion loss")
    phase_shifter_db: float = _f(0.0, 0.0, 10.0, "dB", "mean insertion loss of each lone phase shifter")
    phase_shifter_db_std: float = _f(0.0, 0.0, 5.0, "dB", "std of the lone phase shifter loss")


@dataclass(frozen=True)
class DriftSpec(_Section):
    """Drift of every heater's phase offset in time (advanced by ``Chip.advance``)."""

    model: str = _f("none", None, None, "", "drift process: none, random_walk or ou (Ornstein-Uhlenbeck)",
                    kind=str, choices=DRIFT_MODELS)
    rate_rad_per_sqrt_s: float = _f(0.0, 0.0, 10.0, "rad/sqrt(s)",
                                    "random walk: phase std grows as rate * sqrt(t)")
    sigma_rad: float = _f(0.0, 0.0, 10.0, "rad", "Ornstein-Uhlenbeck: stationary std of the phase drift")
    tau_s: float = _f(1.0, 1e-9, 1e9, "s", "Ornstein-Uhlenbeck: correlation time")


@dataclass(frozen=True)
class DetectorSpec(_Section):
    """Coherent detectors (outputs and monitor taps): noise and ADC."""

    shot: float = _f(0.0, 0.0, 1.0, "relative",
                     "shot-noise-like field noise: complex std = shot * |y| (std grows as sqrt(power))")
    thermal: float = _f(0.0, 0.0, 1.0, "field (sqrt of input power)",
                        "additive (thermal/electronic) complex field noise std")
    adc_bits: int = _f(0, 0, 24, "bits",
                       "ADC resolution per quadrature over the batch's full scale (0: none)", kind=int)
    phase_offset_std_rad: float = _f(0.0, 0.0, math.pi, "rad",
                                     "static phase error of each coherent receiver's reference (local "
                                     "oscillator path), left after calibration; drawn once per output port")
    phase_noise_rad: float = _f(0.0, 0.0, math.pi, "rad",
                                "phase jitter of the reference against the signal: one Gaussian phase per "
                                "optical pass, shared by every output and monitor read in that pass")


@dataclass(frozen=True)
class ModulatorSpec(_Section):
    """IQ modulators that encode every input vector (data and error passes alike)."""

    gain_std: float = _f(0.0, 0.0, 0.5, "relative",
                         "static amplitude error of each input port's IQ modulator after calibration "
                         "(field factor 1 + gain_std * z, drawn once)")
    phase_std_rad: float = _f(0.0, 0.0, math.pi, "rad",
                              "static phase error of each input port's IQ modulator after calibration (drawn once)")
    noise: float = _f(0.0, 0.0, 1.0, "relative",
                      "encoding noise: complex field error std relative to each encoded field, "
                      "drawn anew for every pass (DAC and driver noise)")


@dataclass(frozen=True)
class TimingSpec(_Section):
    """Estimated chip time of each operation: the time model behind ``busy_s`` (not an imperfection).

    Defaults (docs/chip.md): a pass is one sample of a 1 MS/s ADC on every
    receiver (high-speed modulators settle in nanoseconds); a reprogramming
    waits five thermal time constants of a metal heater on silicon (about
    10 us; reported rise times are a few to tens of microseconds).
    """

    pass_s: float = _f(1e-6, 0.0, 10.0, "s",
                       "estimated chip time of one optical pass: encode one input vector, read and digitise the "
                       "outputs (and monitor taps or heater photodiodes, read in parallel)")
    program_s: float = _f(5e-5, 0.0, 100.0, "s",
                          "estimated settling time after each program() call (all heaters driven at once; "
                          "thermal settling to well below the DAC step)")


SECTIONS: dict[str, type] = {
    "coupler": CouplerSpec,
    "phase": PhaseSpec,
    "heater": HeaterSpec,
    "loss": LossSpec,
    "drift": DriftSpec,
    "detector": DetectorSpec,
    "modulator": ModulatorSpec,
    "timing": TimingSpec,
}

_SECTION_NAME = {cls: name for name, cls in SECTIONS.items()}


def range_text(meta: Mapping) -> str:
    if meta["choices"]:
        return "one of " + ", ".join(repr(c) for c in meta["choices"])
    kind = "integer" if meta["kind"] is int else "number"
    return f"{kind} in [{meta['low']:g}, {meta['high']:g}]" + (f" ({meta['unit']})" if meta["unit"] else "")


def check_value(key: str, value: Any, meta: Mapping, w: str):
    bad = SpecError(f"{w}{key} = {value!r} is invalid; valid: {range_text(meta)}")
    if meta["choices"]:
        if not isinstance(value, str) or value not in meta["choices"]:
            raise bad
        return value
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise bad
    if isinstance(value, float) and not math.isfinite(value):
        raise SpecError(f"{w}{key} = {value!r} out of range; valid: {range_text(meta)}")
    try:
        value = float(value)
    except OverflowError:  # an integer beyond the float range
        raise SpecError(f"{w}{key}: an integer of {len(str(abs(value)))} digits is out of range; "
                        f"valid: {range_text(meta)}") from None
    if meta["kind"] is int:
        if not value.is_integer():
            raise bad
        value = int(value)
    if not math.isfinite(value) or not meta["low"] <= value <= meta["high"]:
        raise SpecError(f"{w}{key} = {value!r} out of range; valid: {range_text(meta)}")
    return value

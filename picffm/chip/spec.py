"""Chip specification: which imperfections a simulated chip has, and how large.

A :class:`ChipSpec` combines one frozen dataclass per effect (docs/conventions.md §7).
Every field carries its unit, valid range and meaning in its metadata, which
drives validation, the TOML/JSON files and ``picffm chip presets``.

File form (TOML or JSON, chosen by extension; every key optional, missing keys
take the defaults below, unknown keys and out-of-range values are rejected
with a message naming the file, the key and the valid range)::

    mirror_asymmetry = 0.05     # 0: mirror twins identical ... 1: independent

    [coupler]
    kappa_std = 0.035           # std of every coupler's power coupling about 0.5

    [phase]
    offset_std_rad = 0.12       # static phase error left after calibration (rad)

    [heater]
    efficiency_std = 0.02       # relative spread of heater efficiency
    crosstalk_same_column = 0.01
    crosstalk_next_column = 0.005
    dac_bits = 14               # 0: continuous drive
    range_rad = 6.283185307179586

    [loss]
    mzi_db = 0.2                # mean insertion loss of an MZI / attenuator
    mzi_db_std = 0.05
    phase_shifter_db = 0.05
    phase_shifter_db_std = 0.01

    [drift]
    model = "ou"                # "none", "random_walk" or "ou"
    rate_rad_per_sqrt_s = 0.0   # random walk diffusion
    sigma_rad = 2e-4            # OU stationary std
    tau_s = 600.0               # OU correlation time

    [detector]
    shot = 1e-3                 # field noise std relative to |y| (std ~ sqrt(power))
    thermal = 1e-4              # additive field noise std
    adc_bits = 12               # 0: no quantisation
    phase_offset_std_rad = 0.0  # static phase error of each receiver's reference (rad)
    phase_noise_rad = 0.0       # reference phase jitter, one value per optical pass (rad)

    [modulator]
    gain_std = 0.0              # static amplitude error of each input IQ modulator (relative)
    phase_std_rad = 0.0         # static phase error of each input IQ modulator (rad)
    noise = 0.0                 # per-pass complex encoding noise, relative to each field

    [timing]
    pass_s = 1e-6               # estimated chip time of one optical pass (encode, read, digitise)
    program_s = 5e-5            # estimated settling time after each program() (thermal)

``timing`` is not an imperfection: it is the time model behind a chip's
``busy_s`` (:class:`picffm.chip.interface.PassCounter`), the same defaults for
every preset, and it never moves the drift clock ``time_s``.

The physics of each effect is documented in :mod:`picffm.chip.simulated` and
``docs/chip.md``.
"""

from __future__ import annotations

import dataclasses
import json
import math
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping

from ..atomic import atomic_write_text
from ..documents import TOML_SUFFIXES, read_document
from ..errors import SpecError

__all__ = [
    "CouplerSpec",
    "PhaseSpec",
    "HeaterSpec",
    "LossSpec",
    "DriftSpec",
    "DetectorSpec",
    "ModulatorSpec",
    "TimingSpec",
    "ChipSpec",
    "DRIFT_MODELS",
    "load_spec",
    "save_spec",
    "spec_from_dict",
    "describe_fields",
]

DRIFT_MODELS = ("none", "random_walk", "ou")
SPEC_SUFFIXES = (".toml", ".json")


class _Section:
    """Validates its fields on construction (library use as well as files)."""

    def __post_init__(self):
        sec = _SECTION_NAME.get(type(self), type(self).__name__)
        for f in dataclasses.fields(self):
            v = _check_value(f"{sec}.{f.name}", getattr(self, f.name), f.metadata, "")
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

_TOP_FIELDS = {"mirror_asymmetry": dict(low=0.0, high=1.0, unit="", kind=float, choices=None,
                                        doc="mirror twins' errors: 0 identical (exactly symmetric core) ... "
                                            "1 independent")}


@dataclass(frozen=True)
class ChipSpec:
    """Every imperfection of a simulated chip. Defaults: the ideal chip.

    Attributes:
        coupler, phase, heater, loss, drift, detector, modulator: one spec per effect.
        timing: the estimated chip time of a pass and of a reprogramming
            (:class:`TimingSpec`; not an imperfection, never moves the drift clock).
        mirror_asymmetry: in [0, 1]. Every fabrication error and drift of a
            mirror-twin element (``ut_X`` of ``u_X`` in a symmetric core) is
            ``sqrt(1 - a**2) * e_u + a * e_independent`` with
            ``a = mirror_asymmetry``: the marginal distribution is unchanged,
            0 makes the twins identical (the realised matrix is exactly
            symmetric), 1 makes them independent; for small ``a`` the twin
            mismatch is about ``a`` times the error's std.
        name: preset name or file it came from (informative only).
    """

    coupler: CouplerSpec = field(default_factory=CouplerSpec)
    phase: PhaseSpec = field(default_factory=PhaseSpec)
    heater: HeaterSpec = field(default_factory=HeaterSpec)
    loss: LossSpec = field(default_factory=LossSpec)
    drift: DriftSpec = field(default_factory=DriftSpec)
    detector: DetectorSpec = field(default_factory=DetectorSpec)
    modulator: ModulatorSpec = field(default_factory=ModulatorSpec)
    timing: TimingSpec = field(default_factory=TimingSpec)
    mirror_asymmetry: float = 0.0
    name: str = field(default="custom", compare=False)

    def __post_init__(self):
        for sec, cls in SECTIONS.items():
            if not isinstance(getattr(self, sec), cls):
                raise SpecError(f"ChipSpec.{sec} must be a {cls.__name__}, got {type(getattr(self, sec)).__name__}")
        v = _check_value("mirror_asymmetry", self.mirror_asymmetry, _TOP_FIELDS["mirror_asymmetry"], "")
        object.__setattr__(self, "mirror_asymmetry", v)

    def to_dict(self) -> dict:
        """Plain data (the file form), sections in a fixed order."""
        out: dict[str, Any] = {"mirror_asymmetry": self.mirror_asymmetry}
        for sec in SECTIONS:
            out[sec] = dataclasses.asdict(getattr(self, sec))
        return out

    def replace(self, **changes) -> "ChipSpec":
        """A copy with some values changed: ``spec.replace(coupler__kappa_std=0.05, mirror_asymmetry=0.1)``."""
        doc = self.to_dict()
        for key, value in changes.items():
            if "__" in key:
                sec, name = key.split("__", 1)
                if sec not in SECTIONS:
                    raise SpecError(f"unknown section {sec!r}; valid: {', '.join(SECTIONS)}")
                doc[sec][name] = value
            else:
                doc[key] = value
        return spec_from_dict(doc, name=self.name)

    @property
    def is_ideal(self) -> bool:
        """True if the spec has no imperfection at all (its timing does not count)."""
        return dataclasses.replace(self, timing=TimingSpec()) == ChipSpec()


def describe_fields() -> list[dict]:
    """Every spec key with unit, range and description (for docs and the CLI)."""
    rows = [dict(key=k, **v) for k, v in _TOP_FIELDS.items()]
    for sec, cls in SECTIONS.items():
        for f in dataclasses.fields(cls):
            rows.append(dict(key=f"{sec}.{f.name}", default=f.default, **f.metadata))
    rows[0]["default"] = 0.0
    return rows


def _range_text(meta: Mapping) -> str:
    if meta["choices"]:
        return "one of " + ", ".join(repr(c) for c in meta["choices"])
    kind = "integer" if meta["kind"] is int else "number"
    return f"{kind} in [{meta['low']:g}, {meta['high']:g}]" + (f" ({meta['unit']})" if meta["unit"] else "")


def _check_value(key: str, value: Any, meta: Mapping, w: str):
    bad = SpecError(f"{w}{key} = {value!r} is invalid; valid: {_range_text(meta)}")
    if meta["choices"]:
        if not isinstance(value, str) or value not in meta["choices"]:
            raise bad
        return value
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise bad
    if isinstance(value, float) and not math.isfinite(value):
        raise SpecError(f"{w}{key} = {value!r} out of range; valid: {_range_text(meta)}")
    try:
        value = float(value)
    except OverflowError:  # an integer beyond the float range
        raise SpecError(f"{w}{key}: an integer of {len(str(abs(value)))} digits is out of range; "
                        f"valid: {_range_text(meta)}") from None
    if meta["kind"] is int:
        if not value.is_integer():
            raise bad
        value = int(value)
    if not math.isfinite(value) or not meta["low"] <= value <= meta["high"]:
        raise SpecError(f"{w}{key} = {value!r} out of range; valid: {_range_text(meta)}")
    return value


def spec_from_dict(doc: Any, source: str | None = None, name: str | None = None) -> ChipSpec:
    """Validate plain data (the file form) and build a :class:`ChipSpec`.

    Raises :class:`SpecError` naming ``source``, the key and the valid range
    or keys.
    """
    w = f"{source}: " if source else ""
    if not isinstance(doc, Mapping):
        raise SpecError(w + f"a chip spec must be a mapping of sections, got {type(doc).__name__}")
    valid_top = list(_TOP_FIELDS) + list(SECTIONS)
    kwargs: dict[str, Any] = {}
    for key, value in doc.items():
        if key in _TOP_FIELDS:
            kwargs[key] = _check_value(key, value, _TOP_FIELDS[key], w)
            continue
        if key not in SECTIONS:
            raise SpecError(w + f"unknown key {key!r}; valid keys: {', '.join(valid_top)}")
        cls = SECTIONS[key]
        if not isinstance(value, Mapping):
            raise SpecError(w + f"{key} must be a table of settings, got {type(value).__name__}")
        fields = {f.name: f for f in dataclasses.fields(cls)}
        vals = {}
        for k, v in value.items():
            if k not in fields:
                raise SpecError(w + f"unknown key '{key}.{k}'; valid keys in [{key}]: {', '.join(fields)}")
            vals[k] = _check_value(f"{key}.{k}", v, fields[k].metadata, w)
        kwargs[key] = cls(**vals)
    return ChipSpec(**kwargs, name=name or (str(source) if source else "custom"))


def load_spec(path: str | os.PathLike) -> ChipSpec:
    """Read a chip spec file (``.toml`` or ``.json``) with clear errors."""
    path = Path(path)
    doc = read_document(path, "chip spec", SpecError, suffixes=TOML_SUFFIXES + (".json",))
    return spec_from_dict(doc, source=str(path), name=path.name)


def save_spec(spec: ChipSpec, path: str | os.PathLike) -> None:
    """Write a chip spec as TOML or JSON (by extension), atomically.

    Floats are written with ``repr`` so loading gives the same values back.
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in SPEC_SUFFIXES:
        raise SpecError(f"{path}: unknown chip spec file type {suffix or '(none)'!r}; use .toml or .json")
    doc = spec.to_dict()
    if suffix == ".json":
        text = json.dumps(doc, indent=2) + "\n"
    else:
        text = _to_toml(doc, spec.name)
    atomic_write_text(path, text)


def toml_string(text: str) -> str:
    """``text`` as a TOML basic string: quotes, backslashes and control characters
    escaped (a name can never start a new line or key); unencodable surrogates
    (undecodable bytes of a file name) become U+FFFD."""
    out = []
    for ch in text:
        code = ord(ch)
        if ch in '"\\':
            out.append("\\" + ch)
        elif code < 0x20 or code == 0x7F:
            out.append(f"\\u{code:04X}")
        elif 0xD800 <= code <= 0xDFFF:
            out.append("\ufffd")
        else:
            out.append(ch)
    return '"' + "".join(out) + '"'


def _toml_value(v: Any) -> str:
    if isinstance(v, str):
        return toml_string(v)
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int):
        return str(v)
    return repr(float(v))


def _to_toml(doc: Mapping, name: str) -> str:
    lines = [f"# picffm chip spec {toml_string(name)}; units and ranges: picffm chip presets --fields"]
    lines += [f"{k} = {_toml_value(v)}" for k, v in doc.items() if not isinstance(v, Mapping)]
    for sec, values in doc.items():
        if isinstance(values, Mapping):
            lines += ["", f"[{sec}]"] + [f"{k} = {_toml_value(v)}" for k, v in values.items()]
    return "\n".join(lines) + "\n"

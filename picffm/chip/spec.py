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

The physics of each effect is documented in :mod:`picffm.chip.simulated` (and the
modules it names, e.g. :mod:`picffm.chip.heater_drive` for the heaters) and
``docs/chip.md``.
"""

from __future__ import annotations

from .chipspec import ChipSpec, describe_fields, spec_from_dict
from .spec_files import SPEC_SUFFIXES, load_spec, save_spec, toml_string
from .spec_sections import (
    DRIFT_MODELS,
    SECTIONS,
    CouplerSpec,
    DetectorSpec,
    DriftSpec,
    HeaterSpec,
    LossSpec,
    ModulatorSpec,
    PhaseSpec,
    TimingSpec,
)

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
    "SECTIONS",
    "SPEC_SUFFIXES",
    "toml_string",
]

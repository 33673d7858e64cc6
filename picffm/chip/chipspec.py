"""A whole chip spec: :class:`ChipSpec` (the sections and the mirror-twin asymmetry), built and checked from plain data."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any, Mapping

from ..errors import SpecError
from . import spec_sections as sections
from .spec_sections import SECTIONS, check_value

__all__ = ["ChipSpec", "spec_from_dict", "describe_fields"]

_TOP_FIELDS = {"mirror_asymmetry": dict(low=0.0, high=1.0, unit="", kind=float, choices=None,
                                        doc="mirror twins' errors: 0 identical (exactly symmetric core) ... "
                                            "1 independent")}


@dataclass(frozen=True)
class ChipSpec:
    """Every imperfection of a simulated chip. Defaults: the ideal chip.

    Attributes:
        coupler, phase, heater, loss, drift, detector, modulator: one spec per effect.
        timing: the estimated chip time of a pass and of a reprogramming
            (:class:`~picffm.chip.spec_sections.TimingSpec`; not an imperfection, never moves the drift clock).
        mirror_asymmetry: in [0, 1]. Every fabrication error and drift of a
            mirror-twin element (``ut_X`` of ``u_X`` in a symmetric core) is
            ``sqrt(1 - a**2) * e_u + a * e_independent`` with
            ``a = mirror_asymmetry``: the marginal distribution is unchanged,
            0 makes the twins identical (the realised matrix is exactly
            symmetric), 1 makes them independent; for small ``a`` the twin
            mismatch is about ``a`` times the error's std.
        name: preset name or file it came from (informative only).
    """

    coupler: sections.CouplerSpec = field(default_factory=sections.CouplerSpec)
    phase: sections.PhaseSpec = field(default_factory=sections.PhaseSpec)
    heater: sections.HeaterSpec = field(default_factory=sections.HeaterSpec)
    loss: sections.LossSpec = field(default_factory=sections.LossSpec)
    drift: sections.DriftSpec = field(default_factory=sections.DriftSpec)
    detector: sections.DetectorSpec = field(default_factory=sections.DetectorSpec)
    modulator: sections.ModulatorSpec = field(default_factory=sections.ModulatorSpec)
    timing: sections.TimingSpec = field(default_factory=sections.TimingSpec)
    mirror_asymmetry: float = 0.0
    name: str = field(default="custom", compare=False)

    def __post_init__(self):
        for sec, cls in SECTIONS.items():
            if not isinstance(getattr(self, sec), cls):
                raise SpecError(f"ChipSpec.{sec} must be a {cls.__name__}, got {type(getattr(self, sec)).__name__}")
        v = check_value("mirror_asymmetry", self.mirror_asymmetry, _TOP_FIELDS["mirror_asymmetry"], "")
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
        return dataclasses.replace(self, timing=sections.TimingSpec()) == ChipSpec()


def describe_fields() -> list[dict]:
    """Every spec key with unit, range and description (for docs and the CLI)."""
    rows = [dict(key=k, **v) for k, v in _TOP_FIELDS.items()]
    for sec, cls in SECTIONS.items():
        for f in dataclasses.fields(cls):
            rows.append(dict(key=f"{sec}.{f.name}", default=f.default, **f.metadata))
    rows[0]["default"] = 0.0
    return rows


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
            kwargs[key] = check_value(key, value, _TOP_FIELDS[key], w)
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
            vals[k] = check_value(f"{key}.{k}", v, fields[k].metadata, w)
        kwargs[key] = cls(**vals)
    return ChipSpec(**kwargs, name=name or (str(source) if source else "custom"))

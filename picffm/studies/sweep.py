"""Sweep definitions of the two studies, from command-line options or a TOML file.

A sweep file holds one table per study, so one file can describe both::

    [drift]
    drift_rates = [1e-6, 1e-5, 1e-4]    # rad/sqrt(s), see DriftSweep
    methods = ["insilico", "recal", "ffm"]
    seeds = 2

    [asymmetry]
    asymmetries = [0.0, 0.5, 1.0]

Keys are validated at the boundary (pydantic, unknown keys rejected); a bad
value gives one line naming the file (or the option), the key, the value and
the valid range. Command-line options override the file's values.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated, Any, Literal, Mapping

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationError, model_validator

from ..chip.presets import preset_names
from ..documents import TOML_SUFFIXES, read_document
from ..errors import ConfigError

__all__ = ["DriftSweep", "AsymmetrySweep", "SWEEPS", "load_sweep", "parse_list", "option_name"]

DRIFT_METHODS = ("insilico", "recal", "ffm")
ASYMMETRY_METHODS = ("ideal", "insilico", "ffm")

NonNegFloat = Annotated[float, Field(ge=0.0, le=10.0, allow_inf_nan=False)]
UnitFloat = Annotated[float, Field(ge=0.0, le=1.0, allow_inf_nan=False)]


def _distinct(values: list) -> list:
    if len(set(values)) != len(values):
        raise ValueError("values must be distinct")
    return values


#: a swept list: each value at most once
Distinct = AfterValidator(_distinct)


class _Sweep(BaseModel):
    """Settings shared by both studies."""

    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)

    seed: int = Field(0, ge=0, le=2**63 - 1, description="study seed (integer >= 0); every point's seeds derive from it")
    seeds: int = Field(2, ge=1, le=1000, description="replicate chips per point (1 .. 1000)")
    chip: str = Field("typical", min_length=1,
                      description=f"chip preset name ({', '.join(preset_names())}) or chip spec file (.toml/.json)")
    layers: int = Field(2, ge=1, le=8, description="network layers, one 16-mode symmetric core each (1 .. 8)")
    epochs: int = Field(60, ge=1, le=10000, description="training epochs before the study starts (1 .. 10000)")
    ffm_trainer: Literal["ffm-phase", "ffm"] = Field(
        "ffm-phase", description="FFM flavour: ffm-phase (phase level, monitor taps) or ffm (matrix level)")

    @classmethod
    def valid_keys(cls) -> list[str]:
        return list(cls.model_fields)

    def fixed(self) -> dict[str, Any]:
        """Settings that define the study (everything but the swept lists)."""
        swept = {"drift_rates", "methods", "seeds", "asymmetries"}
        return {k: v for k, v in self.model_dump().items() if k not in swept}


class DriftSweep(_Sweep):
    """``picffm study drift``: drift rate x method x seed.

    Time runs from 0 to ``duration_s`` in steps of ``step_s``; test accuracy
    is recorded after every step. ``recal`` re-measures the chip and
    reprograms every ``recal_interval_s``; ``ffm`` runs ``ffm_steps`` online
    training steps on the chip in every step.
    """

    seeds: int = Field(5, ge=1, le=1000, description="replicate chips per point (1 .. 1000)")
    drift_rates: Annotated[list[NonNegFloat], Distinct] = Field(
        [1e-6, 1e-5, 1e-4], min_length=1, max_length=50,
        description="phase drift rates in rad/sqrt(s) (random-walk std after 1 s), each in [0, 10]; the "
                    "default spans realistic chips, from a well stabilised one to a free-running one")
    methods: Annotated[list[Literal["insilico", "recal", "ffm"]], Distinct] = Field(
        list(DRIFT_METHODS), min_length=1, description=f"methods, any of {', '.join(DRIFT_METHODS)}")
    duration_s: float = Field(14400.0, gt=0.0, le=1e7, allow_inf_nan=False,
                              description="time span in s, (0, 1e7]; default 4 hours of chip time")
    step_s: float = Field(900.0, gt=0.0, le=1e7, allow_inf_nan=False,
                          description="time between accuracy checks in s, (0, duration_s]")
    recal_interval_s: float = Field(3600.0, gt=0.0, le=1e7, allow_inf_nan=False,
                                    description="recalibration interval of 'recal' in s, >= step_s")
    recal_iterations: int = Field(8, ge=1, le=50,
                                  description="measure-and-correct rounds per recalibration (1 .. 50)")
    ffm_steps: int = Field(5, ge=1, le=1000, description="FFM training steps per time step (1 .. 1000)")
    threshold: float = Field(0.8, gt=0.0, le=1.0, allow_inf_nan=False,
                             description="accuracy threshold for the survival time, (0, 1]")

    @model_validator(mode="after")
    def _times(self):
        if self.step_s > self.duration_s:
            raise ValueError(f"step_s ({self.step_s}) must not exceed duration_s ({self.duration_s})")
        if self.duration_s / self.step_s > 2000:
            raise ValueError(f"duration_s / step_s = {self.duration_s / self.step_s:.0f} time steps; at most 2000")
        if "recal" in self.methods and self.recal_interval_s < self.step_s:
            raise ValueError(f"recal_interval_s ({self.recal_interval_s}) must be >= step_s ({self.step_s})")
        return self


class AsymmetrySweep(_Sweep):
    """``picffm study asymmetry``: mirror asymmetry x method x seed.

    Asymmetry 0 = the mirror half of every symmetric core has exactly the
    first half's fabrication errors; 1 = independent errors (docs/conventions.md §7).
    """

    asymmetries: Annotated[list[UnitFloat], Distinct] = Field(
        [0.0, 0.25, 0.5, 0.75, 1.0], min_length=1, max_length=50,
        description="mirror asymmetries, each in [0, 1]")
    methods: Annotated[list[Literal["ideal", "insilico", "ffm"]], Distinct] = Field(
        list(ASYMMETRY_METHODS), min_length=1, description=f"methods, any of {', '.join(ASYMMETRY_METHODS)}")
    grad_probe_step: int | None = Field(None, ge=1, le=10**6,
                                        description="training update at which the gradient error is measured "
                                                    "(1 .. epochs * 3; default 80 as in Xue et al., or the last "
                                                    "update of a shorter run)")

    @model_validator(mode="after")
    def _probe(self):
        if self.grad_probe_step is None:  # the paper's update 80, or the last update of a shorter run
            object.__setattr__(self, "grad_probe_step", min(80, 3 * self.epochs))
        elif self.grad_probe_step > 3 * self.epochs:
            raise ValueError(f"grad_probe_step ({self.grad_probe_step}) must be <= the number of training updates, "
                             f"3 per epoch = {3 * self.epochs}")
        return self


SWEEPS: dict[str, type[_Sweep]] = {"drift": DriftSweep, "asymmetry": AsymmetrySweep}


def parse_list(text: str, option: str, kind=float) -> list:
    """Parse a comma-separated option value (``"0,0.01,0.1"``) with a clear error."""
    items = [s.strip() for s in str(text).split(",") if s.strip()]
    if not items:
        raise ConfigError(f"{option}: expected a comma-separated list, got {text!r}")
    out = []
    for s in items:
        try:
            out.append(kind(s))
        except ValueError:
            raise ConfigError(f"{option}: {s!r} is not a {kind.__name__}; expected e.g. {option} 0,0.01,0.1") from None
    return out


def load_sweep(study: str, path: str | os.PathLike | None = None,
               options: Mapping[str, Any] | None = None, *, stored: Mapping[str, Any] | None = None,
               where: str = "the study") -> _Sweep:
    """Validated sweep of ``study`` from the TOML file ``path`` (table ``[study]``)
    overridden by ``options`` (keys as in the file; ``None`` values ignored).

    ``stored``: the sweep of a study being resumed (``study.json``'s
    ``sweep``, :func:`picffm.studies.store.read_manifest`); it replaces the
    defaults, and a value from the file or an option that differs from it is
    refused in one line naming the option (or the file and key), the stored
    value and the given one (``where``: the study, for that message, e.g. its
    directory). Equal values are accepted.
    """
    if study not in SWEEPS:
        raise ConfigError(f"unknown study {study!r}; valid: {', '.join(SWEEPS)}")
    model = SWEEPS[study]
    values: dict[str, Any] = {}
    source = "command line"
    if path is not None:
        values = dict(_read_table(Path(path), study))
        source = str(path)
    opts = {k: v for k, v in (options or {}).items() if v is not None}
    values.update(opts)
    base = dict(stored or {})
    try:
        sweep = model(**{**base, **values})
    except ValidationError as exc:
        raise ConfigError(_explain(exc, model, study, source, set(opts))) from None
    if stored is not None:
        done = sweep.model_dump()
        for key in values:  # only keys given: what was not given comes from the stored sweep
            if key in base and done.get(key) != base[key]:
                src = option_name(key) if key in opts else f"{source}: {study}.{key}"
                what = "the option" if key in opts else "the key"
                raise ConfigError(f"{src}: {where} was started with {_shown(base[key])}, not {_shown(done.get(key))}; "
                                  f"a resumed study keeps its settings: drop {what} (or give the stored value), or "
                                  "start a new study in another --out")
    return sweep


def _shown(value: Any) -> str:
    """A sweep value as the option would take it (lists comma separated)."""
    if isinstance(value, (list, tuple)):
        return ",".join(_shown(v) for v in value)
    return repr(value) if isinstance(value, float) else str(value)


def _read_table(path: Path, study: str) -> Mapping[str, Any]:
    if path.suffix.lower() != ".toml":
        raise ConfigError(f"{path}: unknown sweep file type {path.suffix or '(none)'!r}; use .toml")
    if not path.exists():
        raise ConfigError(f"{path}: no such sweep file")
    doc = read_document(path, "sweep", ConfigError, suffixes=TOML_SUFFIXES)
    unknown = [k for k in doc if k not in SWEEPS]
    if unknown:
        raise ConfigError(f"{path}: unknown table or key {unknown[0]!r}; a sweep file holds the tables "
                          f"{', '.join('[' + s + ']' for s in SWEEPS)}")
    if study not in doc:
        raise ConfigError(f"{path}: no [{study}] table (found: {', '.join('[' + k + ']' for k in doc) or 'none'})")
    if not isinstance(doc[study], dict):
        raise ConfigError(f"{path}: {study} must be a table [{study}], not a value")
    return doc[study]


#: command-line option of a sweep key whose name differs from the key (``--method`` repeats; files say ``methods``)
OPTION_NAMES = {"methods": "--method"}


def option_name(key: str) -> str:
    """The ``picffm study`` option that sets the sweep key ``key``."""
    return OPTION_NAMES.get(key, f"--{key.replace('_', '-')}")


def _explain(exc: ValidationError, model: type[_Sweep], study: str, where: str, from_options: set[str]) -> str:
    err = exc.errors(include_url=False)[0]
    loc = [str(p) for p in err["loc"]]
    key = loc[0] if loc else ""
    src = f"option {option_name(key)}" if key in from_options else where
    dotted = f"{study}." + "".join(p if i == 0 else f"[{p}]" for i, p in enumerate(loc)) if loc else study
    if err["type"] == "extra_forbidden":
        return f"{src}: unknown key {dotted!r}; valid keys: {', '.join(model.valid_keys())}"
    msg = err["msg"].removeprefix("Value error, ")
    if not loc:  # cross-field check
        return f"{src}: [{study}]: {msg}"
    field = model.model_fields.get(key)
    valid = f"; valid: {field.description}" if field is not None and field.description else ""
    return f"{src}: {dotted} = {err.get('input')!r}: {msg}{valid}"

"""Parameter files: settings (phases, couplings, ...) keyed by instance name.

The netlist holds the structure of a circuit; trained phases and chip state
live in a separate parameter file (docs/conventions.md §8). YAML (``*.yml``,
``*.yaml``, ``*.pic.yml``) or JSON (``*.json``), chosen by extension::

    params:                      # required: instance -> {setting: value}
      mzi_c0_m0: {theta: 1.5707963267948966, phi: 0.0}
      ps_m0: {phi: 3.141592653589793}
    info:                        # optional: free-form metadata
      kind: symmetric
      scale: 1.7
      target: weights.npy
    netlist:                     # optional: the netlist the file belongs to
      name: symmetric_core_16.pic.yml
      sha256: 5f0c...            # picffm.elements.netlist_identity

Units are those of the component settings (phases in rad, loss in dB, ...).
This module checks only the *form* of the file (keys, identifiers, plain
numbers or booleans); whether the instances and settings exist in a given
netlist, whether values are in range and whether the file was written for
that netlist is checked when the file is applied to a circuit
(:func:`picffm.parameters.params_from_file`, raises :class:`ParamsError`
naming the file).
"""

from __future__ import annotations

import math
import os
import re
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, Mapping

import numpy as np

from .atomic import atomic_write_text
from .documents import check_tree, dump_document, read_document
from .errors import ParamsError

__all__ = ["ParamFile", "load_params", "save_params", "validate_params", "PARAM_KEYS"]

#: top-level keys of a parameter file
PARAM_KEYS = ("params", "netlist", "info")
_IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")  # used with fullmatch (``$`` accepts a trailing newline)
_SHA256 = re.compile(r"[0-9a-f]{64}")  # used with fullmatch


@dataclass(frozen=True)
class ParamFile:
    """A parameter file: ``params`` {instance: {setting: value}} and ``info``.

    Attributes:
        params: read-only mapping instance name -> read-only {setting: value}
            (floats, ints or bools, in the settings' units).
        info: read-only free-form metadata (e.g. ``scale``, ``kind``, ``target``).
        source: the file it was read from, if any (used in error messages).
        netlist: ``{name, sha256}`` of the netlist the file was written for
            (empty if the file does not say).
    """

    params: Mapping[str, Mapping[str, Any]]
    info: Mapping[str, Any] = field(default_factory=lambda: MappingProxyType({}))
    source: str | None = None
    netlist: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))

    def to_dict(self) -> dict:
        """Plain-data form (what :func:`save_params` writes)."""
        out: dict[str, Any] = {"params": {k: dict(v) for k, v in self.params.items()}}
        if self.netlist:
            out["netlist"] = dict(self.netlist)
        if self.info:
            out["info"] = _plain(self.info)
        return out


def _where(source: str | None) -> str:
    return f"{source}: " if source else ""


def validate_params(doc: Any, source: str | None = None) -> ParamFile:
    """Check the form of a parameter document and build a :class:`ParamFile`.

    Raises :class:`ParamsError` naming ``source``, the key, instance or setting
    at fault and what is valid.
    """
    w = _where(source)
    if doc is None or (isinstance(doc, Mapping) and not doc):
        raise ParamsError(w + "empty parameter file: expected a mapping with 'params' (and optionally 'info')")
    if not isinstance(doc, Mapping):
        raise ParamsError(w + f"a parameter file must be a mapping, got {type(doc).__name__}")
    unknown = [k for k in doc if k not in PARAM_KEYS]
    if unknown:
        hint = ("; this looks like a netlist: a parameter file is what 'picffm program' writes (params: "
                "{instance: {setting: value}})") if "instances" in doc else ""
        raise ParamsError(w + f"unknown top-level key {unknown[0]!r}; valid keys: {', '.join(PARAM_KEYS)}{hint}")
    if "params" not in doc:
        raise ParamsError(w + "missing 'params' (a mapping instance -> {setting: value})")
    raw = doc["params"] if doc["params"] is not None else {}
    if not isinstance(raw, Mapping):
        raise ParamsError(w + f"'params' must be a mapping instance -> {{setting: value}}, got {type(raw).__name__}")
    params: dict[str, Mapping[str, Any]] = {}
    for name, values in raw.items():
        if not isinstance(name, str) or not _IDENT.fullmatch(name):
            raise ParamsError(w + f"params: instance name {name!r} is not an identifier (letters, digits, _)")
        if values is None:
            values = {}
        if not isinstance(values, Mapping):
            raise ParamsError(w + f"params of {name!r} must be a mapping {{setting: value}}, "
                              f"got {type(values).__name__}")
        checked = {}
        for key, value in values.items():
            if not isinstance(key, str) or not _IDENT.fullmatch(key):
                raise ParamsError(w + f"params of {name!r}: setting name {key!r} is not an identifier")
            value = _scalar(value)
            if isinstance(value, int) and not isinstance(value, bool):
                try:
                    float(value)
                except OverflowError:
                    raise ParamsError(
                        w + f"instance {name!r}: setting {key!r} is an integer beyond float range"
                    ) from None
            if not isinstance(value, (bool, int, float)):
                raise ParamsError(w + f"instance {name!r}: setting {key!r} must be a number or true/false, "
                                  f"got {value!r}")
            if not isinstance(value, bool) and not math.isfinite(value):
                raise ParamsError(w + f"instance {name!r}: setting {key!r} must be finite, got {value!r}")
            checked[key] = value
        params[name] = MappingProxyType(checked)
    info = doc.get("info")
    if info is None:
        info = {}
    if not isinstance(info, Mapping):
        raise ParamsError(w + f"'info' must be a mapping, got {type(info).__name__}")
    check_tree(info, w + "info", ParamsError)  # free-form: bounded (no alias bomb), plain types only
    rec = doc.get("netlist")
    rec = {} if rec is None else rec
    if not isinstance(rec, Mapping) or (rec and not _netlist_record_ok(rec)):
        raise ParamsError(w + "'netlist' must be a mapping with 'name' (text) and 'sha256' (64 hex digits)")
    return ParamFile(MappingProxyType(params), MappingProxyType(dict(_plain(info))), source,
                     MappingProxyType(dict(rec)))


def _netlist_record_ok(rec: Mapping) -> bool:
    return (set(rec) == {"name", "sha256"} and isinstance(rec["name"], str)
            and isinstance(rec["sha256"], str) and bool(_SHA256.fullmatch(rec["sha256"])))


def load_params(path: str | os.PathLike) -> ParamFile:
    """Read and check a parameter file (YAML or JSON by extension)."""
    doc = read_document(path, "parameter", ParamsError)
    return validate_params(doc, source=str(path))


def save_params(path: str | os.PathLike, params: Mapping[str, Mapping[str, Any]],
                info: Mapping[str, Any] | None = None, netlist: Mapping[str, str] | None = None) -> ParamFile:
    """Write a parameter file atomically (YAML or JSON by extension).

    ``params`` values may be Python or numpy scalars; they are written as
    plain floats/ints/bools, so loading the file gives the same values back
    exactly. ``netlist`` (``{name, sha256}``) records the netlist the values
    belong to (:meth:`picffm.parameters.Params.save` fills it in). Returns
    the :class:`ParamFile` written.
    """
    doc: dict[str, Any] = {"params": {str(k): {str(s): _scalar(v) for s, v in vals.items()}
                                      for k, vals in params.items()}}
    if netlist:
        doc["netlist"] = dict(netlist)
    if info:
        doc["info"] = _plain(info)
    pf = validate_params(doc, source=str(path))
    atomic_write_text(path, dump_document(pf.to_dict(), path, ParamsError))
    return pf


def _scalar(v: Any) -> Any:
    if isinstance(v, np.generic):
        return v.item()
    if isinstance(v, np.ndarray) and v.ndim == 0:
        return v.item()
    return v


def _plain(obj: Any) -> Any:
    """Plain Python data (mappings, lists, scalars) for YAML/JSON output."""
    if isinstance(obj, Mapping):
        return {str(k): _plain(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_plain(v) for v in obj]
    if isinstance(obj, np.ndarray):
        return _plain(obj.tolist())
    return _scalar(obj)

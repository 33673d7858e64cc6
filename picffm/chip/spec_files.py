"""Chip spec files: TOML or JSON (by extension) read with clear errors, written atomically so they load back exactly."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any, Mapping

from ..atomic import atomic_write_text
from ..documents import TOML_SUFFIXES, read_document
from ..errors import SpecError
from .chipspec import ChipSpec, spec_from_dict

__all__ = ["SPEC_SUFFIXES", "load_spec", "save_spec", "toml_string"]

SPEC_SUFFIXES = (".toml", ".json")


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

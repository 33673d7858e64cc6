"""Touchstone (``.sNp``) files in and out, through scikit-rf.

picffm writes the full S-matrix over a circuit's external ports, in netlist
order, one frequency point per wavelength: ``S[p, q]`` is the wave leaving
port ``p`` for a unit wave entering ``q`` (Touchstone's ``Sij``, i = p + 1,
j = q + 1), real/imaginary pairs with 17 significant digits (``RI``), the
frequency in GHz (``c / wavelength``; Touchstone has no THz) in increasing
order, i.e. decreasing wavelength. The port names are written as
``! Port[k] = name`` comments, which scikit-rf reads back. Touchstone needs a
reference impedance; it is written as 50 ohm and means nothing for optical
ports (picffm never renormalises).

Reading accepts any ``.sNp`` scikit-rf reads (any frequency unit and format),
e.g. a measurement exported by an optical vector analyser.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..atomic import atomic_write_text
from ..errors import PicffmError

__all__ = ["TouchstoneError", "TouchstoneData", "touchstone_ports", "check_touchstone_path",
           "write_touchstone", "read_touchstone", "transfer_target", "C_M_PER_S"]

C_M_PER_S = 299_792_458.0
_SUFFIX = re.compile(r"^\.s(\d+)p$", re.IGNORECASE)


class TouchstoneError(PicffmError):
    """A Touchstone file has the wrong name or cannot be read."""


@dataclass(frozen=True)
class TouchstoneData:
    """An S-matrix over wavelengths: ``s[w, p, q]``, wavelengths in um (increasing)."""

    wavelengths_um: np.ndarray
    s: np.ndarray
    port_names: tuple[str, ...]
    source: str | None = None

    def at(self, wavelength_um: float | None = None, rtol: float = 1e-9) -> np.ndarray:
        """The (P, P) S-matrix at one wavelength (the only one if the file has one)."""
        where = f"{self.source}: " if self.source else ""
        if wavelength_um is None:
            if self.wavelengths_um.size != 1:
                raise TouchstoneError(
                    where + f"{self.wavelengths_um.size} frequency points "
                    f"({self.wavelengths_um[0]:.6g}-{self.wavelengths_um[-1]:.6g} um): give the wavelength to use")
            return self.s[0]
        k = int(np.argmin(np.abs(self.wavelengths_um - wavelength_um)))
        if abs(self.wavelengths_um[k] - wavelength_um) > rtol * wavelength_um:
            raise TouchstoneError(
                where + f"no point at {wavelength_um:.9g} um; the file covers "
                f"{self.wavelengths_um[0]:.9g}-{self.wavelengths_um[-1]:.9g} um in {self.wavelengths_um.size} "
                f"points (nearest {self.wavelengths_um[k]:.9g} um)")
        return self.s[k]


def touchstone_ports(path: str | os.PathLike) -> int | None:
    """N of a ``.sNp`` file name, or None if the name is not ``*.sNp``."""
    m = _SUFFIX.match(Path(path).suffix)
    return int(m.group(1)) if m else None


def check_touchstone_path(path: str | os.PathLike, n_ports: int) -> None:
    """Raise unless ``path`` ends in ``.s{n_ports}p`` and its folder exists."""
    n = touchstone_ports(path)
    if n != n_ports:
        raise TouchstoneError(f"{path}: a circuit with {n_ports} external ports is written as "
                              f"'.s{n_ports}p', not {Path(path).suffix or '(no extension)'!r}")
    parent = Path(path).parent
    if not parent.is_dir():
        raise TouchstoneError(f"{path}: directory {str(parent)!r} does not exist")


def write_touchstone(path: str | os.PathLike, wavelengths_um, s, port_names, comment: str = "") -> None:
    """Write ``s[w, p, q]`` over ``wavelengths_um`` (um) as a Touchstone file, atomically."""
    import skrf

    wl = np.atleast_1d(np.asarray(wavelengths_um, float))
    s = np.asarray(s, complex).reshape(wl.size, len(port_names), len(port_names))
    check_touchstone_path(path, len(port_names))
    order = np.argsort(-wl, kind="stable")  # increasing frequency
    freq = skrf.Frequency.from_f(C_M_PER_S / (wl[order] * 1e-6) / 1e9, unit="GHz")
    net = skrf.Network(frequency=freq, s=s[order], z0=50.0, name=Path(path).stem)
    net.port_names = list(port_names)
    net.comments = comment
    text = net.write_touchstone(return_string=True, form="ri", skrf_comment=False,
                                format_spec_A="{:.17g}", format_spec_B="{:.17g}", format_spec_freq="{:.17g}")
    atomic_write_text(path, text)


def read_touchstone(path: str | os.PathLike) -> TouchstoneData:
    """Read a ``.sNp`` file: S over wavelengths (increasing), port names (``port1..`` if unnamed)."""
    import skrf

    path = Path(path)
    if touchstone_ports(path) is None:
        raise TouchstoneError(f"{path}: not a Touchstone file name (expected .s1p, .s2p, ..., .sNp)")
    if path.is_dir():
        raise TouchstoneError(f"{path}: is a directory, not a Touchstone file")
    if not path.is_file():
        raise TouchstoneError(f"{path}: no such file")
    n_ports = touchstone_ports(path)
    kind = _parameter_type(path)
    if kind != "S":
        raise TouchstoneError(f"{path}: holds {kind}-parameters (option line '# ... {kind} ...'); picffm reads "
                              "S-parameters only (an option line such as '# GHz S RI R 50')")
    try:
        net = skrf.Network(str(path))
    except Exception as exc:  # scikit-rf raises many types for malformed files
        why = _count_problem(path, n_ports) or ' '.join(str(exc).split()) or type(exc).__name__
        raise TouchstoneError(f"{path}: cannot read as Touchstone: {why}") from None
    if net.nports != n_ports:
        raise TouchstoneError(f"{path}: holds {net.nports}-port data but its name says {n_ports} ports "
                              f"(.s{n_ports}p); rename it .s{net.nports}p")
    f = np.asarray(net.f, float)
    if f.size == 0:
        raise TouchstoneError(f"{path}: no data: the file has no frequency points")
    if np.any(f <= 0):
        raise TouchstoneError(f"{path}: frequencies must be positive (got {f.size} points)")
    if not np.all(np.isfinite(net.s)):
        raise TouchstoneError(f"{path}: the S-parameters contain non-finite values (nan or inf)")
    wl = C_M_PER_S / f * 1e6
    order = np.argsort(wl, kind="stable")
    names = tuple(net.port_names) if net.port_names and len(net.port_names) == net.nports \
        else tuple(f"port{k + 1}" for k in range(net.nports))
    return TouchstoneData(wl[order], np.asarray(net.s, complex)[order], names, str(path))


def _text_lines(path: Path) -> list[str]:
    try:
        return path.read_text(encoding="utf-8", errors="strict").splitlines()
    except UnicodeDecodeError as exc:
        raise TouchstoneError(f"{path}: cannot read as Touchstone: not a text file ({exc.reason} at byte "
                              f"{exc.start})") from None


#: frequency units, parameter letters and data formats of a Touchstone option line
_UNITS = ("HZ", "KHZ", "MHZ", "GHZ")
_PARAMETERS = ("S", "Y", "Z", "H", "G")
_FORMATS = ("RI", "MA", "DB")


def _parameter_type(path: Path) -> str:
    """The parameter letter of the option line (``S`` when absent); unknown option words are refused."""
    for k, line in enumerate(_text_lines(path)):
        text = line.split("!", 1)[0].strip()
        if not text.startswith("#"):
            continue
        kind, words = "S", text[1:].split()
        for j, token in enumerate(words):
            word = token.upper()
            if word in _PARAMETERS:
                kind = word
            elif word == "R" or word in _UNITS + _FORMATS or (j and words[j - 1].upper() == "R"):
                continue
            else:
                raise TouchstoneError(f"{path}: line {k + 1}: unknown option {token!r} in {text!r}; valid: "
                                      "a frequency unit (Hz, kHz, MHz, GHz), a parameter (S), a format "
                                      "(RI, MA, DB) and R <reference impedance>")
        return kind
    return "S"  # Touchstone's default


def _count_problem(path: Path, n_ports: int) -> str | None:
    """Why a version-1 file's numbers do not make whole frequency points of ``n_ports`` ports, or None."""
    lines = _text_lines(path)
    if any(line.lstrip().startswith("[") for line in lines):
        return None  # Touchstone 2 keywords: leave the diagnosis to scikit-rf
    count = 0
    for line in lines:
        text = line.split("!", 1)[0].strip()
        if not text or text.startswith("#"):
            continue
        for token in text.split():
            try:
                float(token)
            except ValueError:
                return f"{token!r} is not a number (line {lines.index(line) + 1})"
            count += 1
    per_point = 1 + 2 * n_ports * n_ports
    if count and count % per_point == 0:
        return None
    fits = [m for m in range(1, 65) if m != n_ports and count and count % (1 + 2 * m * m) == 0]
    hint = f"; {count} numbers would fit {fits[-1]}-port data (.s{fits[-1]}p)" if fits else ""
    return (f"{count} numbers after the option line are not whole frequency points of {per_point} "
            f"(frequency + {n_ports}x{n_ports} pairs for the {n_ports} ports its name .s{n_ports}p says): "
            f"is the file truncated{hint}?")


def transfer_target(path: str | os.PathLike, inputs, outputs, wavelength_um: float | None = None) -> np.ndarray:
    """``T[outputs, inputs]`` of a ``.sNp`` file at one wavelength, as a programming target.

    The ports are matched by name when the file names every one of ``inputs``
    and ``outputs`` (as picffm writes it); otherwise a file of exactly
    ``len(inputs) + len(outputs)`` ports is read as the inputs first, then
    the outputs, in order (ports 1..N in, N+1..2N out).
    """
    data = read_touchstone(path)
    s = data.at(wavelength_um)
    inputs, outputs = list(inputs), list(outputs)
    names = list(data.port_names)
    if all(p in names for p in inputs + outputs):
        cols = [names.index(p) for p in inputs]
        rows = [names.index(p) for p in outputs]
    elif len(names) == len(inputs) + len(outputs):
        cols = list(range(len(inputs)))
        rows = list(range(len(inputs), len(names)))
    else:
        raise TouchstoneError(
            f"{path}: {len(names)} ports ({', '.join(names[:6])}{', ...' if len(names) > 6 else ''}) match "
            f"neither the netlist's port names nor its {len(inputs)} inputs + {len(outputs)} outputs")
    return s[np.ix_(rows, cols)]

"""PNG plot of a spectrum: transmission |T|^2 in dB against wavelength."""

from __future__ import annotations

import io
import os

import numpy as np

from ..atomic import atomic_write_bytes
from .spectrum import Spectrum

__all__ = ["plot_spectrum", "MAX_CURVES"]

#: paths drawn at most; larger circuits show the paths from their first input
MAX_CURVES = 16


def plot_spectrum(spectrum: Spectrum, path: str | os.PathLike, title: str = "") -> list[tuple[str, str]]:
    """Write a PNG of ``10 log10 |T[out, in]|^2`` against wavelength; return the paths drawn.

    Every input -> output path is drawn when there are at most
    :data:`MAX_CURVES`; otherwise the paths from the first input.
    """
    import matplotlib

    matplotlib.use("Agg", force=False)
    from matplotlib.figure import Figure

    ins, outs = spectrum.input_ports, spectrum.output_ports
    pairs = [(i, o) for i in range(len(ins)) for o in range(len(outs))]
    if len(pairs) > MAX_CURVES:
        pairs = [(0, o) for o in range(min(len(outs), MAX_CURVES))]
    db = spectrum.power_db()
    fig = Figure(figsize=(7.0, 4.0))
    ax = fig.add_subplot()
    wl_nm = spectrum.wavelengths_um * 1e3
    for i, o in pairs:
        y = np.maximum(db[:, o, i], -100.0)  # dark points drawn at -100 dB
        ax.plot(wl_nm, y, lw=1.0, label=f"{ins[i]} -> {outs[o]}")
    ax.set_xlabel("wavelength (nm)")
    ax.set_ylabel("transmission |T|² (dB)")
    ax.set_title(title, fontsize=9)
    ax.grid(alpha=0.3)
    if len(pairs) <= 8:
        ax.legend(fontsize=8)
    fig.tight_layout()
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=110, metadata={"Software": None})
    atomic_write_bytes(path, buf.getvalue())
    return [(ins[i], outs[o]) for i, o in pairs]

"""Detector models: coherent detection of complex fields, direct detection of power.

Fields are in units of sqrt(input power): a unit-norm input vector carries
power 1. Both outputs and monitor taps are read by **coherent detection**
(interference with the laser, which is the phase reference), giving the two
quadratures ``Re y`` and ``Im y`` of every field:

* noise: ``y_meas = y + n`` with ``n`` circular complex Gaussian,
  ``E|n|^2 = thermal**2 + shot**2 * |y|**2``: an additive (thermal /
  electronic) floor plus a shot-noise-like term whose std grows as
  ``|y| = sqrt(power)``; each quadrature gets half the variance;
* ADC: each quadrature is rounded to ``2 * FS / 2**adc_bits`` steps, where
  the full scale ``FS`` is the largest quadrature magnitude of the array read
  in that call (the gain is set per measurement, as an auto-ranging receiver
  would). ``adc_bits = 0`` means no quantisation.

Direct detection (``intensities``) reads ``|y + n|**2`` with the same noise,
quantised to ``FS / 2**adc_bits`` steps with ``FS`` the batch maximum.
"""

from __future__ import annotations

import numpy as np

from ..buffers import BufferPool
from ..simulation import Taps
from .spec import DetectorSpec

__all__ = ["coherent", "coherent_many", "coherent_rows", "coherent_taps", "direct", "quantise"]


def _noisy(y: np.ndarray, spec: DetectorSpec, rng: np.random.Generator) -> np.ndarray:
    if spec.shot == 0 and spec.thermal == 0:
        return y
    # circular complex standard normal: E|z|^2 = 1 (two real normals viewed as one complex)
    return _add_noise(rng.standard_normal(y.shape + (2,)).view(complex)[..., 0], y, spec)


def _add_noise(z: np.ndarray, y: np.ndarray, spec: DetectorSpec) -> np.ndarray:
    """``y + z * std(y)`` in place in ``z`` (circular standard normal ``z``)."""
    if spec.shot:
        std = np.abs(y)
        std *= std
        std *= spec.shot ** 2
        std += spec.thermal ** 2
        np.sqrt(std, out=std)
        std *= np.sqrt(0.5)
        z *= std
    else:
        z *= spec.thermal * np.sqrt(0.5)
    z += y
    return z


def _adc(out: np.ndarray, spec: DetectorSpec) -> np.ndarray:
    """Both quadratures rounded to the ADC grid, full scale = the largest quadrature magnitude."""
    if spec.adc_bits and out.size:
        q = np.ascontiguousarray(out).reshape(-1).view(float)  # (re, im) pairs: one pass over both
        fs = float(np.max(np.abs(q)))
        if fs > 0:
            step = 2.0 * fs / 2 ** spec.adc_bits
            q = np.round(q / step)
            q *= step
            out = q.view(complex).reshape(np.shape(out))
    return out


def coherent_many(ys, spec: DetectorSpec, rng: np.random.Generator) -> list[np.ndarray]:
    """:func:`coherent` for several arrays read in one measurement, noise from one generator call.

    Same statistics as calling :func:`coherent` on each array (the ADC full
    scale is still per array), but a single ``standard_normal`` draw covers
    every value, in the order of ``ys``.
    """
    ys = [np.asarray(y, dtype=complex) for y in ys]
    if spec.shot == 0 and spec.thermal == 0:
        return [_adc(y, spec) for y in ys]
    total = sum(y.size for y in ys)
    z = rng.standard_normal(2 * total).view(complex)
    out, pos = [], 0
    for y in ys:
        zi = z[pos:pos + y.size].reshape(y.shape)
        pos += y.size
        out.append(_adc(_add_noise(zi, y, spec), spec))
    return out


def _adc_in_place(q: np.ndarray, spec: DetectorSpec) -> None:
    """:func:`_adc` on a float array (quadratures) in place: the same values, no temporaries."""
    if spec.adc_bits and q.size:
        fs = float(max(q.max(), -q.min()))  # = max |q|, without an array of magnitudes
        if fs > 0:
            step = 2.0 * fs / 2 ** spec.adc_bits
            q /= step
            np.rint(q, out=q)
            q *= step


def coherent_rows(v: np.ndarray, bounds, spec: DetectorSpec, rng: np.random.Generator, *,
                  out: np.ndarray | None = None) -> np.ndarray:
    """Coherent detection of several arrays stacked as the rows of one ``(R, B)`` array.

    Rows ``bounds[i]:bounds[i + 1]`` are one array, with its own ADC full
    scale. The result is what :func:`coherent_many` returns for those arrays
    (the same numbers, drawn in the same order from ``rng``), as one
    ``(R, B)`` array, with a few array operations whatever the number of
    arrays: the noise is drawn into ``out`` (a C-ordered complex ``(R, B)``
    buffer; a new one if ``None``), which is returned. A noiseless detector
    quantises ``v`` in place and returns it.
    """
    if spec.shot == 0 and spec.thermal == 0:
        res = v
    else:
        res = np.empty(v.shape, complex) if out is None else out
        rng.standard_normal(out=res.reshape(-1).view(float))
        _add_noise(res, v, spec)
    if spec.adc_bits:
        for a, b in zip(bounds[:-1], bounds[1:]):
            _adc_in_place(res[a:b].reshape(-1).view(float), spec)
    return res


def quantise(v: np.ndarray, full_scale: float, bits: int) -> np.ndarray:
    """Round real ``v`` to steps of ``full_scale / 2**(bits-1)`` (a signed ADC over +-full_scale)."""
    if bits == 0 or full_scale <= 0:
        return v
    step = 2.0 * full_scale / 2 ** bits
    return np.round(v / step) * step


def coherent(y: np.ndarray, spec: DetectorSpec, rng: np.random.Generator) -> np.ndarray:
    """Complex fields measured by coherent detection (see module docstring)."""
    y = np.asarray(y, dtype=complex)
    out = _noisy(y, spec, rng)
    if out is y or not out.flags.c_contiguous:  # noiseless: y is the caller's, quantise into a new array
        return _adc(out, spec)
    _adc_in_place(out.reshape(-1).view(float), spec)  # this call's own (contiguous) noise buffer
    return out


def direct(y: np.ndarray, spec: DetectorSpec, rng: np.random.Generator) -> np.ndarray:
    """Powers ``|y + n|**2`` by direct detection (see module docstring)."""
    p = np.abs(_noisy(np.asarray(y, dtype=complex), spec, rng)) ** 2
    if spec.adc_bits and p.size:
        fs = float(p.max())
        if fs > 0:
            step = fs / 2 ** spec.adc_bits
            p = np.round(p / step) * step
    return p


def coherent_taps(taps: Taps, receive, spec: DetectorSpec, rng: np.random.Generator, pool: BufferPool) -> Taps:
    """Coherent detection of every distinct tap array of a pass, all in one measurement.

    ``receive`` applies, in place, what happens between a tap and its
    detector (the reference jitter) to the stacked taps, which this pass
    owns. The noise is drawn into a buffer from ``pool``; the :class:`Taps`
    returned holds views of it.
    """
    arrays = taps.arrays()
    bounds = np.cumsum([0] + [a.shape[0] for a in arrays])
    got = coherent_rows(receive(taps.stacked), bounds, spec, rng, out=pool.get(taps.stacked.shape))
    view = {id(a): got[bounds[i]:bounds[i + 1]] for i, a in enumerate(arrays)}
    return Taps(view[id(taps.theta_before)], view[id(taps.theta_after)], view[id(taps.phi_before)],
                view[id(taps.phi_after)], {c: view[id(v)] for c, v in taps.single_in.items()},
                {c: view[id(v)] for c, v in taps.single_out.items()}, taps.rows, got)

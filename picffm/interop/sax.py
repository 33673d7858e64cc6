"""sax model functions for every picffm component.

``models()`` returns ``{component name: model}`` in sax's convention, so a
picffm netlist (the dict read from any ``*.pic.yml``) evaluates in sax
unchanged::

    import sax, yaml
    from picffm.interop.sax import models
    circuit, _ = sax.circuit(yaml.safe_load(open("netlists/clements_4.pic.yml")), models=models())
    s = circuit()                                   # SDict {(port, port): value}
    s = circuit(wl=numpy.linspace(1.5, 1.6, 101))   # a spectrum

Each model is keyword-only with the component's settings and their picffm
defaults, plus sax's global wavelength ``wl`` (um; ``None``: the element's
design wavelength, as in ``picffm compile``). It returns a reciprocal SDict
over the component's ports o1..o4 (``S[p, q] = S[q, p]``) built from
:mod:`picffm.models`, so picffm and sax evaluate the same maths: for a
two-mode element with 2x2 transfer ``T`` (row/column 0 = mode m, on o1/o4),
``S[o1, o4] = T00, S[o2, o4] = T01, S[o1, o3] = T10, S[o2, o3] = T11``; a
single-mode element has ``S[o1, o2] = t``; a splitter or combiner
``S[o1, o2] = S[o1, o3] = t`` (``S[o2, o3] = 0``); a terminator ``S[o1, o1] = 0``.
No element reflects. Unknown settings raise ``TypeError`` naming the valid
ones (a typo is never silently ignored); a value outside its range (a
coupling above 1, a wavelength outside 0.1-20 um, NaN) raises
``ValueError`` naming it, where it would otherwise give NaN entries.

The models evaluate with numpy and return ``jax.numpy`` arrays: they work with
every sax backend but cannot be traced by ``jax.jit`` or ``jax.grad`` (use
picffm's own gradients for training). The arrays are complex128 whatever the
import order: the first model evaluation switches jax to 64-bit
(``jax_enable_x64``), as importing sax itself does (through klujax); without it
a model run before ``import sax`` returned complex64, about 7 digits.
"""

from __future__ import annotations

import inspect
from pathlib import Path
from typing import Callable

import numpy as np

from ..components import COMPONENTS, Component

__all__ = ["models", "model", "touchstone_model"]

# (port a, port b, T row, T col) for a two-mode element: S[a, b] = S[b, a] = T[row, col]
_TWO_MODE = (("o1", "o4", 0, 0), ("o2", "o4", 0, 1), ("o1", "o3", 1, 0), ("o2", "o3", 1, 1))


#: um: the wavelengths a model evaluates at (as ``picffm sweep --wavelength``)
WAVELENGTH_RANGE_UM = (0.1, 20.0)


def model(name: str) -> Callable[..., dict]:
    """The sax model of one picffm component (see the module docstring)."""
    if name not in COMPONENTS:
        raise KeyError(f"no picffm component {name!r}; valid: {', '.join(sorted(COMPONENTS))}")
    comp = COMPONENTS[name]
    params = [inspect.Parameter("wl", inspect.Parameter.KEYWORD_ONLY, default=None)]
    params += [inspect.Parameter(s.name, inspect.Parameter.KEYWORD_ONLY, default=s.default)
               for s in comp.settings]
    valid = ("wl",) + comp.setting_names

    def sax_model(**kwargs) -> dict:
        bad = [k for k in kwargs if k not in valid]
        if bad:
            raise TypeError(f"picffm {name} model: unknown setting {bad[0]!r}; valid: {', '.join(valid)}")
        _check_values(name, comp, kwargs)
        values = comp.defaults()
        values.update(kwargs)
        return _sdict(comp, values)

    sax_model.__name__ = name
    sax_model.__qualname__ = name
    sax_model.__doc__ = f"picffm {name} ({comp.doc}) as a sax model; settings: " + ", ".join(
        s.describe() for s in comp.settings) + "; wl: wavelength (um), None = design wavelength."
    sax_model.__signature__ = inspect.Signature(params)
    return sax_model


def _check_values(name: str, comp: Component, kwargs: dict) -> None:
    """Raise ValueError naming the first setting (scalar or array) out of its range, or a bad ``wl``.

    A coupling above 1 would otherwise give NaN entries, and a negative wavelength a meaningless phase.
    """
    for key, value in kwargs.items():
        if value is None and key == "wl":
            continue
        if key == "wl":
            low, high, what = *WAVELENGTH_RANGE_UM, "wl (wavelength, um)"
        else:
            setting = comp.setting(key)
            if setting.type is bool:
                continue
            low, high, what = setting.low, setting.high, setting.describe()
        try:
            a = np.asarray(value, dtype=float)
        except (TypeError, ValueError):
            raise ValueError(f"picffm {name} model: {key} = {value!r} is not a number; valid: {what}") from None
        ok = np.isfinite(a) & (a >= low) & (a <= high)
        if not np.all(ok):
            bad = float(a.flat[int(np.argmin(ok.ravel()))])
            raise ValueError(f"picffm {name} model: {key} = {bad:g} is out of range; valid: {what}"
                             + (f" in [{low:g}, {high:g}]" if key == "wl" else ""))


def models() -> dict[str, Callable[..., dict]]:
    """``{component: sax model}`` for every picffm component."""
    return {name: model(name) for name in COMPONENTS}


def _jnp():
    """``jax.numpy`` with 64-bit types enabled (sax depends on jax; imported only when a model runs)."""
    import jax

    if not jax.config.jax_enable_x64:
        jax.config.update("jax_enable_x64", True)
    import jax.numpy as jnp

    return jnp


def _sdict(comp: Component, values: dict) -> dict:
    jnp = _jnp()

    wl = values.pop("wl", None)
    kwargs = {k: (np.asarray(v, bool) if comp.setting(k).type is bool else np.asarray(v, float))
              for k, v in values.items()}
    if not comp.outputs:  # terminator: absorbs
        zero = np.zeros(np.shape(wl) if wl is not None else (), dtype=complex)
        return {("o1", "o1"): jnp.asarray(zero)}
    m = comp.model(**kwargs, wl_um=None if wl is None else np.asarray(wl, float))
    out = {}
    if len(comp.ports) == 3:  # splitter / combiner
        for k, q in ((0, "o2"), (1, "o3")):
            v = jnp.asarray(m[..., k])
            out[("o1", q)] = v
            out[(q, "o1")] = v
    elif comp.n_modes == 2:
        for a, b, i, j in _TWO_MODE:
            v = jnp.asarray(m[..., i, j])
            out[(a, b)] = v
            out[(b, a)] = v
    else:
        v = jnp.asarray(m)
        out[("o1", "o2")] = v
        out[("o2", "o1")] = v
    return out


def touchstone_model(path) -> Callable[..., dict]:
    """A sax model from a measured or simulated Touchstone file (``.sNp``).

    The model's ports are the file's port names (``port1..`` when unnamed);
    ``S[(p, q)]`` is the file's ``S[q, p]``, the wave out of q for a wave into
    p (sax's (from, to) keys). ``wl`` (um) must lie inside the file's range;
    between points every entry is interpolated linearly in its real and
    imaginary parts (sample the file finely enough for its resonances). A
    single-point file needs ``wl=None`` or that wavelength.
    """
    from .touchstone import TouchstoneError, read_touchstone

    data = read_touchstone(path)
    wl0, s, names = data.wavelengths_um, data.s, data.port_names

    def sax_model(*, wl=None) -> dict:
        jnp = _jnp()

        if wl is None or wl0.size == 1:
            if wl is not None and not np.allclose(wl, wl0[0], rtol=1e-9, atol=0):
                raise TouchstoneError(f"{path}: one frequency point at {wl0[0]:.9g} um; cannot evaluate at {wl}")
            vals = np.broadcast_to(s[0], np.shape(wl or 0.0) + s.shape[1:]) if wl is not None else s[0]
        else:
            w = np.asarray(wl, float)
            if np.any(w < wl0[0] * (1 - 1e-12)) or np.any(w > wl0[-1] * (1 + 1e-12)):
                raise TouchstoneError(f"{path}: wl outside the file's {wl0[0]:.9g}-{wl0[-1]:.9g} um")
            flat = s.reshape(s.shape[0], -1)
            re = np.stack([np.interp(w, wl0, flat[:, k].real) for k in range(flat.shape[1])], axis=-1)
            im = np.stack([np.interp(w, wl0, flat[:, k].imag) for k in range(flat.shape[1])], axis=-1)
            vals = (re + 1j * im).reshape(w.shape + s.shape[1:])
        return {(p, q): jnp.asarray(vals[..., j, i]) for i, p in enumerate(names) for j, q in enumerate(names)}

    sax_model.__name__ = f"touchstone_{Path(str(path)).stem}"
    sax_model.__doc__ = f"S-parameters read from {path} ({len(names)} ports, {wl0.size} points)"
    return sax_model

"""The electronics of the network: the nonlinearity between chips and the readout after the last one.

Between two chips the detected complex fields ``z`` (after the electronic
gain) go through an electronic nonlinearity ``a = f(z)`` that drives the
next chip's IQ modulators. After the last chip, the detected powers of
``C`` chosen output ports (one per class) times a fixed gain are the
logits. :class:`Electronics` holds both; every method, the loss, the
accuracy and the deployment use the same one (``TrainConfig.electronics``).

**Nonlinearities** (:data:`NONLINEARITIES`), each with its exact Wirtinger
backward ``dL/dz* = conj(g) da/dz* + g conj(da/dz)`` for a real loss ``L``
and ``g = dL/da*``:

* ``tanh`` (default): ``tanh(Re z) + 1j tanh(Im z)``, a limiting amplifier on
  each quadrature;
* ``identity``: ``a = z``, the linear network (a control: what the nonlinearity adds);
* ``crelu``: ``max(Re z, 0) + 1j max(Im z, 0)``, a rectifier on each
  quadrature (CReLU, Trabelsi et al., ICLR 2018; its derivative at 0 is taken as 0);
* ``modtanh``: ``tanh(|z|) z / |z|``, a saturating amplifier on the modulus
  that keeps the phase (what a saturable gain or a limiting amplitude
  stage does; small fields pass unchanged, large ones saturate at 1);
* ``softsat``: ``z / (1 + |z|)``, a softer saturation of the modulus, phase kept.

**Readout ports** (:func:`readout_ports`): a rule or an explicit list of
``C`` distinct ports in ``0 .. N-1``; class ``k`` is read at ``ports[k]``.
``first`` (default): ``0 .. C-1``; ``spread``: evenly spaced over the whole
output, ``ports[k] = floor(k (N - 1) / (C - 1) + 1/2)`` (both edge ports
included).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Sequence

import numpy as np

from ..errors import ConfigError

__all__ = ["Nonlinearity", "NONLINEARITIES", "get_nonlinearity", "READOUT_RULES", "readout_ports",
           "parse_readout", "Electronics"]


@dataclass(frozen=True, eq=False)
class Nonlinearity:
    """An electronic nonlinearity ``a = f(z)``, elementwise on complex fields.

    Attributes:
        name: registry name.
        formula: ``f(z)`` in words (docs and help).
        forward: ``f``, ``(N, B)`` complex -> ``(N, B)`` complex.
        backward: ``(z, g) -> dL/dz*`` with ``g = dL/da*`` (Wirtinger, real loss).
    """

    name: str
    formula: str
    forward: Callable[[np.ndarray], np.ndarray]
    backward: Callable[[np.ndarray, np.ndarray], np.ndarray]


def _tanh(z):
    return np.tanh(z.real) + 1j * np.tanh(z.imag)


def _tanh_back(z, g):
    # each quadrature is a real function: dL/dRe z = tanh'(Re z) dL/dRe a, dL/dz* = (dL/dRe z + 1j dL/dIm z) / 2
    return (1.0 - np.tanh(z.real) ** 2) * g.real + 1j * (1.0 - np.tanh(z.imag) ** 2) * g.imag


def _identity(z):
    return z.copy()


def _identity_back(z, g):
    return g.copy()


def _crelu(z):
    return np.maximum(z.real, 0.0) + 1j * np.maximum(z.imag, 0.0)


def _crelu_back(z, g):
    return (z.real > 0) * g.real + 1j * ((z.imag > 0) * g.imag)


def _radial(z):
    """``r = |z|`` and ``e = z / r`` (0 where ``z = 0``)."""
    r = np.abs(z)
    return r, np.where(r > 0, z / np.where(r > 0, r, 1.0), 0.0)


def _radial_back(g, e, u, s):
    """Backward of ``a = u(r) z`` (``r = |z|``, ``e = z / r``), with ``s = r u'(r) / 2``.

    ``da/dz = u + s`` and ``da/dz* = s e^2`` (both real-coefficient), so
    ``dL/dz* = s e^2 conj(g) + (u + s) g``.
    """
    return s * e * e * np.conj(g) + (u + s) * g


def _modtanh_us(z):
    r, e = _radial(z)
    t = np.tanh(r)
    u = np.where(r > 0, t / np.where(r > 0, r, 1.0), 1.0)  # tanh(r) / r -> 1
    return e, u, 0.5 * (1.0 - t * t - u)  # s = r u'(r) / 2 = (sech^2 r - u) / 2 -> 0


def _modtanh(z):
    return _modtanh_us(z)[1] * z


def _modtanh_back(z, g):
    e, u, s = _modtanh_us(z)
    return _radial_back(g, e, u, s)


def _softsat(z):
    return z / (1.0 + np.abs(z))


def _softsat_back(z, g):
    r, e = _radial(z)
    u = 1.0 / (1.0 + r)
    return _radial_back(g, e, u, -0.5 * (r * u) * u)  # s = r u'(r) / 2 = -r / (2 (1 + r)^2)


#: every electronic nonlinearity, by name (the first is the default)
NONLINEARITIES: dict[str, Nonlinearity] = {n.name: n for n in (
    Nonlinearity("tanh", "tanh(Re z) + 1j tanh(Im z)", _tanh, _tanh_back),
    Nonlinearity("identity", "z (linear network)", _identity, _identity_back),
    Nonlinearity("crelu", "max(Re z, 0) + 1j max(Im z, 0)", _crelu, _crelu_back),
    Nonlinearity("modtanh", "tanh(|z|) z / |z| (phase kept)", _modtanh, _modtanh_back),
    Nonlinearity("softsat", "z / (1 + |z|) (phase kept)", _softsat, _softsat_back),
)}


def get_nonlinearity(name: str) -> Nonlinearity:
    """The registered :class:`Nonlinearity` ``name``; an unknown name raises one line listing the valid ones."""
    try:
        return NONLINEARITIES[name]
    except (KeyError, TypeError):
        raise ConfigError(f"unknown nonlinearity {name!r}; valid: {', '.join(NONLINEARITIES)}") from None


#: named readout rules
READOUT_RULES = ("first", "spread")


def parse_readout(value, name: str = "readout") -> str | tuple[int, ...]:
    """A readout option as given (a rule name, ``"0,5,10"``, or a sequence of ints) -> rule or port tuple.

    Only the form is checked here; :func:`readout_ports` checks the ports
    against the classes and the modes. ``name``: the option named in messages.
    """
    if isinstance(value, str):
        text = value.strip()
        if text in READOUT_RULES:
            return text
        try:
            return tuple(int(p) for p in text.split(","))
        except ValueError:
            raise ConfigError(f"{name} {value!r} is invalid; valid: {', '.join(READOUT_RULES)}, or a comma list "
                              "of output ports (e.g. 0,5,10)") from None
    if isinstance(value, (list, tuple)) and all(isinstance(p, (int, np.integer)) and not isinstance(p, bool)
                                                for p in value):
        return tuple(int(p) for p in value)
    raise ConfigError(f"{name} {value!r} is invalid; valid: {', '.join(READOUT_RULES)}, or a list of output ports")


def readout_ports(readout, n_classes: int, n_modes: int, name: str = "readout") -> tuple[int, ...]:
    """The output port read for every class (class ``k`` at ``ports[k]``); see the module docstring.

    Explicit ports must be ``n_classes`` distinct integers in ``0 .. n_modes-1``;
    otherwise one line naming the option (``name``) and what would be valid.
    """
    spec = parse_readout(readout, name)
    c, n = int(n_classes), int(n_modes)
    if spec == "first":
        return tuple(range(c))
    if spec == "spread":
        return tuple(int(np.floor(k * (n - 1) / (c - 1) + 0.5)) for k in range(c)) if c > 1 else (0,)
    text = ",".join(str(p) for p in spec)
    if len(spec) != c:
        raise ConfigError(f"{name} {text} names {len(spec)} ports for {c} classes; valid: {c} distinct ports "
                          f"in 0..{n - 1}, or {' / '.join(READOUT_RULES)}")
    bad = [p for p in spec if not 0 <= p < n]
    if bad:
        raise ConfigError(f"{name} {text}: port {bad[0]} is not an output port of {n}-mode cores; valid: "
                          f"0..{n - 1}")
    if len(set(spec)) != len(spec):
        dup = next(p for p in spec if spec.count(p) > 1)
        raise ConfigError(f"{name} {text} reads port {dup} twice; valid: {c} distinct ports in 0..{n - 1}")
    return tuple(spec)


@dataclass(frozen=True, eq=False)
class Electronics:
    """What the electronics between and after the chips do.

    Attributes:
        nonlinearity: the :class:`Nonlinearity` between layers.
        ports: ``(C,)`` output port of the last layer read for each class.
        readout_gain: logits are ``readout_gain * |z_L[ports[k]]|^2``.
    """

    nonlinearity: Nonlinearity
    ports: np.ndarray
    readout_gain: float

    @classmethod
    def make(cls, nonlinearity: str = "tanh", ports: Sequence[int] = (0, 1, 2),
             readout_gain: float = 10.0) -> "Electronics":
        p = np.asarray(ports, dtype=np.intp)
        if p.ndim != 1 or p.size < 1 or np.unique(p).size != p.size or np.any(p < 0):
            raise ConfigError(f"readout ports {list(ports)} are invalid; valid: distinct ports >= 0")
        p.setflags(write=False)
        return cls(get_nonlinearity(nonlinearity), p, float(readout_gain))

    @property
    def n_classes(self) -> int:
        return int(self.ports.size)

    @property
    def rows(self) -> slice | np.ndarray:
        """The read rows as an index: a slice for consecutive ports (a view with the layout of the
        fields, so sums over the classes round as they always did), else the port array."""
        p = self.ports
        if np.array_equal(p, np.arange(p[0], p[0] + p.size)):
            return slice(int(p[0]), int(p[0]) + p.size)
        return p

    def logits(self, z_out: np.ndarray) -> np.ndarray:
        """``(C, B)`` logits of the last layer's fields ``z_out`` ``(N, B)``."""
        zk = z_out[self.rows]
        return self.readout_gain * (zk.real ** 2 + zk.imag ** 2)

"""What a trainer optimises: one flat vector with named views per layer (:class:`ParamVector`).

A trainer's parameters, the gradients it measures and its optimiser state
are each one 1-D numpy array laid out by a :class:`VectorLayout`: ``layers``
repetitions of the same named blocks. Phase-space methods use
:func:`phase_layout` (per layer the tied phases of the symmetric core,
``u_theta, u_phi, att_theta, att_psi`` in rad, which is the order of
:meth:`picffm.parameters.Params.tied`, then the electronic gain); matrix-level
methods use :func:`matrix_layout` (per layer the complex symmetric weight
``w``, ``N x N``). The optimisers (:mod:`picffm.training.optim`) step the flat
array; :meth:`ParamVector.view` and :meth:`ParamVector.layer` give the
per-layer blocks as views that write through.
"""

from __future__ import annotations

from dataclasses import dataclass
from math import prod

import numpy as np

from ..errors import ConfigError

__all__ = ["VectorLayout", "ParamVector", "phase_layout", "matrix_layout"]


@dataclass(frozen=True)
class VectorLayout:
    """``layers`` repetitions of the blocks ``fields`` (``(name, shape)``) in a vector of ``dtype``."""

    fields: tuple[tuple[str, tuple[int, ...]], ...]
    layers: int
    dtype: str = "float64"

    @property
    def layer_size(self) -> int:
        return sum(prod(shape) for _, shape in self.fields)

    @property
    def size(self) -> int:
        return self.layers * self.layer_size

    def slice(self, layer: int, name: str) -> slice:
        """Where block ``name`` of ``layer`` sits in the flat vector."""
        if not 0 <= layer < self.layers:
            raise ConfigError(f"layer {layer} out of range; this vector has {self.layers}")
        start = layer * self.layer_size
        for n, shape in self.fields:
            if n == name:
                return slice(start, start + prod(shape))
            start += prod(shape)
        raise ConfigError(f"no block {name!r}; valid: {', '.join(n for n, _ in self.fields)}")

    def zeros(self) -> "ParamVector":
        return ParamVector(self, np.zeros(self.size, dtype=self.dtype))

    def pack(self, layers: list[dict]) -> "ParamVector":
        """A vector from per-layer ``{name: array}`` (every block given, shapes as the layout's)."""
        if len(layers) != self.layers:
            raise ConfigError(f"{len(layers)} layers given; this layout has {self.layers}")
        parts = [np.asarray(blocks[n], dtype=self.dtype).reshape(-1) for blocks in layers for n, _ in self.fields]
        return ParamVector(self, np.concatenate(parts))


class ParamVector:
    """A flat parameter (or gradient) vector and its layout; see the module docstring."""

    __slots__ = ("layout", "values")

    def __init__(self, layout: VectorLayout, values: np.ndarray):
        values = np.asarray(values)
        if values.shape != (layout.size,):
            raise ConfigError(f"vector of shape {values.shape}; this layout needs ({layout.size},)")
        self.layout, self.values = layout, values

    def view(self, layer: int, name: str) -> np.ndarray:
        """Block ``name`` of ``layer``, in its shape (a view)."""
        shape = dict(self.layout.fields)[name] if name in dict(self.layout.fields) else ()
        return self.values[self.layout.slice(layer, name)].reshape(shape)

    def layer(self, layer: int) -> dict[str, np.ndarray]:
        """``{name: view}`` of every block of ``layer``."""
        return {n: self.view(layer, n) for n, _ in self.layout.fields}

    def blocks(self, name: str) -> list[np.ndarray]:
        """Block ``name`` of every layer (views), e.g. the per-layer weights of a matrix-level vector."""
        return [self.view(layer, name) for layer in range(self.layout.layers)]

    def layer_vector(self, layer: int, exclude: tuple[str, ...] = ()) -> np.ndarray:
        """``layer``'s values in layout order, without the blocks ``exclude`` (a copy if any is excluded)."""
        if exclude:
            return np.concatenate([self.values[self.layout.slice(layer, n)] for n, _ in self.layout.fields
                                   if n not in exclude])
        n = self.layout.layer_size
        return self.values[layer * n:(layer + 1) * n]

    def replace(self, values: np.ndarray) -> "ParamVector":
        """The same layout with other values."""
        return ParamVector(self.layout, values)

    def copy(self) -> "ParamVector":
        return ParamVector(self.layout, self.values.copy())

    def __repr__(self) -> str:
        return f"ParamVector({self.layout.layers} layers x {[n for n, _ in self.layout.fields]}, {self.values.dtype})"


def phase_layout(n_mzi: int, n_att: int, layers: int) -> VectorLayout:
    """Per layer: ``u_theta, u_phi`` (``n_mzi`` each), ``att_theta, att_psi`` (``n_att`` each), ``gain`` (1)."""
    return VectorLayout((("u_theta", (n_mzi,)), ("u_phi", (n_mzi,)), ("att_theta", (n_att,)),
                         ("att_psi", (n_att,)), ("gain", (1,))), layers)


def matrix_layout(n_modes: int, layers: int) -> VectorLayout:
    """Per layer: the complex weight ``w`` (``n_modes x n_modes``)."""
    return VectorLayout((("w", (n_modes, n_modes)),), layers, "complex128")

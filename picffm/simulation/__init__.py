"""Evaluate a compiled schedule: transfer matrix, batch propagation, monitor taps.

All functions are vectorised over the elements of a column and over a batch
of input vectors; the only Python loop runs over columns (stages). Fields are
complex amplitudes; a batch is an array ``(N, B)`` of B column vectors (a
single vector ``(N,)`` is accepted too). ``y = T @ x`` with ``T[out, in]``.

One concept per module:

* :mod:`~picffm.simulation.circuit`: :class:`Circuit`, a compiled circuit
  evaluated for any settings (matrix, propagation, internal fields, taps);
* :mod:`~picffm.simulation.propagation`: the element matrices of a setting
  and the column walk that applies them to a state (numpy, and the inputs of
  the compiled walk :func:`picffm.compiled.matrix_walk`);
* :mod:`~picffm.simulation.taps`: :class:`Taps`, the fields at the MZI phase
  shifters, and the pass that records them.
"""

from __future__ import annotations

from .circuit import COMPILED_MIN_MODES, Circuit
from .propagation import _apply, _element_ops, _run, _stacked, _transposed, _two_and_one, element_matrices
from .taps import TAP_READS, Taps

__all__ = ["Circuit", "Taps", "element_matrices", "TAP_READS", "COMPILED_MIN_MODES"]

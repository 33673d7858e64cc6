"""The compiled, feed-forward form of a netlist: :class:`Stage` and :class:`Schedule`."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Mapping

import numpy as np

from ..components import COMPONENTS
from ..elements import ElementTable
from ..netlist import Netlist
from ..parameters import Params, as_params

__all__ = ["Stage", "Schedule"]


@dataclass(frozen=True)
class Stage:
    """One column step: elements of one component on disjoint modes.

    Attributes:
        component: component name (all elements of the stage share it).
        start, stop: slice of the component's elements (table order, see
            :meth:`picffm.elements.ElementTable.elements`).
        modes: ``(k,)`` mode of each single-mode element, or ``(k, 2)`` modes
            of rows 0 and 1 of each two-mode element.
        column: the column the stage belongs to (the one column-position rule,
            :func:`_centred_columns`; also :attr:`ElementTable.column`).
        offset: if not ``None``, the elements sit on the contiguous modes
            ``offset, offset+1, ...`` (pairs ``(offset+2j, offset+2j+1)``),
            which allows a reshape instead of a gather.
    """

    component: str
    start: int
    stop: int
    modes: np.ndarray
    column: int
    offset: int | None

    @property
    def n_modes(self) -> int:
        return COMPONENTS[self.component].n_modes

    def __len__(self) -> int:
        return self.stop - self.start


@dataclass(frozen=True, eq=False)
class Schedule:
    """The compiled, feed-forward form of a netlist.

    Attributes:
        netlist: the source netlist.
        n_modes: number of modes N (inputs = outputs = N).
        input_ports, output_ports: external port names; input k feeds mode k.
        output_modes: mode read by each output port.
        stages: stages in propagation order.
        table: the element table (element order = stage order, mirror twins,
            columns, value layout).
    """

    netlist: Netlist
    n_modes: int
    input_ports: tuple[str, ...]
    output_ports: tuple[str, ...]
    output_modes: np.ndarray
    stages: tuple[Stage, ...]
    table: ElementTable

    @property
    def n_columns(self) -> int:
        return 1 + max(s.column for s in self.stages)

    @property
    def names(self) -> Mapping[str, tuple[str, ...]]:
        """component -> instance names, in element (stage) order."""
        return self.table.by_component

    def params(self, params: Any = None) -> Params:
        """:class:`Params` of this circuit: the netlist's values, overridden by ``params``.

        ``params``: ``None``, a :class:`Params` of this netlist, a parameter
        file (path or :class:`~picffm.params.ParamFile`) or a mapping
        ``{instance: {setting: value}}``; bad entries raise ParamsError.
        """
        return as_params(self.table, params)


def _offset(modes: np.ndarray) -> int | None:
    """First mode if the elements cover consecutive modes in order, else None."""
    flat = modes.reshape(-1)
    if np.array_equal(flat, np.arange(flat[0], flat[0] + flat.size)):
        return int(flat[0])
    return None

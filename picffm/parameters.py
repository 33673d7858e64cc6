"""One parameter type for a compiled circuit: :class:`Params`.

A :class:`Params` is an :class:`~picffm.elements.ElementTable` and one flat
float vector of every setting value (units of the settings: phases in rad,
loss in dB, lengths in um). Every layer uses it: both simulation routes
evaluate it, programming returns it, a chip's ``program`` accepts it (or a
parameter file) as it is, the heater vector of a chip is its programmable
slice, trainers step its tied view, parameter files are written from it and
read back into it.

Views (all write through to the one vector):

* :meth:`Params.component` -- ``{key: array}`` over a component's elements
  (what the element models take);
* :meth:`Params.instance` / :meth:`Params.update` -- by instance name;
* :attr:`Params.programmable` -- the heater phases, ``values[:n_programmable]``;
* :meth:`Params.tied` / :meth:`Params.set_tied` -- programmable values with
  every mirror copy tied to its source: setting the tied view writes both
  twins.

Parameter files record the netlist they belong to (name and content hash,
:func:`picffm.elements.netlist_identity`); :func:`params_from_file` refuses a
file written for another netlist with one line.
"""

from __future__ import annotations

import os
from typing import Any, Mapping

import numpy as np

from .components import COMPONENTS
from .elements import ElementTable
from .errors import ParamsError
from .params import ParamFile, load_params, save_params

__all__ = ["Params", "params_from_file", "as_params"]


class Params:
    """Values of every float setting of a compiled circuit (see module docstring).

    Args:
        table: the circuit's element table.
        values: ``(table.size,)`` values; default: the netlist's own.
    """

    __slots__ = ("table", "values")

    def __init__(self, table: ElementTable, values: np.ndarray | None = None):
        self.table = table
        if values is None:
            self.values = table.defaults.copy()
        else:
            v = np.array(values, dtype=float)
            if v.shape != (table.size,):
                raise ParamsError(f"parameter vector of shape {v.shape}; this circuit needs ({table.size},)")
            self.values = v

    def copy(self) -> "Params":
        return Params(self.table, self.values)

    def __repr__(self) -> str:
        return (f"Params({self.table.netlist_name!r}: {len(self.table)} elements, {self.table.size} values, "
                f"{self.table.n_programmable} programmable)")

    # ---------------------------------------------------------------- views
    def component(self, component: str) -> dict[str, np.ndarray]:
        """``{key: array}`` of a component's settings (views; booleans are read-only structure)."""
        t = self.table
        out = {b.key: self.values[b.start:b.stop] for b in t.blocks if b.component == component}
        out.update(t.flags.get(component, {}))
        return out

    def instance(self, name: str) -> dict[str, float]:
        """``{key: value}`` of one instance's float settings."""
        self._check_instance(name)
        comp, i = self.table.position(name)
        return {k: float(self.values[self.table.block(comp, k).start + i]) for k in self.table.keys(comp)}

    @property
    def programmable(self) -> np.ndarray:
        """The programmable values (one per heater, rad): a view of ``values[:n_programmable]``."""
        return self.values[:self.table.n_programmable]

    @property
    def fixed(self) -> np.ndarray:
        """The fixed (fabrication) values: a view of ``values[n_programmable:]``."""
        return self.values[self.table.n_programmable:]

    def tied(self) -> np.ndarray:
        """Programmable values without the mirror copies (a copy; ``table.n_tied`` values)."""
        return self.programmable[self.table.tied_entries]

    def set_tied(self, tied: np.ndarray) -> "Params":
        """Write the tied view: every source and its mirror copy get the same value."""
        tied = np.asarray(tied, dtype=float)
        if tied.shape != (self.table.n_tied,):
            raise ParamsError(f"tied parameters of shape {tied.shape}; this circuit has ({self.table.n_tied},)")
        self.programmable[:] = tied[self.table.tie_index]
        return self

    def set_programmable(self, values: np.ndarray) -> "Params":
        """Write the programmable part (checked: shape and finite values)."""
        values = np.asarray(values, dtype=float)
        if values.shape != (self.table.n_programmable,):
            raise ParamsError(f"programmable values of shape {values.shape}; this circuit has "
                              f"({self.table.n_programmable},)")
        if not np.all(np.isfinite(values)):
            bad = int(np.argmin(np.isfinite(values)))
            raise ParamsError(f"programmable value {bad} is not finite ({values[bad]})")
        self.programmable[:] = values
        return self

    # ------------------------------------------------------- by instance name
    def update(self, params: Mapping[str, Mapping[str, Any]] | None, *, programmable_only: bool = False,
               where: str = "") -> "Params":
        """Set values from ``{instance: {setting: value}}`` (the parameter-file form), in place.

        Every value is checked with :meth:`picffm.components.Setting.check`;
        an unknown instance or setting, a wrong type, a value out of range or
        (with ``programmable_only``) a fabrication setting raises
        :class:`ParamsError` naming it; nothing is written then.
        """
        if not params:
            return self
        if not isinstance(params, Mapping):
            raise ParamsError(where + f"parameters must be a mapping instance -> {{setting: value}}, "
                                      f"got {type(params).__name__}")
        t = self.table
        pos, vals = [], []
        for name, values in params.items():
            self._check_instance(name, where)
            comp, i = t.position(name)
            spec = COMPONENTS[comp]
            if not isinstance(values, Mapping):
                raise ParamsError(where + f"parameters of {name!r} must be a mapping {{setting: value}}, "
                                          f"got {type(values).__name__}")
            for key, value in values.items():
                if key not in spec.setting_names:
                    raise ParamsError(where + f"instance {name!r} ({comp}) has no setting {key!r}; "
                                              f"valid: {', '.join(spec.setting_names)}")
                s = spec.setting(key)
                try:
                    v = s.check(value)
                except ValueError as exc:
                    raise ParamsError(where + f"instance {name!r}: {exc}") from None
                if s.type is bool:
                    if v != bool(t.flags[comp][key][i]):
                        raise ParamsError(where + f"instance {name!r}: {key!r} is structure (the netlist says "
                                                  f"{bool(t.flags[comp][key][i])}); it cannot be changed here")
                    continue
                if programmable_only and not s.programmable:
                    raise ParamsError(where + f"instance {name!r}: {key!r} is not programmable (fabrication); "
                                              f"programmable: {', '.join(t.keys(comp, True)) or 'none'}")
                pos.append(t.block(comp, key).start + i)
                vals.append(v)
        self.values[np.array(pos, dtype=int)] = vals
        return self

    def to_mapping(self, *, programmable_only: bool = True) -> dict[str, dict[str, float]]:
        """``{instance: {setting: value}}`` (the parameter-file form), elements in table order."""
        t = self.table
        out: dict[str, dict[str, float]] = {}
        for name in t.names:
            comp, i = t.position(name)
            keys = t.keys(comp, True if programmable_only else None)
            if keys:
                out[name] = {k: float(self.values[t.block(comp, k).start + i]) for k in keys}
        return out

    def save(self, path: str | os.PathLike, info: Mapping[str, Any] | None = None, *,
             programmable_only: bool = True) -> ParamFile:
        """Write a parameter file (YAML or JSON by extension) recording this netlist."""
        return save_params(path, self.to_mapping(programmable_only=programmable_only), info,
                           netlist={"name": self.table.netlist_name, "sha256": self.table.netlist_hash})

    def _check_instance(self, name: Any, where: str = "") -> None:
        if name not in self.table.index:
            names = self.table.names
            raise ParamsError(where + f"parameter for unknown instance {name!r}; the netlist has {len(names)} "
                                      f"instances such as {', '.join(names[:4])}")


def params_from_file(table: ElementTable, pf: ParamFile | str | os.PathLike, *,
                     programmable_only: bool = False) -> Params:
    """The netlist's values overridden by a parameter file (path or :class:`ParamFile`).

    A file that records another netlist (a different content hash) is
    refused with one line naming the file and both netlists.
    """
    if not isinstance(pf, ParamFile):
        pf = load_params(pf)
    where = f"{pf.source}: " if pf.source else ""
    rec = pf.netlist
    if rec and rec.get("sha256") != table.netlist_hash:
        raise ParamsError(where + f"written for netlist {rec.get('name')!r} (sha256 {str(rec.get('sha256'))[:12]}), "
                                  f"not for this netlist {table.describe()}")
    return Params(table).update(pf.params, programmable_only=programmable_only, where=where)


def as_params(table: ElementTable, params: Any, *, programmable_only: bool = False) -> Params:
    """Normalise what a user passes to a circuit or a chip into :class:`Params` of ``table``.

    Accepted: ``None`` (the netlist's values), a :class:`Params` of the same
    netlist (returned as it is), a :class:`~picffm.params.ParamFile` or a
    path to one, or a mapping ``{instance: {setting: value}}``.
    """
    if params is None:
        return Params(table)
    if isinstance(params, Params):
        if not params.table.compatible(table):
            raise ParamsError(f"these parameters belong to netlist {params.table.describe()}, "
                              f"not to {table.describe()}")
        return params
    if isinstance(params, (ParamFile, str, os.PathLike)):
        return params_from_file(table, params, programmable_only=programmable_only)
    if isinstance(params, Mapping):
        return Params(table).update(params, programmable_only=programmable_only)
    raise ParamsError(f"expected Params, a parameter file or a mapping instance -> {{setting: value}}, "
                      f"got {type(params).__name__}")

"""The element table of a compiled circuit: structure as data.

An :class:`ElementTable` is built once per compiled netlist
(:func:`picffm.schedule.element_table`). It lists every element (instance)
with its component, its settings split into *programmable* keys (the phases a
user or a trainer sets: :attr:`picffm.components.Setting.programmable`) and
*fixed* keys (coupling ratios, losses, lengths: fabrication), its **mirror
twin** and the **column** it sits in. Nothing downstream parses instance
names: mirror twins come from the netlist's ``info.mirror_twins`` (written by
the mesh generators, checked here), columns from the schedule.

**Element order.** Elements are grouped by component; the order is the
schedule's (stage by stage) for a feed-forward netlist and component then
instance name otherwise. It never depends on the order in which a netlist
file lists its instances, and both simulation routes use it.

**Value layout.** The values of a circuit are one flat float vector
(:class:`picffm.parameters.Params`), made of blocks ``(component, key)`` over
that component's elements in table order: every programmable block first
(component by component, keys in the component's order), then every fixed
block. So the programmable part -- one value per heater -- is the contiguous
slice ``values[:n_programmable]``. Boolean settings (``mirror``) are
structure, not values: they live in :attr:`ElementTable.flags`.

**Netlist identity.** :attr:`ElementTable.netlist_hash` is the SHA-256 of the
netlist's canonical content without the programmable settings' values
(instances with their components and fixed settings, connections in any
order, ports, placements, info), so re-ordering a file or changing its
phases keeps the hash, while a different circuit or a different coupler
changes it. Parameter files record it (:mod:`picffm.parameters`).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Mapping, Sequence

import numpy as np

from .components import COMPONENTS
from .errors import CompileError
from .netlist import Netlist

__all__ = ["Block", "ElementTable", "build_table", "mirror_twins", "netlist_identity", "MIRROR_TWINS_KEY"]

#: ``info`` key of a netlist listing mirror twins: {copy instance: source instance}
MIRROR_TWINS_KEY = "mirror_twins"


@dataclass(frozen=True)
class Block:
    """One block of the value vector: setting ``key`` of every ``component`` element.

    ``values[start:stop]`` holds it, in the component's table order.
    """

    component: str
    key: str
    start: int
    stop: int
    programmable: bool


@dataclass(frozen=True, eq=False)
class ElementTable:
    """Elements of a compiled circuit and the layout of its value vector.

    Attributes:
        names: instance name of every element, in table order.
        components: component of every element.
        column: ``(E,)`` schedule column of every element (-1 when the
            netlist has no feed-forward schedule).
        twin: ``(E,)`` index of the element's mirror twin, -1 if none (the
            relation is symmetric: ``twin[twin[e]] == e``).
        is_copy: ``(E,)`` true for the mirror copy of a pair (the ``ut_*``
            half of a symmetric core), false for its source and for every
            element without a twin.
        blocks: value-vector blocks (programmable first).
        n_programmable: length of the programmable part of the vector.
        defaults: ``(P,)`` the netlist's own values.
        flags: component -> boolean setting -> ``(n,)`` array (structure).

    Derived on construction: ``index`` (instance -> element index) and
    ``by_component`` (component -> instance names in element order). Treat
    every attribute as read-only (arrays are flagged so).
        netlist_name, netlist_hash: identity of the netlist (module docstring);
            the hash is computed on first use (compiling does not need it).
        netlist: the netlist the table was built from (``None`` in a table
            that was pickled: it keeps its hash instead).
    """

    names: tuple[str, ...]
    components: tuple[str, ...]
    column: np.ndarray
    twin: np.ndarray
    is_copy: np.ndarray
    blocks: tuple[Block, ...]
    n_programmable: int
    defaults: np.ndarray
    flags: Mapping[str, Mapping[str, np.ndarray]]
    netlist_name: str
    netlist: Netlist = field(repr=False)

    @property
    def netlist_hash(self) -> str:
        """sha256 of the netlist's content (module docstring), computed on first use."""
        digest = self.__dict__.get("_netlist_hash")
        if digest is None:
            digest = netlist_identity(self.netlist)[1]
            object.__setattr__(self, "_netlist_hash", digest)
        return digest

    @property
    def order_digest(self) -> str:
        """sha256 of the element order (instance names), computed on first use: :meth:`compatible` in O(1)."""
        digest = self.__dict__.get("_order_digest")
        if digest is None:
            digest = hashlib.sha256("\n".join(self.names).encode()).hexdigest()
            object.__setattr__(self, "_order_digest", digest)
        return digest

    def __getstate__(self):
        state = self.__dict__.copy()
        state["_netlist_hash"] = self.netlist_hash  # a pickled table carries its identity, not its netlist
        state["netlist"] = None
        return state

    def __post_init__(self):
        index = {n: i for i, n in enumerate(self.names)}
        comps: dict[str, list[int]] = {}
        for i, c in enumerate(self.components):
            comps.setdefault(c, []).append(i)
        first = {c: v[0] for c, v in comps.items()}
        object.__setattr__(self, "index", index)
        object.__setattr__(self, "by_component", {c: tuple(self.names[i] for i in v) for c, v in comps.items()})
        object.__setattr__(self, "_first", first)
        object.__setattr__(self, "_block", {(b.component, b.key): b for b in self.blocks})
        # programmable entries -> element; tied (free) entries and the tie map
        prog = [b for b in self.blocks if b.programmable]
        entry_elem = np.concatenate([np.arange(b.stop - b.start) + first[b.component] for b in prog]) \
            if prog else np.zeros(0, dtype=int)
        copy = self.is_copy[entry_elem] if entry_elem.size else np.zeros(0, dtype=bool)
        entry_of = np.arange(self.n_programmable)
        src_entry = entry_of.copy()
        for b in prog:
            k = np.arange(b.start, b.stop)
            elems = k - b.start + first[b.component]
            c = self.is_copy[elems]
            src_entry[k[c]] = b.start + self.twin[elems[c]] - first[b.component]
        free = np.nonzero(~copy)[0]
        pos_in_free = np.full(self.n_programmable, -1, dtype=int)
        pos_in_free[free] = np.arange(free.size)
        object.__setattr__(self, "tied_entries", free)
        object.__setattr__(self, "tie_index", pos_in_free[src_entry])
        object.__setattr__(self, "twin_entries", (src_entry[copy], np.nonzero(copy)[0]))

    # ------------------------------------------------------------ elements
    @property
    def size(self) -> int:
        """Length of the value vector."""
        return int(self.defaults.size)

    def __len__(self) -> int:
        return len(self.names)

    def position(self, name: str) -> tuple[str, int]:
        """``(component, position among that component's elements)`` of an instance."""
        e = self.index[name]
        c = self.components[e]
        return c, e - self._first[c]

    def elements(self, component: str) -> slice:
        """Element indices of a component (a contiguous range of the table)."""
        n = len(self.by_component.get(component, ()))
        start = self._first.get(component, 0)
        return slice(start, start + n)

    def keys(self, component: str, programmable: bool | None = None) -> tuple[str, ...]:
        """Float setting keys of a component present in the vector (optionally only (non-)programmable)."""
        return tuple(b.key for b in self.blocks if b.component == component
                     and (programmable is None or b.programmable == programmable))

    def block(self, component: str, key: str) -> Block:
        """The value-vector block of one setting of one component (KeyError if absent)."""
        return self._block[(component, key)]

    def entry(self, name: str, key: str) -> int:
        """Position of instance ``name``'s setting ``key`` in the value vector."""
        c, i = self.position(name)
        return self._block[(c, key)].start + i

    def twin_pairs(self, component: str) -> tuple[np.ndarray, np.ndarray]:
        """``(source, copy)`` positions among a component's elements of its mirror pairs."""
        sl = self.elements(component)
        copies = np.nonzero(self.is_copy[sl])[0]
        return self.twin[sl][copies] - sl.start, copies

    # ---------------------------------------------------------- programmable
    @property
    def n_tied(self) -> int:
        """Length of the tied view: programmable values not on a mirror copy."""
        return int(self.tied_entries.size)

    def programmable_blocks(self) -> tuple[Block, ...]:
        return tuple(b for b in self.blocks if b.programmable)

    def compatible(self, other: "ElementTable") -> bool:
        """Same netlist content and same element order (values can be shared)."""
        return other is self or (other.netlist_hash == self.netlist_hash and other.order_digest == self.order_digest)

    def describe(self) -> str:
        """Short label for messages: ``name (sha256 abcd1234...)``."""
        return f"{self.netlist_name!r} (sha256 {self.netlist_hash[:12]})"


def mirror_twins(netlist: Netlist) -> dict[str, str]:
    """``{copy: source}`` from ``info.mirror_twins``, checked (CompileError names the culprit).

    Both instances must exist, be of the same component, differ, and each
    instance may belong to one pair only.
    """
    where = f"{netlist.source}: " if netlist.source else ""
    raw = (netlist.info or {}).get(MIRROR_TWINS_KEY) or {}
    if not isinstance(raw, Mapping):
        raise CompileError(where + f"info.{MIRROR_TWINS_KEY} must be a mapping copy -> source instance")
    seen: set[str] = set()
    out = {}
    for copy, src in raw.items():
        for name in (copy, src):
            if not isinstance(name, str) or name not in netlist.instances:
                raise CompileError(where + f"info.{MIRROR_TWINS_KEY}: no instance {name!r}")
            if name in seen:
                raise CompileError(where + f"info.{MIRROR_TWINS_KEY}: instance {name!r} is in two mirror pairs")
            seen.add(name)
        if copy == src:
            raise CompileError(where + f"info.{MIRROR_TWINS_KEY}: instance {copy!r} is its own twin")
        ca, cb = netlist.instances[copy].component, netlist.instances[src].component
        if ca != cb:
            raise CompileError(where + f"info.{MIRROR_TWINS_KEY}: {copy!r} ({ca}) and {src!r} ({cb}) "
                               "are different components")
        out[copy] = src
    return out


def netlist_identity(netlist: Netlist) -> tuple[str, str]:
    """``(name, sha256)`` of a netlist (see module docstring)."""
    return _netlist_name(netlist), _netlist_digest(netlist)


def _netlist_digest(netlist: Netlist) -> str:
    doc = netlist.to_dict()
    for inst in doc["instances"].values():
        comp = COMPONENTS[inst["component"]]
        inst["settings"] = {k: v for k, v in inst["settings"].items() if not comp.setting(k).programmable}
    doc["connections"] = sorted(sorted(pair) for pair in doc["connections"].items())
    text = json.dumps(doc, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _netlist_name(netlist: Netlist) -> str:
    info = netlist.info or {}
    if netlist.source:
        name = Path(netlist.source).name
    elif "kind" in info and "n" in info:
        name = f"{info['kind']}_{info['n']}"
    else:
        name = "netlist"
    return name


def build_table(netlist: Netlist, order: Sequence[str], column: Mapping[str, int] | None = None) -> ElementTable:
    """Element table of ``netlist`` with elements in ``order`` (grouped by component).

    Args:
        order: every instance name once, elements of one component contiguous.
        column: instance -> schedule column (omitted: -1 for all).
    """
    names = tuple(order)
    comps = tuple(netlist.instances[n].component for n in names)
    index = {n: i for i, n in enumerate(names)}
    twin = np.full(len(names), -1, dtype=int)
    is_copy = np.zeros(len(names), dtype=bool)
    for copy, src in mirror_twins(netlist).items():
        a, b = index[copy], index[src]
        twin[a], twin[b] = b, a
        is_copy[a] = True
    col = np.array([column[n] for n in names] if column else [-1] * len(names), dtype=int)
    groups: dict[str, list[str]] = {}
    for n, c in zip(names, comps):
        groups.setdefault(c, []).append(n)
    blocks: list[Block] = []
    values: list[np.ndarray] = []
    flags: dict[str, dict[str, np.ndarray]] = {}
    for programmable in (True, False):
        for comp_name, members in groups.items():
            settings = None
            for s in COMPONENTS[comp_name].settings:
                if (programmable if s.type is bool else s.programmable != programmable):
                    continue  # read in the other pass (or never)
                if settings is None:
                    settings = [netlist.instances[n].settings for n in members]
                col_vals = [d.get(s.name, s.default) for d in settings]
                if s.type is bool:
                    flags.setdefault(comp_name, {})[s.name] = np.array(col_vals, dtype=bool)
                    continue
                start = sum(len(v) for v in values)
                values.append(np.array(col_vals, dtype=float))
                blocks.append(Block(comp_name, s.name, start, start + len(members), programmable))
    n_prog = sum(b.stop - b.start for b in blocks if b.programmable)
    defaults = np.concatenate(values) if values else np.zeros(0)
    defaults.flags.writeable = False
    for f in flags.values():
        for arr in f.values():
            arr.flags.writeable = False
    col.flags.writeable = False
    twin.flags.writeable = False
    is_copy.flags.writeable = False
    return ElementTable(names, comps, col, twin, is_copy, tuple(blocks), n_prog, defaults, flags,
                        _netlist_name(netlist), netlist)

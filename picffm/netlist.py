"""Netlists: the structure of a circuit, validated at the file boundary.

The format is the subset of the sax / gdsfactory netlist that both read
(docs/conventions.md §8)::

    instances:            # name -> {component, settings}
      mzi_c0_m0: {component: mzi, settings: {theta: 0.5, phi: 0.0}}
    connections:          # "inst,port": "inst,port"
      mzi_c0_m0,o3: mzi_c1_m1,o1
    ports:                # external port -> "inst,port"
      in0: mzi_c0_m0,o1
    placements: {}        # optional: inst -> {x, y, rotation, mirror} (um, deg)
    info: {}              # picffm metadata (mesh kind, size, ...)

gdsfactory's spellings are read too: ``nets`` (a list of ``{p1: "inst,port",
p2: "inst,port"}``, gdsfactory's form of ``connections``) and a free-form
``info`` mapping per instance (kept and written back). Netlists that use PDK
cell names go through :mod:`picffm.interop.gdsfactory` first.

Files are YAML (``*.pic.yml``, ``*.yml``, ``*.yaml``) or JSON (``*.json``),
chosen by extension. :func:`load_netlist` rejects, with one message naming the
file, the instance or port and the valid choices: unknown keys, unknown
components, unknown or ill-typed settings, references to ports that do not
exist, ports connected twice, dangling instance ports, duplicate external
ports, non-identifier instance names, empty or non-mapping documents and
unparsable files.

The circuit's inputs are the external ports bound to instance *input* ports,
in the order they appear under ``ports``; likewise the outputs. Mesh
generators name them ``in0..in{N-1}`` and ``out0..out{N-1}``: mode ``k``
enters at ``in{k}`` and leaves at ``out{k}``.
"""

from __future__ import annotations

import math
import os
import re
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, Mapping

from . import documents
from .atomic import atomic_write_bytes, atomic_write_text  # noqa: F401 (re-exported)
from .components import COMPONENTS, Component
from .documents import JSON_SUFFIXES, YAML_SUFFIXES  # noqa: F401 (re-exported)
from .errors import NetlistError

__all__ = [
    "Instance",
    "Netlist",
    "load_netlist",
    "save_netlist",
    "netlist_json_schema",
    "atomic_write_text",
]

TOP_LEVEL_KEYS = ("instances", "connections", "nets", "ports", "placements", "info")
PLACEMENT_KEYS = ("x", "y", "rotation", "mirror")
#: instance and port names; always used with ``fullmatch`` (``$`` would accept a trailing newline)
_IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_IDENT_PATTERN = "^" + _IDENT.pattern + "$"  # JSON schema form (ECMA-262 ``$`` is the true end)


@dataclass(frozen=True)
class Instance:
    """One instance: a component name, its (validated) settings and free-form info."""

    component: str
    settings: Mapping[str, Any] = field(default_factory=dict)
    info: Mapping[str, Any] = field(default_factory=dict)

    def full_settings(self) -> dict[str, Any]:
        """Settings with the component defaults filled in."""
        out = COMPONENTS[self.component].defaults()
        out.update(self.settings)
        return out


@dataclass(frozen=True, eq=False)
class Netlist:
    """A validated netlist. Build it with :meth:`from_dict` or :func:`load_netlist`."""

    instances: Mapping[str, Instance]
    connections: Mapping[str, str]
    ports: Mapping[str, str]
    placements: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    info: Mapping[str, Any] = field(default_factory=dict)
    source: str | None = None

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Netlist):
            return NotImplemented
        return self.to_dict() == other.to_dict()

    @property
    def input_ports(self) -> tuple[str, ...]:
        """External ports bound to instance input ports, in file order."""
        return tuple(p for p, ref in self.ports.items() if _is_input(self, ref))

    @property
    def output_ports(self) -> tuple[str, ...]:
        """External ports bound to instance output ports, in file order."""
        return tuple(p for p, ref in self.ports.items() if not _is_input(self, ref))

    def to_dict(self) -> dict:
        """Plain-data form (what is written to YAML/JSON)."""
        out: dict[str, Any] = {
            "instances": {
                name: {"component": inst.component, "settings": dict(inst.settings),
                       **({"info": _plain(inst.info)} if inst.info else {})}
                for name, inst in self.instances.items()
            },
            "connections": dict(self.connections),
            "ports": dict(self.ports),
        }
        if self.placements:
            out["placements"] = {k: dict(v) for k, v in self.placements.items()}
        if self.info:
            out["info"] = _plain(self.info)
        return out

    @classmethod
    def from_dict(cls, doc: Any, source: str | None = None) -> "Netlist":
        """Validate a plain-data document and build a :class:`Netlist`."""
        return _validate(doc, source)

    def with_settings(self, params: Mapping[str, Mapping[str, Any]]) -> "Netlist":
        """A copy whose instance settings are updated from ``params`` (validated)."""
        doc = self.to_dict()
        for name, values in params.items():
            if name not in doc["instances"]:
                raise NetlistError(_where(self.source) + f"no instance {name!r} to set; "
                                   f"instances include {_few(doc['instances'])}")
            doc["instances"][name]["settings"].update(values)
        return _validate(doc, self.source)


def _is_input(net: Netlist, ref: str) -> bool:
    inst, port = ref.split(",")
    return port in COMPONENTS[net.instances[inst].component].inputs


# ----------------------------------------------------------------- validation


def _where(source: str | None) -> str:
    return f"{source}: " if source else ""


def _few(names, k: int = 8) -> str:
    names = list(names)
    s = ", ".join(map(str, names[:k]))
    return s + (f", ... ({len(names)} in all)" if len(names) > k else "")


def _validate(doc: Any, source: str | None) -> Netlist:
    w = _where(source)
    if doc is None or (isinstance(doc, Mapping) and not doc):
        raise NetlistError(w + "empty netlist: expected a mapping with 'instances', 'connections' and 'ports'")
    if not isinstance(doc, Mapping):
        raise NetlistError(w + f"a netlist must be a mapping, got {type(doc).__name__}")
    unknown = [k for k in doc if k not in TOP_LEVEL_KEYS]
    if unknown:
        raise NetlistError(w + f"unknown top-level key {unknown[0]!r}; valid keys: {', '.join(TOP_LEVEL_KEYS)}")
    if "instances" not in doc:
        raise NetlistError(w + "missing 'instances'")
    raw_instances = _mapping(doc.get("instances"), "instances", w)
    if not raw_instances:
        raise NetlistError(w + "'instances' is empty: a netlist needs at least one instance")
    instances: dict[str, Instance] = {}
    for name, raw in raw_instances.items():
        instances[name] = _instance(name, raw, w)

    def parse_ref(ref: Any, what: str) -> tuple[str, str]:
        if not isinstance(ref, str) or ref.count(",") != 1:
            raise NetlistError(w + f"{what}: {ref!r} is not of the form 'instance,port'")
        inst, port = (s.strip() for s in ref.split(","))
        if inst not in instances:
            raise NetlistError(w + f"{what}: no instance {inst!r}; instances include {_few(instances)}")
        comp = COMPONENTS[instances[inst].component]
        if port not in comp.ports:
            raise NetlistError(
                w + f"{what}: instance {inst!r} ({comp.name}) has no port {port!r}; "
                f"its ports are {', '.join(comp.ports)}"
            )
        return inst, port

    used: dict[tuple[str, str], str] = {}

    def use(key: tuple[str, str], what: str) -> None:
        if key in used:
            raise NetlistError(w + f"port '{key[0]},{key[1]}' is connected twice ({used[key]} and {what})")
        used[key] = what

    connections: dict[str, str] = {}
    pairs = list(_mapping(doc.get("connections", {}), "connections", w).items()) + _nets(doc.get("nets"), w)
    for a, b in pairs:
        ka, kb = parse_ref(a, f"connection {a!r}"), parse_ref(b, f"connection {a!r}: {b!r}")
        if ka == kb:
            raise NetlistError(w + f"connection {a!r} connects a port to itself")
        use(ka, f"connection {a!r}")
        use(kb, f"connection {a!r}")
        connections[f"{ka[0]},{ka[1]}"] = f"{kb[0]},{kb[1]}"

    ports: dict[str, str] = {}
    for pname, ref in _mapping(doc.get("ports", {}), "ports", w).items():
        if not isinstance(pname, str) or not _IDENT.fullmatch(pname):
            raise NetlistError(w + f"external port name {pname!r} is not an identifier (letters, digits, _)")
        k = parse_ref(ref, f"external port {pname!r}")
        use(k, f"external port {pname!r}")
        ports[pname] = f"{k[0]},{k[1]}"

    for name, inst in instances.items():
        comp = COMPONENTS[inst.component]
        dangling = [p for p in comp.ports if (name, p) not in used]
        if dangling:
            raise NetlistError(
                w + f"instance {name!r} ({comp.name}): port {dangling[0]!r} is not connected and is not "
                "an external port; connect it, list it under 'ports', or end it with a terminator"
            )

    placements: dict[str, dict] = {}
    for name, raw in _mapping(doc.get("placements", {}) or {}, "placements", w).items():
        if name not in instances:
            raise NetlistError(w + f"placements: no instance {name!r}")
        raw = _mapping(raw, f"placements of {name!r}", w)
        bad = [k for k in raw if k not in PLACEMENT_KEYS]
        if bad:
            raise NetlistError(w + f"placements of {name!r}: unknown key {bad[0]!r}; valid: {', '.join(PLACEMENT_KEYS)}")
        for key, value in raw.items():
            if key == "mirror":
                ok = isinstance(value, bool)
            else:
                ok = isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)
            if not ok:
                want = "true or false" if key == "mirror" else "a finite number (" + ("deg" if key == "rotation" else "um") + ")"
                raise NetlistError(w + f"placements of {name!r}: {key!r} must be {want}, got {value!r}")
        placements[name] = dict(raw)
    info = _mapping(doc.get("info", {}) or {}, "info", w)
    documents.check_tree(info, w + "info", NetlistError)  # free-form: bounded (no alias bomb), plain types only
    return Netlist(
        instances=MappingProxyType(instances),
        connections=MappingProxyType(connections),
        ports=MappingProxyType(ports),
        placements=MappingProxyType(placements),
        info=MappingProxyType(dict(info)),
        source=source,
    )


def _nets(value: Any, w: str) -> list[tuple[Any, Any]]:
    """gdsfactory's ``nets: [{p1: "inst,port", p2: "inst,port"}, ...]`` as connection pairs."""
    if value is None:
        return []
    if not isinstance(value, list):
        raise NetlistError(w + f"'nets' must be a list of {{p1, p2}} mappings, got {type(value).__name__}")
    out = []
    for k, net in enumerate(value):
        if not isinstance(net, Mapping) or set(net) != {"p1", "p2"}:
            raise NetlistError(w + f"nets[{k}]: expected a mapping with exactly p1 and p2 ('inst,port'), got {net!r}")
        out.append((net["p1"], net["p2"]))
    return out


def _mapping(value: Any, what: str, w: str) -> Mapping:
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise NetlistError(w + f"'{what}' must be a mapping, got {type(value).__name__}")
    return value


def _instance(name: Any, raw: Any, w: str) -> Instance:
    if not isinstance(name, str) or not _IDENT.fullmatch(name):
        raise NetlistError(
            w + f"instance name {name!r} is not an identifier: use letters, digits and '_', "
            "not starting with a digit (names become GDS cell and label names)"
        )
    if not isinstance(raw, Mapping):
        raise NetlistError(w + f"instance {name!r} must be a mapping with 'component' and 'settings'")
    bad = [k for k in raw if k not in ("component", "settings", "info")]
    if bad:
        raise NetlistError(w + f"instance {name!r}: unknown key {bad[0]!r}; valid: component, settings, info")
    cname = raw.get("component")
    if not isinstance(cname, str) or cname not in COMPONENTS:
        raise NetlistError(
            w + f"instance {name!r}: unknown component {cname!r}; valid components: {', '.join(sorted(COMPONENTS))}"
        )
    comp = COMPONENTS[cname]
    settings = raw.get("settings") or {}
    if not isinstance(settings, Mapping):
        raise NetlistError(w + f"instance {name!r}: 'settings' must be a mapping")
    info = _mapping(raw.get("info"), f"info of instance {name!r}", w)
    return Instance(cname, MappingProxyType({k: _setting(name, comp, k, v, w) for k, v in settings.items()}),
                    MappingProxyType(dict(info)))


def _setting(name: str, comp: Component, key: Any, value: Any, w: str):
    if key not in comp.setting_names:
        valid = ", ".join(s.describe() for s in comp.settings) or "none"
        raise NetlistError(w + f"instance {name!r} ({comp.name}): unknown setting {key!r}; valid settings: {valid}")
    try:
        return comp.setting(key).check(value)  # the one check of a setting value (also parameters and chips)
    except ValueError as exc:
        raise NetlistError(w + f"instance {name!r}: {exc}") from None


def _plain(obj: Any) -> Any:
    if isinstance(obj, Mapping):
        return {k: _plain(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_plain(v) for v in obj]
    return obj


# ------------------------------------------------------------------------- I/O


def read_document(path: str | os.PathLike, what: str = "netlist") -> Any:
    """Parse a netlist-like YAML or JSON file (by extension); problems raise :class:`NetlistError`."""
    return documents.read_document(path, what, NetlistError)


def load_netlist(path: str | os.PathLike) -> Netlist:
    """Load and validate a netlist file (YAML or JSON, chosen by extension)."""
    return Netlist.from_dict(read_document(path), source=str(path))


def dump_document(doc: Any, path: str | os.PathLike) -> str:
    """Serialise plain data as YAML or JSON according to the file extension."""
    return documents.dump_document(doc, path, NetlistError)


def save_netlist(netlist: Netlist, path: str | os.PathLike) -> None:
    """Write a netlist as YAML or JSON (by extension), atomically."""
    atomic_write_text(path, dump_document(netlist.to_dict(), path))


def netlist_json_schema() -> dict:
    """JSON schema (draft 2020-12) of the netlist format, generated from the registry."""
    inst_variants = []
    for comp in COMPONENTS.values():
        props = {}
        for s in comp.settings:
            if s.type is bool:
                props[s.name] = {"type": "boolean", "default": s.default, "description": s.doc}
            else:
                props[s.name] = {
                    "type": "number", "default": s.default, "minimum": s.low, "maximum": s.high,
                    "description": f"{s.doc} [{s.unit}]".strip(),
                }
                if math.isinf(s.low):
                    del props[s.name]["minimum"]
                if math.isinf(s.high):
                    del props[s.name]["maximum"]
        inst_variants.append({
            "type": "object",
            "description": comp.doc,
            "properties": {
                "component": {"const": comp.name},
                "settings": {"type": "object", "properties": props, "additionalProperties": False},
                "info": {"type": "object", "description": "free-form metadata (e.g. the gdsfactory cell)"},
            },
            "required": ["component"],
            "additionalProperties": False,
        })
    ref = {"type": "string", "pattern": r"^[A-Za-z_][A-Za-z0-9_]*,o[1-4]$"}
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": "https://picffm.dev/schema/netlist.json",
        "title": "picffm netlist",
        "type": "object",
        "properties": {
            "instances": {
                "type": "object",
                "propertyNames": {"pattern": _IDENT_PATTERN},
                "additionalProperties": {"oneOf": inst_variants},
                "minProperties": 1,
            },
            "connections": {"type": "object", "propertyNames": ref, "additionalProperties": ref},
            "nets": {
                "type": "array",
                "description": "gdsfactory's form of connections",
                "items": {"type": "object", "properties": {"p1": ref, "p2": ref},
                          "required": ["p1", "p2"], "additionalProperties": False},
            },
            "ports": {"type": "object", "propertyNames": {"pattern": _IDENT_PATTERN}, "additionalProperties": ref},
            "placements": {
                "type": "object",
                "additionalProperties": {
                    "type": "object",
                    "properties": {"x": {"type": "number", "description": "um"},
                                   "y": {"type": "number", "description": "um"},
                                   "rotation": {"type": "number", "description": "deg"},
                                   "mirror": {"type": "boolean"}},
                    "additionalProperties": False,
                },
            },
            "info": {"type": "object", "description": "picffm metadata"},
        },
        "required": ["instances"],
        "additionalProperties": False,
    }

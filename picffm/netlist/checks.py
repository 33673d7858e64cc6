"""Validation of a netlist document at the file boundary: every problem is one message naming the culprit.

:func:`check_document` turns plain data (the file form) into the fields of a
:class:`~picffm.netlist.Netlist`, rejecting unknown keys, unknown components,
unknown or ill-typed settings, references to ports that do not exist, ports
connected twice, dangling instance ports, duplicate external ports,
non-identifier names and empty or non-mapping documents.
"""

from __future__ import annotations

import math
import re
from types import MappingProxyType
from typing import Any, Mapping

from .. import documents
from ..components import COMPONENTS
from ..errors import NetlistError
from .instance import Instance

__all__ = ["check_document", "where", "few", "TOP_LEVEL_KEYS", "PLACEMENT_KEYS", "IDENT", "IDENT_PATTERN"]

TOP_LEVEL_KEYS = ("instances", "connections", "nets", "ports", "placements", "info")
PLACEMENT_KEYS = ("x", "y", "rotation", "mirror")
#: instance and port names; always used with ``fullmatch`` (``$`` would accept a trailing newline)
IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
IDENT_PATTERN = "^" + IDENT.pattern + "$"  # JSON schema form (ECMA-262 ``$`` is the true end)


def where(source: str | None) -> str:
    return f"{source}: " if source else ""


def few(names, k: int = 8) -> str:
    names = list(names)
    s = ", ".join(map(str, names[:k]))
    return s + (f", ... ({len(names)} in all)" if len(names) > k else "")


def check_document(doc: Any, source: str | None) -> dict[str, Any]:
    """The fields of a :class:`~picffm.netlist.Netlist` (all but ``source``) from a plain-data document, validated."""
    w = where(source)
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
    ports_of: dict[str, frozenset[str]] = {}  # instance -> its component's ports
    for name, raw in raw_instances.items():
        inst = instances[name] = _instance(name, raw, w)
        ports_of[name] = _PORTS[inst.component]

    def exact(ref: Any) -> str | None:
        """``ref`` itself when it names an instance port exactly (the common case), else None."""
        if type(ref) is str:
            inst, _, port = ref.partition(",")
            if port in ports_of.get(inst, ()):
                return ref
        return None

    def parse_ref(ref: Any, what: str) -> str:
        """``'inst,port'`` normalised (spaces around the names dropped), or the one-line reason it is not valid."""
        if not isinstance(ref, str) or ref.count(",") != 1:
            raise NetlistError(w + f"{what}: {ref!r} is not of the form 'instance,port'")
        inst, port = (s.strip() for s in ref.split(","))
        if inst not in instances:
            raise NetlistError(w + f"{what}: no instance {inst!r}; instances include {few(instances)}")
        comp = COMPONENTS[instances[inst].component]
        if port not in comp.ports:
            raise NetlistError(
                w + f"{what}: instance {inst!r} ({comp.name}) has no port {port!r}; "
                f"its ports are {', '.join(comp.ports)}"
            )
        return f"{inst},{port}"

    used: dict[str, Any] = {}  # "inst,port" -> what uses it: a connection's key, or ("port", external name)

    def twice(key: str, what: str) -> NetlistError:
        first = used[key]
        first = f"external port {first[1]!r}" if isinstance(first, tuple) else f"connection {first!r}"
        return NetlistError(w + f"port '{key}' is connected twice ({first} and {what})")

    connections: dict[str, str] = {}
    pairs = list(_mapping(doc.get("connections", {}), "connections", w).items()) + _nets(doc.get("nets"), w)
    for a, b in pairs:  # messages are formatted only on a problem
        ka = exact(a) or parse_ref(a, f"connection {a!r}")
        kb = exact(b) or parse_ref(b, f"connection {a!r}: {b!r}")
        if ka == kb:
            raise NetlistError(w + f"connection {a!r} connects a port to itself")
        if ka in used or kb in used:
            raise twice(ka if ka in used else kb, f"connection {a!r}")
        used[ka] = used[kb] = a
        connections[ka] = kb

    ports: dict[str, str] = {}
    for pname, ref in _mapping(doc.get("ports", {}), "ports", w).items():
        if not isinstance(pname, str) or not IDENT.fullmatch(pname):
            raise NetlistError(w + f"external port name {pname!r} is not an identifier (letters, digits, _)")
        k = exact(ref) or parse_ref(ref, f"external port {pname!r}")
        if k in used:
            raise twice(k, f"external port {pname!r}")
        used[k] = ("port", pname)
        ports[pname] = k

    # every key of ``used`` is a distinct port of an instance: all are used when the counts agree
    if len(used) != sum(map(len, ports_of.values())):
        for name, inst in instances.items():
            comp = COMPONENTS[inst.component]
            dangling = [p for p in comp.ports if f"{name},{p}" not in used]
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
    return dict(
        instances=MappingProxyType(instances),
        connections=MappingProxyType(connections),
        ports=MappingProxyType(ports),
        placements=MappingProxyType(placements),
        info=MappingProxyType(dict(info)),
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


#: per component: its ports, and its settings by name
_PORTS = {name: frozenset(comp.ports) for name, comp in COMPONENTS.items()}
_SETTINGS = {name: {s.name: s for s in comp.settings} for name, comp in COMPONENTS.items()}
_NO_INFO: Mapping = MappingProxyType({})
_INSTANCE_KEYS = frozenset(("component", "settings", "info"))


def _instance(name: Any, raw: Any, w: str) -> Instance:
    if type(name) is not str or not IDENT.fullmatch(name):
        raise NetlistError(
            w + f"instance name {name!r} is not an identifier: use letters, digits and '_', "
            "not starting with a digit (names become GDS cell and label names)"
        )
    if type(raw) is not dict and not isinstance(raw, Mapping):
        raise NetlistError(w + f"instance {name!r} must be a mapping with 'component' and 'settings'")
    if not raw.keys() <= _INSTANCE_KEYS:
        bad = [k for k in raw if k not in _INSTANCE_KEYS]
        raise NetlistError(w + f"instance {name!r}: unknown key {bad[0]!r}; valid: component, settings, info")
    cname = raw.get("component")
    if not isinstance(cname, str) or cname not in COMPONENTS:
        raise NetlistError(
            w + f"instance {name!r}: unknown component {cname!r}; valid components: {', '.join(sorted(COMPONENTS))}"
        )
    settings = raw.get("settings") or {}
    if type(settings) is not dict and not isinstance(settings, Mapping):
        raise NetlistError(w + f"instance {name!r}: 'settings' must be a mapping")
    known = _SETTINGS[cname]
    checked = {}
    for key, value in settings.items():
        setting = known.get(key) if isinstance(key, str) else None
        if setting is None:
            comp = COMPONENTS[cname]
            valid = ", ".join(s.describe() for s in comp.settings) or "none"
            raise NetlistError(w + f"instance {name!r} ({cname}): unknown setting {key!r}; valid settings: {valid}")
        try:
            checked[key] = setting.check(value)  # the one check of a setting value (also parameters and chips)
        except ValueError as exc:
            raise NetlistError(w + f"instance {name!r}: {exc}") from None
    info = raw.get("info")
    info = _NO_INFO if info is None else MappingProxyType(dict(_mapping(info, f"info of instance {name!r}", w)))
    return Instance(cname, MappingProxyType(checked), info)

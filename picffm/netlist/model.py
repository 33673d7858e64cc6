"""The validated netlist: :class:`Netlist`, the structure of a circuit (instances, connections, ports, placements)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Mapping

from ..components import COMPONENTS
from ..gcpause import gc_paused
from ..errors import NetlistError
from .checks import check_document, few, where
from .instance import Instance

__all__ = ["Netlist"]


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
                raise NetlistError(where(self.source) + f"no instance {name!r} to set; "
                                   f"instances include {few(doc['instances'])}")
            doc["instances"][name]["settings"].update(values)
        return _validate(doc, self.source)


def _is_input(net: Netlist, ref: str) -> bool:
    inst, port = ref.split(",")
    return port in COMPONENTS[net.instances[inst].component].inputs


def _validate(doc: Any, source: str | None) -> Netlist:
    with gc_paused():  # tens of thousands of small acyclic objects on a large mesh (see gc_paused)
        return Netlist(**check_document(doc, source), source=source)


def _plain(obj: Any) -> Any:
    if isinstance(obj, Mapping):
        return {k: _plain(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_plain(v) for v in obj]
    return obj

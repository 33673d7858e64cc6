"""The result of a layout-versus-netlist check: one :class:`LvsIssue` per difference, gathered in an :class:`LvsReport`."""

from __future__ import annotations

from dataclasses import asdict, dataclass

from .listing import listing

__all__ = ["LvsIssue", "LvsReport"]


@dataclass(frozen=True)
class LvsIssue:
    kind: str
    message: str
    x: float | None = None
    y: float | None = None

    def __str__(self) -> str:
        at = f" at ({self.x:.3f}, {self.y:.3f}) um" if self.x is not None else ""
        return f"{self.message}{at}"

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass(frozen=True)
class LvsReport:
    issues: tuple[LvsIssue, ...]
    instances: int
    connections: int
    ports: int
    heater_ends: int = 0

    @property
    def ok(self) -> bool:
        return not self.issues

    def summary(self) -> str:
        if self.ok:
            pads = f"; {self.heater_ends} heater ends on bond pads of their own" if self.heater_ends else ""
            return (f"LVS clean ({self.instances} instances, {self.connections} connections, "
                    f"{self.ports} chip ports match the netlist{pads})")
        return listing(f"LVS: {len(self.issues)} difference(s)", self.issues)

    def to_dict(self, limit: int = 100) -> dict:
        return {"ok": self.ok, "differences": len(self.issues), "instances": self.instances,
                "connections": self.connections, "ports": self.ports, "heater_ends": self.heater_ends,
                "first": [i.to_dict() for i in self.issues[:limit]]}

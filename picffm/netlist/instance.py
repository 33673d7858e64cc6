"""One instance of a netlist: a component name, its validated settings and free-form info."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Mapping

from ..components import COMPONENTS

__all__ = ["Instance"]


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

"""The JSON schema of the netlist format, generated from the component registry."""

from __future__ import annotations

import math

from ..components import COMPONENTS
from .checks import IDENT_PATTERN

__all__ = ["netlist_json_schema"]


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
                "propertyNames": {"pattern": IDENT_PATTERN},
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
            "ports": {"type": "object", "propertyNames": {"pattern": IDENT_PATTERN}, "additionalProperties": ref},
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

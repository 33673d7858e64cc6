"""Strict JSON parsing: duplicate keys and integers beyond the int64 range refused."""

from __future__ import annotations

import json
from typing import Any

from .tree import MAX_INT, Refused

__all__ = ["parse_json"]


def _json_unique(pairs):
    out = {}
    for k, v in pairs:
        if k in out:
            raise Refused(f"duplicate key {k!r}")
        out[k] = v
    return out


def _json_int(text: str) -> int:
    if len(text.lstrip("-")) > 19:
        raise Refused(f"integer with {len(text.lstrip('-'))} digits is beyond the limit of {MAX_INT} "
                       "(2**63 - 1) in magnitude")
    return int(text)


def parse_json(text: str) -> Any:
    return json.loads(text, object_pairs_hook=_json_unique, parse_int=_json_int)

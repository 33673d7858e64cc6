"""Strict JSON parsing: duplicate keys, integers beyond the int64 range and nesting beyond the limit refused."""

from __future__ import annotations

import json
from typing import Any

from .tree import MAX_DEPTH, MAX_INT, Refused, check_limits

__all__ = ["parse_json"]


def _json_unique(pairs: list) -> dict:
    out = dict(pairs)
    if len(out) != len(pairs):
        seen = set()
        for k, _ in pairs:
            if k in seen:
                raise Refused(f"duplicate key {k!r}")
            seen.add(k)
    return out


def _within_depth(doc: Any) -> bool:
    """Whether mappings and lists nest at most :data:`MAX_DEPTH` levels (one pass per level, containers only)."""
    level = [doc] if type(doc) in (dict, list) else []
    for _ in range(MAX_DEPTH):
        if not level:
            return True
        below = []
        for c in level:
            below += [v for v in (c.values() if type(c) is dict else c) if type(v) is dict or type(v) is list]
        level = below
    return not level


def parse_json(text: str) -> Any:
    """A JSON document as plain data, within the document limits.

    JSON has no aliases, and its decoder gives only text keys and plain types,
    so the limits left are integers (checked as each is read) and depth (one
    pass over the containers). Any breach is then named by
    :func:`~picffm.documents.tree.check_limits`, with the key path.
    """
    beyond = []

    def integer(digits: str) -> int:
        if len(digits.lstrip("-")) > 19:
            raise Refused(f"integer with {len(digits.lstrip('-'))} digits is beyond the limit of {MAX_INT} "
                          "(2**63 - 1) in magnitude")
        value = int(digits)
        if abs(value) > MAX_INT:
            beyond.append(digits)
        return value

    doc = json.loads(text, object_pairs_hook=_json_unique, parse_int=integer)
    if beyond or not _within_depth(doc):
        check_limits(doc)  # raises, naming where
    return doc

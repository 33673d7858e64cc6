"""What a document may hold, and the check of a parsed tree against those limits (see the package docstring)."""

from __future__ import annotations

import math
from typing import Any, Mapping

from ..errors import PicffmError

__all__ = ["DocumentError", "Refused", "MAX_ALIAS_VALUES", "MAX_DEPTH", "MAX_INT", "check_tree", "check_limits",
           "finite_or_none"]


#: deepest nesting of mappings and lists (a netlist needs 4)
MAX_DEPTH = 100
#: largest magnitude of an integer anywhere in a document (int64)
MAX_INT = 2**63 - 1
#: values that YAML aliases may add to a document by repeating anchored parts
MAX_ALIAS_VALUES = 100_000


class DocumentError(PicffmError):
    """A YAML, JSON or TOML file cannot be read as a plain-data document."""


class Refused(Exception):
    """Internal: a document breaks a rule (message without the file name)."""


# --------------------------------------------------------------- tree checks


def check_tree(doc: Any, what: str = "document", error: type[PicffmError] = DocumentError) -> None:
    """Check a plain-data tree against the document limits.

    Raises ``error`` (message starting with ``what``) for
    unsupported types (dates, sets, bytes, ...), non-scalar keys, nesting
    deeper than :data:`MAX_DEPTH`, integers beyond :data:`MAX_INT`, shared or
    recursive parts (YAML aliases) that add more than
    :data:`MAX_ALIAS_VALUES` values, and recursion. The walk visits every
    distinct container once, so a bomb is measured without being expanded.
    """
    try:
        check_limits(doc)
    except Refused as exc:
        raise error(f"{what}: {exc}") from None



def check_limits(doc: Any) -> None:
    """:func:`check_tree` raising :class:`Refused` (a message without the file name, for the readers to prefix)."""
    sizes: dict[int, int] = {}  # id(container) -> values in its expanded form
    open_: set[int] = set()
    distinct = 0  # values visited (a shared container's values once)

    def walk(obj: Any, depth: int, where: str) -> int:
        nonlocal distinct
        if isinstance(obj, bool) or obj is None or isinstance(obj, (str, float)):
            distinct += 1
            return 1
        if isinstance(obj, int):
            if abs(obj) > MAX_INT:
                raise Refused(f"{where or 'value'}: integer with {len(str(abs(obj)))} digits is beyond the "
                               f"limit of {MAX_INT} (2**63 - 1) in magnitude")
            distinct += 1
            return 1
        if not isinstance(obj, (Mapping, list, tuple)):
            raise Refused(f"{where or 'value'}: {_kind(obj)} is not supported; a document holds mappings, "
                           "lists, text, numbers, true/false and null (quote a date to keep it as text)")
        key = id(obj)
        if key in open_:
            raise Refused(f"{where or 'document'}: a recursive alias (a part that contains itself) is not "
                           "supported")
        if key in sizes:
            return sizes[key]
        if depth >= MAX_DEPTH:
            raise Refused(f"{where or 'document'}: nesting deeper than the limit of {MAX_DEPTH} levels")
        open_.add(key)
        distinct += 1
        total = 1
        if isinstance(obj, Mapping):
            for k, v in obj.items():
                if not isinstance(k, (str, int, float, bool)) and k is not None:
                    raise Refused(f"{where or 'document'}: a key must be text or a number, not {_kind(k)}")
                if isinstance(k, int) and not isinstance(k, bool) and abs(k) > MAX_INT:
                    raise Refused(f"{where or 'document'}: integer key with {len(str(abs(k)))} digits is beyond "
                                   f"the limit of {MAX_INT} (2**63 - 1)")
                total += walk(v, depth + 1, f"{where}.{k}" if where else str(k))
        else:
            for i, v in enumerate(obj):
                total += walk(v, depth + 1, f"{where}[{i}]")
        open_.discard(key)
        sizes[key] = total
        if total - distinct > MAX_ALIAS_VALUES:
            raise Refused(f"{where or 'document'}: YAML aliases expand this document by more than the limit of "
                           f"{MAX_ALIAS_VALUES} values (an alias bomb?); write the repeated parts out")
        return total

    walk(doc, 0, "")


def _kind(obj: Any) -> str:
    import datetime

    if isinstance(obj, datetime.datetime):
        return f"a date and time ({obj.isoformat()})"
    if isinstance(obj, datetime.date):
        return f"a date ({obj.isoformat()})"
    if isinstance(obj, datetime.time):
        return f"a time ({obj.isoformat()})"
    if isinstance(obj, (set, frozenset)):
        return "a set"
    if isinstance(obj, (bytes, bytearray)):
        return "binary data"
    if isinstance(obj, (list, tuple)):
        return "a list"
    if isinstance(obj, Mapping):
        return "a mapping"
    return f"a {type(obj).__name__}"


def finite_or_none(obj: Any) -> Any:
    """A copy of plain data with every non-finite float replaced by ``None`` (JSON null)."""
    if isinstance(obj, float):
        return obj if math.isfinite(obj) else None
    if isinstance(obj, Mapping):
        return {k: finite_or_none(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [finite_or_none(v) for v in obj]
    return obj

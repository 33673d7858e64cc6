"""Netlist files: YAML or JSON (by extension), read into a validated :class:`~picffm.netlist.Netlist`, written atomically."""

from __future__ import annotations

import os
from typing import Any

from .. import documents
from ..atomic import atomic_write_text
from ..errors import NetlistError
from .model import Netlist

__all__ = ["read_document", "load_netlist", "dump_document", "save_netlist", "netlist_argument"]


def read_document(path: str | os.PathLike, what: str = "netlist") -> Any:
    """Parse a netlist-like YAML or JSON file (by extension); problems raise :class:`NetlistError`."""
    return documents.read_document(path, what, NetlistError)


def load_netlist(path: str | os.PathLike) -> Netlist:
    """Load and validate a netlist file (YAML or JSON, chosen by extension)."""
    return Netlist.from_dict(read_document(path), source=str(path))


def netlist_argument(value: Any, argument: str = "netlist", also: tuple[type, ...] = (),
                     also_names: str = "") -> Any:
    """A public function's netlist argument: a :class:`Netlist` (or one of ``also``) as it is, a path loaded.

    A path (``str`` or ``os.PathLike``) goes through :func:`load_netlist`;
    anything else is a ``TypeError`` naming ``argument`` and what is valid.
    """
    if isinstance(value, (Netlist, *also)):
        return value
    if isinstance(value, (str, os.PathLike)):
        return load_netlist(value)
    valid = f"a Netlist{', ' + also_names if also_names else ''} or a netlist file path"
    hint = " (a netlist document as a dict: Netlist.from_dict(doc))" if isinstance(value, dict) else ""
    raise TypeError(f"{argument}: expected {valid}, got {type(value).__name__}{hint}")


def dump_document(doc: Any, path: str | os.PathLike) -> str:
    """Serialise plain data as YAML or JSON according to the file extension."""
    return documents.dump_document(doc, path, NetlistError)


def save_netlist(netlist: Netlist, path: str | os.PathLike) -> None:
    """Write a netlist as YAML or JSON (by extension), atomically."""
    atomic_write_text(path, dump_document(netlist.to_dict(), path))

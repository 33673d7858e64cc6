"""Netlist files: YAML or JSON (by extension), read into a validated :class:`~picffm.netlist.Netlist`, written atomically."""

from __future__ import annotations

import os
from typing import Any

from .. import documents
from ..atomic import atomic_write_text
from ..errors import NetlistError
from .model import Netlist

__all__ = ["read_document", "load_netlist", "dump_document", "save_netlist"]


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

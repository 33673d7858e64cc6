"""A pause of Python's cyclic garbage collector while a parser or compiler allocates a large acyclic tree."""

from __future__ import annotations

import gc
from contextlib import contextmanager
from typing import Iterator

__all__ = ["gc_paused"]


@contextmanager
def gc_paused() -> Iterator[None]:
    """Disable the cyclic collector inside the block (re-enabled after it only if it was enabled).

    Reading a large netlist allocates millions of small objects (nodes,
    dicts, strings) that form no reference cycles; the collector would scan
    them again and again as they accumulate, which took most of the parse
    time of a 256-mode mesh. Reference counting still frees everything as
    usual; only cycle detection waits until the block ends.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()

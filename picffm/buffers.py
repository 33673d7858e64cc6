"""Scratch arrays reused between calls once no result refers to them.

Large temporaries are costly less for their arithmetic than for the fresh
pages the operating system must map and zero each time (at N = 64 a tap
buffer is megabytes; under a hypervisor a page fault costs microseconds).
A :class:`BufferPool` hands back an array that an earlier call returned,
once nothing outside the pool refers to it any more.
"""

from __future__ import annotations

import sys

import numpy as np

__all__ = ["BufferPool"]


class BufferPool:
    """Buffers of earlier calls, written again once no result refers to them.

    Results hold views of a buffer, and every view keeps a reference to it,
    so a buffer whose only references are this pool's is free (CPython
    reference counts). At most ``keep`` buffers and ``max_bytes`` in all are
    kept; larger requests allocate as usual. The contents of a buffer handed
    out are undefined: write every element before reading it.
    """

    def __init__(self, keep: int = 2, max_bytes: int = 2 * 2**30, dtype=complex):
        self.keep = keep
        self.max_bytes = max_bytes
        self.dtype = np.dtype(dtype)
        self._bufs: list[np.ndarray] = []

    def get(self, shape: tuple[int, ...]) -> np.ndarray:
        """An array of ``shape`` (C order, this pool's dtype): a free kept one, else a new one."""
        free = [i for i in range(len(self._bufs)) if sys.getrefcount(self._bufs[i]) <= 2]
        for i in free:
            if self._bufs[i].shape == shape:
                return self._bufs[i]
        buf = np.empty(shape, self.dtype)
        held = sum(b.nbytes for i, b in enumerate(self._bufs) if i not in free)
        if free and held + buf.nbytes <= self.max_bytes:
            self._bufs[free[0]] = buf
        elif len(self._bufs) < self.keep and held + sum(self._bufs[i].nbytes for i in free) + buf.nbytes \
                <= self.max_bytes:
            self._bufs.append(buf)
        return buf

"""Errors of the free-space package (a :class:`picffm.errors.PicffmError`, so the CLI reports them in one line)."""

from __future__ import annotations

from ..errors import PicffmError

__all__ = ["FreespaceError"]


class FreespaceError(PicffmError):
    """A free-space system, dataset or option is invalid."""

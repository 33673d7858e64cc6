"""The plain-text listing the layout checks print: a header line, then the first findings, indented."""

from __future__ import annotations

from typing import Sequence

__all__ = ["listing"]


def listing(header: str, items: Sequence, limit: int = 20) -> str:
    """``header``, then the first ``limit`` of ``items`` one per line (indented), then how many more there are."""
    lines = [header] + [f"  {i}" for i in items[:limit]]
    if len(items) > limit:
        lines.append(f"  ... and {len(items) - limit} more")
    return "\n".join(lines)

#!/usr/bin/env python3
"""Write ``picffm/schema/netlist.schema.json`` from :func:`picffm.netlist.netlist_json_schema`.

    python scripts/make_schema.py           # (re)write the schema
    python scripts/make_schema.py --check   # exit 1 if the committed schema is stale

The schema is generated from the component registry, so run this after
adding a component or a setting.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from picffm.netlist import atomic_write_text, netlist_json_schema  # noqa: E402

PATH = ROOT / "picffm" / "schema" / "netlist.schema.json"


def schema_text() -> str:
    """The exact text of the schema file."""
    return json.dumps(netlist_json_schema(), indent=1) + "\n"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--check", action="store_true", help="compare with the committed schema, write nothing")
    args = ap.parse_args(argv)
    text = schema_text()
    if args.check:
        if not PATH.is_file() or PATH.read_text(encoding="utf-8") != text:
            print(f"{PATH.relative_to(ROOT)} is out of date: run python scripts/make_schema.py", file=sys.stderr)
            return 1
        return 0
    PATH.parent.mkdir(parents=True, exist_ok=True)
    atomic_write_text(PATH, text)
    print(f"wrote {PATH.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

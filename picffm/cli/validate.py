"""``picffm validate NETLIST``: check a netlist file and summarise it."""

from __future__ import annotations

from collections import Counter

from ..netlist import load_netlist
from ..smatrix import compile_any
from .common import emit_json


def register(subparsers) -> None:
    p = subparsers.add_parser(
        "validate",
        help="check a netlist file and print what it contains",
        description="Load and validate a netlist (.pic.yml/.yml/.yaml or .json), then compile it: "
        "prints the instance and component counts, the port counts (N) and the route "
        "(feed-forward schedule, or the general S-matrix route and why). Exit 2 with a one-line "
        "message naming the culprit if the file is invalid.",
    )
    p.add_argument("netlist", metavar="NETLIST", help="netlist file")
    p.add_argument("--json", action="store_true", help="print a machine-readable summary")
    p.set_defaults(func=run)


def summarise(path: str) -> dict:
    """Validation summary of a netlist file (raises PicffmError if invalid)."""
    net = load_netlist(path)
    compiled = compile_any(net)
    counts = dict(sorted(Counter(i.component for i in net.instances.values()).items()))
    n_in, n_out = len(net.input_ports), len(net.output_ports)
    out = {
        "netlist": str(path),
        "valid": True,
        "instances": len(net.instances),
        "components": counts,
        "connections": len(net.connections),
        "inputs": n_in,
        "outputs": n_out,
        "n": n_in if n_in == n_out else None,
        "route": compiled.route,
        "reason": compiled.reason,
        "columns": compiled.backend.schedule.n_columns if compiled.route == "feed-forward" else None,
        "info": dict(net.info),
    }
    return out


def _count(k: int, word: str) -> str:
    return f"{k} {word}{'' if k == 1 else 's'}"


def run(args) -> int:
    s = summarise(args.netlist)
    if args.json:
        emit_json(s)
        return 0
    parts = ", ".join(f"{k} {v}" for k, v in s["components"].items())
    print(f"{s['netlist']}: valid")
    print(f"instances: {s['instances']} ({parts}), connections: {s['connections']}")
    size = f"N = {s['n']}" if s["n"] is not None else "not square"
    print(f"ports: {_count(s['inputs'], 'input')}, {_count(s['outputs'], 'output')} ({size})")
    if s["route"] == "feed-forward":
        print(f"route: feed-forward schedule, {s['columns']} column{'s' if s['columns'] != 1 else ''}")
    else:
        print(f"route: general S-matrix solve ({s['reason']})")
    return 0

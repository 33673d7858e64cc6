"""``picffm import GDSFACTORY_NETLIST -o OUT``: a gdsfactory netlist as a picffm netlist."""

from __future__ import annotations

from collections import Counter
from pathlib import Path


from ..netlist import YAML_SUFFIXES, JSON_SUFFIXES, read_document, save_netlist
from ..smatrix import compile_any
from .common import CLIError, check_output_file, emit_json


def register(subparsers) -> None:
    p = subparsers.add_parser(
        "import",
        help="convert a gdsfactory netlist (PDK cells, nets, rotations) to a picffm netlist",
        description="Read a gdsfactory netlist (Component.get_netlist(), or get_netlist(recursive=True) "
        "for hierarchical cells, written as YAML or JSON), map its cells to picffm components (built-in "
        "map for gdsfactory's generic PDK, extended by --map), work out the direction of light from the "
        "connectivity and the chip ports, and write a picffm netlist. --inputs/--outputs name the chip "
        "ports that are inputs/outputs (comma separated, in transfer-matrix order); without them the "
        "first chip port is an input. See docs/interop.md.",
    )
    p.add_argument("netlist", metavar="GDSFACTORY_NETLIST", help="gdsfactory netlist (.yml/.yaml or .json)")
    p.add_argument("-o", "--out", dest="output", required=True, metavar="OUT", help="picffm netlist to write (.pic.yml or .json)")
    p.add_argument("--map", metavar="MAP", help="component map file {cells: {cell: {component, settings, ports}}}")
    p.add_argument("--inputs", metavar="P1,P2,...", help="chip ports that are inputs, in order")
    p.add_argument("--outputs", metavar="P1,P2,...", help="chip ports that are outputs, in order")
    p.add_argument("--top", metavar="CELL", help="top cell of a recursive netlist (default: the unused one)")
    p.add_argument("--force", action="store_true", help="replace OUT if it exists")
    p.add_argument("--json", action="store_true", help="print machine-readable results")
    p.set_defaults(func=run)


def _ports(text: str | None, option: str) -> list[str]:
    if text is None:
        return []
    names = [s.strip() for s in text.split(",")]
    if not all(names) or len(set(names)) != len(names):
        raise CLIError(f"{option} {text!r}: give distinct port names separated by commas, e.g. o1,o2")
    return names


def run(args) -> int:
    from ..interop.gdsfactory import from_gdsfactory, load_component_map

    out = Path(args.output)
    if out.suffix.lower() not in YAML_SUFFIXES + JSON_SUFFIXES:
        raise CLIError(f"-o {args.output}: use a .pic.yml, .yml, .yaml or .json file name")
    if not out.parent.is_dir():
        raise CLIError(f"-o {args.output}: directory {str(out.parent)!r} does not exist")
    # an output that is an input is refused first: --force cannot make overwriting the input right
    check_output_file(out, {"the gdsfactory netlist": args.netlist, "the component map (--map)": args.map})
    if out.exists() and not args.force:
        raise CLIError(f"-o {args.output}: file exists; pass --force to replace it")
    inputs, outputs = _ports(args.inputs, "--inputs"), _ports(args.outputs, "--outputs")
    cmap = load_component_map(args.map)
    doc = read_document(args.netlist, what="gdsfactory netlist")
    net = from_gdsfactory(doc, component_map=cmap, inputs=inputs, outputs=outputs, top=args.top,
                          source=str(args.netlist))
    compiled = compile_any(net)
    save_netlist(net, out)
    counts = dict(sorted(Counter(i.component for i in net.instances.values()).items()))
    cells = dict(sorted(Counter(i.info.get("gdsfactory_cell") for i in net.instances.values()).items()))
    reversed_ = sum(1 for i in net.instances.values() if i.info.get("reversed"))
    report = {
        "netlist": str(args.netlist), "output": str(out), "instances": len(net.instances),
        "components": counts, "cells": cells, "reversed": reversed_,
        "oriented": bool(net.info.get("oriented")),
        "inputs": list(net.input_ports), "outputs": list(net.output_ports),
        "route": compiled.route, "reason": compiled.reason,
    }
    if args.json:
        emit_json(report)
        return 0
    print(f"read {args.netlist}: {len(net.instances)} instances ("
          + ", ".join(f"{k} {v}" for k, v in cells.items()) + ")")
    print("as picffm: " + ", ".join(f"{k} {v}" for k, v in counts.items())
          + f"; {reversed_} traversed from their exit side (ports renamed)")
    if report["oriented"]:
        print(f"inputs: {', '.join(net.input_ports) or 'none'}; outputs: {', '.join(net.output_ports) or 'none'}")
    else:
        print("light paths do not orient consistently: use the full S-matrix (picffm compile -o FILE.sNp)")
    print(f"route: {compiled.route}" + (f" ({compiled.reason})" if compiled.reason else ""))
    print(f"wrote {out}")
    return 0




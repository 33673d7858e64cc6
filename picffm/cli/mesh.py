"""``picffm mesh {clements,reck,symmetric} -n N -o FILE``: write a mesh netlist."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from ..meshes import MESH_KINDS, mesh_netlist
from ..netlist import JSON_SUFFIXES, YAML_SUFFIXES, save_netlist
from .common import MAX_MODES, CLIError, check_range, emit_json


def register(subparsers) -> None:
    p = subparsers.add_parser(
        "mesh",
        help="write the netlist of a Clements, Reck or symmetric-core mesh",
        description="Write the netlist of an N-mode mesh (all phases 0; the symmetric core's "
        "attenuators fully open). The file type follows the extension: .pic.yml/.yml/.yaml or .json.",
    )
    p.add_argument("kind", choices=MESH_KINDS, help="mesh kind")
    p.add_argument("-n", "--modes", dest="n", type=int, required=True, metavar="N", help=f"number of modes (2 .. {MAX_MODES})")
    p.add_argument("-o", "--out", dest="output", required=True, metavar="FILE", help="netlist file to write (.pic.yml or .json)")
    p.add_argument("--json", action="store_true", help="print a machine-readable summary")
    p.set_defaults(func=run)


def run(args) -> int:
    if args.n > MAX_MODES:  # below 2: the generator's own message
        check_range("-n", args.n, 2, MAX_MODES)
    out = Path(args.output)
    if out.suffix.lower() not in YAML_SUFFIXES + JSON_SUFFIXES:
        raise CLIError(f"{out}: unknown netlist file type {out.suffix or '(none)'!r}; "
                       "use .pic.yml, .yml, .yaml or .json")
    if not out.parent.is_dir():
        raise CLIError(f"{out}: directory {str(out.parent)!r} does not exist")
    net = mesh_netlist(args.kind, args.n)
    save_netlist(net, out)
    counts = dict(sorted(Counter(i.component for i in net.instances.values()).items()))
    summary = {"path": str(out), "kind": args.kind, "n": args.n, "instances": len(net.instances),
               "components": counts}
    if args.json:
        emit_json(summary)
    else:
        parts = ", ".join(f"{v} {k}" for k, v in counts.items())
        print(f"wrote {out}: {args.kind} mesh, N = {args.n}, {len(net.instances)} instances ({parts})")
    return 0

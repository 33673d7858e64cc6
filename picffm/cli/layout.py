"""``picffm layout NETLIST -o FILE.gds [--png FILE.png] [--check] [--options F] [--json]``."""

from __future__ import annotations

import sys
from pathlib import Path

from ..errors import LayoutError
from ..documents import read_document
from ..netlist import load_netlist
from .common import check_output_file, emit_json

EXIT_CHECK_FAILED = 1


def register(subparsers) -> None:
    p = subparsers.add_parser(
        "layout",
        help="draw a netlist as a GDS chip layout (with DRC and layout-versus-netlist checks)",
        description="Lay out a feed-forward netlist from the same schedule the simulator runs: the "
        "schedule's columns along x, modes along y (mode 0 at the bottom), grating couplers at the "
        "127 um fibre pitch, labels with instance and port names, a chip outline. A netlist with "
        "'placements' (any netlist, e.g. a ring) is drawn from them, every connection routed as a "
        "waveguide (straight, S-bend, L- or U-turn). Every heater end is wired to a bond pad of its own: in "
        "rows along the top and bottom chip edges, or, for a netlist drawn from placements, in a column beside "
        "its instance. Writes FILE.gds "
        "(deterministic bytes) and FILE.lyp (KLayout layer properties) beside it. --check runs the "
        "design-rule check, reads the GDS back to compare it with the netlist and compares every "
        "waveguide's drawn optical path with its simulated length_um; the exit code is 1 if any finds a problem.",
    )
    p.add_argument("netlist", metavar="NETLIST", help="netlist file (.pic.yml/.yml/.yaml or .json)")
    p.add_argument("-o", "--out", dest="output", metavar="FILE.gds", required=True, help="GDS file to write")
    p.add_argument("--png", metavar="FILE.png", help="also write a PNG preview")
    p.add_argument("--check", action="store_true", help="run DRC and layout-versus-netlist (exit 1 on failure)")
    p.add_argument("--options", metavar="FILE",
                   help="YAML/JSON mapping of layout options (um) and, under 'rules', per-layer design rules")
    p.add_argument("--json", action="store_true", help="print machine-readable results")
    p.set_defaults(func=run)


def _load_options(path: str | None):
    from ..layout import LayoutOptions, check_options, options_from_dict, rules_from_dict
    from ..layout.rules import DEFAULT_RULES

    if not path:
        return LayoutOptions(), DEFAULT_RULES
    doc = read_document(path, "layout options", LayoutError)
    if doc is None:
        doc = {}
    if not isinstance(doc, dict):
        raise LayoutError(f"{path}: layout options must be a mapping of option names to numbers")
    doc = dict(doc)
    rules = doc.pop("rules", None)
    try:
        options, rules = options_from_dict(doc), rules_from_dict(rules)
        check_options(options, rules)
        return options, rules
    except LayoutError as exc:
        raise LayoutError(f"{path}: {exc}") from None


def run(args) -> int:
    from ..layout import build_layout, lyp_path, write_gds, write_lyp, write_png
    from ..layout.drc import check_drc
    from ..layout.lengths import check_lengths, drawn_paths
    from ..layout.lvs import check_lvs

    out = Path(args.output)
    if out.suffix.lower() != ".gds":
        raise LayoutError(f"-o {out}: the layout is written as GDSII; use a .gds file name")
    if args.png and Path(args.png).suffix.lower() != ".png":
        raise LayoutError(f"--png {args.png}: use a .png file name")
    for p in [out] + ([Path(args.png)] if args.png else []):
        if not p.parent.is_dir():
            raise LayoutError(f"{p}: folder {str(p.parent)!r} does not exist")
    inputs = {"the netlist": args.netlist, "the options file": args.options}
    check_output_file(out, inputs)
    check_output_file(lyp_path(out), inputs, f"-o {out}: its layer-properties file")
    if args.png:
        check_output_file(args.png, inputs, "--png")
    options, rules = _load_options(args.options)
    net = load_netlist(args.netlist)
    try:
        layout = build_layout(net, options, rules)
    except LayoutError as exc:
        msg = str(exc)
        raise LayoutError(msg if msg.startswith(f"{args.netlist}:") else f"{args.netlist}: {msg}") from None
    write_gds(layout.library, out)
    lyp = lyp_path(out)
    write_lyp(lyp)
    if args.png:
        write_png(layout.top, args.png, title=Path(args.netlist).name)
    stats = layout.stats()
    report = {
        "netlist": args.netlist,
        "gds": str(out),
        "lyp": str(lyp),
        "png": args.png,
        **stats,
        "waveguides": drawn_paths(layout.plan, net),
        "drc": None,
        "lvs": None,
        "lengths": None,
    }
    code = 0
    if args.check:
        bar = sys.stderr.isatty()  # progress bars on long checks, only for a person watching
        drc = check_drc(layout.library, rules, progress=bar)
        lvs = check_lvs(out, net, options, plan=layout.plan, progress=bar)  # read back from the file just written
        lengths = check_lengths(layout.plan, net)
        report["drc"], report["lvs"], report["lengths"] = drc.to_dict(), lvs.to_dict(), lengths.to_dict()
        code = 0 if drc.ok and lvs.ok and lengths.ok else EXIT_CHECK_FAILED
    if args.json:
        emit_json(report)
        return code
    w, h = stats["chip_um"]
    extra = f", {args.png}" if args.png else ""
    print(f"wrote {out} and {lyp}{extra}: {stats['cells']} cells, {stats['references']} references, "
          f"{stats['polygons']} polygons, {stats['labels']} labels, chip {w:g} x {h:g} um")
    for name, d in report["waveguides"].items():
        print(f"waveguide {name}: simulated length_um {d['simulated_um']:g}, drawn {d['drawn_um']:g} um "
              f"({d['cell_um']:g} um cell + {d['routed_um']:g} um of routes at its ports)")
    if args.check:
        print(drc.summary())
        print(lvs.summary())
        print(lengths.summary())
    return code

"""``picffm sweep NETLIST --wavelength START:STOP:POINTS``: spectra, Touchstone, plot."""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np

from ..errors import CompileError
from ..netlist import load_netlist
from ..params import load_params
from ..smatrix import compile_any
from .common import CLIError, emit_json


def register(subparsers) -> None:
    p = subparsers.add_parser(
        "sweep",
        help="transmission spectra of a netlist over a wavelength range (Touchstone, PNG)",
        description="Evaluate a netlist at POINTS evenly spaced vacuum wavelengths from START to "
        "STOP (um), vectorised over wavelengths. Waveguides disperse through their group index ng, "
        "directional couplers through their gap (docs/interop.md). Prints the range of every "
        "input -> output transmission |T|^2 in dB (or, for more than 16 paths, the insertion loss "
        "per input). -o writes the full S-matrix over the external ports (netlist order) as "
        "Touchstone FILE.sNp with N = number of external ports; --png plots |T|^2 in dB.",
    )
    p.add_argument("netlist", metavar="NETLIST", help="netlist file (.pic.yml/.yml/.yaml or .json)")
    p.add_argument("--wavelength", required=True, metavar="START:STOP:POINTS",
                   help="wavelength grid in um, e.g. 1.5:1.6:1001")
    p.add_argument("--params", metavar="PARAMS", help="parameter file {params: {instance: {setting: value}}}")
    p.add_argument("-o", "--out", dest="output", metavar="FILE.sNp", help="write the S-matrices as Touchstone")
    p.add_argument("--png", metavar="FILE.png", help="plot the transmission spectra")
    p.add_argument("--json", action="store_true", help="print machine-readable results")
    p.set_defaults(func=run)


def run(args) -> int:
    from ..interop.spectrum import parse_wavelengths, sweep
    from ..interop.touchstone import check_touchstone_path

    try:
        wl = parse_wavelengths(args.wavelength)
    except ValueError as exc:
        raise CLIError(f"--wavelength {exc}") from None
    if args.png and (Path(args.png).suffix.lower() != ".png" or not Path(args.png).parent.is_dir()):
        raise CLIError(f"--png {args.png}: give a .png path in an existing directory")
    net = load_netlist(args.netlist)
    if not net.ports:
        raise CompileError(f"{args.netlist}: no external ports: nothing to sweep (list them under 'ports')")
    if args.output:
        check_touchstone_path(args.output, len(net.ports))  # before the work, not after
    compiled = compile_any(net)
    settings = compiled.params(load_params(args.params)) if args.params else None
    t0 = time.perf_counter()
    spec = sweep(compiled, wl, settings)
    seconds = time.perf_counter() - t0
    report = {
        "netlist": str(args.netlist),
        "params": args.params,
        "route": compiled.route,
        "points": int(wl.size),
        "start_um": float(wl[0]),
        "stop_um": float(wl[-1]),
        "inputs": list(spec.input_ports),
        "outputs": list(spec.output_ports),
        "seconds": seconds,
        "paths": [],
        "output": args.output,
        "png": args.png,
    }
    db = spec.power_db()
    n_paths = len(spec.input_ports) * len(spec.output_ports)
    if 0 < n_paths <= 16:
        for i, pin in enumerate(spec.input_ports):
            for o, pout in enumerate(spec.output_ports):
                y = db[:, o, i]
                lo, hi = int(np.argmin(y)), int(np.argmax(y))
                report["paths"].append({"input": pin, "output": pout,
                                        "min_db": _num(y[lo]), "min_at_um": float(wl[lo]),
                                        "max_db": _num(y[hi]), "max_at_um": float(wl[hi])})
    if args.output:
        from ..interop.touchstone import write_touchstone

        write_touchstone(args.output, spec.wavelengths_um, spec.smatrix, spec.ports,
                         comment=f"picffm sweep {args.netlist}" + (f" --params {args.params}" if args.params else "")
                         + f"; ports in netlist order; S[p, q]: wave out of p per unit wave into q")
    if args.png:
        from ..interop.plot import plot_spectrum

        plot_spectrum(spec, args.png, title=f"{Path(args.netlist).name}: |T|² ({compiled.route} route)")
    if args.json:
        emit_json(report)
        return 0
    print(f"netlist: {args.netlist}" + (f" with params {args.params}" if args.params else ""))
    print(f"route: {compiled.route}; {wl.size} wavelengths {wl[0]:g}-{wl[-1]:g} um in {seconds:.3f} s")
    print(f"ports: {len(spec.input_ports)} input{'s' * (len(spec.input_ports) != 1)}, "
          f"{len(spec.output_ports)} output{'s' * (len(spec.output_ports) != 1)}")
    if report["paths"]:
        print("transmission |T|^2 (dB):")
        for p in report["paths"]:
            print(f"  {p['input']} -> {p['output']}: min {_fmt(p['min_db'])} at {p['min_at_um']:.6f} um, "
                  f"max {_fmt(p['max_db'])} at {p['max_at_um']:.6f} um")
    elif n_paths:
        with np.errstate(divide="ignore"):
            il = -10.0 * np.log10(np.sum(np.abs(spec.matrix) ** 2, axis=1))  # (W, inputs)
        print(f"{n_paths} paths; insertion loss per input over the sweep: "
              f"{_fmt(float(np.min(il)))} to {_fmt(float(np.max(il)))} dB")
    for path in (args.output, args.png):
        if path:
            print(f"wrote {path}")
    return 0


def _num(v: float) -> float | None:
    return float(v) if np.isfinite(v) else None


def _fmt(v: float | None) -> str:
    if v is None or v == -np.inf:
        return "-inf"
    text = f"{v:.4f}"
    return "0.0000" if text == "-0.0000" else text  # rounding noise of a lossless circuit

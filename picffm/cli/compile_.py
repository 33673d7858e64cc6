"""``picffm compile NETLIST [--params P] [-o OUT]``: transfer matrix and its figures."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ..errors import CompileError
from ..interop.touchstone import touchstone_ports
from ..matrix_io import MATRIX_SUFFIXES, check_matrix_path, save_matrix
from ..matrix_metrics import insertion_loss_db, symmetry_error, unitarity_error
from ..netlist import load_netlist
from ..params import load_params
from ..smatrix import compile_any
from .common import emit_json


def register(subparsers) -> None:
    p = subparsers.add_parser(
        "compile",
        help="compute a netlist's transfer matrix and its unitarity, symmetry and loss",
        description="Compile a netlist and evaluate its transfer matrix T[out, in] (rows: output "
        "ports, columns: input ports, file order). Without --params the phases are the netlist's "
        "settings. Prints N, the route, the unitarity error ||T T^H - I||_F and the symmetry error "
        "||T - T^T||_F (Frobenius norms), and the insertion loss per input -10 log10(sum_out |T|^2) "
        "(mean over inputs and worst, dB). -o writes T as .npy or .csv (complex entries like "
        "0.5-0.25j; read back with numpy.loadtxt(path, delimiter=',', dtype=complex)); -o FILE.sNp "
        "writes the full S-matrix over the N external ports (netlist order) at the design wavelength "
        "as Touchstone (one frequency point; picffm sweep writes spectra).",
    )
    p.add_argument("netlist", metavar="NETLIST", help="netlist file (.pic.yml/.yml/.yaml or .json)")
    p.add_argument("--params", metavar="PARAMS", help="parameter file {params: {instance: {setting: value}}}")
    p.add_argument("-o", "--out", dest="output", metavar="OUT",
                   help=f"write the matrix ({' or '.join(MATRIX_SUFFIXES)}) or the S-matrix (.sNp)")
    p.add_argument("--json", action="store_true", help="print machine-readable results")
    p.set_defaults(func=run)


def analyse(netlist_path: str, params_path: str | None = None) -> tuple[dict, np.ndarray]:
    """Compile a netlist (with optional parameter file); return (report, matrix)."""
    net = load_netlist(netlist_path)
    if not net.input_ports or not net.output_ports:
        raise CompileError(f"{netlist_path}: {len(net.input_ports)} input and {len(net.output_ports)} output "
                           "ports: no transfer matrix to compute (list external ports under 'ports'; "
                           "-o FILE.sNp writes the full S-matrix)")
    compiled = compile_any(net)
    params = compiled.params(load_params(params_path)) if params_path else None
    t = compiled.matrix(params)
    il = insertion_loss_db(t)
    finite = np.where(np.isfinite(il), il, np.nan)
    worst = int(np.argmax(il)) if il.size else None
    report = {
        "netlist": str(netlist_path),
        "params": params_path,
        "route": compiled.route,
        "reason": compiled.reason,
        "inputs": t.shape[1],
        "outputs": t.shape[0],
        "n": t.shape[0] if t.shape[0] == t.shape[1] else None,
        "unitarity_error_fro": unitarity_error(t),
        "symmetry_error_fro": symmetry_error(t),
        "insertion_loss_db": {
            "mean": _num(float(np.mean(il))) if il.size else None,
            "worst": _num(float(il[worst])) if worst is not None else None,
            "worst_input": compiled.input_ports[worst] if worst is not None else None,
            "per_input": [_num(float(v)) for v in finite],
        },
        "output": None,
    }
    return report, t


def _has_transfer(netlist_path: str) -> bool:
    net = load_netlist(netlist_path)
    return bool(net.input_ports and net.output_ports)


def _touchstone(args) -> tuple:
    """``-o FILE.sNp``: the full S-matrix at the design wavelength (write_touchstone arguments)."""
    from ..interop.spectrum import design_smatrix, design_wavelength
    from ..interop.touchstone import check_touchstone_path

    net = load_netlist(args.netlist)
    check_touchstone_path(args.output, len(net.ports))
    try:
        wl = design_wavelength(net)
    except ValueError as exc:
        raise CompileError(f"{args.netlist}: -o {args.output}: {exc}") from None
    compiled = compile_any(net)
    settings = compiled.params(load_params(args.params)) if args.params else None
    return ([wl], design_smatrix(compiled, settings)[None], tuple(net.ports),
            f"picffm compile {args.netlist}" + (f" --params {args.params}" if args.params else "")
            + f" at the design wavelength {wl:g} um; ports in netlist order")


def _num(v: float) -> float | None:
    return v if np.isfinite(v) else None  # JSON has no infinity: a dark input reads null


def _db(v: float) -> str:
    text = f"{v:.4f}"
    return "0.0000" if text == "-0.0000" else text  # rounding noise of a lossless mesh


def run(args) -> int:
    touchstone = args.output is not None and touchstone_ports(args.output) is not None
    if args.output and not touchstone:
        if Path(args.output).suffix.lower() not in MATRIX_SUFFIXES:  # fail before the work, not after
            raise CompileError(f"{args.output}: unknown matrix file type {Path(args.output).suffix or '(none)'!r}; "
                               "use .npy or .csv (the transfer matrix) or .sNp (Touchstone: the full S-matrix, "
                               "N = the number of external ports)")
        check_matrix_path(args.output)
    pending = _touchstone(args) if touchstone else None
    if pending is not None and (not _has_transfer(args.netlist)):
        # no input/output split (e.g. reflections only): the S-matrix is the whole result
        from ..interop.touchstone import write_touchstone

        write_touchstone(args.output, *pending)
        if args.json:
            emit_json({"netlist": str(args.netlist), "params": args.params, "transfer_matrix": None,
                       "ports": list(pending[2]), "output": args.output})
            return 0
        print(f"netlist: {args.netlist}" + (f" with params {args.params}" if args.params else ""))
        print(f"no transfer matrix (inputs or outputs missing): wrote the full S-matrix over "
              f"{len(pending[2])} ports to {args.output}")
        return 0
    report, t = analyse(args.netlist, args.params)
    if pending is not None:
        from ..interop.touchstone import write_touchstone

        write_touchstone(args.output, *pending)
        report["output"] = args.output
    elif args.output:
        save_matrix(args.output, t, comment=f"T[out, in] of {args.netlist}"
                    + (f" with {args.params}" if args.params else "")
                    + "; rows: outputs, columns: inputs (file order)")
        report["output"] = args.output
    if args.json:
        emit_json(report)
        return 0
    size = f"N = {report['n']}" if report["n"] is not None else "not square"
    print(f"netlist: {report['netlist']}" + (f" with params {args.params}" if args.params else ""))
    route = report["route"] + (f" ({report['reason']})" if report["reason"] else "")
    print(f"route: {route}")
    print(f"matrix: {report['outputs']} output{'s' * (report['outputs'] != 1)} x "
          f"{report['inputs']} input{'s' * (report['inputs'] != 1)} ({size})")
    print(f"unitarity error ||T T^H - I||_F: {report['unitarity_error_fro']:.3e}")
    sym = report["symmetry_error_fro"]
    print(f"symmetry error ||T - T^T||_F: {'n/a (not square)' if sym is None else f'{sym:.3e}'}")
    il = report["insertion_loss_db"]
    if il["mean"] is None:
        print("insertion loss: an input reaches no output (infinite loss)")
    else:
        print(f"insertion loss: mean {_db(il['mean'])} dB, worst {_db(il['worst'])} dB (input {il['worst_input']})")
    if args.output:
        print(f"wrote {args.output}")
    return 0

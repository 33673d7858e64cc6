"""The text table of ``picffm train iris``: accuracy beside the paper, differences to the ideal, gradient
errors, passes per update, and the targets.

Formatting only: it reads the summary of :func:`picffm.training.report.summarise`.
"""

from __future__ import annotations

from .paper import PAPER_ACCURACY, PAPER_GRAD_ERROR, TARGET_CHIP, TARGETS

__all__ = ["format_table", "format_targets", "target_rows", "electronics_note", "chance_note", "majority_pct", "PASSES_NOTE", "ORDER"]

PASSES_NOTE = {
    "ideal": "trained on the ideal model (no chip)",
    "insilico": "trained on the ideal model, programmed once",
    "ffm": "data + error pass per layer, (2L-1) B",
    "ffm-phase": "data + error pass per layer with monitor taps, 2L B",
    "spsa": "2 loss readings, 2 L B",
    "fd": "2 loss readings per parameter, 2 P L B",
    "insitu-bp": "data, adjoint (backward) and 5 power-interference passes per layer, 7 L B",
    "pat": "data pass per layer on the chip, backward through the twin, L B (+ calibration once)",
    "ffm-twin": "as ffm, reprogrammed through the twin, (2L-1) B (+ calibration once)",
}
#: row order of the methods
ORDER = ("ideal", "ffm", "ffm-twin", "ffm-phase", "spsa", "fd", "pat", "insitu-bp", "insilico")
_ON_CHIP = ("ffm", "ffm-twin", "ffm-phase", "spsa", "fd", "pat", "insitu-bp", "insilico")


def _pm(s: dict | None, digits: int = 1) -> str:
    if s is None:
        return "-"
    if abs(s["mean"]) >= 100:
        digits = 0
    if s["n"] == 1:
        return f"{s['mean']:.{digits}f}"
    return f"{s['mean']:.{digits}f} ± {s['std']:.{digits}f}"


def _ci(s: dict | None, signed: bool = False) -> str:
    """``[lo, hi]``; an accuracy's interval is shown clipped to [0, 100] % (a difference's is not)."""
    if s is None or s.get("ci") is None:
        return "-"
    lo, hi = s["ci"]
    if signed:
        return f"[{lo:+.1f}, {hi:+.1f}]"
    return f"[{max(lo, 0.0):.1f}, {min(hi, 100.0):.1f}]"


def _with_cos(err: dict | None, cos: dict | None) -> str:
    return _pm(err) + ("" if cos is None else f" (cos {cos['mean']:.2f})")


def _table(rows: list[list[str]], header: list[str]) -> str:
    cells = [header] + rows
    widths = [max(len(r[i]) for r in cells) for i in range(len(header))]
    lines = ["  ".join(c.ljust(w) for c, w in zip(r, widths)).rstrip() for r in cells]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def _paper(method: str) -> str:
    vals = PAPER_ACCURACY.get(method)
    return "-" if vals is None else " / ".join(f"{v:.1f}" for v in vals)


def _count(n: int, noun: str) -> str:
    """``1 layer``, ``2 layers``."""
    return f"{n} {noun}" + ("" if n == 1 else "s")


def _replicates(summary: dict) -> int:
    return len(summary["seeds"]) * summary.get("folds", 1)


def _accuracy_table(summary: dict, methods: list[str]) -> list[str]:
    n = _replicates(summary)
    per_seed = summary.get("test_samples_per_seed")
    total = None if per_seed is None else per_seed * len(summary["seeds"])
    iris = _is_iris(summary)
    folds = summary.get("folds", 1)
    n_seeds = len(summary["seeds"])
    head = (f"Test accuracy (%): mean ± std over the {_count(n, 'network')} of each method and chip "
            f"({_count(n_seeds, 'seed')} " + ("x 1 stratified split" if folds == 1 else
                                                   f"x {folds} stratified folds")
            + ("" if total is None else f"; {total} test predictions, one is {100 / total:.2f} points of the mean")
            + "), [95 % CI: corrected resampled t]"
            + ("; Xue et al.: its three configurations" if iris else "; " + chance_note(summary)))
    rows = []
    for label, ms in summary["chips"].items():
        for i, m in enumerate(methods):
            s = ms.get(m, {}).get("test_acc")
            rows.append([label if i == 0 else "", m, _pm(s), _ci(s)] + ([_paper(m)] if iris else []))
    return [head, _table(rows, ["chip", "method", "picffm", "95 % CI"] + (["Xue et al."] if iris else []))]


def majority_pct(summary: dict) -> float | None:
    """The majority class's share of the data (%): what always answering it scores; ``None`` unless it is more
    than a point above chance (balanced, or nearly balanced like digits' 178-183 per class)."""
    counts = summary.get("class_counts")
    if not counts:
        return None
    share = 100.0 * max(counts) / sum(counts)
    return share if share > 100.0 / len(counts) + 1.0 else None


def chance_note(summary: dict) -> str:
    """``chance 33.3 %`` (a uniform guess, 1 / classes), and for imbalanced classes the accuracy of always
    answering the largest one too: ``chance 33.3 %, majority class 85.7 %``."""
    out = f"chance {100 / summary.get('n_classes', 3):.1f} %"
    major = majority_pct(summary)
    return out if major is None else out + f", majority class {major:.1f} %"


def _is_iris(summary: dict) -> bool:
    """The paper's figures are for Iris on 16-port cores only: another network shape (``--modes``) gets the
    chance level instead of them, and no targets block."""
    return summary.get("task", "iris") == "iris" and summary.get("modes", 16) == 16


def electronics_note(summary: dict) -> str:
    """`` (crelu nonlinearity, readout ports 0,8,15)`` when they are not the defaults, else ``""``."""
    nl = summary.get("nonlinearity", "tanh")
    ports = summary.get("readout_ports")
    extra = [] if nl == "tanh" else [f"{nl} nonlinearity"]
    if ports is not None and list(ports) != list(range(len(ports))):
        extra.append("readout ports " + ",".join(str(p) for p in ports))
    return f" ({', '.join(extra)})" if extra else ""


def _title(summary: dict) -> str:
    data = {"iris": "Iris", "digits": "Digits"}.get(summary.get("task", "iris"), summary.get("data", ""))
    return (f"{data} on {_count(summary['layers'], 'layer')} of {summary.get('modes', 16)}-port symmetric cores"
            + electronics_note(summary))


def _difference_table(summary: dict, methods: list[str]) -> list[str]:
    on_chip = [m for m in methods if m in _ON_CHIP]
    if "ideal" not in methods or not on_chip:
        return []
    rows, beyond, within = [], [], []
    for label, ms in summary["chips"].items():
        row = [label]
        for m in on_chip:
            d = ms.get(m, {}).get("minus_ideal")
            v = ms.get(m, {}).get("vs_ideal", "unknown")
            row.append("-" if d is None else f"{d['mean']:+.1f} {_ci(d, signed=True)} {v}")
            if m.startswith("ffm") and v != "unknown":
                (beyond if v == "above" else within).append(f"{m} on {label}")
        rows.append(row)
    out = ["", "Method minus ideal (points; paired over the same seed and fold; [95 % CI]; above / within / below: "
               "where 0 lies)", _table(rows, ["chip"] + on_chip)]
    if beyond:
        out.append("FFM exceeds the ideal model beyond its CI: " + ", ".join(beyond))
    elif within:
        out.append("FFM does not exceed the ideal model beyond its CI (" + ", ".join(
            f"{w}: {_verdict_word(summary, w)}" for w in within) + ")")
    return out


def _verdict_word(summary: dict, which: str) -> str:
    m, label = which.split(" on ", 1)
    return summary["chips"][label][m]["vs_ideal"]


def target_rows(summary: dict) -> list[list[str]]:
    """``[quantity, picffm, paper, target, met]`` on the target chip (``phase-calibrated``, else the first chip)."""
    chips = summary["chips"]
    if not chips:
        return []
    label = TARGET_CHIP if TARGET_CHIP in chips else next(iter(chips))
    ms = chips[label]
    rows = []

    def mean(m, key="test_acc"):
        s = ms.get(m, {}).get(key)
        return None if s is None else s["mean"]

    def add(quantity, value, paper, target, ok, unit="", signed=False):
        rows.append([quantity, "-" if value is None else f"{value:{'+' if signed else ''}.1f}{unit}", paper, target,
                     "-" if value is None else ("yes" if ok(value) else "no")])

    p_ideal, p_ffm, p_ins = (PAPER_ACCURACY[k][0] for k in ("ideal", "ffm", "insilico"))
    add("ideal", mean("ideal"), f"{p_ideal:.1f}", f"{p_ideal:.1f} ± {TARGETS['ideal_points']:g}",
        lambda v: abs(v - p_ideal) <= TARGETS["ideal_points"])
    d = ms.get("ffm", {}).get("minus_ideal")
    add("ffm - ideal", None if d is None else d["mean"], f"{p_ffm - p_ideal:+.1f}",
        f"within ± {TARGETS['ffm_vs_ideal_points']:g}", lambda v: abs(v) <= TARGETS["ffm_vs_ideal_points"],
        signed=True)
    add("insilico on the chip", mean("insilico"), f"{p_ins:.1f}", f"{p_ins:.1f} ± {TARGETS['insilico_points']:g}",
        lambda v: abs(v - p_ins) <= TARGETS["insilico_points"])
    for key, quantity, paper, lim in (("grad_error", "ffm gradient error", PAPER_GRAD_ERROR["ffm"], "ffm_grad_pct"),
                                      ("insilico_grad_error", "in-silico (fitted) gradient error",
                                       PAPER_GRAD_ERROR["insilico"], "insilico_grad_pct")):
        lo, hi = TARGETS[lim]
        add(quantity, mean("ffm", key), f"{paper[0]:.2f}-{paper[1]:.2f} %", f"{lo:g}-{hi:g} %",
            lambda v, lo=lo, hi=hi: lo <= v <= hi, " %")
    return rows


def format_targets(summary: dict) -> list[str]:
    """The targets block (accuracy against the paper's first configuration, on the target chip)."""
    rows = target_rows(summary)
    if not rows:
        return []
    chips = summary["chips"]
    label = TARGET_CHIP if TARGET_CHIP in chips else next(iter(chips))
    why = ("every target on this one chip: phases calibrated per MZI, splitting ratios in no model, as on the "
           "paper's chip as far as it is described; " if label == TARGET_CHIP else "")
    return ["", f"Targets on chip {label} ({why}accuracy against the paper's first configuration; its other two "
                "have no counterpart here)", _table(rows, ["quantity", "picffm", "Xue et al.", "target", "met"])]


def _passes_table(summary: dict) -> list[str]:
    """Passes per update of the methods the run trained: a full batch in closed form beside the run's mean.

    Methods only measured in closed form (``metrics.json`` keeps them, e.g. ``fd``) get no row: the table
    describes this run."""
    trained = set(summary["methods"])
    full = summary.get("passes_per_update_full_batch")
    if full is None:  # a summary written before the full-batch column: the run's figures only
        rows = [[m, "-" if v is None else f"{v:.0f}", PASSES_NOTE.get(m, "")]
                for m, v in summary["passes_per_update"].items() if m in trained]
        return ["", f"Optical passes per update (batches of up to {summary['batch_size']} samples, B = the mean "
                    f"batch of a run; {summary['layers']} layers)", _table(rows, ["method", "passes", "how"])]
    b, mean = summary["full_batch"], summary["mean_batch"]
    col = f"B = {b}"
    rows = []
    for m, v in full.items():
        if m not in trained:
            continue
        run = summary["passes_per_update"].get(m) if m != "ideal" else None
        rows.append([m, "-" if v is None else f"{v:.0f}", "-" if run is None else f"{run:.0f}",
                     PASSES_NOTE.get(m, "")])
    note = (f"Optical passes per update ({summary['layers']} layers; '{col}': a full batch of {b} samples, "
            f"in closed form; 'run mean': measured over this run's updates, whose mean batch is {mean:.1f} "
            f"({summary['train_samples']} training samples in batches of up to {summary['batch_size']}))")
    return ["", note, _table(rows, ["method", col, "run mean", "how"])]


def _splits(folds: int) -> str:
    return "one stratified split each" if folds == 1 else f"{folds} folds each"


def format_table(summary: dict) -> str:
    """The text table printed by ``picffm train iris``."""
    methods = [m for m in ORDER if m in summary["methods"]]
    seeds = ",".join(str(s) for s in summary["seeds"])
    out = [f"{_title(summary)}, {_count(summary['epochs'], 'epoch')}, "
           f"seeds {seeds}, " + _splits(summary.get("folds", 1))
           + ("" if summary["complete"] else "  [INCOMPLETE: interrupted]"), ""]
    out += _accuracy_table(summary, methods)
    out += _difference_table(summary, methods)
    grad_methods = [m for m in methods if m not in ("ideal", "insilico")]
    if grad_methods:
        lo, hi = summary.get("grad_window") or (summary["grad_probe_step"],) * 2
        out += ["", f"Gradient error over updates {lo}-{hi} (% of the chip's exact noiseless gradient with respect "
                    "to what the method updates, per-layer mean, averaged over the window, mean ± std over the "
                    "networks;",
                "'in silico' = exact gradient of a model fitted from N unit-vector probes per layer, each read's "
                "column factors removed against the earlier reads' port ratios (matrix level); "
                "cos = cosine similarity with the true gradient" + (";" if _is_iris(summary) else ")")]
        if _is_iris(summary):
            out.append("Xue et al. at update 80: FFM 3.46-3.58 %, in silico 5.10-5.94 %)")
        header = ["chip"]
        for m in grad_methods:
            header += [m] + (["in silico (fitted)"] if m == "ffm" else [])
        rows = []
        for label, ms in summary["chips"].items():
            row = [label]
            for m in grad_methods:
                row.append(_with_cos(ms[m].get("grad_error"), ms[m].get("grad_cos")))
                if m == "ffm":
                    row.append(_with_cos(ms[m].get("insilico_grad_error"), ms[m].get("insilico_grad_cos")))
            rows.append(row)
        out.append(_table(rows, header))
    out += _passes_table(summary)
    if _is_iris(summary):
        out += format_targets(summary)
    return "\n".join(out)

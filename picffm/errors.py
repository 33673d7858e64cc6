"""Exception hierarchy of picffm.

Every error raised for bad user input derives from :class:`PicffmError`, which
is a :class:`ValueError`; the CLI turns these into a one-line message and a
non-zero exit code. Messages name the file, instance, port or option at fault
and what would be valid.
"""

from __future__ import annotations


class PicffmError(ValueError):
    """Base class of every user-facing picffm error."""


class NetlistError(PicffmError):
    """A netlist document is malformed or inconsistent."""


class CompileError(PicffmError):
    """A valid netlist cannot be compiled (e.g. no path, unknown model)."""


class ParamsError(PicffmError):
    """A parameter file or parameter set does not fit its netlist."""


class ProgrammingError(PicffmError):
    """A target matrix cannot be programmed onto the requested mesh."""


class SpecError(PicffmError):
    """A chip specification or preset is invalid."""


class LayoutError(PicffmError):
    """A netlist cannot be drawn (no cell, impossible geometry, unknown layer)."""


class ConfigError(PicffmError):
    """A training or study configuration is invalid."""


class CalibrationError(PicffmError):
    """A chip cannot be calibrated as asked, or a twin file does not fit (bad file, another netlist)."""


class DataError(ConfigError):
    """A data set (table file, label or feature column) cannot be used for training."""

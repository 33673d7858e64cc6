"""Document files: reading YAML, JSON or TOML by extension, writing YAML or JSON (atomically)."""

from __future__ import annotations

import json
import os
import tomllib
from pathlib import Path
from typing import Any

import yaml

from ..atomic import atomic_write_text
from ..errors import PicffmError
from ..gcpause import gc_paused
from .json_io import parse_json
from .tree import MAX_DEPTH, DocumentError, Refused, check_limits
from .yaml_io import dump_yaml, parse_yaml

__all__ = ["YAML_SUFFIXES", "JSON_SUFFIXES", "TOML_SUFFIXES", "read_document", "dump_document", "write_document"]

YAML_SUFFIXES = (".yml", ".yaml")
JSON_SUFFIXES = (".json",)
TOML_SUFFIXES = (".toml",)


def _suffix_list(suffixes) -> str:
    names = [".pic.yml" if s == ".yml" else s for s in suffixes]
    if ".pic.yml" in names:
        names.insert(names.index(".pic.yml") + 1, ".yml")
    return ", ".join(names[:-1]) + " or " + names[-1] if len(names) > 1 else names[0]


def read_document(path: str | os.PathLike, what: str = "document", error: type[PicffmError] = DocumentError,
                  suffixes: tuple[str, ...] = YAML_SUFFIXES + JSON_SUFFIXES) -> Any:
    """Parse a YAML, JSON or TOML file (by extension) into checked plain data.

    Args:
        what: the kind of file, for messages ("netlist", "parameter file").
        error: the exception class raised for every problem.
        suffixes: the extensions this kind of file may have.

    Returns the document (``None`` for an empty YAML file). Every problem
    raises ``error`` with a message that starts with the path.
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in suffixes:
        raise error(f"{path}: unknown {what} file type {suffix or '(none)'!r}; use {_suffix_list(suffixes)}")
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise error(f"{path}: no such file") from None
    except IsADirectoryError:
        raise error(f"{path}: is a directory, not a {what} file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise error(f"{path}: cannot read: {' '.join(str(exc).split())}") from None
    try:
        with gc_paused():  # a large document is millions of small acyclic objects (see gc_paused)
            doc = _parse(text, suffix)
    except Refused as exc:
        raise error(f"{path}: {exc}") from None
    except RecursionError:
        raise error(f"{path}: nesting deeper than the limit of {MAX_DEPTH} levels") from None
    except json.JSONDecodeError as exc:
        raise error(f"{path}: invalid JSON at line {exc.lineno}, column {exc.colno}: {exc.msg}") from None
    except tomllib.TOMLDecodeError as exc:
        raise error(f"{path}: invalid TOML: {exc}") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        at = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = getattr(exc, "problem", None) or exc
        if "maximum nesting depth" in str(problem):
            raise error(f"{path}: nesting deeper than the limit of {MAX_DEPTH} levels{at}") from None
        raise error(f"{path}: invalid YAML{at}: {' '.join(str(problem).split())}") from None
    except ValueError as exc:  # e.g. TOML integers beyond Python's digit limit
        raise error(f"{path}: cannot read: {' '.join(str(exc).split())}") from None
    return doc


def _parse(text: str, suffix: str) -> Any:
    """The document in ``text`` by file type, checked against the limits (problems raise as they come)."""
    if suffix in JSON_SUFFIXES:
        return parse_json(text)  # integers checked as read, then depth
    if suffix in TOML_SUFFIXES:
        doc = tomllib.loads(text)
        check_limits(doc)
        return doc
    return parse_yaml(text)  # checked node by node as it is built


def dump_document(doc: Any, path: str | os.PathLike, error: type[PicffmError] = DocumentError) -> str:
    """Serialise plain data as YAML or JSON according to the extension of ``path``.

    The tree is checked first (:func:`check_tree`), so nothing unbounded is
    ever expanded into text. JSON has no infinity or NaN: they raise ``error``.
    """
    suffix = Path(path).suffix.lower()
    if suffix not in YAML_SUFFIXES + JSON_SUFFIXES:
        raise error(f"{path}: unknown file type {suffix or '(none)'!r}; use .pic.yml, .yml, .yaml or .json")
    with gc_paused():  # the YAML representer builds a node per value (see gc_paused): 2x on a large mesh
        try:
            check_limits(doc)
        except Refused as exc:
            raise error(f"{path}: {exc}") from None
        if suffix in JSON_SUFFIXES:
            try:
                return json.dumps(doc, indent=1, allow_nan=False) + "\n"
            except ValueError:
                raise error(f"{path}: JSON cannot hold infinity or NaN; write the file as YAML (.yml)") from None
        return dump_yaml(doc)


def write_document(doc: Any, path: str | os.PathLike, error: type[PicffmError] = DocumentError) -> None:
    """Write plain data as YAML or JSON (by extension), atomically."""
    atomic_write_text(path, dump_document(doc, path, error))

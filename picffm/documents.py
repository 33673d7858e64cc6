"""Reading and writing plain-data documents: YAML, JSON and TOML files.

Every file picffm reads as a tree of mappings, lists and scalars (netlists,
parameter files, chip specs, sweep files, layout options) goes through
:func:`read_document`; YAML and JSON are written by :func:`dump_document` /
:func:`write_document`. The format follows the file extension.

What a document may hold (the limits in ``docs/limits.md``):

* mappings with text or number keys, lists, text, integers, floats
  (including ``.inf``/``NaN``, which the field checks then reject where a
  finite value is needed), booleans and null. YAML dates, ``!!set``,
  ``!!binary``, ``!!omap``/``!!pairs`` and TOML dates and times are refused
  with a message naming the line or key (quote a date to keep it as text);
* nesting at most :data:`MAX_DEPTH` levels deep;
* integers at most :data:`MAX_INT` (2**63 - 1, the int64 range) in
  magnitude, so every integer converts to a float and to a numpy integer;
* YAML anchors and aliases (``&a`` / ``*a``) may repeat parts of a document,
  but the repeats may add at most :data:`MAX_ALIAS_VALUES` values in all
  (a "billion laughs" alias bomb is refused before anything expands it);
  recursive aliases are refused.

Every problem raises the caller's error class (a
:class:`picffm.errors.PicffmError`; :class:`DocumentError` by default) with a
message that starts with the file name. YAML is parsed with libyaml's C parser
and written with its C emitter when PyYAML has them (about 10x faster on a
large mesh than the pure-Python ones); JSON is still several times faster to
read and write, the better choice for meshes of thousands of instances.
"""

from __future__ import annotations

import json
import math
import os
import re
import tomllib
from pathlib import Path
from typing import Any, Mapping

import yaml

from .atomic import atomic_write_text
from .errors import PicffmError

__all__ = [
    "DocumentError",
    "MAX_ALIAS_VALUES",
    "MAX_DEPTH",
    "MAX_INT",
    "YAML_SUFFIXES",
    "JSON_SUFFIXES",
    "TOML_SUFFIXES",
    "check_tree",
    "dump_document",
    "read_document",
    "write_document",
]

YAML_SUFFIXES = (".yml", ".yaml")
JSON_SUFFIXES = (".json",)
TOML_SUFFIXES = (".toml",)

#: deepest nesting of mappings and lists (a netlist needs 4)
MAX_DEPTH = 100
#: largest magnitude of an integer anywhere in a document (int64)
MAX_INT = 2**63 - 1
#: values that YAML aliases may add to a document by repeating anchored parts
MAX_ALIAS_VALUES = 100_000


class DocumentError(PicffmError):
    """A YAML, JSON or TOML file cannot be read as a plain-data document."""


class _Refused(Exception):
    """Internal: a document breaks a rule (message without the file name)."""


# --------------------------------------------------------------- tree checks


def check_tree(doc: Any, what: str = "document", error: type[PicffmError] = DocumentError) -> None:
    """Check a plain-data tree against the document limits.

    Raises ``error`` (message starting with ``what``) for
    unsupported types (dates, sets, bytes, ...), non-scalar keys, nesting
    deeper than :data:`MAX_DEPTH`, integers beyond :data:`MAX_INT`, shared or
    recursive parts (YAML aliases) that add more than
    :data:`MAX_ALIAS_VALUES` values, and recursion. The walk visits every
    distinct container once, so a bomb is measured without being expanded.
    """
    try:
        _check_tree(doc)
    except _Refused as exc:
        raise error(f"{what}: {exc}") from None


def _check_tree(doc: Any) -> None:
    sizes: dict[int, int] = {}  # id(container) -> values in its expanded form
    open_: set[int] = set()
    distinct = 0  # values visited (a shared container's values once)

    def walk(obj: Any, depth: int, where: str) -> int:
        nonlocal distinct
        if isinstance(obj, bool) or obj is None or isinstance(obj, (str, float)):
            distinct += 1
            return 1
        if isinstance(obj, int):
            if abs(obj) > MAX_INT:
                raise _Refused(f"{where or 'value'}: integer with {len(str(abs(obj)))} digits is beyond the "
                               f"limit of {MAX_INT} (2**63 - 1) in magnitude")
            distinct += 1
            return 1
        if not isinstance(obj, (Mapping, list, tuple)):
            raise _Refused(f"{where or 'value'}: {_kind(obj)} is not supported; a document holds mappings, "
                           "lists, text, numbers, true/false and null (quote a date to keep it as text)")
        key = id(obj)
        if key in open_:
            raise _Refused(f"{where or 'document'}: a recursive alias (a part that contains itself) is not "
                           "supported")
        if key in sizes:
            return sizes[key]
        if depth >= MAX_DEPTH:
            raise _Refused(f"{where or 'document'}: nesting deeper than the limit of {MAX_DEPTH} levels")
        open_.add(key)
        distinct += 1
        total = 1
        if isinstance(obj, Mapping):
            for k, v in obj.items():
                if not isinstance(k, (str, int, float, bool)) and k is not None:
                    raise _Refused(f"{where or 'document'}: a key must be text or a number, not {_kind(k)}")
                if isinstance(k, int) and not isinstance(k, bool) and abs(k) > MAX_INT:
                    raise _Refused(f"{where or 'document'}: integer key with {len(str(abs(k)))} digits is beyond "
                                   f"the limit of {MAX_INT} (2**63 - 1)")
                total += walk(v, depth + 1, f"{where}.{k}" if where else str(k))
        else:
            for i, v in enumerate(obj):
                total += walk(v, depth + 1, f"{where}[{i}]")
        open_.discard(key)
        sizes[key] = total
        if total - distinct > MAX_ALIAS_VALUES:
            raise _Refused(f"{where or 'document'}: YAML aliases expand this document by more than the limit of "
                           f"{MAX_ALIAS_VALUES} values (an alias bomb?); write the repeated parts out")
        return total

    walk(doc, 0, "")


def _kind(obj: Any) -> str:
    import datetime

    if isinstance(obj, datetime.datetime):
        return f"a date and time ({obj.isoformat()})"
    if isinstance(obj, datetime.date):
        return f"a date ({obj.isoformat()})"
    if isinstance(obj, datetime.time):
        return f"a time ({obj.isoformat()})"
    if isinstance(obj, (set, frozenset)):
        return "a set"
    if isinstance(obj, (bytes, bytearray)):
        return "binary data"
    if isinstance(obj, (list, tuple)):
        return "a list"
    if isinstance(obj, Mapping):
        return "a mapping"
    return f"a {type(obj).__name__}"


# ---------------------------------------------------------------------- YAML


class _Loader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):
    """Safe YAML loader: duplicate keys, non-scalar keys and the YAML 1.1 types
    (dates, sets, binary, ordered maps) refused; huge integers refused before
    conversion; ``1e-3`` read as a number (YAML 1.2, JSON) not as text.

    Uses libyaml's C parser when PyYAML was built with it, the pure-Python
    SafeLoader otherwise.
    """


def _line(node) -> str:
    return f"line {node.start_mark.line + 1}"


def _construct_mapping(loader, node, deep=False):
    seen = set()
    for key_node, _ in node.value:
        if not isinstance(key_node, yaml.ScalarNode):
            kind = "a list" if isinstance(key_node, yaml.SequenceNode) else "a mapping"
            raise _Refused(f"{_line(key_node)}: a key must be text or a number, not {kind}")
        key = loader.construct_object(key_node, deep=deep)
        if key in seen:
            raise _Refused(f"{_line(key_node)}: duplicate key {key!r}")
        seen.add(key)
    return yaml.constructor.SafeConstructor.construct_mapping(loader, node, deep)


def _construct_int(loader, node):
    text = str(node.value)
    digits = len(text.replace("_", "").lstrip("+-"))
    if digits > 40:  # 2**63 has 19 decimal digits (0x: 16, 0o: 21)
        raise _Refused(f"{_line(node)}: integer with {digits} digits is beyond the limit of "
                       f"{MAX_INT} (2**63 - 1) in magnitude")
    value = yaml.constructor.SafeConstructor.construct_yaml_int(loader, node)
    if abs(value) > MAX_INT:
        raise _Refused(f"{_line(node)}: integer {text} is beyond the limit of {MAX_INT} (2**63 - 1) in magnitude")
    return value


def _refuse_tag(what: str):
    def construct(loader, node):
        shown = f" {node.value!r}" if isinstance(node, yaml.ScalarNode) and len(node.value) <= 40 else ""
        raise _Refused(f"{_line(node)}: {what}{shown} (YAML tag !!{node.tag.rsplit(':', 1)[-1]}) is not supported; a "
                       "document holds mappings, lists, text, numbers, true/false and null"
                       + (" (quote a date to keep it as text)" if "date" in what else ""))
    return construct


_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)
_Loader.add_constructor("tag:yaml.org,2002:int", _construct_int)
for _tag, _what in (("timestamp", "a date"), ("set", "a set"), ("binary", "binary data"),
                    ("omap", "an ordered map"), ("pairs", "a list of pairs")):
    _Loader.add_constructor(f"tag:yaml.org,2002:{_tag}", _refuse_tag(_what))
_EXP_FLOAT = re.compile(r"^[-+]?[0-9][0-9_]*(?:\.[0-9_]*)?[eE][-+]?[0-9]+$")
_Loader.add_implicit_resolver("tag:yaml.org,2002:float", _EXP_FLOAT, list("-+0123456789"))


def _parse_yaml(text: str) -> Any:
    loader = _Loader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return None
        _check_nodes(node)
        return loader.construct_document(node)
    finally:
        loader.dispose()


def _check_nodes(root) -> None:
    """Depth and alias expansion of a composed YAML node graph, before construction.

    Aliases are the same node object reachable along several paths; the
    expanded size is counted with one visit per distinct node.
    """
    sizes: dict[int, int] = {}
    open_: set[int] = set()
    distinct = 0
    stack: list[tuple[Any, int, bool]] = [(root, 0, False)]
    while stack:
        node, depth, done = stack.pop()
        key = id(node)
        if isinstance(node, yaml.ScalarNode):
            if key not in sizes:
                sizes[key] = 1
                distinct += 1
            continue
        if done:
            children = node.value if isinstance(node, yaml.SequenceNode) else [c for kv in node.value for c in kv]
            sizes[key] = 1 + sum(sizes[id(c)] for c in children)
            open_.discard(key)
            if sizes[key] - distinct > MAX_ALIAS_VALUES:
                raise _Refused(f"{_line(node)}: YAML aliases expand this document by more than the limit of "
                               f"{MAX_ALIAS_VALUES} values (an alias bomb?); write the repeated parts out")
            continue
        if key in sizes:
            continue
        if key in open_:
            raise _Refused(f"{_line(node)}: a recursive alias (a part that contains itself) is not supported")
        if depth >= MAX_DEPTH:
            raise _Refused(f"{_line(node)}: nesting deeper than the limit of {MAX_DEPTH} levels")
        open_.add(key)
        distinct += 1
        stack.append((node, depth, True))
        children = node.value if isinstance(node, yaml.SequenceNode) else [c for kv in node.value for c in kv]
        for child in reversed(children):
            if id(child) in open_:
                raise _Refused(f"{_line(child)}: a recursive alias (a part that contains itself) is not supported")
            if id(child) not in sizes:
                stack.append((child, depth + 1, False))


class _Dumper(getattr(yaml, "CSafeDumper", yaml.SafeDumper)):
    """Block style, one connection or port per line (readable diffs); mappings
    and lists of numbers (an instance's settings) stay on one line. No anchors:
    a repeated part is written out. libyaml's C emitter when available."""

    def ignore_aliases(self, data):
        return True


def _numbers(values) -> bool:
    return bool(values) and all(isinstance(v, (int, float)) for v in values)  # bools are ints


def _represent_dict(dumper, data: dict):
    return dumper.represent_mapping("tag:yaml.org,2002:map", data.items(), flow_style=_numbers(data.values()))


def _represent_list(dumper, data: list):
    return dumper.represent_sequence("tag:yaml.org,2002:seq", data, flow_style=_numbers(data))


_Dumper.add_representer(dict, _represent_dict)
_Dumper.add_representer(list, _represent_list)
# quote strings such as "1e3" that our loader would read back as numbers
_Dumper.add_implicit_resolver("tag:yaml.org,2002:float", _EXP_FLOAT, list("-+0123456789"))


# ---------------------------------------------------------------------- JSON


def _json_unique(pairs):
    out = {}
    for k, v in pairs:
        if k in out:
            raise _Refused(f"duplicate key {k!r}")
        out[k] = v
    return out


def _json_int(text: str) -> int:
    if len(text.lstrip("-")) > 19:
        raise _Refused(f"integer with {len(text.lstrip('-'))} digits is beyond the limit of {MAX_INT} "
                       "(2**63 - 1) in magnitude")
    return int(text)


def _parse_json(text: str) -> Any:
    return json.loads(text, object_pairs_hook=_json_unique, parse_int=_json_int)


# ---------------------------------------------------------------------- files


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
        if suffix in JSON_SUFFIXES:
            doc = _parse_json(text)
        elif suffix in TOML_SUFFIXES:
            doc = tomllib.loads(text)
        else:
            doc = _parse_yaml(text)  # checked node by node before construction
        if suffix not in YAML_SUFFIXES:
            _check_tree(doc)
    except _Refused as exc:
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


def dump_document(doc: Any, path: str | os.PathLike, error: type[PicffmError] = DocumentError) -> str:
    """Serialise plain data as YAML or JSON according to the extension of ``path``.

    The tree is checked first (:func:`check_tree`), so nothing unbounded is
    ever expanded into text. JSON has no infinity or NaN: they raise ``error``.
    """
    suffix = Path(path).suffix.lower()
    if suffix not in YAML_SUFFIXES + JSON_SUFFIXES:
        raise error(f"{path}: unknown file type {suffix or '(none)'!r}; use .pic.yml, .yml, .yaml or .json")
    try:
        _check_tree(doc)
    except _Refused as exc:
        raise error(f"{path}: {exc}") from None
    if suffix in JSON_SUFFIXES:
        try:
            return json.dumps(doc, indent=1, allow_nan=False) + "\n"
        except ValueError:
            raise error(f"{path}: JSON cannot hold infinity or NaN; write the file as YAML (.yml)") from None
    return yaml.dump(doc, Dumper=_Dumper, sort_keys=False, width=120, allow_unicode=True)


def write_document(doc: Any, path: str | os.PathLike, error: type[PicffmError] = DocumentError) -> None:
    """Write plain data as YAML or JSON (by extension), atomically."""
    atomic_write_text(path, dump_document(doc, path, error))


def finite_or_none(obj: Any) -> Any:
    """A copy of plain data with every non-finite float replaced by ``None`` (JSON null)."""
    if isinstance(obj, float):
        return obj if math.isfinite(obj) else None
    if isinstance(obj, Mapping):
        return {k: finite_or_none(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [finite_or_none(v) for v in obj]
    return obj

"""YAML through PyYAML (libyaml's C parser and emitter where built): a strict safe loader and a readable dumper.

The loader refuses duplicate and non-scalar keys, YAML 1.1 types (dates,
sets, binary, ordered maps) and huge integers, reads ``1e-3`` as a number,
and checks depth and alias expansion on the composed nodes as each is reached,
before anything below it is built; every refusal names the line.
"""

from __future__ import annotations

import re
from typing import Any

import yaml

from ..gcpause import gc_paused
from .tree import MAX_ALIAS_VALUES, MAX_DEPTH, MAX_INT, Refused

__all__ = ["parse_yaml", "dump_yaml"]


class _Loader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):
    """Safe YAML loader: duplicate keys, non-scalar keys and the YAML 1.1 types
    (dates, sets, binary, ordered maps) refused; huge integers refused before
    conversion; ``1e-3`` read as a number (YAML 1.2, JSON) not as text.

    Uses libyaml's C parser when PyYAML was built with it, the pure-Python
    SafeLoader otherwise.
    """


def _line(node) -> str:
    return f"line {node.start_mark.line + 1}"


def _construct_int(loader, node):
    text = str(node.value)
    digits = len(text.replace("_", "").lstrip("+-"))
    if digits > 40:  # 2**63 has 19 decimal digits (0x: 16, 0o: 21)
        raise Refused(f"{_line(node)}: integer with {digits} digits is beyond the limit of "
                       f"{MAX_INT} (2**63 - 1) in magnitude")
    value = yaml.constructor.SafeConstructor.construct_yaml_int(loader, node)
    if abs(value) > MAX_INT:
        raise Refused(f"{_line(node)}: integer {text} is beyond the limit of {MAX_INT} (2**63 - 1) in magnitude")
    return value


def _refuse_tag(what: str):
    def construct(loader, node):
        shown = f" {node.value!r}" if isinstance(node, yaml.ScalarNode) and len(node.value) <= 40 else ""
        raise Refused(f"{_line(node)}: {what}{shown} (YAML tag !!{node.tag.rsplit(':', 1)[-1]}) is not supported; a "
                       "document holds mappings, lists, text, numbers, true/false and null"
                       + (" (quote a date to keep it as text)" if "date" in what else ""))
    return construct


for _tag, _what in (("timestamp", "a date"), ("set", "a set"), ("binary", "binary data"),
                    ("omap", "an ordered map"), ("pairs", "a list of pairs")):
    _Loader.add_constructor(f"tag:yaml.org,2002:{_tag}", _refuse_tag(_what))
_EXP_FLOAT = re.compile(r"^[-+]?[0-9][0-9_]*(?:\.[0-9_]*)?[eE][-+]?[0-9]+$")
_Loader.add_implicit_resolver("tag:yaml.org,2002:float", _EXP_FLOAT, list("-+0123456789"))


def parse_yaml(text: str) -> Any:
    """A YAML document as plain data (``None`` for an empty one), checked while it is built.

    libyaml composes the node graph; one pass over it then checks depth and
    alias expansion and builds the mappings, lists and scalars directly. The
    cyclic garbage collector is paused meanwhile: the parse allocates
    millions of small acyclic objects on a large mesh, and the collector's
    repeated full scans of them took most of the time (5x).
    """
    with gc_paused():
        loader = _Loader(text)
        try:
            node = loader.get_single_node()
            return None if node is None else _build(loader, node)
        finally:
            loader.dispose()


_MAP, _SEQ, _STR = (f"tag:yaml.org,2002:{t}" for t in ("map", "seq", "str"))
_SCALARS = {
    "tag:yaml.org,2002:null": lambda loader, node: None,
    "tag:yaml.org,2002:bool": lambda loader, node: loader.bool_values[node.value.lower()],
    "tag:yaml.org,2002:int": _construct_int,
    "tag:yaml.org,2002:float": yaml.constructor.SafeConstructor.construct_yaml_float,
}


def _other_tag(loader, node) -> None:
    """Refuse a mapping or list with a tag of its own: the loader's refusal, or PyYAML's error, names the line."""
    loader.construct_object(node)
    raise Refused(f"{_line(node)}: YAML tag {node.tag!r} is not supported; a document holds mappings, lists, "
                  "text, numbers, true/false and null")


def _build(loader, root) -> Any:
    """Plain data from a composed YAML node graph, refusing what the loader's rules refuse.

    Depth, recursion and alias expansion are checked as each node is reached,
    before anything below it is built. Aliases are the same node object
    reached along several paths: each distinct node is built once (repeats
    share the object, as in PyYAML), and the expanded size is counted per
    distinct node, so a bomb is measured without being expanded. Tags other
    than the plain ones (text, numbers, true/false, null, mappings, lists) go
    to the loader's constructors, which refuse them naming the line.
    """
    done: dict[int, tuple[Any, int]] = {}  # id(node) -> (value, size of its expanded form)
    open_: set[int] = set()
    distinct = 0  # nodes reached so far, each once
    scalar_node, mapping_node = yaml.ScalarNode, yaml.MappingNode

    def build(node, depth: int) -> tuple[Any, int]:
        nonlocal distinct
        key = id(node)
        hit = done.get(key)
        if hit is not None:
            return hit
        kind = type(node)
        if kind is scalar_node:
            tag = node.tag
            if tag == _STR:
                value = node.value
            else:
                make = _SCALARS.get(tag)
                value = make(loader, node) if make is not None else loader.construct_object(node)
            distinct += 1
            done[key] = hit = (value, 1)
            return hit
        if key in open_:
            raise Refused(f"{_line(node)}: a recursive alias (a part that contains itself) is not supported")
        if depth >= MAX_DEPTH:
            raise Refused(f"{_line(node)}: nesting deeper than the limit of {MAX_DEPTH} levels")
        open_.add(key)
        distinct += 1
        size = 1
        if kind is mapping_node:
            if node.tag != _MAP:
                _other_tag(loader, node)  # !!set and others
            value = {}
            for key_node, value_node in node.value:
                if type(key_node) is not scalar_node:
                    what = "a list" if isinstance(key_node, yaml.SequenceNode) else "a mapping"
                    raise Refused(f"{_line(key_node)}: a key must be text or a number, not {what}")
                k, n_key = build(key_node, depth + 1)
                if k in value:
                    raise Refused(f"{_line(key_node)}: duplicate key {k!r}")
                value[k], n_value = build(value_node, depth + 1)
                size += n_key + n_value
        else:
            if node.tag != _SEQ:
                _other_tag(loader, node)  # !!omap, !!pairs and others
            value = []
            append = value.append
            for child in node.value:
                item, n = build(child, depth + 1)
                append(item)
                size += n
        open_.discard(key)
        if size - distinct > MAX_ALIAS_VALUES:
            raise Refused(f"{_line(node)}: YAML aliases expand this document by more than the limit of "
                           f"{MAX_ALIAS_VALUES} values (an alias bomb?); write the repeated parts out")
        done[key] = hit = (value, size)
        return hit

    return build(root, 0)[0]


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


def dump_yaml(doc: Any) -> str:
    """A checked plain-data tree as YAML text (block style, number lists on one line, no anchors)."""
    return yaml.dump(doc, Dumper=_Dumper, sort_keys=False, width=120, allow_unicode=True)

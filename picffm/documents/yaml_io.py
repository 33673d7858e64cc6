"""YAML through PyYAML (libyaml's C parser and emitter where built): a strict safe loader and a readable dumper.

The loader refuses duplicate and non-scalar keys, YAML 1.1 types (dates,
sets, binary, ordered maps) and huge integers, reads ``1e-3`` as a number,
and checks depth and alias expansion on the composed nodes before anything
is constructed; every refusal names the line.
"""

from __future__ import annotations

import re
from typing import Any

import yaml

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


def _construct_mapping(loader, node, deep=False):
    seen = set()
    for key_node, _ in node.value:
        if not isinstance(key_node, yaml.ScalarNode):
            kind = "a list" if isinstance(key_node, yaml.SequenceNode) else "a mapping"
            raise Refused(f"{_line(key_node)}: a key must be text or a number, not {kind}")
        key = loader.construct_object(key_node, deep=deep)
        if key in seen:
            raise Refused(f"{_line(key_node)}: duplicate key {key!r}")
        seen.add(key)
    return yaml.constructor.SafeConstructor.construct_mapping(loader, node, deep)


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


_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)
_Loader.add_constructor("tag:yaml.org,2002:int", _construct_int)
for _tag, _what in (("timestamp", "a date"), ("set", "a set"), ("binary", "binary data"),
                    ("omap", "an ordered map"), ("pairs", "a list of pairs")):
    _Loader.add_constructor(f"tag:yaml.org,2002:{_tag}", _refuse_tag(_what))
_EXP_FLOAT = re.compile(r"^[-+]?[0-9][0-9_]*(?:\.[0-9_]*)?[eE][-+]?[0-9]+$")
_Loader.add_implicit_resolver("tag:yaml.org,2002:float", _EXP_FLOAT, list("-+0123456789"))


def parse_yaml(text: str) -> Any:
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
                raise Refused(f"{_line(node)}: YAML aliases expand this document by more than the limit of "
                               f"{MAX_ALIAS_VALUES} values (an alias bomb?); write the repeated parts out")
            continue
        if key in sizes:
            continue
        if key in open_:
            raise Refused(f"{_line(node)}: a recursive alias (a part that contains itself) is not supported")
        if depth >= MAX_DEPTH:
            raise Refused(f"{_line(node)}: nesting deeper than the limit of {MAX_DEPTH} levels")
        open_.add(key)
        distinct += 1
        stack.append((node, depth, True))
        children = node.value if isinstance(node, yaml.SequenceNode) else [c for kv in node.value for c in kv]
        for child in reversed(children):
            if id(child) in open_:
                raise Refused(f"{_line(child)}: a recursive alias (a part that contains itself) is not supported")
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


def dump_yaml(doc: Any) -> str:
    """A checked plain-data tree as YAML text (block style, number lists on one line, no anchors)."""
    return yaml.dump(doc, Dumper=_Dumper, sort_keys=False, width=120, allow_unicode=True)

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


from .files import JSON_SUFFIXES, TOML_SUFFIXES, YAML_SUFFIXES, dump_document, read_document, write_document
from .tree import MAX_ALIAS_VALUES, MAX_DEPTH, MAX_INT, DocumentError, check_tree, finite_or_none

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
    "finite_or_none",
    "read_document",
    "write_document",
]

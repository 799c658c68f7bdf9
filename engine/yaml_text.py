"""Reading YAML that a user hands posbt, without letting the file hurt the reader.

Shared by the config source (``engine.config.yaml_source``) and the importers' mapping
files, below both. The text is decoded first: UTF-8 (a BOM is fine), or UTF-16/32 with a
BOM as the YAML spec allows; a zip (an .xlsx renamed .yml), binary data (NUL bytes) or
another encoding (latin-1) is refused naming the file and line. The event stream is then
checked for nesting deeper than :data:`MAX_DEPTH` before any node is composed, and the
nodes are built into plain values by :class:`Builder`, which

* bounds alias expansion: at most ``EXPANSION_BASE + EXPANSION_PER_CHAR * len(text)``
  values are built, so a 900-byte "billion laughs" fails in milliseconds instead of
  eating memory;
* refuses a recursive alias (``&a [*a]``) with the alias's line;
* reports a duplicate key with both lines (YAML says keys are unique; PyYAML lets the
  second silently win);
* supports merge keys (``<<: *base`` and ``<<: [*a, *b]``): explicit keys win over merged
  ones, earlier merged mappings over later ones, as YAML 1.1 specifies.

Times such as 11:00 stay text (YAML 1.1 would read them as the base-60 number 660), and
libyaml's C parser is used when PyYAML has it.
"""

from __future__ import annotations

import codecs
import datetime
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from engine.errors import PosbtError

MAX_DEPTH = 64
EXPANSION_BASE = 100_000
EXPANSION_PER_CHAR = 20
MERGE_TAG = "tag:yaml.org,2002:merge"
Key = str | int

_INT = re.compile(r"""^(?:[-+]?0b[0-1_]+|[-+]?0[0-7_]+|[-+]?(?:0|[1-9][0-9_]*)|[-+]?0x[0-9a-fA-F_]+)$""")
_FLOAT = re.compile(r"""^(?:[-+]?(?:[0-9][0-9_]*)\.[0-9_]*(?:[eE][-+]?[0-9]+)?
    |\.[0-9][0-9_]*(?:[eE][-+]?[0-9]+)?|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN)
    |[-+]?[0-9][0-9_]*[eE][-+]?[0-9]+)$""", re.X)
_BASE: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _Loader(_BASE):  # type: ignore[misc, valid-type]
    """Safe loader (C parser when present) without YAML 1.1's base-60 numbers."""


_Loader.yaml_implicit_resolvers = {
    ch: [(tag, rx) for tag, rx in resolvers
         if tag not in ("tag:yaml.org,2002:int", "tag:yaml.org,2002:float")]
    for ch, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_Loader.add_implicit_resolver("tag:yaml.org,2002:int", _INT, list("-+0123456789"))
_Loader.add_implicit_resolver("tag:yaml.org,2002:float", _FLOAT, list("-+0123456789."))


_IMMUTABLE = (str, int, float, bool, type(None), datetime.date, datetime.datetime)


class YamlInputError(PosbtError):
    """A YAML file that cannot be read; the place is ``file:line``."""


_BOMS = ((codecs.BOM_UTF32_LE, "utf-32"), (codecs.BOM_UTF32_BE, "utf-32"),
         (codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"),
         (codecs.BOM_UTF16_BE, "utf-16"))


def _line_of(data: bytes, offset: int) -> int:
    return data.count(b"\n", 0, offset) + 1


def decode_text(data: bytes, name: str) -> str:
    """The text of a YAML file, or :class:`YamlInputError` saying what the bytes are."""
    if data.startswith(b"PK\x03\x04"):
        raise YamlInputError("this is a zip file (an .xlsx workbook renamed?), not YAML text; "
                             "give a workbook its .xlsx name", place=f"{name}:1")
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            try:
                return data.decode(encoding)
            except UnicodeDecodeError as exc:
                raise YamlInputError(f"binary data, or not valid {encoding.upper()} text "
                                     f"after its byte order mark: {exc.reason}",
                                     place=f"{name}:1") from None
    nul = data.find(b"\x00")
    if nul >= 0:
        raise YamlInputError("binary data, not YAML text (a NUL byte; UTF-16 needs a BOM)",
                             place=f"{name}:{_line_of(data, nul)}")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = _line_of(data, exc.start)
        raise YamlInputError(f"not UTF-8 text: byte 0x{data[exc.start]:02X} (latin-1 or "
                             "another encoding?); save the file as UTF-8",
                             place=f"{name}:{line}") from None


def read_text(path: Path, name: str | None = None) -> str:
    """Read and decode ``path`` (OS errors become a :class:`YamlInputError`); ``name`` is
    the file as places show it (default: its name)."""
    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        raise YamlInputError(f"cannot read the file: {exc.strerror or exc}",
                             place=str(path)) from None
    return decode_text(data, name or Path(path).name)


def _yaml_error(exc: yaml.YAMLError, name: str, text: str) -> YamlInputError:
    mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
    line = f":{mark.line + 1}" if mark is not None else ""
    position = getattr(exc, "position", None)  # a ReaderError (a character YAML refuses)
    if not line and isinstance(position, int):
        line = f":{text.count(chr(10), 0, position) + 1}"
    message = " ".join(str(exc).split())
    return YamlInputError(f"not valid YAML: {message}", place=f"{name}{line}")


def _check_depth(text: str, name: str) -> None:
    """Refuse nesting deeper than :data:`MAX_DEPTH` from the event stream (the composer
    recurses per level, so it must never see such a document)."""
    loader = _Loader(text)
    depth = 0
    try:
        while loader.check_event():
            event = loader.get_event()
            if isinstance(event, yaml.CollectionStartEvent):
                depth += 1
                if depth > MAX_DEPTH:
                    mark = event.start_mark
                    line = f":{mark.line + 1}" if mark is not None else ""
                    raise YamlInputError(f"nested more than {MAX_DEPTH} levels deep; a config "
                                         "needs a handful", place=f"{name}{line}")
            elif isinstance(event, yaml.CollectionEndEvent):
                depth -= 1
    except yaml.YAMLError as exc:
        raise _yaml_error(exc, name, text) from None
    finally:
        loader.dispose()


def root_entry_shapes(text: str, key: str) -> list[str] | None:
    """What the root mappings of ``text``'s documents hold under ``key``, read from the event
    stream alone (no node is built, a fraction of :func:`documents`' time on a big file):
    one word for each document that has the key: ``"empty"`` (an empty mapping),
    ``"mapping"``, ``"sequence"`` or ``"scalar"`` (a null included). None when only the full
    read can tell: a merge (``<<``) in a root mapping or in the key's own mapping, an alias
    as the value, the key twice in a document, nesting beyond :data:`MAX_DEPTH`, or text
    that is not valid YAML (the full read names that problem). What the full read refuses
    elsewhere in valid YAML (an impossible date, an alias bomb, an unsafe tag) is not
    looked for: the shapes are those of the text as written."""
    loader = _Loader(text)
    shapes: list[str] = []
    depth, root_is_mapping, at_key, wanted, check_empty, seen = 0, False, True, False, False, False
    in_block, block_at_key = False, True  # inside the key's own mapping, at one of its keys
    try:
        while loader.check_event():
            event = loader.get_event()
            if check_empty:
                check_empty = False
                if isinstance(event, yaml.MappingEndEvent):
                    shapes[-1] = "empty"
            if isinstance(event, yaml.DocumentStartEvent):
                depth, at_key, seen = 0, True, False
                continue
            if isinstance(event, yaml.ScalarEvent | yaml.AliasEvent | yaml.CollectionStartEvent):
                if depth == 2 and in_block:
                    if block_at_key and isinstance(event, yaml.ScalarEvent) \
                            and event.value == "<<":
                        return None  # a merge decides whether the block is empty
                    block_at_key = not block_at_key
                if depth == 0:
                    root_is_mapping = isinstance(event, yaml.MappingStartEvent)
                elif depth == 1 and root_is_mapping and at_key:
                    text_key = event.value if isinstance(event, yaml.ScalarEvent) else None
                    if text_key == "<<":
                        return None
                    wanted, at_key = text_key == key, False
                elif depth == 1 and root_is_mapping:
                    at_key = True
                    if wanted:
                        if seen or isinstance(event, yaml.AliasEvent):
                            return None
                        seen = True
                        shapes.append("scalar" if isinstance(event, yaml.ScalarEvent) else
                                      "sequence" if isinstance(event, yaml.SequenceStartEvent)
                                      else "mapping")
                        check_empty = isinstance(event, yaml.MappingStartEvent)
                        in_block, block_at_key = check_empty, True
            if isinstance(event, yaml.CollectionStartEvent):
                depth += 1
                if depth > MAX_DEPTH:
                    return None
            elif isinstance(event, yaml.CollectionEndEvent):
                depth -= 1
                in_block = in_block and depth >= 2
    except yaml.YAMLError:
        return None
    finally:
        loader.dispose()
    return shapes


@dataclass
class Built:
    """One document: its value, the line of every key path, and duplicate-key findings."""

    value: Any
    lines: dict[tuple[Key, ...], int] = field(default_factory=dict)
    duplicates: list[tuple[int, str]] = field(default_factory=list)


class Builder:
    """Turns composed nodes into plain values with bounded alias expansion."""

    def __init__(self, loader: Any, name: str, budget: int) -> None:
        self.loader, self.name, self.budget = loader, name, budget
        self.built = 0
        self._active: set[int] = set()
        # (tag, text) -> value of the scalars built so far whose value is immutable: a big
        # file repeats the same keys and values thousands of times, and PyYAML's
        # constructor costs more a scalar than everything else here
        self._scalars: dict[tuple[str, str], Any] = {}

    def _place(self, node: Node) -> str:
        return f"{self.name}:{node.start_mark.line + 1}"

    def document(self, node: Node) -> Built:
        out = Built(None)
        out.value = self._build(node, (), out)
        return out

    def _build(self, node: Node, path: tuple[Key, ...], out: Built) -> Any:
        self.built += 1
        if self.built > self.budget:
            raise YamlInputError(f"the aliases expand to over {self.budget:,} values (a "
                                 "\"billion laughs\" file?); refusing to expand further",
                                 place=self._place(node))
        out.lines.setdefault(path, node.start_mark.line + 1)
        if isinstance(node, ScalarNode):
            return self._scalar(node)
        if id(node) in self._active:
            raise YamlInputError("a recursive alias (a value that contains itself)",
                                 place=self._place(node))
        self._active.add(id(node))
        try:
            if isinstance(node, SequenceNode):
                return [self._build(v, (*path, i), out) for i, v in enumerate(node.value)]
            assert isinstance(node, MappingNode)
            return self._mapping(node, path, out)
        finally:
            self._active.discard(id(node))

    def _scalar(self, node: ScalarNode) -> Any:
        key = (node.tag, node.value)
        if key in self._scalars:
            return self._scalars[key]
        try:
            value = self.loader.construct_object(node)
            if type(value) in _IMMUTABLE:
                self._scalars[key] = value
            return value
        except yaml.YAMLError:
            raise
        except (ValueError, TypeError, OverflowError) as exc:  # 2025-02-31 passes the regex
            kind = node.tag.rsplit(":", 1)[-1]
            raise YamlInputError(f"{node.value!r} is not a valid {kind}: {exc}",
                                 place=self._place(node)) from None

    def _mapping(self, node: MappingNode, path: tuple[Key, ...], out: Built) -> dict[str, Any]:
        explicit: dict[str, Any] = {}
        first_line: dict[str, int] = {}
        merged: dict[str, Any] = {}
        for key_node, value_node in node.value:
            if key_node.tag == MERGE_TAG:
                for source in self._merge_sources(value_node):
                    for key, value in self._build(source, path, out).items():
                        merged.setdefault(key, value)  # earlier sources win
                continue
            key = str(self._scalar(key_node) if isinstance(key_node, ScalarNode)
                      else self.loader.construct_object(key_node))
            line = key_node.start_mark.line + 1
            if key in first_line:
                out.duplicates.append((line, f"duplicate key {key!r} (first at line "
                                             f"{first_line[key]}); remove one of them"))
                continue
            first_line[key] = line
            explicit[key] = self._build(value_node, (*path, key), out)
            out.lines[(*path, key)] = line
        return {**merged, **explicit}

    def _merge_sources(self, node: Node) -> list[MappingNode]:
        if isinstance(node, MappingNode):
            return [node]
        if isinstance(node, SequenceNode) and all(isinstance(v, MappingNode)
                                                  for v in node.value):
            return list(node.value)
        raise YamlInputError("'<<' merges a mapping or a list of mappings (an alias such "
                             "as *base)", place=self._place(node))


def documents(text: str, name: str) -> list[Built]:
    """Every document of ``text``, built with the checks above; YAML syntax errors and
    the limits raise :class:`YamlInputError` with ``name:line``."""
    _check_depth(text, name)
    loader = _Loader(text)
    builder = Builder(loader, name, EXPANSION_BASE + EXPANSION_PER_CHAR * len(text))
    docs: list[Built] = []
    try:
        while loader.check_node():
            node = loader.get_node()
            if node is not None:
                docs.append(builder.document(node))
    except yaml.YAMLError as exc:
        raise _yaml_error(exc, name, text) from None
    except RecursionError:  # pragma: no cover - the depth check comes first
        raise YamlInputError("nested too deeply to read", place=name) from None
    finally:
        loader.dispose()
    return docs


def load_file(path: Path, on_duplicate: Callable[[str, str], None] | None = None) -> Any:
    """The first document of the YAML file ``path`` as plain values (None when empty);
    a duplicate key raises :class:`YamlInputError` unless ``on_duplicate(place, message)``
    takes it."""
    name = str(path)
    docs = documents(read_text(path, name), name)
    if not docs:
        return None
    for line, message in docs[0].duplicates:
        if on_duplicate is None:
            raise YamlInputError(message, place=f"{name}:{line}")
        on_duplicate(f"{name}:{line}", message)
    return docs[0].value

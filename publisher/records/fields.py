"""YAML read with the line of every key, and typed fields that name file, line and field when wrong.

Duplicate keys are refused (YAML would silently keep the last one). Parsed with libyaml
when PyYAML has it (a record of plain mappings, lists and scalars built straight from
its events); a document libyaml refuses is parsed again by PyYAML's own parser, so that
the message (and what is accepted) is always PyYAML's.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Iterable
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

import yaml

from publisher.errors import SourceError
from publisher.rdf.iris import SLUG
from publisher.records import yamlerrors
from publisher.records.model import Labels

# ---------------------------------------------------------------------------
# YAML with line numbers and no silent duplicate keys
# ---------------------------------------------------------------------------


class YamlMapping(dict[str, Any]):
    """A YAML mapping that remembers the line of each key (1-based)."""

    lines: dict[str, int]
    line: int


class LineLoader(yaml.SafeLoader):
    path: str = "<record>"


def construct_mapping(loader: LineLoader, node: yaml.MappingNode) -> YamlMapping:
    loader.flatten_mapping(node)
    mapping = YamlMapping()
    mapping.lines = {}
    mapping.line = node.start_mark.line + 1
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        line = key_node.start_mark.line + 1
        if not isinstance(key, str | int):
            raise SourceError(loader.path, f"key {key!r} must be text", line)
        key = str(key)
        if key in mapping:
            raise SourceError(
                loader.path,
                f"duplicate key '{key}' (first given at line {mapping.lines[key]}); "
                "each key may appear once — rename or remove one of them",
                line,
            )
        mapping[key] = loader.construct_object(value_node, deep=True)
        mapping.lines[key] = line
    return mapping


LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, construct_mapping)

STR_TAG = "tag:yaml.org,2002:str"


#: The resolver of PyYAML's safe loaders (libyaml's too), for plain scalars.
_RESOLVER: Any = yaml.resolver.Resolver()


@functools.lru_cache(maxsize=8192)
def _plain_tag(value: str, quoted_implicit: bool) -> str:
    """The tag PyYAML's resolver gives a plain (unquoted) scalar: the same for the same text, so looked up once."""
    return str(_RESOLVER.resolve(yaml.ScalarNode, value, (True, quoted_implicit)))


if hasattr(yaml, "CSafeLoader"):  # PyYAML built with libyaml: the same constructor on a parser in C

    class FastLineLoader(yaml.CSafeLoader):
        """libyaml's parser with PyYAML's safe constructor, text and plain scalars' tags taken the short way."""

        path: str = "<record>"

        def resolve(self, kind: Any, value: Any, implicit: Any) -> Any:
            if kind is yaml.ScalarNode and implicit[0]:
                return _plain_tag(value, implicit[1])
            return super().resolve(kind, value, implicit)  # type: ignore[no-untyped-call]

        def construct_object(self, node: Any, deep: bool = False) -> Any:
            if node.tag == STR_TAG and type(node) is yaml.ScalarNode:
                return node.value  # what construct_yaml_str makes of it
            return super().construct_object(node, deep)

    FastLineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, construct_mapping)
    FAST_LOADER: type[Any] | None = FastLineLoader
else:
    FAST_LOADER = None


class _Irregular(Exception):
    """What the events' short way leaves to the loaders: anchors, aliases, tags, merges, complex keys, errors."""


#: What `_from_events` gives for a document the loaders must read.
_IRREGULAR: Any = object()
#: The tags of the plain scalars the short way constructs (PyYAML's safe constructor makes each of them).
_SIMPLE_TAGS = frozenset(f"tag:yaml.org,2002:{kind}" for kind in ("str", "int", "float", "bool", "null", "timestamp"))
_CONSTRUCTOR: Any = yaml.constructor.SafeConstructor()


@functools.lru_cache(maxsize=16384)
def _plain_value(value: str) -> Any:
    """What PyYAML's safe loader makes of a plain scalar: the same for the same text (each kind immutable)."""
    tag = _plain_tag(value, False)
    if tag == STR_TAG:
        return value
    if tag not in _SIMPLE_TAGS:
        raise _Irregular(tag)
    return _CONSTRUCTOR.yaml_constructors[tag](_CONSTRUCTOR, yaml.ScalarNode(tag, value))


def _scalar(event: Any) -> Any:
    if event.anchor is not None or event.tag is not None:
        raise _Irregular("anchor or tag")
    plain, quoted = event.implicit
    if plain:
        return _plain_value(event.value)
    if quoted:
        return event.value  # a quoted or block scalar without a tag: text
    raise _Irregular("tag")  # pragma: no cover - libyaml gives (False, False) to tagged scalars only


def _from_events(text: str) -> Any:
    """The document read from libyaml's events, as `FastLineLoader` reads it, or `_IRREGULAR`.

    A record is mappings, lists and scalars without anchors, aliases, tags or merge keys:
    built straight from the parser's events, it skips making a node for every scalar (and
    the calls into Python libyaml makes for each). Anything else, and anything wrong
    (a syntax error, a duplicate key, a key that is not text), is left to the loaders, which
    read it or say what is wrong exactly as before.
    """
    assert FAST_LOADER is not None
    parser = FAST_LOADER(text)  # libyaml's parser: its events (the loader's other parts unused)
    try:
        return _build(parser.get_event)
    except (_Irregular, yaml.YAMLError, ValueError, TypeError, OverflowError):
        return _IRREGULAR
    finally:
        parser.dispose()


def _build(get: Any) -> Any:
    """The single document of the event stream (`get` gives the next event); _Irregular where the loaders must read."""
    if type(get()) is not yaml.StreamStartEvent:
        raise _Irregular("stream")  # pragma: no cover - libyaml's first event
    event = get()
    if type(event) is yaml.StreamEndEvent:
        return None  # an empty stream, as get_single_data gives it
    if type(event) is not yaml.DocumentStartEvent:
        raise _Irregular("document")  # pragma: no cover - libyaml's second event otherwise
    scalar_event, mapping_start = yaml.ScalarEvent, yaml.MappingStartEvent
    starts, ends = (mapping_start, yaml.SequenceStartEvent), (yaml.MappingEndEvent, yaml.SequenceEndEvent)
    # The open collections, innermost last: [the mapping or list, the key read whose value comes next, its line].
    stack: list[list[Any]] = []
    while True:
        event = get()
        kind = type(event)
        if kind is scalar_event:
            value = _scalar(event)
        elif kind in starts:
            if event.anchor is not None or event.tag is not None:
                raise _Irregular("anchor or tag")
            if kind is mapping_start:
                value = YamlMapping()
                value.lines = {}
                value.line = event.start_mark.line + 1
            else:
                value = []
        elif kind in ends:  # the collection is in its parent already
            root = stack.pop()[0]
            if not stack:
                break
            continue
        else:
            raise _Irregular(kind.__name__)  # an alias, or what a parser gives no other way
        if not stack:  # the document's own node
            if kind is scalar_event:
                root = value
                break
            stack.append([value, None, 0])
            continue
        frame = stack[-1]
        container = frame[0]
        if type(container) is list:
            container.append(value)
        elif frame[1] is None:  # a key: text (or a number or a truth value, read as text), said once
            if kind is not scalar_event or not isinstance(value, str | int) or str(value) in container:
                raise _Irregular("key")  # a complex key, a key that is not text, a duplicate: the loaders say
            frame[1], frame[2] = str(value), event.start_mark.line + 1
        else:
            container[frame[1]] = value
            container.lines[frame[1]] = frame[2]
            frame[1] = None
        if kind in starts:
            stack.append([value, None, 0])
    if type(get()) is not yaml.DocumentEndEvent or type(get()) is not yaml.StreamEndEvent:
        raise _Irregular("more than one document")
    return root


def load_yaml(path: Path) -> YamlMapping:
    """Parse a YAML file whose top level is a mapping, or raise SourceError.

    Read from libyaml's events when PyYAML has libyaml and the document is plain mappings,
    lists and scalars (`_from_events`, what every record is); else parsed with libyaml
    (five times faster than PyYAML's own parser); a document libyaml refuses is parsed
    again by PyYAML's own parser, so that the message (and what is accepted) is always PyYAML's.
    """
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise SourceError(path, "file not found") from None
    except UnicodeDecodeError as exc:
        raise SourceError(path, f"not UTF-8 text ({exc.reason} at byte {exc.start})") from None
    data: Any = _from_events(text) if FAST_LOADER is not None else _IRREGULAR
    parsed = data is not _IRREGULAR
    if not parsed and FAST_LOADER is not None:
        fast = FAST_LOADER(text)
        fast.path = str(path)
        try:
            data, parsed = fast.get_single_data(), True
        except yaml.YAMLError:
            pass  # said again below, in PyYAML's words
        finally:
            fast.dispose()
    if not parsed:
        loader = LineLoader(text)
        loader.path = str(path)
        try:
            data = loader.get_single_data()
        except yaml.MarkedYAMLError as exc:
            line, message = yamlerrors.describe(text, exc)
            raise SourceError(path, message, line) from None
        except yaml.YAMLError as exc:
            raise SourceError(path, f"malformed YAML: {exc}") from None
        finally:
            loader.dispose()
    if not isinstance(data, YamlMapping):
        raise SourceError(path, "expected a mapping of fields at the top level")
    return data


# ---------------------------------------------------------------------------
# Field readers: each names the field and what it expects
# ---------------------------------------------------------------------------


class Fields:
    """Reads typed fields from one mapping, raising SourceError with file, line and field."""

    def __init__(self, path: Path, mapping: YamlMapping, where: str = "") -> None:
        self.path = path
        self.mapping = mapping
        self.where = where

    def name(self, key: str) -> str:
        return f"{self.where}.{key}" if self.where else key

    def line(self, key: str | None = None) -> int:
        if key is not None and key in self.mapping.lines:
            return self.mapping.lines[key]
        return self.mapping.line

    def fail(self, key: str | None, expected: str) -> SourceError:
        field = self.name(key) if key else (self.where or "record")
        return SourceError(self.path, f"field '{field}': {expected}", self.line(key))

    def only(self, allowed: Iterable[str]) -> None:
        allowed = set(allowed)
        for key in self.mapping:
            if key not in allowed:
                raise self.fail(key, f"unknown field; expected one of {', '.join(sorted(allowed))}")

    def require(self, key: str) -> Any:
        if key not in self.mapping or self.mapping[key] is None:
            raise self.fail(key, "missing; this field is required")
        return self.mapping[key]

    def text(self, key: str, optional: bool = False) -> str | None:
        if optional and self.mapping.get(key) is None:
            return None
        value = self.require(key)
        if not isinstance(value, str) or not value.strip():
            raise self.fail(key, f"expected text, got {value!r}")
        return value

    def slug(self, key: str) -> str:
        value = self.require(key)
        if not isinstance(value, str) or not SLUG.match(value):
            raise self.fail(key, f"expected an identifier of lowercase letters, digits and hyphens, got {value!r}")
        return value

    def integer(self, key: str) -> int:
        value = self.require(key)
        if isinstance(value, bool) or not isinstance(value, int):
            raise self.fail(key, f"expected a whole number, got {value!r}")
        return value

    def number(self, key: str) -> int | Decimal:
        """A whole number (int), or an amount with decimals written as a decimal number (Decimal)."""
        value = self.require(key)
        if isinstance(value, int) and not isinstance(value, bool):
            return value
        if isinstance(value, float) and Decimal(repr(value)).is_finite():
            return Decimal(repr(value))
        raise self.fail(
            key, f"expected a whole number, got {value!r}; an amount of money may have decimals, such as 3.75"
        )

    def string(self, key: str) -> str:
        """Text that may be empty (what a blank cell reads)."""
        value = self.require(key)
        if not isinstance(value, str):
            raise self.fail(key, f"expected text in quotes, got {value!r}")
        return value

    def decimal(self, key: str) -> Decimal:
        value = self.require(key)
        if isinstance(value, bool) or not isinstance(value, int | float | str):
            raise self.fail(key, f"expected a number, got {value!r}")
        try:
            number = Decimal(str(value))
        except InvalidOperation:
            raise self.fail(key, f"expected a number, got {value!r}") from None
        if not number.is_finite():
            raise self.fail(key, f"expected a finite number, got {value!r}")
        return number

    def date(self, key: str) -> dt.date:
        value = self.require(key)
        if isinstance(value, dt.datetime) or not isinstance(value, dt.date):
            raise self.fail(key, f"expected a date written YYYY-MM-DD, got {value!r}")
        return value

    def mapping_of(self, key: str, optional: bool = False) -> Fields | None:
        if optional and self.mapping.get(key) is None:
            return None
        value = self.require(key)
        if not isinstance(value, YamlMapping):
            raise self.fail(key, "expected a mapping of fields")
        return Fields(self.path, value, self.name(key))

    def labels(self, key: str) -> Labels:
        sub = self.mapping_of(key)
        assert sub is not None
        sub.only({"zh", "en"})
        return Labels(zh=str(sub.text("zh")), en=str(sub.text("en")))

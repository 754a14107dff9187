"""YAML to plain data that remembers where every key sits, and pydantic errors mapped back.

PyYAML's ``safe_load`` forgets where each value came from, so files are read as
a stream of parser events (which keep their marks) and built into data by hand:
that is where duplicate keys are caught, and where every budget is enforced.
Pydantic's error ``loc`` is then mapped back to the line of the nearest node it
names.

A file is held to budgets before and while it is read, so that no input, however
hostile, can hang the loader, exhaust its memory or crash it (docs/format.md,
"Limits"):

- only regular files are read (never a FIFO, a device or a folder), and at most
  ``MAX_FILE_BYTES`` of them;
- the text is UTF-8 (or UTF-16/32 with a byte-order mark) without control
  characters;
- one YAML document per file;
- at most ``MAX_DEPTH`` levels of nesting and ``MAX_NODES`` values, counted
  with every alias expanded: an alias repeats its anchor's whole value, so a
  500-byte file of nested aliases would otherwise stand for hundreds of
  millions of values (PyYAML writes anchors for shared objects, so they are
  allowed within the budget rather than refused);
- only the tags of plain data (``!!str``, ``!!int``, ``!!float``, ``!!bool``,
  ``!!null``, ``!!map``, ``!!seq``). An unquoted date is text: the format has
  no date type.

Every refusal is a ``ScenarioLoadError`` naming file, line and column.
"""

from __future__ import annotations

import errno
import os
import re
import stat
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

from ..errors import (
    AppraisalError,
    Location,
    ScenarioLoadError,
    ValidationReport,
)

KeyPath = tuple[str | int, ...]
ModelT = TypeVar("ModelT", bound=BaseModel)

MAX_FILE_BYTES = 10 * 1024 * 1024
"""The largest YAML file read: 10 MiB.

The bundled rule base, the largest real file, is about 100 KB, mostly prose;
this leaves a hundredfold margin while bounding what one file can cost (a few
seconds, a few hundred MB).
"""

MAX_DEPTH = 100
"""The deepest nesting of mappings and lists. The format needs about a dozen
levels (a condition inside a rule inside ``rules``); the models and the rules,
which recurse, stay far from Python's recursion limit."""

MAX_NODES = 250_000
"""The most values (keys, scalars, mappings and lists) in one file, each alias
counted as the values it repeats; the bundled rule base has about 5,000. Bounds
the work of an alias bomb, and the time and memory of a file of tiny values
(``[0,0,0,...]``), which the size limit alone would let reach five million."""


@dataclass(frozen=True)
class Marks:
    """Line and column (1-based) of every key path in one YAML file."""

    path: str
    positions: Mapping[KeyPath, tuple[int, int]] = field(default_factory=dict)
    flow_mappings: frozenset[KeyPath] = frozenset()
    """The mappings written in flow style (``{a: 1, b: 2}``), where a comma ends a value."""

    def locate(self, key_path: KeyPath, field_name: str | None = None) -> Location:
        """The location of the deepest prefix of ``key_path`` that the file has."""
        for end in range(len(key_path), -1, -1):
            prefix = key_path[:end]
            if prefix in self.positions:
                line, column = self.positions[prefix]
                return Location(self.path, line, column, field_name or format_key_path(key_path))
        return Location(self.path, None, None, field_name or format_key_path(key_path))


def format_key_path(key_path: KeyPath) -> str | None:
    """``('options', 'x', 'values', 0)`` -> ``options.x.values[0]``.

    A key that is not a plain word (a space, a dot, an invisible character
    such as a zero-width space) is quoted, ``evidence['rate\\u200b']``, so the
    message shows what is wrong with it.
    """
    text = ""
    for part in key_path:
        if isinstance(part, int):
            text += f"[{part}]"
        elif not _PLAIN_KEY.fullmatch(part):
            text += f"[{part!r}]"
        else:
            text += f".{part}" if text else str(part)
    return text or None


_PLAIN_KEY = re.compile(r"[A-Za-z0-9_\-]+")


def read_yaml(path: Path) -> tuple[Any, Marks]:
    """Parse one YAML file safely, within the budgets above, and keep positions."""
    shown = display_path(path)
    data = _read_bytes(path, shown)
    return parse_yaml(_decode(data, shown), shown)


def display_path(path: Path) -> str:
    """A path as the user will recognise it: relative to the cwd when inside it.

    Never raises: a path that cannot be resolved (a loop of symbolic links, a
    NUL character, a working folder since deleted) is shown as given.
    """
    try:
        cwd = Path.cwd().resolve()
    except (OSError, RuntimeError):
        return str(path)
    try:
        resolved = path.resolve()
    except (OSError, RuntimeError, ValueError):
        resolved = Path(os.path.abspath(path)) if "\x00" not in str(path) else path
    try:
        relative = resolved.relative_to(cwd)
    except ValueError:
        return str(path)
    return str(relative) if relative.parts else str(path)


# --------------------------------------------------------------------------- files


def file_problem(path: Path) -> str | None:
    """Why ``path`` cannot be read as a YAML file, or None if it can.

    The answer completes "file 'x' ..." ("not found", "is a directory, not a
    YAML file"), so a caller can name both the file and where it was referred
    to. Checked before opening, so a FIFO is never opened (which would block)
    and a device never read (``/dev/zero`` never ends).
    """
    try:
        info = os.stat(path)
    except ValueError:  # an embedded NUL: no file system accepts one
        return "has a NUL character in its name"
    except OSError as error:
        return _os_problem(error)
    return _kind_problem(info)


def _os_problem(error: OSError) -> str:
    """An ``OSError`` about a path, completing "file 'x' ..."."""
    reasons = {
        errno.ENOENT: "not found",
        errno.ENOTDIR: "not found (a part of its path is a file, not a folder)",
        errno.EACCES: "cannot be read: permission denied",
        errno.EPERM: "cannot be read: permission denied",
        errno.ELOOP: "is a loop of symbolic links",
        errno.ENAMETOOLONG: "has a name too long for the file system",
        errno.EISDIR: "is a directory, not a YAML file",
    }
    return reasons.get(error.errno or 0) or f"cannot be read: {error.strerror or error}"


def _kind_problem(info: os.stat_result) -> str | None:
    """Why a file of this kind and size is not read; None for a regular file within budget."""
    mode = info.st_mode
    if stat.S_ISDIR(mode):
        return "is a directory, not a YAML file"
    if not stat.S_ISREG(mode):
        kinds = (
            (stat.S_ISFIFO, "a FIFO"),
            (stat.S_ISCHR, "a character device"),
            (stat.S_ISBLK, "a block device"),
            (stat.S_ISSOCK, "a socket"),
        )
        kind = next((name for test, name in kinds if test(mode)), "a special file")
        return f"is not a regular file ({kind})"
    if info.st_size > MAX_FILE_BYTES:
        limit = _megabytes(MAX_FILE_BYTES)
        return f"is {_megabytes(info.st_size)}, over the {limit} limit for a YAML file"
    return None


def _megabytes(size: int) -> str:
    return f"{size / (1024 * 1024):.1f} MB".replace(".0 MB", " MB")


def _read_bytes(path: Path, shown: str) -> bytes:
    """The file's bytes, if it is a regular file within the size limit.

    The kind is checked again on the open descriptor, so a file swapped for a
    FIFO after the first check is still refused (a FIFO opened non-blocking
    does not wait for a writer); at most one byte over the limit is read, so a
    file that grows, or that reports no size as ``/proc`` files do, cannot
    exhaust memory.
    """
    problem = file_problem(path)
    if problem is not None:
        raise ScenarioLoadError(_about_file(problem), Location(shown))
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0)
    try:
        descriptor = os.open(path, flags)
    except OSError as error:
        raise ScenarioLoadError(_about_file(_os_problem(error)), Location(shown)) from None
    try:
        with os.fdopen(descriptor, "rb") as handle:
            problem = _kind_problem(os.fstat(handle.fileno()))
            if problem is not None:
                raise ScenarioLoadError(_about_file(problem), Location(shown))
            data = handle.read(MAX_FILE_BYTES + 1)
    except OSError as error:
        raise ScenarioLoadError(_about_file(_os_problem(error)), Location(shown)) from None
    if len(data) > MAX_FILE_BYTES:
        limit = _megabytes(MAX_FILE_BYTES)
        raise ScenarioLoadError(f"is over the {limit} limit for a YAML file", Location(shown))
    return data


def _about_file(problem: str) -> str:
    """A ``file_problem`` said of a file its location already names."""
    return f"file {problem}" if problem.startswith("not found") else problem


_BOMS = (
    (b"\x00\x00\xfe\xff", "utf-32-be", "UTF-32"),
    (b"\xff\xfe\x00\x00", "utf-32-le", "UTF-32"),
    (b"\xef\xbb\xbf", "utf-8", "UTF-8"),
    (b"\xfe\xff", "utf-16-be", "UTF-16"),
    (b"\xff\xfe", "utf-16-le", "UTF-16"),
)
"""Byte-order marks, longest first, with the codec each announces."""


def _decode(data: bytes, shown: str) -> str:
    """Text from UTF-8, or from UTF-16/32 with a byte-order mark (the encodings YAML allows).

    An undecodable byte is reported at its line and column, which a byte offset
    ("position 121") does not let a user find.
    """
    codec, name = "utf-8", "UTF-8"
    for bom, bom_codec, bom_name in _BOMS:
        if data.startswith(bom):
            data, codec, name = data[len(bom) :], bom_codec, bom_name
            break
    try:
        return data.decode(codec)
    except UnicodeDecodeError as error:
        line, column = _line_column(data[: error.start].decode(codec, errors="replace"))
        bad = data[error.start : min(error.end, error.start + 4)].hex(" ")
        raise ScenarioLoadError(
            f"the file is not valid {name} (bytes {bad}: {error.reason}); save it as UTF-8",
            Location(shown, line, column),
        ) from None


def _line_column(before: str) -> tuple[int, int]:
    """The 1-based line and column of the character that follows ``before``."""
    return before.count("\n") + 1, len(before) - (before.rfind("\n") + 1) + 1


_NOT_PRINTABLE = re.compile("[^\t\n\r\x20-\x7e\x85\xa0-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
"""A character YAML does not allow in a file (outside its ``c-printable`` set)."""


# --------------------------------------------------------------------------- parsing


class _Loader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):  # type: ignore[misc]
    """libyaml's safe parser when PyYAML was built with it (ten times faster), else PyYAML's.

    Unquoted dates resolve to text: the format has no date type, and a date
    such as ``2014-13-01`` would otherwise fail in the constructor.
    """

    yaml_implicit_resolvers = {
        first: [(tag, regexp) for tag, regexp in resolvers if not tag.endswith(":timestamp")]
        for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
    }


_RESOLVED_FIRSTS: frozenset[str] | None = (
    None if None in _Loader.yaml_implicit_resolvers else frozenset(_Loader.yaml_implicit_resolvers)
)
"""The first characters of plain scalars that may be other than text (numbers, booleans,
nulls...); any other plain scalar, and every quoted one, is text (None: any may not be)."""


def _surely_text(text: str, implicit: tuple[bool, bool]) -> bool:
    """Whether an untagged scalar is text without asking the resolver: quoted, or plain
    with a first character no implicit tag starts with. Most values of a file are."""
    if not implicit[0]:
        return True
    return _RESOLVED_FIRSTS is not None and text != "" and text[0] not in _RESOLVED_FIRSTS


_CORE = "tag:yaml.org,2002:"
_SCALAR, _ALIAS = yaml.ScalarEvent, yaml.AliasEvent
_MAPPING_START, _MAPPING_END, _SEQUENCE_END = (
    yaml.MappingStartEvent,
    yaml.MappingEndEvent,
    yaml.SequenceEndEvent,
)
_STR = _CORE + "str"
_INT = _CORE + "int"
_COLLECTION_TAGS = {"mapping": _CORE + "map", "list": _CORE + "seq"}
_SCALAR_KINDS = {
    _INT: "a whole number",
    _CORE + "float": "a number",
    _CORE + "bool": "true or false",
    _CORE + "null": "null",
}
"""The scalar tags of plain data besides ``!!str``, and what each reads."""


def _short_tag(tag: str) -> str:
    return "!!" + tag.removeprefix(_CORE) if tag.startswith(_CORE) else tag


def _excerpt(text: str, limit: int = 40) -> str:
    return repr(text if len(text) <= limit else text[:limit] + "...")


class _Frame:
    """A mapping or list being built, and where its next item goes.

    This and ``_Anchored`` are plain classes, not dataclasses, as they are used
    only here: a dataclass costs its generated methods at every start.
    """

    __slots__ = ("anchor", "data", "height", "key", "key_at", "key_path", "mapping", "start")

    def __init__(
        self,
        data: dict[str | int, Any] | list[Any],
        key_path: KeyPath,
        anchor: str | None,
        start: int,
        mapping: bool,
    ) -> None:
        self.data = data
        self.key_path = key_path
        self.anchor = anchor
        self.start = start
        """The count of values when this one began, to size it for its anchor."""
        self.mapping = mapping
        self.key: str | int | None = None
        """A mapping's key awaiting its value; None while the next event is a key."""
        self.key_at: KeyPath = ()
        """The key path of the key awaiting its value."""
        self.height = 1
        """Levels of nesting in and below this value."""


class _Anchored:
    """A value with an anchor, for its aliases to repeat: its size and height count again."""

    __slots__ = ("height", "size", "value")

    def __init__(self, value: Any, size: int, height: int) -> None:
        self.value = value
        self.size = size
        self.height = height


class _Builder:
    """Plain data from parser events, keeping every position and every budget.

    Built with an explicit stack, not recursion, so depth is limited by
    ``MAX_DEPTH`` alone and never by Python's recursion limit. A file holds
    thousands of events, so the common ones (a plain key, a plain text value)
    take a short path; anything else goes through the full checks.
    """

    def __init__(self, loader: Any, shown: str) -> None:
        self.loader = loader
        self.shown = shown
        self.positions: dict[KeyPath, tuple[int, int]] = {}
        self.flow_mappings: set[KeyPath] = set()
        self.nodes = 0
        self.anchors: dict[str, _Anchored] = {}
        self.implied_tags: dict[tuple[str, tuple[bool, bool]], str] = {}
        self.constructed: dict[tuple[str, str], Any] = {}
        """Scalars of the core tags already read, by tag and text: numbers, booleans, nulls."""

    def fail(self, message: str, event: Any, key_path: KeyPath = ()) -> ScenarioLoadError:
        """An error at the event's mark, naming the field (its first levels, if deep)."""
        mark = event.start_mark
        name = format_key_path(key_path[:8])
        if name is not None and len(key_path) > 8:
            name += f"... ({len(key_path)} levels)"
        return ScenarioLoadError(
            message, Location(self.shown, mark.line + 1, mark.column + 1, name)
        )

    def document(self) -> Any:
        """The one document of the stream."""
        loader = self.loader
        loader.get_event()  # the stream starts
        if loader.check_event(yaml.StreamEndEvent):
            raise ScenarioLoadError("the file is empty", Location(self.shown, 1, 1))
        loader.get_event()  # the document starts
        data = self.node()
        loader.get_event()  # the document ends
        if loader.check_event(yaml.DocumentStartEvent):
            raise self.fail(
                "a second YAML document starts here; a file holds one document",
                loader.get_event(),
            )
        return data

    def node(self) -> Any:
        """One node and everything inside it.

        An alias stands for its anchor's value, shared rather than copied (as
        ``yaml.safe_load`` does); positions inside it are those of the alias.
        """
        stack: list[_Frame] = []
        next_event = self.loader.get_event
        positions = self.positions
        implied_tags = self.implied_tags
        while True:
            event = next_event()
            kind = type(event)
            value: Any
            height = 0
            if kind is _MAPPING_END or kind is _SEQUENCE_END:
                value, height = self.finish(stack.pop())
            else:
                parent = stack[-1] if stack else None
                if parent is None:
                    key_path: KeyPath = ()
                    mark = event.start_mark
                    positions.setdefault(key_path, (mark.line + 1, mark.column + 1))
                elif parent.mapping:
                    if parent.key is None:
                        self.mapping_key(event, parent)
                        continue
                    key_path = parent.key_at  # its position is the key's, recorded already
                else:
                    key_path = (*parent.key_path, len(parent.data))
                    mark = event.start_mark
                    positions.setdefault(key_path, (mark.line + 1, mark.column + 1))
                if kind is _SCALAR:
                    self.nodes += 1
                    if self.nodes > MAX_NODES:
                        self.count(0, event, key_path)
                    text = event.value
                    implicit = event.implicit
                    if event.tag is None and (
                        _surely_text(text, implicit) or implied_tags.get((text, implicit)) == _STR
                    ):
                        value = text
                    else:
                        value = self.scalar(event, key_path)
                    if event.anchor is not None:
                        self.anchors[event.anchor] = _Anchored(value, 1, 0)
                elif kind is _ALIAS:
                    value, height = self.alias(event, key_path, len(stack))
                else:
                    stack.append(self.start(event, key_path, len(stack)))
                    continue
            if not stack:
                return value
            parent = stack[-1]
            if height >= parent.height:
                parent.height = height + 1
            if parent.mapping:
                assert isinstance(parent.data, dict) and parent.key is not None
                parent.data[parent.key] = value
                parent.key = None
            else:
                assert isinstance(parent.data, list)
                parent.data.append(value)

    def start(self, event: Any, key_path: KeyPath, depth: int) -> _Frame:
        """The frame of a mapping or list that starts, within the budgets."""
        self.count(1, event, key_path)
        self.check_collection(event, key_path, depth)
        mapping = type(event) is _MAPPING_START
        if mapping and event.flow_style:
            self.flow_mappings.add(key_path)
        return _Frame({} if mapping else [], key_path, event.anchor, self.nodes - 1, mapping)

    def finish(self, done: _Frame) -> tuple[Any, int]:
        """A mapping or list that ends, and its height; recorded for aliases if anchored."""
        if done.anchor is not None:
            size = self.nodes - done.start
            self.anchors[done.anchor] = _Anchored(done.data, size, done.height)
        return done.data, done.height

    def mapping_key(self, event: Any, parent: _Frame) -> None:
        """Read the key a mapping's next value goes under, with its position.

        A plain text key seen before in the file (its tag already worked out)
        takes the short path; the checks of ``key`` all hold for it.
        """
        data = parent.data
        if type(event) is _SCALAR and event.anchor is None and event.tag is None:
            text = event.value
            implicit = event.implicit
            if (
                text
                and text not in data
                and (
                    _surely_text(text, implicit) or self.implied_tags.get((text, implicit)) == _STR
                )
            ):
                self.nodes += 1
                if self.nodes > MAX_NODES:
                    self.count(0, event, parent.key_path)
                key_at = (*parent.key_path, text)
                mark = event.start_mark
                self.positions[key_at] = (mark.line + 1, mark.column + 1)
                parent.key, parent.key_at = text, key_at
                return
        key = self.key(event, parent)
        parent.key, parent.key_at = key, (*parent.key_path, key)

    def count(self, values: int, event: Any, key_path: KeyPath) -> None:
        """Count values (an alias counts those it repeats), refusing more than ``MAX_NODES``."""
        self.nodes += values
        if self.nodes > MAX_NODES:
            through = ", counting each alias as the values it repeats" if self.anchors else ""
            raise self.fail(
                f"the file holds more than {MAX_NODES:,} values{through};"
                " that is the limit for one file",
                event,
                key_path,
            )

    def alias(self, event: Any, key_path: KeyPath, depth: int) -> tuple[Any, int]:
        """The value an alias repeats, and its height, within the budgets."""
        anchored = self.anchors.get(event.anchor)
        if anchored is None:
            raise self.fail(
                f"the alias *{event.anchor} names no anchor &{event.anchor} completed before it",
                event,
                key_path,
            )
        self.count(anchored.size, event, key_path)
        if depth + anchored.height > MAX_DEPTH:
            raise self.fail(
                f"with the alias *{event.anchor} expanded, values are nested more than"
                f" {MAX_DEPTH} levels deep, the limit for one file",
                event,
                key_path,
            )
        return anchored.value, anchored.height

    def check_collection(self, event: Any, key_path: KeyPath, depth: int) -> None:
        """A plain mapping or list, not nested too deep."""
        kind = "mapping" if isinstance(event, yaml.MappingStartEvent) else "list"
        if event.tag not in (None, "!", _COLLECTION_TAGS[kind]):
            raise self.fail(
                f"unsupported YAML tag {_short_tag(event.tag)!r} on a {kind}:"
                " the format uses plain mappings and lists",
                event,
                key_path,
            )
        if depth >= MAX_DEPTH:
            raise self.fail(
                f"nested more than {MAX_DEPTH} levels deep, the limit for one file",
                event,
                key_path,
            )

    def key(self, event: Any, parent: _Frame) -> str | int:
        """A mapping key: the text as written, or a whole number (anchor points).

        Keys are ids, so ``yes:``, ``on:`` and ``null:`` stay the text written
        rather than becoming ``True`` or nothing.
        """
        if not isinstance(event, yaml.ScalarEvent) or event.anchor is not None:
            raise self.fail(
                "mapping keys must be plain scalars (no mapping, list, anchor or alias)",
                event,
                parent.key_path,
            )
        self.count(1, event, parent.key_path)
        tag = self.resolve(event)
        if tag == _CORE + "merge":
            raise self.fail(
                "merge keys ('<<') are not supported; write the keys out", event, parent.key_path
            )
        key: str | int = event.value
        if tag == _INT:
            number = self.construct(event, tag, parent.key_path)
            key = number if isinstance(number, int) else event.value
        elif tag != _STR and (tag not in _SCALAR_KINDS or event.tag is not None):
            raise self.fail(
                f"unsupported YAML tag {_short_tag(tag)!r} on a key", event, parent.key_path
            )
        if key == "":
            raise self.fail("a mapping key cannot be empty", event, parent.key_path)
        key_path = (*parent.key_path, key)
        assert isinstance(parent.data, dict)
        if key in parent.data:
            first = self.positions.get(key_path)
            earlier = f" (first defined on line {first[0]})" if first else ""
            raise self.fail(f"duplicate key {key!r}{earlier}", event, key_path)
        mark = event.start_mark
        self.positions[key_path] = (mark.line + 1, mark.column + 1)
        return key

    def resolve(self, event: Any) -> str:
        """A scalar's tag: the explicit one, or the one its plain text implies.

        The implied tag depends on the text and its style alone (the loader has
        no path resolvers), so each is worked out once per file: keys repeat.
        """
        if event.tag is None:
            implied = (event.value, event.implicit)
            tag = self.implied_tags.get(implied)
            if tag is None:
                tag = self.implied_tags[implied] = str(
                    self.loader.resolve(yaml.ScalarNode, event.value, event.implicit)
                )
            return tag
        return _STR if event.tag == "!" else str(event.tag)

    def scalar(self, event: Any, key_path: KeyPath) -> Any:
        tag = self.resolve(event)
        if tag == _STR:
            return event.value
        if tag in _SCALAR_KINDS:
            return self.construct(event, tag, key_path)
        if event.tag is None:  # an implicit tag that means nothing here ('=', '<<'): text
            return event.value
        hint = ": the format has no dates; write them as text" if tag.endswith("timestamp") else ""
        raise self.fail(f"unsupported YAML tag {_short_tag(tag)!r}{hint}", event, key_path)

    def construct(self, event: Any, tag: str, key_path: KeyPath) -> Any:
        """A scalar of a core tag; a value the tag cannot read is a located error.

        What a tag reads from a text depends on them alone, and the values are
        immutable (numbers, booleans, null), so each is read once per file.
        """
        known = self.constructed.get((tag, event.value), _UNREAD)
        if known is not _UNREAD:
            return known
        node = yaml.ScalarNode(tag, event.value, event.start_mark, event.end_mark, event.style)
        try:
            value = self.loader.yaml_constructors[tag](self.loader, node)
        except (ValueError, TypeError, KeyError, AttributeError, OverflowError, yaml.YAMLError):
            written = f"{_short_tag(tag)} " if event.tag is not None else ""
            raise self.fail(
                f"{written}{_excerpt(event.value)} cannot be read as {_SCALAR_KINDS[tag]}",
                event,
                key_path,
            ) from None
        self.constructed[tag, event.value] = value
        return value


_UNREAD = object()
"""No value read yet for a tag and text."""


def parse_yaml(text: str, shown: str) -> tuple[Any, Marks]:
    """Data and positions from the text of one YAML file; ``shown`` names it in errors."""
    bad = _NOT_PRINTABLE.search(text)
    if bad is not None:
        line, column = _line_column(text[: bad.start()])
        code = ord(bad.group())
        hint = " (is the file UTF-16 without a byte-order mark?)" if code == 0 else ""
        raise ScenarioLoadError(
            f"control character U+{code:04X} is not allowed in a YAML file{hint}",
            Location(shown, line, column),
        )
    loader = _Loader(text)
    builder = _Builder(loader, shown)
    try:
        data = builder.document()
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        at = Location(shown, mark.line + 1, mark.column + 1) if mark else Location(shown)
        message = error.problem or "invalid YAML"
        if error.context and error.context_mark is not None:
            message += f" ({error.context} from line {error.context_mark.line + 1})"
        raise ScenarioLoadError(f"YAML syntax error: {message}", at) from None
    except yaml.YAMLError as error:  # a character the reader refuses, unlocated
        raise ScenarioLoadError(f"YAML error: {error}", Location(shown)) from None
    finally:
        loader.dispose()
    return data, Marks(shown, builder.positions, frozenset(builder.flow_mappings))


def validate_model(model: type[ModelT], data: Any, marks: Marks) -> ModelT:
    """Validate with pydantic; turn every error into one located error."""
    if not isinstance(data, dict):
        raise ScenarioLoadError(
            f"expected a mapping at the top of the file, found {type(data).__name__}",
            marks.locate(()),
        )
    try:
        return model.model_validate(data)
    except ValidationError as error:
        problems: list[AppraisalError] = []
        for detail in error.errors():
            key_path = _data_path(detail["loc"], data)
            message = detail["msg"].removeprefix("Value error, ")
            if detail["type"] == "extra_forbidden":
                message = "unknown field (not part of the format)"
                message += _comma_hint(key_path, detail["input"], data, marks)
            elif detail["type"] == "missing":
                message = "required field is missing"
            elif detail["type"] == "string_pattern_mismatch" or (
                detail["loc"][-1:] == ("[key]",) and detail["type"] == "string_type"
            ):
                message = (
                    "an id starts with a letter and holds only letters, digits, '_' and '-',"
                    f" not {_excerpt(str(detail['input']))}"
                )
            problems.append(ScenarioLoadError(message, marks.locate(key_path)))
        if len(problems) == 1:
            raise problems[0] from error
        raise ValidationReport(problems) from error


def _comma_hint(key_path: KeyPath, value: Any, data: Any, marks: Marks) -> str:
    """Advice when an unknown field is the tail of a value cut at a comma in ``{...}``.

    In a flow mapping a comma ends a value, so ``{rationale: Rotas, with gaps.}``
    reads as a ``rationale`` of ``Rotas`` and a field ``with gaps.`` with no
    value; the fix is to quote the value before it.
    """
    parent = key_path[:-1]
    if value is not None or not key_path or parent not in marks.flow_mappings:
        return ""
    mapping: Any = data
    for part in parent:
        mapping = mapping[part]
    keys = list(mapping)
    if key_path[-1] not in keys:
        return ""
    index = keys.index(key_path[-1])
    hint = "; inside {...} a comma ends a value"
    previous = keys[index - 1] if index > 0 else None
    if previous is not None and isinstance(mapping[previous], str | int | float):
        joined = f"{mapping[previous]}, {key_path[-1]}".replace('"', '\\"')
        return f'{hint}, so quote the value that holds it: {previous}: "{joined}"'
    return f"{hint}, so quote a value that holds one"


def _as_int(text: str) -> int | None:
    try:
        return int(text) if len(text) < 4000 else None
    except ValueError:
        return None


_UNION_TAGS = frozenset(
    ("all", "any", "not", "known", "compare", "derive", "adjust", "set", "fail_gate")
    + ("fact", "value")
)
"""The tags pydantic puts in ``loc`` for the conditions, effects and operands it
tells apart; several are also keys of the mapping they tag (``adjust: x``)."""


def _data_path(loc: tuple[Any, ...], data: Any) -> KeyPath:
    """Drop pydantic's union tags from ``loc``, keeping only keys present in the data."""
    path: list[str | int] = []
    node = data
    for index, part in enumerate(loc):
        following = loc[index + 1] if index + 1 < len(loc) else None
        if part == "[key]":  # pydantic's marker for a problem with the key itself
            break
        if isinstance(node, dict) and isinstance(part, str) and part not in node:
            number = _as_int(part)  # pydantic writes a key beyond 64 bits as text
            part = number if number is not None and number in node else part
        if isinstance(node, dict) and part in _UNION_TAGS and following in node:
            continue  # the tag of the mapping ``node`` itself, then one of its fields
        if isinstance(node, dict) and part in node:
            path.append(part)
            node = node[part]
        elif isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node):
            path.append(part)
            node = node[part]
        elif isinstance(node, dict) and part == "not_" and "not" in node:
            path.append("not")
            node = node["not"]
        elif isinstance(part, str) and not isinstance(node, dict | list):
            break
        elif isinstance(node, dict) and isinstance(part, str) and part not in _UNION_TAGS:
            path.append(part)  # a missing field: name it
            break
    return tuple(path)


# --------------------------------------------------------------------------- loading

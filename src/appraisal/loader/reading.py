"""YAML to plain data that remembers where every key sits, and pydantic errors mapped back.

PyYAML's ``safe_load`` forgets where each value came from, so files are composed
into nodes (which keep their marks) and converted by hand: that is also where
duplicate keys are caught. Pydantic's error ``loc`` is then mapped back to the
line of the nearest node it names.
"""

from __future__ import annotations

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


@dataclass(frozen=True)
class Marks:
    """Line and column (1-based) of every key path in one YAML file."""

    path: str
    positions: Mapping[KeyPath, tuple[int, int]] = field(default_factory=dict)

    def locate(self, key_path: KeyPath, field_name: str | None = None) -> Location:
        """The location of the deepest prefix of ``key_path`` that the file has."""
        for end in range(len(key_path), -1, -1):
            prefix = key_path[:end]
            if prefix in self.positions:
                line, column = self.positions[prefix]
                return Location(self.path, line, column, field_name or format_key_path(key_path))
        return Location(self.path, None, None, field_name or format_key_path(key_path))


def format_key_path(key_path: KeyPath) -> str | None:
    """``('options', 'x', 'values', 0)`` -> ``options.x.values[0]``."""
    text = ""
    for part in key_path:
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            text += f".{part}" if text else str(part)
    return text or None


def read_yaml(path: Path) -> tuple[Any, Marks]:
    """Parse one YAML file safely, rejecting duplicate keys, and keep positions."""
    shown = display_path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ScenarioLoadError("file not found", Location(shown)) from None
    except IsADirectoryError:
        raise ScenarioLoadError("is a directory, not a YAML file", Location(shown)) from None
    except (OSError, UnicodeDecodeError) as error:
        raise ScenarioLoadError(f"cannot read file: {error}", Location(shown)) from error
    loader = _SafeLoader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            raise ScenarioLoadError("the file is empty", Location(shown, 1, 1))
        positions: dict[KeyPath, tuple[int, int]] = {}
        data = _convert(node, (), loader, positions, shown)
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        line, column = (mark.line + 1, mark.column + 1) if mark else (None, None)
        problem = error.problem or "invalid YAML"
        raise ScenarioLoadError(
            f"YAML syntax error: {problem}", Location(shown, line, column)
        ) from error
    except yaml.YAMLError as error:
        raise ScenarioLoadError(f"YAML error: {error}", Location(shown)) from error
    finally:
        loader.dispose()
    return data, Marks(shown, positions)


_SafeLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
"""libyaml's safe loader when PyYAML was built with it (ten times faster), else PyYAML's."""

_STR_TAG = "tag:yaml.org,2002:str"
_PLAIN_TAGS = ("tag:yaml.org,2002:map", "tag:yaml.org,2002:seq")


def _convert(
    node: yaml.Node,
    key_path: KeyPath,
    loader: Any,
    positions: dict[KeyPath, tuple[int, int]],
    shown: str,
) -> Any:
    positions.setdefault(key_path, (node.start_mark.line + 1, node.start_mark.column + 1))
    if isinstance(node, yaml.MappingNode | yaml.SequenceNode) and node.tag not in _PLAIN_TAGS:
        where = Location(shown, node.start_mark.line + 1, node.start_mark.column + 1)
        raise ScenarioLoadError(f"unsupported YAML tag {node.tag!r}", where)
    if isinstance(node, yaml.MappingNode):
        result: dict[Any, Any] = {}
        for key_node, value_node in node.value:
            if key_node.tag == "tag:yaml.org,2002:merge":
                raise ScenarioLoadError(
                    "merge keys ('<<') are not supported; write the keys out",
                    Location(shown, key_node.start_mark.line + 1, key_node.start_mark.column + 1),
                )
            key = loader.construct_object(key_node, deep=True)
            if not isinstance(key, str | int | float | bool) or key is None:
                raise ScenarioLoadError(
                    f"mapping keys must be plain scalars, not {type(key).__name__}",
                    Location(shown, key_node.start_mark.line + 1, key_node.start_mark.column + 1),
                )
            key = str(key) if not isinstance(key, int) or isinstance(key, bool) else key
            if key in result:
                first = positions.get((*key_path, key))
                earlier = f" (first defined on line {first[0]})" if first else ""
                raise ScenarioLoadError(
                    f"duplicate key {key!r}{earlier}",
                    Location(
                        shown,
                        key_node.start_mark.line + 1,
                        key_node.start_mark.column + 1,
                        format_key_path((*key_path, key)),
                    ),
                )
            child_path = (*key_path, key)
            positions[child_path] = (key_node.start_mark.line + 1, key_node.start_mark.column + 1)
            result[key] = _convert(value_node, child_path, loader, positions, shown)
        return result
    if isinstance(node, yaml.SequenceNode):
        return [
            _convert(item, (*key_path, index), loader, positions, shown)
            for index, item in enumerate(node.value)
        ]
    if node.tag == _STR_TAG:  # most scalars: skip the general constructor
        return node.value
    return loader.construct_object(node, deep=True)


def display_path(path: Path) -> str:
    """A path as the user will recognise it: relative to the cwd when inside it."""
    try:
        relative = path.resolve().relative_to(Path.cwd().resolve())
    except ValueError:
        return str(path)
    return str(relative) if relative.parts else str(path)


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
            elif detail["type"] == "missing":
                message = "required field is missing"
            problems.append(ScenarioLoadError(message, marks.locate(key_path)))
        if len(problems) == 1:
            raise problems[0] from error
        raise ValidationReport(problems) from error


def _data_path(loc: tuple[Any, ...], data: Any) -> KeyPath:
    """Drop pydantic's union tags from ``loc``, keeping only keys present in the data."""
    path: list[str | int] = []
    node = data
    for part in loc:
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
        elif (
            isinstance(node, dict)
            and isinstance(part, str)
            and part
            not in ("all", "any", "not", "known", "compare", "derive", "adjust", "set", "fail_gate")
        ):
            path.append(part)  # a missing field: name it
            break
    return tuple(path)


# --------------------------------------------------------------------------- loading

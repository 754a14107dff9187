"""Conditions compiled against a model's columns: the trees a rule or verdict tests.

Compiling (``compiled``) builds them; evaluation reads them, as trees
(``evaluate.truth``, for verdicts on metrics) or flattened into a level's
arrays (``levels``, for rules).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace

import numpy as np

__all__ = [
    "OPERATORS",
    "AllNode",
    "AnyNode",
    "CompareNode",
    "KnownNode",
    "Node",
    "NotNode",
    "columns_read",
    "renumbered",
]

OPERATORS: dict[str, np.ufunc] = {
    "eq": np.equal,
    "ne": np.not_equal,
    "lt": np.less,
    "le": np.less_equal,
    "gt": np.greater,
    "ge": np.greater_equal,
}
"""Each comparison operator as the numpy function that applies it to floats."""


@dataclass(frozen=True)
class KnownNode:
    """``{known: X}``: true where column X is known, false elsewhere."""

    column: int


@dataclass(frozen=True)
class CompareNode:
    """A column (or, in verdicts, a metric) against a constant or another column.

    ``right`` is a column index, or -1 when the operand is ``constant``;
    another column's value is multiplied by ``times`` first.
    """

    op: str
    left: int
    metric: bool
    right: int
    constant: float
    times: float


@dataclass(frozen=True)
class AllNode:
    parts: tuple[Node, ...]


@dataclass(frozen=True)
class AnyNode:
    parts: tuple[Node, ...]


@dataclass(frozen=True)
class NotNode:
    part: Node


Node = KnownNode | CompareNode | AllNode | AnyNode | NotNode
"""A condition compiled against the model's columns."""


def columns_read(node: Node) -> list[int]:
    """The columns a rule's condition reads, in the order it reads them (repeats kept)."""
    if isinstance(node, KnownNode):
        return [node.column]
    if isinstance(node, CompareNode):
        return [node.left] if node.right < 0 else [node.left, node.right]
    if isinstance(node, NotNode):
        return columns_read(node.part)
    return [column for part in node.parts for column in columns_read(part)]


def renumbered(node: Node, columns: Mapping[int, int]) -> Node:
    """A rule's condition reading column ``columns[c]`` wherever it read ``c``: the same
    condition over a batch that holds only some of the model's columns."""
    if isinstance(node, KnownNode):
        return KnownNode(columns[node.column])
    if isinstance(node, CompareNode):
        right = node.right if node.right < 0 else columns[node.right]
        return replace(node, left=columns[node.left], right=right)
    if isinstance(node, NotNode):
        return NotNode(renumbered(node.part, columns))
    parts = tuple(renumbered(part, columns) for part in node.parts)
    return AllNode(parts) if isinstance(node, AllNode) else AnyNode(parts)

"""Conditions compiled against a model's columns: the trees a rule or verdict tests.

Compiling (``compiled``) builds them; evaluation reads them, as trees
(``evaluate.truth``, for verdicts on metrics) or flattened into a level's
arrays (``levels``, for rules).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = ["OPERATORS", "AllNode", "AnyNode", "CompareNode", "KnownNode", "Node", "NotNode"]

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

"""Rules grouped into levels and their conditions flattened into arrays, once, at compile.

Evaluating a rule base rule by rule, node by node, costs a few numpy calls per
node, so a batch of one row costs nearly what a batch of hundreds does. Here a
rule's *level* is one more than the highest level of the rules deriving a
finding it reads (0: it reads facts only), so the rules of one level read
only what the levels before them settled, and can be evaluated together:

- every comparison and ``known`` test of a level is a *leaf*: the columns it
  reads, gathered at once, and one numpy call per operator;
- ``not`` is pushed down to the leaves (De Morgan), so the inner nodes are
  ``all`` and ``any`` alone; nested ones of one kind merge. A node's
  *height* is one more than its highest part's; the nodes of one height and
  kind are evaluated at once, by one reduction over their parts gathered side
  by side;
- a finding is settled at the level of its last deriver, from every rule
  deriving it, in the model's order (the first to fire gives the value).

Three-valued logic rides on one small integer per node and row: false (0),
unknown (1), true (2). In that order ``all`` is the least of its parts and
``any`` the greatest, so each is one numpy reduction.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from itertools import groupby
from typing import TypeVar

import numpy as np

from ..models import Value
from .nodes import (
    OPERATORS,
    AllNode,
    AnyNode,
    CompareNode,
    KnownNode,
    Node,
    NotNode,
    columns_read,
)

__all__ = ["FALSE", "TRUE", "UNKNOWN", "Derivers", "Level", "Settling", "levels_of", "read_only"]

_Item = TypeVar("_Item")

FALSE, UNKNOWN, TRUE = 0, 1, 2
"""A condition's state in one row: ``all`` is the least of its parts, ``any`` the greatest."""
ALWAYS, NEVER = 0, 1
"""The stacked rows that are true and false throughout: what a node with fewer parts than
those beside it is padded with (true for an ``all``, false for an ``any``)."""
STACKED_FROM = 2
"""The first stacked row of a level's own nodes."""


@dataclass(frozen=True, eq=False)
class Derivers:
    """Findings settled side by side, and their derivations.

    Each finding's derivations are in the order in which the rules, run one
    by one, would derive them: by rule position, then by place in the rule.
    A derivation's *key* counts down from the last (1) to the first, so that
    the highest key among those that fired is the first of them (0: none).
    """

    columns: np.ndarray
    """The findings' columns."""
    positions: np.ndarray
    """Findings x derivations: the deriving rule's position in the model's order."""
    places: np.ndarray
    """Findings x derivations: the derivation's place among its rule's."""
    values: tuple[tuple[Value, ...], ...]
    """Per finding and derivation: the value derived, as the rule base writes it."""
    encoded: np.ndarray
    """Findings x derivations x 1: the value derived, encoded."""
    real: np.ndarray | None
    """Findings x derivations x 1: which derivations are the rules' (None: all), not padding
    that lets findings with fewer derivations go side by side with the others."""
    keys: np.ndarray
    """Derivations x 1: each derivation's key."""
    by_key: np.ndarray
    """Per finding, then key (0 to the number of derivations): the value the derivation of
    that key derives, flat..."""
    key_base: np.ndarray
    """... and (findings x 1) where each finding's values start."""
    agree: bool
    """Whether each finding's derivations all derive one value: then none can contradict
    another (only a value the finding had before)."""
    by_pattern: tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray] | None
    """Up to ``PATTERN_WIDTH`` derivations, per finding and pattern of them fired (their
    ``np.packbits``, the first the highest bit), flat: the value derived, whether any derived
    it, and whether two derived different values; with (findings x 1) where each finding's
    patterns start. Three look-ups then settle a finding with no value before (None: wider)."""

    @property
    def width(self) -> int:
        return int(self.positions.shape[1])


@dataclass(frozen=True, eq=False)
class Settling:
    """The findings settled once a level has run, from every derivation of them (any level)."""

    columns: np.ndarray
    """The findings' columns."""
    groups: tuple[Derivers, ...]
    """The findings in groups settled side by side (by their number of derivations)."""


@dataclass(frozen=True, eq=False)
class Level:
    """The rules of one level, their conditions as arrays, and the findings they settle.

    Leaves come in three runs: comparisons with a constant, comparisons with
    another column, ``known`` tests; each comparison run is sorted by operator.
    """

    positions: np.ndarray
    """The rules' positions in the model's order."""
    leaves: int
    nodes: int
    """Leaves and inner nodes: the stacked rows from ``STACKED_FROM`` hold each one's state,
    then (as many as there are leaves) where each leaf's operands are known."""
    left: np.ndarray
    """Per leaf: the column it reads (a comparison's left operand)."""
    constant_runs: tuple[tuple[np.ufunc, int, int], ...]
    """Operator, first leaf and end of each run of comparisons with a constant."""
    constants: np.ndarray
    """Leaves compared with a constant x 1: the constants."""
    column_runs: tuple[tuple[np.ufunc, int, int], ...]
    """The same for comparisons with another column."""
    columns_from: int
    """The first leaf comparing with another column."""
    right: np.ndarray
    """Per comparison with another column: that column..."""
    times: np.ndarray
    """... and (x 1) the factor its value is multiplied by."""
    known_from: int
    """The first ``known`` leaf."""
    constant_columns: tuple[tuple[np.ufunc, int, int, int], ...]
    """The comparisons with a constant again, in runs of one operator and one column read:
    operator, column, first leaf and end (a large batch compares each run in place)..."""
    column_comparisons: tuple[tuple[np.ufunc, int, int, float], ...]
    """... and those with another column one by one: operator, left and right column, factor."""
    negated: np.ndarray | None
    """Leaves x 1: which leaves are negated (None: none is)."""
    joins: tuple[tuple[int, int, np.ndarray, np.ufunc], ...]
    """The inner nodes in groups, by height, kind and number of parts: each group's first
    and end stacked row, (nodes x parts, padded) its parts' stacked rows, and how they join
    (``np.minimum`` for ``all``, ``np.maximum`` for ``any``). A group reads groups before it."""
    roots: np.ndarray
    """Per rule: the stacked row of its condition."""
    settling: Settling | None
    """The findings settled once this level's rules have run (None: none)."""


# --------------------------------------------------------------------------- normal form


class _Leaf:
    """A leaf of the normal form: a test, perhaps negated.

    This and ``_Join`` are plain classes, not dataclasses, as they are used
    only here: a dataclass costs its generated methods at every start.
    """

    __slots__ = ("negated", "node")

    def __init__(self, node: KnownNode | CompareNode, negated: bool) -> None:
        self.node = node
        self.negated = negated

    @property
    def rank(self) -> tuple[int, str, int]:
        """The leaf's run (constant, column, known), operator and column read: the order
        leaves are laid in."""
        if isinstance(self.node, KnownNode):
            return 2, "", 0
        if self.node.right < 0:
            return 0, self.node.op, self.node.left
        return 1, self.node.op, 0


class _Join:
    """Leaves and joins under one ``all`` (``every``) or ``any``, and the height below it."""

    __slots__ = ("every", "height", "parts")

    def __init__(self, every: bool, parts: list[_Leaf | _Join], height: int) -> None:
        self.every = every
        self.parts = parts
        self.height = height


def _normal(node: Node, negated: bool) -> _Leaf | _Join:
    """The condition with ``not`` pushed down to the leaves, nested nodes of one kind merged."""
    if isinstance(node, KnownNode | CompareNode):
        return _Leaf(node, negated)
    if isinstance(node, NotNode):
        return _normal(node.part, not negated)
    assert isinstance(node, AllNode | AnyNode)
    every = isinstance(node, AllNode) != negated
    parts: list[_Leaf | _Join] = []
    for part in node.parts:
        item = _normal(part, negated)
        if isinstance(item, _Join) and item.every == every:
            parts.extend(item.parts)
        else:
            parts.append(item)
    if len(parts) == 1:
        return parts[0]
    height = 1 + max(item.height if isinstance(item, _Join) else 0 for item in parts)
    return _Join(every, parts, height)


def _collect(item: _Leaf | _Join, leaves: list[_Leaf], joins: list[_Join]) -> None:
    if isinstance(item, _Leaf):
        leaves.append(item)
        return
    joins.append(item)
    for part in item.parts:
        _collect(part, leaves, joins)


# --------------------------------------------------------------------------- levels


def read_only(array: np.ndarray) -> np.ndarray:
    """``array``, made read-only: the compiled model's arrays are shared by every batch."""
    array.setflags(write=False)
    return array


def _starts(
    leaves: Sequence[_Leaf], key: Callable[[_Leaf], tuple[str, int]]
) -> list[tuple[tuple[str, int], list[_Leaf], int]]:
    """The leaves in runs of one key, each with the index of its first leaf."""
    found = []
    at = 0
    for value, same in groupby(leaves, key=key):
        run = list(same)
        found.append((value, run, at))
        at += len(run)
    return found


def _runs(leaves: Sequence[_Leaf], start: int) -> tuple[tuple[np.ufunc, int, int], ...]:
    runs = []
    at = start
    for op, same in groupby(leaves, key=lambda leaf: leaf.rank[1]):
        count = len(list(same))
        runs.append((OPERATORS[op], at, at + count))
        at += count
    return tuple(runs)


def _level(
    positions: Sequence[int], roots: Sequence[_Leaf | _Join], settling: Settling | None
) -> Level:
    leaves: list[_Leaf] = []
    joins: list[_Join] = []
    for root in roots:
        _collect(root, leaves, joins)
    leaves.sort(key=lambda leaf: leaf.rank)
    joins.sort(key=lambda join: (join.height, not join.every, len(join.parts)))
    index = {id(item): STACKED_FROM + i for i, item in enumerate([*leaves, *joins])}
    constant = [leaf for leaf in leaves if leaf.rank[0] == 0]
    column = [leaf for leaf in leaves if leaf.rank[0] == 1]
    columns_from = len(constant)
    known_from = columns_from + len(column)
    left = [
        leaf.node.column if isinstance(leaf.node, KnownNode) else leaf.node.left for leaf in leaves
    ]
    compared = [leaf.node for leaf in column if isinstance(leaf.node, CompareNode)]
    groups = []
    at = STACKED_FROM + len(leaves)
    for (_, anything), same in groupby(joins, key=lambda join: (join.height, not join.every)):
        for group in _side_by_side(list(same), lambda join: len(join.parts)):
            width = len(group[-1].parts)
            pad = NEVER if anything else ALWAYS
            parts = [[index[id(p)] for p in join.parts] for join in group]
            parts = [p + [pad] * (width - len(p)) for p in parts]
            join = np.maximum if anything else np.minimum
            groups.append((at, at + len(group), read_only(np.array(parts, dtype=np.intp)), join))
            at += len(group)
    negated = np.array([[leaf.negated] for leaf in leaves], dtype=bool)
    return Level(
        positions=read_only(np.array(positions, dtype=np.intp)),
        leaves=len(leaves),
        nodes=len(leaves) + len(joins),
        left=read_only(np.array(left, dtype=np.intp)),
        constant_runs=_runs(constant, 0),
        constants=read_only(
            np.array(
                [[leaf.node.constant] for leaf in constant if isinstance(leaf.node, CompareNode)],
                dtype=float,
            ).reshape(-1, 1)
        ),
        column_runs=_runs(column, columns_from),
        columns_from=columns_from,
        right=read_only(np.array([node.right for node in compared], dtype=np.intp)),
        times=read_only(np.array([[node.times] for node in compared], dtype=float).reshape(-1, 1)),
        known_from=known_from,
        constant_columns=tuple(
            (OPERATORS[op], left, start, start + len(list(same)))
            for (op, left), same, start in _starts(constant, lambda leaf: leaf.rank[1:])
        ),
        column_comparisons=tuple(
            (OPERATORS[node.op], node.left, node.right, node.times) for node in compared
        ),
        negated=read_only(negated) if negated.any() else None,
        joins=tuple(groups),
        roots=read_only(np.array([index[id(root)] for root in roots], dtype=np.intp)),
        settling=settling,
    )


def _side_by_side(items: Sequence[_Item], width: Callable[[_Item], int]) -> list[list[_Item]]:
    """Items (sorted by width) in groups evaluated side by side, each padded to its widest:
    as few groups as keep the padding from doubling the work."""
    groups: list[list[_Item]] = []
    cells = 0
    for item in items:
        size = width(item)
        if groups and (len(groups[-1]) + 1) * size <= 2 * (cells + size):
            groups[-1].append(item)
            cells += size
        else:
            groups.append([item])
            cells = size
    return groups


def _derivers(
    columns: Sequence[int], found: dict[int, list[tuple[int, int, float, Value]]]
) -> Derivers:
    """The findings (``columns``) and their derivations (position, place, encoded, value), in
    order; a finding with fewer derivations than the most is padded with some that never fire."""
    width = max(len(found[column]) for column in columns)
    table = [
        found[column] + [(0, -1, 0.0, False)] * (width - len(found[column])) for column in columns
    ]
    encoded = np.array([[entry[2] for entry in row] for row in table], dtype=float)
    by_key = np.zeros((len(columns), width + 1))
    by_key[:, 1:] = encoded[:, ::-1]
    real = np.array([[entry[1] >= 0] for row in table for entry in row], dtype=bool)
    agree = all(len({entry[2] for entry in found[column]}) == 1 for column in columns)
    return Derivers(
        columns=read_only(np.array(columns, dtype=np.intp)),
        positions=read_only(np.array([[e[0] for e in row] for row in table], dtype=np.intp)),
        places=read_only(np.array([[e[1] for e in row] for row in table], dtype=np.intp)),
        values=tuple(tuple(entry[3] for entry in found[column]) for column in columns),
        encoded=read_only(encoded.reshape(len(columns), width, 1)),
        real=None if real.all() else read_only(real.reshape(len(columns), width, 1)),
        keys=read_only(
            np.arange(width, 0, -1, dtype=np.int8 if width < 127 else np.intp).reshape(-1, 1)
        ),
        by_key=read_only(by_key.reshape(-1)),
        key_base=read_only(np.arange(0, by_key.size, width + 1, dtype=np.intp).reshape(-1, 1)),
        agree=agree,
        by_pattern=_by_pattern(encoded, real.reshape(len(columns), width), agree),
    )


PATTERN_WIDTH = 8
"""The most derivations of a finding settled by looking up the pattern of those fired."""

_PATTERN_BITS = np.unpackbits(np.arange(256, dtype=np.uint8)[:, None], axis=1).astype(bool)
"""Per pattern of up to eight derivations fired (``np.packbits``): which fired."""


def _by_pattern(
    encoded: np.ndarray, real: np.ndarray, agree: bool
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray] | None:
    """``Derivers.by_pattern`` for findings x derivations ``encoded`` (``real``: not padding);
    derivations that ``agree`` never clash, as ``_derive`` never compares them."""
    findings, width = encoded.shape
    if width > PATTERN_WIDTH:
        return None
    fired = _PATTERN_BITS[None, :, :width] & real[:, None, :]  # findings x patterns x derivations
    derived = fired.any(axis=2)
    first = np.argmax(fired, axis=2)
    value = np.where(derived, np.take_along_axis(encoded, first, axis=1), 0.0)
    clash = (fired & (encoded[:, None, :] != value[:, :, None])).any(axis=2) & (not agree)
    return (
        read_only(value.reshape(-1)),
        read_only(derived.reshape(-1)),
        read_only(clash.reshape(-1)),
        read_only(np.arange(0, findings * 256, 256, dtype=np.intp).reshape(-1, 1)),
    )


def _settling(
    columns: Sequence[int],
    derivations: Sequence[Sequence[tuple[int, float, Value]]],
    derivers: dict[int, list[int]],
) -> Settling:
    found = {
        column: [
            (position, place, encoded, value)
            for position in derivers[column]
            for place, (derived, encoded, value) in enumerate(derivations[position])
            if derived == column
        ]
        for column in columns
    }
    by_width = sorted(columns, key=lambda column: (len(found[column]), column))
    groups = _side_by_side(by_width, lambda column: len(found[column]))
    return Settling(
        columns=read_only(np.array(by_width, dtype=np.intp)),
        groups=tuple(_derivers(group, found) for group in groups),
    )


def levels_of(
    conditions: Sequence[Node], derivations: Sequence[Sequence[tuple[int, float, Value]]]
) -> tuple[Level, ...]:
    """The levels of rules given in an order where derivers come before readers: their
    conditions (one per rule) and derivations ((column, encoded, value) per finding)."""
    derivers: dict[int, list[int]] = {}
    for position, derived in enumerate(derivations):
        for column in dict.fromkeys(column for column, _, _ in derived):
            derivers.setdefault(column, []).append(position)
    level_of: list[int] = []
    for node in conditions:
        read = [level_of[p] + 1 for c in columns_read(node) for p in derivers.get(c, ())]
        level_of.append(max(read, default=0))
    settled_at: dict[int, list[int]] = {}
    for column in sorted(derivers):
        settled_at.setdefault(max(level_of[p] for p in derivers[column]), []).append(column)
    levels = []
    for level in range(max(level_of, default=-1) + 1):
        positions = [p for p, at in enumerate(level_of) if at == level]
        columns = settled_at.get(level)
        settling = _settling(columns, derivations, derivers) if columns else None
        levels.append(
            _level(positions, [_normal(conditions[p], False) for p in positions], settling)
        )
    return tuple(levels)

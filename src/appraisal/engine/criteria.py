"""The criteria tree, flattened once: ids, parents, sibling groups, leaves and weights.

Breadth first, so that every sibling group is a contiguous range of indices
and every parent's group comes before its children's; the declaration order
(depth first, as the file lists the criteria) is kept beside it, since records
and reports follow the file.

Raw weights matter only relative to their siblings: a criterion's *global*
weight is its share of its sibling group's raw weights times its parent's
global weight. ``global_weights`` computes exactly that, on one vector of raw
weights or on a batch of them, with the same floating-point operations in
the same order for every caller, so an appraisal and a sampled analysis at
the same weights agree to the last bit.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

from ..errors import Location, ScoringError, UnknownReferenceError
from ..models import MAX_WEIGHT, Criterion, RuleBase

__all__ = ["CriteriaTree", "KeyPath", "criteria_paths", "leaf_criteria"]

KeyPath = tuple[str | int, ...]
"""Where an item sits in a file: ``('criteria', 'benefit', 'children', 'now')``."""


@dataclass(frozen=True, eq=False)
class CriteriaTree:
    """The criteria tree flattened breadth first, so that siblings are contiguous.

    ``weights`` are raw weights (overrides applied when the tree was made
    with them); ``groups`` are the sibling groups as index ranges, every
    parent's group before its children's.
    """

    ids: tuple[str, ...]
    parents: tuple[int, ...]
    weights: tuple[float, ...]
    horizons: tuple[str | None, ...]
    groups: tuple[tuple[int, int], ...]
    directions: tuple[str, ...] = ()
    """``maximise`` or ``minimise`` per criterion (all ``maximise`` when not given)."""
    nodes: tuple[Criterion, ...] = ()
    """The criteria as declared, when the tree comes from a rule base."""
    position: Mapping[str, int] = field(init=False, repr=False)
    children: Mapping[int, tuple[int, int]] = field(init=False, repr=False)
    declared: tuple[int, ...] = field(init=False, repr=False)
    """Every criterion in declaration order (depth first, parents before children)."""
    leaves: tuple[int, ...] = field(init=False, repr=False)
    """The leaves, breadth first (the columns of a utility matrix)."""
    declared_leaves: tuple[int, ...] = field(init=False, repr=False)
    """The leaves in declaration order (the order of an option's values)."""
    after_children: tuple[int, ...] = field(init=False, repr=False)
    """Every criterion after its children, as declared (the order of contributions)."""

    def __post_init__(self) -> None:
        if not self.directions:
            object.__setattr__(self, "directions", ("maximise",) * len(self.ids))
        children = {self.parents[start]: (start, stop) for start, stop in self.groups}
        declared: list[int] = []
        after_children: list[int] = []
        pending: list[tuple[int, bool]] = []
        if self.groups:
            pending = [(i, False) for i in reversed(range(*self.groups[0]))]
        while pending:  # depth first, without recursion
            index, visited = pending.pop()
            if visited:
                after_children.append(index)
                continue
            declared.append(index)
            pending.append((index, True))
            if index in children:
                pending += [(i, False) for i in reversed(range(*children[index]))]
        object.__setattr__(self, "position", {c: i for i, c in enumerate(self.ids)})
        object.__setattr__(self, "children", children)
        object.__setattr__(self, "declared", tuple(declared))
        object.__setattr__(self, "after_children", tuple(after_children))
        object.__setattr__(
            self, "leaves", tuple(i for i in range(len(self.ids)) if i not in children)
        )
        object.__setattr__(self, "declared_leaves", tuple(i for i in declared if i not in children))

    # ------------------------------------------------------------------ building

    @classmethod
    def from_rule_base(
        cls, rule_base: RuleBase, overrides: Mapping[str, float] | None = None
    ) -> CriteriaTree:
        """The tree of a rule base, with raw weight ``overrides`` (checked) if given."""
        ids: list[str] = []
        parents: list[int] = []
        nodes: list[Criterion] = []
        groups: list[tuple[int, int]] = []
        pending: list[tuple[int, Mapping[str, Criterion]]] = [(-1, rule_base.criteria)]
        while pending:
            parent, criteria = pending.pop(0)
            start = len(ids)
            for criterion_id, criterion in criteria.items():
                ids.append(criterion_id)
                parents.append(parent)
                nodes.append(criterion)
            groups.append((start, len(ids)))
            for offset, criterion in enumerate(criteria.values()):
                if criterion.children:
                    pending.append((start + offset, criterion.children))
        tree = cls(
            ids=tuple(ids),
            parents=tuple(parents),
            weights=tuple(float(c.weight) for c in nodes),
            horizons=tuple(c.horizon for c in nodes),
            groups=tuple(groups),
            directions=tuple(c.direction for c in nodes),
            nodes=tuple(nodes),
        )
        return tree if not overrides else tree.with_weights(tree.raw_weights(overrides))

    @classmethod
    def flat(cls, ids: Sequence[str], weights: Sequence[float] | None = None) -> CriteriaTree:
        """One level of criteria (all leaves, short horizon): for synthetic models."""
        weights = [1.0] * len(ids) if weights is None else [float(w) for w in weights]
        return cls(
            tuple(ids), (-1,) * len(ids), tuple(weights), ("short",) * len(ids), ((0, len(ids)),)
        )

    def with_weights(self, raw: Sequence[float] | np.ndarray) -> CriteriaTree:
        """The same tree with other raw weights (one per criterion, breadth first)."""
        return CriteriaTree(
            ids=self.ids,
            parents=self.parents,
            weights=tuple(float(w) for w in raw),
            horizons=self.horizons,
            groups=self.groups,
            directions=self.directions,
            nodes=self.nodes,
        )

    # ------------------------------------------------------------------ looking up

    def index(self, criterion_id: str) -> int:
        try:
            return self.position[criterion_id]
        except KeyError:
            raise UnknownReferenceError("criterion", criterion_id, self.ids) from None

    def group_of(self, index: int) -> tuple[int, int]:
        return next(g for g in self.groups if g[0] <= index < g[1])

    def declared_paths(self) -> Iterator[tuple[str, KeyPath]]:
        """Every criterion id with its key path in the file, in file order (repeats kept)."""
        found: dict[int, KeyPath] = {}
        for index in self.declared:
            parent = self.parents[index]
            prefix: KeyPath = ("criteria",) if parent < 0 else (*found[parent], "children")
            found[index] = (*prefix, self.ids[index])
            yield self.ids[index], found[index]

    def paths(self) -> dict[str, KeyPath]:
        """Every criterion id (at any level) with its key path in the file, in file order."""
        return dict(self.declared_paths())

    def leaf_criteria(self) -> dict[str, Criterion]:
        """The criteria that carry values, in declaration order."""
        return {self.ids[i]: self.nodes[i] for i in self.declared_leaves}

    def leaf_ids(self) -> tuple[str, ...]:
        """The leaf ids in declaration order."""
        return tuple(self.ids[i] for i in self.declared_leaves)

    def horizon_leaves(self, horizon: str) -> tuple[int, ...]:
        """Positions (in declaration order of the leaves) of the leaves of one horizon."""
        return tuple(k for k, i in enumerate(self.declared_leaves) if self.horizons[i] == horizon)

    def postorder(self) -> tuple[int, ...]:
        """Every criterion after its children (the order of an option's contributions)."""
        return self.after_children

    def groups_declared(self) -> Iterator[tuple[int, tuple[int, int]]]:
        """Sibling groups with their parent (-1 at the root), depth first as declared."""
        if self.groups:
            yield -1, self.groups[0]
        for index in self.declared:
            if index in self.children:
                yield index, self.children[index]

    # ------------------------------------------------------------------ weights

    def raw_weights(self, overrides: Mapping[str, float] | None = None) -> tuple[float, ...]:
        """Every criterion's raw weight, ``overrides`` applied, each checked.

        A raw weight is a finite number from 0 to ``MAX_WEIGHT``, and some
        weight of every sibling group is positive, or nothing under it can be
        scored; the first problem, as the file lists the criteria, is raised.
        """
        overrides = overrides or {}
        for criterion_id in overrides:
            self.index(criterion_id)
        raw = [float(overrides.get(c, w)) for c, w in zip(self.ids, self.weights, strict=True)]
        for parent, (start, stop) in self.groups_declared():
            for index in range(start, stop):
                weight = raw[index]
                if not (math.isfinite(weight) and 0 <= weight <= MAX_WEIGHT):
                    raise ScoringError(
                        f"a weight is a finite number from 0 to {MAX_WEIGHT:,.0f}, not {weight}",
                        Location(field=f"weights.{self.ids[index]}"),
                    )
            if sum(raw[start:stop]) <= 0:
                names = ", ".join(self.ids[start:stop])
                under = "the root of the criteria tree" if parent < 0 else repr(self.ids[parent])
                raise ScoringError(
                    f"the weights of {names} (under {under}) are all zero; nothing can be scored",
                    Location(field=f"weights.{self.ids[start]}"),
                )
        return tuple(raw)

    def global_weights(self, raw: np.ndarray | Sequence[float] | None = None) -> np.ndarray:
        """Global weights from raw weights (this tree's by default), for a vector or rows.

        Each criterion's global weight is ``parent * raw / total``, ``total``
        the sum of its siblings' raw weights added left to right: the
        arithmetic of an appraisal, whatever the caller.
        """
        raw_array = np.asarray(self.weights if raw is None else raw, dtype=float)
        result = np.empty_like(raw_array)
        with np.errstate(divide="ignore", invalid="ignore"):
            for start, stop in self.groups:
                total = raw_array[..., start].copy()
                for j in range(start + 1, stop):
                    total = total + raw_array[..., j]
                parent = self.parents[start]
                block = raw_array[..., start:stop]
                if parent < 0:
                    result[..., start:stop] = 1.0 * block / total[..., None]
                else:
                    share = result[..., parent : parent + 1]
                    result[..., start:stop] = share * block / total[..., None]
        return result

    def local_shares(self, raw: np.ndarray | Sequence[float] | None = None) -> np.ndarray:
        """Each criterion's raw weight as a share of its sibling group's."""
        raw_array = np.asarray(self.weights if raw is None else raw, dtype=float)
        shares = np.empty_like(raw_array)
        for start, stop in self.groups:
            shares[..., start:stop] = raw_array[..., start:stop] / raw_array[..., start:stop].sum(
                axis=-1, keepdims=True
            )
        return shares

    def globalise(self, shares: np.ndarray, *, in_place: bool = False) -> np.ndarray:
        """Global weights from local shares (each group summing to 1), row-wise."""
        result = shares if in_place else np.array(shares, dtype=float, copy=True)
        for start, stop in self.groups:
            parent = self.parents[start]
            if parent >= 0:
                result[..., start:stop] *= result[..., parent : parent + 1]
        return result

    # ------------------------------------------------------------------ the line of a weight

    def unit_values(
        self, utility: np.ndarray, raw: np.ndarray | Sequence[float] | None = None
    ) -> np.ndarray:
        """Each criterion's value per option at unit weight (criteria x options): a leaf's
        utility, a parent's the mix of its children's in their shares of ``raw``.

        ``utility`` is options x leaves, the leaves in declaration order.
        """
        return self._unit_values(utility, self.local_shares(raw))

    def _unit_values(self, utility: np.ndarray, shares: np.ndarray) -> np.ndarray:
        """``unit_values`` given the local shares already worked out."""
        unit = np.zeros((len(self.ids), utility.shape[0]))
        for k, leaf in enumerate(self.declared_leaves):
            unit[leaf] = utility[:, k]
        for start, stop in reversed(self.groups):
            parent = self.parents[start]
            if parent >= 0:
                unit[parent] = sum(shares[j] * unit[j] for j in range(start, stop))
        return unit

    def weight_line(
        self, index: int, utility: np.ndarray, raw: np.ndarray | Sequence[float] | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        """Every option's total as ``intercept + slope * share``, ``share`` being criterion
        ``index``'s share of its sibling group's raw weight, its siblings keeping their
        proportions (equal ones when they have none).

        The criterion's subtree scales with the share, its siblings' with ``1 - share``
        and nothing else moves, so the line is exact: the one place both the switching
        values and the weight sweeps read it from. ``utility`` is options x leaves (the
        leaves in declaration order); ``raw`` the raw weights (the tree's by default).
        """
        shares = self.local_shares(raw)
        unit = self._unit_values(utility, shares)
        global_weights = self.globalise(shares)
        start, stop = self.group_of(index)
        parent_weight, sibling_value = self._sibling_line(index, shares, unit, global_weights)
        group_value = sum(shares[j] * unit[j] for j in range(start, stop))
        leaf_weights = global_weights[list(self.declared_leaves)]
        totals = np.asarray(utility @ leaf_weights, dtype=float)
        intercept = totals - parent_weight * group_value + parent_weight * sibling_value
        slope = parent_weight * (unit[index] - sibling_value)
        return np.asarray(intercept, dtype=float), np.asarray(slope, dtype=float)

    def weight_slopes(
        self, utility: np.ndarray, raw: np.ndarray | Sequence[float] | None = None
    ) -> np.ndarray:
        """The slope of every criterion's weight line (criteria x options), as ``weight_line``
        gives each, with the shares and unit values worked out once for them all.

        The switching values read every criterion's slope; a criterion alone in its group
        has no line (its share is always 1) and gets zeros.
        """
        shares = self.local_shares(raw)
        unit = self._unit_values(utility, shares)
        global_weights = self.globalise(shares)
        slopes = np.zeros_like(unit)
        for index in range(len(self.ids)):
            start, stop = self.group_of(index)
            if stop - start < 2:
                continue
            parent_weight, sibling_value = self._sibling_line(index, shares, unit, global_weights)
            slopes[index] = parent_weight * (unit[index] - sibling_value)
        return slopes

    def _sibling_line(
        self, index: int, shares: np.ndarray, unit: np.ndarray, global_weights: np.ndarray
    ) -> tuple[float, np.ndarray]:
        """The parent's global weight and the siblings' value per option at unit weight
        (theirs in proportion, or equal ones when they have no weight), for ``index``'s line."""
        start, stop = self.group_of(index)
        parent = self.parents[index]
        parent_weight = 1.0 if parent < 0 else float(global_weights[parent])
        siblings = [j for j in range(start, stop) if j != index]
        rest = sum(shares[j] for j in siblings)
        if rest > 0:
            sibling_value = sum(shares[j] * unit[j] for j in siblings) / rest
        else:
            sibling_value = sum(unit[j] for j in siblings) / len(siblings)
        return parent_weight, np.asarray(sibling_value, dtype=float)


def leaf_criteria(rule_base: RuleBase) -> dict[str, Criterion]:
    """The criteria that carry values, in declaration order."""
    return CriteriaTree.from_rule_base(rule_base).leaf_criteria()


def criteria_paths(rule_base: RuleBase) -> dict[str, KeyPath]:
    """Every criterion id (at any level) with its key path in the file."""
    return CriteriaTree.from_rule_base(rule_base).paths()

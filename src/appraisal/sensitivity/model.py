"""The decision model: the criteria tree, the utility matrix, and ranks over samples.

Totals are linear in the leaves' global weights, so an appraisal reduces to
one utility matrix; sweeps, SMAA and evidence uncertainty all work on it, and
count ranks (ties split evenly) the same way.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

import numpy as np

from ..appraise import Appraisal
from ..engine.criteria import CriteriaTree
from ..errors import ScoringError
from ..scoring import TIE_TOLERANCE


@dataclass(frozen=True, eq=False)
class DecisionModel:
    """What weight analysis needs from an appraisal: the tree and a utility matrix.

    ``utilities[i, j]`` is option ``options[i]``'s utility on the ``j``-th leaf
    of ``tree.leaves``. Excluded options (failing a gate) are kept apart.
    """

    tree: CriteriaTree
    options: tuple[str, ...]
    utilities: np.ndarray
    excluded: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        utilities = np.asarray(self.utilities, dtype=float)
        expected = (len(self.options), len(self.tree.leaves))
        if utilities.shape != expected:
            raise ScoringError(
                f"a utility matrix of shape {expected} is needed, not {utilities.shape}"
            )
        utilities.setflags(write=False)
        object.__setattr__(self, "utilities", utilities)

    def totals(self, global_weights: np.ndarray) -> np.ndarray:
        """Every option's total for each row of global weights (all criteria)."""
        leaf_weights = np.asarray(global_weights)[..., list(self.tree.leaves)]
        return np.asarray(leaf_weights @ self.utilities.T)


def decision_model(
    appraisal: Appraisal, weights: Mapping[str, float] | None = None
) -> DecisionModel:
    """The tree and utility matrix of an appraisal.

    ``weights`` are the raw weight overrides the appraisal was made with (by
    default the scenario's own); they must reproduce the appraisal's weights.
    """
    rule_base = appraisal.rule_base_model
    if weights is None:
        weights = appraisal.scenario_model.weights if appraisal.scenario_model else {}
    tree = CriteriaTree.from_rule_base(rule_base, weights)
    declared = tree.globalise(tree.local_shares())
    for index, criterion_id in enumerate(tree.ids):
        if abs(declared[index] - appraisal.weights[criterion_id]) > 1e-9:
            raise ScoringError(
                f"the weights given do not reproduce the appraisal's weight of {criterion_id!r}"
                " (pass the weight overrides the appraisal was made with)"
            )
    leaf_ids = [tree.ids[i] for i in tree.leaves]
    ranked = [o for o in appraisal.options if not o.excluded]
    utilities = np.array([[o.values[c].utility for c in leaf_ids] for o in ranked], dtype=float)
    return DecisionModel(
        tree=tree,
        options=tuple(o.id for o in ranked),
        utilities=utilities.reshape(len(ranked), len(leaf_ids)),
        excluded=tuple(o.id for o in appraisal.options if o.excluded),
    )


# --------------------------------------------------------------------------- ranks


PAIRWISE_UP_TO = 16
"""Up to this many options, ranks are counted pair by pair (m^2 array operations); above
it, by a search in each sample's sorted totals (m log m), which gives the same counts."""

_BLOCK = 1 << 20
"""Sample-by-option cells searched at once, so memory stays bounded for many options."""


def _better_and_tied(
    totals: np.ndarray, valid: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Per sample and option: how many ranked options beat it, and how many tie (itself included).

    Competition ranks are ``better + 1``, as ``scoring.competition_ranks`` gives.
    Option j beats option i when ``totals[j] - totals[i] > TIE_TOLERANCE`` and
    ties it when ``abs(totals[j] - totals[i]) <= TIE_TOLERANCE``; with ``valid``,
    only options valid in that sample beat or tie.
    """
    n, m = totals.shape
    if m > PAIRWISE_UP_TO:
        return _better_and_tied_sorted(totals, valid)
    better = np.zeros((n, m), dtype=np.int64)
    tied = np.ones((n, m), dtype=np.int64)
    for i in range(m):
        for j in range(m):
            if i == j:
                continue
            difference = totals[:, j] - totals[:, i]
            beats = difference > TIE_TOLERANCE
            ties = np.abs(difference) <= TIE_TOLERANCE
            if valid is not None:
                beats &= valid[:, j]
                ties &= valid[:, j]
            better[:, i] += beats
            tied[:, i] += ties
    return better, tied


def _better_and_tied_sorted(
    totals: np.ndarray, valid: np.ndarray | None
) -> tuple[np.ndarray, np.ndarray]:
    """``_better_and_tied`` by binary search in each sample's sorted totals: O(n m log m).

    For a fixed total x, ``y - x`` never decreases as y grows (rounding is
    monotone), so the options that beat x (``y - x > TOL``) are a suffix of the
    sorted totals and those below its tie window (``y - x < -TOL``) a prefix.
    Their lengths are found by a binary search run on every cell at once,
    testing the very comparisons the pairwise count makes, so the counts are
    the same to the last case. Options not valid in a sample sort as minus
    infinity, below every window; an option not valid itself still counts
    itself as tied, as the pairwise count does.
    """
    n, m = totals.shape
    better = np.empty((n, m), dtype=np.int64)
    tied = np.empty((n, m), dtype=np.int64)
    rows = max(1, _BLOCK // max(m, 1))
    for start in range(0, n, rows):
        x = np.asarray(totals[start : start + rows], dtype=float)
        present = None if valid is None else np.asarray(valid[start : start + rows], dtype=bool)
        ordered = np.sort(x if present is None else np.where(present, x, -np.inf), axis=1)
        above = _first_true(ordered, x, lambda y, v: y - v > TIE_TOLERANCE)
        below = _first_true(ordered, x, lambda y, v: ~(y - v < -TIE_TOLERANCE))
        better[start : start + rows] = m - above
        count = above - below
        tied[start : start + rows] = count if present is None else count + ~present
    return better, tied


def _first_true(
    ordered: np.ndarray, x: np.ndarray, test: Callable[[np.ndarray, np.ndarray], np.ndarray]
) -> np.ndarray:
    """For each cell of ``x``: the first index of its row of ``ordered`` where ``test`` holds
    (``m`` if nowhere), for a test that, along a sorted row, turns from false to true once."""
    n, m = x.shape
    low = np.zeros((n, m), dtype=np.int64)
    high = np.full((n, m), m, dtype=np.int64)
    with np.errstate(invalid="ignore"):  # -inf - (-inf) for an option not valid: never true
        while True:
            open_ = low < high
            if not open_.any():
                return low
            middle = (low + high) // 2
            holds = test(np.take_along_axis(ordered, np.minimum(middle, m - 1), axis=1), x)
            high = np.where(open_ & holds, middle, high)
            low = np.where(open_ & ~holds, middle + 1, low)


def _rank_shares(
    better: np.ndarray, tied: np.ndarray, valid: np.ndarray | None = None
) -> np.ndarray:
    """Summed over samples: each option's share of each rank (ties split evenly)."""
    n, m = better.shape
    if valid is None and bool((tied == 1).all()):
        codes = better + m * np.arange(m)
        return np.bincount(codes.ravel(), minlength=m * m).reshape(m, m).astype(float)
    counts = np.zeros((m, m))
    for rank in range(m):
        share = ((better <= rank) & (rank < better + tied)) / tied
        if valid is not None:
            share = share * valid
        counts[:, rank] = share.sum(axis=0)
    return counts


def _first_shares(better: np.ndarray, tied: np.ndarray, valid: np.ndarray | None) -> np.ndarray:
    """Per sample and option: its share of first place (1/k when k options tie first)."""
    first = np.asarray((better == 0) / tied)
    return first * valid if valid is not None else first

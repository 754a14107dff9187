"""The decision model: the criteria tree, the utility matrix, and rank counts over samples.

Totals are linear in the leaves' global weights, so an appraisal reduces to
one utility matrix; sweeps and SMAA work on it. Ranks come from the engine
(``engine.competition_ranks``); here they are counted over samples, ties
split evenly, the same way for every analysis.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .._guards import require
from ..appraise import Appraisal
from ..engine.criteria import CriteriaTree
from ..errors import ScoringError


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
        """Every option's total for each row of global weights (all criteria), as one
        linear map."""
        leaf_weights = np.asarray(global_weights)[..., list(self.tree.leaves)]
        return np.asarray(leaf_weights @ self.utilities.T)

    def declared_utilities(self) -> np.ndarray:
        """Options x leaves in declaration order: the utilities as the engine aggregates them."""
        columns = {leaf: k for k, leaf in enumerate(self.tree.leaves)}
        return self.utilities[:, [columns[leaf] for leaf in self.tree.declared_leaves]]


def decision_model(appraisal: Appraisal) -> DecisionModel:
    """The tree (with the raw weights the appraisal used) and utility matrix of an appraisal."""
    require(appraisal, Appraisal, "appraisal")
    base = appraisal.model.tree
    tree = base.with_weights([appraisal.raw_weights[c] for c in base.ids])
    leaf_ids = [tree.ids[i] for i in tree.leaves]
    ranked = [o for o in appraisal.options if not o.excluded]
    utilities = np.array([[o.values[c].utility for c in leaf_ids] for o in ranked], dtype=float)
    return DecisionModel(
        tree=tree,
        options=tuple(o.id for o in ranked),
        utilities=utilities.reshape(len(ranked), len(leaf_ids)),
        excluded=tuple(o.id for o in appraisal.options if o.excluded),
    )


# --------------------------------------------------------------------------- rank counts


def rank_shares(
    better: np.ndarray,
    tied: np.ndarray,
    valid: np.ndarray | None = None,
    weights: np.ndarray | None = None,
) -> np.ndarray:
    """Summed over samples: each option's share of each rank (ties split evenly).

    ``weights`` counts each row that many times (a row standing for several
    samples alike).
    """
    n, m = better.shape
    if valid is None and bool((tied == 1).all()):
        codes = better + m * np.arange(m)
        counted = None if weights is None else np.repeat(weights, m)
        found = np.bincount(codes.ravel(), weights=counted, minlength=m * m)
        return np.asarray(found.reshape(m, m), dtype=float)
    if m > RANKS_LOOPED_UP_TO:
        return _spread_shares(better, tied, valid, weights)
    counts = np.zeros((m, m))
    for rank in range(m):
        share = ((better <= rank) & (rank < better + tied)) / tied
        if valid is not None:
            share = share * valid
        if weights is not None:
            share = share * weights[:, None]
        counts[:, rank] = share.sum(axis=0)
    return counts


RANKS_LOOPED_UP_TO = 64
"""Up to this many options, ties are shared out rank by rank (m passes over the samples);
beyond it, in one pass (``_spread_shares``), which costs O(n m + m^2) rather than O(n m^2)."""


def _spread_shares(
    better: np.ndarray,
    tied: np.ndarray,
    valid: np.ndarray | None,
    weights: np.ndarray | None,
) -> np.ndarray:
    """``rank_shares`` in one pass: each sample gives an option 1/k of every rank from
    ``better`` to ``better + k - 1`` (k = ``tied``), added as a step up at the first of
    those ranks and a step down after the last, then summed along the ranks."""
    n, m = better.shape
    share = 1.0 / tied
    if valid is not None:
        share = share * valid
    if weights is not None:
        share = share * weights[:, None]
    offsets = (m + 1) * np.arange(m)
    start = (np.minimum(better, m) + offsets).ravel()
    stop = (np.minimum(better + tied, m) + offsets).ravel()
    flat = share.ravel()
    steps = np.bincount(start, weights=flat, minlength=m * (m + 1))
    steps -= np.bincount(stop, weights=flat, minlength=m * (m + 1))
    counts = np.cumsum(steps.reshape(m, m + 1), axis=1)[:, :m]
    return np.asarray(np.maximum(counts, 0.0), dtype=float)  # no -1e-17 from the steps


def first_shares(better: np.ndarray, tied: np.ndarray, valid: np.ndarray | None) -> np.ndarray:
    """Per sample and option: its share of first place (1/k when k options tie first)."""
    first = np.asarray((better == 0) / tied)
    return first * valid if valid is not None else first

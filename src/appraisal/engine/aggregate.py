"""Weights and utilities to totals, horizon scores, ranks and verdicts, over rows x options.

A criterion's contribution is its global weight times the option's utility
(a leaf) or the sum of its children's contributions (a parent); the total is
the sum over the top-level criteria. Sums run in declaration order, one
addition at a time, so a batch of many rows gives each row exactly what that
row alone gives. The short- and long-horizon scores are the same sums over
the leaves of that horizon, renormalised by their weight.

Ranks are competition ranks with a tolerance: an option's rank is 1 plus the
number of options scoring more than ``TIE_TOLERANCE`` above it, so equal
scores share a rank ("1, 1, 3"). They are counted by a binary search in each
row's sorted scores: O(m log m) per row of m options. Options that fail a
gate take no part. Verdicts: for each option, the first verdict rule whose
condition holds, given the facts, findings and the option's metrics.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np

from ..errors import ScoringError
from .compiled import CompiledModel
from .criteria import CriteriaTree
from .evaluate import Columns, Metrics, truth

__all__ = [
    "TIE_TOLERANCE",
    "Totals",
    "aggregate",
    "assign_verdicts",
    "competition_ranks",
    "verdict_metrics",
    "verdict_ranks",
]

TIE_TOLERANCE = 1e-9
"""Scores closer than this are equal for ranking."""

_BLOCK = 1 << 20
"""Row x option cells searched at once, so memory stays bounded for many options."""


@dataclass(frozen=True, eq=False)
class Totals:
    """Per row and option: every criterion's contribution, the total and the horizon scores."""

    contributions: np.ndarray
    """Criteria (the tree's breadth-first order) x rows x options (empty unless asked for)."""
    score: np.ndarray
    short_term: np.ndarray
    long_term: np.ndarray


def aggregate(
    tree: CriteriaTree,
    weights: np.ndarray,
    utility: np.ndarray,
    *,
    contributions: bool = True,
    horizons: bool = True,
) -> Totals:
    """Totals from global ``weights`` (one vector, or one row per row of ``utility``).

    ``utility`` is rows x options x leaves, the leaves in declaration order
    (one row of utilities serves every row of weights).
    Without ``contributions`` (or ``horizons``), those are left empty (or
    zero): samplers that need only totals save the memory and the time.
    """
    weights = np.asarray(weights, dtype=float)
    per_row = weights.ndim == 2
    rows = weights.shape[0] if per_row and utility.shape[0] == 1 else utility.shape[0]
    options = utility.shape[1]
    position = {leaf: k for k, leaf in enumerate(tree.declared_leaves)}
    kept = np.empty((len(tree.ids) if contributions else 0, rows, options))
    # leaves first, then options, then rows: the rows innermost, where the arithmetic runs
    leaf_weights = (weights.T if per_row else weights)[list(tree.declared_leaves)]
    by_leaf = utility.transpose(2, 1, 0)
    if per_row:
        leaves = leaf_weights[:, None, :] * by_leaf
    else:
        leaves = leaf_weights[:, None, None] * by_leaf

    subtotals: dict[int, np.ndarray] = {}
    for index in tree.postorder():  # children before their parent
        if index in tree.children:
            start, stop = tree.children[index]
            subtotals[index] = _sum(subtotals[j] for j in range(start, stop))
        else:
            subtotals[index] = leaves[position[index]]
        if contributions:
            kept[index] = subtotals[index].T
    score = _sum(subtotals[j] for j in range(*tree.groups[0])).T
    if not horizons:
        zero = np.zeros((rows, options))
        return Totals(kept, score, zero, zero)
    by_horizon = []
    for horizon in ("short", "long"):
        ks = tree.horizon_leaves(horizon)
        part = _sum(leaves[k] for k in ks).T if ks else np.zeros((rows, options))
        total: np.ndarray = np.zeros(rows) if per_row else np.zeros(())
        for k in ks:
            total = total + leaf_weights[k]
        total = total[:, None] if per_row else total
        with np.errstate(divide="ignore", invalid="ignore"):
            share = np.where(total > 0, part / total, 0.0)
        by_horizon.append(np.broadcast_to(share, (rows, options)))
    return Totals(kept, score, by_horizon[0], by_horizon[1])


def _sum(parts: Iterable[np.ndarray]) -> np.ndarray:
    """The parts added one at a time, in order (as Python's ``sum``: the first part, plus
    the second, plus the third...)."""
    found: np.ndarray | None = None
    for part in parts:
        found = part if found is None else found + part
    if found is None:
        raise ValueError("nothing to add")
    return found


def competition_ranks(
    scores: np.ndarray, valid: np.ndarray | None = None, *, ties: bool = True
) -> tuple[np.ndarray, np.ndarray]:
    """Per row and option: how many options beat it, and how many tie it (itself included).

    Option j beats option i when ``scores[j] > scores[i] + TIE_TOLERANCE``
    and ties it when neither beats the other; the competition rank is
    ``better + 1``. Near-ties chain as the definition says, not
    transitively. With ``valid``, only options valid in that row beat or
    tie (an invalid option still counts itself as tied). A NaN score is
    beaten by nothing, and beats nothing. Without ``ties``, the tie counts
    are not computed (all one).

    Each row's scores are sorted and every count read off by a binary search,
    O(m log m) for m options; up to ``COUNT_UP_TO`` options, the same
    comparisons are simply counted, which for so few options costs less (option
    by option from ``COUNT_FROM_ROWS`` rows, all at once below).
    """
    scores = np.asarray(scores, dtype=float)
    rows, options = scores.shape
    present = ~np.isnan(scores)
    if valid is not None:
        present &= np.asarray(valid, dtype=bool)
    keyed = np.where(present, scores, -np.inf)
    with np.errstate(invalid="ignore"):
        if options <= COUNT_UP_TO and rows >= COUNT_FROM_ROWS:
            above, below = _counted(scores, keyed, ties=ties)
        elif options <= COUNT_UP_TO:
            above, below = _counted_at_once(scores, keyed, ties=ties)
        else:
            above, below = _searched(scores, keyed, ties=ties)
    better = options - above
    tied = above - below + ~present if ties else np.ones((rows, options), dtype=np.int64)
    return better, tied


COUNT_UP_TO = 8
"""Up to this many options, ranks are counted comparison by comparison (m per score)..."""

COUNT_FROM_ROWS = 64
"""... one option at a time when there are this many rows or more; for fewer, every pair
of options at once, in one call."""


def _counted(scores: np.ndarray, keyed: np.ndarray, *, ties: bool) -> tuple[np.ndarray, np.ndarray]:
    """Per score: how many scores are at most it plus the tolerance, and (with ``ties``)
    how many are below it minus the tolerance: the same comparisons as the search."""
    rows, options = scores.shape
    columns = np.ascontiguousarray(keyed.T)
    above = np.zeros((options, rows), dtype=np.int64)
    below = np.zeros((options, rows), dtype=np.int64)
    for i in range(options):
        upper = scores[:, i] + TIE_TOLERANCE
        lower = scores[:, i] - TIE_TOLERANCE
        for j in range(options):
            above[i] += ~(columns[j] > upper)
            if ties:
                below[i] += ~(columns[j] >= lower)
    return above.T, below.T


def _counted_at_once(
    scores: np.ndarray, keyed: np.ndarray, *, ties: bool
) -> tuple[np.ndarray, np.ndarray]:
    """``_counted`` for few rows: every pair of options compared by one call."""
    rows, options = scores.shape
    above = np.count_nonzero(~(keyed[:, None, :] > (scores + TIE_TOLERANCE)[:, :, None]), axis=2)
    if not ties:
        return above, np.zeros((rows, options), dtype=np.int64)
    below = np.count_nonzero(~(keyed[:, None, :] >= (scores - TIE_TOLERANCE)[:, :, None]), axis=2)
    return above, below


def _searched(
    scores: np.ndarray, keyed: np.ndarray, *, ties: bool
) -> tuple[np.ndarray, np.ndarray]:
    """``_counted`` by a binary search in each row's sorted scores, in blocks of rows."""
    rows, options = scores.shape
    above = np.empty((rows, options), dtype=np.int64)
    below = np.zeros((rows, options), dtype=np.int64)
    block = max(1, _BLOCK // max(options, 1))
    for start in range(0, rows, block):
        stop = min(rows, start + block)
        x = scores[start:stop]
        ordered = np.sort(keyed[start:stop], axis=1)
        above[start:stop] = _first(ordered, x + TIE_TOLERANCE, strict=True)
        if ties:
            below[start:stop] = _first(ordered, x - TIE_TOLERANCE, strict=False)
    return above, below


SEARCH_ROW_BY_ROW_FROM = 64
"""From this many options, each row is searched by one call of numpy's own binary search;
for fewer, one vectorised search over every row at once takes fewer steps in all."""


def _first(ordered: np.ndarray, bound: np.ndarray, *, strict: bool) -> np.ndarray:
    """For each cell of ``bound``: the first index of its row of ``ordered`` (sorted)
    holding a value above it (``strict``) or at least it; the row's length if none.

    A binary search run on every cell at once: ``ceil(log2(m + 1))`` steps for
    rows of m options."""
    rows, options = bound.shape
    if options >= SEARCH_ROW_BY_ROW_FROM:
        found = np.empty((rows, options), dtype=np.int64)
        for row in range(rows):  # numpy's own search, one call a row: O(m log m) in C
            if strict:
                found[row] = np.searchsorted(ordered[row], bound[row], side="right")
            else:
                found[row] = np.searchsorted(ordered[row], bound[row], side="left")
        return found
    flat = ordered.reshape(-1)
    start = (np.arange(rows, dtype=np.int64) * options)[:, None]
    low = np.zeros((rows, options), dtype=np.int64)
    high = np.full((rows, options), options, dtype=np.int64)
    last = max(options - 1, 0)
    for _ in range(options.bit_length()):
        middle = (low + high) >> 1
        value = flat[start + np.minimum(middle, last)]
        past = value > bound if strict else value >= bound
        open_ = low < high
        high = np.where(open_ & past, middle, high)
        low = np.where(open_ & ~past, middle + 1, low)
    return low


def verdict_ranks(
    model: CompiledModel,
    totals: Totals,
    valid: np.ndarray,
    better: np.ndarray,
    *,
    every: bool = False,
) -> dict[str, np.ndarray]:
    """Competition ranks by metric name, for ``verdict_metrics``: overall from ``better``
    (``competition_ranks``' first count, which the caller has already), and by horizon
    where the model's verdict rules read them, or ``every`` time (a record shows them)."""
    ranks = {"rank": better + 1}
    for name, scores in (
        ("short_term_rank", totals.short_term),
        ("long_term_rank", totals.long_term),
    ):
        if every or name in model.metrics_read:
            ranks[name] = competition_ranks(scores, valid, ties=False)[0] + 1
    return ranks


def verdict_metrics(
    totals: Totals,
    excluded: np.ndarray,
    ranks: dict[str, np.ndarray],
) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """The metrics verdict rules may test, per row and option (a rank is unknown where the
    option is excluded). ``ranks`` holds competition ranks by metric name, as needed."""
    everywhere = np.ones(excluded.shape, dtype=bool)
    ranked = ~excluded
    metrics: dict[str, tuple[np.ndarray, np.ndarray]] = {
        "score": (everywhere, totals.score),
        "short_term_score": (everywhere, totals.short_term),
        "long_term_score": (everywhere, totals.long_term),
        "excluded": (everywhere, excluded.astype(float)),
    }
    for name, rank in ranks.items():
        metrics[name] = (ranked, rank.astype(float))
    return metrics


def assign_verdicts(model: CompiledModel, columns: Columns, metrics: Metrics) -> np.ndarray:
    """Per row and option: the index of the first verdict rule that holds."""
    shape = metrics["excluded"][0].shape
    known = columns.known[:, :, None]
    values = columns.values[:, :, None]
    chosen = np.full(shape, -1, dtype=np.intp)
    with np.errstate(over="ignore", invalid="ignore"):
        for index, node in enumerate(model.verdicts):
            if node is None:
                holds = np.ones(shape, dtype=bool)
            else:
                holds = np.broadcast_to(truth(node, known, values, metrics)[0], shape)
            chosen[(chosen < 0) & holds] = index
            if (chosen >= 0).all():
                return chosen
    raise ScoringError("no verdict rule applies (the last must be 'otherwise: true')")

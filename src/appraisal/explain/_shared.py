"""What the explanation modules share: an appraisal's compiled model, its winner, and batches
of evidence rows appraised through the engine.

Every what-if the explanation asks (a coalition of evidence, a changed item, an answer to
find out) is a row of a batch: the engine evaluates the rules, the cells and the totals of
every row at once, ranks them and assigns verdicts, exactly as ``appraise`` does for one.
Private to the package, and importing nothing from its siblings, so that attribution, the
counterfactual search and what to find out next can share it without importing each other.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

import numpy as np

from ..appraise import Appraisal
from ..engine import (
    Columns,
    CompiledModel,
    Outcome,
    aggregate,
    assign_verdicts,
    cell_values,
    competition_ranks,
    encode,
    evaluate,
    rerun,
    verdict_metrics,
    verdict_ranks,
)


def model_of(appraisal: Appraisal) -> CompiledModel:
    """The compiled model of an appraisal.

    Every explanation starts here, so this is where a wrong argument (a path,
    a loaded scenario) is refused with a TypeError that says what to pass.
    """
    if not isinstance(appraisal, Appraisal):
        raise TypeError(
            f"expected an Appraisal (what appraisal.appraise returns), not"
            f" {type(appraisal).__name__}; appraise the scenario first"
        )
    return appraisal.model


def winner(appraisal: Appraisal) -> str | None:
    """The single first-ranked option, or None when first place is tied or empty."""
    first = [o.id for o in appraisal.options if o.rank == 1]
    return first[0] if len(first) == 1 else None


def by_option(rows: np.ndarray) -> np.ndarray:
    """A batch's rows x options as options x rows, laid out so that reductions over the
    options (``by_option(x).max(axis=0)``) run along memory: numpy reduces a short last
    axis several times slower. The values, and so every reduction's result, are the same."""
    return np.ascontiguousarray(rows.T)


def global_weights(model: CompiledModel, appraisal: Appraisal) -> np.ndarray:
    """The appraisal's global weights, in the criteria tree's order."""
    return np.array([appraisal.weights[c] for c in model.tree.ids], dtype=float)


def evidence_columns(model: CompiledModel, appraisal: Appraisal) -> Columns:
    """The appraisal's evidence as a batch of one row (findings not yet derived)."""
    return encode(model, [appraisal.evidence])


@dataclass(frozen=True, eq=False)
class Standings:
    """A batch of evidence rows appraised: what each row gives, option by option.

    A row the rules cannot appraise (two fired rules derive different values of
    a finding, or set one value two ways) is ``void``; its other figures mean nothing.
    """

    outcome: Outcome
    points: np.ndarray
    """Rows x options x leaves: each cell's score points (global weight x utility)."""
    score: np.ndarray
    """Rows x options, as are the rest."""
    excluded: np.ndarray
    first: np.ndarray
    """Where the option is ranked first."""
    verdicts: np.ndarray
    """The index of each option's verdict rule."""
    void: np.ndarray

    @property
    def winners(self) -> np.ndarray:
        """Per row: the index of the single first-ranked option, or -1 (a tie, or none)."""
        return only_one(self.first)


def only_one(chosen: np.ndarray) -> np.ndarray:
    """Per row of ``chosen`` (rows x options): the index of its one chosen option, or -1
    (none, or more than one)."""
    by = by_option(chosen)
    return np.where(by.sum(axis=0) == 1, np.argmax(by, axis=0), -1)


def leads(score: np.ndarray, excluded: np.ndarray, index: int) -> np.ndarray:
    """Per row: how far option ``index`` scores above the best of the others not excluded
    (0 when there is none)."""
    rivals = np.where(excluded, -np.inf, score)
    rivals[:, index] = -np.inf
    best = by_option(rivals).max(axis=0)
    return np.where(np.isfinite(best), score[:, index] - best, 0.0)


def appraise_rows(
    model: CompiledModel,
    weights: np.ndarray,
    columns: Columns,
    *,
    base: Outcome | None = None,
    changed: Collection[str] = (),
) -> Standings:
    """Appraise every row of a batch as ``appraise`` appraises one, marking the void rows.

    ``weights`` are global weights in the criteria tree's order. Given the ``base``
    outcome the rows differ from only in the ``changed`` facts, only the rules downstream
    of those rerun (``engine.rerun``), with the same result.
    """
    if base is None:
        outcome = evaluate(model, columns, refuse=False)
    else:
        outcome = rerun(model, base, columns, changed, refuse=False)
    cells = cell_values(model, outcome.fired, refuse=False)
    void = np.asarray(outcome.contradicted) | np.asarray(cells.unscorable)
    totals = aggregate(model.tree, weights, cells.utility)
    valid = ~cells.excluded
    better = competition_ranks(totals.score, valid, ties=False)[0]
    points = cells.utility * weights[list(model.tree.declared_leaves)]
    metrics = verdict_metrics(totals, cells.excluded, verdict_ranks(model, totals, valid, better))
    return Standings(
        outcome=outcome,
        points=points,
        score=totals.score,
        excluded=cells.excluded,
        first=(better == 0) & valid,
        verdicts=assign_verdicts(model, outcome.columns, metrics),
        void=void,
    )

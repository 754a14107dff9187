"""The records of scoring: how each value came to be, and each option's scores.

The arithmetic is the engine's (``engine.cells`` for values, ``engine.aggregate``
for weights, totals and ranks); this module turns what it computed into
records an explanation can read, and keeps two scalar entry points (the
global weights of one set of raw weights, the ranks of one set of scores)
on top of the engine.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
from pydantic import BaseModel, ConfigDict

from .engine import (
    TIE_TOLERANCE,
    Cells,
    CompiledModel,
    CriteriaTree,
)
from .engine import competition_ranks as ranks_of
from .models import RuleBase
from .tables import Displayable, Summary, signed

__all__ = [
    "TIE_TOLERANCE",
    "Adjustment",
    "CriterionValue",
    "GateFailure",
    "competition_ranks",
    "criterion_weights",
    "option_records",
]


class _Result(Displayable, BaseModel):
    model_config = ConfigDict(frozen=True, defer_build=True)


class Adjustment(_Result):
    rule: str
    by: float


class CriterionValue(_Result):
    """How one option's value on one leaf criterion came to be."""

    criterion: str
    baseline: float
    set_to: float | None = None
    set_by: str | None = None
    adjustments: tuple[Adjustment, ...] = ()
    value: float
    utility: float
    clamped: bool = False

    def _summary(self) -> Summary:
        moves = [f"set to {self.set_to:g} by {self.set_by}"] if self.set_by else []
        moves += [f"{signed(a.by, 0)} by {a.rule}" for a in self.adjustments]
        clamped = " (clamped)" if self.clamped else ""
        return Summary(
            kind="CriterionValue",
            headline=f"{self.criterion}: {self.baseline:g} -> {self.value:g}{clamped}"
            + (f"; {', '.join(moves)}" if moves else ""),
        )


class GateFailure(_Result):
    gate: str
    rule: str


def option_records(
    model: CompiledModel, cells: Cells, fired: np.ndarray, row: int = 0
) -> tuple[dict[str, dict[str, CriterionValue]], dict[str, list[GateFailure]]]:
    """Each option's value records on each leaf, and its gate failures, in one row.

    The records are built from the engine's own arrays, already of their types, so they
    are constructed without validating again: an appraisal builds hundreds of them.
    """
    values: dict[str, dict[str, CriterionValue]] = {}
    for i, option_id in enumerate(model.options):
        values[option_id] = {}
        for k, criterion_id in enumerate(model.leaf_ids):
            set_by = int(cells.set_by[row, i, k])
            set_to = float(dict(model.cell_sets[(i, k)])[set_by]) if set_by >= 0 else None
            moves = tuple(
                Adjustment.model_construct(rule=model.order[position], by=float(by))
                for position, by in model.cell_adjusts.get((i, k), ())
                if fired[position, row]
            )
            value = float(cells.value[row, i, k])
            values[option_id][criterion_id] = CriterionValue.model_construct(
                criterion=criterion_id,
                baseline=float(model.baselines[i, k]),
                set_to=set_to,
                set_by=model.order[set_by] if set_by >= 0 else None,
                adjustments=moves,
                value=value,
                utility=float(cells.utility[row, i, k]),
                clamped=bool(value != cells.raw[row, i, k]),
            )
    failures: dict[str, list[GateFailure]] = {option_id: [] for option_id in model.options}
    for position, gates in enumerate(model.rule_gates):
        if fired[position, row]:
            for i, gate in gates:
                failures[model.options[i]].append(
                    GateFailure.model_construct(gate=gate, rule=model.order[position])
                )
    return values, failures


def criterion_weights(
    rule_base: RuleBase, overrides: Mapping[str, float] | None = None
) -> dict[str, float]:
    """The global weight of every criterion (parents included), summing to 1 per level.

    Raw weights must be finite numbers from 0 to ``MAX_WEIGHT``, not all zero
    among siblings (``CriteriaTree.raw_weights``).
    """
    tree = CriteriaTree.from_rule_base(rule_base)
    weights = tree.global_weights(tree.raw_weights(overrides))
    return {tree.ids[c]: float(weights[c]) for c in tree.declared}


def competition_ranks(scores: Mapping[str, float]) -> dict[str, int]:
    """1 for the best; equal scores (within ``TIE_TOLERANCE``) share a rank ("1, 1, 3").

    An option's rank is 1 + the number of scores above its own by more than
    the tolerance (``engine.competition_ranks``, on one row): O(n log n).
    Near-ties chain as the definition says, not transitively: with scores
    1, 1 - 0.6e-9 and 1 - 1.2e-9, the first two share rank 1, and so do the
    last two, but the third is beaten by the first (rank 2). A NaN score is
    beaten by nothing, and beats nothing.
    """
    keys = list(scores)
    if not keys:
        return {}
    better, _ = ranks_of(np.array([[float(scores[k]) for k in keys]]), ties=False)
    return {key: 1 + int(better[0, i]) for i, key in enumerate(keys)}

"""Values, weights, scores and ranks: pure arithmetic over the rule outcome.

An option's value on a leaf criterion starts at its declared baseline (0..100
on the criterion's absolute anchors). A fired ``set`` replaces the baseline; every
fired ``adjust`` then adds its points; the result is clamped to 0..100. A
``minimise`` criterion counts ``100 - value`` (its *utility*).

Weights are normalised among siblings, so a leaf's global weight is the product
of the normalised weights on its path from the root. The total is the weighted
sum of utilities; the short- and long-horizon scores are the same sum over the
leaves of that horizon, renormalised. Options failing a gate are excluded and
take no part in ranking. Equal scores share a rank.
"""

from __future__ import annotations

import bisect
import math
from collections.abc import Mapping, Sequence

from pydantic import BaseModel, ConfigDict

from .errors import Location, ScoringError
from .loader import leaf_criteria
from .models import MAX_WEIGHT, AdjustEffect, Criterion, FailGateEffect, RuleBase, SetEffect
from .rules import RuleFiring, option_effects
from .tables import Displayable, Summary, signed

__all__ = [
    "Adjustment",
    "CriterionValue",
    "GateFailure",
    "OptionScore",
    "competition_ranks",
    "criterion_weights",
    "option_values",
    "score_options",
]

TIE_TOLERANCE = 1e-9


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


class OptionScore(_Result):
    """Everything the scorer computed for one option, kept for explanation."""

    option: str
    values: dict[str, CriterionValue]
    contributions: dict[str, float]
    score: float
    short_term_score: float
    long_term_score: float
    gate_failures: tuple[GateFailure, ...] = ()

    @property
    def excluded(self) -> bool:
        return bool(self.gate_failures)


def criterion_weights(
    rule_base: RuleBase, overrides: Mapping[str, float] | None = None
) -> dict[str, float]:
    """The global weight of every criterion (parents included), summing to 1 per level.

    Raw weights must be finite numbers from 0 to ``MAX_WEIGHT``, not all zero
    among siblings, so their sum cannot overflow (1e308 + 1e308 is infinite,
    and would make every share zero).
    """
    overrides = overrides or {}
    weights: dict[str, float] = {}

    def walk(criteria: Mapping[str, Criterion], share: float, parent: str) -> None:
        raw = {cid: overrides.get(cid, c.weight) for cid, c in criteria.items()}
        for criterion_id, weight in raw.items():
            if not (math.isfinite(weight) and 0 <= weight <= MAX_WEIGHT):
                raise ScoringError(
                    f"a weight is a finite number from 0 to {MAX_WEIGHT:,.0f}, not {weight}",
                    Location(field=f"weights.{criterion_id}"),
                )
        total = sum(raw.values())
        if total <= 0:
            names = ", ".join(criteria)
            raise ScoringError(
                f"the weights of {names} (under {parent}) are all zero; nothing can be scored",
                Location(field=f"weights.{next(iter(criteria))}"),
            )
        for criterion_id, criterion in criteria.items():
            weights[criterion_id] = share * raw[criterion_id] / total
            if criterion.children:
                walk(criterion.children, weights[criterion_id], repr(criterion_id))

    walk(rule_base.criteria, 1.0, "the root of the criteria tree")
    return weights


def option_values(
    rule_base: RuleBase, firings: Sequence[RuleFiring]
) -> tuple[dict[str, dict[str, CriterionValue]], dict[str, list[GateFailure]]]:
    """Each option's value on each leaf, and its gate failures, from the fired rules."""
    sets: dict[tuple[str, str], tuple[float, str]] = {}
    adjustments: dict[tuple[str, str], list[Adjustment]] = {}
    failures: dict[str, list[GateFailure]] = {option_id: [] for option_id in rule_base.options}
    for rule_id, effect in option_effects(firings):
        if isinstance(effect, FailGateEffect):
            failures[effect.option].append(GateFailure(gate=effect.fail_gate, rule=rule_id))
        elif isinstance(effect, SetEffect):
            key = (effect.option, effect.set)
            if key in sets and sets[key][0] != effect.to:
                raise ScoringError(
                    f"rules {sets[key][1]!r} and {rule_id!r} set option {effect.option!r} on"
                    f" {effect.set!r} to different values ({sets[key][0]:g} and {effect.to:g})",
                    Location(field=f"rules.{rule_id}"),
                )
            sets.setdefault(key, (effect.to, rule_id))
        elif isinstance(effect, AdjustEffect):
            adjustments.setdefault((effect.option, effect.adjust), []).append(
                Adjustment(rule=rule_id, by=effect.by)
            )
    leaves = leaf_criteria(rule_base)
    values: dict[str, dict[str, CriterionValue]] = {}
    for option_id, option in rule_base.options.items():
        values[option_id] = {}
        for criterion_id, criterion in leaves.items():
            baseline = option.values[criterion_id].value
            set_to, set_by = sets.get((option_id, criterion_id), (None, None))
            moves = tuple(adjustments.get((option_id, criterion_id), ()))
            raw = (baseline if set_to is None else set_to) + sum(m.by for m in moves)
            value = min(100.0, max(0.0, raw))
            utility = value if criterion.direction == "maximise" else 100.0 - value
            values[option_id][criterion_id] = CriterionValue(
                criterion=criterion_id,
                baseline=baseline,
                set_to=set_to,
                set_by=set_by,
                adjustments=moves,
                value=value,
                utility=utility,
                clamped=value != raw,
            )
    return values, failures


def score_options(
    rule_base: RuleBase,
    values: Mapping[str, Mapping[str, CriterionValue]],
    failures: Mapping[str, Sequence[GateFailure]],
    weights: Mapping[str, float],
) -> dict[str, OptionScore]:
    """Weighted sums over the criteria tree, overall and per horizon."""
    leaves = leaf_criteria(rule_base)
    horizon_weight = {
        horizon: sum(weights[c] for c, spec in leaves.items() if spec.horizon == horizon)
        for horizon in ("short", "long")
    }
    scores: dict[str, OptionScore] = {}
    for option_id, option_values_ in values.items():
        contributions = _contributions(rule_base.criteria, option_values_, weights)
        by_horizon = {}
        for horizon, total_weight in horizon_weight.items():
            part = sum(contributions[c] for c, spec in leaves.items() if spec.horizon == horizon)
            by_horizon[horizon] = part / total_weight if total_weight > 0 else 0.0
        scores[option_id] = OptionScore(
            option=option_id,
            values=dict(option_values_),
            contributions=contributions,
            score=sum(contributions[c] for c in rule_base.criteria),
            short_term_score=by_horizon["short"],
            long_term_score=by_horizon["long"],
            gate_failures=tuple(failures.get(option_id, ())),
        )
    return scores


def _contributions(
    criteria: Mapping[str, Criterion],
    values: Mapping[str, CriterionValue],
    weights: Mapping[str, float],
) -> dict[str, float]:
    """Each criterion's points (global weight x utility); a parent's is its children's sum."""
    result: dict[str, float] = {}
    for criterion_id, criterion in criteria.items():
        if criterion.children:
            below = _contributions(criterion.children, values, weights)
            result.update(below)
            result[criterion_id] = sum(below[c] for c in criterion.children)
        else:
            result[criterion_id] = weights[criterion_id] * values[criterion_id].utility
    return result


def competition_ranks(scores: Mapping[str, float]) -> dict[str, int]:
    """1 for the best; equal scores (within a tolerance) share a rank ("1, 1, 3").

    An option's rank is 1 + the number of scores above its own by more than
    ``TIE_TOLERANCE``. That count is read off the sorted scores by bisection,
    so ranking n options takes O(n log n), not O(n^2). Near-ties chain as the
    definition says, not transitively: with scores 1, 1 - 0.6e-9 and
    1 - 1.2e-9, the first two share rank 1, and so do the last two, but the
    third is beaten by the first (rank 2). A NaN score is beaten by nothing,
    and beats nothing, as the comparison says.
    """
    ordered = sorted(value for value in scores.values() if value == value)  # NaN left out
    return {
        key: 1 + len(ordered) - bisect.bisect_right(ordered, value + TIE_TOLERANCE)
        for key, value in scores.items()
    }

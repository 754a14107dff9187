"""Evaluate rules on evidence, one body of evidence at a time (the reference semantics).

Checking rules against their rule base is the loader's (``loader.rule_checks``);
the structure of conditions is the engine's (``engine.conditions``).

Conditions use three-valued logic: a comparison that reads an unknown fact is
*unknown*, ``all`` is false if any part is false and unknown if any part is
unknown, ``any`` the dual, ``not`` swaps true and false. A rule fires only
when its condition is known to be true, and an unknown condition is recorded
as such, so the explanation can say which missing evidence held a rule back.

Rules are evaluated in an order derived from the graph (every rule that
derives a finding runs before any rule that reads it), so one pass reaches the
fixpoint and the declared order of rules never matters.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

from pydantic import BaseModel, ConfigDict

from .engine.conditions import (
    METRICS,
    comparisons,
    every_condition,
    facts_read,
    facts_read_anywhere,
    iter_conditions,
)
from .errors import Location, RuleEvaluationError
from .models import (
    AdjustEffect,
    AllOf,
    AnyOf,
    Comparison,
    Condition,
    DeriveEffect,
    Effect,
    FactRef,
    FailGateEffect,
    Known,
    NotOf,
    RuleBase,
    SetEffect,
    Value,
)
from .tables import Displayable

__all__ = [
    "METRICS",
    "Facts",
    "RuleFiring",
    "RuleOutcome",
    "compare",
    "comparisons",
    "evaluate_condition",
    "evaluate_rules",
    "every_condition",
    "facts_read",
    "facts_read_anywhere",
    "iter_conditions",
    "level_orders",
    "option_effects",
]

Truth = bool | None
Facts = Mapping[str, Value | None]
"""Fact and finding values by id; ``None`` (or absence) means unknown."""


class RuleFiring(Displayable, BaseModel):
    """One rule's evaluation: whether it fired, and every fact it read, with its value."""

    model_config = ConfigDict(frozen=True, defer_build=True)

    rule: str
    status: Literal["fired", "not_fired", "unknown"]
    reads: dict[str, Value | None]
    effects: tuple[Effect, ...] = ()


# --------------------------------------------------------------------------- evaluation


def evaluate_condition(
    condition: Condition,
    facts: Facts,
    scales: Mapping[str, Mapping[str, int]],
    metrics: Facts | None = None,
) -> Truth:
    """True, False or None (unknown) under three-valued logic.

    ``scales`` maps a fact id to the rank of each level of its scale, for
    ordered comparisons of levels.
    """
    if isinstance(condition, AllOf):
        result: Truth = True
        for part in condition.all:
            truth = evaluate_condition(part, facts, scales, metrics)
            if truth is False:
                return False
            if truth is None:
                result = None
        return result
    if isinstance(condition, AnyOf):
        result = False
        for part in condition.any:
            truth = evaluate_condition(part, facts, scales, metrics)
            if truth is True:
                return True
            if truth is None:
                result = None
        return result
    if isinstance(condition, NotOf):
        truth = evaluate_condition(condition.not_, facts, scales, metrics)
        return None if truth is None else not truth
    if isinstance(condition, Known):
        return facts.get(condition.known) is not None
    return _evaluate_comparison(condition, facts, scales, metrics)


def _evaluate_comparison(
    condition: Comparison,
    facts: Facts,
    scales: Mapping[str, Mapping[str, int]],
    metrics: Facts | None,
) -> Truth:
    if condition.metric is not None:
        left = (metrics or {}).get(condition.metric)
        order: Mapping[str, int] | None = None
    else:
        left = facts.get(str(condition.fact))
        order = scales.get(str(condition.fact))
    operand = condition.operand
    if isinstance(operand, FactRef):
        right = facts.get(operand.fact)
        if isinstance(right, float) and operand.times != 1.0:
            right = right * operand.times
    else:
        right = operand
    if left is None or right is None:
        return None
    return compare(condition.operator, left, right, order)


def compare(op: str, left: Value, right: Value, order: Mapping[str, int] | None) -> bool:
    """Apply one operator; levels compare by their position on the scale.

    Values reach here checked (by the loader, or ``appraise``'s override
    checks); one that is not of its fact's type is refused rather than
    compared, since a comparison of unlike values would be silently false.
    """
    left_key: float | str | bool
    right_key: float | str | bool
    if order is not None and isinstance(left, str) and isinstance(right, str):
        if left not in order or right not in order:
            stray = left if left not in order else right
            raise RuleEvaluationError(f"{stray!r} is not a level of the scale ({', '.join(order)})")
        left_key, right_key = order[left], order[right]
    else:
        left_key, right_key = left, right
    if op == "eq":
        return left_key == right_key
    if op == "ne":
        return left_key != right_key
    if not (
        isinstance(left_key, float | int)
        and isinstance(right_key, float | int)
        and not isinstance(left_key, bool)
        and not isinstance(right_key, bool)
    ):
        raise RuleEvaluationError(f"{op} compares numbers or levels, not {left!r} and {right!r}")
    if op == "lt":
        return left_key < right_key
    if op == "le":
        return left_key <= right_key
    if op == "gt":
        return left_key > right_key
    return left_key >= right_key


@dataclass(frozen=True)
class RuleOutcome:
    """What evaluating every rule on one body of evidence gives."""

    facts: Mapping[str, Value | None]
    findings: Mapping[str, Value | None]
    firings: Sequence[RuleFiring]
    derived_by: Mapping[str, tuple[str, ...]]


def level_orders(rule_base: RuleBase) -> dict[str, dict[str, int]]:
    """For each level fact or finding, the rank of every level on its scale."""
    orders: dict[str, dict[str, int]] = {}
    for fact_id, spec in {**rule_base.facts, **rule_base.findings}.items():
        if spec.scale is not None:
            orders[fact_id] = {level: i for i, level in enumerate(rule_base.scales[spec.scale])}
    return orders


def evaluate_rules(
    rule_base: RuleBase,
    evidence: Facts,
    order: Sequence[str],
    scales: Mapping[str, Mapping[str, int]] | None = None,
) -> RuleOutcome:
    """Run every rule once, in ``order`` (a topological order from the graph).

    Two fired rules that derive different values for one finding are a
    contradiction in the rule base and raise ``RuleEvaluationError``.
    """
    scales = level_orders(rule_base) if scales is None else scales
    facts: dict[str, Value | None] = {fact_id: evidence.get(fact_id) for fact_id in rule_base.facts}
    for finding_id in rule_base.findings:
        facts[finding_id] = None
    derived_by: dict[str, list[str]] = {}
    firings: list[RuleFiring] = []
    for rule_id in order:
        rule = rule_base.rules[rule_id]
        truth = evaluate_condition(rule.when, facts, scales)
        reads = {fact_id: facts.get(fact_id) for fact_id in facts_read(rule.when)}
        if truth is not True:
            status: Literal["not_fired", "unknown"] = "unknown" if truth is None else "not_fired"
            firings.append(RuleFiring(rule=rule_id, status=status, reads=reads))
            continue
        for effect in rule.then:
            if isinstance(effect, DeriveEffect):
                previous = facts.get(effect.derive)
                if previous is not None and previous != effect.value:
                    raise RuleEvaluationError(
                        f"finding {effect.derive!r} is derived as {previous!r} by rule"
                        f" {derived_by[effect.derive][0]!r} and as {effect.value!r} by rule"
                        f" {rule_id!r}; the rules contradict each other on this evidence",
                        Location(field=f"rules.{rule_id}"),
                    )
                facts[effect.derive] = effect.value
                derived_by.setdefault(effect.derive, []).append(rule_id)
        firings.append(
            RuleFiring(rule=rule_id, status="fired", reads=reads, effects=tuple(rule.then))
        )
    findings = {finding_id: facts[finding_id] for finding_id in rule_base.findings}
    return RuleOutcome(
        facts=facts,
        findings=findings,
        firings=firings,
        derived_by={k: tuple(v) for k, v in derived_by.items()},
    )


def option_effects(
    firings: Sequence[RuleFiring],
) -> Iterator[tuple[str, AdjustEffect | SetEffect | FailGateEffect]]:
    """The effects of fired rules that act on options, with the rule that fired."""
    for firing in firings:
        for effect in firing.effects:
            if isinstance(effect, AdjustEffect | SetEffect | FailGateEffect):
                yield firing.rule, effect

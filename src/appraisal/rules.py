"""Check rules against their rule base when it loads; evaluate them on evidence.

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

from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

from pydantic import BaseModel, ConfigDict

from .errors import AppraisalError, Location, RuleEvaluationError, RuleSyntaxError
from .models import (
    AdjustEffect,
    AllOf,
    AnyOf,
    Comparison,
    Condition,
    DeriveEffect,
    Effect,
    FactRef,
    FactSpec,
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
    "comparisons",
    "evaluate_condition",
    "evaluate_rules",
    "facts_read",
    "check_rules",
    "value_problem",
]

Truth = bool | None
Facts = Mapping[str, Value | None]
"""Fact and finding values by id; ``None`` (or absence) means unknown."""

METRICS: dict[str, FactSpec] = {
    name: FactSpec(type=kind)
    for name, kind in {
        "rank": "number",
        "short_term_rank": "number",
        "long_term_rank": "number",
        "score": "number",
        "short_term_score": "number",
        "long_term_score": "number",
        "excluded": "boolean",
    }.items()
}
"""What verdict rules may test about an option's result, besides facts."""

_ORDERING = ("lt", "le", "gt", "ge")


class RuleFiring(Displayable, BaseModel):
    """One rule's evaluation: whether it fired, and every fact it read, with its value."""

    model_config = ConfigDict(frozen=True, defer_build=True)

    rule: str
    status: Literal["fired", "not_fired", "unknown"]
    reads: dict[str, Value | None]
    effects: tuple[Effect, ...] = ()


# --------------------------------------------------------------------------- structure


def iter_conditions(condition: Condition) -> Iterator[Condition]:
    """The condition and every condition nested inside it, depth first."""
    yield condition
    if isinstance(condition, AllOf):
        for part in condition.all:
            yield from iter_conditions(part)
    elif isinstance(condition, AnyOf):
        for part in condition.any:
            yield from iter_conditions(part)
    elif isinstance(condition, NotOf):
        yield from iter_conditions(condition.not_)


def comparisons(condition: Condition) -> list[Comparison]:
    """Every comparison (fact, operator, threshold) a condition tests."""
    return [c for c in iter_conditions(condition) if isinstance(c, Comparison)]


def facts_read(condition: Condition) -> tuple[str, ...]:
    """Every fact or finding a condition reads, in order of first mention."""
    seen: dict[str, None] = {}
    for part in iter_conditions(condition):
        if isinstance(part, Known):
            seen[part.known] = None
        elif isinstance(part, Comparison):
            if part.fact is not None:
                seen[part.fact] = None
            if isinstance(part.operand, FactRef):
                seen[part.operand.fact] = None
    return tuple(seen)


# --------------------------------------------------------------------------- checking


def value_problem(value: Value, spec: FactSpec, rule_base: RuleBase) -> str | None:
    """Why ``value`` cannot be a value of a fact declared by ``spec``; None if it can."""
    if spec.type == "number":
        return None if isinstance(value, float) else f"expected a number, found {value!r}"
    if spec.type == "boolean":
        return None if isinstance(value, bool) else f"expected true or false, found {value!r}"
    unquoted = (
        " (YAML reads unquoted yes, no, on, off, true and false as true or false: quote the text)"
        if isinstance(value, bool)
        else ""
    )
    if spec.type == "text":
        return None if isinstance(value, str) else f"expected text, found {value!r}{unquoted}"
    levels = rule_base.scales.get(spec.scale or "", [])
    if isinstance(value, str) and value in levels:
        return None
    from .errors import suggest

    hint = suggest(str(value), levels)
    message = f"expected a level of scale {spec.scale!r} ({' < '.join(levels)}), found {value!r}"
    return message + (f" (did you mean {hint!r}?)" if hint else unquoted)


def check_rules(rule_base: RuleBase, marks: object) -> list[AppraisalError]:
    """Every problem in the rules and verdict rules of a rule base, each located."""
    from .loader import Marks, leaf_criteria, unknown

    assert isinstance(marks, Marks)
    problems: list[AppraisalError] = []
    leaves = leaf_criteria(rule_base)
    for rule_id, rule in rule_base.rules.items():
        where = ("rules", rule_id)
        problems += check_condition(rule.when, rule_base, marks, (*where, "when"), metrics=False)
        problems += _conflicting_sets(rule_id, rule.then, marks)
        for index, effect in enumerate(rule.then):
            at = (*where, "then", index)
            if isinstance(effect, DeriveEffect):
                spec = rule_base.findings.get(effect.derive)
                if spec is None:
                    problems.append(
                        unknown(
                            "finding",
                            effect.derive,
                            rule_base.findings,
                            marks.locate((*at, "derive")),
                        )
                    )
                    continue
                problem = value_problem(effect.value, spec, rule_base)
                if problem:
                    problems.append(RuleSyntaxError(problem, marks.locate((*at, "value"))))
                continue
            if effect.option not in rule_base.options:
                problems.append(
                    unknown(
                        "option", effect.option, rule_base.options, marks.locate((*at, "option"))
                    )
                )
            if isinstance(effect, FailGateEffect):
                if effect.fail_gate not in rule_base.gates:
                    problems.append(
                        unknown(
                            "gate",
                            effect.fail_gate,
                            rule_base.gates,
                            marks.locate((*at, "fail_gate")),
                        )
                    )
                continue
            target = effect.adjust if isinstance(effect, AdjustEffect) else effect.set
            if target not in leaves:
                key = "adjust" if isinstance(effect, AdjustEffect) else "set"
                problems.append(unknown("leaf criterion", target, leaves, marks.locate((*at, key))))
    for index, verdict in enumerate(rule_base.verdicts):
        if verdict.when is not None:
            problems += check_condition(
                verdict.when, rule_base, marks, ("verdicts", index, "when"), metrics=True
            )
    return problems


def _conflicting_sets(
    rule_id: str, effects: Sequence[Effect], marks: object
) -> list[AppraisalError]:
    """Two ``set`` effects of one rule that fix one value at two numbers.

    Whenever the rule fired, scoring would stop on the contradiction; found
    here, it is reported where it is written, before any evidence fires it.
    """
    from .loader import Marks

    assert isinstance(marks, Marks)
    first: dict[tuple[str, str], tuple[int, float]] = {}
    problems: list[AppraisalError] = []
    for index, effect in enumerate(effects):
        if not isinstance(effect, SetEffect):
            continue
        key = (effect.option, effect.set)
        earlier = first.setdefault(key, (index, effect.to))
        if earlier[1] != effect.to:
            message = (
                f"sets option {effect.option!r} on {effect.set!r} to {effect.to:g}, but"
                f" then[{earlier[0]}] sets it to {earlier[1]:g}"
            )
            where = marks.locate(("rules", rule_id, "then", index, "to"))
            problems.append(RuleSyntaxError(message, where))
    return problems


def check_condition(
    condition: Condition,
    rule_base: RuleBase,
    marks: object,
    key_path: tuple[str | int, ...],
    *,
    metrics: bool,
) -> list[AppraisalError]:
    """Names resolve, operators suit the types, thresholds are on the right scale."""
    from .loader import Marks, unknown

    assert isinstance(marks, Marks)
    known: dict[str, FactSpec] = {**rule_base.facts, **rule_base.findings}
    problems: list[AppraisalError] = []

    def locate(*suffix: str | int) -> Location:
        return marks.locate((*key_path, *suffix))

    if isinstance(condition, AllOf | AnyOf):
        parts = condition.all if isinstance(condition, AllOf) else condition.any
        key = "all" if isinstance(condition, AllOf) else "any"
        for index, part in enumerate(parts):
            problems += check_condition(
                part, rule_base, marks, (*key_path, key, index), metrics=metrics
            )
        return problems
    if isinstance(condition, NotOf):
        return check_condition(
            condition.not_, rule_base, marks, (*key_path, "not"), metrics=metrics
        )
    if isinstance(condition, Known):
        if condition.known not in known:
            problems.append(unknown("fact", condition.known, known, locate("known")))
        return problems
    return _check_comparison(condition, rule_base, known, locate, metrics=metrics)


def _check_comparison(
    condition: Comparison,
    rule_base: RuleBase,
    known: Mapping[str, FactSpec],
    locate: Callable[..., Location],
    *,
    metrics: bool,
) -> list[AppraisalError]:
    from .loader import unknown

    if condition.metric is not None:
        if not metrics:
            message = "'metric' may be tested only in verdict rules"
            return [RuleSyntaxError(message, locate("metric"))]
        subject = METRICS.get(condition.metric)
        if subject is None:
            return [unknown("metric", condition.metric, METRICS, locate("metric"))]
    else:
        subject = known.get(str(condition.fact))
        if subject is None:
            return [unknown("fact", str(condition.fact), known, locate("fact"))]
    problems: list[AppraisalError] = []
    op, operand = condition.operator, condition.operand
    if op in _ORDERING and subject.type in ("boolean", "text"):
        message = f"{subject.type} facts compare only with eq or ne, not {op}"
        problems.append(RuleSyntaxError(message, locate(op)))
    if not isinstance(operand, FactRef):
        problem = value_problem(operand, subject, rule_base)
        if problem:
            problems.append(RuleSyntaxError(f"{condition.subject}: {problem}", locate(op)))
        return problems
    other = known.get(operand.fact)
    if other is None:
        problems.append(unknown("fact", operand.fact, known, locate(op, "fact")))
    elif (other.type, other.scale) != (subject.type, subject.scale):
        message = (
            f"cannot compare {condition.subject!r} ({subject.type}) with"
            f" {operand.fact!r} ({other.type})"
        )
        problems.append(RuleSyntaxError(message, locate(op)))
    elif operand.times != 1.0 and subject.type != "number":
        problems.append(RuleSyntaxError("'times' scales numbers only", locate(op, "times")))
    return problems


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

"""Rules checked against their rule base as it loads, every problem located.

Names resolve, operators suit the types they compare, thresholds are on the
right scale, and no rule fixes one value at two numbers: found here, each
problem is reported where it is written, before any evidence reaches it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

from ..engine.conditions import METRICS
from ..engine.criteria import leaf_criteria
from ..errors import AppraisalError, Location, RuleSyntaxError, suggest
from ..models import (
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
from .reading import KeyPath, Marks
from .suggestions import unknown

__all__ = ["check_condition", "check_rules", "value_problem"]

_ORDERING = ("lt", "le", "gt", "ge")


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
    hint = suggest(str(value), levels)
    message = f"expected a level of scale {spec.scale!r} ({' < '.join(levels)}), found {value!r}"
    return message + (f" (did you mean {hint!r}?)" if hint else unquoted)


def check_rules(rule_base: RuleBase, marks: Marks) -> list[AppraisalError]:
    """Every problem in the rules and verdict rules of a rule base, each located."""
    problems: list[AppraisalError] = []
    leaves = leaf_criteria(rule_base)
    known: dict[str, FactSpec] = {**rule_base.facts, **rule_base.findings}
    for rule_id, rule in rule_base.rules.items():
        where: KeyPath = ("rules", rule_id)
        problems += check_condition(
            rule.when, rule_base, marks, (*where, "when"), metrics=False, known=known
        )
        problems += _conflicting_sets(rule_id, rule.then, marks)
        for index, effect in enumerate(rule.then):
            problems += _check_effect(effect, rule_base, marks, (*where, "then", index), leaves)
    for index, verdict in enumerate(rule_base.verdicts):
        if verdict.when is not None:
            problems += check_condition(
                verdict.when,
                rule_base,
                marks,
                ("verdicts", index, "when"),
                metrics=True,
                known=known,
            )
    return problems


def _check_effect(
    effect: Effect, rule_base: RuleBase, marks: Marks, at: KeyPath, leaves: Mapping[str, object]
) -> list[AppraisalError]:
    """An effect names a declared finding (with a value of its type), option, gate, leaf."""
    if isinstance(effect, DeriveEffect):
        spec = rule_base.findings.get(effect.derive)
        if spec is None:
            where = marks.locate((*at, "derive"))
            return [unknown("finding", effect.derive, rule_base.findings, where)]
        problem = value_problem(effect.value, spec, rule_base)
        return [RuleSyntaxError(problem, marks.locate((*at, "value")))] if problem else []
    problems: list[AppraisalError] = []
    if effect.option not in rule_base.options:
        where = marks.locate((*at, "option"))
        problems.append(unknown("option", effect.option, rule_base.options, where))
    if isinstance(effect, FailGateEffect):
        if effect.fail_gate not in rule_base.gates:
            where = marks.locate((*at, "fail_gate"))
            problems.append(unknown("gate", effect.fail_gate, rule_base.gates, where))
        return problems
    target = effect.adjust if isinstance(effect, AdjustEffect) else effect.set
    if target not in leaves:
        key = "adjust" if isinstance(effect, AdjustEffect) else "set"
        problems.append(unknown("leaf criterion", target, list(leaves), marks.locate((*at, key))))
    return problems


def _conflicting_sets(
    rule_id: str, effects: Sequence[Effect], marks: Marks
) -> list[AppraisalError]:
    """Two ``set`` effects of one rule that fix one value at two numbers.

    Whenever the rule fired, scoring would stop on the contradiction; found
    here, it is reported where it is written, before any evidence fires it.
    """
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
    marks: Marks,
    key_path: KeyPath,
    *,
    metrics: bool,
    known: Mapping[str, FactSpec] | None = None,
) -> list[AppraisalError]:
    """Names resolve, operators suit the types, thresholds are on the right scale.

    ``known`` is every fact and finding of the rule base, passed down so that
    checking stays linear in the size of the rules.
    """
    if known is None:
        known = {**rule_base.facts, **rule_base.findings}
    problems: list[AppraisalError] = []

    def locate(*suffix: str | int) -> Location:
        return marks.locate((*key_path, *suffix))

    if isinstance(condition, AllOf | AnyOf):
        parts = condition.all if isinstance(condition, AllOf) else condition.any
        key = "all" if isinstance(condition, AllOf) else "any"
        for index, part in enumerate(parts):
            problems += check_condition(
                part, rule_base, marks, (*key_path, key, index), metrics=metrics, known=known
            )
        return problems
    if isinstance(condition, NotOf):
        return check_condition(
            condition.not_, rule_base, marks, (*key_path, "not"), metrics=metrics, known=known
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

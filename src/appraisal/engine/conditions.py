"""The shape of conditions: what they nest, what they compare, what they read.

Structure only; evaluation is in ``evaluate``. The verdict metrics are here
because they are part of the vocabulary a verdict condition may read.
"""

from __future__ import annotations

from collections.abc import Iterator

from ..models import (
    AllOf,
    AnyOf,
    Comparison,
    Condition,
    FactRef,
    FactSpec,
    Known,
    NotOf,
    RuleBase,
)

__all__ = [
    "METRICS",
    "comparisons",
    "every_condition",
    "facts_read",
    "facts_read_anywhere",
    "iter_conditions",
]

_NUMBER = FactSpec.model_construct(type="number")

METRICS: dict[str, FactSpec] = {
    "rank": _NUMBER,
    "short_term_rank": _NUMBER,
    "long_term_rank": _NUMBER,
    "score": _NUMBER,
    "short_term_score": _NUMBER,
    "long_term_score": _NUMBER,
    "excluded": FactSpec.model_construct(type="boolean"),
}
"""What verdict rules may test about an option's result, besides facts.

Built without validation (each is plainly valid): validating here would build
``FactSpec``'s validator on import, which nothing else that loads this module needs."""


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


def every_condition(rule_base: RuleBase) -> Iterator[Condition]:
    """Every rule's condition, in the rule base's order, then every verdict rule's."""
    for rule in rule_base.rules.values():
        yield rule.when
    for verdict in rule_base.verdicts:
        if verdict.when is not None:
            yield verdict.when


def comparisons(condition: Condition) -> list[Comparison]:
    """Every comparison (fact, operator, threshold) a condition tests."""
    return [c for c in iter_conditions(condition) if isinstance(c, Comparison)]


def facts_read(condition: Condition) -> tuple[str, ...]:
    """Every fact or finding a condition reads, in order of first mention.

    Walked with an explicit stack (children pushed last first, so the order is
    that of ``iter_conditions``): compiling a rule base asks this of every
    condition several times.
    """
    seen: dict[str, None] = {}
    stack: list[Condition] = [condition]
    while stack:
        part = stack.pop()
        if isinstance(part, Comparison):
            if part.fact is not None:
                seen[part.fact] = None
            operand = part.operand
            if isinstance(operand, FactRef):
                seen[operand.fact] = None
        elif isinstance(part, Known):
            seen[part.known] = None
        elif isinstance(part, AllOf):
            stack.extend(reversed(part.all))
        elif isinstance(part, AnyOf):
            stack.extend(reversed(part.any))
        elif isinstance(part, NotOf):
            stack.append(part.not_)
    return tuple(seen)


def facts_read_anywhere(rule_base: RuleBase) -> set[str]:
    """Every fact or finding that some rule or verdict rule reads."""
    return {name for condition in every_condition(rule_base) for name in facts_read(condition)}

"""The order rules run in, and the cycles that would make any order impossible.

Every rule that derives a finding runs before any rule that reads it, so one
pass reaches the fixpoint; among rules free to run, the one declared first
runs first, so the order (and every record that follows it) is reproducible
and independent of how the file happens to list dependent rules. The order
is a topological sort by the standard library's ``graphlib``: appraising
needs no graph library.
"""

from __future__ import annotations

import heapq
from collections.abc import Iterable, Mapping
from graphlib import CycleError, TopologicalSorter

from ..errors import GraphCycleError
from ..models import DeriveEffect, RuleBase
from .conditions import facts_read

__all__ = ["refuse_cycles", "rule_order"]


def _node(kind: str, item_id: str) -> str:
    return f"{kind}:{item_id}"


def _dependencies(rule_base: RuleBase) -> dict[str, list[str]]:
    """Each node of rules, facts and findings with the nodes that must come before it."""
    before: dict[str, list[str]] = {}
    for fact_id in rule_base.facts:
        before[_node("fact", fact_id)] = []
    for finding_id in rule_base.findings:
        before[_node("finding", finding_id)] = []
    for rule_id, rule in rule_base.rules.items():
        rule_node = _node("rule", rule_id)
        reads = before.setdefault(rule_node, [])
        for fact_id in facts_read(rule.when):
            kind = "finding" if fact_id in rule_base.findings else "fact"
            if fact_id in rule_base.findings or fact_id in rule_base.facts:
                reads.append(_node(kind, fact_id))
        for effect in rule.then:
            if isinstance(effect, DeriveEffect) and effect.derive in rule_base.findings:
                before[_node("finding", effect.derive)].append(rule_node)
    return before


def _sorter(before: Mapping[str, Iterable[str]], what: str) -> TopologicalSorter[str]:
    sorter: TopologicalSorter[str] = TopologicalSorter()
    for node, earlier in before.items():
        sorter.add(node, *earlier)
    try:
        sorter.prepare()
    except CycleError as error:
        names = list(error.args[1])
        raise GraphCycleError(f"cycle among {what}: {' -> '.join(names)}", names) from None
    return sorter


def _causal_links(rule_base: RuleBase) -> dict[str, list[str]]:
    kind = {
        **{p: "problem" for p in rule_base.problems},
        **{c: "cause" for c in rule_base.causes},
    }
    before: dict[str, list[str]] = {_node(k, i): [] for i, k in kind.items()}
    for cause_id, cause in rule_base.causes.items():
        for target in cause.drives:
            if target in kind:
                before[_node(kind[target], target)].append(_node("cause", cause_id))
    return before


def refuse_cycles(rule_base: RuleBase) -> None:
    """Refuse a cycle among derived findings, or among causes; ``GraphCycleError`` lists it."""
    _sorter(_dependencies(rule_base), "derived findings")
    _sorter(_causal_links(rule_base), "causes")


def rule_order(rule_base: RuleBase) -> tuple[str, ...]:
    """Rule ids in an order where each finding is derived before it is read.

    Ties break by declaration order (facts and findings, free to go at once,
    first), so the order is reproducible.
    """
    position = {_node("rule", r): i for i, r in enumerate(rule_base.rules)}
    sorter = _sorter(_dependencies(rule_base), "derived findings")

    def key(node: str) -> tuple[int, str]:
        return position.get(node, -1), node

    ready = [(key(n), n) for n in sorter.get_ready()]
    heapq.heapify(ready)
    order: list[str] = []
    while ready:
        _, node = heapq.heappop(ready)
        if node in position:
            order.append(node.partition(":")[2])
        sorter.done(node)
        for after in sorter.get_ready():
            heapq.heappush(ready, (key(after), after))
    return tuple(order)

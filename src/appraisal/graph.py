"""The rule base as a typed networkx graph.

Nodes are ``"kind:id"`` strings with a ``kind`` attribute (fact, finding, rule,
cause, problem, option, criterion, gate), the item's ``id``, and a ``name`` for
readers (the item's name where it has one, else its id). Edges carry a
``kind`` too:

- ``reads``: fact or finding -> rule whose condition reads it
- ``derives``: rule -> finding it sets
- ``scores``: rule -> option whose value it moves (``criteria`` lists which)
- ``fails``: rule -> option it fails on a gate (``gates`` lists which)
- ``drives``: cause -> problem or cause
- ``addresses``: option -> cause or problem
- ``contains``: criterion -> sub-criterion

The graph is a view for reading and drawing: ``graph`` exports it, and the
explanation walks it from an option back to the evidence upstream of it.
Appraising does not need it: the engine orders rules itself
(``engine.order``).
"""

from __future__ import annotations

from collections.abc import Iterable

import networkx as nx

from .engine.conditions import facts_read
from .engine.criteria import CriteriaTree
from .engine.order import refuse_cycles
from .engine.order import rule_order as ordered_rules
from .models import AdjustEffect, DeriveEffect, FailGateEffect, RuleBase, SetEffect

__all__ = [
    "build_graph",
    "node",
    "rule_order",
    "upstream_facts",
]


def node(kind: str, item_id: str) -> str:
    """The graph node name of an item."""
    return f"{kind}:{item_id}"


def build_graph(rule_base: RuleBase) -> nx.DiGraph:
    """Build the graph and refuse cycles among findings or among causes."""
    if not isinstance(rule_base, RuleBase):
        raise TypeError(f"build_graph takes a RuleBase, not {type(rule_base).__name__}")
    graph = nx.DiGraph()
    for fact_id in rule_base.facts:
        graph.add_node(node("fact", fact_id), kind="fact", id=fact_id, name=fact_id)
    for finding_id in rule_base.findings:
        graph.add_node(node("finding", finding_id), kind="finding", id=finding_id, name=finding_id)
    for gate_id, gate in rule_base.gates.items():
        graph.add_node(node("gate", gate_id), kind="gate", id=gate_id, name=gate.name)
    for problem_id, problem in rule_base.problems.items():
        graph.add_node(
            node("problem", problem_id), kind="problem", id=problem_id, name=problem.name
        )
    for cause_id, cause in rule_base.causes.items():
        graph.add_node(node("cause", cause_id), kind="cause", id=cause_id, name=cause.name)
    causal = {
        **{p: "problem" for p in rule_base.problems},
        **{c: "cause" for c in rule_base.causes},
    }
    for cause_id, cause in rule_base.causes.items():
        for target in cause.drives:
            graph.add_edge(node("cause", cause_id), node(causal[target], target), kind="drives")
    _add_criteria(graph, CriteriaTree.from_rule_base(rule_base))
    for option_id, option in rule_base.options.items():
        graph.add_node(node("option", option_id), kind="option", id=option_id, name=option.name)
        for target in option.addresses:
            graph.add_edge(
                node("option", option_id), node(causal[target], target), kind="addresses"
            )
    for rule_id, rule in rule_base.rules.items():
        rule_node = node("rule", rule_id)
        graph.add_node(rule_node, kind="rule", id=rule_id, name=rule_id)
        for fact_id in facts_read(rule.when):
            kind = "finding" if fact_id in rule_base.findings else "fact"
            graph.add_edge(node(kind, fact_id), rule_node, kind="reads")
        for effect in rule.then:
            _add_effect(graph, rule_node, effect)
    refuse_cycles(rule_base)
    return graph


def _add_criteria(graph: nx.DiGraph, tree: CriteriaTree) -> None:
    for index in tree.declared:
        criterion_id, parent = tree.ids[index], tree.parents[index]
        criterion = tree.nodes[index]
        graph.add_node(
            node("criterion", criterion_id),
            kind="criterion",
            id=criterion_id,
            name=criterion.name or criterion_id,
        )
        if parent >= 0:
            graph.add_edge(
                node("criterion", tree.ids[parent]),
                node("criterion", criterion_id),
                kind="contains",
            )


def _add_effect(
    graph: nx.DiGraph,
    rule_node: str,
    effect: DeriveEffect | AdjustEffect | SetEffect | FailGateEffect,
) -> None:
    if isinstance(effect, DeriveEffect):
        graph.add_edge(rule_node, node("finding", effect.derive), kind="derives")
        return
    target = node("option", effect.option)
    if isinstance(effect, FailGateEffect):
        key, kind, value = "gates", "fails", effect.fail_gate
    else:
        key, kind = "criteria", "scores"
        value = effect.adjust if isinstance(effect, AdjustEffect) else effect.set
    if graph.has_edge(rule_node, target) and graph.edges[rule_node, target]["kind"] == kind:
        graph.edges[rule_node, target][key].append(value)
    elif graph.has_edge(rule_node, target):  # the same rule both scores and fails
        graph.edges[rule_node, target].setdefault(key, []).append(value)
    else:
        graph.add_edge(rule_node, target, kind=kind, **{key: [value]})


def rule_order(graph: nx.DiGraph, rule_base: RuleBase) -> list[str]:
    """Rule ids in an order where each finding is derived before it is read.

    The engine's order (``engine.order.rule_order``), which needs no graph;
    ``graph`` is the rule base's own and adds nothing to it.
    """
    del graph
    return list(ordered_rules(rule_base))


def upstream_facts(graph: nx.DiGraph, start: str | Iterable[str]) -> set[str]:
    """The fact ids (evidence) upstream of a node, through rules and findings."""
    starts = [start] if isinstance(start, str) else list(start)
    found: set[str] = set()
    for begin in starts:
        for ancestor in nx.ancestors(graph, begin):
            if graph.nodes[ancestor]["kind"] == "fact":
                found.add(graph.nodes[ancestor]["id"])
    return found

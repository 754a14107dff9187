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

The graph orders rule evaluation (a topological sort), finds cycles, and lets
explanation walk from an option back to the evidence upstream of it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

import networkx as nx

from .errors import GraphCycleError
from .models import AdjustEffect, Criterion, DeriveEffect, FailGateEffect, RuleBase, SetEffect
from .rules import facts_read

__all__ = [
    "build_graph",
    "node",
    "rule_order",
    "structural_warnings",
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
    _add_criteria(graph, rule_base.criteria, None)
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
    _refuse_cycles(graph, rule_base)
    return graph


def _add_criteria(graph: nx.DiGraph, criteria: dict[str, Criterion], parent: str | None) -> None:
    for criterion_id, criterion in criteria.items():
        graph.add_node(
            node("criterion", criterion_id),
            kind="criterion",
            id=criterion_id,
            name=criterion.name or criterion_id,
        )
        if parent is not None:
            graph.add_edge(
                node("criterion", parent), node("criterion", criterion_id), kind="contains"
            )
        _add_criteria(graph, criterion.children, criterion_id)


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


def _refuse_cycles(graph: nx.DiGraph, rule_base: RuleBase) -> None:
    for kinds, what in (
        ({"rule", "finding"}, "derived findings"),
        ({"cause", "problem"}, "causes"),
    ):
        sub = nx.DiGraph()
        sub.add_edges_from(
            (u, v)
            for u, v in graph.edges
            if graph.nodes[u]["kind"] in kinds and graph.nodes[v]["kind"] in kinds
        )
        if nx.is_directed_acyclic_graph(sub):
            continue
        cycle = nx.find_cycle(sub)
        names = [edge[0] for edge in cycle] + [cycle[0][0]]
        raise GraphCycleError(f"cycle among {what}: {' -> '.join(names)}", names)


def rule_order(graph: nx.DiGraph, rule_base: RuleBase) -> list[str]:
    """Rule ids in an order where each finding is derived before it is read.

    Ties break by declaration order, so the order (and so every record) is
    reproducible.
    """
    position = {node("rule", r): i for i, r in enumerate(rule_base.rules)}
    sub = graph.subgraph(n for n, k in graph.nodes(data="kind") if k in ("rule", "finding", "fact"))
    ordered = nx.lexicographical_topological_sort(sub, key=lambda n: (position.get(n, -1), n))
    return [graph.nodes[n]["id"] for n in ordered if graph.nodes[n]["kind"] == "rule"]


def upstream_facts(graph: nx.DiGraph, start: str | Iterable[str]) -> set[str]:
    """The fact ids (evidence) upstream of a node, through rules and findings."""
    starts = [start] if isinstance(start, str) else list(start)
    found: set[str] = set()
    for begin in starts:
        for ancestor in nx.ancestors(graph, begin):
            if graph.nodes[ancestor]["kind"] == "fact":
                found.add(graph.nodes[ancestor]["id"])
    return found


def structural_warnings(graph: nx.DiGraph, rule_base: RuleBase) -> list[str]:
    """Things that load fine but are probably mistakes; ``validate`` lists them."""
    warnings: list[str] = []
    for option_id, option in rule_base.options.items():
        if not option.addresses and not option.status_quo:
            warnings.append(f"options.{option_id}: the option addresses no cause or problem")
    addressed = {t for o in rule_base.options.values() for t in o.addresses}
    for cause_id in rule_base.causes:
        if cause_id not in addressed and not any(
            graph.nodes[s]["kind"] == "problem" and graph.nodes[s]["id"] in addressed
            for s in nx.descendants(graph, node("cause", cause_id))
        ):
            warnings.append(f"causes.{cause_id}: no option addresses this cause or what it drives")
    read_by_verdicts = {
        name
        for verdict in rule_base.verdicts
        if verdict.when is not None
        for name in facts_read(verdict.when)
    }
    for finding_id in rule_base.findings:
        finding = node("finding", finding_id)
        if graph.in_degree(finding) == 0:
            warnings.append(
                f"findings.{finding_id}: no rule derives this finding; it is always unknown"
            )
        if graph.out_degree(finding) == 0 and finding_id not in read_by_verdicts:
            warnings.append(f"findings.{finding_id}: no rule reads this finding")
    for fact_id, spec in rule_base.facts.items():
        unread = graph.out_degree(node("fact", fact_id)) == 0 and fact_id not in read_by_verdicts
        if not spec.context and unread:
            warnings.append(f"facts.{fact_id}: no rule reads this fact")
    warnings += _impossible_ranks(rule_base)
    failed = {gate for _, _, d in graph.edges(data=True) for gate in d.get("gates", ())}
    for gate_id in rule_base.gates:
        if gate_id not in failed:
            warnings.append(
                f"gates.{gate_id}: no rule fails an option on this gate, so it never excludes one"
            )
    moved = {
        c for _, _, d in graph.edges(data=True) if d["kind"] == "scores" for c in d["criteria"]
    }
    from .loader import leaf_criteria

    for criterion_id in leaf_criteria(rule_base):
        baselines = {o.values[criterion_id].value for o in rule_base.options.values()}
        if criterion_id not in moved and len(baselines) == 1:
            warnings.append(
                f"criteria.{criterion_id}: every option has the same baseline and"
                " no rule moves it, so it cannot separate options"
            )
    return warnings


_RANKS = ("rank", "short_term_rank", "long_term_rank")


def _impossible_ranks(rule_base: RuleBase) -> list[str]:
    """Verdict tests of a rank that no option can have (``{metric: rank, eq: 99}``).

    Ranks run from 1 to the number of options; a test outside that range is
    always false, and is most likely a mistake, such as a wrong number or a
    confusion of rank with score.
    """
    from .rules import comparisons

    count = len(rule_base.options)
    holds: dict[str, Callable[[float], bool]] = {
        "eq": lambda v: v == int(v) and 1 <= v <= count,
        "ne": lambda v: True,
        "lt": lambda v: v > 1,
        "le": lambda v: v >= 1,
        "gt": lambda v: v < count,
        "ge": lambda v: v <= count,
    }
    warnings: list[str] = []
    for index, verdict in enumerate(rule_base.verdicts):
        if verdict.when is None:
            continue
        for test in comparisons(verdict.when):
            value = test.operand
            if test.metric not in _RANKS or not isinstance(value, float):
                continue
            if not holds[test.operator](value):
                warnings.append(
                    f"verdicts.{index}: {{metric: {test.metric}, {test.operator}: {value:g}}}"
                    f" never holds: ranks run from 1 to {count}"
                )
    return warnings

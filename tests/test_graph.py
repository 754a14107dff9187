"""The typed graph: nodes, edges, order, cycles and structural warnings."""

from __future__ import annotations

import pytest

from appraisal.errors import GraphCycleError
from appraisal.graph import build_graph, rule_order, structural_warnings, upstream_facts
from appraisal.loader import load_rule_base
from appraisal.models import RuleBase

from .conftest import RULES, SMALL_RULE_BASE


def small(**overrides: object) -> RuleBase:
    return RuleBase.model_validate({**SMALL_RULE_BASE, **overrides})


def test_nodes_and_edges_are_typed() -> None:
    graph = build_graph(small())
    assert graph.nodes["fact:rate"]["kind"] == "fact"
    assert graph.edges["fact:rate", "rule:rate_low"]["kind"] == "reads"
    assert graph.edges["rule:rate_low", "finding:low_rate"]["kind"] == "derives"
    assert graph.edges["rule:waiting_is_risky", "option:wait"] == {
        "kind": "scores",
        "criteria": ["now"],
    }
    assert graph.edges["rule:no_plan_no_action", "option:act"]["kind"] == "fails"
    assert graph.edges["cause:neglect", "problem:harm"]["kind"] == "drives"
    assert graph.edges["option:act", "cause:neglect"]["kind"] == "addresses"
    assert graph.edges["criterion:benefit", "criterion:now"]["kind"] == "contains"


def test_upstream_facts_walks_through_findings() -> None:
    graph = build_graph(small())
    assert upstream_facts(graph, "option:wait") == {"rate", "national_rate"}
    assert upstream_facts(graph, "option:act") == {"plan", "support"}


def test_rule_order_is_topological_and_reproducible() -> None:
    rule_base, _ = load_rule_base(RULES)
    graph = build_graph(rule_base)
    order = rule_order(graph, rule_base)
    assert sorted(order) == sorted(rule_base.rules)
    position = {rule: i for i, rule in enumerate(order)}
    for finding in rule_base.findings:
        for deriver in graph.predecessors(f"finding:{finding}"):
            for reader in graph.successors(f"finding:{finding}"):
                assert position[graph.nodes[deriver]["id"]] < position[graph.nodes[reader]["id"]]
    assert order == rule_order(graph, rule_base)


def test_cycle_among_causes() -> None:
    causes = {
        "a": {"name": "A", "drives": ["b"]},
        "b": {"name": "B", "drives": ["a", "harm"]},
        "neglect": {"name": "Neglect", "drives": ["harm"]},
    }
    with pytest.raises(
        GraphCycleError, match=r"^cycle among causes: cause:(a|b) -> cause:(b|a) -> cause:\1$"
    ):
        build_graph(small(causes=causes))


def test_structural_warnings() -> None:
    options = {**SMALL_RULE_BASE["options"]}
    options["wait"] = {**options["wait"], "addresses": []}
    facts = {**SMALL_RULE_BASE["facts"], "unused": {"type": "number"}}
    rule_base = small(options=options, facts=facts)
    warnings = structural_warnings(build_graph(rule_base), rule_base)
    assert "options.wait: the option addresses no cause or problem" in warnings
    assert "facts.unused: no rule reads this fact" in warnings


def test_bundled_rule_base_has_no_structural_warnings() -> None:
    rule_base, _ = load_rule_base(RULES)
    assert structural_warnings(build_graph(rule_base), rule_base) == []

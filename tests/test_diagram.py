"""The diagram: the rule base graph connected through criteria and gates, marked with state."""

from __future__ import annotations

import networkx as nx
import pytest

import appraisal
from appraisal.diagram import diagram
from appraisal.graph import build_graph
from appraisal.loader import leaf_criteria, load_rule_base
from appraisal.models import AdjustEffect, FailGateEffect, RuleBase, SetEffect

from .conftest import BIRMINGHAM, RULES, SMALL_RULE_BASE


@pytest.fixture(scope="module")
def rule_base() -> RuleBase:
    return load_rule_base(RULES)[0]


@pytest.fixture(scope="module")
def result() -> appraisal.Appraisal:
    return appraisal.appraise(BIRMINGHAM)


def test_every_effect_reaches_its_criterion_or_gate(rule_base: RuleBase) -> None:
    drawn = diagram(build_graph(rule_base), detail="full")
    for rule_id, rule in rule_base.rules.items():
        for effect in rule.then:
            if isinstance(effect, AdjustEffect | SetEffect):
                criterion = effect.adjust if isinstance(effect, AdjustEffect) else effect.set
                edge = drawn.edges[f"rule:{rule_id}", f"criterion:{criterion}"]
                assert edge["kind"] == "moves"
                assert effect.option in edge["options"].split(", ")
                assert drawn.edges[f"option:{effect.option}", f"criterion:{criterion}"]["kind"] == (
                    "scored_by"
                )
            elif isinstance(effect, FailGateEffect):
                edge = drawn.edges[f"rule:{rule_id}", f"gate:{effect.fail_gate}"]
                assert edge["kind"] == "fails"
                assert effect.option in edge["options"].split(", ")
                assert drawn.has_edge(f"option:{effect.option}", f"gate:{effect.fail_gate}")


@pytest.mark.parametrize("detail", ["overview", "full"])
def test_criteria_tree_and_gates_are_connected_to_the_options(
    rule_base: RuleBase, detail: str
) -> None:
    """The whole picture is one piece: no criterion or gate floats apart from the options."""
    drawn = diagram(build_graph(rule_base), detail=detail)  # type: ignore[arg-type]
    unread = [n for n, kind in drawn.nodes(data="kind") if kind == "fact" and drawn.degree(n) == 0]
    assert all(rule_base.facts[drawn.nodes[n]["item_id"]].context for n in unread)
    assert nx.is_weakly_connected(drawn.subgraph(n for n in drawn if n not in unread))


def test_overview_folds_rules_into_option_edges(rule_base: RuleBase) -> None:
    graph = build_graph(rule_base)
    overview = diagram(graph)
    assert {kind for _, kind in overview.nodes(data="kind")} == {
        "option",
        "cause",
        "problem",
        "criterion",
        "gate",
    }
    assert all(kind != "rule" for _, kind in overview.nodes(data="kind"))
    movers = {
        (option, criterion)
        for rule_id in rule_base.rules
        for option, criterion, _ in _moved(rule_base, rule_id)
    }
    scored = {
        (u.partition(":")[2], v.partition(":")[2])
        for u, v, kind in overview.edges(data="kind")
        if kind == "scored_by"
    }
    assert scored == movers
    assert all(leaf in leaf_criteria(rule_base) for _, leaf in scored)


def _moved(rule_base: RuleBase, rule_id: str) -> list[tuple[str, str, str]]:
    moved = []
    for effect in rule_base.rules[rule_id].then:
        if isinstance(effect, AdjustEffect):
            moved.append((effect.option, effect.adjust, rule_id))
        elif isinstance(effect, SetEffect):
            moved.append((effect.option, effect.set, rule_id))
    return moved


def test_names_label_the_nodes(rule_base: RuleBase) -> None:
    drawn = diagram(build_graph(rule_base))
    assert drawn.nodes["option:commissioner"]["name"] == rule_base.options["commissioner"].name
    gate = next(iter(rule_base.gates))
    assert drawn.nodes[f"gate:{gate}"]["name"] == rule_base.gates[gate].name
    assert all(data["state"] == "" for _, data in drawn.nodes(data=True))


def test_scenario_state_is_marked(rule_base: RuleBase, result: appraisal.Appraisal) -> None:
    drawn = diagram(build_graph(rule_base), result, detail="full")
    assert drawn.graph["recommended"] == result.recommended == "commissioner"
    for option in result.options:
        node = drawn.nodes[f"option:{option.id}"]
        assert node["verdict"] == option.verdict
        expected = (
            "excluded"
            if option.excluded
            else "recommended"
            if option.id == result.recommended
            else "ranked"
        )
        assert node["state"] == expected
    for firing in result.firings:
        assert drawn.nodes[f"rule:{firing.rule}"]["state"] == firing.status
    failed = {f.gate for o in result.options for f in o.gate_failures}
    assert failed
    for gate in rule_base.gates:
        assert drawn.nodes[f"gate:{gate}"]["state"] == ("failed" if gate in failed else "passed")
    for fact, value in result.evidence.items():
        assert drawn.nodes[f"fact:{fact}"]["state"] == ("unknown" if value is None else "known")


def test_option_edges_say_what_the_scenario_rules_did(
    rule_base: RuleBase, result: appraisal.Appraisal
) -> None:
    drawn = diagram(build_graph(rule_base), result)
    fired = {f.rule for f in result.firings if f.status == "fired"}
    for source, target, data in drawn.edges(data=True):
        if data["kind"] != "scored_by":
            continue
        option, criterion = source.partition(":")[2], target.partition(":")[2]
        rules = {r for o, c, r in _all_moves(rule_base) if (o, c) == (option, criterion)}
        assert data["rules"] == len(rules)
        assert data["fired"] == len(rules & fired)
        assert data["state"] == ("moved" if rules & fired else "unmoved")
        value = result.option(option).values[criterion]
        if not rules & fired:
            assert data["change"] == 0 == value.value - value.baseline


def _all_moves(rule_base: RuleBase) -> list[tuple[str, str, str]]:
    return [m for rule_id in rule_base.rules for m in _moved(rule_base, rule_id)]


def test_a_scenario_differs_from_its_rule_base(
    rule_base: RuleBase, result: appraisal.Appraisal
) -> None:
    graph = build_graph(rule_base)
    plain, marked = diagram(graph), diagram(graph, result)
    assert set(plain.nodes) == set(marked.nodes)
    assert set(plain.edges) == set(marked.edges)
    assert [d["state"] for _, d in plain.nodes(data=True)] != [
        d["state"] for _, d in marked.nodes(data=True)
    ]


def test_unknown_detail_is_refused() -> None:
    graph = build_graph(RuleBase.model_validate(SMALL_RULE_BASE))
    with pytest.raises(ValueError, match="detail is one of overview, full"):
        diagram(graph, detail="everything")  # type: ignore[arg-type]

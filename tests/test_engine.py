"""The evaluation core: the criteria tree, rule order, encoding, three-valued logic, cells,
ranks, verdicts, and one appraisal as a batch of one."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from appraisal.engine.conditions import facts_read
from appraisal.engine.criteria import CriteriaTree, criteria_paths, leaf_criteria
from appraisal.engine.order import refuse_cycles, rule_order
from appraisal.errors import GraphCycleError, ScoringError, UnknownReferenceError
from appraisal.loader import load_rule_base
from appraisal.models import DeriveEffect, RuleBase

from .conftest import RULES, SMALL_RULE_BASE


def small(**overrides: object) -> RuleBase:
    return RuleBase.model_validate({**SMALL_RULE_BASE, **overrides})


DEEP = {
    "a": {
        "weight": 2,
        "children": {
            "a1": {"weight": 1, "horizon": "short"},
            "a2": {
                "weight": 3,
                "children": {
                    "a21": {"weight": 1, "horizon": "long"},
                    "a22": {"weight": 2, "horizon": "short", "direction": "minimise"},
                },
            },
        },
    },
    "b": {"weight": 1, "horizon": "long"},
    "c": {"weight": 0.5, "children": {"c1": {"weight": 1, "horizon": "short"}}},
}


def deep_tree() -> CriteriaTree:
    values = {leaf: {"value": 50} for leaf in ("a1", "a21", "a22", "b", "c1")}
    return CriteriaTree.from_rule_base(
        small(criteria=DEEP, options={"x": {"name": "X", "values": values}}, rules={})
    )


# --------------------------------------------------------------------------- criteria tree


def test_tree_is_breadth_first_with_contiguous_groups() -> None:
    tree = deep_tree()
    assert tree.ids == ("a", "b", "c", "a1", "a2", "c1", "a21", "a22")
    assert tree.groups == ((0, 3), (3, 5), (5, 6), (6, 8))
    assert [tree.ids[p] if p >= 0 else None for p in tree.parents] == [
        None, None, None, "a", "a", "c", "a2", "a2",
    ]  # fmt: skip
    assert [tree.ids[i] for i in tree.leaves] == ["b", "a1", "c1", "a21", "a22"]


def test_declaration_order_is_kept_beside_it() -> None:
    tree = deep_tree()
    assert [tree.ids[i] for i in tree.declared] == ["a", "a1", "a2", "a21", "a22", "b", "c", "c1"]
    assert tree.leaf_ids() == ("a1", "a21", "a22", "b", "c1")
    assert [tree.ids[i] for i in tree.postorder()] == [
        "a1", "a21", "a22", "a2", "a", "b", "c1", "c",
    ]  # fmt: skip
    assert tree.paths()["a22"] == ("criteria", "a", "children", "a2", "children", "a22")
    assert tree.directions[tree.index("a22")] == "minimise"
    assert [tree.horizons[i] for i in tree.declared_leaves] == [
        "short", "long", "short", "long", "short",
    ]  # fmt: skip


def test_leaf_criteria_and_paths_follow_the_file() -> None:
    rule_base, _ = load_rule_base(RULES)
    leaves = leaf_criteria(rule_base)
    assert all(not c.children and c.horizon for c in leaves.values())
    paths = criteria_paths(rule_base)
    assert set(leaves) < set(paths)
    assert list(paths)[0] == next(iter(rule_base.criteria))


def test_global_weights_are_shares_of_shares() -> None:
    tree = deep_tree()
    weights = dict(zip(tree.ids, tree.global_weights(), strict=True))
    assert weights["a"] == pytest.approx(2 / 3.5)
    assert weights["a22"] == pytest.approx(2 / 3.5 * 3 / 4 * 2 / 3)
    assert weights["c1"] == pytest.approx(0.5 / 3.5)
    leaves = [weights[tree.ids[i]] for i in tree.leaves]
    assert sum(leaves) == pytest.approx(1.0)


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.one_of(st.just(0.0), st.floats(1e-3, 1e6)), min_size=8, max_size=8).filter(
        lambda raw: (
            raw[0] + raw[1] + raw[2] > 0
            and raw[6] + raw[7] > 0
            and raw[3] + raw[4] > 0
            and raw[5] > 0
        )
    ),
    st.integers(1, 5),
)
def test_global_weights_of_a_batch_are_its_rows(raw: list[float], rows: int) -> None:
    tree = deep_tree()
    batch = np.array([raw] * rows) * np.arange(1, rows + 1)[:, None]
    together = tree.global_weights(batch)
    for row in range(rows):
        assert np.array_equal(together[row], tree.global_weights(batch[row]))
    assert np.allclose(together, together[0])  # scaling every raw weight changes nothing


def test_raw_weights_are_checked_as_the_file_lists_them() -> None:
    tree = deep_tree()
    assert tree.raw_weights({"b": 4})[tree.index("b")] == 4.0
    with pytest.raises(UnknownReferenceError, match="unknown criterion 'bb'"):
        tree.raw_weights({"bb": 1})
    with pytest.raises(ScoringError, match=r"^weights\.a1: a weight is a finite number"):
        tree.raw_weights({"a1": -1})
    with pytest.raises(ScoringError, match=r"weights of a21, a22 \(under 'a2'\) are all zero"):
        tree.raw_weights({"a21": 0, "a22": 0})


def test_globalise_multiplies_local_shares_down_the_tree() -> None:
    tree = deep_tree()
    shares = tree.local_shares()
    assert np.allclose(tree.globalise(shares), tree.global_weights())
    flat = CriteriaTree.flat(["x", "y"], [1, 3])
    assert np.allclose(flat.global_weights(), [0.25, 0.75])


# --------------------------------------------------------------------------- rule order


def test_rule_order_runs_derivers_before_readers() -> None:
    rule_base, _ = load_rule_base(RULES)
    order = rule_order(rule_base)
    assert sorted(order) == sorted(rule_base.rules)
    position = {rule: i for i, rule in enumerate(order)}
    for reader, rule in rule_base.rules.items():
        for name in facts_read(rule.when):
            for deriver, other in rule_base.rules.items():
                if any(isinstance(e, DeriveEffect) and e.derive == name for e in other.then):
                    assert position[deriver] < position[reader]


def test_rule_order_breaks_ties_by_declaration() -> None:
    rules = dict(SMALL_RULE_BASE["rules"])
    reversed_rules = dict(reversed(list(rules.items())))
    order = rule_order(small(rules=reversed_rules))
    free = [r for r in order if r != "waiting_is_risky"]
    assert free == [r for r in reversed_rules if r != "waiting_is_risky"]
    assert order.index("rate_low") < order.index("waiting_is_risky")


def test_a_cycle_among_findings_is_refused_with_its_nodes() -> None:
    findings = {"a": {"type": "boolean"}, "b": {"type": "boolean"}}
    rules = {
        "a_from_b": {"when": {"fact": "b", "eq": True}, "then": [{"derive": "a"}]},
        "b_from_a": {"when": {"fact": "a", "eq": True}, "then": [{"derive": "b"}]},
    }
    rule_base = small(findings=findings, rules=rules)
    with pytest.raises(GraphCycleError, match="^cycle among derived findings: ") as caught:
        rule_order(rule_base)
    nodes = caught.value.nodes
    assert nodes[0] == nodes[-1] and {"rule:a_from_b", "rule:b_from_a"} <= set(nodes)
    with pytest.raises(GraphCycleError):
        refuse_cycles(rule_base)

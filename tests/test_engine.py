"""The evaluation core: the criteria tree, rule order, encoding, three-valued logic, cells,
ranks, verdicts, and one appraisal as a batch of one."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import TypeAdapter

from appraisal import scoring
from appraisal.engine import (
    TIE_TOLERANCE,
    Cells,
    CompiledModel,
    aggregate,
    assign_verdicts,
    cell_bounds,
    cell_values,
    competition_ranks,
    compile_model,
    encode,
    evaluate,
    verdict_metrics,
)
from appraisal.engine.conditions import facts_read
from appraisal.engine.criteria import CriteriaTree, criteria_paths, leaf_criteria
from appraisal.engine.order import refuse_cycles, rule_order
from appraisal.errors import (
    GraphCycleError,
    RuleConflictError,
    RuleEvaluationError,
    RuleSyntaxError,
    ScoringError,
    UnknownReferenceError,
)
from appraisal.loader import load_rule_base
from appraisal.models import Condition, DeriveEffect, RuleBase
from appraisal.rules import evaluate_condition

from .conftest import RULES, SMALL_RULE_BASE

CONDITION: TypeAdapter[Condition] = TypeAdapter(Condition)


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


# --------------------------------------------------------------------------- encoding

TYPED = {
    **SMALL_RULE_BASE,
    "facts": {**SMALL_RULE_BASE["facts"], "area": {"type": "text"}},
    "findings": {
        **SMALL_RULE_BASE["findings"],
        "band": {"type": "level", "scale": "strength"},
        "label": {"type": "text"},
    },
}


def typed(**rules: Any) -> CompiledModel:
    return compile_model(RuleBase.model_validate({**TYPED, "rules": rules}))


def test_facts_are_encoded_as_known_masks_and_floats() -> None:
    model = typed()
    rows = [
        {"rate": 12.5, "plan": True, "support": "strong", "area": "north"},
        {"plan": False, "support": "none", "area": "a new place"},
        {"rate": None},
    ]
    columns = encode(model, rows)
    col = model.column_of
    assert columns.known[col["rate"]].tolist() == [True, False, False]
    assert columns.values[col["rate"], 0] == 12.5
    assert columns.values[col["plan"], :2].tolist() == [1.0, 0.0]
    assert columns.values[col["support"], :2].tolist() == [2.0, 0.0]  # position on the scale
    assert not columns.known[col["low_rate"]].any()  # findings start unknown
    assert not columns.known[-1].any()  # the column of undeclared names
    for row, facts in enumerate(rows):
        for name, value in facts.items():
            assert columns.value(model, name, row) == value
    codes = columns.values[col["area"], :2]
    assert codes[0] != codes[1] and "a new place" in columns.texts


def test_a_value_of_the_wrong_type_is_refused() -> None:
    with pytest.raises(RuleSyntaxError, match="'plan' is a boolean fact"):
        encode(typed(), [{"plan": "yes"}])
    with pytest.raises(RuleSyntaxError, match="'support' is a level fact"):
        encode(typed(), [{"support": "Strong"}])


def test_comparisons_of_unlike_values_are_refused_when_compiling() -> None:
    act = [{"option": "act", "adjust": "now", "by": 1}]
    with pytest.raises(RuleSyntaxError, match="boolean facts compare only with eq or ne"):
        typed(bad={"when": {"fact": "plan", "lt": True}, "then": act})
    with pytest.raises(RuleSyntaxError, match="cannot be compared with 'Strong'"):
        typed(bad={"when": {"fact": "support", "eq": "Strong"}, "then": act})
    with pytest.raises(RuleSyntaxError, match="cannot compare 'rate' with 'plan'"):
        typed(bad={"when": {"fact": "rate", "eq": {"fact": "plan"}}, "then": act})


# --------------------------------------------------------------------------- three-valued logic

VALUES: dict[str, list[Any]] = {
    "rate": [None, 0.0, 10.0, 20.5, 41.0],
    "national_rate": [None, 10.0, 20.5],
    "plan": [None, True, False],
    "support": [None, "none", "weak", "strong"],
    "area": [None, "north", "south", "east"],
}
CONSTANTS: dict[str, list[Any]] = {
    "rate": [0.0, 10.0, 20.5],
    "national_rate": [10.0, 20.5],
    "plan": [True, False],
    "support": ["none", "weak", "strong"],
    "area": ["north", "south", "west"],
}
PEERS = {"rate": "national_rate", "national_rate": "rate", "plan": "plan"}
PEERS |= {"support": "support", "area": "area"}
ORDERED = {"rate", "national_rate", "support"}


@st.composite
def comparisons_of(draw: st.DrawFn) -> dict[str, Any]:
    fact = draw(st.sampled_from(sorted(VALUES)))
    ops = ["eq", "ne", "lt", "le", "gt", "ge"] if fact in ORDERED else ["eq", "ne"]
    op = draw(st.sampled_from(ops))
    if draw(st.booleans()):
        operand: Any = {"fact": PEERS[fact]}
        if fact in ("rate", "national_rate"):
            operand["times"] = draw(st.sampled_from([1.0, 0.5, 2.0]))
    else:
        operand = draw(st.sampled_from(CONSTANTS[fact]))
    return {"fact": fact, op: operand}


CONDITIONS = st.recursive(
    st.one_of(
        comparisons_of(),
        st.builds(lambda f: {"known": f}, st.sampled_from(sorted(VALUES))),
    ),
    lambda parts: st.one_of(
        st.builds(lambda p: {"all": p}, st.lists(parts, min_size=1, max_size=3)),
        st.builds(lambda p: {"any": p}, st.lists(parts, min_size=1, max_size=3)),
        st.builds(lambda p: {"not": p}, parts),
    ),
    max_leaves=8,
)
EVIDENCE = st.fixed_dictionaries({name: st.sampled_from(v) for name, v in VALUES.items()})


@settings(max_examples=150, deadline=None)
@given(CONDITIONS, st.lists(EVIDENCE, min_size=1, max_size=6))
def test_conditions_agree_with_the_reference_semantics(
    raw: dict[str, Any], rows: list[dict[str, Any]]
) -> None:
    """Over a batch, each row is true, false or unknown exactly as ``evaluate_condition``
    says for that row alone."""
    condition = CONDITION.validate_python(raw)
    model = typed(probe={"when": raw, "then": [{"option": "act", "adjust": "now", "by": 1}]})
    outcome = evaluate(model, encode(model, rows))
    position = model.position["probe"]
    for row, facts in enumerate(rows):
        expected = evaluate_condition(condition, facts, model.scales)
        fired, unknown = outcome.fired[position, row], outcome.unknown[position, row]
        assert (fired, unknown) == (expected is True, expected is None), (raw, facts)


def test_known_is_never_unknown_and_undeclared_facts_are() -> None:
    act = [{"option": "act", "adjust": "now", "by": 1}]
    data = {**TYPED, "rules": {"probe": {"when": {"fact": "ghost", "eq": 1.0}, "then": act}}}
    model = compile_model(RuleBase.model_validate(data))  # not through the loader's checks
    outcome = evaluate(model, encode(model, [{"rate": 1.0}]))
    assert outcome.unknown[0, 0] and not outcome.fired[0, 0]


# --------------------------------------------------------------------------- derived findings


def test_findings_are_derived_in_order_and_read_downstream() -> None:
    model = typed(
        grade={
            "when": {"fact": "support", "ge": "weak"},
            "then": [{"derive": "band", "value": "strong"}, {"derive": "label", "value": "ok"}],
        },
        reads_band={
            "when": {"fact": "band", "eq": "strong"},
            "then": [{"option": "act", "adjust": "now", "by": 5}],
        },
    )
    outcome = evaluate(model, encode(model, [{"support": "weak"}, {"support": "none"}, {}]))
    assert [outcome.columns.value(model, "band", r) for r in range(3)] == ["strong", None, None]
    assert outcome.columns.value(model, "label", 0) == "ok"
    reads = model.position["reads_band"]
    assert outcome.fired[reads].tolist() == [True, False, False]
    assert outcome.unknown[reads].tolist() == [False, True, True]


def test_the_same_value_derived_twice_is_no_contradiction() -> None:
    model = typed(
        one={"when": {"fact": "plan", "eq": True}, "then": [{"derive": "low_rate"}]},
        two={"when": {"fact": "rate", "gt": 1.0}, "then": [{"derive": "low_rate"}]},
    )
    outcome = evaluate(model, encode(model, [{"plan": True, "rate": 2.0}]))
    assert outcome.columns.value(model, "low_rate") is True


def test_a_contradiction_in_any_row_of_a_batch_is_refused() -> None:
    model = typed(
        yes={"when": {"fact": "plan", "eq": True}, "then": [{"derive": "low_rate"}]},
        no={
            "when": {"fact": "rate", "gt": 1.0},
            "then": [{"derive": "low_rate", "value": False}],
        },
    )
    fine = [{"plan": True, "rate": 0.0}, {"plan": False, "rate": 2.0}]
    evaluate(model, encode(model, fine))
    with pytest.raises(RuleConflictError) as caught:
        evaluate(model, encode(model, [*fine, {"plan": True, "rate": 2.0}]))
    error = caught.value
    assert isinstance(error, RuleEvaluationError)
    assert error.finding == "low_rate" and error.rules == ("yes", "no")
    assert "derived as True by rule 'yes' and as False by rule 'no'" in str(error)
    assert error.field == "rules.no"


# --------------------------------------------------------------------------- cells


def cells_of(model: CompiledModel, fired_rules: list[set[str]]) -> Cells:
    fired = np.array([[r in rules for rules in fired_rules] for r in model.order], dtype=bool)
    return cell_values(model, fired.reshape(len(model.order), len(fired_rules)))


MOVES = {
    "up": {"when": {"known": "rate"}, "then": [{"option": "wait", "adjust": "now", "by": 30}]},
    "fix": {"when": {"known": "rate"}, "then": [{"option": "wait", "set": "now", "to": 80}]},
    "down": {
        "when": {"known": "rate"},
        "then": [
            {"option": "wait", "adjust": "now", "by": -45},
            {"option": "act", "adjust": "cost", "by": -60},
        ],
    },
    "gate": {"when": {"known": "rate"}, "then": [{"option": "act", "fail_gate": "feasible"}]},
}


def test_cells_set_then_adjust_then_clamp_then_direction() -> None:
    model = typed(**MOVES)
    patterns = [set(), {"up"}, {"fix", "up"}, {"fix", "up", "down"}, {"down", "gate"}]
    cells = cells_of(model, patterns)
    now, cost = model.leaf_ids.index("now"), model.leaf_ids.index("cost")
    wait, act = model.options.index("wait"), model.options.index("act")
    assert cells.value[:, wait, now].tolist() == [50, 80, 100, 65, 5]
    assert cells.raw[:, wait, now].tolist() == [50, 80, 110, 65, 5]
    assert cells.set_by[:, wait, now].tolist() == [-1, -1, model.position["fix"]] * 1 + [
        model.position["fix"],
        -1,
    ]
    assert cells.value[4, act, cost] == 0 and cells.utility[4, act, cost] == 100  # minimise
    assert cells.excluded[:, act].tolist() == [False, False, False, False, True]


@settings(max_examples=40, deadline=None)
@given(st.lists(st.sets(st.sampled_from(sorted(MOVES))), min_size=1, max_size=8))
def test_cells_of_a_batch_are_its_rows_and_lie_within_their_bounds(
    patterns: list[set[str]],
) -> None:
    model = typed(**MOVES)
    together = cells_of(model, patterns)
    low, high = cell_bounds(model)
    for row, pattern in enumerate(patterns):
        alone = cells_of(model, [pattern])
        assert np.array_equal(together.raw[row], alone.raw[0])
        assert np.array_equal(together.utility[row], alone.utility[0])
        assert np.array_equal(together.excluded[row], alone.excluded[0])
        assert (low <= together.raw[row]).all() and (together.raw[row] <= high).all()


def test_cell_bounds_are_reached() -> None:
    model = typed(**MOVES)
    low, high = cell_bounds(model)
    wait, now = model.options.index("wait"), model.leaf_ids.index("now")
    assert (low[wait, now], high[wait, now]) == (50 - 45, 80 + 30)


# --------------------------------------------------------------------------- ranks


def quadratic(scores: np.ndarray, valid: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Competition ranks by their definition, pair by pair."""
    rows, options = scores.shape
    better = np.zeros((rows, options), dtype=int)
    tied = np.zeros((rows, options), dtype=int)
    for r in range(rows):
        for i in range(options):
            x = scores[r, i]
            ranked = [
                scores[r, j] for j in range(options) if valid[r, j] and not np.isnan(scores[r, j])
            ]
            better[r, i] = 0 if np.isnan(x) else sum(y > x + TIE_TOLERANCE for y in ranked)
            within = sum(not (y > x + TIE_TOLERANCE or y < x - TIE_TOLERANCE) for y in ranked)
            tied[r, i] = 1 if np.isnan(x) else within + (not valid[r, i])
    return better, tied


@settings(max_examples=120, deadline=None)
@given(
    st.integers(1, 6),
    st.integers(1, 12),
    st.randoms(use_true_random=False),
)
def test_ranks_follow_their_definition(rows: int, options: int, rng: Any) -> None:
    close = [0.0, 1.0, 1.0 + 4e-10, 1.0 + 9e-10, 1.0 + 1.1e-9, 1.0 + 2e-9, 2.0, float("nan")]
    scores = np.array(
        [[rng.choice(close) if rng.random() < 0.7 else rng.uniform(0, 3) for _ in range(options)]]
        * 1
        + [[rng.choice(close) for _ in range(options)] for _ in range(rows - 1)]
    )
    valid = np.array([[rng.random() < 0.8 for _ in range(options)] for _ in range(rows)])
    better, tied = competition_ranks(scores, valid)
    expected = quadratic(scores, valid)
    assert np.array_equal(better, expected[0]) and np.array_equal(tied, expected[1])
    for row in range(rows):
        ranked = {i: float(scores[row, i]) for i in range(options)}
        assert scoring.competition_ranks(ranked) == {
            i: 1 + int(b) for i, b in enumerate(competition_ranks(scores[row : row + 1])[0][0])
        }


def test_ranks_chain_near_ties_as_defined() -> None:
    better, tied = competition_ranks(np.array([[1.0, 1.0 - 0.6e-9, 1.0 - 1.2e-9]]))
    assert (better + 1).tolist() == [[1, 1, 2]]
    assert tied.tolist() == [[2, 3, 2]]


def test_ranks_of_many_options_are_counted_in_blocks() -> None:
    rng = np.random.default_rng(1)
    scores = rng.integers(0, 50, (3, 3000)).astype(float)
    better, _ = competition_ranks(scores, ties=False)
    assert np.array_equal(better, (scores[:, None, :] > scores[:, :, None] + 1e-9).sum(axis=2))


def test_ranks_of_many_options_searched_row_by_row_follow_their_definition() -> None:
    """From 64 options each row is searched on its own: ties, near-ties, NaN and
    invalid options as the definition says."""
    rng = np.random.default_rng(2)
    close = np.array([0.0, 1.0, 1.0 + 4e-10, 1.0 + 9e-10, 1.0 + 1.1e-9, 2.0, np.nan])
    scores = np.where(
        rng.random((3, 90)) < 0.6, rng.choice(close, (3, 90)), rng.uniform(0, 3, (3, 90))
    )
    valid = rng.random((3, 90)) < 0.8
    better, tied = competition_ranks(scores, valid)
    expected = quadratic(scores, valid)
    assert np.array_equal(better, expected[0]) and np.array_equal(tied, expected[1])


# --------------------------------------------------------------------------- verdicts


def test_the_first_verdict_that_holds_is_chosen_per_option() -> None:
    model = typed(**MOVES)
    outcome = evaluate(model, encode(model, [{"rate": 1.0}, {}]))
    cells = cell_values(model, outcome.fired)
    totals = aggregate(model.tree, model.tree.global_weights(), cells.utility)
    valid = ~cells.excluded
    ranks = {"rank": competition_ranks(totals.score, valid)[0] + 1}
    chosen = assign_verdicts(model, outcome.columns, verdict_metrics(totals, cells.excluded, ranks))
    names = [[model.rule_base.verdicts[int(i)].verdict for i in row] for row in chosen]
    act, wait = model.options.index("act"), model.options.index("wait")
    assert names[0][act] == "not_considered_further"  # excluded: its rank is unknown
    assert names[0][wait] == "recommended"
    assert names[1][wait] == "recommended" and names[1][act] == "not_recommended"


def test_no_verdict_that_holds_is_an_error() -> None:
    data = {**TYPED, "verdicts": [{"verdict": "x", "when": {"metric": "rank", "eq": 9.0}}]}
    model = compile_model(RuleBase.model_validate(data))
    outcome = evaluate(model, encode(model, [{}]))
    cells = cell_values(model, outcome.fired)
    totals = aggregate(model.tree, model.tree.global_weights(), cells.utility)
    ranks = {"rank": competition_ranks(totals.score)[0] + 1}
    with pytest.raises(ScoringError, match="no verdict rule applies"):
        assign_verdicts(model, outcome.columns, verdict_metrics(totals, cells.excluded, ranks))

"""Attribution's batches run on subsets of the rules: the same values, and the same error
where the rules contradict each other on part of the evidence, as when every rule runs."""

from __future__ import annotations

from typing import Any
from unittest import mock

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from appraisal.appraise import appraise_facts, compile_rule_base
from appraisal.errors import RuleEvaluationError, ScoringError
from appraisal.explain import attribute
from appraisal.explain import attribution as attribution_module
from appraisal.models import RuleBase
from appraisal.testing import evidence_for, rule_bases

PROPERTY = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _attributed(appraisal: Any, subsets: bool, level_cost: int) -> str:
    """The attribution (through modules, so that batches follow the first) as text, or the
    error it raises."""
    with (
        mock.patch.object(attribution_module, "ENUMERATED_UP_TO", 1),
        mock.patch.object(attribution_module, "RULE_SUBSETS", subsets),
        mock.patch.object(attribution_module, "LEVEL_COST", level_cost),
    ):
        try:
            return repr(attribute(appraisal))
        except (RuleEvaluationError, ScoringError) as error:
            return f"{type(error).__name__}: {error} at {error.location}"


def _leaves(criteria: Any) -> list[str]:
    found = []
    for name, spec in criteria.items():
        found += _leaves(spec.children) if spec.children else [name]
    return found


@st.composite
def layered(draw: st.DrawFn) -> RuleBase:
    """A generated rule base with a finding read through another: ``joined``, derived from
    two or three facts, moves a cell with a fact ``d`` read directly, so that its game
    reads the facts behind ``joined`` through it, in a batch after the first. Now and then
    ``other`` joins in, derived one way from ``d`` and the other way while ``e`` is
    unknown (no other rule reads them): the rules then contradict each other on part of
    the evidence, in that batch alone."""
    rule_base = draw(rule_bases())
    behind = draw(st.lists(st.sampled_from(["p", "q", "n", "m"]), min_size=2, max_size=3,
                           unique=True))  # fmt: skip

    def test(fact: str) -> dict[str, Any]:
        if fact in ("p", "q", "d"):
            return {"fact": fact, "eq": draw(st.booleans())}
        return {"fact": fact, draw(st.sampled_from(["lt", "ge"])): draw(st.sampled_from([2, 5]))}

    option = draw(st.sampled_from(sorted(rule_base.options)))
    leaf = draw(st.sampled_from(_leaves(rule_base.criteria)))
    reads = [{"fact": "joined", "eq": True}, test("d")]
    rules: dict[str, Any] = {
        "join": {"when": {"all": [test(f) for f in behind]}, "then": [{"derive": "joined"}]}
    }
    if draw(st.booleans()):
        rules["other_yes"] = {"when": test("d"), "then": [{"derive": "other"}]}
        rules["other_no"] = {
            "when": {"not": {"known": "e"}},
            "then": [{"derive": "other", "value": False}],
        }
        reads.append({"fact": "other", "eq": True})
    rules["through"] = {
        "when": {"all": reads},
        "then": [{"option": option, "adjust": leaf, "by": draw(st.integers(-40, 40))}],
    }
    data = rule_base.model_dump(by_alias=True, exclude_none=True)
    data["facts"] = {**data["facts"], "d": {"type": "boolean"}, "e": {"type": "boolean"}}
    findings = {"joined": {"type": "boolean"}, "other": {"type": "boolean"}}
    data["findings"] = {**data["findings"], **findings}
    data["rules"] = {**data["rules"], **rules}
    return RuleBase.model_validate(data)


@PROPERTY
@given(
    st.one_of(rule_bases(), layered()).flatmap(lambda rb: st.tuples(st.just(rb), evidence_for(rb)))
)
def test_subsets_of_the_rules_give_every_rule_s_values_and_errors(case: Any) -> None:
    rule_base, facts = case
    compiled = compile_rule_base(rule_base)
    try:
        appraisal = appraise_facts(compiled, facts)
    except (RuleEvaluationError, ScoringError):
        assume(False)  # the full evidence contradicts itself: nothing to attribute
        return
    whole = _attributed(appraisal, subsets=False, level_cost=0)
    for level_cost in (0, attribution_module.LEVEL_COST, 10**12):  # alone, as tuned, together
        assert _attributed(appraisal, subsets=True, level_cost=level_cost) == whole


CLASHING_SETS = {
    "id": "s",
    "title": "s",
    "facts": {name: {"type": "boolean"} for name in ("p1", "p2", "q", "r")},
    "findings": {"f": {"type": "boolean"}},
    "criteria": {"c": {"weight": 1, "horizon": "short"}, "d": {"weight": 2, "horizon": "long"}},
    "options": {
        "a": {"name": "A", "values": {"c": {"value": 50}, "d": {"value": 90}}},
        "b": {"name": "B", "values": {"c": {"value": 40}, "d": {"value": 10}}},
    },
    "rules": {
        "both_p": {
            "when": {"all": [{"fact": "p1", "eq": True}, {"fact": "p2", "eq": True}]},
            "then": [{"derive": "f", "value": True}],
        },
        "f_sets": {
            "when": {"fact": "f", "eq": True},
            "then": [{"option": "a", "set": "c", "to": 80}],
        },
        "q_sets": {
            "when": {"all": [{"fact": "q", "eq": True}, {"not": {"known": "r"}}]},
            "then": [{"option": "a", "set": "c", "to": 20}],
        },
        "r_lifts": {
            "when": {"fact": "r", "eq": True},
            "then": [{"option": "a", "adjust": "c", "by": 5}],
        },
        "q_lifts": {
            "when": {"fact": "q", "eq": True},
            "then": [{"option": "b", "adjust": "d", "by": 5}],
        },
    },
    "verdicts": [{"verdict": "any", "otherwise": True}],
}


CLASHING_FINDING = {
    **CLASHING_SETS,
    "findings": {"f": {"type": "boolean"}, "g": {"type": "boolean"}},
    "rules": {
        "both_p": CLASHING_SETS["rules"]["both_p"],
        "q_says": {"when": {"fact": "q", "eq": True}, "then": [{"derive": "g", "value": True}]},
        "r_missing": {"when": {"not": {"known": "r"}}, "then": [{"derive": "g", "value": False}]},
        "lifts": {
            "when": {
                "all": [
                    {"fact": "f", "eq": True},
                    {"fact": "g", "eq": True},
                    {"fact": "q", "eq": True},
                ]
            },
            "then": [{"option": "a", "adjust": "c", "by": 5}],
        },  # fmt: skip
    },
}


def _spied(appraisal: Any) -> tuple[str, list[list[bool]]]:
    """The attribution on subsets of the rules, and per call, which groups of its rows ran
    every rule."""
    run = attribution_module._Run
    with mock.patch.object(run, "evaluate", autospec=True, side_effect=run.evaluate) as spy:
        found = _attributed(appraisal, subsets=True, level_cost=0)
    return found, [[g.rules is None for g in call.args[1]] for call in spy.call_args_list]


def test_a_finding_derived_two_ways_in_a_later_batch_is_refused_as_every_rule_refuses() -> None:
    """Known whole, the evidence derives ``g`` once; with ``r`` unknown and ``q`` known,
    twice: in a batch after the first (``f`` is a module's, ``q`` is read directly)."""
    compiled = compile_rule_base(RuleBase.model_validate(CLASHING_FINDING))
    appraisal = appraise_facts(compiled, {"p1": True, "p2": True, "q": True, "r": True})
    whole = _attributed(appraisal, subsets=False, level_cost=0)
    assert whole.startswith("RuleConflictError") and "finding 'g' is derived as True" in whole
    assert _spied(appraisal) == (whole, [[False], [True]])  # met, then refused whole


def test_cells_set_two_ways_on_part_of_the_evidence_are_refused_as_every_rule_refuses() -> None:
    """Known whole, the evidence sets the cell once; with ``r`` unknown and the rest known,
    twice: in a batch after the first (``f`` is a module's), whatever rules its rows run."""
    compiled = compile_rule_base(RuleBase.model_validate(CLASHING_SETS))
    appraisal = appraise_facts(compiled, {"p1": True, "p2": True, "q": True, "r": True})
    whole = _attributed(appraisal, subsets=False, level_cost=0)
    assert "rules 'f_sets' and 'q_sets' set option 'a' on 'c' to different values" in whole
    assert _spied(appraisal) == (whole, [[False], [True]])  # met, then refused whole
    assert _attributed(appraisal, subsets=True, level_cost=10**12) == whole
    with pytest.raises(ScoringError):
        attribute(appraisal)

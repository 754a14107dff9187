"""Explanation of the bundled Birmingham appraisal: citations, sums, switching values, CLI."""

from __future__ import annotations

import itertools
import json
import random
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from pydantic import BaseModel

import appraisal
from appraisal.appraise import appraise, appraise_facts, compile_rule_base, evidence_values
from appraisal.cli import main
from appraisal.engine import encode
from appraisal.errors import RuleConflictError
from appraisal.explain import (
    Explanation,
    OptionDrivers,
    Tracer,
    WhatIf,
    attribute,
    candidate_changes,
    drivers,
    evidence_drivers,
    evidence_trace,
    explain,
    gate_drivers,
    rule_baseline,
    rule_deltas,
    summarise,
    switching_values,
    versus,
    weight_switching_values,
    winner,
)
from appraisal.explain.counterfactuals import Batch, model_index
from appraisal.loader import load_scenario
from appraisal.models import RuleBase

from .conftest import SCENARIOS, write_drift_case
from .test_engine_batch import MESSAGE, Q_TRUE_LINE


@pytest.fixture(scope="module")
def birmingham() -> Any:
    return appraise(appraisal.bundled_scenarios()["birmingham-2014"])


@pytest.fixture(scope="module")
def explanation(birmingham: Any) -> Any:
    return explain(birmingham)


def _trace_text(node: Any) -> str:
    return " ".join([str(node.source or ""), *(_trace_text(c) for c in node.children)])


def test_isle_of_wight_explanation_cites_para_9_5(explanation: Any) -> None:
    option = explanation.option("isle_of_wight")
    assert "para 9.5" in option.narrative
    assert "partner_identified" in option.narrative
    assert option.trace.children[0].kind == "gate"
    assert "para 9.5" in _trace_text(option.trace.children[0])


def test_commissioning_split_explanation_cites_para_9_6(explanation: Any) -> None:
    option = explanation.option("commissioning_split")
    assert "para 9.6" in option.narrative
    assert "provider_market_capacity" in option.narrative


def test_watchful_waiting_cites_fragile_improvement_and_no_coherent_plan(explanation: Any) -> None:
    narrative = explanation.option("watchful_waiting").narrative
    assert "6.8" in narrative
    assert "9.4" in narrative
    assert "external stimulus" in narrative


def test_attribution_sums_exactly_and_contributions_add_up(birmingham: Any) -> None:
    attribution = attribute(birmingham)
    assert attribution.method == "exact"
    compiled = compile_rule_base(birmingham.rule_base_model)
    empty = appraise_facts(compiled, {})
    for result in birmingham.options:
        spread = attribution.options[result.id]
        assert spread.baseline == pytest.approx(empty.option(result.id).score, abs=1e-9)
        assert sum(spread.attribution.values()) == pytest.approx(
            result.score - spread.baseline, abs=1e-9
        )
        for context in ("supervision_received_pct", "sickness_days_per_year", "open_cases"):
            assert spread.attribution[context] == 0.0
        points = rule_baseline(birmingham, result) + sum(
            d.points for d in rule_deltas(birmingham, result)
        )
        assert points == pytest.approx(result.score, abs=1e-9)


def test_symmetric_items_share_equally(birmingham: Any) -> None:
    shares = attribute(birmingham).options["commissioning_split"].attribution
    assert shares["provider_market_capacity"] == shares["commissioning_capability"]


def test_clamped_cell_credits_the_actual_change(birmingham: Any) -> None:
    cell = birmingham.option("watchful_waiting").values["sustainable_improvement"]
    assert cell.clamped and cell.value == 0.0
    deltas = [
        d
        for d in rule_deltas(birmingham, "watchful_waiting")
        if d.criterion == "sustainable_improvement"
    ]
    assert sum(d.change for d in deltas) == pytest.approx(-cell.baseline)
    fragile = next(d for d in deltas if d.rule == "waiting_on_fragile_improvement")
    cuts = -sum(d.nominal for d in deltas if d.nominal < 0)
    rises = sum(d.nominal for d in deltas if d.nominal > 0)
    assert fragile.nominal == -15
    assert fragile.change == pytest.approx(-15 * (cell.baseline + rises) / cuts)


def test_sampling_fallback_says_so_and_still_sums(birmingham: Any) -> None:
    attribution = attribute(birmingham, max_exact=3, samples=50, seed=1)
    assert attribution.method == "sampled" and attribution.sampled_games > 0
    spread = attribution.options["watchful_waiting"]
    assert spread.method == "sampled" and spread.error > 0
    assert sum(spread.attribution.values()) == pytest.approx(
        spread.total - spread.baseline, abs=1e-9
    )


def test_attribution_kept_per_model_follows_the_weights_and_evidence(birmingham: Any) -> None:
    """What attribution keeps with a compiled model depends on the known items and the
    weights: other weights or less evidence on the same model give what a fresh model does."""
    loaded = appraisal.bundled_scenarios()["birmingham-2014"]
    leaf = next(iter(birmingham.option("commissioner").values))
    fewer = {"provider_market_capacity": None, "partner_identified": None}
    attribute(birmingham)  # the model now keeps what the bundled weights and evidence need
    for changed in (
        appraise(loaded, weights={leaf: 0.0}, compiled=birmingham.model),
        appraise(loaded, evidence=fewer, compiled=birmingham.model),
    ):
        fresh = compile_rule_base(birmingham.rule_base_model)
        again = appraise_facts(fresh, changed.evidence, changed.raw_weights)
        assert attribute(changed).options == attribute(again).options
    assert attribute(birmingham) == attribute(birmingham)


def _generated_rule_base(seed: int) -> RuleBase:
    """Number facts, layered findings, ``not known`` tests (so a rule can stop firing as
    evidence arrives), adjust and set rules (so some cells can clamp)."""
    rng = random.Random(seed)
    facts = {f"e{i}": {"type": "number"} for i in range(24)}
    findings = {f"f{i}": {"type": "boolean"} for i in range(8)}
    leaves = ["c0", "c1", "c2"]
    options = {
        o: {"name": o, "values": {c: {"value": rng.randint(20, 80)} for c in leaves}}
        for o in ("o0", "o1", "o2")
    }

    def test(fact: str) -> dict[str, Any]:
        if rng.random() < 0.15:
            return {"not": {"known": fact}}
        if fact in findings:
            return {"fact": fact, "eq": rng.random() < 0.7}
        return {"fact": fact, rng.choice(["lt", "ge"]): float(rng.randint(20, 80))}

    rules: dict[str, Any] = {}
    for i, finding in enumerate(findings):
        pool = list(facts) + [f for f in findings if f < finding]
        reads = rng.sample(pool, rng.randint(1, 3))
        rules[f"d{i}"] = {
            "when": {rng.choice(["all", "any"]): [test(f) for f in reads]},
            "then": [{"derive": finding, "value": True}],
        }
    for i in range(40):
        reads = rng.sample(list(facts) + list(findings), rng.randint(1, 3))
        option, leaf = rng.choice(list(options)), rng.choice(leaves)
        effect: dict[str, Any] = {
            "option": option,
            "adjust": leaf,
            "by": float(rng.randint(-40, 40)),
        }
        if i % 7 == 0:
            effect = {"option": option, "set": leaf, "to": 100.0 if leaf == "c0" else 0.0}
        rules[f"r{i}"] = {"when": {"any": [test(f) for f in reads]}, "then": [effect]}
    criteria = {c: {"weight": rng.randint(1, 5), "horizon": "short"} for c in leaves}
    return RuleBase.model_validate(
        {
            "id": "generated",
            "title": "generated",
            "facts": facts,
            "findings": findings,
            "criteria": criteria,
            "options": options,
            "rules": rules,
            "verdicts": [{"verdict": "any", "otherwise": True}],
        }
    )


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_sampled_attribution_estimates_the_exact_one(seed: int) -> None:
    """Permutations sampled (prefixes evaluated as rows of one batch) estimate each share: with
    many samples every share lies within a few of its reported errors of the exact value, and
    the same seed gives the same estimate."""
    rule_base = _generated_rule_base(seed)
    rng = random.Random(seed)
    facts = {f: float(rng.randint(0, 100)) for f in rule_base.facts if rng.random() < 0.9}
    result = appraise_facts(compile_rule_base(rule_base), facts)
    sampled = attribute(result, max_exact=4, samples=400, seed=seed)
    assert sampled.method == "sampled" and sampled.sampled_games > 0
    assert sampled == attribute(result, max_exact=4, samples=400, seed=seed)
    exact = attribute(result)
    assert exact.method == "exact"
    for option, spread in sampled.options.items():
        for item, points in spread.attribution.items():
            truth = exact.options[option].attribution[item]
            assert abs(points - truth) <= 4 * spread.error + 1e-9, (option, item)


def test_weight_switching_values_flip_first_place(birmingham: Any) -> None:
    loaded = load_scenario(appraisal.bundled_scenarios()["birmingham-2014"])
    switches = weight_switching_values(birmingham, "acceptability")
    assert [s.direction for s in switches] == ["increase"]
    switch = switches[0]
    assert switch.current_weight == 1 and switch.new_winner == "watchful_waiting"
    for weight, first in (
        (switch.weight * 0.999, "commissioner"),
        (switch.weight * 1.001, "watchful_waiting"),
    ):
        assert winner(appraise(loaded, weights={"acceptability": weight})) == first


def test_unknown_criterion_is_a_clear_error(birmingham: Any) -> None:
    with pytest.raises(appraisal.UnknownReferenceError, match="effectivness|effectiveness"):
        weight_switching_values(birmingham, "effectivness")


def test_evidence_counterfactuals_are_real(tmp_path: Path) -> None:
    """Every reported change of evidence really changes the verdicts it names."""
    loaded = load_scenario(appraisal.bundled_scenarios()["birmingham-2014-capable-partner"])
    result = appraise(loaded)
    found = explain(result).evidence_counterfactuals
    assert found
    for change in found[:5]:
        facts = evidence_values(loaded.scenario.evidence) | {
            x.evidence: x.to for x in change.changes
        }
        again = appraise_facts(compile_rule_base(result.rule_base_model), facts)
        for moved in change.verdict_changes:
            assert again.option(moved.option).verdict == moved.to


def test_trace_reaches_evidence_with_sources(birmingham: Any) -> None:
    trace = evidence_trace(birmingham, "commissioning_split")
    kinds: set[str] = set()

    def walk(node: Any) -> None:
        kinds.add(node.kind)
        if node.kind == "evidence" and node.value is not None:
            assert node.source
        for child in node.children:
            walk(child)

    walk(trace)
    assert {"option", "criterion", "rule", "finding", "evidence"} <= kinds


def test_versus_orders_criteria_by_difference(birmingham: Any) -> None:
    pair = versus(birmingham, "commissioner", "watchful_waiting")
    sizes = [abs(d.difference) for d in pair.criteria]
    assert sizes == sorted(sizes, reverse=True)
    assert sum(d.difference for d in pair.criteria) == pytest.approx(pair.difference)
    assert pair.criteria[0].rules_b


def test_drivers_still_lead_with_gate_failures(birmingham: Any) -> None:
    assert drivers(birmingham, "isle_of_wight")[0].kind == "gate"


def test_gate_drivers_are_the_drivers_that_lead(birmingham: Any) -> None:
    for option in birmingham.options:
        every = drivers(birmingham, option)
        gates = gate_drivers(birmingham, option)
        assert gates == [d for d in every if d.kind == "gate"] == every[: len(gates)]
    assert gate_drivers(birmingham, "isle_of_wight") != []


def test_the_first_evidence_drivers_are_the_first_of_all(birmingham: Any) -> None:
    attribution = attribute(birmingham)
    every = evidence_drivers(birmingham, "commissioner", attribution)
    assert len(every) > 3
    for top in (0, 1, 3, len(every) + 5):
        assert evidence_drivers(birmingham, "commissioner", attribution, top=top) == every[:top]


def test_explain_json_has_the_documented_shape(capsys: Any) -> None:
    assert main(["explain", "birmingham-2014-capable-partner", "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    option = data["options"][0]
    assert {"id", "total", "baseline", "attribution", "contributions", "narrative"} <= set(option)
    switch = data["switching_values"][0]
    assert {"criterion", "weight", "current_weight", "new_winner"} <= set(switch)
    change = data["evidence_counterfactuals"][0]
    assert set(change["changes"][0]) == {"evidence", "from", "to"} and "new_winner" in change


@pytest.mark.parametrize(
    "argv",
    [
        ["explain", "--option", "isle_of_wight"],
        ["explain", "--format", "md", "--no-trace"],
        ["explain", "--versus", "commissioner", "watchful_waiting"],
        ["explain", "--versus", "commissioner", "watchful_waiting", "--format", "md"],
    ],
)
def test_explain_commands_run(argv: list[str], capsys: Any) -> None:
    assert main(argv) == 0
    assert "watchful_waiting" in capsys.readouterr().out or "isle_of_wight" in argv


def test_explain_unknown_option_is_bad_input(capsys: Any) -> None:
    assert main(["explain", "--option", "isle_of_wite"]) == 2
    assert "isle_of_wight" in capsys.readouterr().err


def test_run_lists_evidence_drivers_with_citations(capsys: Any) -> None:
    assert main(["run", "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    split = next(o for o in data["options"] if o["id"] == "commissioning_split")
    assert split["drivers"][0]["source"].endswith("para 9.6")
    assert split["drivers"][0]["rule_sources"]


def test_bound_on_pairs_of_changes_never_skips_a_pair_that_moves_first_place(
    birmingham: Any,
) -> None:
    """Every pair of changes the tighter bound rules out keeps commissioner first when appraised."""
    what_if = WhatIf(birmingham)
    changes = candidate_changes(birmingham)
    effects = what_if.single_effects(changes)
    pairs = [
        (changes[i], changes[j])
        for i, j in itertools.combinations(range(len(changes)), 2)
        if changes[i].evidence != changes[j].evidence
        and not what_if.may_flip_together(effects, [i, j])
    ]
    assert pairs
    outcomes = what_if.appraise([{a.evidence: a.to, b.evidence: b.to} for a, b in pairs])
    assert all(o is None or o.winner == "commissioner" for o in outcomes)


def test_a_switch_where_three_options_meet_names_the_one_ahead_past_it() -> None:
    """Three lines crossing at one weight: the fastest-closing rival takes first place.

    At a weight of 1/3 on ``a`` all three totals are equal; rounding puts z's
    crossing a hair nearer than y's, but below it y leads, since it closes fastest.
    """
    from appraisal.models import RuleBase

    def option(a1: int, a2: int, b: int) -> dict[str, Any]:
        values = {"a1": {"value": a1}, "a2": {"value": a2}, "b": {"value": b}}
        return {"name": "o", "values": values}

    rule_base = RuleBase.model_validate(
        {
            "id": "g",
            "title": "g",
            "criteria": {
                "a": {
                    "weight": 2,
                    "children": {
                        "a1": {"weight": 5, "horizon": "short"},
                        "a2": {"weight": 1, "horizon": "long", "direction": "minimise"},
                    },
                },
                "b": {"weight": 1, "horizon": "short", "direction": "minimise"},
            },
            "options": {"x": option(100, 89, 22), "y": option(35, 34, 7), "z": option(75, 18, 19)},
            "verdicts": [
                {"verdict": "recommended", "recommends": True, "when": {"metric": "rank", "eq": 1}},
                {"verdict": "other", "otherwise": True},
            ],
        }
    )
    compiled = compile_rule_base(rule_base)
    result = appraise_facts(compiled, {})
    (switch,) = weight_switching_values(result, "a")
    assert switch.direction == "decrease" and switch.new_winner == "y"
    past = appraise_facts(compiled, {}, {"a": switch.weight * (1 - 1e-5)})
    assert past.options[0].id == "y"


# --------------------------------------------------------------------------- the drift case


@pytest.fixture
def drift(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Two rules that derive one finding differently when only part of the evidence is known
    (valid, and consistent on the full evidence)."""
    monkeypatch.chdir(tmp_path)
    return write_drift_case(tmp_path)


def test_drift_exact_and_sampled_attribution_and_explain_raise_one_located_error(
    drift: Path,
) -> None:
    result = appraise("sc.yaml")
    raised = []
    for attempt in (
        lambda: attribute(result),
        lambda: attribute(result, max_exact=0, samples=20),
        lambda: attribute(result, max_exact=1, samples=5, seed=3),
        lambda: explain(result),
    ):
        with pytest.raises(RuleConflictError) as caught:
            attempt()
        assert (caught.value.path, caught.value.line) == ("rb.yaml", Q_TRUE_LINE)
        raised.append(str(caught.value))
    assert set(raised) == {MESSAGE}


def test_drift_run_shows_the_ranking_and_says_the_drivers_are_undefined(
    drift: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The ranking and verdicts are defined (the full evidence is consistent), so ``run``
    shows them; the drivers are not, so the report says why, and the command exits 2 with
    the one located line every command gives on this rule base."""
    summary = summarise(appraise("sc.yaml"))
    assert summary.drivers_undefined == MESSAGE
    assert all(not o.evidence for o in summary.options)
    assert main(["run", "sc.yaml"]) == 2
    captured = capsys.readouterr()
    assert "Recommended: A" in captured.out
    assert f"Evidence drivers undefined: rb.yaml:{Q_TRUE_LINE}:3" in " ".join(captured.out.split())
    assert captured.err.splitlines() == [f"error: {MESSAGE}"]
    assert main(["run", "sc.yaml", "--format", "json"]) == 2
    data = json.loads(capsys.readouterr().out)
    assert data["recommended"] == "a" and data["drivers_undefined"] == MESSAGE
    assert all(o["drivers"] == [] for o in data["options"])


def test_drift_explain_exits_2_with_one_located_line(
    drift: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["explain", "sc.yaml"]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.strip().splitlines() == [f"error: {MESSAGE}"]


def test_no_switch_is_reported_for_a_criterion_whose_siblings_weigh_nothing() -> None:
    """With its sibling at 0, a criterion holds all its parent's share at any weight: no
    weight of it changes first place, though its share, computed as a quotient, can come
    out a rounding short of 1 (42 and 0.31 here gave a switch at 4.9e-17)."""

    def option(a1x: int, a1y: int, a2: int, b: int) -> dict[str, Any]:
        values = {"a1x": a1x, "a1y": a1y, "a2": a2, "b": b}
        return {"name": "o", "values": {k: {"value": v} for k, v in values.items()}}

    leaf = {"weight": 1, "horizon": "short"}
    rule_base = RuleBase.model_validate(
        {
            "id": "g",
            "title": "g",
            "criteria": {
                "a": {
                    "weight": 1,
                    "children": {
                        "a1": {"weight": 1, "children": {"a1x": leaf, "a1y": leaf}},
                        "a2": {"weight": 2, "horizon": "long"},
                    },
                },
                "b": leaf,
            },
            "options": {"x": option(10, 90, 20, 30), "y": option(80, 20, 60, 40)},
            "verdicts": [
                {"verdict": "recommended", "recommends": True, "when": {"metric": "rank", "eq": 1}},
                {"verdict": "other", "otherwise": True},
            ],
        }
    )
    weights = {"a1": 42.0, "a1x": 0.0, "a1y": 0.31}
    result = appraise_facts(compile_rule_base(rule_base), {}, weights)
    assert weight_switching_values(result, "a1y", weights) == ()
    assert all(s.criterion != "a1y" for s in switching_values(result, weights))
    assert weight_switching_values(result, "a1x", weights)  # raising the other one can


def test_switching_values_read_the_weights_the_appraisal_used() -> None:
    """Nothing passed twice: an appraisal made with other weights carries them."""
    loaded = load_scenario(appraisal.bundled_scenarios()["birmingham-2014"])
    heavier = appraise(loaded, weights={"acceptability": 2})
    assert weight_switching_values(heavier, "acceptability") == weight_switching_values(
        heavier, "acceptability", {"acceptability": 2}
    )
    (switch,) = weight_switching_values(heavier, "acceptability")
    assert switch.current_weight == 2


def test_one_tracer_for_every_option_traces_each_as_alone(birmingham: Any) -> None:
    """Subtrees shared across options (findings, evidence, rules) are built once and read
    the same in every trace."""
    tracer = Tracer(birmingham)
    shared = [tracer.trace(o) for o in birmingham.options]
    assert shared == [evidence_trace(birmingham, o) for o in birmingham.options]
    deltas = [rule_deltas(birmingham, o) for o in birmingham.options]
    assert [tracer.trace(o, d) for o, d in zip(birmingham.options, deltas, strict=True)] == shared


def test_model_index_is_worked_out_once_per_model_and_matches_the_model(birmingham: Any) -> None:
    model = birmingham.model
    index = model_index(model)
    assert model_index(model) is index
    for fact_id, row in index.fact_rows.items():
        assert set(np.flatnonzero(index.reach[row])) == set(model.downstream_positions(fact_id))
    for (option, leaf), moving in (*model.cell_sets.items(), *model.cell_adjusts.items()):
        assert all(index.moves[p, option, leaf] for p, _ in moving)
    assert index.moves.sum() == len(
        {(p, cell) for cell, moving in (*model.cell_sets.items(), *model.cell_adjusts.items())
         for p, _ in moving}
    )  # fmt: skip


def test_a_batch_of_changes_encodes_as_the_evidence_changed_row_by_row(birmingham: Any) -> None:
    """Rows given as indices into one list of changes, and batches joined, hold what
    encoding each row's changed evidence gives."""
    what_if = WhatIf(birmingham)
    model = birmingham.model
    changes = candidate_changes(birmingham)
    mappings = [{c.evidence: c.to} for c in changes[:5]]
    mappings += [{a.evidence: a.to, b.evidence: b.to} for a, b in itertools.pairwise(changes)]
    mappings.append({})
    batch = Batch.joined([Batch.of(mappings[:5]), Batch.of(mappings[5:])])
    assert len(batch) == len(mappings)
    assert batch.facts() == {fact for m in mappings for fact in m}
    columns = what_if.columns(batch)
    expected = encode(model, [{**birmingham.evidence, **m} for m in mappings])
    assert np.array_equal(columns.known, expected.known)
    for column in np.flatnonzero(expected.known.any(axis=1)):
        for row in range(len(mappings)):
            if expected.known[column, row]:
                assert columns.value(model, model.columns[column], row) == expected.value(
                    model, model.columns[column], row
                )


def _same_typed(built: Any, validated: Any, where: str = "explanation") -> None:
    """The two are equal and every value is of the same type, field by field, all the way
    down: a record built without validation holds what validation would have made of it."""
    assert type(built) is type(validated), f"{where}: {type(built)} vs {type(validated)}"
    if isinstance(built, BaseModel):
        for name in type(built).model_fields:
            _same_typed(getattr(built, name), getattr(validated, name), f"{where}.{name}")
    elif isinstance(built, dict):
        assert list(built) == list(validated), where
        for key in built:
            _same_typed(built[key], validated[key], f"{where}[{key!r}]")
    elif isinstance(built, tuple | list):
        assert len(built) == len(validated), where
        for i, (a, b) in enumerate(zip(built, validated, strict=True)):
            _same_typed(a, b, f"{where}[{i}]")
    else:
        assert built == validated, where


@pytest.mark.parametrize(
    "path", sorted(SCENARIOS.glob("*.yaml")) + sorted((SCENARIOS / "cases").glob("*.yaml"))
)
def test_explanation_records_are_what_validation_makes_of_them(path: Path) -> None:
    """Records built without validating hold values of their declared types: validating
    their dump again gives the same values of the same types, so equality and JSON agree."""
    appraisal_ = appraise(load_scenario(path))
    explanation = explain(appraisal_)
    again = Explanation.model_validate(explanation.model_dump(by_alias=True))
    _same_typed(explanation, again)
    summary = summarise(appraisal_)
    for built in summary.options:
        _same_typed(built, OptionDrivers.model_validate(built.model_dump(by_alias=True)))

"""The pipeline: evidence -> rules -> values -> scores -> ranks -> verdicts.

``appraise`` is the one call most users need. It returns an ``Appraisal``: plain,
frozen data holding every intermediate (rule firings with the facts they read,
each value's baseline and the rules that moved it, contributions, gate
failures), so explanation reads records and never recomputes. Rendering is in
``render``.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import networkx as nx
from pydantic import BaseModel, ConfigDict, Field

from ._guards import checked_facts, checked_weights, require
from .errors import AppraisalError, RuleEvaluationError, ScoringError
from .graph import build_graph, rule_order
from .loader import LoadedScenario, criteria_paths, leaf_criteria, load_scenario
from .models import Criterion, EvidenceItem, RuleBase, Scenario, Value
from .rules import RuleFiring, evaluate_condition, evaluate_rules, level_orders
from .scoring import (
    CriterionValue,
    GateFailure,
    competition_ranks,
    criterion_weights,
    option_values,
    score_options,
)

__all__ = [
    "Appraisal",
    "CompiledRuleBase",
    "OptionResult",
    "appraise",
    "appraise_facts",
    "compile_rule_base",
]


@dataclass(frozen=True)
class CompiledRuleBase:
    """A rule base with what evaluation needs worked out once: graph and rule order."""

    rule_base: RuleBase
    graph: nx.DiGraph
    order: tuple[str, ...]
    scales: Mapping[str, Mapping[str, int]]
    leaves: Mapping[str, Criterion]


_COMPILED: dict[int, tuple[RuleBase, CompiledRuleBase]] = {}
"""Recently compiled rule bases, by object; the entry holds the object, so its id stays valid."""


def compile_rule_base(rule_base: RuleBase, graph: nx.DiGraph | None = None) -> CompiledRuleBase:
    """Work out the graph (unless given, already built) and the rule order once.

    Compiled once per rule base object: appraising, explaining and analysing
    the same rule base share the work (rule bases are frozen).
    """
    require(rule_base, RuleBase, "rule_base")
    hit = _COMPILED.get(id(rule_base))
    if hit is not None and hit[0] is rule_base:
        return hit[1]
    graph = build_graph(rule_base) if graph is None else graph
    compiled = CompiledRuleBase(
        rule_base=rule_base,
        graph=graph,
        order=tuple(rule_order(graph, rule_base)),
        scales=level_orders(rule_base),
        leaves=leaf_criteria(rule_base),
    )
    if len(_COMPILED) >= 8:
        _COMPILED.pop(next(iter(_COMPILED)))
    _COMPILED[id(rule_base)] = (rule_base, compiled)
    return compiled


class _Result(BaseModel):
    model_config = ConfigDict(frozen=True, defer_build=True)


class OptionResult(_Result):
    """One option's standing: scores, ranks, verdict, and how its values arose."""

    id: str
    name: str
    score: float
    short_term_score: float
    long_term_score: float
    rank: int | None
    short_term_rank: int | None
    long_term_rank: int | None
    excluded: bool
    gate_failures: tuple[GateFailure, ...]
    verdict: str
    verdict_rule: int
    values: dict[str, CriterionValue]
    contributions: dict[str, float]


class Appraisal(_Result):
    """The whole result of appraising one scenario."""

    scenario: str
    scenario_path: str | None
    rule_base: str
    options: tuple[OptionResult, ...]
    """In rank order; excluded options last."""
    recommended: str | None
    tied_first: tuple[str, ...]
    weights: dict[str, float]
    evidence: dict[str, Value | None]
    findings: dict[str, Value | None]
    firings: tuple[RuleFiring, ...]
    rule_base_model: RuleBase = Field(exclude=True, repr=False)
    """The rule base appraised against, for citations; left out of JSON dumps."""
    scenario_model: Scenario | None = Field(default=None, exclude=True, repr=False)
    """The scenario's evidence with sources, when appraised from a scenario."""

    def option(self, option_id: str) -> OptionResult:
        for result in self.options:
            if result.id == option_id:
                return result
        from .errors import UnknownReferenceError

        raise UnknownReferenceError("option", option_id, [o.id for o in self.options])

    @property
    def ranking(self) -> list[str]:
        return [o.id for o in self.options if not o.excluded]

    def _repr_html_(self) -> str:
        from .render import appraisal_html

        return appraisal_html(self)


def evidence_values(evidence: Mapping[str, EvidenceItem]) -> dict[str, Value | None]:
    return {evidence_id: item.value for evidence_id, item in evidence.items()}


def appraise(
    scenario: LoadedScenario | str | Path,
    *,
    weights: Mapping[str, float] | None = None,
    evidence: Mapping[str, Value | None] | None = None,
    compiled: CompiledRuleBase | None = None,
) -> Appraisal:
    """Appraise a scenario (a loaded one, or a path to load).

    ``weights`` and ``evidence`` override the scenario's own, for what-if runs
    from code; a ``None`` evidence value makes that fact unknown. They are
    checked as a scenario file is: an unknown id, a negative or non-finite
    weight, or a value not of its fact's type raises an ``AppraisalError``
    naming the field.
    """
    if isinstance(scenario, LoadedScenario):
        loaded = scenario
    elif isinstance(scenario, str | os.PathLike):
        loaded = load_scenario(scenario)
    else:
        raise TypeError(f"appraise takes a LoadedScenario or a path, not {type(scenario).__name__}")
    if compiled is None:
        compiled = compile_rule_base(loaded.rule_base, loaded.graph)
    require(compiled, CompiledRuleBase, "compiled")
    if compiled.rule_base is not loaded.rule_base and compiled.rule_base != loaded.rule_base:
        raise AppraisalError(
            f"compiled is rule base {compiled.rule_base.id!r} (or another version of it),"
            f" not the scenario's {loaded.rule_base.id!r}"
        )
    facts: dict[str, Value | None] = evidence_values(loaded.scenario.evidence)
    facts.update(checked_facts(loaded.rule_base, evidence or {}))
    known = criteria_paths(loaded.rule_base)
    all_weights = {**loaded.scenario.weights, **checked_weights(loaded.rule_base, weights, known)}
    try:
        return appraise_facts(
            compiled,
            facts,
            all_weights,
            scenario=loaded.scenario.title,
            scenario_path=loaded.path,
            scenario_model=loaded.scenario,
        )
    except (RuleEvaluationError, ScoringError) as error:
        _locate_in_rule_base(error, loaded)
        raise


def _locate_in_rule_base(error: AppraisalError, loaded: LoadedScenario) -> None:
    """Point an error about a rule (``rules.<id>``) at its line in the rule base file."""
    field_name = error.location.field or ""
    if error.location.path is None and loaded.rule_base_marks and field_name.startswith("rules."):
        rule_id = field_name.removeprefix("rules.")
        error.location = loaded.rule_base_marks.locate(("rules", rule_id))


def appraise_facts(
    compiled: CompiledRuleBase,
    facts: Mapping[str, Value | None],
    weights: Mapping[str, float] | None = None,
    *,
    scenario: str = "",
    scenario_path: str | None = None,
    scenario_model: Scenario | None = None,
) -> Appraisal:
    """The pipeline proper, on fact values rather than a loaded scenario.

    ``facts`` and ``weights`` are checked as ``appraise`` checks its overrides.
    """
    require(compiled, CompiledRuleBase, "compiled")
    rule_base = compiled.rule_base
    facts = checked_facts(rule_base, facts)
    weights = checked_weights(rule_base, weights, criteria_paths(rule_base))
    outcome = evaluate_rules(rule_base, facts, compiled.order, compiled.scales)
    values, failures = option_values(rule_base, outcome.firings)
    global_weights = criterion_weights(rule_base, weights)
    scores = score_options(rule_base, values, failures, global_weights)

    eligible = [o for o, s in scores.items() if not s.excluded]
    ranks = competition_ranks({o: scores[o].score for o in eligible})
    short_ranks = competition_ranks({o: scores[o].short_term_score for o in eligible})
    long_ranks = competition_ranks({o: scores[o].long_term_score for o in eligible})

    results = []
    for option_id, score in scores.items():
        metrics = verdict_metrics(
            rank=ranks.get(option_id),
            short_term_rank=short_ranks.get(option_id),
            long_term_rank=long_ranks.get(option_id),
            score=score.score,
            short_term_score=score.short_term_score,
            long_term_score=score.long_term_score,
            excluded=score.excluded,
        )
        verdict_index = verdict_rule(compiled, outcome.facts, metrics)
        results.append(
            OptionResult(
                id=option_id,
                name=rule_base.options[option_id].name,
                score=score.score,
                short_term_score=score.short_term_score,
                long_term_score=score.long_term_score,
                rank=ranks.get(option_id),
                short_term_rank=short_ranks.get(option_id),
                long_term_rank=long_ranks.get(option_id),
                excluded=score.excluded,
                gate_failures=score.gate_failures,
                verdict=rule_base.verdicts[verdict_index].verdict,
                verdict_rule=verdict_index,
                values=score.values,
                contributions=score.contributions,
            )
        )
    results.sort(key=lambda r: (r.excluded, r.rank or 0, -r.score))
    recommending = rule_base.recommending_verdict
    recommended = [r.id for r in results if r.verdict == recommending]
    first = tuple(r.id for r in results if r.rank == 1)
    return Appraisal(
        scenario=scenario,
        scenario_path=scenario_path,
        rule_base=rule_base.id,
        options=tuple(results),
        recommended=recommended[0] if len(recommended) == 1 else None,
        tied_first=first if len(first) > 1 else (),
        weights=global_weights,
        evidence={f: facts.get(f) for f in rule_base.facts},
        findings=dict(outcome.findings),
        firings=tuple(outcome.firings),
        rule_base_model=rule_base,
        scenario_model=scenario_model,
    )


def verdict_metrics(
    *,
    rank: int | None,
    short_term_rank: int | None,
    long_term_rank: int | None,
    score: float,
    short_term_score: float,
    long_term_score: float,
    excluded: bool,
) -> dict[str, Value | None]:
    """What verdict rules may test about one option (``rules.METRICS``); no rank = unknown."""
    return {
        "rank": None if rank is None else float(rank),
        "short_term_rank": None if short_term_rank is None else float(short_term_rank),
        "long_term_rank": None if long_term_rank is None else float(long_term_rank),
        "score": score,
        "short_term_score": short_term_score,
        "long_term_score": long_term_score,
        "excluded": excluded,
    }


def verdict_rule(
    compiled: CompiledRuleBase,
    facts: Mapping[str, Value | None],
    metrics: Mapping[str, Value | None],
) -> int:
    """The index of the first verdict rule that holds for an option (the last always does)."""
    for index, rule in enumerate(compiled.rule_base.verdicts):
        if rule.otherwise or (
            rule.when is not None
            and evaluate_condition(rule.when, facts, compiled.scales, metrics) is True
        ):
            return index
    raise ScoringError("no verdict rule applies (the last must be 'otherwise: true')")

"""Why each option got its verdict, and what would have to change to overturn it.

Everything here reads an ``Appraisal`` (and the rule base it names) and returns
plain frozen data; rendering is in ``render``. The pieces, by module:

- ``records``: the frozen result models (``Explanation``, ``Attribution``,
  ``TraceNode``, ``WeightSwitch``, ``Versus`` ...);
- ``deltas``: **rule deltas**, every rule that moved an option's value, in score
  points, with clamping to 0..100 shared out exactly (``rule_deltas``), the
  drivers and the evidence each rule cites (``drivers``, ``cite_evidence``);
- ``attribution``: **evidence attribution**, each option's total shared among
  evidence items by Shapley value, computed exactly per rule or per criterion
  cell over the evidence upstream of it, or sampled when too large (``attribute``);
- ``trace``: the **evidence trace**, verdict -> criteria -> rules -> findings ->
  evidence, with sources (``evidence_trace``);
- ``switching``: **switching values**, the closed-form weight at which the
  first-ranked option loses first place (``weight_switching_values``);
- ``counterfactuals``: the evidence changes that change the winner or a verdict
  (``evidence_counterfactuals``), each stage of the search one batch through the engine;
- ``information``: **what to find out next**, the unknown or doubtful facts whose value
  could change the recommendation (``value_of_information``), tried the same way;
- ``narration``: **pairwise** comparison of two options (``versus``), the
  evidence weighing most on an option (``evidence_drivers``) and a **narrative**
  per option, generated from the data above;
- ``_shared``: the compiled model, the winner, and batches of evidence rows appraised
  through the engine, which the others share;
- this package's ``__init__``: ``explain``, which gathers it all, and ``summarise``, what
  ``appraisal run`` shows beside the ranking.

docs/explain.md defines each quantity.
"""

from __future__ import annotations

from collections.abc import Mapping

from ..appraise import Appraisal
from ..errors import RuleEvaluationError, ScoringError
from ._shared import model_of as model_of
from ._shared import winner as winner
from .attribution import MAX_EXACT_PLAYERS as MAX_EXACT_PLAYERS
from .attribution import attribute
from .counterfactuals import WhatIf as WhatIf
from .counterfactuals import candidate_changes as candidate_changes
from .counterfactuals import counterfactual_stages, evidence_counterfactuals
from .deltas import cite_evidence, drivers, gate_drivers, rule_deltas
from .deltas import evidence_behind as evidence_behind
from .deltas import rule_baseline as rule_baseline
from .information import information_stages, no_recommendation_reason, value_of_information
from .narration import evidence_drivers, narrative, versus
from .records import (
    Answer,
    Attribution,
    CounterfactualSearch,
    CriterionDifference,
    Driver,
    EvidenceChange,
    EvidenceCitation,
    EvidenceCounterfactual,
    EvidenceDriver,
    Explanation,
    InformationFact,
    InformationItem,
    InformationOutcome,
    InformationReport,
    OptionAttribution,
    OptionDrivers,
    OptionExplanation,
    PairSearch,
    RuleDelta,
    RunSummary,
    TraceNode,
    VerdictChange,
    Versus,
    WeightSwitch,
)
from .records import CounterfactualReport as CounterfactualReport
from .switching import switching_values, weight_switching_values
from .trace import Tracer, evidence_trace

__all__ = [
    "Answer",
    "Attribution",
    "CounterfactualSearch",
    "CriterionDifference",
    "Driver",
    "EvidenceChange",
    "EvidenceCitation",
    "EvidenceCounterfactual",
    "EvidenceDriver",
    "Explanation",
    "InformationFact",
    "InformationItem",
    "InformationOutcome",
    "InformationReport",
    "OptionAttribution",
    "OptionDrivers",
    "OptionExplanation",
    "PairSearch",
    "RuleDelta",
    "RunSummary",
    "TraceNode",
    "Tracer",
    "VerdictChange",
    "Versus",
    "WeightSwitch",
    "attribute",
    "cite_evidence",
    "drivers",
    "evidence_counterfactuals",
    "evidence_drivers",
    "evidence_trace",
    "explain",
    "gate_drivers",
    "narrative",
    "no_recommendation_reason",
    "rule_deltas",
    "summarise",
    "switching_values",
    "value_of_information",
    "versus",
    "weight_switching_values",
]


def explain(
    appraisal: Appraisal,
    *,
    weights: Mapping[str, float] | None = None,
    max_exact: int = MAX_EXACT_PLAYERS,
    samples: int = 100,
    seed: int = 0,
    max_changes: int = 2,
    budget: int = 20_000,
) -> Explanation:
    """Explain every option of an appraisal: contributions, attribution, trace,
    switching values, evidence counterfactuals, a narrative, and what to find out next.

    ``weights`` are the raw weight overrides the appraisal was run with beyond
    the scenario's own (switching values are reported in raw units).
    """
    attribution = attribute(appraisal, max_exact=max_exact, samples=samples, seed=seed)
    switches = switching_values(appraisal, weights)
    what_if = WhatIf(appraisal)
    report, find_out_next = what_if.together(
        counterfactual_stages(what_if, max_size=max_changes, budget=budget),
        information_stages(what_if),
    )
    deltas = {result.id: rule_deltas(appraisal, result) for result in appraisal.options}
    tracer = Tracer(appraisal)
    options = []
    for result in appraisal.options:
        spread = attribution.options[result.id]
        options.append(
            OptionExplanation.model_construct(
                id=result.id,
                name=result.name,
                verdict=result.verdict,
                rank=result.rank,
                excluded=result.excluded,
                total=result.score,
                baseline=float(spread.baseline),
                rule_baseline=rule_baseline(appraisal, result),
                contributions=result.contributions,
                rule_deltas=deltas[result.id],
                attribution=spread.attribution,
                attribution_method=spread.method,
                attribution_error=float(spread.error),
                verdict_counterfactuals=tuple(
                    c
                    for c in report.singles
                    if any(v.option == result.id for v in c.verdict_changes)
                ),
                trace=tracer.trace(result, deltas[result.id]),
                narrative=narrative(appraisal, result, attribution, report, switches, deltas),
            )
        )
    counterfactuals = tuple(c for c in report.singles if c.changes_winner)
    counterfactuals += tuple(c for c in report.singles if not c.changes_winner)
    # Built from records already of their declared types, without validating them again.
    return Explanation.model_construct(
        scenario=appraisal.scenario,
        winner=winner(appraisal),
        recommended=appraisal.recommended,
        options=tuple(options),
        switching_values=switches,
        stable_to_weights=not switches,
        evidence_counterfactuals=counterfactuals + report.smallest,
        search=report.search,
        attribution_method=attribution.method,
        find_out_next=find_out_next,
    )


def summarise(appraisal: Appraisal, top: int = 3) -> RunSummary:
    """What ``appraisal run`` shows beside the ranking: each option's gate failures and the
    ``top`` evidence items weighing most on it, and, when no option is recommended, what to
    find out next.

    When the rule base contradicts itself on part of the evidence, the
    evidence drivers are undefined; the summary then says so, with the
    located error, rather than raising: the ranking itself stands.
    """
    model_of(appraisal)
    try:
        attribution = attribute(appraisal)
        undefined = None
    except (RuleEvaluationError, ScoringError) as error:
        attribution = None
        undefined = str(error)
    options = []
    for result in appraisal.options:
        found = (
            () if attribution is None else evidence_drivers(appraisal, result, attribution, top=top)
        )
        options.append(
            OptionDrivers.model_construct(
                option=result.id,
                gates=tuple(gate_drivers(appraisal, result)),
                evidence=tuple(found),
            )
        )
    # Built from records already validated (or constructed as such), without validating
    # them again: validating would build the appraisal's whole validator, rule base and all,
    # which ``appraisal run`` would otherwise pay for in every new process.
    return RunSummary.model_construct(
        appraisal=appraisal,
        top=top,
        options=tuple(options),
        drivers_undefined=undefined,
        find_out_next=value_of_information(appraisal) if appraisal.recommended is None else None,
    )

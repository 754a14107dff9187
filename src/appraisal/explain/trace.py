"""The evidence trace: from an option's verdict through criteria, rules and findings down to
the evidence items and the paragraphs they come from.

Separate because it only assembles a tree from the rule deltas and citations.
"""

from __future__ import annotations

from ..appraise import Appraisal, OptionResult
from ..engine import facts_read
from ..models import Criterion
from .deltas import cite_evidence, fired_derivers, rule_deltas, rule_source
from .records import RuleDelta, TraceNode


def evidence_trace(appraisal: Appraisal, option: str | OptionResult) -> TraceNode:
    """The tree from an option's verdict through criteria, rules and findings to evidence."""
    result = appraisal.option(option) if isinstance(option, str) else option
    rule_base = appraisal.rule_base_model
    verdict_rule = rule_base.verdicts[result.verdict_rule]
    derived_by = fired_derivers(appraisal)
    by_criterion: dict[str, list[RuleDelta]] = {}
    for delta in rule_deltas(appraisal, result):
        by_criterion.setdefault(delta.criterion, []).append(delta)

    def fact_node(fact_id: str, depth: int) -> TraceNode:
        if fact_id in rule_base.facts:
            cited = cite_evidence(appraisal, fact_id)
            return TraceNode(
                kind="evidence",
                id=fact_id,
                label=cited.statement or fact_id,
                value=cited.value,
                source=cited.source,
            )
        spec = rule_base.findings[fact_id]
        rules = derived_by.get(fact_id, []) if depth < 12 else []
        return TraceNode(
            kind="finding",
            id=fact_id,
            label=spec.description or fact_id,
            value=appraisal.findings.get(fact_id),
            children=tuple(rule_node(r, None, depth + 1) for r in rules),
        )

    def rule_node(rule_id: str, points: float | None, depth: int) -> TraceNode:
        rule = rule_base.rules[rule_id]
        return TraceNode(
            kind="rule",
            id=rule_id,
            label=rule.rationale or rule.description or rule_id,
            points=points,
            source=rule_source(appraisal, rule_id),
            children=tuple(fact_node(f, depth) for f in facts_read(rule.when)),
        )

    def criterion_node(criterion_id: str, criterion: Criterion) -> TraceNode:
        if criterion.children:
            children = tuple(criterion_node(c, spec) for c, spec in criterion.children.items())
        else:
            deltas = sorted(by_criterion.get(criterion_id, []), key=lambda d: -abs(d.points))
            children = tuple(rule_node(d.rule, d.points, 0) for d in deltas)
        value = result.values[criterion_id].value if criterion_id in result.values else None
        return TraceNode(
            kind="criterion",
            id=criterion_id,
            label=criterion.name or criterion_id,
            value=value,
            points=result.contributions[criterion_id],
            source=str(criterion.source) if criterion.source else None,
            children=children,
        )

    gates = tuple(
        TraceNode(
            kind="gate",
            id=failure.gate,
            label=rule_base.gates[failure.gate].name,
            source=str(rule_base.gates[failure.gate].source)
            if rule_base.gates[failure.gate].source
            else None,
            children=(rule_node(failure.rule, None, 0),),
        )
        for failure in result.gate_failures
    )
    criteria = tuple(criterion_node(c, spec) for c, spec in rule_base.criteria.items())
    return TraceNode(
        kind="option",
        id=result.id,
        label=f"{result.name}: {result.verdict.replace('_', ' ')}"
        + (f" ({verdict_rule.rationale})" if verdict_rule.rationale else ""),
        value=result.verdict,
        points=result.score,
        source=str(verdict_rule.source) if verdict_rule.source else None,
        children=gates + criteria,
    )

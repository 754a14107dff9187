"""The evidence trace: from an option's verdict through criteria, rules and findings down to
the evidence items and the paragraphs they come from.

Separate because it only assembles a tree from the rule deltas and citations. The findings,
evidence and rules below the criteria are the same whichever option cites them, so a
``Tracer`` builds each such subtree once and shares it (the nodes are frozen).
"""

from __future__ import annotations

from collections.abc import Sequence

from ..appraise import Appraisal, OptionResult
from ..models import Criterion
from ._shared import model_of
from .deltas import cite_evidence, fired_derivers, rule_deltas, rule_source
from .records import RuleDelta, TraceNode

__all__ = ["Tracer", "evidence_trace"]

_DEPTH = 12
"""Findings deeper than this are shown without the rules deriving them."""


def evidence_trace(
    appraisal: Appraisal, option: str | OptionResult, deltas: Sequence[RuleDelta] | None = None
) -> TraceNode:
    """The tree from an option's verdict through criteria, rules and findings to evidence.

    ``deltas`` are the option's rule deltas when already worked out."""
    return Tracer(appraisal).trace(option, deltas)


class Tracer:
    """Evidence traces of one appraisal's options, each shared subtree built once."""

    def __init__(self, appraisal: Appraisal) -> None:
        self.appraisal = appraisal
        self.rule_base = appraisal.rule_base_model
        self.reads = model_of(appraisal).reads
        self.derived_by = fired_derivers(appraisal)
        self._facts: dict[tuple[str, int], TraceNode] = {}
        self._rules: dict[tuple[str, int], TraceNode] = {}
        self._rule_parts: dict[tuple[str, int], tuple[str, str | None, tuple[TraceNode, ...]]] = {}
        """A rule's label, source and children at a depth, whatever points it moved."""

    def fact_node(self, fact_id: str, depth: int) -> TraceNode:
        """An evidence item, or a finding with the fired rules that derived it."""
        evidence = fact_id in self.rule_base.facts
        key = (fact_id, -1 if evidence else depth)  # an evidence item reads alike at any depth
        found = self._facts.get(key)
        if found is not None:
            return found
        if evidence:
            cited = cite_evidence(self.appraisal, fact_id)
            found = TraceNode(
                kind="evidence",
                id=fact_id,
                label=cited.statement or fact_id,
                value=cited.value,
                source=cited.source,
            )
        else:
            spec = self.rule_base.findings[fact_id]
            rules = self.derived_by.get(fact_id, []) if depth < _DEPTH else []
            found = TraceNode(
                kind="finding",
                id=fact_id,
                label=spec.description or fact_id,
                value=self.appraisal.findings.get(fact_id),
                children=tuple(self.rule_node(r, None, depth + 1) for r in rules),
            )
        self._facts[key] = found
        return found

    def rule_node(self, rule_id: str, points: float | None, depth: int) -> TraceNode:
        """A rule (with the points it moved, under a criterion) and what it reads."""
        key = (rule_id, depth)
        found = self._rules.get(key) if points is None else None
        if found is not None:
            return found
        parts = self._rule_parts.get(key)
        if parts is None:
            rule = self.rule_base.rules[rule_id]
            parts = (
                rule.rationale or rule.description or rule_id,
                rule_source(self.appraisal, rule_id),
                tuple(self.fact_node(f, depth) for f in self.reads[rule_id]),
            )
            self._rule_parts[key] = parts
        label, source, children = parts
        found = TraceNode(
            kind="rule", id=rule_id, label=label, points=points, source=source, children=children
        )
        if points is None:
            self._rules[key] = found
        return found

    def trace(
        self, option: str | OptionResult, deltas: Sequence[RuleDelta] | None = None
    ) -> TraceNode:
        """The tree from an option's verdict through criteria, rules and findings to evidence."""
        appraisal = self.appraisal
        result = appraisal.option(option) if isinstance(option, str) else option
        rule_base = self.rule_base
        verdict_rule = rule_base.verdicts[result.verdict_rule]
        by_criterion: dict[str, list[RuleDelta]] = {}
        for delta in rule_deltas(appraisal, result) if deltas is None else deltas:
            by_criterion.setdefault(delta.criterion, []).append(delta)

        def criterion_node(criterion_id: str, criterion: Criterion) -> TraceNode:
            if criterion.children:
                children = tuple(criterion_node(c, spec) for c, spec in criterion.children.items())
            else:
                deltas = sorted(by_criterion.get(criterion_id, []), key=lambda d: -abs(d.points))
                children = tuple(self.rule_node(d.rule, d.points, 0) for d in deltas)
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
                children=(self.rule_node(failure.rule, None, 0),),
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

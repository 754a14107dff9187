"""Why each option got its verdict: the rules and evidence that moved it.

Explanation reads the records an ``Appraisal`` keeps (firings with the facts
they read, each value's adjustments, gate failures) and never re-scores, so it
cannot disagree with the appraisal.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict

from .appraise import Appraisal, OptionResult
from .loader import leaf_criteria
from .models import Value
from .rules import facts_read

__all__ = [
    "Driver",
    "EvidenceCitation",
    "cite_evidence",
    "drivers",
]


class _Result(BaseModel):
    model_config = ConfigDict(frozen=True)


class EvidenceCitation(_Result):
    """An evidence item as read by a rule: its value, and where it comes from."""

    id: str
    value: Value | None
    statement: str | None
    source: str | None


class Driver(_Result):
    """One rule's effect on one option, in score points, with what it rests on."""

    rule: str
    kind: str
    """``gate`` for a gate failure, ``value`` for a move of a criterion value."""
    criteria: tuple[str, ...]
    points: float
    """Nominal change of the total score (global weight x change in utility)."""
    rationale: str | None
    source: str | None
    evidence: tuple[EvidenceCitation, ...]


def cite_evidence(appraisal: Appraisal, evidence_id: str) -> EvidenceCitation:
    """The evidence item behind a fact id, with its citation (or unknown)."""
    item = appraisal.scenario_model.evidence.get(evidence_id) if appraisal.scenario_model else None
    return EvidenceCitation(
        id=evidence_id,
        value=appraisal.evidence.get(evidence_id),
        statement=item.statement if item else None,
        source=str(item.source) if item else None,
    )


def evidence_behind(appraisal: Appraisal, rule_id: str) -> tuple[EvidenceCitation, ...]:
    """The evidence upstream of a rule: what it reads, and what its findings rest on."""
    rule_base = appraisal.rule_base_model
    seen: dict[str, None] = {}
    pending = list(facts_read(rule_base.rules[rule_id].when))
    derived_by = _derivers(appraisal)
    while pending:
        fact_id = pending.pop(0)
        if fact_id in seen:
            continue
        seen[fact_id] = None
        for rule in derived_by.get(fact_id, ()):
            pending.extend(facts_read(rule_base.rules[rule].when))
    return tuple(cite_evidence(appraisal, f) for f in seen if f in rule_base.facts)


def _derivers(appraisal: Appraisal) -> dict[str, list[str]]:
    """For each finding, the fired rules that derived it."""
    from .models import DeriveEffect

    found: dict[str, list[str]] = {}
    for firing in appraisal.firings:
        for effect in firing.effects:
            if isinstance(effect, DeriveEffect):
                found.setdefault(effect.derive, []).append(firing.rule)
    return found


def drivers(appraisal: Appraisal, option: str | OptionResult) -> list[Driver]:
    """The rules that moved an option, largest effect first; gate failures lead."""
    result = appraisal.option(option) if isinstance(option, str) else option
    rule_base = appraisal.rule_base_model
    leaves = {c: spec.direction for c, spec in leaf_criteria(rule_base).items()}
    points: dict[str, float] = {}
    criteria: dict[str, list[str]] = {}
    for criterion_id, value in result.values.items():
        sign = 1.0 if leaves[criterion_id] == "maximise" else -1.0
        weight = appraisal.weights[criterion_id]
        moves = [(a.rule, a.by) for a in value.adjustments]
        if value.set_by is not None and value.set_to is not None:
            moves.append((value.set_by, value.set_to - value.baseline))
        for rule_id, by in moves:
            points[rule_id] = points.get(rule_id, 0.0) + sign * weight * by
            criteria.setdefault(rule_id, []).append(criterion_id)
    found = [
        Driver(
            rule=failure.rule,
            kind="gate",
            criteria=(failure.gate,),
            points=0.0,
            rationale=rule_base.rules[failure.rule].rationale,
            source=_source(appraisal, failure.rule),
            evidence=evidence_behind(appraisal, failure.rule),
        )
        for failure in result.gate_failures
    ]
    for rule_id in sorted(points, key=lambda r: -abs(points[r])):
        found.append(
            Driver(
                rule=rule_id,
                kind="value",
                criteria=tuple(criteria[rule_id]),
                points=points[rule_id],
                rationale=rule_base.rules[rule_id].rationale,
                source=_source(appraisal, rule_id),
                evidence=evidence_behind(appraisal, rule_id),
            )
        )
    return found


def _source(appraisal: Appraisal, rule_id: str) -> str | None:
    source = appraisal.rule_base_model.rules[rule_id].source
    return str(source) if source else None

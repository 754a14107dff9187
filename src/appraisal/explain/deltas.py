"""Which rules moved an option, by exactly how many points, and the evidence behind each rule.

The exact per-rule deltas and their citations are what the trace, the narrative and ``run``'s
drivers are built from, so they sit in one small module of their own.
"""

from __future__ import annotations

from ..appraise import Appraisal, OptionResult
from ..models import DeriveEffect
from ._shared import model_of
from .records import Driver, EvidenceCitation, RuleDelta


def rule_source(appraisal: Appraisal, rule_id: str) -> str | None:
    """The citation a rule gives for itself, as written (None when it gives none)."""
    source = appraisal.rule_base_model.rules[rule_id].source
    return str(source) if source else None


def cite_evidence(appraisal: Appraisal, evidence_id: str) -> EvidenceCitation:
    """The evidence item behind a fact id, with its citation (or unknown)."""
    item = appraisal.scenario_model.evidence.get(evidence_id) if appraisal.scenario_model else None
    return EvidenceCitation(
        id=evidence_id,
        value=appraisal.evidence.get(evidence_id),
        statement=item.statement if item else None,
        source=str(item.source) if item else None,
    )


def fired_derivers(appraisal: Appraisal) -> dict[str, list[str]]:
    """For each finding, the fired rules that derived it."""
    found: dict[str, list[str]] = {}
    for firing in appraisal.firings:
        for effect in firing.effects:
            if isinstance(effect, DeriveEffect):
                found.setdefault(effect.derive, []).append(firing.rule)
    return found


def evidence_behind(appraisal: Appraisal, rule_id: str) -> tuple[EvidenceCitation, ...]:
    """The evidence upstream of a rule: what it reads, and what its findings rest on."""
    rule_base = appraisal.rule_base_model
    reads = model_of(appraisal).reads
    seen: dict[str, None] = {}
    pending = list(reads[rule_id])
    derived_by = fired_derivers(appraisal)
    while pending:
        fact_id = pending.pop(0)
        if fact_id in seen:
            continue
        seen[fact_id] = None
        for rule in derived_by.get(fact_id, ()):
            pending.extend(reads[rule])
    return tuple(cite_evidence(appraisal, f) for f in seen if f in rule_base.facts)


# --------------------------------------------------------------------------- rule deltas


def rule_deltas(appraisal: Appraisal, option: str | OptionResult) -> tuple[RuleDelta, ...]:
    """Every fired rule's exact share of the option's value changes, cell by cell.

    Without clamping a rule is credited exactly what it asked for. When the sum
    of the moves overshoots 0 or 100, the overshoot is taken back from the rules
    that pushed in the direction of the net move, in proportion to their moves;
    rules pushing the other way keep their full move. So in every cell the
    credited changes add up to the actual change, and the baseline points plus
    every delta add up to the option's total.
    """
    result = appraisal.option(option) if isinstance(option, str) else option
    leaves = model_of(appraisal).leaves
    deltas: list[RuleDelta] = []
    for criterion_id, value in result.values.items():
        sign = 1.0 if leaves[criterion_id].direction == "maximise" else -1.0
        weight = appraisal.weights[criterion_id]
        moves: list[tuple[str, float]] = []
        if value.set_by is not None and value.set_to is not None:
            moves.append((value.set_by, value.set_to - value.baseline))
        moves += [(a.rule, a.by) for a in value.adjustments]
        nominal = sum(by for _, by in moves)
        overshoot = nominal - (value.value - value.baseline)
        pushing = sum(by for _, by in moves if by * nominal > 0)
        for rule_id, by in moves:
            change = by
            if overshoot != 0.0 and by * nominal > 0:
                change = by - overshoot * by / pushing
            deltas.append(
                RuleDelta(
                    rule=rule_id,
                    criterion=criterion_id,
                    change=change,
                    nominal=by,
                    points=sign * weight * change,
                )
            )
    return tuple(deltas)


def rule_baseline(appraisal: Appraisal, option: str | OptionResult) -> float:
    """The option's points from declared baselines alone, before any rule moves them."""
    result = appraisal.option(option) if isinstance(option, str) else option
    leaves = model_of(appraisal).leaves
    total = 0.0
    for criterion_id, value in result.values.items():
        utility = (
            value.baseline
            if leaves[criterion_id].direction == "maximise"
            else (100.0 - value.baseline)
        )
        total += appraisal.weights[criterion_id] * utility
    return total


def gate_drivers(appraisal: Appraisal, option: str | OptionResult) -> list[Driver]:
    """The rules that failed an option's gates, in the order they failed them: the drivers
    that lead ``drivers``."""
    result = appraisal.option(option) if isinstance(option, str) else option
    rules = appraisal.rule_base_model.rules
    return [
        Driver.model_construct(
            rule=failure.rule,
            kind="gate",
            criteria=(failure.gate,),
            points=0.0,
            rationale=rules[failure.rule].rationale,
            source=rule_source(appraisal, failure.rule),
            evidence=evidence_behind(appraisal, failure.rule),
        )
        for failure in result.gate_failures
    ]


def drivers(appraisal: Appraisal, option: str | OptionResult) -> list[Driver]:
    """The rules that moved an option, largest exact effect first; gate failures lead."""
    result = appraisal.option(option) if isinstance(option, str) else option
    rule_base = appraisal.rule_base_model
    points: dict[str, float] = {}
    criteria: dict[str, list[str]] = {}
    for delta in rule_deltas(appraisal, result):
        points[delta.rule] = points.get(delta.rule, 0.0) + delta.points
        criteria.setdefault(delta.rule, []).append(delta.criterion)
    found = gate_drivers(appraisal, result)
    for rule_id in sorted(points, key=lambda r: -abs(points[r])):
        found.append(
            Driver.model_construct(
                rule=rule_id,
                kind="value",
                criteria=tuple(criteria[rule_id]),
                points=points[rule_id],
                rationale=rule_base.rules[rule_id].rationale,
                source=rule_source(appraisal, rule_id),
                evidence=evidence_behind(appraisal, rule_id),
            )
        )
    return found

"""Pairwise comparison, evidence drivers and the narrative paragraph of each option.

These read the other parts (deltas, attribution, the counterfactual report, switching values)
and put them into words, so they sit at the top of the dependency order. (Not ``narrative.py``,
whose name would collide with the ``narrative`` function in the package namespace.)
"""

from __future__ import annotations

from collections.abc import Sequence

import networkx as nx

from ..appraise import Appraisal, OptionResult
from ..graph import node
from ._shared import compiled_for, winner
from .attribution import attribute
from .deltas import _source, cite_evidence, evidence_behind, rule_deltas
from .records import (
    Attribution,
    CounterfactualReport,
    CriterionDifference,
    EvidenceChange,
    EvidenceDriver,
    Versus,
    WeightSwitch,
)
from .switching import _criterion_tree

# --------------------------------------------------------------------------- pairwise


def versus(appraisal: Appraisal, a: str, b: str, attribution: Attribution | None = None) -> Versus:
    """Why A over B: every criterion's weighted difference, with its rules and evidence."""
    option_a, option_b = appraisal.option(a), appraisal.option(b)
    attribution = attribution or attribute(appraisal)
    deltas_a, deltas_b = rule_deltas(appraisal, option_a), rule_deltas(appraisal, option_b)
    rule_base = appraisal.rule_base_model
    leaves = compiled_for(appraisal).leaves
    tree = _criterion_tree(rule_base)

    def subtree(criterion_id: str) -> list[str]:
        if criterion_id in leaves:
            return [criterion_id]
        return [
            leaf
            for child in tree[criterion_id][1][criterion_id].children
            for leaf in subtree(child)
        ]

    def difference(criterion_id: str) -> CriterionDifference:
        under = set(subtree(criterion_id))
        evidence: dict[str, float] = {}
        for sign, option_id in ((1.0, a), (-1.0, b)):
            by_criterion = attribution.options[option_id].by_criterion
            for leaf in under:
                for item, points in by_criterion.get(leaf, {}).items():
                    evidence[item] = evidence.get(item, 0.0) + sign * points
        points_a = option_a.contributions[criterion_id]
        points_b = option_b.contributions[criterion_id]
        name = tree[criterion_id][1][criterion_id].name or criterion_id
        return CriterionDifference(
            criterion=criterion_id,
            name=name,
            points_a=points_a,
            points_b=points_b,
            difference=points_a - points_b,
            rules_a=tuple(d for d in deltas_a if d.criterion in under),
            rules_b=tuple(d for d in deltas_b if d.criterion in under),
            evidence=dict(
                sorted(
                    ((k, v) for k, v in evidence.items() if abs(v) > 1e-12),
                    key=lambda kv: -abs(kv[1]),
                )
            ),
        )

    found = [difference(c) for c in tree]
    by_size = sorted(found, key=lambda d: -abs(d.difference))
    return Versus(
        a=a,
        b=b,
        total_a=option_a.score,
        total_b=option_b.score,
        difference=option_a.score - option_b.score,
        criteria=tuple(d for d in by_size if d.criterion in leaves),
        groups=tuple(d for d in by_size if d.criterion not in leaves),
    )


# --------------------------------------------------------------------------- evidence drivers


def evidence_drivers(
    appraisal: Appraisal, option: str | OptionResult, attribution: Attribution | None = None
) -> list[EvidenceDriver]:
    """The evidence items that weigh most on an option, largest first, with their rules."""
    result = appraisal.option(option) if isinstance(option, str) else option
    attribution = attribution or attribute(appraisal)
    points = attribution.options[result.id].attribution
    rule_base = appraisal.rule_base_model
    graph = compiled_for(appraisal).graph
    moved = {d.rule for d in rule_deltas(appraisal, result)}
    moved |= {f.rule for f in result.gate_failures}
    found = []
    for item in sorted(points, key=lambda i: -abs(points[i])):
        if points[item] == 0.0:
            continue
        reached = {
            graph.nodes[n]["id"]
            for n in nx.descendants(graph, node("fact", item))
            if graph.nodes[n]["kind"] == "rule"
        }
        rules = tuple(r for r in rule_base.rules if r in reached and r in moved)
        found.append(
            EvidenceDriver(
                evidence=cite_evidence(appraisal, item),
                points=points[item],
                rules=rules,
                rule_sources=tuple(dict.fromkeys(s for r in rules if (s := _source(appraisal, r)))),
            )
        )
    return found


# --------------------------------------------------------------------------- narrative


def _value_text(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


def _change_text(change: EvidenceChange) -> str:
    return f"{change.evidence} {_value_text(change.from_)} -> {_value_text(change.to)}"


def narrative(
    appraisal: Appraisal,
    option: str | OptionResult,
    attribution: Attribution,
    counterfactuals: CounterfactualReport,
    switches: Sequence[WeightSwitch],
) -> str:
    """A short plain-English account of one option's verdict, generated from the data."""
    result = appraisal.option(option) if isinstance(option, str) else option
    rule_base = appraisal.rule_base_model
    verdict_rule = rule_base.verdicts[result.verdict_rule]
    ranked = len(appraisal.ranking)
    label = result.verdict.replace("_", " ")
    why = f": {verdict_rule.rationale.rstrip('.')}" if verdict_rule.rationale else ""
    cite = f" ({verdict_rule.source})" if verdict_rule.source else ""
    parts = [f"{result.name} is {label}{why}{cite}."]
    spread = attribution.options[result.id]
    standing = (
        "excluded from the ranking" if result.excluded else f"ranked {result.rank} of {ranked}"
    )
    parts.append(
        f"It scores {result.score:.1f} ({standing}), against {spread.baseline:.1f} with every"
        " evidence item unknown."
    )
    for failure in result.gate_failures:
        rule = rule_base.rules[failure.rule]
        cited = "; ".join(
            f"{e.id} = {_value_text(e.value)} ({e.source})"
            for e in evidence_behind(appraisal, failure.rule)
        )
        parts.append(
            f"It fails the gate '{rule_base.gates[failure.gate].name}':"
            f" {(rule.rationale or failure.rule).rstrip('.')} ({_source(appraisal, failure.rule)};"
            f" evidence: {cited})."
        )
    top = [d for d in evidence_drivers(appraisal, result, attribution) if abs(d.points) >= 0.05][:5]
    for sign, heading in (
        (1, "Evidence weighing most for it"),
        (-1, "Evidence weighing most against it"),
    ):
        chosen = [d for d in top if (d.points > 0) == (sign > 0)]
        if chosen:
            items = "; ".join(
                f"{d.evidence.id} = {_value_text(d.evidence.value)} ({d.evidence.source},"
                f" {d.points:+.1f})"
                for d in chosen
            )
            parts.append(f"{heading}: {items}.")
    parts.append(_against_winner(appraisal, result, attribution))
    parts.append(_what_would_change(appraisal, result, counterfactuals, switches))
    return " ".join(p for p in parts if p)


def _against_winner(appraisal: Appraisal, result: OptionResult, attribution: Attribution) -> str:
    """Where the option gains or loses most against the first-ranked (or runner-up) option,
    with the rules behind those criteria and the paragraphs they cite."""
    first = winner(appraisal)
    other = (
        first
        if first != result.id
        else next((o for o in appraisal.ranking if o != result.id), None)
    )
    if other is None:
        return ""
    pair = versus(appraisal, result.id, other, attribution)
    rule_base = appraisal.rule_base_model
    key = [d for d in pair.criteria if abs(d.difference) >= 0.05][:2]
    if not key:
        return ""
    texts = []
    for diff in key:
        rules = sorted(diff.rules_a, key=lambda d: -abs(d.points))
        behind = "; ".join(
            f"{(rule_base.rules[d.rule].rationale or d.rule).rstrip('.')}"
            f" ({_source(appraisal, d.rule)}, {d.points:+.1f})"
            for d in [d for d in rules if abs(d.points) >= 0.05][:3]
        )
        where = f", where {behind}" if behind else ""
        texts.append(f"{diff.name} ({diff.difference:+.1f}){where}")
    verb = "leads" if pair.difference >= 0 else "trails"
    return (
        f"It {verb} {other} by {abs(pair.difference):.1f} points, most on "
        + "; and on ".join(texts)
        + "."
    )


def _what_would_change(
    appraisal: Appraisal,
    result: OptionResult,
    counterfactuals: CounterfactualReport,
    switches: Sequence[WeightSwitch],
) -> str:
    flips = [
        c for c in counterfactuals.singles if any(v.option == result.id for v in c.verdict_changes)
    ]
    if flips:
        texts = []
        for flip in flips[:3]:
            to = next(v.to for v in flip.verdict_changes if v.option == result.id)
            texts.append(
                f"{'; '.join(_change_text(c) for c in flip.changes)}"
                f" (it would become {to.replace('_', ' ')})"
            )
        sentence = "Its verdict would change with " + ", or ".join(texts) + "."
    else:
        sentence = "No single change of evidence changes its verdict."
    first = winner(appraisal)
    if result.id == first:
        if counterfactuals.smallest:
            best = counterfactuals.smallest[0]
            sentence += (
                f" First place would pass to {best.new_winner} only with"
                f" {len(best.changes)} changes together:"
                f" {'; '.join(_change_text(c) for c in best.changes)}."
            )
        if switches:
            nearest = min(switches, key=lambda s: abs(s.share - s.current_share))
            sentence += (
                f" The nearest weight switching value: {nearest.criterion} at"
                f" {nearest.weight:.3g} (now {nearest.current_weight:.3g}) hands first"
                f" place to {nearest.new_winner}."
            )
        else:
            sentence += " The recommendation is stable to any single weight change."
    else:
        mine = [s for s in switches if s.new_winner == result.id]
        if mine:
            nearest = min(mine, key=lambda s: abs(s.share - s.current_share))
            sentence += (
                f" It would take first place if the weight of {nearest.criterion} went"
                f" from {nearest.current_weight:.3g} to {nearest.weight:.3g}."
            )
    return sentence

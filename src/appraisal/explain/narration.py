"""Pairwise comparison, evidence drivers and the narrative paragraph of each option.

These read the other parts (deltas, attribution, the counterfactual report, switching values)
and put them into words, so they sit at the top of the dependency order. (Not ``narrative.py``,
whose name would collide with the ``narrative`` function in the package namespace.)
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator, Mapping, Sequence

from ..appraise import Appraisal, OptionResult
from ._shared import model_of, winner
from .attribution import attribute
from .deltas import cite_evidence, evidence_behind, rule_baseline, rule_deltas, rule_source
from .records import (
    Attribution,
    CounterfactualReport,
    CriterionDifference,
    EvidenceChange,
    EvidenceDriver,
    RuleDelta,
    Versus,
    WeightSwitch,
)

# --------------------------------------------------------------------------- pairwise


def versus(appraisal: Appraisal, a: str, b: str, attribution: Attribution | None = None) -> Versus:
    """Why A over B: every criterion's weighted difference, with its rules and evidence."""
    option_a, option_b = appraisal.option(a), appraisal.option(b)
    attribution = attribution or attribute(appraisal)
    deltas_a, deltas_b = rule_deltas(appraisal, option_a), rule_deltas(appraisal, option_b)
    model = model_of(appraisal)
    leaves = model.leaves
    tree = model.tree

    def subtree(criterion_id: str) -> list[str]:
        if criterion_id in leaves:
            return [criterion_id]
        return [
            leaf
            for child in tree.nodes[tree.index(criterion_id)].children
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
        name = _criterion_name(appraisal, criterion_id)
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

    found = [difference(tree.ids[i]) for i in tree.declared]
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
    appraisal: Appraisal,
    option: str | OptionResult,
    attribution: Attribution | None = None,
    deltas: Sequence[RuleDelta] | None = None,
    top: int | None = None,
) -> list[EvidenceDriver]:
    """The evidence items that weigh most on an option, largest first, with their rules
    (the first ``top`` only, if given).

    ``deltas`` are the option's rule deltas when already worked out."""
    result = appraisal.option(option) if isinstance(option, str) else option
    found = _drivers(appraisal, result, attribution or attribute(appraisal), deltas)
    return list(itertools.islice(found, top))


def _drivers(
    appraisal: Appraisal,
    result: OptionResult,
    attribution: Attribution,
    deltas: Sequence[RuleDelta] | None,
) -> Iterator[EvidenceDriver]:
    """``evidence_drivers`` one at a time, so a caller wanting the first few builds no more."""
    points = attribution.options[result.id].attribution
    model = model_of(appraisal)
    moved = {d.rule for d in (rule_deltas(appraisal, result) if deltas is None else deltas)}
    moved |= {f.rule for f in result.gate_failures}
    in_order = [r for r in appraisal.rule_base_model.rules if r in moved]
    for item in sorted(points, key=lambda i: -abs(points[i])):
        if points[item] == 0.0:
            continue
        reached = model.downstream_rules(item)
        rules = tuple(r for r in in_order if r in reached)
        yield EvidenceDriver.model_construct(
            evidence=cite_evidence(appraisal, item),
            points=float(points[item]),
            rules=rules,
            rule_sources=tuple(dict.fromkeys(s for r in rules if (s := rule_source(appraisal, r)))),
        )


# --------------------------------------------------------------------------- narrative

TOP_RULES = 8
"""How many rules the narrative names as moving an option most."""
TOP_RULES_PER_CRITERION = 2
"""How many more rules it names behind each criterion where an option most leads or trails."""
TOP_BASELINE_GAPS = 3
"""How many criteria the narrative names when options differ before any evidence."""


def inline(text: str) -> str:
    """A judgement's text for use inside a sentence: no final full stop, and a
    lower-case first letter when the first word is an ordinary capitalised word
    (not an acronym such as DfE, nor a quotation)."""
    text = text.strip().rstrip(".")
    first = text.split(maxsplit=1)[0] if text else ""
    if first[:1].isupper() and first[1:] == first[1:].lower():
        return text[0].lower() + text[1:]
    return text


def _value_text(value: object) -> str:
    if value is None:
        return "unknown"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


def _change_text(change: EvidenceChange) -> str:
    return f"{change.evidence} {_value_text(change.from_)} -> {_value_text(change.to)}"


def cited(text: str, source: object, points: float | None = None) -> str:
    """``text (source, +1.0)``, leaving out whatever is missing."""
    inside = [str(source)] if source else []
    if points is not None:
        inside.append(f"{points:+.1f}")
    return f"{inline(text)} ({', '.join(inside)})" if inside else inline(text)


def narrative(
    appraisal: Appraisal,
    option: str | OptionResult,
    attribution: Attribution,
    counterfactuals: CounterfactualReport,
    switches: Sequence[WeightSwitch],
    deltas: Mapping[str, Sequence[RuleDelta]] | None = None,
) -> str:
    """A short plain-English account of one option's verdict, generated from the data.

    In order: the verdict and its rule; the score against the all-unknown
    baseline; any gate failure; for a recommended option, where the others
    stand; how far the options' declared values put it ahead of or behind the
    option it is compared with before any evidence; the rules that moved it
    most; the evidence weighing most on it; where it most leads or trails; and
    what would change its verdict. ``deltas`` are the options' rule deltas (by id) when
    already worked out.
    """
    result = appraisal.option(option) if isinstance(option, str) else option
    own = rule_deltas(appraisal, result) if deltas is None else deltas[result.id]
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
        gate = rule_base.gates[failure.gate]
        evidence = "; ".join(
            f"{e.id} = {_value_text(e.value)}" + (f" ({e.source})" if e.source else "")
            for e in evidence_behind(appraisal, failure.rule)
        )
        because = ""
        if gate.rationale:
            because = f" The gate exists because {cited(gate.rationale, gate.source)}."
        parts.append(
            f"It fails the gate '{gate.name}':"
            f" {cited(rule.rationale or failure.rule, rule_source(appraisal, failure.rule))}"
            f" (evidence: {evidence}).{because}"
        )
    other = _compared_with(appraisal, result)
    if appraisal.recommended == result.id:
        parts.append(_the_others(appraisal, result))
    if other is not None:
        parts.append(_before_evidence(appraisal, result, other))
    named: set[str] = set()
    parts.append(_rules_moving(appraisal, result, named, own))
    weighing = _drivers(appraisal, result, attribution, own)
    top = list(itertools.islice(itertools.takewhile(lambda d: abs(d.points) >= 0.05, weighing), 5))
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
    if other is not None:
        parts.append(_against_winner(appraisal, result, other, own, named))
    parts.append(_what_would_change(appraisal, result, counterfactuals, switches))
    return " ".join(p for p in parts if p)


def _compared_with(appraisal: Appraisal, result: OptionResult) -> str | None:
    """The first-ranked option, or for the first-ranked option the runner-up."""
    first = winner(appraisal)
    if first is not None and first != result.id:
        return first
    return next((o for o in appraisal.ranking if o != result.id), None)


def _option_name(appraisal: Appraisal, option_id: str | None) -> str:
    """Readers see options by name, as the report's tables show them."""
    return str(option_id) if option_id is None else appraisal.option(option_id).name


def _criterion_name(appraisal: Appraisal, criterion_id: str) -> str:
    tree = model_of(appraisal).tree
    return tree.nodes[tree.index(criterion_id)].name or criterion_id


def _the_others(appraisal: Appraisal, result: OptionResult) -> str:
    """Where every other option stands, so a recommendation reads as the panel's
    elimination: the rest fail a gate or fall short, and by how much."""
    rule_base = appraisal.rule_base_model
    texts = []
    for other in sorted(appraisal.options, key=lambda o: (o.excluded, o.rank or 0)):
        if other.id == result.id:
            continue
        if other.gate_failures:
            gates = " and ".join(f"'{rule_base.gates[f.gate].name}'" for f in other.gate_failures)
            texts.append(f"{other.name} fails the gate {gates}")
            continue
        behind = result.score - other.score
        texts.append(
            f"{other.name} is {other.verdict.replace('_', ' ')} ({behind:.1f} points behind)"
        )
    if not texts:
        return ""
    return "Of the others, " + "; ".join(texts) + "."


def _before_evidence(appraisal: Appraisal, result: OptionResult, other_id: str) -> str:
    """How far the options' declared values (their baselines, each with its own
    rationale and source) put this option ahead of or behind another before any
    evidence is read, and the judgements behind the largest differences."""
    rule_base = appraisal.rule_base_model
    leaves = model_of(appraisal).leaves
    other = appraisal.option(other_id)
    gap = rule_baseline(appraisal, result) - rule_baseline(appraisal, other)
    if abs(gap) < 0.05:
        return ""
    found = []
    for criterion_id, leaf in leaves.items():
        mine = rule_base.options[result.id].values[criterion_id]
        theirs = rule_base.options[other_id].values[criterion_id]
        sign = 1.0 if leaf.direction == "maximise" else -1.0
        points = appraisal.weights[criterion_id] * sign * (mine.value - theirs.value)
        if abs(points) < 0.05:
            continue
        # Cite the judgement that explains the difference: this option's own when its
        # utility sits on the side of the middle of the scale that the difference
        # points to, otherwise the other option's.
        utility = mine.value if sign > 0 else 100.0 - mine.value
        own = (utility - 50.0) * points > 0
        judgement = mine if own else theirs
        whose = "" if own else f"for {other_id}, "
        text = judgement.rationale or f"valued {judgement.value:g}"
        found.append(
            (
                points,
                f"{leaf.name or criterion_id} ({points:+.1f}), {whose}"
                f"{cited(text, judgement.source)}",
            )
        )
    if not found:
        return ""
    found.sort(key=lambda f: -abs(f[0]))
    where = "ahead of" if gap > 0 else "behind"
    return (
        f"Before any evidence it starts {abs(gap):.1f} points {where} {other_id} on the"
        " options' declared values: " + "; ".join(t for _, t in found[:TOP_BASELINE_GAPS]) + "."
    )


def _rules_moving(
    appraisal: Appraisal, result: OptionResult, named: set[str], deltas: Sequence[RuleDelta]
) -> str:
    """The rules that moved the option most, by points, against it and for it, with
    their rationales and sources; adds the rules named to ``named``."""
    rule_base = appraisal.rule_base_model
    points: dict[str, float] = {}
    for delta in deltas:
        points[delta.rule] = points.get(delta.rule, 0.0) + delta.points
    ranked = [r for r in sorted(points, key=lambda r: -abs(points[r])) if abs(points[r]) >= 0.05]
    chosen = ranked[:TOP_RULES]
    if not chosen:
        return ""
    named.update(chosen)
    groups = []
    for side in ("against", "for"):
        items = [r for r in chosen if (points[r] > 0) == (side == "for")]
        if items:
            text = "; ".join(
                cited(rule_base.rules[r].rationale or r, rule_source(appraisal, r), points[r])
                for r in items
            )
            groups.append((sum(abs(points[r]) for r in items), side, text))
    groups.sort(key=lambda g: -g[0])  # the side that weighs more comes first
    sentences = [
        f"Reasons {side} it{', by the points they moved' if i == 0 else ''}: {text}."
        for i, (_, side, text) in enumerate(groups)
    ]
    more = len(ranked) - len(chosen)
    tail = (
        f" {more} other rules moved it less."
        if more > 1
        else (" One other rule moved it less." if more else "")
    )
    return " ".join(sentences) + tail


def _against_winner(
    appraisal: Appraisal,
    result: OptionResult,
    other: str,
    deltas: Sequence[RuleDelta],
    named: set[str] | None = None,
) -> str:
    """Where the option gains or loses most against the first-ranked (or runner-up) option,
    with the rules behind those criteria not already named and the paragraphs they cite.

    The leaf criteria in the order ``versus`` gives them (largest difference first), without
    the evidence ``versus`` also shares out, which this sentence does not read."""
    named = set() if named is None else named
    rule_base = appraisal.rule_base_model
    theirs = appraisal.option(other)
    differences = [
        (leaf, result.contributions[leaf] - theirs.contributions[leaf])
        for leaf in model_of(appraisal).leaf_ids
    ]
    differences.sort(key=lambda d: -abs(d[1]))
    key = [d for d in differences if abs(d[1]) >= 0.05][:2]
    if not key:
        return ""
    texts = []
    for leaf, difference in key:
        rules = sorted((d for d in deltas if d.criterion == leaf), key=lambda d: -abs(d.points))
        fresh = [d for d in rules if abs(d.points) >= 0.05 and d.rule not in named][
            :TOP_RULES_PER_CRITERION
        ]
        named.update(d.rule for d in fresh)
        behind = "; ".join(
            cited(
                rule_base.rules[d.rule].rationale or d.rule,
                rule_source(appraisal, d.rule),
                d.points,
            )
            for d in fresh
        )
        where = f", where also {behind}" if behind else ""
        texts.append(f"{_criterion_name(appraisal, leaf)} ({difference:+.1f}){where}")
    lead = result.score - theirs.score
    verb = "leads" if lead >= 0 else "trails"
    return (
        f"It {verb} {_option_name(appraisal, other)} by {abs(lead):.1f} points,"
        " most on " + "; and on ".join(texts) + "."
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
                f" First place would pass to {_option_name(appraisal, best.new_winner)} only with"
                f" {len(best.changes)} changes together:"
                f" {'; '.join(_change_text(c) for c in best.changes)}."
            )
        if switches:
            nearest = min(switches, key=lambda s: abs(s.share - s.current_share))
            criterion = _criterion_name(appraisal, nearest.criterion)
            sentence += (
                f" The nearest weight switching value: {criterion} at"
                f" {nearest.weight:.3g} (now {nearest.current_weight:.3g}) hands first"
                f" place to {_option_name(appraisal, nearest.new_winner)}."
            )
        else:
            sentence += " The recommendation is stable to any single weight change."
    else:
        mine = [s for s in switches if s.new_winner == result.id]
        if mine:
            nearest = min(mine, key=lambda s: abs(s.share - s.current_share))
            sentence += (
                f" It would take first place if the weight of"
                f" {_criterion_name(appraisal, nearest.criterion)} went"
                f" from {nearest.current_weight:.3g} to {nearest.weight:.3g}."
            )
    return sentence

"""Weight switching values in closed form: the weight of a criterion at which the first-ranked
option loses first place, and to whom.

Pure and free of the rest of the explanation, so ``sensitivity`` reuses it directly.
"""

from __future__ import annotations

from collections.abc import Mapping

from .._guards import checked_weights
from ..appraise import Appraisal, OptionResult
from ..errors import UnknownReferenceError
from ..loader import criteria_paths
from ..models import Criterion, RuleBase
from ..scoring import criterion_weights
from ._shared import compiled_for, winner
from .records import WeightSwitch


def _criterion_tree(rule_base: RuleBase) -> dict[str, tuple[str | None, dict[str, Criterion]]]:
    """Each criterion's parent and its sibling group (itself included)."""
    found: dict[str, tuple[str | None, dict[str, Criterion]]] = {}

    def walk(group: dict[str, Criterion], parent: str | None) -> None:
        for criterion_id, criterion in group.items():
            found[criterion_id] = (parent, group)
            walk(criterion.children, criterion_id)

    walk(rule_base.criteria, None)
    return found


def _raw_weights(appraisal: Appraisal, weights: Mapping[str, float] | None) -> dict[str, float]:
    """Every criterion's raw weight: the rule base's, the scenario's, then ``weights`` (checked)."""
    rule_base = compiled_for(appraisal).rule_base
    overrides = dict(appraisal.scenario_model.weights) if appraisal.scenario_model else {}
    overrides.update(checked_weights(rule_base, weights, criteria_paths(rule_base)))
    criterion_weights(rule_base, overrides)  # the errors appraising with them would give
    raw: dict[str, float] = {}
    for criterion_id, (_, group) in _criterion_tree(appraisal.rule_base_model).items():
        raw[criterion_id] = overrides.get(criterion_id, group[criterion_id].weight)
    return raw


def _subtree_utility(
    appraisal: Appraisal,
    result: OptionResult,
    criterion_id: str,
    criterion: Criterion,
    raw: Mapping[str, float],
) -> float:
    """The option's weighted utility within one criterion's subtree (0..100)."""
    weight = appraisal.weights[criterion_id]
    if weight > 0:
        return result.contributions[criterion_id] / weight
    if not criterion.children:
        return result.values[criterion_id].utility
    total = sum(raw[c] for c in criterion.children)
    return (
        sum(
            raw[c] / total * _subtree_utility(appraisal, result, c, spec, raw)
            for c, spec in criterion.children.items()
        )
        if total > 0
        else 0.0
    )


_TIE = 1e-9
"""Crossings (and closing rates) this close are the same crossing."""
_EDGE = 1e-9
"""Shares this close to 0 or 1 count as the end itself, where a rival can only tie."""


def weight_switching_values(
    appraisal: Appraisal, criterion: str, weights: Mapping[str, float] | None = None
) -> tuple[WeightSwitch, ...]:
    """The exact weights of one criterion at which the first-ranked option loses first place.

    Closed form, no search: a criterion's share ``x`` among its siblings (the
    siblings keeping their proportions) makes every option's total linear in
    ``x``, ``T(x) = T(x0) + W * (x - x0) * (U - R)`` with ``W`` the parent's
    global weight, ``U`` the option's utility within the criterion's subtree and
    ``R`` its share-weighted utility over the siblings. Each rival's line
    crosses the winner's at one ``x``; the nearest crossing above and below the
    current share is reported, within 0 < x < 1 (at either end a rival could
    only tie; crossings within 1e-9 of an end are rounding), in shares and in
    raw weight (the siblings' raw weights held). ``weights`` are the raw
    overrides the appraisal used beyond the scenario's own. Pure, so ``sensitivity`` reuses it.
    """
    rule_base = appraisal.rule_base_model
    tree = _criterion_tree(rule_base)
    if criterion not in tree:
        raise UnknownReferenceError("criterion", criterion, tree)
    first = winner(appraisal)
    parent, group = tree[criterion]
    if first is None or len(group) < 2:
        return ()
    raw = _raw_weights(appraisal, weights)
    parent_weight = 1.0 if parent is None else appraisal.weights[parent]
    if parent_weight <= 0:
        return ()
    shares = {c: appraisal.weights[c] / parent_weight for c in group}
    x0 = shares[criterion]
    others_raw = sum(raw[c] for c in group if c != criterion)
    scale = sum(raw[c] for c in group)
    current_raw = x0 * scale
    others_raw = (1.0 - x0) * scale if scale > 0 else others_raw

    def slope(result: OptionResult) -> float:
        own = _subtree_utility(appraisal, result, criterion, group[criterion], raw)
        rest = 1.0 - x0
        if rest <= 0:
            return 0.0
        others = sum(
            shares[c] / rest * _subtree_utility(appraisal, result, c, group[c], raw)
            for c in group
            if c != criterion
        )
        return parent_weight * (own - others)

    lead = appraisal.option(first)
    lead_slope = slope(lead)
    crossings: dict[str, list[tuple[float, float, str]]] = {"increase": [], "decrease": []}
    for rival in appraisal.options:
        if rival.excluded or rival.id == first:
            continue
        gap = lead.score - rival.score
        closing = lead_slope - slope(rival)
        if closing == 0.0:
            continue
        x = x0 - gap / closing
        if x0 < x < 1.0 - _EDGE:
            crossings["increase"].append((x, closing, rival.id))
        elif _EDGE < x < x0:
            crossings["decrease"].append((x, closing, rival.id))
    found = []
    for direction, options in crossings.items():
        if not options:
            continue
        # The nearest crossing; of rivals crossing there together (within rounding),
        # the one that closes fastest is the one ahead just past it.
        if direction == "increase":
            nearest = min(t[0] for t in options)
            together = [t for t in options if abs(t[0] - nearest) <= _TIE]
            x, rate, rival_id = min(together, key=lambda t: (t[1], t[0]))
        else:
            nearest = max(t[0] for t in options)
            together = [t for t in options if abs(t[0] - nearest) <= _TIE]
            x, rate, rival_id = max(together, key=lambda t: (t[1], t[0]))
        tied = tuple(  # identical lines cross together and stay level: a shared first place
            other
            for at, other_rate, other in options
            if other != rival_id
            and abs(at - x) <= _TIE
            and abs(other_rate - rate) <= _TIE * max(1.0, abs(rate))
        )
        found.append(
            WeightSwitch(
                criterion=criterion,
                direction=direction,
                weight=x * others_raw / (1.0 - x),
                current_weight=current_raw,
                share=x,
                current_share=x0,
                new_winner=rival_id,
                tied_with=tied,
            )
        )
    return tuple(found)


def switching_values(
    appraisal: Appraisal, weights: Mapping[str, float] | None = None
) -> tuple[WeightSwitch, ...]:
    """Weight switching values of every criterion, at every level of the hierarchy."""
    return tuple(
        switch
        for criterion in _criterion_tree(appraisal.rule_base_model)
        for switch in weight_switching_values(appraisal, criterion, weights)
    )

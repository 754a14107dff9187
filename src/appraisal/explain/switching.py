"""Weight switching values in closed form: the weight of a criterion at which the first-ranked
option loses first place, and to whom.

The line of a criterion's weight is the engine's (``CriteriaTree.weight_line``), the one the
weight sweeps of ``sensitivity`` draw; every criterion's slope is read from one call
(``CriteriaTree.weight_slopes``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Literal

import numpy as np

from .._guards import checked_weights
from ..appraise import Appraisal
from ._shared import model_of, winner
from .records import WeightSwitch


def _raw_weights(appraisal: Appraisal, weights: Mapping[str, float] | None) -> tuple[float, ...]:
    """Every criterion's raw weight (the tree's order): those the appraisal used, or,
    given ``weights``, the rule base's, the scenario's, then ``weights`` (checked)."""
    model = model_of(appraisal)
    if weights is None:
        return tuple(appraisal.raw_weights[c] for c in model.tree.ids)
    overrides = dict(appraisal.scenario_model.weights) if appraisal.scenario_model else {}
    overrides.update(checked_weights(model.rule_base, weights, model.tree.paths()))
    return model.tree.raw_weights(overrides)


Direction = Literal["increase", "decrease"]

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
    raw weight (the siblings' raw weights held). The raw weights are those the
    appraisal used, unless ``weights`` (raw overrides beyond the scenario's own)
    are given. Pure, so ``sensitivity`` reuses it.
    """
    model = model_of(appraisal)
    model.tree.index(criterion)  # an unknown criterion is refused before the weights
    raw_weights = _raw_weights(appraisal, weights)
    slopes = _slopes(appraisal, raw_weights)
    return _switches(appraisal, criterion, raw_weights, slopes)


def _utility(appraisal: Appraisal) -> np.ndarray:
    """Options (the appraisal's order) x leaves: each option's utilities."""
    leaves = model_of(appraisal).leaf_ids
    return np.array([[o.values[leaf].utility for leaf in leaves] for o in appraisal.options])


def _slopes(appraisal: Appraisal, raw_weights: tuple[float, ...]) -> np.ndarray:
    """Every criterion's weight-line slope (criteria x options)."""
    return model_of(appraisal).tree.weight_slopes(_utility(appraisal), raw_weights)


def _switches(
    appraisal: Appraisal, criterion: str, raw_weights: tuple[float, ...], slopes: np.ndarray
) -> tuple[WeightSwitch, ...]:
    """``weight_switching_values`` given every criterion's raw weight and the slope of every
    criterion's weight line (``CriteriaTree.weight_slopes``, worked out once for them all)."""
    tree = model_of(appraisal).tree
    first = winner(appraisal)
    index = tree.index(criterion)
    start, stop = tree.group_of(index)
    group = [tree.ids[j] for j in range(start, stop)]
    if first is None or len(group) < 2:
        return ()
    raw = dict(zip(tree.ids, raw_weights, strict=True))
    parent = tree.parents[index]
    parent_weight = 1.0 if parent < 0 else appraisal.weights[tree.ids[parent]]
    if parent_weight <= 0:
        return ()
    shares = {c: appraisal.weights[c] / parent_weight for c in group}
    x0 = shares[criterion]
    others_raw = sum(raw[c] for c in group if c != criterion)
    if others_raw <= 0 or 1.0 - x0 <= 0:
        # The siblings weigh nothing: no proportion to keep them in. Read from the raw
        # weights, since a share computed as a quotient can fall a rounding short of 1.
        return ()
    scale = sum(raw[c] for c in group)
    current_raw = x0 * scale
    others_raw = (1.0 - x0) * scale if scale > 0 else others_raw
    slope = {o.id: float(slopes[index, row]) for row, o in enumerate(appraisal.options)}
    lead = appraisal.option(first)
    lead_slope = slope[first]
    crossings: dict[Direction, list[tuple[float, float, str]]] = {"increase": [], "decrease": []}
    for rival in appraisal.options:
        if rival.excluded or rival.id == first:
            continue
        gap = lead.score - rival.score
        closing = lead_slope - slope[rival.id]
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
            WeightSwitch.model_construct(
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
    tree = model_of(appraisal).tree
    raw_weights = _raw_weights(appraisal, weights)
    slopes = _slopes(appraisal, raw_weights)
    return tuple(
        switch
        for criterion in dict.fromkeys(tree.ids[i] for i in tree.declared)
        for switch in _switches(appraisal, criterion, raw_weights, slopes)
    )

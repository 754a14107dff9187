"""Weight sweeps: one criterion's share moved from 0 to 1, with exact crossings.

Totals are linear in the share, so this is closed-form geometry on the
decision model and needs nothing from sampling.

With many options, every crossing is too many: n lines can cross n(n-1)/2
times, each with a ranking of n. So a sweep reports the crossings where the
order of the first ``PLACES`` places changes, with those places as the
rankings either side; with ``PLACES`` options or fewer, that is every crossing
and every full ranking. Only options that can reach those places are
examined: an option that ``PLACES + 1`` others beat at both ends of the sweep
is beaten all along it (the totals are straight lines), so finding the
contenders takes one sort and a small heap, O(n log n), and the crossings are
those among the contenders (a handful, on real and on random data; at worst,
when every option leads somewhere, all n).
"""

from __future__ import annotations

import heapq
from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np

from ..errors import AppraisalError, Location, ScoringError
from ..explain import WeightSwitch
from ..scoring import TIE_TOLERANCE
from ..tables import Summary, Table, fixed, require_pandas
from ._common import Result
from .model import DecisionModel

if TYPE_CHECKING:
    from pandas import DataFrame

PLACES = 10
"""A sweep reports the crossings that change the order of the first ``PLACES`` places."""

_CLEAR = 1e-9
"""How much higher an option must be at both ends of a sweep to count as beating another."""


class Crossing(Result):
    """A point of a sweep where two options' totals cross and the ranking changes.

    ``ranking_before`` and ``ranking_after`` are the full rankings either side
    (their first ``PLACES`` places when there are more options than that).
    """

    share: float
    global_weight: float
    raw_weight: float | None
    """The criterion's raw weight there, its siblings' raw weights unchanged (None at share 1)."""
    options: tuple[str, ...]
    ranking_before: tuple[str, ...]
    ranking_after: tuple[str, ...]


class WeightSweep(Result):
    """One criterion's share among its siblings swept from 0 to 1, siblings in proportion.

    Totals are linear in the share: ``total = intercept + slope * share``.
    """

    criterion: str
    parent: str | None
    share: float
    global_weight: float
    raw_weight: float
    siblings_raw_weight: float
    parent_weight: float
    """The parent's global weight (1 at the top level): global weight = share x this."""
    intercepts: dict[str, float]
    slopes: dict[str, float]
    points: tuple[float, ...]
    scores: dict[str, tuple[float, ...]]
    crossings: tuple[Crossing, ...]
    leader: tuple[str, ...]
    """The option(s) first at the current share."""
    switch_below: float | None
    """The share below the current one at which the first-ranked option loses first place."""
    switch_above: float | None
    """The share above the current one at which the first-ranked option loses first place."""

    def raw_at(self, share: float) -> float | None:
        if share >= 1 or self.siblings_raw_weight <= 0:
            return None
        return share * self.siblings_raw_weight / (1 - share)

    def to_frame(self) -> DataFrame:
        """Every option's total at each share swept, as a pandas DataFrame (needs pandas).

        The index is the criterion's share among its siblings, from 0 to 1;
        there is one column per option. ``sweep.to_frame().plot()`` draws the
        sweep; the crossings themselves are exact in ``crossings``.
        """
        require_pandas()
        import pandas

        return pandas.DataFrame(
            {option: list(totals) for option, totals in self.scores.items()},
            index=pandas.Index(self.points, name="share"),
            dtype=float,
        )

    def _summary(self) -> Summary:
        below, above = self.switch_below, self.switch_above
        if below is None and above is None:
            switch = "first place holds over every share"
        else:
            at = " and ".join(f"{s:.3g}" for s in (below, above) if s is not None)
            switch = f"first place changes at share {at}"
        leader = ", ".join(self.leader)
        rows = tuple(
            (
                option,
                fixed(self.intercepts[option]),
                fixed(self.intercepts[option] + self.slopes[option] * self.share),
                fixed(self.intercepts[option] + self.slopes[option]),
            )
            for option in self.intercepts
        )
        crossings = tuple(
            (f"{c.share:.3g}", " and ".join(c.options), ", ".join(c.ranking_after))
            for c in self.crossings
        )
        return Summary(
            kind="WeightSweep",
            headline=f"{self.criterion}: share {self.share:.3g}, {leader} first; {switch}",
            tables=(
                Table(
                    ("Option", "Share 0", f"Now ({self.share:.3g})", "Share 1"),
                    rows,
                    align="lrrr",
                    caption="Totals as the share moves (linear in it)",
                ),
                *(
                    (Table(("Share", "Crossing", "Ranking after"), crossings, align="rll"),)
                    if crossings
                    else ()
                ),
            ),
            notes=("to_frame() gives every option's total at each share swept.",),
        )


def sweep_lines(model: DecisionModel, criterion: str) -> tuple[np.ndarray, np.ndarray]:
    """Closed form: every option's total as ``a + b * share`` of ``criterion`` among its siblings.

    The criterion's subtree scales with its share, its siblings' subtrees with
    ``1 - share`` in their declared proportions, and the rest does not move:
    the engine's line of a weight (``CriteriaTree.weight_line``), the one the
    switching values read too.
    """
    tree = model.tree
    return tree.weight_line(tree.index(criterion), model.declared_utilities())


def _ranking(
    values: np.ndarray, options: Sequence[str], among: Sequence[int], places: int | None
) -> tuple[str, ...]:
    """The options ``among`` ranked by ``values`` (ties by declaration order), cut to
    ``places`` when given."""
    order = sorted(among, key=lambda i: (-values[i], i))
    return tuple(options[i] for i in order[:places])


def _contenders(intercept: np.ndarray, slope: np.ndarray, places: int) -> list[int]:
    """The options that can be among the first ``places + 1`` somewhere on the sweep.

    An option is left out when at least ``places + 1`` others are higher than
    it, by more than ``_CLEAR``, at both ends (share 0 and share 1): lines
    higher at both ends are higher all along. Options in order of their total
    at share 0, each counted against the ``places + 1`` highest totals at share
    1 among those clearly higher at share 0 (a heap): O(n log n).
    """
    start, end = intercept, intercept + slope
    order = sorted(range(len(start)), key=lambda i: -start[i])
    highest: list[float] = []  # a min-heap of the places + 1 highest ends seen so far
    seen = 0
    kept = []
    for i in order:
        while seen < len(order) and start[order[seen]] > start[i] + _CLEAR:
            end_value = float(end[order[seen]])
            if len(highest) <= places:
                heapq.heappush(highest, end_value)
            else:
                heapq.heappushpop(highest, end_value)
            seen += 1
        if len(highest) > places and highest[0] > end[i] + _CLEAR:
            continue
        kept.append(i)
    return sorted(kept)


def _crossing_options(at: np.ndarray, slope: np.ndarray) -> list[int]:
    """Every option whose total, at this share, is within 1e-9 of another's with a
    different slope (a line crossing it there): sorted, then checked near each value."""
    order = np.argsort(at, kind="stable")
    ordered = at[order]
    low = np.searchsorted(ordered, at - 2 * TIE_TOLERANCE, side="left")
    high = np.searchsorted(ordered, at + 2 * TIE_TOLERANCE, side="right")
    return [
        i
        for i in np.flatnonzero(high - low > 1).tolist()
        if any(
            j != i and abs(at[i] - at[j]) <= 1e-9 and slope[i] != slope[j]
            for j in order[low[i] : high[i]].tolist()
        )
    ]


def _leaders(values: np.ndarray, options: Sequence[str]) -> tuple[str, ...]:
    """The options first at these totals (none when every option fails a gate)."""
    if not len(values):
        return ()
    best = values.max()
    return tuple(o for o, v in zip(options, values, strict=True) if v >= best - TIE_TOLERANCE)


def weight_sweep(
    model: DecisionModel,
    criterion: str,
    points: int = 21,
    switches: Sequence[WeightSwitch] = (),
) -> WeightSweep:
    """The sweep of one criterion, with its exact crossings.

    Its switching values (where the first-ranked option loses first place) are
    not recomputed here: they are the explanation's closed-form
    ``explain.weight_switching_values``, passed in as ``switches``.
    """
    tree = model.tree
    index = tree.index(criterion)
    start, stop = tree.group_of(index)
    if stop - start < 2:
        raise ScoringError(f"{criterion!r} has no siblings, so its share is always 1")
    intercept, slope = sweep_lines(model, criterion)
    shares = tree.local_shares()
    parent = tree.parents[index]
    parent_weight = 1.0 if parent < 0 else float(tree.globalise(shares)[parent])
    siblings_raw = sum(tree.weights[j] for j in range(start, stop) if j != index)
    share = float(shares[index])
    options = model.options
    every = len(options) <= PLACES
    places = None if every else PLACES
    among = list(range(len(options))) if every else _contenders(intercept, slope, PLACES)
    cuts = sorted({round(float(p), 12) for p in _intersections(intercept[among], slope[among])})
    bounds = [0.0, *cuts, 1.0]
    rankings = [
        _ranking(intercept + slope * (lo + hi) / 2, options, among, places)
        for lo, hi in zip(bounds, bounds[1:], strict=False)
    ]

    def raw(p: float) -> float | None:
        return None if p >= 1 or siblings_raw <= 0 else p * siblings_raw / (1 - p)

    crossings = []
    before = rankings[0]
    for k, cut in enumerate(cuts):
        after = rankings[k + 1]
        if not every and after == before:
            continue  # a crossing below the first places
        at = intercept + slope * cut
        crossings.append(
            Crossing(
                share=cut,
                global_weight=cut * parent_weight,
                raw_weight=raw(cut),
                options=tuple(options[i] for i in _crossing_options(at, slope)),
                ranking_before=before,
                ranking_after=after,
            )
        )
        before = after
    now = _leaders(intercept + slope * share, options)
    below = [w.share for w in switches if w.criterion == criterion and w.direction == "decrease"]
    above = [w.share for w in switches if w.criterion == criterion and w.direction == "increase"]
    grid = np.linspace(0.0, 1.0, points)
    return WeightSweep(
        criterion=criterion,
        parent=None if parent < 0 else tree.ids[parent],
        share=share,
        global_weight=share * parent_weight,
        raw_weight=tree.weights[index],
        siblings_raw_weight=siblings_raw,
        parent_weight=parent_weight,
        intercepts={o: float(intercept[i]) for i, o in enumerate(options)},
        slopes={o: float(slope[i]) for i, o in enumerate(options)},
        points=tuple(float(p) for p in grid),
        scores={
            o: tuple(float(x) for x in intercept[i] + slope[i] * grid)
            for i, o in enumerate(options)
        },
        crossings=tuple(crossings),
        leader=now,
        switch_below=max(below) if below else None,
        switch_above=min(above) if above else None,
    )


def _intersections(intercept: np.ndarray, slope: np.ndarray) -> list[float]:
    """Shares strictly inside (0, 1) where two options' lines cross (parallel lines,
    slopes within 1e-15, never do): each option against those after it, vectorised."""
    found: list[float] = []
    for i in range(len(intercept) - 1):
        closing = slope[i] - slope[i + 1 :]
        apart = np.abs(closing) > 1e-15
        p = (intercept[i + 1 :][apart] - intercept[i]) / closing[apart]
        found += p[(p > 1e-12) & (p < 1 - 1e-12)].tolist()
    return found


def weight_sweeps(
    model: DecisionModel, points: int = 21, switches: Sequence[WeightSwitch] = ()
) -> tuple[WeightSweep, ...]:
    """A sweep for every criterion that has siblings, at every level of the tree.

    ``switches`` are the explanation's weight switching values
    (``explain.switching_values``), shown on each sweep.
    """
    if points < 2:
        raise AppraisalError(
            f"a sweep needs at least 2 points, not {points}", Location(field="points")
        )
    return tuple(
        weight_sweep(model, criterion_id, points, switches)
        for index, criterion_id in enumerate(model.tree.ids)
        if model.tree.group_of(index)[1] - model.tree.group_of(index)[0] > 1
    )

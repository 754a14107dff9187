"""The frozen result models that every part of the explanation returns.

They live apart from the code that computes them so that each stage module
shares one set of types without importing another stage just for them. Each
shows itself briefly (``repr``, ``print``, notebook HTML; see ``tables``), and
the attribution converts to a pandas DataFrame (``to_frame``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Literal

from pydantic import BaseModel, ConfigDict, Field

from ..appraise import Appraisal
from ..errors import UnknownReferenceError
from ..models import Value
from ..tables import (
    Displayable,
    Summary,
    Table,
    brief,
    counted,
    fixed,
    quoted,
    require_pandas,
    signed,
    words,
)

if TYPE_CHECKING:
    from pandas import DataFrame

SHOWN = 10
"""Rows a result's display lists before saying how many more there are."""


class _Result(Displayable, BaseModel):
    model_config = ConfigDict(frozen=True, populate_by_name=True, defer_build=True)


def largest(points: Mapping[str, float], top: int = SHOWN) -> list[tuple[str, float]]:
    """The ``top`` entries with the most points either way, largest first."""
    return sorted(points.items(), key=lambda item: (-abs(item[1]), item[0]))[:top]


def drivers_text(points: Mapping[str, float], top: int = 3) -> str:
    """``a +8.1; b -2.0``: the entries weighing most, for one table cell."""
    return "; ".join(f"{name} {signed(value)}" for name, value in largest(points, top)) or "-"


def points_table(points: Mapping[str, float], first: str, caption: str) -> Table:
    """The entries weighing most, one a row, then how many more there are."""
    rows = tuple((name, signed(value)) for name, value in largest(points))
    return Table((first, "Points"), rows, align="lr", caption=caption, more=len(points) - len(rows))


def attribution_frame(options: Mapping[str, Mapping[str, float]]) -> DataFrame:
    """Options x evidence items, in points; an item that moves nothing for an option is 0."""
    require_pandas()
    import pandas

    items = list(dict.fromkeys(item for points in options.values() for item in points))
    return pandas.DataFrame(
        [[points.get(item, 0.0) for item in items] for points in options.values()],
        index=pandas.Index(list(options), name="option"),
        columns=pandas.Index(items, name="evidence"),
        dtype=float,
    )


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


class RuleDelta(_Result):
    """One fired rule's exact share of one option's value change on one leaf criterion."""

    rule: str
    criterion: str
    change: float
    """Change of the criterion value (0..100 scale) credited to the rule, after clamping."""
    nominal: float
    """The change the rule asked for (its ``by``, or ``to`` minus the baseline for a set)."""
    points: float
    """``change`` in score points: global weight x change in utility."""


class OptionAttribution(_Result):
    """One option's total shared among evidence items (Shapley values)."""

    option: str
    total: float
    baseline: float
    """The option's total with every evidence item unknown."""
    attribution: dict[str, float]
    """Points per evidence item; they sum to ``total - baseline``."""
    by_criterion: dict[str, dict[str, float]]
    """The same points per leaf criterion, so a criterion's change can be traced to evidence."""
    method: Literal["exact", "sampled"]
    error: float
    """Approximate 95% half-width on each item's points when sampled; 0 when exact."""

    def _summary(self) -> Summary:
        moved = self.total - self.baseline
        return Summary(
            kind="OptionAttribution",
            headline=f"{self.option}: {fixed(self.total)} = {fixed(self.baseline)} baseline"
            f" {signed(moved)} from {counted(len(self.attribution), 'evidence item')}"
            f" ({self.method})",
            tables=(points_table(self.attribution, "Evidence", "Points per evidence item"),),
        )


class Attribution(_Result):
    """Evidence attribution of every option."""

    options: dict[str, OptionAttribution]
    method: Literal["exact", "sampled"]
    sampled_games: int = 0
    """How many games (rules or criterion cells) were too large to compute exactly."""

    def to_frame(self) -> DataFrame:
        """Options x evidence items, in points (needs pandas).

        A row sums to the option's total minus its baseline (its total with
        every evidence item unknown), which ``options[id].baseline`` holds.
        """
        return attribution_frame({o: a.attribution for o, a in self.options.items()})

    def _summary(self) -> Summary:
        items = {item for a in self.options.values() for item in a.attribution}
        rows = tuple(
            (option, fixed(a.total), fixed(a.baseline), drivers_text(a.attribution))
            for option, a in self.options.items()
        )
        return Summary(
            kind="Attribution",
            headline=f"{self.method}: {counted(len(self.options), 'option')}"
            f" x {counted(len(items), 'evidence item')}",
            tables=(
                Table(
                    ("Option", "Total", "Baseline", "Evidence weighing most (points)"),
                    rows,
                    align="lrrl",
                ),
            ),
            notes=("to_frame() gives every option's points per evidence item.",),
        )


class TraceNode(_Result):
    """One node of an evidence trace: verdict, criterion, gate, rule, finding or evidence."""

    kind: Literal["option", "criterion", "gate", "rule", "finding", "evidence"]
    id: str
    label: str
    value: Value | None = None
    points: float | None = None
    source: str | None = None
    children: tuple[TraceNode, ...] = ()

    def _summary(self) -> Summary:
        def measure(node: TraceNode) -> str:
            if node.points is not None:
                return f"{signed(node.points)} pts"
            return "" if node.value is None else brief(node.value)

        rows = tuple((child.kind, child.id, child.label, measure(child)) for child in self.children)
        shown = measure(self)
        return Summary(
            kind="TraceNode",
            headline=f"{self.kind} {self.id}{f' ({shown})' if shown else ''}:"
            f" {quoted(self.label)}; {counted(len(self.children), 'child', 'children')}",
            title=f"{self.kind} {self.id}: {self.label}",
            tables=(Table(("Kind", "Id", "Label", "Value"), rows, align="lllr"),) if rows else (),
        )


class WeightSwitch(_Result):
    """The weight at which the first-ranked option loses first place, and to whom."""

    criterion: str
    direction: Literal["increase", "decrease"]
    weight: float
    """The switching value in the raw units the YAML uses, the siblings' raw weights kept."""
    current_weight: float
    share: float
    """The switching value as the criterion's normalised share among its siblings."""
    current_share: float
    new_winner: str
    tied_with: tuple[str, ...] = ()
    """Options that cross together with ``new_winner`` and share first place with it."""

    @property
    def winners(self) -> str:
        """Who comes first past the switch: ``new_winner``, and any tied with it."""
        return ", ".join((self.new_winner, *self.tied_with))

    def _summary(self) -> Summary:
        return Summary(
            kind="WeightSwitch",
            headline=f"{self.criterion}: share {self.current_share:.3g} -> {self.share:.3g}"
            f" (raw weight {self.current_weight:.4g} -> {self.weight:.4g})"
            f" puts {self.winners} first",
        )


class EvidenceChange(_Result):
    """One evidence item given a different value."""

    evidence: str
    from_: Value | None = Field(alias="from")
    to: Value


class VerdictChange(_Result):
    option: str
    from_: str = Field(alias="from")
    to: str


class EvidenceCounterfactual(_Result):
    """A set of evidence changes, and the winner and verdicts it leads to."""

    changes: tuple[EvidenceChange, ...]
    new_winner: str | None
    """The first-ranked option after the changes (None when first place is tied)."""
    changes_winner: bool
    verdict_changes: tuple[VerdictChange, ...]

    def _summary(self) -> Summary:
        rows = tuple((c.evidence, brief(c.from_), brief(c.to)) for c in self.changes)
        verdicts = tuple((v.option, words(v.from_), words(v.to)) for v in self.verdict_changes)
        return Summary(
            kind="EvidenceCounterfactual",
            headline=f"{changes_text(self.changes)}: {outcome_text(self)}",
            tables=(
                Table(("Evidence", "From", "To"), rows),
                *((Table(("Option", "Verdict from", "Verdict to"), verdicts),) if verdicts else ()),
            ),
        )


def changes_text(changes: tuple[EvidenceChange, ...]) -> str:
    """``a: weak -> strong, b: unknown -> true``."""
    return ", ".join(
        f"{c.evidence}: {'unknown' if c.from_ is None else brief(c.from_)} -> {brief(c.to)}"
        for c in changes
    )


def outcome_text(counterfactual: EvidenceCounterfactual) -> str:
    """What a set of evidence changes leads to, in a few words."""
    first = counterfactual.new_winner or "a tie"
    if counterfactual.changes_winner:
        return f"{first} becomes first"
    return f"{first} stays first; {counted(len(counterfactual.verdict_changes), 'verdict')} change"


class CounterfactualSearch(_Result):
    """What the search over evidence changes covered."""

    candidates: int
    """Single changes considered (flips, level steps, threshold crossings)."""
    max_size: int
    evaluated: int
    budget: int
    exhaustive: bool
    """True when every set up to ``max_size`` was either evaluated or proved unable to flip."""
    smallest_flip: int | None
    """Size of the smallest set of changes found that changes the winner."""


class EvidenceDriver(_Result):
    """An evidence item's attributed points for one option, with the rules it acts through."""

    evidence: EvidenceCitation
    points: float
    rules: tuple[str, ...]
    rule_sources: tuple[str, ...]


class CriterionDifference(_Result):
    """How much one criterion separates two options, and the rules and evidence behind it."""

    criterion: str
    name: str
    points_a: float
    points_b: float
    difference: float
    rules_a: tuple[RuleDelta, ...]
    rules_b: tuple[RuleDelta, ...]
    evidence: dict[str, float]
    """Attributed points on this criterion for A minus those for B, largest first."""


class Versus(_Result):
    """Why A over B: the criteria ordered by how much they separate the two."""

    a: str
    b: str
    total_a: float
    total_b: float
    difference: float
    criteria: tuple[CriterionDifference, ...]
    groups: tuple[CriterionDifference, ...]
    """The same for parent criteria."""

    def _summary(self) -> Summary:
        lead = self.criteria[0] if self.criteria else None
        largest_part = (
            f"; most on {lead.criterion} ({signed(lead.difference)})" if lead is not None else ""
        )
        rows = tuple(
            (c.criterion, c.name, signed(c.points_a), signed(c.points_b), signed(c.difference))
            for c in self.criteria[:SHOWN]
        )
        return Summary(
            kind="Versus",
            headline=f"{self.a} {fixed(self.total_a)} vs {self.b} {fixed(self.total_b)}:"
            f" {signed(self.difference)} points{largest_part}",
            tables=(
                Table(
                    ("Criterion", "Name", self.a, self.b, "Difference"),
                    rows,
                    align="llrrr",
                    caption="Leaf criteria by how much they separate the two (points)",
                    more=len(self.criteria) - len(rows),
                ),
            ),
        )


class OptionExplanation(_Result):
    """Everything that explains one option's verdict."""

    id: str
    name: str
    verdict: str
    rank: int | None
    excluded: bool
    total: float
    baseline: float
    rule_baseline: float
    """Points from the declared baselines alone; plus every rule delta, the total."""
    contributions: dict[str, float]
    rule_deltas: tuple[RuleDelta, ...]
    attribution: dict[str, float]
    attribution_method: Literal["exact", "sampled"]
    attribution_error: float
    verdict_counterfactuals: tuple[EvidenceCounterfactual, ...]
    trace: TraceNode
    narrative: str

    def _summary(self) -> Summary:
        standing = "excluded" if self.excluded else f"rank {self.rank}"
        top = largest(self.attribution, 1)
        driver = f"; most from {top[0][0]} ({signed(top[0][1])})" if top else ""
        deltas = tuple(
            (d.rule, d.criterion, signed(d.change), signed(d.points))
            for d in sorted(self.rule_deltas, key=lambda d: -abs(d.points))[:SHOWN]
        )
        return Summary(
            kind="OptionExplanation",
            headline=f"{self.id}: {words(self.verdict)}, {standing},"
            f" {fixed(self.total)} ({fixed(self.baseline)} with no evidence){driver}",
            title=f"{self.name} ({self.id}): {words(self.verdict)}, {standing},"
            f" score {fixed(self.total)}",
            lines=tuple(p for p in self.narrative.split("\n") if p.strip()),
            tables=(
                points_table(
                    self.attribution,
                    "Evidence",
                    f"Evidence by attributed points ({self.attribution_method})",
                ),
                Table(
                    ("Rule", "Criterion", "Change", "Points"),
                    deltas,
                    align="llrr",
                    caption="Rules by the points they moved",
                    more=len(self.rule_deltas) - len(deltas),
                ),
            ),
        )


class InformationFact(_Result):
    """A fact worth finding out, as it stands: unknown, or known with low confidence."""

    fact: str
    description: str | None
    unit: str | None
    status: Literal["unknown", "uncertain"]
    current: Value | None
    """The value the evidence gives now (None when unknown)."""
    confidence: float | None
    """The evidence item's confidence, when the fact is known."""


class Answer(_Result):
    """One answer a fact could turn out to have.

    A number stands for a whole range of values in which every test the rules
    make gives the same answer, so the range, not the one value tried, is what
    an analyst needs to know; ``value`` is the value that was evaluated.
    """

    fact: str
    value: Value
    stands_for: Literal["value", "range", "any", "other"] = "value"
    """``value``: exactly ``value``; ``range``: any number from ``low`` to ``high``; ``any``:
    any value (no rule tests more than whether it is known); ``other``: any text that no
    rule compares with."""
    low: float | None = None
    high: float | None = None
    low_included: bool = False
    high_included: bool = False
    tested: tuple[Value, ...] = ()
    """Every value evaluated for this answer (a range merges neighbouring ranges with the
    same outcome), ``value`` first."""


class InformationOutcome(_Result):
    """What the appraisal recommends if the facts turn out so."""

    answers: tuple[Answer, ...]
    """One answer per fact of the item."""
    recommended: str | None
    changes_recommendation: bool
    margin_shift: float
    """The largest change, over the values tested, of the leader's margin (score points)."""


class InformationItem(_Result):
    """One fact (or a pair of facts) whose value could change the recommendation."""

    facts: tuple[InformationFact, ...]
    decisive: bool
    """True when every answer it could have leads to a recommendation (and some answer
    changes the current one): finding it out settles the question alone."""
    margin_shift: float
    """The most any answer moves the leader's margin over the best other eligible option."""
    outcomes: tuple[InformationOutcome, ...]
    """Every answer consistent with the rest of the evidence, in the order tried."""
    skipped: int
    """Answers tried that contradict the rest of the evidence (the rules then conflict)."""

    @property
    def changing(self) -> tuple[InformationOutcome, ...]:
        return tuple(o for o in self.outcomes if o.changes_recommendation)

    def _summary(self) -> Summary:
        facts = ", ".join(f.fact for f in self.facts)
        decisive = "decisive; " if self.decisive else ""
        return Summary(
            kind="InformationItem",
            headline=f"{facts}: {decisive}{len(self.changing)} of {len(self.outcomes)}"
            f" answers change the recommendation; margin moves up to {fixed(self.margin_shift)}",
        )


class PairSearch(_Result):
    """What the search over pairs of facts covered."""

    facts: tuple[str, ...]
    """The facts paired, most promising first."""
    evaluated: int
    budget: int
    exhaustive: bool


class InformationReport(_Result):
    """What to find out next: the facts whose value could change the recommendation."""

    scenario: str
    recommended: str | None
    reason: str | None
    """Why no option is recommended, when none is."""
    leader: str | None
    """The option the margins are measured from: the first-ranked (the first listed on a tie)."""
    margin: float
    """The leader's score minus the best other eligible option's."""
    confidence_below: float
    """Known facts whose evidence has a confidence below this are considered too."""
    facts: tuple[InformationItem, ...]
    """Single facts that could change the recommendation, ranked."""
    pairs: tuple[InformationItem, ...]
    """When no single fact can: pairs that could, ranked."""
    considered: int
    """Facts considered: unknown or uncertain, and read by some rule or verdict rule."""
    evaluated: int
    """Single answers evaluated."""
    skipped: int
    """Answers (single and paired) that contradict the rest of the evidence."""
    pair_search: PairSearch | None
    """None when pairs were not searched (some single fact decides)."""

    def _summary(self) -> Summary:
        found = (*self.facts, *self.pairs)
        state = f"recommended {self.recommended}" if self.recommended else "no option recommended"
        if self.recommended:
            sentence = f"Recommended: {self.recommended}"
        else:
            sentence = "No option is recommended" + (
                f": {self.reason.rstrip('.')}" if self.reason else ""
            )
        if self.leader:
            sentence += f"; {self.leader} leads by {fixed(self.margin)} points"
        rows = tuple(
            (
                ", ".join(f.fact for f in item.facts),
                "yes" if item.decisive else "no",
                f"{len(item.changing)} of {len(item.outcomes)}",
                fixed(item.margin_shift),
            )
            for item in found[:SHOWN]
        )
        return Summary(
            kind="InformationReport",
            headline=f"{quoted(self.scenario)}: {state}; {counted(len(self.facts), 'fact')}"
            f" and {counted(len(self.pairs), 'pair')} could change it"
            f" ({self.considered} considered)",
            title=self.scenario,
            lines=(sentence + ".",),
            tables=(
                Table(
                    ("Facts", "Decisive", "Answers that change it", "Margin shift"),
                    rows,
                    align="llrr",
                    caption="What to find out next",
                    more=len(found) - len(rows),
                ),
            )
            if rows
            else (),
        )


class Explanation(_Result):
    """The explanation of a whole appraisal."""

    scenario: str
    winner: str | None
    recommended: str | None
    options: tuple[OptionExplanation, ...]
    switching_values: tuple[WeightSwitch, ...]
    stable_to_weights: bool
    evidence_counterfactuals: tuple[EvidenceCounterfactual, ...]
    search: CounterfactualSearch
    attribution_method: Literal["exact", "sampled"]
    find_out_next: InformationReport | None = None
    """What to find out next (``value_of_information``)."""

    def option(self, option_id: str) -> OptionExplanation:
        for result in self.options:
            if result.id == option_id:
                return result
        raise UnknownReferenceError("option", option_id, [o.id for o in self.options])

    def to_frame(self) -> DataFrame:
        """Options x evidence items: each option's attributed points (needs pandas).

        A row sums to the option's ``total`` minus its ``baseline`` (its total
        with every evidence item unknown).
        """
        return attribution_frame({o.id: o.attribution for o in self.options})

    def _summary(self) -> Summary:
        state = f"recommended {self.recommended}" if self.recommended else "none recommended"
        drivers = tuple(
            (
                o.id,
                words(o.verdict),
                "excluded" if o.excluded else fixed(o.total),
                drivers_text(o.attribution),
            )
            for o in self.options
        )
        switches = tuple(
            (
                s.criterion,
                s.direction,
                f"{s.current_share:.3g}",
                f"{s.share:.3g}",
                s.winners,
            )
            for s in self.switching_values[:SHOWN]
        )
        flips = [c for c in self.evidence_counterfactuals if c.changes_winner]
        changes = tuple((changes_text(c.changes), outcome_text(c)) for c in flips[:SHOWN])
        tables = [
            Table(
                ("Option", "Verdict", "Score", "Evidence weighing most (points)"),
                drivers,
                align="llrl",
                strong=frozenset(i for i, o in enumerate(self.options) if o.id == self.recommended),
                muted=frozenset(i for i, o in enumerate(self.options) if o.excluded),
            )
        ]
        if switches:
            tables.append(
                Table(
                    ("Criterion", "Direction", "Share now", "Switches at", "New first"),
                    switches,
                    align="llrrl",
                    caption="Switching values: the weight at which first place changes",
                    more=len(self.switching_values) - len(switches),
                )
            )
        if changes:
            tables.append(
                Table(
                    ("Evidence changes", "Outcome"),
                    changes,
                    caption="Evidence changes that change the winner",
                    more=len(flips) - len(changes),
                )
            )
        return Summary(
            kind="Explanation",
            headline=f"{quoted(self.scenario)}: {state}; {counted(len(self.options), 'option')},"
            f" {counted(len(self.switching_values), 'switching value')},"
            f" {counted(len(flips), 'set')} of evidence changes that move first place",
            title=self.scenario,
            lines=(
                "First place holds at any weights."
                if self.stable_to_weights
                else f"First place changes at"
                f" {counted(len(self.switching_values), 'switching value')}.",
            ),
            tables=tuple(tables),
            notes=(
                "explanation.option(id) gives one option's narrative, evidence and rules;"
                " to_frame() gives the attribution (options x evidence, in points).",
            ),
        )


class CounterfactualReport(_Result):
    """Single evidence changes that change the winner or a verdict, and the smallest sets."""

    singles: tuple[EvidenceCounterfactual, ...]
    smallest: tuple[EvidenceCounterfactual, ...]
    """When no single change moves the winner: the smallest sets found that do."""
    search: CounterfactualSearch

    def _summary(self) -> Summary:
        found = (*self.singles, *self.smallest)
        rows = tuple((changes_text(c.changes), outcome_text(c)) for c in found[:SHOWN])
        return Summary(
            kind="CounterfactualReport",
            headline=f"{counted(len(self.singles), 'single change')},"
            f" {counted(len(self.smallest), 'smallest set')};"
            f" smallest set that moves first place: {self.search.smallest_flip or 'none found'}",
            tables=(Table(("Evidence changes", "Outcome"), rows, more=len(found) - len(rows)),)
            if rows
            else (),
        )


class OptionDrivers(_Result):
    """What drives one option's standing, as ``appraisal run`` lists it."""

    option: str
    gates: tuple[Driver, ...]
    """The gate failures that exclude it."""
    evidence: tuple[EvidenceDriver, ...]
    """The evidence weighing most on it, largest first (none when undefined)."""


class RunSummary(_Result):
    """An appraisal with what ``appraisal run`` shows beside its ranking, worked out.

    When the rule base contradicts itself on part of the evidence, the
    attribution of the scores to evidence is undefined: ``drivers_undefined``
    then says why and where (file and line), and no option lists evidence.
    """

    appraisal: Appraisal = Field(repr=False)
    top: int
    """How many evidence drivers are listed per option, at most."""
    options: tuple[OptionDrivers, ...]
    """In the appraisal's order."""
    drivers_undefined: str | None = None
    find_out_next: InformationReport | None = None
    """What to find out next, when no option is recommended."""

    def drivers(self, option_id: str) -> OptionDrivers:
        for found in self.options:
            if found.option == option_id:
                return found
        raise UnknownReferenceError("option", option_id, [o.option for o in self.options])

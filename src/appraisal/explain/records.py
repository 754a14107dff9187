"""The frozen result models that every part of the explanation returns.

They live apart from the code that computes them so that each stage module
shares one set of types without importing another stage just for them.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from ..appraise import Appraisal
from ..errors import UnknownReferenceError
from ..models import Value


class _Result(BaseModel):
    model_config = ConfigDict(frozen=True, populate_by_name=True, defer_build=True)


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


class Attribution(_Result):
    """Evidence attribution of every option."""

    options: dict[str, OptionAttribution]
    method: Literal["exact", "sampled"]
    sampled_games: int = 0
    """How many games (rules or criterion cells) were too large to compute exactly."""


class TraceNode(_Result):
    """One node of an evidence trace: verdict, criterion, gate, rule, finding or evidence."""

    kind: Literal["option", "criterion", "gate", "rule", "finding", "evidence"]
    id: str
    label: str
    value: Value | None = None
    points: float | None = None
    source: str | None = None
    children: tuple[TraceNode, ...] = ()


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


class CounterfactualReport(_Result):
    """Single evidence changes that change the winner or a verdict, and the smallest sets."""

    singles: tuple[EvidenceCounterfactual, ...]
    smallest: tuple[EvidenceCounterfactual, ...]
    """When no single change moves the winner: the smallest sets found that do."""
    search: CounterfactualSearch


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

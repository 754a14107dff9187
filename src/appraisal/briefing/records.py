"""The frozen records a briefing is made of, section by section.

They live apart from the code that gathers them (``assemble``), as the
explanation's records do, so the renderers can read the types without the
gathering's imports.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from ..appraise import Appraisal
from ..explain import Answer, CounterfactualSearch, InformationFact
from ..fingerprint import Fingerprint
from ..models import Value
from ..tables import Displayable

__all__ = [
    "AcceptabilityRow",
    "Briefing",
    "CounterfactualRow",
    "CriterionColumn",
    "DocumentRow",
    "DriverRow",
    "EdgeKind",
    "EvidenceChangeRow",
    "EvidenceRobustness",
    "EvidenceRow",
    "FindOutItem",
    "FindOutOutcome",
    "FiredRule",
    "GraphEdge",
    "GraphNode",
    "GraphState",
    "NodeKind",
    "NodeState",
    "OptionNarrative",
    "OptionVerdict",
    "Part",
    "Problem",
    "Recommendation",
    "Robustness",
    "ScoreRow",
    "ScoresMatrix",
    "SwitchRow",
    "TornadoRow",
    "TreeRow",
    "VerdictChangeRow",
    "WhatWouldChange",
]

Part = Literal["explanation", "narrative", "counterfactuals", "find_out_next", "robustness"]
"""The parts of a briefing that can fail to be worked out, each recorded as a ``Problem``."""


class _Record(Displayable, BaseModel):
    model_config = ConfigDict(frozen=True, defer_build=True)


class Problem(_Record):
    """A part of the briefing that could not be worked out, and why."""

    part: Part
    message: str


# --------------------------------------------------------------------------- recommendation


class OptionVerdict(_Record):
    """One option's standing, as the verdicts table shows it."""

    id: str
    name: str
    rank: int | None
    score: float
    short_term_score: float
    long_term_score: float
    verdict: str
    verdict_label: str
    recommended: bool
    excluded: bool
    verdict_rationale: str | None
    verdict_source: str | None
    failed_gates: tuple[str, ...]
    """Names of the gates the option fails."""


class Recommendation(_Record):
    headline: str
    """The recommendation in one sentence."""
    standing: str | None
    """Where the recommended option stands against the rest, in a sentence or two; or, when
    none is recommended, why."""
    recommended: str | None
    recommended_name: str | None
    reason: str | None
    """Why no option is recommended, when none is."""
    options: tuple[OptionVerdict, ...]
    """In rank order; excluded options last."""


# --------------------------------------------------------------------------- what would change it


class SwitchRow(_Record):
    """A weight switching value: the weight at which first place changes hands."""

    criterion: str
    criterion_name: str
    direction: Literal["increase", "decrease"]
    current_weight: float
    weight: float
    current_share: float
    share: float
    new_winner: str
    new_winner_name: str
    tied_with: tuple[str, ...]
    """Names of the options that cross together with the new winner."""


class EvidenceChangeRow(_Record):
    evidence: str
    statement: str | None
    before: Value | None
    after: Value


class VerdictChangeRow(_Record):
    option: str
    option_name: str
    before: str
    after: str


class CounterfactualRow(_Record):
    """Evidence changes (one, or a smallest set) and the winner and verdicts they lead to."""

    changes: tuple[EvidenceChangeRow, ...]
    changes_winner: bool
    new_winner: str | None
    new_winner_name: str | None
    verdict_changes: tuple[VerdictChangeRow, ...]


class FindOutOutcome(_Record):
    answers: tuple[Answer, ...]
    recommended: str | None
    recommended_name: str | None


class FindOutItem(_Record):
    """A fact (or a pair) worth finding out, and the answers that would change the answer."""

    facts: tuple[InformationFact, ...]
    decisive: bool
    margin_shift: float
    changing: tuple[FindOutOutcome, ...]


class WhatWouldChange(_Record):
    stable_to_weights: bool
    """True when no single weight change hands first place to another option."""
    switching_values: tuple[SwitchRow, ...]
    """Nearest first."""
    decisive_evidence: tuple[CounterfactualRow, ...]
    """Evidence changes that hand first place to another option: single changes, or else
    the smallest sets found."""
    verdict_evidence: tuple[CounterfactualRow, ...]
    """Single evidence changes that change some verdict but not the winner."""
    search: CounterfactualSearch | None
    find_out_next: tuple[FindOutItem, ...]
    find_out_pairs: bool
    """True when no single fact could change the recommendation and the items are pairs."""
    find_out_considered: int


# --------------------------------------------------------------------------- options x criteria


class CriterionColumn(_Record):
    """A leaf criterion, as a column of the scores matrix."""

    id: str
    name: str
    group: str
    """The top-level criterion it sits under (itself, at the top level)."""
    group_name: str
    horizon: str | None
    direction: Literal["maximise", "minimise"]
    global_weight: float


class ScoreRow(_Record):
    """One option across the criteria: values (0..100), and weighted points per leaf."""

    id: str
    name: str
    excluded: bool
    values: dict[str, float]
    contributions: dict[str, float]
    """Points per leaf criterion (global weight x utility); they sum to ``total``."""
    group_contributions: dict[str, float]
    """Points per top-level criterion."""
    total: float


class ScoresMatrix(_Record):
    criteria: tuple[CriterionColumn, ...]
    """Leaves, in the order of the tree."""
    groups: tuple[tuple[str, str], ...]
    """Top-level criteria (id, name), in order."""
    rows: tuple[ScoreRow, ...]


class TreeRow(_Record):
    """A criterion of the value tree, depth first."""

    id: str
    name: str
    depth: int
    parent: str | None
    leaf: bool
    raw_weight: float
    local_weight: float
    """Its share among its siblings."""
    global_weight: float
    horizon: str | None
    direction: Literal["maximise", "minimise"]
    description: str | None


# --------------------------------------------------------------------------- narrative, evidence


class DriverRow(_Record):
    """An evidence item weighing on an option, with the rules it acts through."""

    evidence: str
    statement: str | None
    value: Value | None
    source: str | None
    points: float
    rule_sources: tuple[str, ...]


class OptionNarrative(_Record):
    id: str
    name: str
    verdict_label: str
    narrative: tuple[str, ...]
    """The explanation's narrative, in paragraphs (empty when it could not be worked out)."""
    drivers: tuple[DriverRow, ...]
    gate_failures: tuple[str, ...]
    """One line per failed gate: the gate, and the rule's rationale and source."""


class EvidenceRow(_Record):
    id: str
    statement: str
    value: Value | None
    unit: str | None
    source: str
    document: str | None
    """The title of the cited document."""
    confidence: float
    range: tuple[float, float] | None
    read_by_rules: bool
    """False for context recorded for the reader, which no rule reads."""


class DocumentRow(_Record):
    id: str
    title: str
    date: str | None
    publisher: str | None
    url: str | None


# --------------------------------------------------------------------------- robustness


class AcceptabilityRow(_Record):
    option: str
    name: str
    shares: tuple[float, ...]
    """Share of weight samples in which the option takes rank 1, 2, ..."""
    confidence: float | None
    """Share of samples first at its central weights (None when never first)."""


class TornadoRow(_Record):
    """How far one criterion's share among its siblings can move before first place changes."""

    criterion: str
    name: str
    parent_name: str | None
    share: float
    low: float | None
    """The share below which first place changes hands (None: it never does)."""
    high: float | None
    low_winner: str | None
    high_winner: str | None
    """Names of the options first beyond each end."""


class EvidenceRobustness(_Record):
    samples: int
    items: tuple[str, ...]
    """The evidence items sampled (confidence below 1, or a range)."""
    recommended: tuple[tuple[str, float], ...]
    """(option name, share of samples in which it is recommended), largest first."""
    no_recommendation: float


class Robustness(_Record):
    samples: int
    seed: int
    prior: str
    acceptability: tuple[AcceptabilityRow, ...]
    excluded: tuple[str, ...]
    """Names of options left out of the ranking (they fail a gate)."""
    tie_share: float
    tornado: tuple[TornadoRow, ...]
    """Narrowest range (most sensitive) first."""
    evidence: EvidenceRobustness | None


# --------------------------------------------------------------------------- graph


NodeKind = Literal["cause", "problem", "option", "criterion", "gate"]
NodeState = Literal["recommended", "ranked", "excluded", "failed", "passed", "plain"]
EdgeKind = Literal["drives", "addresses", "contains", "moves", "fails"]


class GraphNode(_Record):
    key: str
    """``kind:id``, as in the rule base graph."""
    kind: NodeKind
    id: str
    label: str
    state: NodeState
    parent: str | None = None
    """For a criterion: the key of its parent criterion."""


class GraphEdge(_Record):
    source: str
    target: str
    kind: EdgeKind
    points: float | None = None
    """For ``moves``: the net score points the fired rules moved the option on the criterion."""
    rules: tuple[str, ...] = ()
    """The fired rules behind a ``moves`` or ``fails`` edge."""


class FiredRule(_Record):
    id: str
    text: str
    """The rule's rationale, else its description, else its id."""
    source: str | None
    acts_on: tuple[str, ...]
    """Names of the options the rule moves or fails."""
    derives: tuple[str, ...]
    """The findings it derives."""


class GraphState(_Record):
    nodes: tuple[GraphNode, ...]
    edges: tuple[GraphEdge, ...]
    fired: tuple[FiredRule, ...]
    not_fired: int
    unknown: int
    """Rules whose condition could not be decided because evidence is missing."""
    failed_gates: tuple[tuple[str, str, str], ...]
    """(option name, gate name, rule id) per gate failure."""
    excluded: tuple[str, ...]
    """Names of the excluded options."""


# --------------------------------------------------------------------------- the briefing


class Briefing(_Record):
    """Everything the report shows, in the order it shows it."""

    title: str
    version: str
    """The version of appraisal that made it."""
    description: str | None
    authority: str | None
    as_of: str | None
    rule_base_title: str
    scenario_path: str | None
    recommendation: Recommendation
    what_would_change: WhatWouldChange
    scores: ScoresMatrix
    value_tree: tuple[TreeRow, ...]
    narratives: tuple[OptionNarrative, ...]
    evidence: tuple[EvidenceRow, ...]
    unknown_facts: tuple[tuple[str, str | None], ...]
    """Facts some rule reads that the evidence leaves unknown: (id, description)."""
    documents: tuple[DocumentRow, ...]
    robustness: Robustness | None
    graph: GraphState
    fingerprint: Fingerprint | None
    problems: tuple[Problem, ...] = ()
    appraisal: Appraisal = Field(exclude=True, repr=False)
    """The appraisal briefed, for renderers that draw from it directly (the Mermaid graph);
    left out of dumps, which hold everything else."""

    def problem(self, part: Part) -> str | None:
        """The message of a part that could not be worked out, or None."""
        return next((p.message for p in self.problems if p.part == part), None)

    def __repr__(self) -> str:
        """One line: the whole record runs to tens of kilobytes (``model_dump`` has it all)."""
        return (
            f"Briefing(title={self.title!r}, recommended={self.recommendation.recommended!r},"
            f" options={len(self.recommendation.options)}, problems={len(self.problems)})"
        )

"""The briefing: everything a written appraisal shows, gathered once as data.

An analyst hands a minister a document that reads in a fixed order: the
recommendation and the verdicts; what would change it; the options scored on
each criterion; the value tree with its weights; why each option got its
verdict, with citations; the evidence and its sources; how robust the answer
is; the state of the graph of causes, problems, options and gates; and what it
was all computed from. ``brief`` assembles that from the public functions of
the stages below (``appraise``, ``explain``, ``sensitivity``, ``fingerprint``)
into one frozen ``Briefing``, so the report templates in ``render`` only
format and never compute.

A part that cannot be worked out (an explanation that meets a rule conflict
when some evidence is taken away, a weight prior that allows only zero
weights) is recorded as a ``problems`` entry naming the part, and the rest of
the briefing stands: a report with one section missing, and saying why, is
still a report.

The package, one module per concern (all of it is re-exported here):

- ``records``: the frozen records, section by section, and ``Briefing`` itself;
- ``assemble``: ``brief``, which gathers them, and ``paragraphs``, which splits a
  generated narrative into paragraphs.
"""

from .assemble import DRIVERS, FIND_OUT, SAMPLES, brief, paragraphs
from .records import (
    AcceptabilityRow,
    Briefing,
    CounterfactualRow,
    CriterionColumn,
    DocumentRow,
    DriverRow,
    EvidenceChangeRow,
    EvidenceRobustness,
    EvidenceRow,
    FindOutItem,
    FindOutOutcome,
    FiredRule,
    GraphEdge,
    GraphNode,
    GraphState,
    OptionNarrative,
    OptionVerdict,
    Part,
    Problem,
    Recommendation,
    Robustness,
    ScoreRow,
    ScoresMatrix,
    SwitchRow,
    TornadoRow,
    TreeRow,
    VerdictChangeRow,
    WhatWouldChange,
)

__all__ = [
    "AcceptabilityRow",
    "Briefing",
    "CounterfactualRow",
    "CriterionColumn",
    "DRIVERS",
    "DocumentRow",
    "DriverRow",
    "EvidenceChangeRow",
    "EvidenceRobustness",
    "EvidenceRow",
    "FIND_OUT",
    "FindOutItem",
    "FindOutOutcome",
    "FiredRule",
    "GraphEdge",
    "GraphNode",
    "GraphState",
    "OptionNarrative",
    "OptionVerdict",
    "Part",
    "Problem",
    "Recommendation",
    "Robustness",
    "SAMPLES",
    "ScoreRow",
    "ScoresMatrix",
    "SwitchRow",
    "TornadoRow",
    "TreeRow",
    "VerdictChangeRow",
    "WhatWouldChange",
    "brief",
    "paragraphs",
]

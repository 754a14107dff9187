"""The one evaluation core: rules, cells and aggregation over a batch of fact vectors.

One appraisal is a batch of one; a sampled analysis is a batch of many. Every
caller drives the same functions, so the semantics live here once:

- ``criteria``: ``CriteriaTree``, the criteria flattened once; raw to global weights
- ``conditions``: the structure of conditions, and the verdict metrics
- ``order``: the order rules run in (``graphlib``), and the cycles refused
- ``nodes``: conditions compiled against the columns, as trees
- ``levels``: rules grouped into levels (each reading only what earlier levels
  derive), their conditions flattened into arrays, once, at compile
- ``compiled``: ``CompiledModel``, a rule base compiled and indexed once
- ``evaluate``: facts encoded as columns; three-valued conditions, a level of
  rules at a time, every rule or a closed subset (``rule_subset``); the one
  conflict policy (``refuse_contradiction``)
- ``cells``: each cell's value (set, adjust, clamp, direction) and its bounds
- ``aggregate``: totals, horizon scores, competition ranks and verdicts

It imports only the models, the errors (and ``tables``, beside them, for how
a compiled model shows itself), the standard library and numpy: it knows no
files, no graph library and no screens.
"""

from .aggregate import (
    TIE_TOLERANCE,
    Totals,
    aggregate,
    assign_verdicts,
    competition_ranks,
    verdict_metrics,
    verdict_ranks,
)
from .cells import Cells, cell_bounds, cell_values, contested_cells, set_clashes, utility
from .compiled import CompiledModel, compile_model
from .conditions import (
    METRICS,
    comparisons,
    every_condition,
    facts_read,
    facts_read_anywhere,
    iter_conditions,
)
from .criteria import CriteriaTree, KeyPath, criteria_paths, leaf_criteria
from .evaluate import (
    Columns,
    Metrics,
    Outcome,
    RuleSubset,
    closed_rules,
    encode,
    evaluate,
    refuse_contradiction,
    rerun,
    rule_subset,
    truth,
)
from .order import refuse_cycles, rule_order

__all__ = [
    "METRICS",
    "TIE_TOLERANCE",
    "Cells",
    "Columns",
    "CompiledModel",
    "CriteriaTree",
    "KeyPath",
    "Metrics",
    "Outcome",
    "RuleSubset",
    "Totals",
    "aggregate",
    "assign_verdicts",
    "cell_bounds",
    "cell_values",
    "closed_rules",
    "comparisons",
    "compile_model",
    "contested_cells",
    "competition_ranks",
    "criteria_paths",
    "encode",
    "evaluate",
    "every_condition",
    "facts_read",
    "facts_read_anywhere",
    "iter_conditions",
    "leaf_criteria",
    "refuse_contradiction",
    "refuse_cycles",
    "rerun",
    "rule_order",
    "rule_subset",
    "set_clashes",
    "truth",
    "utility",
    "verdict_metrics",
    "verdict_ranks",
]

"""appraisal: a rules-based options appraisal engine.

Load a scenario (evidence for one case) and the rule base it names, appraise
it, and get plain data back: ranking, scores, verdicts and every intermediate
that explains them. Rendering lives in ``appraisal.render``.

>>> import appraisal
>>> result = appraisal.appraise(appraisal.bundled_scenarios()["birmingham-2014"])
>>> result.recommended
'commissioner'
"""

from .appraise import (
    Appraisal,
    CompiledRuleBase,
    OptionResult,
    appraise,
    appraise_facts,
    compile_rule_base,
)
from .errors import (
    AppraisalError,
    GraphCycleError,
    RuleEvaluationError,
    RuleSyntaxError,
    ScenarioLoadError,
    ScoringError,
    UnknownReferenceError,
    ValidationReport,
)
from .explain import (
    Attribution,
    EvidenceCounterfactual,
    Explanation,
    OptionExplanation,
    TraceNode,
    Versus,
    WeightSwitch,
    attribute,
    evidence_counterfactuals,
    evidence_trace,
    explain,
    versus,
    weight_switching_values,
)
from .loader import LoadedScenario, bundled_scenarios, load_rule_base, load_scenario, validate_file
from .models import EvidenceItem, RuleBase, Scenario

__version__ = "0.1.0"

_LAZY = {
    "EvidenceResult": "sensitivity",
    "SMAAResult": "sensitivity",
    "WeightPrior": "sensitivity",
    "WeightSweep": "sensitivity",
    "sensitivity": "sensitivity",
}
"""Names imported on first use, so that ``import appraisal`` does not load numpy."""


def __getattr__(name: str) -> object:
    if name in _LAZY:
        import importlib

        module = importlib.import_module(f".{_LAZY[name]}", __name__)
        return module if name == _LAZY[name] else getattr(module, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "Appraisal",
    "AppraisalError",
    "Attribution",
    "CompiledRuleBase",
    "EvidenceCounterfactual",
    "EvidenceItem",
    "EvidenceResult",
    "Explanation",
    "GraphCycleError",
    "LoadedScenario",
    "OptionExplanation",
    "OptionResult",
    "RuleBase",
    "RuleEvaluationError",
    "RuleSyntaxError",
    "SMAAResult",
    "Scenario",
    "ScenarioLoadError",
    "ScoringError",
    "TraceNode",
    "UnknownReferenceError",
    "ValidationReport",
    "Versus",
    "WeightPrior",
    "WeightSweep",
    "WeightSwitch",
    "__version__",
    "appraise",
    "appraise_facts",
    "attribute",
    "bundled_scenarios",
    "compile_rule_base",
    "evidence_counterfactuals",
    "evidence_trace",
    "explain",
    "load_rule_base",
    "load_scenario",
    "sensitivity",
    "validate_file",
    "versus",
    "weight_switching_values",
]

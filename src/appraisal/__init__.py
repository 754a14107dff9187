"""appraisal: a rules-based options appraisal engine.

Load a scenario (evidence for one case) and the rule base it names, appraise
it, and get plain data back: ranking, scores, verdicts and every intermediate
that explains them. Explanation is in ``appraisal.explain`` (its main names
are re-exported here); sensitivity analysis, which needs numpy, is imported
from ``appraisal.sensitivity`` so that ``import appraisal`` stays light.
``check_expectations`` compares an appraisal with the answer its scenario
says it should reach (an ``expect:`` block). Rendering lives in
``appraisal.render``.

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
from .expectations import ExpectationResult, check_expectations
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
    value_of_information,
    versus,
    weight_switching_values,
)
from .loader import LoadedScenario, bundled_scenarios, load_rule_base, load_scenario, validate_file
from .models import EvidenceItem, Expectation, RuleBase, Scenario

__version__ = "0.1.0"

__all__ = [
    "Appraisal",
    "AppraisalError",
    "Attribution",
    "CompiledRuleBase",
    "EvidenceCounterfactual",
    "EvidenceItem",
    "Expectation",
    "ExpectationResult",
    "Explanation",
    "GraphCycleError",
    "LoadedScenario",
    "OptionExplanation",
    "OptionResult",
    "RuleBase",
    "RuleEvaluationError",
    "RuleSyntaxError",
    "Scenario",
    "ScenarioLoadError",
    "ScoringError",
    "TraceNode",
    "UnknownReferenceError",
    "ValidationReport",
    "Versus",
    "WeightSwitch",
    "__version__",
    "appraise",
    "appraise_facts",
    "attribute",
    "bundled_scenarios",
    "check_expectations",
    "compile_rule_base",
    "evidence_counterfactuals",
    "evidence_trace",
    "explain",
    "load_rule_base",
    "load_scenario",
    "validate_file",
    "value_of_information",
    "versus",
    "weight_switching_values",
]

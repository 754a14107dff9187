"""appraisal: a rules-based options appraisal engine.

Load a scenario (evidence for one case) and the rule base it names, appraise
it, and get plain data back: ranking, scores, verdicts and every intermediate
that explains them. Rendering lives in ``appraisal.render``.

>>> import appraisal
>>> result = appraisal.appraise(appraisal.bundled_scenarios()["birmingham-2014"])
>>> result.recommended
'commissioner'
"""

from .appraise import Appraisal, CompiledRuleBase, OptionResult, appraise, appraise_facts, compile_rule_base
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
from .loader import LoadedScenario, bundled_scenarios, load_rule_base, load_scenario, validate_file
from .models import EvidenceItem, RuleBase, Scenario

__version__ = "0.1.0"

__all__ = [
    "Appraisal",
    "AppraisalError",
    "CompiledRuleBase",
    "EvidenceItem",
    "GraphCycleError",
    "LoadedScenario",
    "OptionResult",
    "RuleBase",
    "RuleEvaluationError",
    "RuleSyntaxError",
    "Scenario",
    "ScenarioLoadError",
    "ScoringError",
    "UnknownReferenceError",
    "ValidationReport",
    "__version__",
    "appraise",
    "appraise_facts",
    "bundled_scenarios",
    "compile_rule_base",
    "load_rule_base",
    "load_scenario",
    "validate_file",
]

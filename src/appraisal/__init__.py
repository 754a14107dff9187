"""appraisal: a rules-based options appraisal engine.

Load a scenario (evidence for one case) and the rule base it names, appraise
it, and get plain data back: ranking, scores, verdicts and every intermediate
that explains them. Explanation is in ``appraisal.explain`` (its main names
are re-exported here); sensitivity analysis, which needs numpy, is imported
from ``appraisal.sensitivity`` so that ``import appraisal`` stays light.
``check_expectations`` compares an appraisal with the answer its scenario
says it should reach (an ``expect:`` block). ``brief`` gathers everything a
written briefing shows; rendering, the briefing's HTML and Markdown included
(``appraisal.render.report``), lives in ``appraisal.render``.

Names are imported when first used (module ``__getattr__``), so importing the
package, or starting the ``appraisal`` command, loads none of the pipeline
until it is needed: the command line can stop quietly on Ctrl-C from its
first instant, and ``--help`` starts fast.

>>> import appraisal
>>> result = appraisal.appraise(appraisal.bundled_scenarios()["birmingham-2014"])
>>> result.recommended
'commissioner'
"""

from __future__ import annotations

import importlib
import sys
import types

TYPE_CHECKING = False
"""``typing.TYPE_CHECKING`` without importing ``typing``: this module runs before the
command line can handle Ctrl-C, so it imports only what the interpreter already has."""

if TYPE_CHECKING:
    from typing import Any

    from .appraise import (
        Appraisal,
        CompiledRuleBase,
        OptionResult,
        appraise,
        appraise_facts,
        compile_rule_base,
    )
    from .briefing import Briefing, brief
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
    from .loader import (
        LoadedScenario,
        bundled_scenarios,
        load_rule_base,
        load_scenario,
        validate_file,
    )
    from .models import EvidenceItem, Expectation, RuleBase, Scenario

__version__ = "0.1.0"

_EXPORTS: dict[str, str] = {
    "Appraisal": ".appraise",
    "CompiledRuleBase": ".appraise",
    "OptionResult": ".appraise",
    "appraise": ".appraise",
    "appraise_facts": ".appraise",
    "compile_rule_base": ".appraise",
    "Briefing": ".briefing",
    "brief": ".briefing",
    "AppraisalError": ".errors",
    "GraphCycleError": ".errors",
    "RuleEvaluationError": ".errors",
    "RuleSyntaxError": ".errors",
    "ScenarioLoadError": ".errors",
    "ScoringError": ".errors",
    "UnknownReferenceError": ".errors",
    "ValidationReport": ".errors",
    "ExpectationResult": ".expectations",
    "check_expectations": ".expectations",
    "Attribution": ".explain",
    "EvidenceCounterfactual": ".explain",
    "Explanation": ".explain",
    "OptionExplanation": ".explain",
    "TraceNode": ".explain",
    "Versus": ".explain",
    "WeightSwitch": ".explain",
    "attribute": ".explain",
    "evidence_counterfactuals": ".explain",
    "evidence_trace": ".explain",
    "explain": ".explain",
    "value_of_information": ".explain",
    "versus": ".explain",
    "weight_switching_values": ".explain",
    "LoadedScenario": ".loader",
    "bundled_scenarios": ".loader",
    "load_rule_base": ".loader",
    "load_scenario": ".loader",
    "validate_file": ".loader",
    "EvidenceItem": ".models",
    "Expectation": ".models",
    "RuleBase": ".models",
    "Scenario": ".models",
}
"""Each public name and the module it lives in."""

__all__ = [
    "Appraisal",
    "AppraisalError",
    "Attribution",
    "Briefing",
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
    "brief",
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


def __getattr__(name: str) -> Any:
    """Import a public name from its module the first time it is asked for."""
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(module, __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *_EXPORTS})


class _Package(types.ModuleType):
    """The package module, keeping ``appraisal.appraise`` and ``appraisal.explain`` the
    functions they have always been.

    Importing a submodule sets it as an attribute of its package; two
    submodules share their name with the function they are best known for,
    so when the import system records one of them, the function is recorded
    in its place (the module stays in ``sys.modules``).
    """

    def __setattr__(self, name: str, value: object) -> None:
        if name in ("appraise", "explain") and isinstance(value, types.ModuleType):
            value = getattr(value, name)
        super().__setattr__(name, value)


sys.modules[__name__].__class__ = _Package

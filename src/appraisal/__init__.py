"""appraisal: a rules-based options appraisal engine.

A rule base (options, weighted criteria, rules) and a scenario (evidence with
sources) in YAML; scores, verdicts and the evidence behind each, as plain data.
The calls most work needs:

>>> import appraisal
>>> path = appraisal.bundled_scenarios()["birmingham-2014"]  # or a scenario file
>>> result = appraisal.appraise(path)  # ranking, scores, verdicts
>>> result.recommended
'commissioner'
>>> why = appraisal.explain(result)  # drivers, switching values, narrative per option
>>> appraisal.check_expectations(path).passed  # the answer the scenario expects?
True

- ``appraisal.sensitivity.sensitivity(path)``: weight sweeps and SMAA,
  ``evidence=True`` for evidence uncertainty;
- ``appraisal.validate_file(path)``: every problem of a file, with its line;
- ``appraisal.brief(path)``: everything a written briefing shows, for
  ``appraisal.render.report`` to turn into HTML or Markdown.

Results show themselves: a one-line ``repr``, a summary with ``print``, an
HTML table in Jupyter; ``result.to_frame()`` gives a pandas DataFrame
(``pip install 'appraisal[pandas]'``). Errors derive from ``AppraisalError``
and name the file, line and field. Rendering lives in ``appraisal.render``.

Documentation: ``docs/api.md`` (this library), ``docs/cli.md``,
``docs/format.md`` and ``docs/explain.md`` in the source distribution, and its
README. Every public name is in ``appraisal.__all__``; ``help(appraisal.Appraisal)``
documents one of them.
"""

from __future__ import annotations

import importlib
import sys
import types

from .version import __version__

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
        MissingExtraError,
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
    "MissingExtraError": ".errors",
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
    "MissingExtraError",
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
    """Import a public name from its module when asked for (PEP 562).

    Names are imported when first used, so importing the package, or starting
    the ``appraisal`` command, loads none of the pipeline until it is needed:
    the command line can stop quietly on Ctrl-C from its first instant, and
    ``--help`` starts fast. Nothing is bound in the package's namespace (see
    ``__dir__``); the modules cache themselves in ``sys.modules``.
    """
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(module, __name__), name)


def __dir__() -> list[str]:
    """What the package holds, and every public function, for completion.

    The public classes are left out: ``help(appraisal)`` documents every class
    that ``dir`` lists with all it inherits from pydantic (thousands of lines),
    which would bury the guide above. They are in ``__all__``, import as
    usual, and each has its own ``help``.
    """
    return sorted({*globals(), *(name for name in _EXPORTS if name[0].islower())})


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

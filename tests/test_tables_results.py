"""Every public result shows itself as a notebook would: a short repr, a summary, HTML."""

from __future__ import annotations

import importlib
import pkgutil
import pydoc
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from pydantic import BaseModel

import appraisal
from appraisal.comparison import compare_scenarios
from appraisal.fingerprint import scenario_fingerprint
from appraisal.reachability import reachability
from appraisal.sensitivity import sensitivity
from appraisal.tables import Displayable

from .conftest import BIRMINGHAM, RULES
from .test_tables import parse


@pytest.fixture(scope="module")
def results() -> dict[str, Any]:
    """One of every public result, from the Birmingham scenario."""
    loaded = appraisal.load_scenario(BIRMINGHAM)
    result = appraisal.appraise(loaded)
    explanation = appraisal.explain(result)
    report = sensitivity(loaded, samples=400, evidence=True)
    compiled = appraisal.compile_rule_base(loaded.rule_base)
    assert report.evidence is not None and explanation.switching_values
    what_if = appraisal.load_scenario(
        BIRMINGHAM.with_name("birmingham-2014-sustained-improvement.yaml")
    )
    difference = compare_scenarios(loaded, what_if)

    return {
        "Appraisal": result,
        "OptionResult": result.options[0],
        "CriterionValue": result.options[0].values["challenge"],
        "Explanation": explanation,
        "OptionExplanation": explanation.options[0],
        "TraceNode": explanation.options[0].trace,
        "WeightSwitch": explanation.switching_values[0],
        "EvidenceCounterfactual": explanation.evidence_counterfactuals[0],
        "Attribution": appraisal.attribute(result),
        "OptionAttribution": appraisal.attribute(result).options["commissioner"],
        "Versus": appraisal.versus(result, "commissioner", "watchful_waiting"),
        "CounterfactualReport": appraisal.evidence_counterfactuals(result),
        "InformationReport": appraisal.value_of_information(result),
        "ExpectationResult": appraisal.check_expectations(loaded, result=result),
        "ValidationResult": appraisal.validate_file(BIRMINGHAM),
        "LoadedScenario": loaded,
        "CompiledModel": compiled,
        "RuleBase": loaded.rule_base,
        "Scenario": loaded.scenario,
        "SensitivityReport": report,
        "SMAAResult": report.smaa,
        "EvidenceResult": report.evidence,
        "WeightSweep": report.sweeps[0],
        "Reachability": reachability(compiled),
        "OptionReach": reachability(compiled).options[0],
        "Fingerprint": scenario_fingerprint(loaded),
        "ScenarioDifference": difference,
        "OptionShift": difference.options[0],
        "Difference": difference.differences[0],
    }


KINDS = [
    "Appraisal",
    "OptionResult",
    "CriterionValue",
    "Explanation",
    "OptionExplanation",
    "TraceNode",
    "WeightSwitch",
    "EvidenceCounterfactual",
    "Attribution",
    "OptionAttribution",
    "Versus",
    "CounterfactualReport",
    "InformationReport",
    "ExpectationResult",
    "ValidationResult",
    "LoadedScenario",
    "CompiledModel",
    "RuleBase",
    "Scenario",
    "SensitivityReport",
    "SMAAResult",
    "EvidenceResult",
    "WeightSweep",
    "Reachability",
    "OptionReach",
    "Fingerprint",
    "ScenarioDifference",
    "OptionShift",
    "Difference",
]


@pytest.mark.parametrize("kind", KINDS)
def test_every_result_has_a_short_one_line_repr(results: dict[str, Any], kind: str) -> None:
    value = results[kind]
    assert type(value).__name__ == kind
    line = repr(value)
    assert len(line) < 300 and "\n" not in line
    assert line.startswith(f"<{kind} ") and line.endswith(">")


@pytest.mark.parametrize("kind", KINDS)
def test_every_result_renders_in_a_notebook(results: dict[str, Any], kind: str) -> None:
    value = results[kind]
    assert isinstance(value, Displayable)
    markup = value._repr_html_()
    parsed = parse(markup)
    assert parsed.tags[0] == "div" and kind in "".join(parsed.text)
    assert len(markup) < 20_000
    assert str(value).startswith(f"{kind}: ")


@pytest.mark.parametrize("kind", ["Appraisal", "Explanation", "SensitivityReport"])
def test_the_json_is_unchanged(results: dict[str, Any], kind: str) -> None:
    value = results[kind]
    assert set(value.model_dump()) == {
        name for name, info in type(value).model_fields.items() if not info.exclude
    }


def cells(markup: str) -> list[str]:
    return [text.strip() for text in parse(markup).text if text.strip()]


def test_an_appraisal_shows_its_recommendation_and_ranking(results: dict[str, Any]) -> None:
    result = results["Appraisal"]
    assert repr(result) == (
        '<Appraisal "Birmingham children\'s social care, February 2014":'
        " recommended commissioner (70.0); 4 options>"
    )
    markup = result._repr_html_()
    shown = cells(markup)
    assert (
        "Recommended: IV. Commissioner, expert panel and directions (commissioner), score 70.0."
        in shown
    )
    assert "Excluded: isle_of_wight fails gate capable_partner." in shown
    for option in result.options:
        assert option.id in shown and option.verdict.replace("_", " ") in shown
    assert markup.count('<tr class="strong">') == 1 and markup.count('<tr class="muted">') == 1
    assert "absolute 0-100 scale" in markup


def test_an_explanation_shows_each_options_drivers(results: dict[str, Any]) -> None:
    explanation = results["Explanation"]
    text = str(explanation)
    for option in explanation.options:
        top = max(option.attribution, key=lambda item: abs(option.attribution[item]))
        assert top in text
    assert "acceptability" in text  # the one switching value
    one = str(explanation.option("commissioner"))
    assert one.splitlines()[1].startswith("IV. Commissioner, expert panel and directions is")


def test_a_sensitivity_report_shows_first_rank_acceptability(results: dict[str, Any]) -> None:
    report = results["SensitivityReport"]
    first = f"{100 * report.smaa.first_rank('commissioner'):.1f}%"
    assert f"first in {first}" in repr(report)
    assert first in cells(report.smaa._repr_html_())


def test_a_scenario_title_cannot_inject_markup(tmp_path: Path) -> None:
    scenario = tmp_path / "scenario.yaml"
    scenario.write_text(
        f'title: "<script>alert(1)</script>\\e[31m"\nrule_base: {RULES}\n', encoding="utf-8"
    )
    result = appraisal.appraise(scenario)
    parsed = parse(result._repr_html_())
    assert "script" not in parsed.tags
    assert "<script>alert(1)</script>" in "".join(parsed.text)
    assert "\x1b" not in repr(result) + str(result) + result._repr_html_()


def test_importing_the_results_loads_no_renderer() -> None:
    code = (
        "import sys, appraisal.appraise, appraisal.explain, appraisal.sensitivity;"
        "print(sorted(m for m in sys.modules if m.startswith('appraisal.render')))"
    )
    found = subprocess.run([sys.executable, "-c", code], capture_output=True, timeout=120)
    assert found.stdout.decode().strip() == "[]", found.stderr.decode()


def test_help_on_the_package_is_a_short_guide_to_the_docs() -> None:
    text = pydoc.plain(pydoc.render_doc(appraisal))
    assert len(text.splitlines()) < 300
    assert "docs/api.md" in text and "README" in text
    for call in ("appraise(", "explain(", "sensitivity(", "check_expectations(", "to_frame()"):
        assert call in text


def test_completion_still_offers_every_public_function() -> None:
    functions = {name for name in appraisal.__all__ if name[0].islower()}
    assert functions <= set(dir(appraisal))
    assert appraisal.Appraisal.__name__ == "Appraisal"  # classes still import as usual


def test_every_public_result_model_shows_itself_briefly() -> None:
    """A guard for results added later: every exported pydantic model outside the YAML
    vocabulary (``models``) inherits the short displays."""
    plain = []
    for info in pkgutil.walk_packages(appraisal.__path__, "appraisal."):
        if info.name.endswith("__main__"):
            continue
        module = importlib.import_module(info.name)
        for name in getattr(module, "__all__", []):
            value = getattr(module, name, None)
            if (
                isinstance(value, type)
                and issubclass(value, BaseModel)
                and value.__module__ != "appraisal.models"
                and not issubclass(value, Displayable)
            ):
                plain.append(f"{value.__module__}.{name}")
    assert plain == []

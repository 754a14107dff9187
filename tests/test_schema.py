"""The JSON Schema for editors: dialect, id, and a scenario schema that knows its facts."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from appraisal.loader import load_rule_base, load_scenario, read_yaml
from appraisal.schema import DIALECT, json_schema, schema_id

from .conftest import RULES, SCENARIOS

jsonschema = pytest.importorskip("jsonschema")

SCENARIO_FILES = sorted(SCENARIOS.rglob("*.yaml"))


def as_json(path: Path) -> Any:
    data, _ = read_yaml(path)
    return json.loads(json.dumps(data))  # keys become strings, as in an editor


@pytest.mark.parametrize("kind", ["rule-base", "scenario"])
def test_schema_names_its_dialect_and_id(kind: str) -> None:
    schema = json_schema(kind)  # type: ignore[arg-type]
    assert schema["$schema"] == DIALECT
    assert schema["$id"] == f"urn:appraisal:schema:{kind}:v1"
    jsonschema.Draft202012Validator.check_schema(schema)


def test_every_bundled_file_validates() -> None:
    """Each rule base, and each scenario against the schema of its own rule base."""
    rule_bases = sorted(RULES.parent.glob("*.yaml"))
    assert len(rule_bases) >= 2
    for path in rule_bases:
        jsonschema.validate(as_json(path), json_schema("rule-base"))
    general = jsonschema.Draft202012Validator(json_schema("scenario"))
    assert len(SCENARIO_FILES) >= 10
    for path in SCENARIO_FILES:
        rule_base = load_scenario(path).rule_base
        specific = jsonschema.Draft202012Validator(json_schema("scenario", rule_base))
        for validator in (general, specific):
            errors = [e.message for e in validator.iter_errors(as_json(path))]
            assert errors == [], path


def test_scenario_schema_lists_the_rule_base_facts() -> None:
    rule_base, _ = load_rule_base(RULES)
    schema = json_schema("scenario", rule_base)
    assert schema["$id"] == schema_id("scenario", rule_base)
    assert schema["$id"].endswith(":rule-base:childrens-social-care")
    jsonschema.Draft202012Validator.check_schema(schema)
    evidence = schema["properties"]["evidence"]
    assert set(evidence["properties"]) == set(rule_base.facts)
    assert evidence["additionalProperties"] is False
    for fact_id, spec in rule_base.facts.items():
        entry = evidence["properties"][fact_id]
        assert entry["description"]
        if spec.type == "level":
            assert entry["properties"]["value"]["enum"][:-1] == rule_base.scales[str(spec.scale)]
    assert set(schema["properties"]["weights"]["properties"]) >= set(rule_base.criteria)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda e: e.update(idaci=e.pop(next(iter(e)))), "'idaci' was unexpected"),
        (lambda e: e[next(iter(e))].update(confidance=1), "'confidance' was unexpected"),
    ],
)
def test_the_specific_schema_refuses_what_the_general_one_cannot(change: Any, message: str) -> None:
    rule_base, _ = load_rule_base(RULES)
    scenario = as_json(SCENARIOS / "birmingham-2014.yaml")
    wrong = copy.deepcopy(scenario)
    change(wrong["evidence"])
    errors = list(
        jsonschema.Draft202012Validator(json_schema("scenario", rule_base)).iter_errors(wrong)
    )
    assert any(message in e.message for e in errors), [e.message for e in errors]


def test_a_level_outside_its_scale_is_refused() -> None:
    rule_base, _ = load_rule_base(RULES)
    level = next(f for f, spec in rule_base.facts.items() if spec.type == "level")
    scenario = {
        "title": "t",
        "rule_base": "r.yaml",
        "evidence": {level: {"statement": "s", "source": "d p", "value": "no-such-level"}},
    }
    validator = jsonschema.Draft202012Validator(json_schema("scenario", rule_base))
    assert not validator.is_valid(scenario)
    scenario["evidence"][level]["value"] = None
    assert validator.is_valid(scenario)


def test_a_rule_base_schema_takes_no_rule_base() -> None:
    rule_base, _ = load_rule_base(RULES)
    with pytest.raises(ValueError, match="only a scenario's schema"):
        json_schema("rule-base", rule_base)

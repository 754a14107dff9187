"""The YAML vocabulary: strict, frozen, with forgiving shorthands."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import TypeAdapter, ValidationError

from appraisal.models import (
    Comparison,
    Condition,
    Criterion,
    RuleBase,
    Scenario,
    Source,
    VerdictRule,
)


def test_source_one_line_shorthand() -> None:
    assert Source.model_validate("report paras 7.1-7.3") == Source(
        document="report", locator="paras 7.1-7.3"
    )
    assert str(Source(document="report", locator="para 9.5")) == "report, para 9.5"
    assert Source.model_validate("report").locator is None


@pytest.mark.parametrize(
    "raw",
    [
        {"fact": "x"},  # no operator
        {"fact": "x", "lt": 1, "gt": 2},  # two operators
        {"fact": "x", "metric": "rank", "eq": 1},  # two subjects
        {"fact": "x", "between": 1},  # unknown key
    ],
)
def test_malformed_comparisons(raw: dict[str, Any]) -> None:
    with pytest.raises(ValidationError):
        TypeAdapter(Condition).validate_python(raw)


def test_condition_forms_are_discriminated_by_key() -> None:
    adapter: TypeAdapter[Any] = TypeAdapter(Condition)
    parsed = adapter.validate_python({"all": [{"known": "x"}, {"not": {"fact": "y", "eq": True}}]})
    assert type(parsed).__name__ == "AllOf"
    assert isinstance(parsed.all[1].not_, Comparison)


def test_leaf_criteria_need_a_horizon() -> None:
    with pytest.raises(ValidationError, match="needs a horizon"):
        Criterion(weight=1)
    with pytest.raises(ValidationError, match="greater than 0"):
        Criterion(weight=-1, horizon="short")


def test_verdict_rule_has_when_or_otherwise() -> None:
    VerdictRule(verdict="x", otherwise=True)
    with pytest.raises(ValidationError):
        VerdictRule(verdict="x")
    with pytest.raises(ValidationError):
        VerdictRule(verdict="x", otherwise=True, when={"known": "y"})


def test_models_are_frozen() -> None:
    source = Source(document="d")
    with pytest.raises(ValidationError):
        source.document = "e"  # type: ignore[misc]


def _undescribed(schema: Any, path: str = "") -> list[str]:
    """The properties, anywhere in a JSON Schema, that have no description."""
    missing: list[str] = []
    if isinstance(schema, dict):
        for name, value in schema.get("properties", {}).items():
            if "description" not in value:
                missing.append(f"{path}.{name}")
        for key, value in schema.items():
            missing += _undescribed(value, f"{path}/{key}")
    elif isinstance(schema, list):
        for index, value in enumerate(schema):
            missing += _undescribed(value, f"{path}[{index}]")
    return missing


def _properties(schema: Any) -> int:
    if isinstance(schema, dict):
        own = len(schema.get("properties", {}))
        return own + sum(_properties(value) for value in schema.values())
    if isinstance(schema, list):
        return sum(_properties(value) for value in schema)
    return 0


@pytest.mark.parametrize(("model", "at_least"), [(RuleBase, 90), (Scenario, 20)])
def test_every_field_has_a_description(
    model: type[RuleBase] | type[Scenario], at_least: int
) -> None:
    """Editors show a field's description on hover; none may be missing."""
    schema = model.model_json_schema()
    assert _undescribed(schema) == []
    assert _properties(schema) >= at_least


def test_bundled_files_satisfy_the_published_json_schema() -> None:
    """What `appraisal schema` prints must accept every bundled file, as an editor would."""
    import json

    jsonschema = pytest.importorskip("jsonschema")
    from appraisal.loader import read_yaml

    from .conftest import RULES, SCENARIOS

    rule_bases = sorted(RULES.parent.glob("*.yaml"))
    cases = [
        *((RuleBase, p) for p in rule_bases),
        *((Scenario, p) for p in sorted(SCENARIOS.glob("*.yaml"))),
    ]
    for model, path in cases:
        data, _ = read_yaml(path)
        as_json = json.loads(json.dumps(data))  # keys become strings, as in an editor
        jsonschema.validate(as_json, model.model_json_schema())

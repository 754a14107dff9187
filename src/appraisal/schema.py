"""JSON Schema of the YAML files, for editors (``appraisal schema``).

The schemas come from the models (``models.py``): every property carries the
description its ``Field`` declares, so an editor's hover says what a field
means. Each schema names its dialect (``$schema``) and has a stable ``$id``, a
URN with the project's name and the format's version, which changes only when
a file valid under the old schema could be refused.

A scenario's evidence is keyed by the facts of its rule base, which the
general schema cannot know. Given the rule base, ``json_schema`` lists them:
``evidence`` gets one property per fact, with its description, type, unit or
levels, and refuses any other key, so an editor completes fact ids and flags a
misspelt one as it is typed; ``weights`` and ``weight_ranges`` get one
property per criterion the same way.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, Literal

from .models import Criterion, FactSpec, RuleBase, Scenario

__all__ = ["DIALECT", "SCHEMA_VERSION", "SchemaKind", "json_schema", "schema_id"]

SchemaKind = Literal["rule-base", "scenario"]

SCHEMA_VERSION = 1
"""The version of the file format the schemas describe."""

DIALECT = "https://json-schema.org/draft/2020-12/schema"


def schema_id(kind: SchemaKind, rule_base: RuleBase | None = None) -> str:
    """The schema's ``$id``: ``urn:appraisal:schema:scenario:v1``, with the rule base's id
    appended when the schema lists its facts."""
    suffix = "" if rule_base is None else f":rule-base:{rule_base.id}"
    return f"urn:appraisal:schema:{kind}:v{SCHEMA_VERSION}{suffix}"


def json_schema(kind: SchemaKind, rule_base: RuleBase | None = None) -> dict[str, Any]:
    """The JSON Schema of a rule base or scenario file; for a scenario of ``rule_base``,
    with its fact and criterion ids."""
    if kind not in ("rule-base", "scenario"):
        raise ValueError(f"kind is 'rule-base' or 'scenario', not {kind!r}")
    if kind == "rule-base" and rule_base is not None:
        raise ValueError("only a scenario's schema depends on a rule base")
    model = RuleBase if kind == "rule-base" else Scenario
    generated = model.model_json_schema()
    if rule_base is not None:
        properties = generated["properties"]
        properties["evidence"] = _evidence(properties["evidence"], rule_base)
        for name in ("weights", "weight_ranges"):
            properties[name] = _by_criterion(properties[name], rule_base)
    return {"$schema": DIALECT, "$id": schema_id(kind, rule_base), **generated}


def _evidence(general: dict[str, Any], rule_base: RuleBase) -> dict[str, Any]:
    item = _pattern_value(general)
    return {
        "type": "object",
        "description": general["description"],
        "properties": {
            fact_id: {
                **item,
                "description": _fact_description(fact_id, spec, rule_base),
                "properties": {"value": _value_schema(spec, rule_base)},
            }
            for fact_id, spec in rule_base.facts.items()
        },
        "additionalProperties": False,
    }


def _pattern_value(general: dict[str, Any]) -> dict[str, Any]:
    """The schema of each value of a mapping keyed by ids (pydantic writes it under an id
    pattern)."""
    (value,) = general["patternProperties"].values()
    return dict(value)


def _fact_description(fact_id: str, spec: FactSpec, rule_base: RuleBase) -> str:
    kind: str = spec.type
    if spec.type == "level" and spec.scale is not None:
        kind = f"level of {spec.scale}: {', '.join(rule_base.scales.get(spec.scale, []))}"
    elif spec.unit:
        kind = f"{spec.type}, {spec.unit}"
    about = spec.description or fact_id
    return f"{about} ({kind})" + (" Context only: no rule reads it." if spec.context else "")


def _value_schema(spec: FactSpec, rule_base: RuleBase) -> dict[str, Any]:
    description = "The value; null (or leaving the item out) is unknown."
    if spec.type == "level" and spec.scale is not None:
        return {"enum": [*rule_base.scales.get(spec.scale, []), None], "description": description}
    json_type = {"number": "number", "boolean": "boolean", "text": "string"}.get(spec.type)
    return {"type": [json_type or "string", "null"], "description": description}


def _by_criterion(general: dict[str, Any], rule_base: RuleBase) -> dict[str, Any]:
    value = _pattern_value(general)
    return {
        "type": "object",
        "description": general["description"],
        "properties": {
            criterion_id: {**value, "description": criterion.name or criterion_id}
            for criterion_id, criterion in _all_criteria(rule_base.criteria)
        },
        "additionalProperties": False,
    }


def _all_criteria(criteria: dict[str, Criterion]) -> Iterator[tuple[str, Criterion]]:
    """Every criterion of the tree, parents before their children."""
    for criterion_id, criterion in criteria.items():
        yield criterion_id, criterion
        yield from _all_criteria(criterion.children)

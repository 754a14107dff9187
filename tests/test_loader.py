"""Loading YAML: located errors, duplicate keys, references, ``extends``."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from appraisal.errors import (
    GraphCycleError,
    RuleSyntaxError,
    ScenarioLoadError,
    UnknownReferenceError,
    ValidationReport,
)
from appraisal.loader import (
    bundled_scenarios,
    load_rule_base,
    load_scenario,
    read_yaml,
    resolve_scenario,
    validate_file,
)

from .conftest import BIRMINGHAM, RULES, SMALL_RULE_BASE


def write(tmp_path: Path, text: str, name: str = "file.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_read_yaml_keeps_positions(tmp_path: Path) -> None:
    data, marks = read_yaml(write(tmp_path, "a:\n  b: 1\n  c: [x, y]\n"))
    assert data == {"a": {"b": 1, "c": ["x", "y"]}}
    assert marks.positions[("a", "b")] == (2, 3)
    assert marks.locate(("a", "c", 1)).line == 3


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("a: 1\na: 2\n", r"^file\.yaml:2:1: a: duplicate key 'a' \(first defined on line 1\)$"),
        ("a:\n  b: [1\n", r"^file\.yaml:3:1: YAML syntax error: .*expected ',' or '\]'"),
        ("", r"^file\.yaml:1:1: the file is empty$"),
        ("a: 1\nb:\n  <<: {c: 1}\n", r"merge keys"),
        ("? [a, b]\n: 1\n", r"mapping keys must be plain scalars"),
    ],
)
def test_read_yaml_rejects_bad_files(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, text: str, message: str
) -> None:
    monkeypatch.chdir(tmp_path)
    with pytest.raises(ScenarioLoadError, match=message):
        read_yaml(write(tmp_path, text))


def test_read_yaml_never_constructs_python_objects(tmp_path: Path) -> None:
    with pytest.raises(ScenarioLoadError):
        read_yaml(write(tmp_path, "a: !!python/object/apply:os.system ['true']\n"))


def test_missing_file_is_named(tmp_path: Path) -> None:
    with pytest.raises(ScenarioLoadError, match="file not found"):
        read_yaml(tmp_path / "nowhere.yaml")


def test_bundled_rule_base_loads() -> None:
    rule_base, _ = load_rule_base(RULES)
    assert list(rule_base.options) == [
        "watchful_waiting",
        "isle_of_wight",
        "commissioning_split",
        "commissioner",
    ]


def test_unknown_field_is_located(make_rule_base: Callable[..., Path]) -> None:
    criteria = dict(SMALL_RULE_BASE["criteria"])
    criteria["cost"] = {**criteria["cost"], "wieght": 3}
    path = make_rule_base(criteria=criteria)
    with pytest.raises(ScenarioLoadError, match=r"criteria\.cost\.wieght: unknown field"):
        load_rule_base(path)


def test_negative_weight_is_located(make_rule_base: Callable[..., Path]) -> None:
    criteria = dict(SMALL_RULE_BASE["criteria"])
    criteria["cost"] = {**criteria["cost"], "weight": -1}
    path = make_rule_base(criteria=criteria)
    with pytest.raises(
        ScenarioLoadError, match=r":\d+:\d+: criteria\.cost\.weight: .*greater than 0"
    ):
        load_rule_base(path)


def test_unknown_reference_suggests(make_rule_base: Callable[..., Path]) -> None:
    rules = dict(SMALL_RULE_BASE["rules"])
    rules["typo"] = {"when": {"fact": "rat", "gt": 1}, "then": [{"derive": "low_rate"}]}
    with pytest.raises(UnknownReferenceError) as caught:
        load_rule_base(make_rule_base(rules=rules))
    assert caught.value.suggestion == "rate"
    assert "unknown fact 'rat' (did you mean 'rate'?)" in str(caught.value)
    assert caught.value.field == "rules.typo.when.fact"


def test_every_problem_is_reported(make_rule_base: Callable[..., Path]) -> None:
    rules = dict(SMALL_RULE_BASE["rules"])
    rules["bad"] = {
        "when": {"all": [{"fact": "rat", "gt": 1}, {"fact": "plan", "lt": True}]},
        "then": [{"option": "wiat", "adjust": "now", "by": 1}],
    }
    with pytest.raises(ValidationReport) as caught:
        load_rule_base(make_rule_base(rules=rules))
    messages = [e.message for e in caught.value.errors]
    assert len(messages) == 3
    assert any("unknown fact 'rat'" in m for m in messages)
    assert any("boolean facts compare only with eq or ne" in m for m in messages)
    assert any("unknown option 'wiat' (did you mean 'wait'?)" in m for m in messages)


def test_level_outside_scale(make_rule_base: Callable[..., Path]) -> None:
    rules = dict(SMALL_RULE_BASE["rules"])
    rules["bad"] = {"when": {"fact": "support", "ge": "strnog"}, "then": [{"derive": "low_rate"}]}
    with pytest.raises(RuleSyntaxError, match=r"did you mean 'strong'"):
        load_rule_base(make_rule_base(rules=rules))


def test_cycle_among_findings(make_rule_base: Callable[..., Path]) -> None:
    findings = {"a": {"type": "boolean"}, "b": {"type": "boolean"}}
    rules = {
        "a_from_b": {"when": {"fact": "b", "eq": True}, "then": [{"derive": "a"}]},
        "b_from_a": {"when": {"fact": "a", "eq": True}, "then": [{"derive": "b"}]},
    }
    with pytest.raises(GraphCycleError, match="cycle among derived findings") as caught:
        load_rule_base(make_rule_base(findings=findings, rules=rules))
    assert caught.value.line is not None
    assert {"rule:a_from_b", "rule:b_from_a"} <= set(caught.value.nodes)


def test_missing_baseline_value(make_rule_base: Callable[..., Path]) -> None:
    options = dict(SMALL_RULE_BASE["options"])
    options["wait"] = {**options["wait"], "values": {"now": {"value": 1}, "later": {"value": 1}}}
    with pytest.raises(ScenarioLoadError, match="no baseline value for criteria cost"):
        load_rule_base(make_rule_base(options=options))


def test_verdicts_end_in_otherwise(make_rule_base: Callable[..., Path]) -> None:
    verdicts = [{"verdict": "recommended", "recommends": True, "when": {"metric": "rank", "eq": 1}}]
    with pytest.raises(ScenarioLoadError, match="otherwise"):
        load_rule_base(make_rule_base(verdicts=verdicts))


@pytest.mark.parametrize(
    ("flow", "hint"),
    [
        (
            "{value: 50, rationale: Current rotas, with gaps., source: doc p1}",
            r"\['with gaps\.'\]: unknown field \(not part of the format\); inside \{\.\.\.\} a"
            r" comma ends a value, so quote the value that holds it:"
            r' rationale: "Current rotas, with gaps\."$',
        ),
        (
            "{value: 50, source: {document: doc, locator: paras 5.2, 5.4}}",
            r'source\[\'5\.4\'\]: .* quote the value that holds it: locator: "paras 5\.2, 5\.4"$',
        ),
        (
            "{value: 50, source: {document: doc}, in part}",
            r"\['in part'\]: .* a comma ends a value, so quote a value that holds one$",
        ),
    ],
)
def test_comma_in_a_flow_mapping_gets_a_hint(
    make_rule_base: Callable[..., Path], flow: str, hint: str
) -> None:
    """A comma ends a value inside {...}; the unknown field it makes says to quote the value."""
    path = make_rule_base()
    text = path.read_text(encoding="utf-8").replace("now:\n        value: 60", f"now: {flow}", 1)
    assert text != path.read_text(encoding="utf-8")
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ScenarioLoadError, match=hint):
        load_rule_base(path)


def test_unknown_field_in_block_style_gets_no_comma_hint(tmp_path: Path) -> None:
    from appraisal.loader import validate_model
    from appraisal.models import Document

    data, marks = read_yaml(write(tmp_path, "title: Rotas\nwith gaps.:\n"))
    with pytest.raises(ScenarioLoadError, match=r"unknown field \(not part of the format\)$"):
        validate_model(Document, data, marks)


@pytest.mark.parametrize(
    "effect",
    [
        {"option": "wait", "adjust": "now", "to": 10},
        {"option": "wait", "set": "now", "by": 10},
    ],
)
def test_adjust_and_set_amounts_are_one_message(
    make_rule_base: Callable[..., Path], effect: dict[str, object]
) -> None:
    rules = dict(SMALL_RULE_BASE["rules"])
    rules["mixed"] = {"when": {"fact": "plan", "eq": True}, "then": [effect]}
    with pytest.raises(ScenarioLoadError) as caught:
        load_rule_base(make_rule_base(rules=rules))
    assert not isinstance(caught.value, ValidationReport)
    assert caught.value.message == (
        "use 'by:' with adjust (points to move the value), or 'set:' with 'to:'"
        " (the value that replaces it)"
    )
    assert str(caught.value.field).startswith("rules.mixed.then[0]")


def test_status_quo_option_need_address_nothing(make_rule_base: Callable[..., Path]) -> None:
    """Carrying on as now is compared with, not expected to fix a cause (the Green Book's
    do-nothing option), so only another option that addresses nothing is warned about."""
    options = {k: {**v, "addresses": []} for k, v in SMALL_RULE_BASE["options"].items()}
    options["wait"]["status_quo"] = True
    warnings = validate_file(make_rule_base(options=options)).warnings
    assert any("options.act: the option addresses no cause or problem" in w for w in warnings)
    assert not any("options.wait: the option addresses" in w for w in warnings)


def test_one_status_quo_option(make_rule_base: Callable[..., Path]) -> None:
    options = {k: {**v, "status_quo": True} for k, v in SMALL_RULE_BASE["options"].items()}
    with pytest.raises(ScenarioLoadError, match=r"options\.act\.status_quo: options 'wait' and"):
        load_rule_base(make_rule_base(options=options))


def test_scenario_evidence_types(make_scenario: Callable[..., Path]) -> None:
    with pytest.raises(ScenarioLoadError, match=r"evidence\.rate\.value: expected a number"):
        load_scenario(make_scenario(rate="high"))


def test_scenario_unknown_evidence_suggests(make_scenario: Callable[..., Path]) -> None:
    with pytest.raises(UnknownReferenceError, match=r"unknown fact 'rates' \(did you mean 'rate'"):
        load_scenario(make_scenario(rates=3))


def test_missing_evidence_is_not_an_error(make_scenario: Callable[..., Path]) -> None:
    loaded = load_scenario(make_scenario(rate=3))
    assert set(loaded.scenario.evidence) == {"rate"}


def test_missing_rule_base_file(tmp_path: Path) -> None:
    path = write(tmp_path, "title: t\nrule_base: nowhere.yaml\n")
    with pytest.raises(ScenarioLoadError, match=r":2:\d+: rule_base: rule base file .* not found"):
        load_scenario(path)


def test_extends_overrides_item_by_item(tmp_path: Path) -> None:
    variant = write(
        tmp_path,
        f"title: variant\nextends: {BIRMINGHAM}\nevidence:\n"
        "  partner_identified:\n    statement: s\n    value: true\n"
        "    source: le-grand-2014 para 9.5\n",
        "variant.yaml",
    )
    base = load_scenario(BIRMINGHAM)
    loaded = load_scenario(variant)
    assert loaded.scenario.title == "variant"
    assert loaded.scenario.authority == base.scenario.authority
    assert loaded.scenario.evidence["partner_identified"].value is True
    assert set(loaded.scenario.evidence) == set(base.scenario.evidence)
    assert loaded.evidence_locations["partner_identified"].path.endswith("variant.yaml")
    assert loaded.evidence_locations["idaci_pct"].path.endswith("birmingham-2014.yaml")


def test_extends_loop(tmp_path: Path) -> None:
    write(tmp_path, "title: a\nextends: b.yaml\n", "a.yaml")
    write(tmp_path, "title: b\nextends: a.yaml\n", "b.yaml")
    with pytest.raises(ScenarioLoadError, match="extend each other in a loop"):
        load_scenario(tmp_path / "a.yaml")


def test_resolve_bundled_names() -> None:
    assert "birmingham-2014" in bundled_scenarios()
    assert resolve_scenario(None).name == "birmingham-2014.yaml"
    assert resolve_scenario("birmingham-2014").name == "birmingham-2014.yaml"
    with pytest.raises(UnknownReferenceError, match="did you mean 'birmingham-2014'"):
        resolve_scenario("birmingham-2041")


def test_validate_bundled_files_cleanly() -> None:
    rule_bases = sorted(RULES.parent.glob("*.yaml"))
    assert len(rule_bases) >= 2
    for path in [*rule_bases, *sorted(BIRMINGHAM.parent.glob("*.yaml"))]:
        result = validate_file(path)
        assert result.errors == ()
        assert result.warnings == ()


def test_validate_reports_missing_rationale(make_rule_base: Callable[..., Path]) -> None:
    result = validate_file(make_rule_base())
    assert result.errors == ()
    assert any("rules.waiting_is_risky: no rationale and no source" in w for w in result.warnings)
    assert not any("rules.rate_low" in w for w in result.warnings)


def test_validate_collects_errors(tmp_path: Path) -> None:
    path = write(tmp_path, "title: t\nrule_base: 3\nevidence: []\nextra: 1\n")
    result = validate_file(path)
    assert len(result.errors) == 3


def test_rule_base_is_read_afresh_when_the_file_changes(
    make_rule_base: Callable[..., Path],
) -> None:
    path = make_rule_base()
    first, _ = load_rule_base(path)
    assert load_rule_base(path)[0] is first  # parsed once while unchanged
    make_rule_base(title="A changed title")
    changed, _ = load_rule_base(path)
    assert changed.title == "A changed title"

"""Expectations as tests: the ``expect`` block, its checks, ``check_expectations`` and
``appraisal test``.

Every scenario here is written against the small rule base of conftest, whose
answers are worked out by hand below, so the tests do not depend on what the
bundled rule base currently concludes (except the one marked test that runs the
bundled scenarios).

The small rule base: ``wait`` scores 66.7 and ``act`` 63.3 with no evidence;
a low rate (``rate`` < 0.9 ``national_rate``) costs ``wait`` 30 points on
``now`` (10 overall), so ``act`` is recommended; no plan and weak support fail
``act`` on a gate, so ``wait`` is.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

import appraisal
from appraisal.cli import main
from appraisal.errors import ScenarioLoadError, UnknownReferenceError, ValidationReport
from appraisal.expectations import check_expectations, named_drivers
from appraisal.loader import load_scenario
from appraisal.render import expectations_renderable, expectations_summary

from .conftest import write_yaml

LOW_RATE = {"rate": 5, "national_rate": 10, "plan": True, "support": "strong"}
"""Evidence on which ``act`` is recommended and ``wait`` is not."""

PASSING = {
    "recommended": "act",
    "verdicts": {"wait": "not_recommended", "act": "recommended"},
    "drivers": {"wait": ["rate", "national_rate"]},
    "rationale": "A low rate hides risk, so waiting is not safe.",
    "source": "doc para 3",
}


@pytest.fixture
def scenario_with(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    make_scenario: Callable[..., Path],
) -> Callable[..., Path]:
    """Write a scenario on the small rule base with this evidence and ``expect`` block."""
    monkeypatch.chdir(tmp_path)

    def make(expect: Any, name: str = "scenario.yaml", **values: Any) -> Path:
        path = make_scenario(name, **(values or LOW_RATE))
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        if expect is not None:
            data["expect"] = expect
        return write_yaml(path, data)

    return make


def what_if(tmp_path: Path, parent: Path, expect: Any = None, name: str = "what-if.yaml") -> Path:
    """A what-if on ``parent`` that gives ``act`` a plan-less, weakly supported case."""
    data: dict[str, Any] = {
        "title": "What if there is no plan",
        "extends": parent.name,
        "evidence": {
            "plan": {"statement": "No plan.", "value": False, "source": "doc para 4"},
            "support": {"statement": "Weak support.", "value": "weak", "source": "doc para 4"},
        },
    }
    if expect is not None:
        data["expect"] = expect
    return write_yaml(tmp_path / name, data)


# --------------------------------------------------------------------------- the model


def test_expect_is_parsed_into_a_frozen_model(scenario_with: Callable[..., Path]) -> None:
    expect = load_scenario(scenario_with(PASSING)).scenario.expect
    assert isinstance(expect, appraisal.Expectation)
    assert expect.recommended == "act"
    assert expect.drivers == {"wait": ["rate", "national_rate"]}
    assert str(expect.source) == "doc, para 3"
    with pytest.raises(ValueError):
        expect.recommended = "wait"  # type: ignore[misc]


def test_recommended_null_means_nothing_is_recommended(
    scenario_with: Callable[..., Path],
) -> None:
    expect = load_scenario(scenario_with({"recommended": None})).scenario.expect
    assert expect is not None and expect.recommended is None


@pytest.mark.parametrize(
    ("expect", "field", "message"),
    [
        ({"recommended": "act", "verdict": {}}, "expect.verdict", "unknown field"),
        ({"verdicts": {"act": "recommended"}}, "expect.recommended", "required field is missing"),
        ({"recommended": "act", "drivers": {"wait": []}}, "expect.drivers.wait", "at least 1"),
        ({"recommended": "act", "drivers": {"wait": "rate"}}, "expect.drivers.wait", "list"),
    ],
)
def test_malformed_expect_is_a_located_error(
    scenario_with: Callable[..., Path], expect: Any, field: str, message: str
) -> None:
    with pytest.raises(ScenarioLoadError, match=message) as caught:
        load_scenario(scenario_with(expect))
    assert caught.value.field == field
    assert caught.value.path == "scenario.yaml" and caught.value.line is not None


# --------------------------------------------------------------------------- reference checks


@pytest.mark.parametrize(
    ("expect", "field", "message"),
    [
        (
            {"recommended": "akt"},
            "expect.recommended",
            "unknown option 'akt' (did you mean 'act'?)",
        ),
        (
            {"recommended": "act", "verdicts": {"waiting": "not_recommended"}},
            "expect.verdicts.waiting",
            "unknown option 'waiting' (did you mean 'wait'?)",
        ),
        (
            {"recommended": "act", "verdicts": {"wait": "not_recomended"}},
            "expect.verdicts.wait",
            "unknown verdict 'not_recomended' (did you mean 'not_recommended'?)",
        ),
        (
            {"recommended": "act", "drivers": {"wait": ["rates"]}},
            "expect.drivers.wait[0]",
            "unknown fact 'rates' (did you mean 'rate'?)",
        ),
        (
            {"recommended": "act", "drivers": {"wait": ["rate", "low_rate"]}},
            "expect.drivers.wait[1]",
            "'low_rate' is a finding",
        ),
        (
            {"recommended": "act", "drivers": {"acts": ["rate"]}},
            "expect.drivers.acts",
            "unknown option 'acts' (did you mean 'act'?)",
        ),
        (
            {"recommended": "act", "source": "dok para 1"},
            "expect.source.document",
            "unknown document 'dok' (did you mean 'doc'?)",
        ),
        (
            {"recommended": "act", "verdicts": {"act": "not_recommended"}},
            "expect.verdicts.act",
            "contradicts 'recommended: act'",
        ),
        (
            {"recommended": "act", "verdicts": {"wait": "recommended"}},
            "expect.verdicts.wait",
            "contradicts 'recommended: act'",
        ),
    ],
)
def test_unknown_ids_in_expect_are_located_errors(
    scenario_with: Callable[..., Path], expect: Any, field: str, message: str
) -> None:
    path = scenario_with(expect)
    with pytest.raises(ScenarioLoadError) as caught:
        load_scenario(path)
    error = caught.value
    assert error.field == field
    assert message in error.message
    line = next(i for i, text in enumerate(path.read_text().splitlines(), 1) if "expect:" in text)
    assert error.path == "scenario.yaml" and error.line is not None and error.line > line


def test_every_problem_in_expect_is_reported(scenario_with: Callable[..., Path]) -> None:
    path = scenario_with({"recommended": "akt", "verdicts": {"wait": "maybe"}})
    with pytest.raises(ValidationReport) as caught:
        load_scenario(path)
    assert [type(e) for e in caught.value.errors] == [UnknownReferenceError] * 2


def test_unknown_ids_in_expect_exit_2_with_the_location(
    scenario_with: Callable[..., Path], capsys: pytest.CaptureFixture[str]
) -> None:
    path = scenario_with({"recommended": "akt"})
    assert main(["test", str(path)]) == 2
    err = capsys.readouterr().err
    assert "scenario.yaml:" in err and "expect.recommended: unknown option 'akt'" in err


def test_a_rule_base_must_declare_which_verdict_recommends(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    make_rule_base: Callable[..., Path],
) -> None:
    monkeypatch.chdir(tmp_path)
    rule_base = make_rule_base(
        verdicts=[
            {"verdict": "recommended", "when": {"metric": "rank", "eq": 1}},
            {"verdict": "other", "otherwise": True},
        ]
    )
    scenario = {"title": "T", "rule_base": rule_base.name, "expect": {"recommended": "act"}}
    with pytest.raises(ScenarioLoadError, match=r"verdicts: no verdict recommends an option"):
        load_scenario(write_yaml(tmp_path / "s.yaml", scenario))


def test_any_vocabulary_recommends_once_declared(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    make_rule_base: Callable[..., Path],
) -> None:
    monkeypatch.chdir(tmp_path)
    rule_base = make_rule_base(
        verdicts=[
            {"verdict": "preferred", "recommends": True, "when": {"metric": "rank", "eq": 1}},
            {"verdict": "other", "otherwise": True},
        ]
    )
    path = write_yaml(tmp_path / "s.yaml", {"title": "T", "rule_base": rule_base.name})
    result = appraisal.appraise(path)
    preferred = [o.id for o in result.options if o.verdict == "preferred"]
    assert len(preferred) == 1 and result.recommended == preferred[0]


def test_two_recommending_verdicts_are_refused(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    make_rule_base: Callable[..., Path],
) -> None:
    monkeypatch.chdir(tmp_path)
    rule_base = make_rule_base(
        verdicts=[
            {"verdict": "preferred", "recommends": True, "when": {"metric": "rank", "eq": 1}},
            {"verdict": "also", "recommends": True, "when": {"metric": "rank", "eq": 2}},
            {"verdict": "other", "otherwise": True},
        ]
    )
    path = write_yaml(tmp_path / "s.yaml", {"title": "T", "rule_base": rule_base.name})
    with pytest.raises(ScenarioLoadError, match=r"verdicts\[1\]\.recommends: .*both declared"):
        load_scenario(path)


# --------------------------------------------------------------------------- checking


def test_a_passing_scenario(scenario_with: Callable[..., Path]) -> None:
    result = appraisal.check_expectations(scenario_with(PASSING))
    assert isinstance(result, appraisal.ExpectationResult)
    assert (result.status, result.passed, result.misses) == ("pass", True, ())
    assert result.recommended == "act"
    assert result.checks == 1 + 2 + 2
    assert result.path == "scenario.yaml"


def test_a_failing_scenario_explains_each_miss(scenario_with: Callable[..., Path]) -> None:
    expect = {
        "recommended": "wait",
        "verdicts": {"act": "not_recommended"},
        "drivers": {"wait": ["plan"]},
    }
    result = check_expectations(scenario_with(expect))
    assert result.status == "fail" and not result.passed
    assert [m.kind for m in result.misses] == ["recommended", "verdict", "driver"]

    missed, verdict, driver = result.misses
    assert (missed.expected, missed.actual) == ("wait", "act")
    assert [s.id for s in missed.standings] == ["act", "wait"]  # the actual first
    act, wait = missed.standings
    assert act.score == pytest.approx(190 / 3) and act.verdict == "recommended"
    assert wait.score == pytest.approx(170 / 3) and wait.verdict == "not_recommended"
    gap = missed.gap
    assert gap is not None and (gap.a, gap.b) == ("act", "wait")
    assert gap.difference == pytest.approx(20 / 3)
    assert gap.baseline == pytest.approx(-10 / 3)  # wait leads with no evidence known
    assert gap.baseline + sum(e.points for e in gap.evidence) == pytest.approx(gap.difference)
    by_criterion = {c.criterion: c.points for c in gap.criteria}
    assert by_criterion == pytest.approx({"now": 40 / 3, "cost": -40 / 3, "later": 20 / 3})
    assert {e.evidence.id for e in gap.evidence} == {"rate", "national_rate"}

    assert (verdict.option, verdict.expected, verdict.actual) == (
        "act",
        "not_recommended",
        "recommended",
    )
    assert [s.id for s in verdict.standings] == ["act", "wait"]  # the option, then its rival

    assert (driver.option, driver.expected, driver.actual) == ("wait", "plan", None)
    assert driver.evidence is not None and driver.evidence.value is True
    assert set(driver.named) == {"rate", "national_rate"}


def test_nothing_recommended_when_one_is(
    scenario_with: Callable[..., Path],
) -> None:
    miss = check_expectations(scenario_with({"recommended": None})).misses[0]
    assert (miss.expected, miss.actual) == (None, "act")
    assert [s.id for s in miss.standings] == ["act", "wait"]  # the runner-up as its rival


def test_an_excluded_expected_option_shows_its_gate_not_a_gap(
    tmp_path: Path, scenario_with: Callable[..., Path]
) -> None:
    parent = scenario_with(None)
    result = check_expectations(what_if(tmp_path, parent, {"recommended": "act"}))
    miss = result.misses[0]
    assert (miss.expected, miss.actual) == ("act", "wait")
    assert miss.gap is None
    excluded = miss.standings[1]
    assert excluded.excluded and excluded.rank is None
    assert [g.rule for g in excluded.gate_failures] == ["no_plan_no_action"]
    assert {e.id for e in excluded.gate_failures[0].evidence} == {"plan", "support"}


def test_drivers_named_for_an_option(tmp_path: Path, scenario_with: Callable[..., Path]) -> None:
    """Attributed evidence, and the evidence of the rules that moved it or failed its gate."""
    loaded = load_scenario(what_if(tmp_path, scenario_with(None)))
    result = appraisal.appraise(loaded)
    wait = named_drivers(result, "wait")
    assert wait["rate"] == pytest.approx(wait["national_rate"])
    assert wait["rate"] < 0
    act = named_drivers(result, "act")  # excluded by a gate: no points, but named
    assert act == {"plan": 0.0, "support": 0.0}


def test_a_driver_of_a_gate_passes(tmp_path: Path, scenario_with: Callable[..., Path]) -> None:
    expect = {"recommended": "wait", "drivers": {"act": ["plan", "support"]}}
    result = check_expectations(what_if(tmp_path, scenario_with(None), expect))
    assert result.status == "pass"


def test_a_scenario_without_expectations(scenario_with: Callable[..., Path]) -> None:
    result = check_expectations(scenario_with(None))
    assert (result.status, result.passed, result.checks) == ("none", True, 0)


def test_a_what_if_does_not_inherit_its_parents_expectations(
    tmp_path: Path, scenario_with: Callable[..., Path]
) -> None:
    parent = scenario_with(PASSING)
    child = what_if(tmp_path, parent)
    assert load_scenario(child).scenario.expect is None
    assert check_expectations(child).status == "none"
    own = what_if(tmp_path, parent, {"recommended": "wait"}, name="own.yaml")
    assert load_scenario(own).scenario.expect == appraisal.Expectation(recommended="wait")
    assert check_expectations(own).status == "pass"


def test_the_published_json_schema_accepts_expect(scenario_with: Callable[..., Path]) -> None:
    jsonschema = pytest.importorskip("jsonschema")
    data = yaml.safe_load(scenario_with(PASSING).read_text(encoding="utf-8"))
    jsonschema.validate(data, appraisal.Scenario.model_json_schema())
    data["expect"]["recommendation"] = "act"
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(data, appraisal.Scenario.model_json_schema())


# --------------------------------------------------------------------------- appraisal test


def test_cli_exit_codes(
    tmp_path: Path, scenario_with: Callable[..., Path], capsys: pytest.CaptureFixture[str]
) -> None:
    passing = scenario_with(PASSING, name="passing.yaml")
    failing = scenario_with({"recommended": "wait"}, name="failing.yaml")
    assert main(["test", str(passing)]) == 0
    assert main(["test", str(passing), str(failing)]) == 1
    assert main(["test", str(tmp_path / "missing.yaml")]) == 2
    assert main(["test", "rules.yaml"]) == 2
    assert "rules.yaml: a rule base, not a scenario" in capsys.readouterr().err


def test_cli_text_report(
    tmp_path: Path, scenario_with: Callable[..., Path], capsys: pytest.CaptureFixture[str]
) -> None:
    scenario_with(PASSING, name="passing.yaml")
    scenario_with({"recommended": "wait", "source": "doc para 9"}, name="failing.yaml")
    (tmp_path / "more").mkdir()
    write_yaml(tmp_path / "more" / "plain.yaml", {"title": "Plain", "rule_base": "../rules.yaml"})
    assert main(["test", "."]) == 1
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("FAIL  failing.yaml  A test scenario")
    assert "      recommended: expected wait, got act" in lines
    assert "        act leads wait by 6.7 (-3.3 with no evidence known)" in lines
    assert "      expected per doc, para 9" in lines
    assert any(line.startswith("SKIP  more/plain.yaml") for line in lines)
    assert any(line.startswith("PASS  passing.yaml") for line in lines)
    assert lines[-1] == "1 passed, 1 failed, 1 without expectations"
    assert max(len(line) for line in lines) <= 80


def test_cli_json_report(
    scenario_with: Callable[..., Path], capsys: pytest.CaptureFixture[str]
) -> None:
    passing = scenario_with(PASSING, name="passing.yaml")
    failing = scenario_with({"recommended": "wait"}, name="failing.yaml")
    assert main(["test", str(passing), str(failing), "--format", "json"]) == 1
    data = json.loads(capsys.readouterr().out)
    assert (data["passed"], data["failed"], data["without_expectations"]) == (1, 1, 0)
    assert data["warning"] is None
    first, second = data["results"]
    assert first["status"] == "pass" and first["expectation"]["recommended"] == "act"
    miss = second["misses"][0]
    assert (miss["kind"], miss["expected"], miss["actual"]) == ("recommended", "wait", "act")
    assert miss["gap"]["a"] == "act" and miss["gap"]["evidence"]


def test_cli_warns_when_nothing_declares_expectations(
    tmp_path: Path, scenario_with: Callable[..., Path], capsys: pytest.CaptureFixture[str]
) -> None:
    parent = scenario_with(PASSING)
    what_if(tmp_path, parent)
    assert main(["test", "what-if.yaml"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[-2] == "warning no scenario declares 'expect'; nothing was tested"
    assert out[-1] == "0 passed, 0 failed, 1 without expectations"
    assert main(["test", "what-if.yaml", "--format", "json"]) == 0
    captured = capsys.readouterr()
    assert json.loads(captured.out)["warning"]
    assert "warning: no scenario declares 'expect'" in captured.err


def test_a_folder_without_scenarios_warns(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "empty").mkdir()
    assert main(["test", str(tmp_path / "empty")]) == 0
    assert "no scenarios found" in capsys.readouterr().out


def test_summary_counts() -> None:
    assert expectations_summary([]) == "0 passed, 0 failed, 0 without expectations"
    assert expectations_renderable([]) is not None


def test_bundled_scenarios_meet_their_expectations(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """BUNDLED: `appraisal test` over the bundled scenarios folder exits 0.

    This depends on the bundled rule base and scenarios: it fails when a
    bundled scenario's `expect` block no longer matches its appraisal. While
    no bundled scenario declares `expect`, it passes with a warning.
    """
    monkeypatch.chdir(tmp_path)
    assert main(["test"]) == 0

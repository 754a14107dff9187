"""Hostile inputs: each defect found by the reliability review, as a regression test.

Tests are named after the defect ids (D2, D3, ...). The promise they hold the
library to: every bad input raises an ``AppraisalError`` whose message names
file, line and field (the command line turns it into exit code 2 and one
message), never another exception, never a silently wrong answer.
"""

from __future__ import annotations

import math
import os
import re
import signal
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

import appraisal
from appraisal.appraise import appraise, appraise_facts, compile_rule_base
from appraisal.cli import main
from appraisal.errors import (
    AppraisalError,
    RuleEvaluationError,
    RuleSyntaxError,
    ScenarioLoadError,
    ScoringError,
    UnknownReferenceError,
    ValidationReport,
)
from appraisal.explain import attribute, explain
from appraisal.graph import build_graph
from appraisal.loader import (
    MAX_DEPTH,
    MAX_FILE_BYTES,
    MAX_NODES,
    load_rule_base,
    load_scenario,
    read_yaml,
    validate_file,
)
from appraisal.loader.validation import structural_warnings
from appraisal.scoring import criterion_weights

from .conftest import BIRMINGHAM, RULES, SMALL_RULE_BASE, write_yaml

SCENARIO = "title: t\nrule_base: rules.yaml\n"
"""The head of a scenario for the small rule base (``make_rule_base`` writes rules.yaml)."""

EVIDENCE_ITEM = "    statement: s\n    source: doc\n"


def write(folder: Path, text: str, name: str = "s.yaml") -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture
def small(tmp_path: Path, make_rule_base: Callable[..., Path]) -> Path:
    """A folder with the small rule base as rules.yaml, and the working folder set to it."""
    make_rule_base()
    return tmp_path


@pytest.fixture
def chdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    return tmp_path


@pytest.fixture
def deadline() -> Iterator[None]:
    """Fail (rather than hang the suite) if the test takes more than 20 seconds."""

    def expire(signum: int, frame: Any) -> None:
        raise TimeoutError("the input was not refused in time")

    if not hasattr(signal, "SIGALRM"):
        yield
        return
    previous = signal.signal(signal.SIGALRM, expire)
    signal.alarm(20)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


def one_line(error: BaseException) -> str:
    text = str(error)
    assert "\n" not in text, text
    return text


def alias_bomb(levels: int = 9, width: int = 9) -> str:
    lines = ["a0: &a0 [" + ", ".join(["x"] * width) + "]"]
    for level in range(1, levels + 1):
        lines.append(f"a{level}: &a{level} [" + ", ".join([f"*a{level - 1}"] * width) + "]")
    return "\n".join(lines) + "\n"


# --------------------------------------------------------------------------- D2: alias bombs


@pytest.mark.parametrize("role", ["scenario", "rule base"])
def test_d2_alias_bomb_is_refused_at_once(
    small: Path, chdir: Path, role: str, deadline: None
) -> None:
    if role == "scenario":
        path = write(small, SCENARIO + alias_bomb())
    else:
        path = write(small, "id: x\ncriteria: {}\n" + alias_bomb(), "bomb-rules.yaml")
    started = time.perf_counter()
    with pytest.raises(ScenarioLoadError) as caught:
        load_scenario(path) if role == "scenario" else load_rule_base(path)
    assert time.perf_counter() - started < 2
    assert f"more than {MAX_NODES:,} values" in one_line(caught.value)
    assert str(caught.value).startswith(path.name + ":")


def test_d2_aliases_within_the_budget_still_load(small: Path) -> None:
    """PyYAML writes anchors for shared objects; such files stay readable."""
    shared = {"statement": "s", "source": "doc"}
    data = {
        "title": "t",
        "rule_base": "rules.yaml",
        "evidence": {"rate": {**shared, "value": 5}, "plan": shared},
        "documents": {"a": {"title": "A"}, "b": {"title": "A"}},
    }
    data["documents"]["b"] = data["documents"]["a"]
    path = write_yaml(small / "s.yaml", data)
    assert "&id001" in path.read_text()
    loaded = load_scenario(path)
    assert loaded.scenario.documents["b"].title == "A"


def test_d2_an_alias_that_deepens_past_the_limit_is_refused(tmp_path: Path) -> None:
    deep = "[" * 60 + "1" + "]" * 60
    text = f"a: &x {deep}\nb: {'[' * 50}*x{']' * 50}\n"
    with pytest.raises(ScenarioLoadError, match=rf"nested more than {MAX_DEPTH} levels"):
        read_yaml(write(tmp_path, text))


# --------------------------------------------------------------------------- D3: special files


@pytest.mark.skipif(not Path("/dev/zero").exists(), reason="needs /dev/zero")
def test_d3_devices_are_not_read(small: Path, chdir: Path, deadline: None) -> None:
    with pytest.raises(ScenarioLoadError, match=r"^/dev/zero: is not a regular file"):
        read_yaml(Path("/dev/zero"))
    path = write(small, "title: t\nextends: /dev/zero\n")
    with pytest.raises(ScenarioLoadError) as caught:
        load_scenario(path, allow_outside=True)
    assert one_line(caught.value) == (
        "s.yaml:2:1: extends: scenario file '/dev/zero' is not a regular file (a character device)"
    )
    assert main(["run", "/dev/zero"]) == 2


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs FIFOs")
def test_d3_a_fifo_is_refused_without_blocking(small: Path, chdir: Path, deadline: None) -> None:
    os.mkfifo(small / "pipe.yaml")
    path = write(small, "title: t\nextends: pipe.yaml\n")
    with pytest.raises(ScenarioLoadError, match=r"s\.yaml:2:1: extends: .*\(a FIFO\)$"):
        load_scenario(path)
    with pytest.raises(ScenarioLoadError, match=r"^pipe\.yaml: is not a regular file \(a FIFO\)$"):
        read_yaml(small / "pipe.yaml")
    write(small, "title: t\nrule_base: pipe.yaml\n")
    assert main(["run", "s.yaml"]) == 2


def test_d3_a_directory_named_by_extends_or_rule_base(small: Path, chdir: Path) -> None:
    (small / "folder").mkdir()
    path = write(small, "title: t\nrule_base: folder\n")
    with pytest.raises(ScenarioLoadError, match=r"s\.yaml:2:1: rule_base: .*is a directory"):
        load_scenario(path)


# --------------------------------------------------------------------------- D5: sizes


def test_d5_an_oversized_file_is_refused_before_it_is_read(tmp_path: Path, chdir: Path) -> None:
    path = tmp_path / "huge.yaml"
    with path.open("wb") as handle:
        handle.truncate(MAX_FILE_BYTES + 1)  # sparse: no time or disk spent
    with pytest.raises(ScenarioLoadError, match=r"^huge\.yaml: is 10 MB, over the 10 MB limit"):
        read_yaml(path)


def test_d5_a_file_of_tiny_values_stops_at_the_node_budget(tmp_path: Path, deadline: None) -> None:
    path = write(tmp_path, "a: [" + "0," * MAX_NODES + "0]\n")
    started = time.perf_counter()
    with pytest.raises(ScenarioLoadError, match=r"more than 250,000 values"):
        read_yaml(path)
    assert time.perf_counter() - started < 10


def test_d5_thousands_of_problems_are_capped(small: Path, chdir: Path, deadline: None) -> None:
    items = "".join(f"  fact_{i}:\n{EVIDENCE_ITEM}" for i in range(2000))
    path = write(small, SCENARIO + "evidence:\n" + items.replace("    ", "    "))
    with pytest.raises(ValidationReport) as caught:
        load_scenario(path)
    lines = str(caught.value).splitlines()
    assert len(caught.value.errors) == 2000
    assert len(lines) == 51
    assert lines[-1] == "... and 1,950 more problem(s)"
    assert lines[0].startswith("s.yaml:4:3: evidence.fact_0: unknown fact 'fact_0'")
    result = validate_file(path)
    assert len(result.errors) == 51
    assert str(result.errors[-1]) == "s.yaml: ... and 1,950 more problem(s)"


# --------------------------------------------------------------------------- D7: constructors


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("x: !!float x", r"^f\.yaml:1:4: x: !!float 'x' cannot be read as a number$"),
        ("x: !!int x", r"^f\.yaml:1:4: x: !!int 'x' cannot be read as a whole number$"),
        ("x: !!bool x", r"^f\.yaml:1:4: x: !!bool 'x' cannot be read as true or false$"),
        ("x: !!timestamp x", r"^f\.yaml:1:4: x: unsupported YAML tag '!!timestamp': .*as text$"),
        ("x: !!timestamp 2014-02-01", r"unsupported YAML tag '!!timestamp'"),
        ("x: !!binary aGVsbG8=", r"^f\.yaml:1:4: x: unsupported YAML tag '!!binary'$"),
        ("x: !!set {a: null}", r"unsupported YAML tag '!!set' on a mapping"),
        ("x: 1" + "0" * 5000, r"^f\.yaml:1:4: x: '1000.*' cannot be read as a whole number$"),
        ("x: !!python/name:os.system ''", r"unsupported YAML tag '!!python/name:os.system'"),
    ],
)
def test_d7_bad_scalars_are_located(tmp_path: Path, chdir: Path, line: str, message: str) -> None:
    with pytest.raises(ScenarioLoadError) as caught:
        read_yaml(write(tmp_path, line + "\n", "f.yaml"))
    assert caught.match(message)
    one_line(caught.value)


def test_d7_an_unquoted_date_is_text_even_when_it_is_no_date(small: Path) -> None:
    path = write(
        small,
        "title: t\nas_of: 2014-13-01\nrule_base: rules.yaml\n"
        "documents:\n  d:\n    title: D\n    date: 2014-02-30\n",
    )
    loaded = load_scenario(path)
    assert loaded.scenario.as_of == "2014-13-01"
    assert loaded.scenario.documents["d"].date == "2014-02-30"


def test_d7_validate_goes_on_to_the_next_file(small: Path, chdir: Path) -> None:
    bad = write(small, SCENARIO + "weights: {now: !!float x}\n", "bad.yaml")
    good = write(small, SCENARIO, "good.yaml")
    assert validate_file(bad).errors
    assert validate_file(good).errors == ()
    assert main(["validate", "bad.yaml", "good.yaml"]) == 2


# --------------------------------------------------------------------------- D8: nesting


@pytest.mark.parametrize("depth", [101, 600, 999, 5000])
@pytest.mark.parametrize("brackets", ["[]", "{}"])
def test_d8_deep_nesting_is_a_located_error(
    small: Path, chdir: Path, depth: int, brackets: str
) -> None:
    opening, closing = brackets
    inner = (
        opening * depth + closing * depth if opening == "[" else "{a: " * depth + "1" + "}" * depth
    )
    path = write(small, SCENARIO + "description: " + inner + "\n")
    with pytest.raises(ScenarioLoadError) as caught:
        load_scenario(path)
    assert caught.match(
        r"^s\.yaml:3:\d+: (description.*: nested more than 100 levels"
        r"|YAML syntax error: exceeded maximum nesting depth)"
    )
    one_line(caught.value)


def test_d8_nesting_within_the_limit_still_loads(make_rule_base: Callable[..., Path]) -> None:
    condition: dict[str, Any] = {"known": "plan"}
    for _ in range(45):
        condition = {"not": condition}
    rules = {"deep": {"when": condition, "then": [{"derive": "low_rate"}]}}
    rule_base, _ = load_rule_base(make_rule_base(rules=rules))
    assert "deep" in rule_base.rules


# --------------------------------------------------------------------------- D10: paths


def test_d10_a_symbolic_link_loop(small: Path, chdir: Path) -> None:
    (small / "a.yaml").symlink_to(small / "b.yaml")
    (small / "b.yaml").symlink_to(small / "a.yaml")
    with pytest.raises(ScenarioLoadError, match=r"^a\.yaml: is a loop of symbolic links$"):
        load_scenario("a.yaml")
    path = write(small, "title: t\nextends: a.yaml\n")
    with pytest.raises(ScenarioLoadError) as caught:
        load_scenario(path)
    assert one_line(caught.value) == (
        "s.yaml:2:1: extends: scenario file 'a.yaml' is a loop of symbolic links"
    )
    assert main(["validate", "a.yaml"]) == 2
    assert main(["run", "a.yaml"]) == 2


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ('extends: ""', r"^s\.yaml:2:1: extends: names a file, so it cannot be empty$"),
        ('extends: "a\\0b"', r"^s\.yaml:2:1: extends: a file name cannot hold control characters"),
        ('rule_base: "  "', r"^s\.yaml:2:1: rule_base: names a file"),
        (
            "rule_base: " + "x" * 5000,
            r"^s\.yaml:2:1: rule_base: rule base file 'x+' has a name too",
        ),
        ("extends: 3", r"^s\.yaml:2:1: extends: Input should be a valid string$"),
    ],
)
def test_d10_unusable_file_names(small: Path, chdir: Path, line: str, message: str) -> None:
    path = write(small, f"title: t\n{line}\n")
    with pytest.raises(ScenarioLoadError) as caught:
        load_scenario(path)
    assert caught.match(message)
    one_line(caught.value)


@pytest.mark.skipif(os.name != "posix" or os.geteuid() == 0, reason="root reads everything")
def test_d10_an_unreadable_folder(small: Path, chdir: Path) -> None:
    locked = small / "locked"
    locked.mkdir()
    write(locked, SCENARIO)
    locked.chmod(0)
    try:
        with pytest.raises(ScenarioLoadError, match="permission denied"):
            load_scenario(locked / "s.yaml")
        assert main(["run", "locked/s.yaml"]) == 2
    finally:
        locked.chmod(0o755)


def test_d10_a_file_the_user_may_not_read(
    small: Path, chdir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """As ``test_d10_an_unreadable_folder``, for a run as root: ``stat`` is refused."""
    write(small, SCENARIO, "secret.yaml")
    real_stat, real_lstat = os.stat, os.lstat

    def refuse(path: Any, *args: Any, **kwargs: Any) -> os.stat_result:
        if str(path).endswith("secret.yaml"):
            raise PermissionError(13, "Permission denied", str(path))
        return real_stat(path, *args, **kwargs)

    def refuse_lstat(path: Any, *args: Any, **kwargs: Any) -> os.stat_result:
        if str(path).endswith("secret.yaml"):
            raise PermissionError(13, "Permission denied", str(path))
        return real_lstat(path, *args, **kwargs)

    monkeypatch.setattr(os, "stat", refuse)
    monkeypatch.setattr(os, "lstat", refuse_lstat)
    with pytest.raises(ScenarioLoadError) as caught:
        load_scenario("secret.yaml")
    assert one_line(caught.value) == "secret.yaml: cannot be read: permission denied"
    path = write(small, "title: t\nextends: secret.yaml\n")
    with pytest.raises(ScenarioLoadError) as caught:
        load_scenario(path)
    assert one_line(caught.value) == (
        "s.yaml:2:1: extends: scenario file 'secret.yaml' cannot be read: permission denied"
    )
    assert main(["run", "secret.yaml"]) == 2


# --------------------------------------------------------------------------- outside paths


def test_a_reference_outside_the_scenario_folders_is_refused(
    tmp_path: Path, make_rule_base: Callable[..., Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "cases").mkdir()
    make_rule_base()
    case = write(tmp_path / "cases", "title: t\nrule_base: ../rules.yaml\n")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)  # the scenario is not in the working folder
    with pytest.raises(ScenarioLoadError) as caught:
        load_scenario(case)
    message = one_line(caught.value)
    assert message.startswith(f"{case}:2:1: rule_base: rule base file '")
    assert f"is outside the folders a scenario may refer to ('{tmp_path / 'cases'}'" in message
    assert message.endswith(
        "pass --allow-outside-paths (library: load_scenario(..., allow_outside=True))"
    )
    assert load_scenario(case, allow_outside=True).rule_base.id == "small"
    assert main(["run", str(case)]) == 2
    assert main(["--allow-outside-paths", "run", str(case)]) == 0
    monkeypatch.chdir(tmp_path)  # now the working folder holds both
    assert load_scenario(case).rule_base.id == "small"
    assert main(["test", "cases"]) == 0


def test_absolute_paths_and_links_out_are_refused(small: Path, chdir: Path) -> None:
    outside = small.parent / f"{small.name}-outside"
    outside.mkdir()
    write(outside, SCENARIO.replace("rules.yaml", str(small / "rules.yaml")), "other.yaml")
    sub = small / "sub"
    sub.mkdir()
    os.chdir(sub)
    path = write(sub, f"title: t\nextends: {outside / 'other.yaml'}\n")
    with pytest.raises(ScenarioLoadError, match=r"s\.yaml:2:1: extends: .* is outside the folders"):
        load_scenario(path)
    (sub / "link.yaml").symlink_to(outside / "other.yaml")
    write(sub, "title: t\nextends: link.yaml\n")
    with pytest.raises(ScenarioLoadError, match=r"extends: scenario file 'link\.yaml' is outside"):
        load_scenario(path)


def test_the_bundled_rules_are_always_allowed(tmp_path: Path, chdir: Path) -> None:
    path = write(tmp_path, f"title: t\nrule_base: {RULES}\n")
    assert load_scenario(path).rule_base.id == "childrens-social-care"
    what_if = write(tmp_path, f"title: w\nextends: {BIRMINGHAM}\n", "w.yaml")
    assert appraise(what_if).recommended == "commissioner"


# --------------------------------------------------------------------------- D12: overrides


@pytest.fixture
def loaded(make_scenario: Callable[..., Path]) -> appraisal.LoadedScenario:
    return load_scenario(make_scenario(rate=20, national_rate=30, plan=True, support="weak"))


@pytest.mark.parametrize(
    ("evidence", "error", "message"),
    [
        ({"rate": "abc"}, ScenarioLoadError, r"^evidence\.rate: expected a number, found 'abc'$"),
        ({"rate": True}, ScenarioLoadError, r"expected a number, found True"),
        ({"plan": 1}, ScenarioLoadError, r"^evidence\.plan: expected true or false, found 1\.0$"),
        ({"plan": "yes"}, ScenarioLoadError, r"expected true or false, found 'yes'"),
        ({"support": "Strong"}, ScenarioLoadError, r"found 'Strong' \(did you mean 'strong'\?\)$"),
        ({"support": "very strong"}, ScenarioLoadError, r"expected a level of scale 'strength'"),
        ({"support": 5.0}, ScenarioLoadError, r"expected a level of scale 'strength'"),
        ({"rate": math.nan}, ScenarioLoadError, r"^evidence\.rate: a value must be a finite"),
        ({"rate": 10**400}, ScenarioLoadError, r"a value must be a finite number"),
        ({"rates": 1}, UnknownReferenceError, r"unknown fact 'rates' \(did you mean 'rate'\?\)"),
        ({"rate": [1]}, TypeError, r"evidence\['rate'\] must be a number, bool, str or None"),
        ({1: 1}, TypeError, r"evidence is keyed by fact id \(str\), not int"),
        ([("rate", 1)], TypeError, r"evidence must be a mapping"),
    ],
)
def test_d12_evidence_overrides_are_checked(
    loaded: appraisal.LoadedScenario, evidence: Any, error: type[Exception], message: str
) -> None:
    with pytest.raises(error, match=message):
        appraise(loaded, evidence=evidence)
    compiled = compile_rule_base(loaded.rule_base)
    with pytest.raises(error, match=message):
        appraise_facts(compiled, evidence)


@pytest.mark.parametrize(
    ("weights", "error", "message"),
    [
        ({"cots": 1}, UnknownReferenceError, r"^weights\.cots: unknown criterion 'cots'"),
        ({"cost": -1}, ScoringError, r"^weights\.cost: a weight is a finite number from 0 to"),
        ({"cost": math.nan}, ScoringError, r"a weight is a finite number"),
        ({"cost": math.inf}, ScoringError, r"a weight is a finite number"),
        ({"cost": 1e308}, ScoringError, r"a weight is a finite number from 0 to 1,000,000"),
        ({"cost": "2"}, TypeError, r"weights\['cost'\] must be a number, not str"),
        ({"cost": True}, TypeError, r"must be a number, not bool"),
        ({"now": 0, "later": 0}, ScoringError, r"weights of now, later \(under 'benefit'\)"),
    ],
)
def test_d12_weight_overrides_are_checked(
    loaded: appraisal.LoadedScenario, weights: Any, error: type[Exception], message: str
) -> None:
    with pytest.raises(error, match=message):
        appraise(loaded, weights=weights)
    result = appraise(loaded)
    with pytest.raises(error, match=message):
        explain(result, weights=weights, max_changes=1)


def test_d12_good_overrides_still_work(loaded: appraisal.LoadedScenario) -> None:
    base = appraise(loaded)
    changed = appraise(loaded, evidence={"rate": 25, "support": None}, weights={"cost": 0})
    assert changed.evidence["rate"] == 25.0 and changed.evidence["support"] is None
    assert changed.weights["cost"] == 0
    assert base.weights["cost"] > 0


# --------------------------------------------------------------------------- D13: API misuse


def test_d13_wrong_python_types_raise_type_errors(
    loaded: appraisal.LoadedScenario,
) -> None:
    result = appraise(loaded)
    with pytest.raises(TypeError, match=r"expected an Appraisal .* not PosixPath|not WindowsPath"):
        explain(Path(loaded.path))  # type: ignore[arg-type]
    with pytest.raises(TypeError, match=r"expected an Appraisal .*not LoadedScenario"):
        explain(loaded)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match=r"rule_base must be RuleBase, not NoneType"):
        compile_rule_base(None)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match=r"compiled must be CompiledModel, not int"):
        appraise(loaded, compiled=42)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match=r"build_graph takes a RuleBase, not NoneType"):
        build_graph(None)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match=r"appraise takes a LoadedScenario or a path, not int"):
        appraise(3)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match=r"load_scenario takes a path, not NoneType"):
        load_scenario(None)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match=r"samples must be a whole number, not float"):
        attribute(result, samples=1.5)  # type: ignore[arg-type]


def test_d13_bad_argument_values_are_appraisal_errors(loaded: appraisal.LoadedScenario) -> None:
    result = appraise(loaded)
    with pytest.raises(AppraisalError, match=r"^samples: must be at least 1, not 0$"):
        attribute(result, max_exact=0, samples=0)
    with pytest.raises(AppraisalError, match=r"^max_exact: must be at least 0, not -1$"):
        attribute(result, max_exact=-1)
    assert attribute(result, max_exact=0, samples=3).method in ("exact", "sampled")


def test_d13_a_compiled_rule_base_of_another_scenario(
    loaded: appraisal.LoadedScenario,
) -> None:
    other = compile_rule_base(load_rule_base(RULES)[0])
    with pytest.raises(AppraisalError, match=r"compiled is rule base 'childrens-social-care'"):
        appraise(loaded, compiled=other)


# --------------------------------------------------------------------------- D14: numbers


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("weights: {cost: .nan}", r"s\.yaml:3:11: weights\.cost: Input should be a finite number"),
        ("weights: {cost: .inf}", r"weights\.cost: Input should be a finite number"),
        ("weights: {cost: 1.0e+309}", r"weights\.cost: Input should be a finite number"),
        ("weights: {cost: 1.0e+308}", r"weights\.cost: Input should be less than"),
        ("weight_ranges: {cost: [0, .inf]}", r"weight_ranges\.cost\[1\]: Input should be a finite"),
        ("weight_ranges: {cost: [.nan, 1]}", r"s\.yaml:3:\d+: weight_ranges\.cost\[0\]: "),
        ("weight_ranges: {cost: [2, 1]}", r"s\.yaml:3:\d+: weight_ranges\.cost: a range is"),
        ("weight_spread: .nan", r"weight_spread: Input should be a finite number"),
        (
            "evidence:\n  rate:\n    value: .nan\n" + EVIDENCE_ITEM,
            r"s\.yaml:5:5: evidence\.rate\.value: a value must be a finite number, not nan",
        ),
        (
            "evidence:\n  rate:\n    value: -.inf\n" + EVIDENCE_ITEM,
            r"evidence\.rate\.value: a value must be a finite",
        ),
        (
            "evidence:\n  rate:\n    value: 1\n    range: [-.inf, 1]\n" + EVIDENCE_ITEM,
            r"evidence\.rate\.range\[0\]: Input should be a finite",
        ),
        (
            "evidence:\n  rate:\n    value: 1\n    range: [-1.0e+308, 1.0e+308]\n" + EVIDENCE_ITEM,
            r"evidence\.rate\.range: the range is too wide",
        ),
        (
            "evidence:\n  rate:\n    value: 1\n    confidence: .nan\n" + EVIDENCE_ITEM,
            r"evidence\.rate\.confidence: Input should be a finite number",
        ),
    ],
)
def test_d14_scenario_numbers_are_finite(small: Path, chdir: Path, text: str, message: str) -> None:
    path = write(small, SCENARIO + text + "\n")
    with pytest.raises(ScenarioLoadError) as caught:
        load_scenario(path)
    assert caught.match(message)
    one_line(caught.value)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            {"criteria": {"cost": {"weight": math.inf, "horizon": "short"}}},
            r"criteria\.cost\.weight: Input should be a finite",
        ),
        (
            {
                "criteria": {
                    "cost": {"weight": 1, "horizon": "short", "weight_range": [0, math.inf]}
                }
            },
            r"criteria\.cost\.weight_range\[1\]: Input should be a finite",
        ),
        (
            {
                "rules": {
                    "r": {
                        "when": {"known": "plan"},
                        "then": [{"option": "act", "adjust": "now", "by": math.nan}],
                    }
                }
            },
            r"rules\.r\.then\[0\]\.by: Input should be a finite",
        ),
        (
            {
                "rules": {
                    "r": {
                        "when": {"known": "plan"},
                        "then": [{"option": "act", "adjust": "now", "by": 1e308}],
                    }
                }
            },
            r"rules\.r\.then\[0\]\.by: Input should be less than or equal to 100",
        ),
        (
            {
                "rules": {
                    "r": {
                        "when": {"fact": "rate", "gt": math.nan},
                        "then": [{"derive": "low_rate"}],
                    }
                }
            },
            r"rules\.r\.when\.gt: a value must be a finite number",
        ),
        (
            {
                "rules": {
                    "r": {
                        "when": {
                            "fact": "rate",
                            "gt": {"fact": "national_rate", "times": math.nan},
                        },
                        "then": [{"derive": "low_rate"}],
                    }
                }
            },
            r"rules\.r\.when\.gt\.times: Input should be a finite",
        ),
        (
            {
                "rules": {
                    "r": {"when": {"fact": "rate", "gt": [1]}, "then": [{"derive": "low_rate"}]}
                }
            },
            r"rules\.r\.when\.gt: a value is a number, true or false, or text .*, not a list",
        ),
    ],
)
def test_d14_rule_base_numbers_are_finite(
    tmp_path: Path,
    chdir: Path,
    make_rule_base: Callable[..., Path],
    change: dict[str, Any],
    message: str,
) -> None:
    merged = {key: dict(SMALL_RULE_BASE[key]) for key in change}
    for key, value in change.items():
        merged[key].update(value)
    with pytest.raises(ScenarioLoadError, match=r"^rules\.yaml:\d+:\d+: " + message):
        load_rule_base(make_rule_base(**merged))


def test_d14_weights_cannot_overflow_the_scorer() -> None:
    from appraisal.models import RuleBase

    rule_base = RuleBase.model_validate(SMALL_RULE_BASE)
    weights = criterion_weights(rule_base, {"benefit": 1e6, "cost": 1e6})
    assert weights["benefit"] == pytest.approx(0.5) and weights["cost"] == pytest.approx(0.5)
    for weight in (1.7e308, math.inf, math.nan, -1.0):
        with pytest.raises(ScoringError, match=r"^weights\.cost: a weight is a finite number"):
            criterion_weights(rule_base, {"benefit": 1.0, "cost": weight})


def test_d14_cli_weights_are_finite(make_scenario: Callable[..., Path]) -> None:
    path = str(make_scenario(rate=1))
    for weight in ("nan", "inf", "1e309", "-1"):
        assert main(["run", path, "--weight", f"cost={weight}"]) == 2


# --------------------------------------------------------------------------- D19: located messages


def test_d19_a_nul_byte_is_located(tmp_path: Path, chdir: Path) -> None:
    path = tmp_path / "nul.yaml"
    path.write_bytes(b"title: t\nrule_base: r\x00.yaml\n")
    with pytest.raises(ScenarioLoadError, match=r"^nul\.yaml:2:13: control character U\+0000"):
        read_yaml(path)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"title: t\nx: caf\xe9\n", r"^f\.yaml:2:7: the file is not valid UTF-8 \(bytes e9"),
        (b"title: t\n\xff\xfeab\n", r"^f\.yaml:2:1: the file is not valid UTF-8 \(bytes ff"),
        ("title: t\n".encode("utf-16-le"), r"^f\.yaml:1:2: control character U\+0000 .*UTF-16"),
        (b"\xff\xfe" + "title: \ud800".encode("utf-16-le", "surrogatepass"), r"not valid UTF-16"),
    ],
)
def test_d19_undecodable_bytes_are_located(
    tmp_path: Path, chdir: Path, data: bytes, message: str
) -> None:
    path = tmp_path / "f.yaml"
    path.write_bytes(data)
    with pytest.raises(ScenarioLoadError, match=message):
        read_yaml(path)


def test_d19_utf16_with_a_byte_order_mark_is_read(tmp_path: Path) -> None:
    path = tmp_path / "f.yaml"
    path.write_bytes("\ufefftitle: café\n".encode("utf-16"))
    assert read_yaml(path)[0] == {"title": "café"}


def test_d19_extends_problems_name_the_line_that_extends(small: Path, chdir: Path) -> None:
    write(small, "title: a\nextends: b.yaml\n", "a.yaml")
    write(small, "title: b\nextends: a.yaml\n", "b.yaml")
    with pytest.raises(ScenarioLoadError) as caught:
        load_scenario("a.yaml")
    assert one_line(caught.value) == (
        "b.yaml:2:1: extends: scenarios extend each other in a loop: a.yaml -> b.yaml -> a.yaml"
    )
    write(small, "title: c\n\nextends: missing.yaml\n", "c.yaml")
    with pytest.raises(ScenarioLoadError) as caught:
        load_scenario("c.yaml")
    assert one_line(caught.value) == "c.yaml:3:1: extends: scenario file 'missing.yaml' not found"


def test_d19_zero_weights_are_located_in_the_scenario(small: Path, chdir: Path) -> None:
    path = write(small, SCENARIO + "weights:\n  now: 0\n  later: 0\n")
    with pytest.raises(ScenarioLoadError) as caught:
        load_scenario(path)
    assert one_line(caught.value) == (
        "s.yaml:5:3: weights.later: the weights of now, later (under 'benefit') are all zero,"
        " so nothing under it can be scored; give one of them a positive weight"
    )


def test_d19_contradictory_rules_are_located_in_the_rule_base(
    tmp_path: Path,
    chdir: Path,
    make_rule_base: Callable[..., Path],
    make_scenario: Callable[..., Path],
) -> None:
    rules = dict(SMALL_RULE_BASE["rules"])
    rules["rate_high"] = {
        "when": {"fact": "rate", "gt": 0},
        "then": [{"derive": "low_rate", "value": False}],
    }
    rule_base = make_rule_base(rules=rules)
    path = make_scenario(rule_base=rule_base, rate=1, national_rate=30)
    with pytest.raises(RuleEvaluationError) as caught:
        appraise(path)
    assert one_line(caught.value).startswith("rules.yaml:")
    assert caught.value.field == "rules.rate_high" and caught.value.line is not None


def test_d19_a_second_document_is_located(tmp_path: Path, chdir: Path) -> None:
    with pytest.raises(ScenarioLoadError) as caught:
        read_yaml(write(tmp_path, "title: t\n---\ntitle: u\n", "f.yaml"))
    assert one_line(caught.value) == (
        "f.yaml:2:1: a second YAML document starts here; a file holds one document"
    )


def test_d19_structural_warnings_carry_their_line(
    tmp_path: Path, chdir: Path, make_rule_base: Callable[..., Path]
) -> None:
    facts = {**SMALL_RULE_BASE["facts"], "unused": {"type": "number"}}
    path = make_rule_base(facts=facts)
    warnings = validate_file(path).warnings
    assert any(
        w.startswith("rules.yaml: ") and ": facts.unused: no rule reads" in w for w in warnings
    )
    line = next(w for w in warnings if "facts.unused" in w).split(": ")[1]
    assert line.isdigit()


# --------------------------------------------------------------------------- D20: clear messages


@pytest.mark.parametrize(
    ("value", "kind"),
    [
        ("2014-02-01T10:00:00", None),
        ("[1, 2]", "a list"),
        ("{a: 1}", "a mapping"),
        ("1" + "0" * 400, "too large"),
    ],
)
def test_d20_a_wrong_kind_of_value_says_what_is_allowed(
    small: Path, chdir: Path, value: str, kind: str | None
) -> None:
    path = write(small, SCENARIO + f"evidence:\n  rate:\n    value: {value}\n" + EVIDENCE_ITEM)
    if kind is None:  # an unquoted timestamp is text, refused as text for a number fact
        with pytest.raises(ScenarioLoadError, match=r"expected a number, found '2014-02-01T10"):
            load_scenario(path)
        return
    with pytest.raises(ScenarioLoadError) as caught:
        load_scenario(path)
    text = one_line(caught.value)
    assert text.startswith("s.yaml:5:5: evidence.rate.value: ")
    assert "valid boolean" not in text and kind in text


def test_d20_a_symlink_loop_is_not_reported_missing(tmp_path: Path, chdir: Path) -> None:
    (tmp_path / "loop.yaml").symlink_to(tmp_path / "loop.yaml")
    assert main(["run", "loop.yaml"]) == 2
    with pytest.raises(ScenarioLoadError, match="loop of symbolic links"):
        appraise("loop.yaml")


def test_d20_rule_base_on_a_device(small: Path, chdir: Path) -> None:
    path = write(small, "title: t\nrule_base: /dev/null\n")
    with pytest.raises(ScenarioLoadError, match=r"'/dev/null' is not a regular file \(a char"):
        load_scenario(path, allow_outside=True)


def test_d20_keys_are_the_text_written(tmp_path: Path) -> None:
    data, _ = read_yaml(write(tmp_path, "yes: 1\non: 2\nnull: 3\n1.5: 4\n7: 5\n"))
    assert data == {"yes": 1, "on": 2, "null": 3, "1.5": 4, 7: 5}


# --------------------------------------------------------------------------- G1


def test_g1_a_gate_no_rule_can_fail_is_a_warning(make_rule_base: Callable[..., Path]) -> None:
    gates = {**SMALL_RULE_BASE["gates"], "funded": {"name": "Funded"}}
    rule_base, _ = load_rule_base(make_rule_base(gates=gates))
    warnings = structural_warnings(rule_base)
    assert (
        "gates.funded: no rule fails an option on this gate, so it never excludes one" in warnings
    )
    assert not any("gates.feasible" in w for w in warnings)


# --------------------------------------------------------------------------- found by fuzzing


def test_a_key_with_a_line_break_stays_on_one_line(small: Path, chdir: Path) -> None:
    path = write(small, 'title: t\nrule_base: rules.yaml\nweights:\n  "a\\rb": 1\n  "": 2\n')
    with pytest.raises(ScenarioLoadError) as caught:
        load_scenario(path)
    assert one_line(caught.value) == "s.yaml:5:3: weights: a mapping key cannot be empty"
    path = write(small, 'title: t\nrule_base: rules.yaml\nweights:\n  "a\\rb": 1\n')
    with pytest.raises(ScenarioLoadError) as caught:
        load_scenario(path)
    assert one_line(caught.value) == (
        "s.yaml:4:3: weights['a\\rb']: an id starts with a letter and holds only letters,"
        " digits, '_' and '-', not 'a\\rb'"
    )


def test_a_file_name_with_a_line_break_stays_on_one_line(tmp_path: Path, chdir: Path) -> None:
    with pytest.raises(ScenarioLoadError) as caught:
        read_yaml(Path("new\nline.yaml"))
    assert one_line(caught.value) == "new\\nline.yaml: file not found"


def test_a_rule_base_where_a_scenario_belongs(small: Path, chdir: Path) -> None:
    path = write(small, "title: t\nextends: rules.yaml\n")
    with pytest.raises(ScenarioLoadError) as caught:
        load_scenario(path)
    assert one_line(caught.value) == (
        "s.yaml:2:1: extends: 'rules.yaml' is a rule base, not a scenario;"
        " a scenario names its rule base with 'rule_base:'"
    )
    write(small, SCENARIO, "scenario.yaml")
    path = write(small, "title: t\nrule_base: scenario.yaml\n")
    with pytest.raises(
        ScenarioLoadError, match=r"^scenario\.yaml:1:1: a scenario, not a rule base"
    ):
        load_scenario(path)


def test_an_unquoted_boolean_where_text_belongs_says_why(small: Path, chdir: Path) -> None:
    path = write(small, SCENARIO + "evidence:\n  support:\n    value: no\n" + EVIDENCE_ITEM)
    with pytest.raises(ScenarioLoadError, match=r"found False \(YAML reads unquoted yes, no"):
        load_scenario(path)


def test_g1_a_verdict_test_of_an_impossible_rank_is_a_warning(
    tmp_path: Path, chdir: Path, make_rule_base: Callable[..., Path]
) -> None:
    verdicts = [
        {"verdict": "recommended", "recommends": True, "when": {"metric": "rank", "eq": 99}},
        {"verdict": "early", "when": {"all": [{"metric": "short_term_rank", "lt": 1}]}},
        {"verdict": "not_recommended", "otherwise": True},
    ]
    result = validate_file(make_rule_base(verdicts=verdicts))
    assert result.errors == ()
    assert any(
        w.startswith("rules.yaml: ")
        and w.endswith("verdicts.0: {metric: rank, eq: 99} never holds: ranks run from 1 to 2")
        for w in result.warnings
    ), result.warnings
    assert any(
        "verdicts.1: {metric: short_term_rank, lt: 1} never holds" in w for w in result.warnings
    )


def test_g1_one_rule_setting_one_value_twice_is_an_error(
    tmp_path: Path, chdir: Path, make_rule_base: Callable[..., Path]
) -> None:
    rules = {
        "twice": {
            "when": {"known": "plan"},
            "then": [
                {"option": "act", "set": "now", "to": 10},
                {"option": "act", "set": "now", "to": 20},
            ],
        }
    }
    with pytest.raises(RuleSyntaxError) as caught:
        load_rule_base(make_rule_base(rules=rules))
    assert re.match(
        r"^rules\.yaml:\d+:\d+: rules\.twice\.then\[1\]\.to: sets option 'act' on 'now' to 20,"
        r" but then\[0\] sets it to 10$",
        one_line(caught.value),
    )

"""Fuzzing: mutated and generated YAML through the library and the command line.

The invariant, for any input whatever: either a result (with finite scores), or
an ``AppraisalError`` whose every line names the file (and, for anything inside
it, the line), which the command line reports with exit code 2. Never another
exception, never exit code 1, never a traceback.

Inputs are the bundled rule base and scenarios with a few mutations each
(lines replaced, deleted, duplicated or swapped; odd scalars; YAML anchors,
tags, documents and deep nesting; unicode; damaged bytes), and files generated
from scratch. Examples are drawn deterministically (``derandomize``), so a run
is reproducible; ``APPRAISAL_FUZZ_EXAMPLES`` raises their number for a long
run (docs/development.md).
"""

from __future__ import annotations

import contextlib
import io
import itertools
import math
import os
import re
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

import appraisal
from appraisal.cli import main
from appraisal.errors import AppraisalError, ValidationReport

from .conftest import ROOT, SMALL_RULE_BASE

EXAMPLES = int(os.environ.get("APPRAISAL_FUZZ_EXAMPLES", "0")) or None
"""Examples per test for a long run. Unset, each test draws a fixed few (the file
takes about ten seconds) and always the same ones; set, the examples are drawn
afresh, reproducibly with ``pytest --hypothesis-seed=N``."""


def fuzz_settings(default: int) -> settings:
    return settings(
        max_examples=EXAMPLES or default,
        derandomize=EXAMPLES is None,
        database=None,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )


BUNDLED = [
    "rules/childrens-social-care.yaml",
    "scenarios/birmingham-2014.yaml",
    "scenarios/birmingham-2014-capable-partner.yaml",
    "scenarios/no-evidence.yaml",
    "scenarios/cases/rotherham-2014-trigger.yaml",
]
"""The files mutated; the what-if extends Birmingham, the case sits a folder deeper."""

ODD_SCALARS = [
    "null",
    "~",
    "true",
    "yes",
    "on",
    "off",
    "No",
    ".nan",
    ".inf",
    "-.inf",
    "1.0e+400",
    "1.0e+308",
    "-0",
    "1" + "0" * 400,
    "0x1F",
    "0o17",
    "017",
    "1_000",
    "1:20",
    "2014-13-01",
    "2014-02-30",
    "2014-02-01",
    "2014-02-01T10:00:00Z",
    "!!float x",
    "!!int x",
    "!!bool x",
    "!!timestamp x",
    "!!binary aGVsbG8=",
    "!!str [1]",
    "!!set {a: null}",
    "!!omap [a: 1]",
    "!!python/object/apply:os.system ['true']",
    "!custom x",
    "! x",
    "&a x",
    "*a",
    "*nowhere",
    "<<",
    "=",
    "'[/bold] x'",
    '"\\e[31mred\\e]0;t\\a"',
    '"a\\0b"',
    "''",
    '""',
    "[]",
    "{}",
    "[1, [2, [3]]]",
    "{a: 1}",
    "{fact: x, times: .nan}",
    "{not: {not: {known: x}}}",
    "x" * 3000,
    "'\u200bzero\u200bwidth'",
    "\u202eevil",
    "\U0001f600",
    "caf\u00e9",
    "- x",
    ">-\n  folded text",
    "|\n  literal text",
    "'2014-02'",
    "-100",
    "100.5",
    "1e3",
    "3.0",
    "[" * 150 + "]" * 150,
    "../" * 20 + "etc/passwd",
    "/dev/zero",
    "/etc/passwd",
    ".",
]
"""Values from the review's fuzzer and more: types, YAML 1.1 surprises, tags, sizes."""

ODD_LINES = [
    "---",
    "...",
    "%YAML 1.1",
    "<<: {a: 1}",
    "a: &x [1, 2]",
    "b: *x",
    "? [a, b]\n: 1",
    "\t- tab",
    "x: " + "[" * 120 + "]" * 120,
    "x: " + "{a: " * 60 + "1" + "}" * 60,
    "a0: &a0 [x, x, x, x, x, x, x, x]\na1: &a1 [*a0, *a0, *a0, *a0, *a0, *a0, *a0, *a0]\n"
    "a2: &a2 [*a1, *a1, *a1, *a1, *a1, *a1, *a1, *a1]\na3: [*a2, *a2, *a2, *a2, *a2, *a2]",
    "title: again",
    "evidence: []",
    "weights: {}",
    "extends: ''",
    "extends: self.yaml",
    "rule_base: ../../../../../../../../etc/passwd",
    "rule_base: /dev/zero",
    "extends: birmingham-2014.yaml",
    "yes: 1",
    "null: 1",
    "1: 1",
    "'': 1",
    "\ufeffx: 1",
    "x: 1\r\ny: 2",
    "x: \u2028y",
    "- just a list",
]

SCENARIO_HEAD = "title: t\nrule_base: rules.yaml\n"

_counter = itertools.count()


@pytest.fixture(scope="module")
def root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the bundled rules and scenarios (the layout their references expect)."""
    folder = tmp_path_factory.mktemp("fuzz")
    for name in ("rules", "scenarios"):
        shutil.copytree(ROOT / name, folder / name)
    (folder / "small").mkdir()
    (folder / "small" / "rules.yaml").write_text(
        yaml.safe_dump(SMALL_RULE_BASE, sort_keys=False), encoding="utf-8"
    )
    return folder


@contextlib.contextmanager
def case(root: Path, files: dict[str, bytes]) -> Any:
    """A fresh copy of ``root`` with ``files`` written over it, as the working folder."""
    folder = root.parent / f"case-{next(_counter)}"
    shutil.copytree(root, folder)
    for name, data in files.items():
        (folder / name).write_bytes(data)
    try:
        with contextlib.chdir(folder):
            yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)


# --------------------------------------------------------------------------- invariant

LOCATED = re.compile(r"^(\S[^:]*?\.ya?ml)(:\d+(:\d+)?)?: \S")
FILE_LEVEL = re.compile(
    r"^\S[^:]*: (file not found|is |cannot be read|has a |\.\.\. and |the file is empty)"
)


def assert_located(error: AppraisalError) -> None:
    """Every line names a file; anything about the file's content names a line."""
    text = str(error)
    lines = text.splitlines()
    assert lines, "an empty message"
    if not isinstance(error, ValidationReport):
        assert len(lines) == 1, text
    for line in lines:
        if line.startswith("... and "):
            continue
        assert LOCATED.match(line), f"not located: {line!r}"
        assert ":" in line.split(": ")[0] or FILE_LEVEL.match(line), f"no line: {line!r}"


def appraise_or_refuse(path: str) -> None:
    """The library: a result with finite numbers, or a located ``AppraisalError``."""
    try:
        result = appraisal.appraise(path)
    except AppraisalError as error:
        assert_located(error)
        event(f"refused: {type(error).__name__}")
        return
    event("appraised")
    for option in result.options:
        assert math.isfinite(option.score), option
        assert math.isfinite(option.short_term_score) and math.isfinite(option.long_term_score)
    assert all(math.isfinite(weight) for weight in result.weights.values())


def run_cli(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(list(argv))
    return code, out.getvalue(), err.getvalue()


def cli_runs_or_refuses(path: str) -> None:
    """The command line: exit 0, or exit 2 with located messages; never 1 or a traceback."""
    code, out, err = run_cli("run", path, "--format", "json")
    assert code in (0, 2), err
    assert "Traceback" not in err and "internal error" not in err, err
    if code == 2:
        lines = err.splitlines()
        assert lines and lines[0].startswith("error: "), err
        for line in [lines[0].removeprefix("error: "), *lines[1:]]:
            assert LOCATED.match(line) or line.startswith("... and "), line
    code, out, err = run_cli("validate", path)
    assert code in (0, 2), err + out
    assert "Traceback" not in err + out and "internal error" not in err + out


def check(path: str) -> None:
    appraise_or_refuse(path)
    cli_runs_or_refuses(path)


# --------------------------------------------------------------------------- mutations


@st.composite
def mutated(draw: st.DrawFn) -> tuple[str, bytes]:
    """One bundled file with one to four mutations."""
    name = draw(st.sampled_from(BUNDLED))
    lines = (ROOT / name).read_text(encoding="utf-8").splitlines()
    for _ in range(draw(st.integers(1, 4))):
        if not lines:
            lines = [""]
        at = draw(st.integers(0, len(lines) - 1))
        kind = draw(
            st.sampled_from(["scalar", "line", "delete", "duplicate", "swap", "text", "indent"])
        )
        if kind == "scalar" and ": " in lines[at]:
            key, _, _ = lines[at].partition(": ")
            lines[at] = f"{key}: {draw(st.sampled_from(ODD_SCALARS))}"
        elif kind == "line":
            lines.insert(at, draw(st.sampled_from(ODD_LINES)))
        elif kind == "delete":
            del lines[at]
        elif kind == "duplicate":
            lines.insert(at, lines[at])
        elif kind == "swap":
            other = draw(st.integers(0, len(lines) - 1))
            lines[at], lines[other] = lines[other], lines[at]
        elif kind == "text":
            lines[at] += draw(st.text(max_size=20))
        else:
            lines[at] = draw(st.sampled_from(["\t", " ", "   "])) + lines[at]
    text = "\n".join(lines) + "\n"
    if draw(st.booleans()):
        text = text[: draw(st.integers(0, len(text)))]
    damage = draw(st.sampled_from(["none"] * 6 + ["byte", "nul", "bom-crlf", "utf16", "latin1"]))
    return name, damaged(text, damage, draw(st.integers(0, len(text))))


def damaged(text: str, damage: str, at: int) -> bytes:
    """The file's bytes, damaged: a stray byte or NUL at ``at``, or another encoding."""
    data = text.encode("utf-8", errors="surrogatepass")
    if damage == "byte":
        return data[:at] + b"\xff" + data[at:]
    if damage == "nul":
        return data[:at] + b"\x00" + data[at:]
    if damage == "bom-crlf":
        return b"\xef\xbb\xbf" + data.replace(b"\n", b"\r\n")
    if damage == "utf16":
        return text.encode("utf-16", errors="surrogatepass")
    if damage == "latin1":
        return text.encode("latin-1", errors="replace")
    return data


@fuzz_settings(default=40)
@given(mutation=mutated())
def test_mutated_bundled_files(root: Path, mutation: tuple[str, bytes]) -> None:
    name, data = mutation
    scenario = "scenarios/birmingham-2014.yaml" if name.startswith("rules/") else name
    with case(root, {name: data}):
        check(scenario)


# --------------------------------------------------------------------------- generated files

keys = st.one_of(
    st.sampled_from(["title", "rule_base", "evidence", "weights", "value", "source", "statement"]),
    st.text(max_size=8),
    st.integers(),
    st.booleans(),
)
scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**30), max_value=10**30),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=30),
    st.dates(),
    st.sampled_from(["rate", "plan", "support", "weak", "strong", "doc", "doc para 1"]),
)
values = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(keys, inner, max_size=4),
    max_leaves=30,
)
numbers = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True),
    st.integers(min_value=-(10**400), max_value=10**400),
)


@st.composite
def scenarios(draw: st.DrawFn) -> dict[str, Any]:
    """A scenario for the small rule base, its parts drawn from odd values."""
    facts = ["rate", "national_rate", "plan", "support", "unknown_fact"]
    evidence = {
        draw(st.sampled_from(facts)): {
            "statement": draw(st.one_of(st.text(max_size=10), values)),
            "value": draw(st.one_of(numbers, values)),
            "source": draw(st.sampled_from(["doc", "doc para 2", "nodoc", {"document": "doc"}])),
            **draw(st.dictionaries(st.sampled_from(["confidence", "range", "unit"]), values)),
        }
        for _ in range(draw(st.integers(0, 4)))
    }
    criteria = ["now", "later", "cost", "benefit", "nowhere"]
    data: dict[str, Any] = {
        "title": draw(st.one_of(st.text(max_size=20), values)),
        "rule_base": draw(st.sampled_from(["rules.yaml", "rules.yaml", "", "missing.yaml"])),
        "evidence": evidence,
        "weights": draw(st.dictionaries(st.sampled_from(criteria), numbers, max_size=3)),
    }
    if draw(st.booleans()):
        data["weight_ranges"] = draw(
            st.dictionaries(st.sampled_from(criteria), st.tuples(numbers, numbers).map(list))
        )
    if draw(st.booleans()):
        data[draw(keys)] = draw(values)
    return data


def dump(data: Any) -> bytes:
    """YAML as PyYAML writes it: dates, anchors for shared objects, any unicode."""
    text: str = yaml.dump(data, allow_unicode=True, sort_keys=False)
    return text.encode("utf-8", errors="surrogatepass")


@fuzz_settings(default=60)
@given(data=scenarios(), shared=st.booleans())
def test_generated_scenarios(root: Path, data: dict[str, Any], shared: bool) -> None:
    evidence = data["evidence"]
    if shared and isinstance(evidence, dict) and evidence:  # PyYAML writes an anchor and alias
        first = next(iter(evidence.values()))
        data["evidence"] = {key: first for key in evidence}
    with case(root, {"small/s.yaml": dump(data)}):
        check("small/s.yaml")


@st.composite
def rule_bases(draw: st.DrawFn) -> dict[str, Any]:
    """The small rule base with sections replaced or poked with odd values."""
    data = {key: value for key, value in SMALL_RULE_BASE.items()}
    for _ in range(draw(st.integers(1, 3))):
        section = draw(st.sampled_from(sorted(data)))
        poke: Callable[[Any], Any] = draw(
            st.sampled_from(
                [
                    lambda _: draw(values),
                    lambda old: {**old, draw(keys): draw(values)} if isinstance(old, dict) else old,
                    lambda old: [*old, draw(values)] if isinstance(old, list) else old,
                ]
            )
        )
        data[section] = poke(data[section])
    if draw(st.booleans()):
        weight = draw(numbers)
        data["criteria"] = {**SMALL_RULE_BASE["criteria"]}
        data["criteria"]["cost"] = {"weight": weight, "horizon": "short"}
    return data


@fuzz_settings(default=40)
@given(data=rule_bases())
def test_generated_rule_bases(root: Path, data: dict[str, Any]) -> None:
    files = {"small/rules.yaml": dump(data), "small/s.yaml": SCENARIO_HEAD.encode()}
    with case(root, files):
        check("small/s.yaml")


@fuzz_settings(default=30)
@given(
    text=st.text(
        alphabet=st.sampled_from(list("[]{}:,-&*!|>'\"#%@` \t\n?abc01.~\\\x00\u2028\ufeff")),
        max_size=80,
    )
)
def test_raw_yaml_text(root: Path, text: str) -> None:
    """Text made of YAML's punctuation: every syntax error must be located."""
    data = (SCENARIO_HEAD + text).encode("utf-8", errors="surrogatepass")
    with case(root, {"small/s.yaml": data}):
        check("small/s.yaml")


@fuzz_settings(default=60)
@given(
    evidence=st.dictionaries(
        st.one_of(st.sampled_from(["rate", "national_rate", "plan", "support"]), keys),
        st.one_of(numbers, values, st.sampled_from(["weak", "Strong", "yes", True, None])),
        max_size=4,
    ),
    weights=st.dictionaries(
        st.one_of(st.sampled_from(["now", "later", "cost", "benefit"]), keys),
        st.one_of(numbers, values),
        max_size=3,
    ),
)
def test_overrides_from_code(root: Path, evidence: dict[Any, Any], weights: dict[Any, Any]) -> None:
    """What-if overrides: a result, an ``AppraisalError`` naming the field, or a TypeError."""
    with contextlib.chdir(root / "small"):
        (root / "small" / "s.yaml").write_text(SCENARIO_HEAD, encoding="utf-8")
        loaded = appraisal.load_scenario("s.yaml")
    try:
        result = appraisal.appraise(loaded, evidence=evidence, weights=weights)
    except AppraisalError as error:
        assert re.match(r"^(evidence|weights)\.", str(error)), str(error)
        assert "\n" not in str(error)
        event(f"refused: {type(error).__name__}")
        return
    except TypeError as error:
        assert re.search(r"must be|keyed by", str(error)), str(error)
        event("refused: TypeError")
        return
    event("appraised")
    assert all(math.isfinite(option.score) for option in result.options)

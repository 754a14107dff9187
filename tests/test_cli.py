"""The command line, through a real subprocess, from a directory outside the project."""

from __future__ import annotations

import argparse
import gc
import importlib
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from appraisal.cli import COMMAND_ORDER, STARTING_THRESHOLD, build_parser, main

from .conftest import BIRMINGHAM, RULES


def run(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "appraisal.cli", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=60,
        env={
            "COLUMNS": "200",
            "PATH": "/usr/bin:/bin",
            "PYTHONPATH": str(RULES.parents[1] / "src"),
        },
    )


def test_default_runs_the_bundled_birmingham_scenario(tmp_path: Path) -> None:
    result = run(cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "Recommended: IV. Commissioner, expert panel and directions" in result.stdout
    assert "not considered further" in result.stdout
    assert "para 9.5" in result.stdout
    assert "para 9.6" in result.stdout


@pytest.mark.parametrize(
    ("arguments", "needed"), [(["run"], ()), (["run", "--format", "html"], ("jinja2",))]
)
def test_run_loads_only_what_it_shows(
    tmp_path: Path, arguments: list[str], needed: tuple[str, ...]
) -> None:
    """Start-up time: the graph library, the templates, the briefing, its charts and the
    other commands' analyses are not imported by ``appraisal run``; nor is numpy.ma. Its
    HTML page needs the templates alone."""
    unneeded = ("networkx", "jinja2", "numpy.ma", "appraisal.briefing", "appraisal.graph",
                "appraisal.diagram", "appraisal.reachability", "appraisal.sensitivity",
                "appraisal.expectations", "appraisal.render.graphs", "appraisal.render.report",
                "appraisal.render.svg", "difflib", "html")  # fmt: skip
    unneeded = tuple(name for name in unneeded if name not in needed)
    code = (
        "import sys, io, contextlib\n"
        "from appraisal.cli import main\n"
        f"with contextlib.redirect_stdout(io.StringIO()): code = main({arguments!r})\n"
        f"print(code, sorted(m for m in sys.modules for u in {unneeded!r}"
        " if m == u or m.startswith(u + '.')))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, cwd=tmp_path, timeout=120
    )
    assert result.stdout.decode().split() == ["0", "[]"], result.stderr


def test_the_collector_waits_longer_until_the_input_is_loaded(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Cyclic collection is rare while a command loads its input; after it, collection is
    as usual with what loading built frozen; after the command, all is as it was."""
    loader = importlib.import_module("appraisal.loader")
    explain = importlib.import_module("appraisal.explain")  # the package's name is a function
    seen: dict[str, tuple[bool, int, bool]] = {}
    load, summarise = loader.load_scenario, explain.summarise
    usual = gc.get_threshold()

    def state() -> tuple[bool, int, bool]:
        return gc.isenabled(), gc.get_threshold()[0], gc.get_freeze_count() > 0

    def loading(*args: Any, **kwargs: Any) -> Any:
        seen["loading"] = state()
        return load(*args, **kwargs)

    def summarising(*args: Any, **kwargs: Any) -> Any:
        seen["after"] = state()
        return summarise(*args, **kwargs)

    monkeypatch.setattr(loader, "load_scenario", loading)
    monkeypatch.setattr(explain, "summarise", summarising)
    assert state() == (True, usual[0], False)
    assert main(["run"]) == 0
    assert seen == {
        "loading": (True, STARTING_THRESHOLD, False),
        "after": (True, usual[0], True),
    }
    assert state() == (True, usual[0], False) and gc.get_threshold() == usual
    assert main(["schema", "scenario"]) == 0  # a command that loads nothing
    assert state() == (True, usual[0], False) and gc.get_threshold() == usual
    gc.disable()  # a caller managing the collector itself is left alone
    try:
        assert main(["run"]) == 0
        assert seen["after"] == (False, usual[0], False)
        assert not gc.isenabled()
    finally:
        gc.enable()
    capsys.readouterr()


def test_run_json(tmp_path: Path) -> None:
    result = run("run", "--format", "json", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["scenario"] == "Birmingham children's social care, February 2014"
    assert data["recommended"] == "commissioner"
    first = data["options"][0]
    assert {
        "id",
        "rank",
        "score",
        "short_term_score",
        "long_term_score",
        "verdict",
        "excluded",
    } <= (set(first))
    by_id = {o["id"]: o for o in data["options"]}
    assert by_id["isle_of_wight"]["excluded"] is True
    assert by_id["isle_of_wight"]["rank"] is None


def test_run_a_bundled_what_if_by_name(tmp_path: Path) -> None:
    result = run("run", "birmingham-2014-sustained-improvement", "--format", "json", cwd=tmp_path)
    assert json.loads(result.stdout)["recommended"] == "watchful_waiting"


def test_run_markdown_to_file(tmp_path: Path) -> None:
    result = run("run", str(BIRMINGHAM), "--format", "md", "-o", "out.md", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    text = (tmp_path / "out.md").read_text(encoding="utf-8")
    assert text.startswith("# Birmingham children's social care")
    assert "| 1 | IV. Commissioner, expert panel and directions |" in text


def test_weight_override(tmp_path: Path) -> None:
    result = run("run", "--weight", "acceptability=50", "--format", "json", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["weights"]["acceptability"] == pytest.approx(50 / 59, abs=1e-6)


def write(tmp_path: Path, name: str, text: str) -> Path:
    (tmp_path / name).write_text(text, encoding="utf-8")
    return tmp_path / name


BAD_INPUTS = [
    # (file name, content, expected message)
    ("syntax.yaml", "title: t\nevidence: [1\n", r"syntax\.yaml:3:1: YAML syntax error"),
    ("dup.yaml", "title: t\ntitle: u\n", r"dup\.yaml:2:1: title: duplicate key 'title'"),
    (
        "unknown.yaml",
        f"title: t\nrule_base: {RULES}\nevidence:\n  idaci:\n    statement: s\n    value: 1\n"
        "    source: le-grand-2014 p\n",
        r"unknown\.yaml:4:3: evidence\.idaci: unknown fact 'idaci' \(did you mean 'idaci_pct'\?\)",
    ),
    (
        "negative.yaml",
        f"title: t\nrule_base: {RULES}\nweights:\n  challenge: -2\n",
        r"negative\.yaml:4:3: weights\.challenge: Input should be greater than or equal to 0",
    ),
    ("empty.yaml", "", r"empty\.yaml:1:1: the file is empty"),
    (
        "norules.yaml",
        "title: t\nrule_base: missing-rules.yaml\n",
        r"norules\.yaml:2:1: rule_base: rule base file 'missing-rules\.yaml' not found",
    ),
]


@pytest.mark.parametrize(("name", "text", "message"), BAD_INPUTS)
def test_bad_input_gives_one_located_message(
    tmp_path: Path, name: str, text: str, message: str
) -> None:
    write(tmp_path, name, text)
    result = run("run", name, cwd=tmp_path)
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    import re

    assert re.search(message, lines[0]), lines[0]


def test_missing_file(tmp_path: Path) -> None:
    result = run("run", "nowhere.yaml", cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr.strip() == "error: nowhere.yaml: file not found"


def test_cycle_in_rule_base(tmp_path: Path) -> None:
    text = (
        RULES.read_text(encoding="utf-8")
        .replace(
            "    when: {fact: idaci_pct, ge: 30}",
            "    when: {fact: deprivation_high, eq: true}",
        )
        .replace(
            "  deprivation_high:\n    when: {any: [{fact: idaci_pct, ge: 30}",
            "  deprivation_high:\n    when: {any: [{fact: deprivation_high, eq: true}",
        )
    )
    rules = write(tmp_path, "cyclic.yaml", text)
    result = run("validate", str(rules), cwd=tmp_path)
    assert result.returncode == 2
    assert "cycle among derived findings" in result.stdout
    assert "Traceback" not in result.stdout + result.stderr


def test_validate_good_and_bad(tmp_path: Path) -> None:
    good = run("validate", str(RULES), str(BIRMINGHAM), cwd=tmp_path)
    assert good.returncode == 0, good.stdout
    assert "rule base valid (0 error(s), 0 warning(s))" in good.stdout
    bad = write(
        tmp_path,
        "bad.yaml",
        f"title: t\nrule_base: {RULES}\nevidence:\n  idaci:\n    statement: s\n    value: 1\n"
        "    source: le-grand-2014 p\n  child_population:\n    statement: s\n    value: many\n"
        "    source: nodoc p\n",
    )
    result = run("validate", str(bad), cwd=tmp_path)
    assert result.returncode == 2
    assert result.stdout.count("error ") == 3  # every problem, not just the first


def test_validate_a_folder(tmp_path: Path) -> None:
    result = run("validate", str(RULES.parent), str(BIRMINGHAM.parent), cwd=tmp_path)
    assert result.returncode == 0, result.stdout
    assert result.stdout.count(" valid (0 error(s), 0 warning(s))") >= 5


def test_compare(tmp_path: Path) -> None:
    result = run(
        "compare",
        "birmingham-2014",
        "birmingham-2014-sustained-improvement",
        "--format",
        "json",
        cwd=tmp_path,
    )
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert [d["recommended"] for d in data] == ["commissioner", "watchful_waiting"]
    assert "versus_base" not in data[0]
    why = data[1]["versus_base"]
    assert why["method"] == "shapley"
    assert {d["id"] for d in why["differences"]} >= {"improvement_sustained"}
    moved = why["options"]["watchful_waiting"]
    assert sum(e["points"] for e in moved["effects"]) == pytest.approx(moved["change"], abs=1e-5)
    assert (moved["base_verdict"], moved["verdict"]) == ("not_recommended", "recommended")


def test_compare_says_why_in_text_and_markdown(tmp_path: Path) -> None:
    names = ("birmingham-2014", "birmingham-2014-capable-partner")
    text = run("compare", *names, cwd=tmp_path).stdout
    assert "Why What if: a capable partner council is in view differs from" in text
    assert "evidence partner_identified" in text
    assert "moved by +4.8 partner_identified" in text
    markdown = run("compare", *names, "--format", "md", cwd=tmp_path).stdout
    assert markdown.startswith("# Scenarios compared\n")
    assert "| evidence partner_identified | false | true |" in markdown
    assert "| II. Transfer to a partner council | 47.4 not considered further |" in markdown


def test_graph_and_schema_and_list(tmp_path: Path) -> None:
    mermaid = run("graph", cwd=tmp_path)
    assert mermaid.stdout.startswith("%% scenario: Birmingham")
    assert '==>|"fails"|' in mermaid.stdout
    assert " recommended" in mermaid.stdout  # the scenario's state is marked
    plain = run("graph", str(RULES), cwd=tmp_path).stdout
    assert plain.startswith("flowchart LR")
    assert '-.->|"can fail"|' in plain and "==>" not in plain
    dot = run("graph", str(RULES), "--format", "dot", cwd=tmp_path)
    assert dot.stdout.startswith("digraph appraisal {")
    graphml = run("graph", "--format", "graphml", cwd=tmp_path).stdout
    assert graphml.startswith("<?xml") and "<graphml" in graphml
    data = json.loads(run("graph", "--format", "json", "--detail", "overview", cwd=tmp_path).stdout)
    assert {node["kind"] for node in data["nodes"]} == {
        "option",
        "cause",
        "problem",
        "criterion",
        "gate",
    }
    assert {f["role"] for f in data["fingerprint"]["files"]} == {"rule_base", "scenario"}
    markdown = run("graph", "--format", "md", cwd=tmp_path).stdout
    assert "```mermaid\n%% scenario: Birmingham" in markdown and "\nflowchart LR\n" in markdown
    schema = json.loads(run("schema", "scenario", cwd=tmp_path).stdout)
    assert "evidence" in schema["properties"]
    assert schema["$id"] == "urn:appraisal:schema:scenario:v1"
    facts = run("schema", "scenario", "--rule-base", str(RULES), cwd=tmp_path)
    evidence = json.loads(facts.stdout)["properties"]["evidence"]
    assert "external_challenge" in evidence["properties"]
    refused = run("schema", "rule-base", "--rule-base", str(RULES), cwd=tmp_path)
    assert refused.returncode == 2
    assert refused.stderr.startswith("error: --rule-base: lists a rule base's facts")
    listing = run("list", cwd=tmp_path).stdout
    assert "birmingham-2014\t" in listing


def test_internal_errors_are_short_without_debug(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import appraisal.cli as cli

    def broken(args: object) -> int:
        raise RuntimeError("boom")

    monkeypatch.setattr(cli, "cmd_list", broken)
    assert main(["list"]) == 1
    err = capsys.readouterr().err
    assert "internal error: RuntimeError: boom" in err
    assert "Traceback" not in err
    with pytest.raises(RuntimeError):
        main(["--debug", "list"])


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["run", "--weight", "effectivness=2"], "did you mean 'effectiveness'"),
        (["run", "--weight", "x=abc"], "expected CRITERION=NUMBER"),
        (["run", "--weight", "effectiveness=-1"], "weights cannot be negative"),
        (
            [
                "run",
                "--weight",
                "effectiveness=0",
                "--weight",
                "feasibility=0",
                "--weight",
                "acceptability=0",
            ],
            "all zero",
        ),
    ],
)
def test_bad_weights_are_bad_input(
    argv: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(argv) == 2
    assert message in capsys.readouterr().err


def test_negative_counts_are_refused(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as caught:
        main(["run", "--top", "-1"])
    assert caught.value.code == 2
    assert "must be zero or more" in capsys.readouterr().err


def test_a_folder_is_not_a_scenario(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["run", str(tmp_path)]) == 2
    assert f"{tmp_path}: is a directory" in capsys.readouterr().err


def test_a_reader_that_stops_early_is_not_an_error(tmp_path: Path) -> None:
    with subprocess.Popen(
        [sys.executable, "-m", "appraisal.cli", "graph", "--format", "dot"],
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(RULES.parents[1] / "src")},
    ) as process:
        assert process.stdout is not None and process.stderr is not None
        assert process.stdout.readline().startswith(b"digraph")
        process.stdout.close()
        error = process.stderr.read().decode()
        process.wait(timeout=60)
    assert process.returncode in (0, 141)  # 0 if everything fitted in the pipe first
    assert "internal error" not in error and "Traceback" not in error


def test_calibration_cases_are_bundled_by_name(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["list"]) == 0
    names = [line.split("\t")[0] for line in capsys.readouterr().out.splitlines()]
    assert "rotherham-2017-review" in names and "birmingham-2014" in names
    assert len(names) == len(set(names))
    assert main(["run", "rotherham-2017-review", "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out)["recommended"] == "watchful_waiting"


def _parsers() -> list[tuple[str, argparse.ArgumentParser]]:
    """The top-level parser and every command's, by name."""
    parser = build_parser()
    found = [("appraisal", parser)]
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            found += [(f"appraisal {name}", sub) for name, sub in action.choices.items()]
    return found


def test_every_option_and_argument_has_help() -> None:
    missing = [
        f"{name} {action.option_strings or action.dest}"
        for name, parser in _parsers()
        for action in parser._actions
        if not action.help or action.help == argparse.SUPPRESS
    ]
    assert missing == []
    assert len(_parsers()) >= 11


def test_commands_are_listed_in_reading_order_with_one_line_each(
    capsys: pytest.CaptureFixture[str],
) -> None:
    with pytest.raises(SystemExit):
        main(["--help"])
    listing = capsys.readouterr().out
    names = [name.split()[1] for name, _ in _parsers()[1:]]
    listed = sorted(names, key=lambda n: listing.index(f"\n    {n} "))
    assert listed[:2] == ["run", "explain"]
    assert listed.index("sensitivity") < listed.index("validate") < listed.index("list")
    assert listed == [n for n in COMMAND_ORDER if n in names] + [
        n for n in listed if n not in COMMAND_ORDER
    ]


@pytest.mark.parametrize("module", ["appraisal", "appraisal.cli"])
def test_version(module: str, tmp_path: Path) -> None:
    from importlib.metadata import version

    done = subprocess.run(
        [sys.executable, "-m", module, "--version"], capture_output=True, text=True, timeout=60
    )
    assert (done.returncode, done.stdout, done.stderr) == (
        0,
        f"appraisal {version('appraisal')}\n",
        "",
    )


def test_python_m_appraisal_runs_the_command(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "appraisal", "list"],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=tmp_path,
    )
    assert done.returncode == 0, done.stderr
    assert "birmingham-2014\t" in done.stdout


def test_output_files_are_named_on_stderr(tmp_path: Path) -> None:
    for command in (["run"], ["graph"], ["schema", "scenario"], ["explain", "--format", "md"]):
        target = tmp_path / "out.txt"
        done = run(*command, "-o", str(target), cwd=tmp_path)
        assert done.returncode == 0, done.stderr
        assert done.stderr == f"wrote {target}\n"
        assert done.stdout == ""
        assert target.stat().st_size > 0


def test_a_rule_base_given_as_a_scenario_is_one_line(tmp_path: Path) -> None:
    done = run("run", str(RULES), cwd=tmp_path)
    assert done.returncode == 2
    assert done.stderr.count("\n") == 1
    assert "a rule base, not a scenario" in done.stderr


def test_validate_takes_bundled_names(tmp_path: Path) -> None:
    done = run("validate", "birmingham-2014", "no-such-file.yaml", cwd=tmp_path)
    assert done.returncode == 2
    lines = done.stdout.splitlines()
    assert lines[0].endswith("birmingham-2014.yaml: scenario valid (0 error(s), 0 warning(s))")
    assert "no-such-file.yaml: invalid (1 error(s), 0 warning(s))" in lines
    assert "unknown" not in done.stdout


def test_piped_validate_keeps_one_line_per_file(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "appraisal", "validate", str(RULES), "birmingham-2014"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
        env={"COLUMNS": "40", "PATH": "/usr/bin:/bin"},
    )
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert len(lines) == 2
    assert all(line.endswith("valid (0 error(s), 0 warning(s))") for line in lines)

"""``appraisal init``: the starter files are valid, run, meet their expectation, and are
written only where they may be."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from appraisal.appraise import appraise
from appraisal.cli import main
from appraisal.errors import AppraisalError
from appraisal.loader import load_rule_base, validate_file
from appraisal.loader.reading import Marks, parse_yaml
from appraisal.starter import DEFAULT_NAME, starter_files, starter_name, write_starter


def test_init_then_validate_run_explain_test_and_check(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """The commands `init` prints as next steps all succeed on what it wrote."""
    monkeypatch.chdir(tmp_path)
    assert main(["init", "libraries"]) == 0
    out = capsys.readouterr().out
    assert out.splitlines()[:2] == [
        "wrote libraries/rules/libraries.yaml",
        "wrote libraries/scenarios/libraries.yaml",
    ]
    commands = re.findall(r"^  (appraisal .*)$", out, re.MULTILINE)
    assert commands == [
        "appraisal validate libraries",
        "appraisal run libraries/scenarios/libraries.yaml",
        "appraisal explain libraries/scenarios/libraries.yaml",
    ]
    for command in commands:
        strict = ["--strict"] if " validate " in f" {command} " else []
        assert main([*command.split()[1:], *strict]) == 0, command
    capsys.readouterr()
    assert main(["test", "libraries/scenarios"]) == 0
    assert "1 passed, 0 failed" in capsys.readouterr().out
    assert main(["check", "libraries/rules/libraries.yaml"]) == 0


def test_starter_is_warning_free_and_recommends_by_evidence(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)  # the scenario names ../rules/: read from the project's top
    written = write_starter(tmp_path / "x")
    for path in (written.rule_base, written.scenario):
        result = validate_file(path)
        assert (result.errors, result.warnings) == ((), ())
    assert appraise(written.scenario).recommended == "change"
    rule_base, _ = load_rule_base(written.rule_base)
    assert rule_base.id == "x"
    assert [o for o, option in rule_base.options.items() if option.status_quo] == ["keep"]
    assert rule_base.recommending_verdict == "recommended"


def test_starter_recommends_nothing_without_evidence(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    written = write_starter(tmp_path / "x")
    empty = written.scenario.with_name("empty.yaml")
    empty.write_text("title: Nothing known\nrule_base: ../rules/x.yaml\n", encoding="utf-8")
    result = appraise(empty)
    assert result.recommended is None
    assert {o.verdict for o in result.options} == {"insufficient_evidence"}


def test_every_section_is_explained_by_a_comment() -> None:
    """Each section (a top-level mapping or list) of both files has a comment just above it."""
    for path, text in starter_files("starter").items():
        data, marks = read_yaml_text(text)
        lines = text.splitlines()
        for key in (k for k, v in data.items() if isinstance(v, dict | list)):
            line = marks.positions[(key,)][0]
            above = lines[max(0, line - 4) : line - 1]
            explained = any(s.lstrip().startswith("#") for s in above) or "#" in lines[line - 1]
            assert explained, f"{path}: section {key!r} has no comment"


def read_yaml_text(text: str) -> tuple[dict[str, object], Marks]:
    data, marks = parse_yaml(text, "starter.yaml")
    assert isinstance(data, dict)
    return data, marks


def test_a_folder_that_is_not_empty_is_refused_without_force(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    folder = tmp_path / "work"
    folder.mkdir()
    (folder / "notes.txt").write_text("mine", encoding="utf-8")
    assert main(["init", "work"]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err == (
        "error: work: the folder is not empty; name a new folder, or pass --force to write"
        " rules/work.yaml and scenarios/work.yaml into it (replacing them if they exist)\n"
    )
    assert sorted(p.name for p in folder.iterdir()) == ["notes.txt"]


def test_force_replaces_the_two_files_and_leaves_the_rest(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    assert main(["init", "work"]) == 0
    rule_base = tmp_path / "work" / "rules" / "work.yaml"
    fresh = rule_base.read_text(encoding="utf-8")
    rule_base.write_text("edited", encoding="utf-8")
    other = tmp_path / "work" / "rules" / "other.yaml"
    other.write_text("mine", encoding="utf-8")
    assert main(["init", "work"]) == 2
    assert rule_base.read_text(encoding="utf-8") == "edited"
    assert main(["init", "work", "--force"]) == 0
    assert rule_base.read_text(encoding="utf-8") == fresh
    assert other.read_text(encoding="utf-8") == "mine"


def test_an_empty_folder_is_used_without_force(tmp_path: Path) -> None:
    written = write_starter(tmp_path)
    assert written.rule_base == tmp_path / "rules" / f"{starter_name(tmp_path)}.yaml"
    assert written.scenario.is_file()


@pytest.mark.parametrize("force", [False, True])
def test_a_file_in_the_way_is_refused(tmp_path: Path, force: bool) -> None:
    (tmp_path / "file").write_text("mine", encoding="utf-8")
    with pytest.raises(AppraisalError, match=r"file: is not a folder$"):
        write_starter(tmp_path / "file", force=force)
    folder = tmp_path / "work"
    (folder / "rules" / "work.yaml").mkdir(parents=True)
    with pytest.raises(AppraisalError):
        write_starter(folder, force=True)
    assert not (folder / "scenarios" / "work.yaml").exists()  # both files or neither


def test_names(tmp_path: Path) -> None:
    assert starter_name(tmp_path / "waste-2026") == "waste-2026"
    assert starter_name(tmp_path / "2026 plans") == DEFAULT_NAME
    written = write_starter(tmp_path / "2026 plans")
    assert written.rule_base.name == f"{DEFAULT_NAME}.yaml"
    with pytest.raises(AppraisalError, match=r"^--name: a name is an id: .* not '1st'$"):
        write_starter(tmp_path / "other", "1st")
    assert not (tmp_path / "other").exists()
    text = starter_files("libraries")["scenarios/libraries.yaml"]
    assert "rule_base: ../rules/libraries.yaml" in text
    assert "$" not in "".join(starter_files("libraries").values())


def test_next_steps_from_outside_the_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """A folder outside the working folder: `cd` there first, as scenarios may refer only
    to files below them or below the working folder."""
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    target = tmp_path / "project"
    assert main(["init", str(target), "--name", "parks"]) == 0
    out = capsys.readouterr().out
    assert f"  cd {target}\n  appraisal validate .\n  appraisal run scenarios/parks.yaml\n" in out
    monkeypatch.chdir(target)
    assert main(["run", "scenarios/parks.yaml"]) == 0

"""Every Python example in the README and docs/ runs, and its assertions hold; the
tutorial's commands run, print what it shows, and its YAML is the shipped files'."""

from __future__ import annotations

import re
import shlex
import shutil
from pathlib import Path

import pytest

from appraisal.cli import main

ROOT = Path(__file__).resolve().parents[1]
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
BLOCK = re.compile(r"```python\n(.*?)```", re.DOTALL)


def examples() -> list[tuple[str, int, str]]:
    found = []
    for page in PAGES:
        for index, match in enumerate(BLOCK.finditer(page.read_text(encoding="utf-8"))):
            found.append((page.name, index, match.group(1)))
    return found


@pytest.mark.parametrize(("page", "index", "code"), examples(), ids=lambda v: str(v)[:20])
def test_example_runs(page: str, index: int, code: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    exec(compile(code, f"{page}[{index}]", "exec"), {})


def test_docs_mention_every_command() -> None:
    from appraisal.cli import build_parser

    parser = build_parser()
    commands = next(a for a in parser._actions if a.dest == "command").choices
    text = (ROOT / "docs" / "cli.md").read_text(encoding="utf-8")
    for command in commands:
        assert f"appraisal {command}" in text, command


TUTORIAL = ROOT / "docs" / "tutorial.md"
FENCE = re.compile(r"^```(\w+)\n(.*?)^```", re.DOTALL | re.MULTILINE)
DRAWING = str.maketrans(dict.fromkeys("│┃┏┓┗┛━─┡┩╇╈┳┻┬┴└┘┌┐├┤┼▏▎▍▌▋▊▉█", " "))
"""Table rules and bar characters: an excerpt is compared by its words and figures."""


def tutorial_blocks() -> list[tuple[str, str]]:
    """The tutorial's fenced blocks, in order, as (language, text)."""
    text = TUTORIAL.read_text(encoding="utf-8")
    return [(m.group(1), m.group(2)) for m in FENCE.finditer(text)]


def words(text: str) -> str:
    return " ".join(text.translate(DRAWING).split())


def test_tutorial_commands_run_and_print_what_it_shows(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Each `appraisal` command of a bash block succeeds in a folder holding the tutorial's
    files, and each line of a text block after it is in the last command's output."""
    (tmp_path / "rules").mkdir()
    shutil.copy(ROOT / "rules" / "waste-collection.yaml", tmp_path / "rules")
    shutil.copytree(
        ROOT / "scenarios",
        tmp_path / "scenarios",
        ignore=lambda _, names: [n for n in names if not n.startswith("waste-collection")],
    )
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("COLUMNS", "200")
    output: str | None = None
    ran = 0
    for language, text in tutorial_blocks():
        if language == "bash":
            for line in text.splitlines():
                if line.startswith("appraisal "):
                    argv = shlex.split(line, comments=True)[1:]
                    code = main(argv)
                    output = words(capsys.readouterr().out)
                    assert code == 0, f"{line}: exit {code}"
                    ran += 1
        elif language == "text":
            assert output is not None, "a text block before any command"
            for line in filter(str.strip, text.splitlines()):
                assert words(line) in output, line
    assert ran >= 10


def test_tutorial_yaml_is_copied_from_the_shipped_files() -> None:
    """Every YAML block is a verbatim excerpt of the shipped waste collection files, so the
    tutorial and the files cannot drift apart. A line `# ...` marks text left out."""
    shipped = [
        (ROOT / "rules" / "waste-collection.yaml").read_text(encoding="utf-8"),
        *(p.read_text(encoding="utf-8") for p in sorted(ROOT.glob("scenarios/waste-collection*"))),
    ]
    blocks = [text for language, text in tutorial_blocks() if language == "yaml"]
    assert len(blocks) >= 15
    for block in blocks:
        chunks = re.split(r"^ *# \.\.\..*\n", block, flags=re.MULTILINE)
        for chunk in filter(str.strip, chunks):
            assert any(chunk in text for text in shipped), chunk


def test_tutorial_shows_every_section_of_the_rule_base() -> None:
    from appraisal.loader import read_yaml

    data, _ = read_yaml(ROOT / "rules" / "waste-collection.yaml")
    shown = "".join(text for language, text in tutorial_blocks() if language == "yaml")
    for section in data:
        assert re.search(rf"^{section}:", shown, re.MULTILINE), section


def test_sources_hold_every_paragraph_cited() -> None:
    """The illustrative sources number every paragraph the waste collection files cite."""
    sources = (ROOT / "docs" / "waste-collection-sources.md").read_text(encoding="utf-8")
    part_a, _, part_b = sources.partition("## Part B")
    parts = {"waste-options-paper": part_a, "wealdbridge-cabinet-2026": part_b}
    cited = 0
    for path in [ROOT / "rules" / "waste-collection.yaml", *ROOT.glob("scenarios/waste-*")]:
        text = path.read_text(encoding="utf-8")
        for document, locator in re.findall(r"source: ([\w-]+) paras? ([\d., ]+)", text):
            for paragraph in re.findall(r"\d+\.\d+", locator):
                assert f"**{paragraph}**" in parts[document], (path.name, document, paragraph)
                cited += 1
    assert cited > 50

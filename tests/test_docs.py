"""Every Python example in the README and docs/ runs, and its assertions hold."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

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

"""Hostile input and hostile surroundings for the command line: one test (or more) per defect
of the reliability review (D1, D4, D6, D9, D11, D15-D18, D21, N1), and more of the same kind.

Most run the real command in a subprocess (``python -m appraisal``, the console script's
own entry point), so signals, pipes and the environment are real.
"""

from __future__ import annotations

import copy
import json
import os
import random
import re
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from appraisal.cli import main
from appraisal.errors import AppraisalError

from .conftest import RULES, SMALL_RULE_BASE, write_yaml

SRC = RULES.parents[1] / "src"
POSIX = pytest.mark.skipif(os.name != "posix", reason="POSIX signals, pipes and devices")


def command(
    *args: str, cwd: Path, seed: str = "0", columns: str = "100"
) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        [sys.executable, "-m", "appraisal", *args],
        cwd=cwd,
        capture_output=True,
        timeout=120,
        env=_env(seed, columns),
    )


def _env(seed: str = "0", columns: str = "100") -> dict[str, str]:
    return {
        "PATH": "/usr/bin:/bin",
        "PYTHONPATH": str(SRC),
        "PYTHONHASHSEED": seed,
        "COLUMNS": columns,
    }


def hostile(
    tmp_path: Path,
    *,
    title: Any = "A test scenario",
    name: str = "Wait",
    statement: str = "rate is 5",
    source: str = "doc para 2",
    file: str = "scenario.yaml",
) -> Path:
    """The small scenario with user text replaced: the title, an option's name, a statement."""
    rule_base = copy.deepcopy(SMALL_RULE_BASE)
    rule_base["options"]["wait"]["name"] = name
    write_yaml(tmp_path / "rules.yaml", rule_base)
    return write_yaml(
        tmp_path / file,
        {
            "title": title,
            "rule_base": "rules.yaml",
            "evidence": {
                "rate": {"statement": statement, "value": 5.0, "source": source},
                "national_rate": {"statement": "n", "value": 10.0, "source": "doc para 3"},
            },
        },
    )


# --------------------------------------------------------------------------- D1, N1, D9


def test_D1_a_failed_render_leaves_the_old_report(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import appraisal.render as render

    scenario = hostile(tmp_path)
    report = tmp_path / "report.txt"
    report.write_text("keep me")

    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("the renderer broke")

    monkeypatch.setattr(render, "appraisal_renderable", broken)
    assert main(["run", str(scenario), "-o", str(report)]) == 1
    assert report.read_text() == "keep me"


def test_D1_a_full_disk_leaves_the_old_report(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    scenario = hostile(tmp_path)
    report = tmp_path / "report.md"
    report.write_text("keep me")

    def full(descriptor: int) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "fsync", full)
    assert main(["run", str(scenario), "--format", "md", "-o", str(report)]) == 2
    assert f"{report}: cannot write it: No space left on device" in capsys.readouterr().err
    assert report.read_text() == "keep me"
    assert [p.name for p in tmp_path.iterdir() if p.suffix == ".tmp"] == []


@POSIX
def test_D1_a_file_size_limit_leaves_the_old_report(tmp_path: Path) -> None:
    scenario = hostile(tmp_path)
    report = tmp_path / "report.md"
    report.write_text("keep me")
    result = subprocess.run(
        [
            "/bin/sh",
            "-c",
            f'ulimit -f 1; exec "$0" -m appraisal run {scenario} --format json -o {report}',
            sys.executable,
        ],
        capture_output=True,
        timeout=60,
        env={**_env(), "PYTHONDONTWRITEBYTECODE": "1"},  # CPython would write truncated .pyc
    )
    if result.returncode == 0:
        pytest.skip("the file size limit did not apply here")
    assert result.returncode == 2, result.stderr
    assert b"File too large" in result.stderr and b"Traceback" not in result.stderr
    assert report.read_text() == "keep me"


def test_D1_plots_are_written_all_or_none(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    pytest.importorskip("matplotlib")
    scenario = hostile(tmp_path)
    charts = tmp_path / "charts"
    assert main(["sensitivity", str(scenario), "--samples", "200", "--plots", str(charts)]) == 0
    before = {p.name: p.read_bytes() for p in charts.iterdir()}
    (charts / "spider.svg").unlink()
    (charts / "spider.svg").mkdir()  # in the way of the second chart
    arguments = ["sensitivity", str(scenario), "--samples", "200", "--seed", "5"]
    assert main([*arguments, "--plots", str(charts)]) == 2
    assert "spider.svg: is a directory" in capsys.readouterr().err
    assert (charts / "tornado.svg").read_bytes() == before["tornado.svg"]
    assert (charts / "acceptability.svg").read_bytes() == before["acceptability.svg"]
    assert sorted(p.name for p in charts.iterdir()) == sorted(before)
    (tmp_path / "file").write_text("x")
    assert main([*arguments, "--plots", str(tmp_path / "file" / "charts")]) == 2
    assert "is not a directory" in capsys.readouterr().err


def test_N1_output_cannot_overwrite_an_input(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    scenario = hostile(tmp_path)
    before = scenario.read_bytes(), (tmp_path / "rules.yaml").read_bytes()
    for target in (scenario, tmp_path / "rules.yaml"):
        assert main(["run", str(scenario), "--format", "json", "-o", str(target)]) == 2
        assert "refusing to overwrite it" in capsys.readouterr().err
    if os.name == "posix":
        link = tmp_path / "link.json"
        link.symlink_to(scenario)
        assert main(["explain", str(scenario), "--format", "json", "-o", str(link)]) == 2
    assert (scenario.read_bytes(), (tmp_path / "rules.yaml").read_bytes()) == before


@pytest.mark.parametrize(
    ("target", "message"),
    [
        ("{tmp}", "{tmp}: is a directory"),
        ("{tmp}/missing/report.txt", "the folder '{tmp}/missing' does not exist"),
        ("", "--output: the output file name is empty"),
        ("{tmp}/scenario.yaml/report.txt", "is not a directory"),
    ],
)
@pytest.mark.parametrize("format_", ["text", "json"])
def test_D9_output_paths_that_cannot_be_written_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], target: str, message: str, format_: str
) -> None:
    scenario = hostile(tmp_path)
    output = target.format(tmp=tmp_path)
    assert main(["run", str(scenario), "--format", format_, "-o", output]) == 2
    err = capsys.readouterr().err
    assert message.format(tmp=tmp_path) in err
    assert "internal error" not in err


@POSIX
def test_D9_a_full_device_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    if not Path("/dev/full").exists():
        pytest.skip("no /dev/full")
    assert main(["schema", "scenario", "-o", "/dev/full"]) == 2
    assert "/dev/full: cannot write it: No space left on device" in capsys.readouterr().err


@POSIX
def test_D9_standard_output_on_a_full_device_exits_2(tmp_path: Path) -> None:
    if not Path("/dev/full").exists():
        pytest.skip("no /dev/full")
    with open("/dev/full", "w") as full:
        result = subprocess.run(
            [sys.executable, "-m", "appraisal", "schema", "scenario"],
            stdout=full,
            stderr=subprocess.PIPE,
            timeout=60,
            env=_env(),
        )
    assert result.returncode == 2
    assert result.stderr.decode().strip() == (
        "error: standard output: cannot write: No space left on device"
    )


# --------------------------------------------------------------------------- D6, D21


MARKUP = ["[/bold] closing tag", "[link=file:///etc/passwd]click[/link] [red]red", "[bold"]


@pytest.mark.parametrize("text", MARKUP)
def test_D6_rich_markup_in_user_text_is_shown_as_typed(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], text: str
) -> None:
    scenario = hostile(tmp_path, title=text, name=text, statement=text)
    assert main(["run", str(scenario)]) == 0
    out = capsys.readouterr().out
    assert text in out
    assert main(["compare", str(scenario), str(scenario)]) == 0
    assert text[:5] in capsys.readouterr().out  # a narrow column wraps the rest
    assert main(["explain", str(scenario)]) == 0
    assert main(["sensitivity", str(scenario), "--samples", "100"]) == 0


ESCAPES = "\x1b[31mRED\x1b]0;pwned\x07\x1b]8;;http://x\x1b\\link\x1b]8;;\x1b\\\x9b2J\rover"


def test_D21_escape_sequences_never_reach_any_output(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    scenario = hostile(
        tmp_path, title=ESCAPES, name=ESCAPES, statement=ESCAPES, source=f"doc para 2 {ESCAPES}"
    )
    for arguments in (
        ["run"],
        ["run", "--format", "md"],
        ["run", "--format", "html"],
        ["explain"],
        ["explain", "--format", "md"],
        ["sensitivity", "--samples", "100"],
        ["test"],
        ["compare", str(scenario)],
    ):
        assert main([arguments[0], str(scenario), *arguments[1:]]) in (0, 1), arguments
        out = capsys.readouterr().out
        assert not set("\x1b\x07\x9b\r") & set(out), arguments
        assert "REDlink" in out.replace("\n", "") or arguments[0] in ("sensitivity", "test")
    assert main(["list"]) == 0
    data_out = subprocess.run(
        [sys.executable, "-m", "appraisal", "run", str(scenario), "--format", "json"],
        capture_output=True,
        env=_env(),
        timeout=60,
    ).stdout
    assert b"\x1b" not in data_out and b"\xc2\x9b" not in data_out
    assert json.loads(data_out)["scenario"] == ESCAPES  # JSON keeps the data, escaped


def test_D21_markdown_and_html_cannot_be_injected(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    evil = "<script>alert(1)</script> [x](javascript:alert(1)) | cell `code` &amp; *em*"
    scenario = hostile(tmp_path, title=evil, name=evil, statement=evil)
    assert main(["run", str(scenario), "--format", "md"]) == 0
    md = capsys.readouterr().out
    import re

    assert "<script>" not in md and not re.search(r"(?<!\\)\]\(javascript", md)
    assert not re.search(r"(?<!\\)`code", md)
    assert "&lt;script&gt;" in md and "\\[x\\]" in md and "\\|" in md and "&amp;amp;" in md
    row = [line for line in md.splitlines() if line.startswith("| 2 |")]
    assert row and len(re.findall(r"(?<!\\)\|", row[0])) == 7  # the name's pipe is no cell
    assert main(["run", str(scenario), "--format", "html"]) == 0
    html = capsys.readouterr().out
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert main(["explain", str(scenario), "--format", "md"]) == 0
    assert "<script>" not in capsys.readouterr().out


def test_bidi_controls_are_removed_and_joiners_kept(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    title = "Safe \u202eevil\u202c \u2066x\u2069 family \U0001f468\u200d\U0001f469\u200d\U0001f467"
    scenario = hostile(tmp_path, title=title)
    assert main(["run", str(scenario)]) == 0
    out = capsys.readouterr().out
    assert "Safe evil x family \U0001f468\u200d\U0001f469\u200d\U0001f467" in out
    assert not set("\u202e\u202c\u2066\u2069") & set(out)


def test_a_very_long_name_and_title_are_shown_whole(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    scenario = hostile(tmp_path, title="T" * 10_000, name="N" * 10_000)
    assert main(["run", str(scenario), "--format", "md"]) == 0
    assert "N" * 10_000 in capsys.readouterr().out
    assert main(["run", str(scenario)]) == 0


def test_to_json_refuses_a_non_finite_number_by_name() -> None:
    from appraisal.render import to_json

    with pytest.raises(AppraisalError, match=r"JSON output: options\[1\]\.score: a non-finite"):
        to_json({"options": [{"score": 1.0}, {"score": float("nan")}]})
    assert to_json({"x": "\u202e\x85"}) == '{\n  "x": "\\u202e\\u0085"\n}'


# --------------------------------------------------------------------------- D11


def test_D11_sensitivity_when_every_option_fails_a_gate(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    rule_base = copy.deepcopy(SMALL_RULE_BASE)
    rule_base["rules"]["no_plan_no_wait"] = {
        "when": {"fact": "plan", "eq": False},
        "then": [{"option": "wait", "fail_gate": "feasible"}],
    }
    write_yaml(tmp_path / "rules.yaml", rule_base)
    scenario = write_yaml(
        tmp_path / "excluded.yaml",
        {
            "title": "All excluded",
            "rule_base": "rules.yaml",
            "evidence": {
                "plan": {"statement": "no plan", "value": False, "source": "doc para 1"},
                "support": {"statement": "weak", "value": "weak", "source": "doc para 1"},
            },
        },
    )
    assert main(["sensitivity", str(scenario), "--samples", "200"]) == 0
    out = capsys.readouterr().out
    assert "Every option fails a gate (wait, act), so none is ranked" in out
    assert main(["sensitivity", str(scenario), "--samples", "200", "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["options"] == [] and data["excluded"] == ["wait", "act"]
    assert main(["sensitivity", str(scenario), "--samples", "200", "--evidence", "--joint"]) == 0


# --------------------------------------------------------------------------- D4


def _reference_ranks(scores: dict[str, float]) -> dict[str, int]:
    ordered = sorted(scores.values(), reverse=True)
    return {k: 1 + sum(1 for o in ordered if o > v + 1e-9) for k, v in scores.items()}


def test_D4_competition_ranks_keep_the_tie_tolerance_exactly() -> None:
    from appraisal.scoring import competition_ranks

    rng = random.Random(4)
    steps = [0.0, 1e-9, -1e-9, 0.6e-9, -0.6e-9, 2e-9, 1e-12, 1.0000001e-9]
    for _ in range(500):
        base = [rng.choice([0.0, 1.0, 50.0, 100.0]) for _ in range(rng.randint(0, 25))]
        scores = {f"o{i}": b + rng.choice(steps) for i, b in enumerate(base)}
        assert competition_ranks(scores) == _reference_ranks(scores)
    chain = {"a": 1.0, "b": 1.0 - 0.6e-9, "c": 1.0 - 1.2e-9}
    assert competition_ranks(chain) == {"a": 1, "b": 1, "c": 2}


def test_D4_ranking_ten_thousand_options_is_quick() -> None:
    from appraisal.scoring import competition_ranks

    scores = {f"o{i}": random.Random(i).uniform(0, 100) for i in range(10_000)}
    start = time.perf_counter()
    ranks = competition_ranks(scores)
    assert time.perf_counter() - start < 5  # was about 20 s
    assert sorted(ranks.values())[:3] == [1, 2, 3]


def test_D4_sweeps_with_many_options_report_where_the_first_places_change() -> None:
    from appraisal.sensitivity import CriteriaTree, DecisionModel, weight_sweep
    from appraisal.sensitivity.sweeps import PLACES

    rng = np.random.default_rng(7)
    options = tuple(f"o{i}" for i in range(60))
    model = DecisionModel(
        CriteriaTree.flat(["a", "b"], [1, 1]), options, rng.uniform(0, 100, (60, 2))
    )
    sweep = weight_sweep(model, "a")
    a, b = model.utilities[:, 0], model.utilities[:, 1]
    intercept, slope = b, a - b  # total = share * a + (1 - share) * b
    cuts = sorted(
        {
            round(float((intercept[j] - intercept[i]) / (slope[i] - slope[j])), 12)
            for i in range(60)
            for j in range(i + 1, 60)
            if abs(slope[i] - slope[j]) > 1e-15
            and 1e-12 < (intercept[j] - intercept[i]) / (slope[i] - slope[j]) < 1 - 1e-12
        }
    )
    bounds = [0.0, *cuts, 1.0]
    tops = [
        tuple(sorted(range(60), key=lambda i, p=(lo + hi) / 2: (-(intercept[i] + slope[i] * p), i)))
        for lo, hi in zip(bounds, bounds[1:], strict=False)
    ]
    expected = [
        (
            cut,
            tuple(options[i] for i in tops[k][:PLACES]),
            tuple(options[i] for i in tops[k + 1][:PLACES]),
        )
        for k, cut in enumerate(cuts)
        if tops[k][:PLACES] != tops[k + 1][:PLACES]
    ]
    found = [(c.share, c.ranking_before, c.ranking_after) for c in sweep.crossings]
    assert found == expected and found


def test_D4_sensitivity_of_a_thousand_options_is_quick() -> None:
    from appraisal.sensitivity import CriteriaTree, DecisionModel, WeightPrior, smaa, weight_sweeps

    rng = np.random.default_rng(3)
    options = tuple(f"o{i}" for i in range(1000))
    model = DecisionModel(
        CriteriaTree.flat(["a", "b", "c"]), options, rng.uniform(0, 100, (1000, 3))
    )
    start = time.perf_counter()
    weight_sweeps(model)
    result = smaa(model, WeightPrior(), samples=100, seed=0)
    assert time.perf_counter() - start < 30  # was well over 120 s
    assert sum(result.rank_acceptability[o][0] for o in options) == pytest.approx(1.0)


def test_D4_the_terminal_shows_ten_rank_columns_and_the_rest_together(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    rule_base = copy.deepcopy(SMALL_RULE_BASE)
    rng = random.Random(12)
    for i in range(12):
        rule_base["options"][f"o{i}"] = {
            "name": f"Option {i}",
            "values": {c: {"value": rng.uniform(0, 100)} for c in ("now", "later", "cost")},
        }
    write_yaml(tmp_path / "rules.yaml", rule_base)
    scenario = write_yaml(tmp_path / "many.yaml", {"title": "Many", "rule_base": "rules.yaml"})
    out = tmp_path / "out.txt"
    assert main(["sensitivity", str(scenario), "--samples", "200", "-o", str(out)]) == 0
    text = out.read_text()
    # option, the first ranks that fit whole in 120 columns (the bar gives way first), the
    # rest together, confidence
    header = next(line for line in text.splitlines() if "┃ Option" in line)
    assert header.count("┃ Rank ") >= 8
    assert re.search(r"┃ Ranks \d+-14 ┃ Confidence ┃", header) and "…" not in text
    assert main(["sensitivity", str(scenario), "--samples", "200", "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert all(len(shares) == 14 for shares in data["rank_acceptability"].values())


# --------------------------------------------------------------------------- D15, D16, signals


CLOSED_EARLY = [
    ["run"],
    ["run", "--format", "json"],
    ["explain", "--format", "md"],
    ["sensitivity", "--samples", "200"],
    ["validate", "{rules}"],
    ["list"],
    ["compare", "birmingham-2014", "no-evidence"],
    ["graph", "--format", "dot"],
    ["schema", "rule-base"],
    ["test", "birmingham-2014"],
    ["--help"],
]


@POSIX
@pytest.mark.parametrize("arguments", CLOSED_EARLY, ids=lambda a: " ".join(a))
def test_D15_every_command_exits_141_when_the_reader_has_gone(
    tmp_path: Path, arguments: list[str]
) -> None:
    arguments = [a.format(rules=RULES) for a in arguments]
    reader, writer = os.pipe()
    os.close(reader)  # the reader is gone before anything is written
    try:
        result = subprocess.run(
            [sys.executable, "-m", "appraisal", *arguments],
            stdout=writer,
            stderr=subprocess.PIPE,
            cwd=tmp_path,
            timeout=120,
            env=_env(),
        )
    finally:
        os.close(writer)
    assert result.returncode == 141, result.stderr
    assert result.stderr == b""


@POSIX
def test_D15_sigpipe_in_the_middle_of_json(tmp_path: Path) -> None:
    with subprocess.Popen(
        [sys.executable, "-m", "appraisal", "explain", "--format", "json"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        cwd=tmp_path,
        env=_env(),
    ) as process:
        assert process.stdout is not None and process.stderr is not None
        assert process.stdout.read(1000).startswith(b"{")
        process.stdout.close()
        error = process.stderr.read()
        process.wait(timeout=120)
    assert process.returncode == 141
    assert error == b""


CONSOLE_SCRIPT = "import sys; from appraisal.__main__ import main; sys.exit(main())"
"""What the installed ``appraisal`` script runs."""


def _interrupt_when(marker: str, tmp_path: Path) -> tuple[bool, int, str]:
    """Start a run of a few seconds, send SIGINT as soon as the import of ``marker``
    completes (read from ``-X importtime`` on standard error), and return whether it was
    seen, the exit code and the rest of standard error."""
    process = subprocess.Popen(
        [sys.executable, "-X", "importtime", "-c", CONSOLE_SCRIPT]
        + ["sensitivity", "--samples", "3000000"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        cwd=tmp_path,
        env=_env(),
        text=True,
    )
    assert process.stderr is not None
    with process.stderr:
        seen = False
        for line in process.stderr:
            if line.rstrip().endswith((f"| {marker}", f" {marker}")):
                process.send_signal(signal.SIGINT)
                seen = True
                break
        rest = process.stderr.read()
    process.wait(timeout=120)
    return seen, process.returncode, rest


@POSIX
@pytest.mark.parametrize(
    "marker",
    ["appraisal.__main__", "appraisal.cli", "appraisal.output", "appraisal.models", "numpy"],
)
def test_D16_ctrl_c_while_the_package_imports_exits_130(tmp_path: Path, marker: str) -> None:
    seen, code, rest = _interrupt_when(marker, tmp_path)
    assert seen and code == 130
    assert "Traceback" not in rest and "KeyboardInterrupt" not in rest


@POSIX
@pytest.mark.parametrize("delay", [0.3, 1.0, 2.0])
def test_D16_ctrl_c_at_any_moment_exits_130_without_a_traceback(
    tmp_path: Path, delay: float
) -> None:
    process = subprocess.Popen(
        [sys.executable, "-m", "appraisal", "sensitivity", "--samples", "1000000000"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        cwd=tmp_path,
        env=_env(),
    )
    time.sleep(delay)
    process.send_signal(signal.SIGINT)
    _, error = process.communicate(timeout=120)
    # On a loaded machine the signal can land before the interpreter has started, when
    # the default action (death by SIGINT, -2) applies: still no traceback.
    assert process.returncode in (130, -signal.SIGINT) and error == b""


class _Swallower:
    """Raises SIGINT while it is being finalised: its ``KeyboardInterrupt`` is then
    "ignored" by the interpreter, as a library running Python code for itself may do."""

    def __del__(self) -> None:
        signal.raise_signal(signal.SIGINT)
        for _ in range(100):  # the handler runs here, inside the finaliser
            pass


def _swallowing(then: Callable[[], int]) -> Callable[[Any], int]:
    def command(argv: Any) -> int:
        _Swallower()  # made and dropped: its finaliser swallows the signal's exception
        return then()

    return command


@POSIX
def test_a_signal_whose_exception_was_swallowed_still_stops_the_command(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    cli = sys.modules["appraisal.cli"]
    monkeypatch.setattr(cli, "_main", _swallowing(lambda: 0))
    assert main([]) == 130
    assert capsys.readouterr().err == ""  # nor is the swallowed exception reported


@POSIX
def test_an_error_after_a_swallowed_signal_is_the_signals_doing(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """The exception swallowed where it was raised, what fails next (a validator left half
    built, say) is not reported as an error of the input: the command exits 130, silent."""
    output = sys.modules["appraisal.output"]

    def fails() -> int:
        output.report_error("scenario.yaml:15:3: not a valid id")
        return 2

    monkeypatch.setattr(sys.modules["appraisal.cli"], "_main", _swallowing(fails))
    assert main([]) == 130
    assert capsys.readouterr().err == ""


@POSIX
def test_a_command_that_goes_on_after_a_swallowed_signal_ends_after_the_grace(
    tmp_path: Path,
) -> None:
    code = (
        "import signal, sys, time\n"
        "import appraisal.output as output\n"
        "import appraisal.cli as cli\n"
        "class Swallower:\n"  # as _Swallower
        "    def __del__(self):\n"
        "        signal.raise_signal(signal.SIGINT)\n"
        "        for _ in range(100):\n"
        "            pass\n"
        "def forever(argv):\n"
        "    Swallower()\n"
        "    while True:\n"
        "        time.sleep(0.01)\n"
        "output.SIGNAL_GRACE = 0.5\n"
        "cli._main = forever\n"
        "sys.exit(cli.main([]))\n"
    )
    env = _env()
    started = time.monotonic()
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, cwd=tmp_path, env=env, timeout=60
    )
    assert result.returncode == 130 and result.stderr == b""
    assert time.monotonic() - started < 30


@POSIX
@pytest.mark.parametrize("delay", [0.3, 1.5])
def test_sigterm_exits_143_and_leaves_no_temporary_file(tmp_path: Path, delay: float) -> None:
    report = tmp_path / "report.txt"
    report.write_text("keep me")
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "appraisal",
            "sensitivity",
            "--samples",
            "1000000000",
            "-o",
            "report.txt",
        ],
        stderr=subprocess.PIPE,
        cwd=tmp_path,
        env=_env(),
    )
    time.sleep(delay)
    process.terminate()
    _, error = process.communicate(timeout=120)
    assert (process.returncode, error) == (143, b"")
    assert report.read_text() == "keep me"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["report.txt"]


def test_D16_importing_the_package_loads_no_pipeline() -> None:
    heavy = ("appraisal", "pydantic", "numpy", "rich", "networkx")
    code = (
        "import sys, appraisal, appraisal.cli;"
        f"print(sorted(m for m in sys.modules if m.startswith({heavy!r})))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, env=_env(), timeout=60
    )
    assert result.stdout.decode().strip() == "['appraisal', 'appraisal.cli', 'appraisal.version']"


def test_the_package_keeps_its_functions_under_their_module_names() -> None:
    code = (
        "import appraisal, appraisal.render, appraisal.explain as e, appraisal.appraise as a;"
        "print(callable(appraisal.explain), callable(appraisal.appraise), callable(e), callable(a))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, env=_env(), timeout=60
    )
    assert result.stdout.decode().split() == ["True"] * 4, result.stderr


# --------------------------------------------------------------------------- D17, D18


def test_D17_validate_keeps_each_problem_on_one_line(tmp_path: Path) -> None:
    bad = tmp_path / ("a-rather-long-folder-name-" * 3)
    bad.mkdir()
    (bad / "bad.yaml").write_text("title: t\nrule_base: nowhere-to-be-found.yaml\n")
    result = command("validate", str(bad), cwd=tmp_path, columns="40")
    assert result.returncode == 2
    lines = result.stdout.decode().splitlines()
    assert lines[0].startswith("error ") and lines[0].endswith("not found")
    assert lines[1].endswith("scenario invalid (1 error(s), 0 warning(s))")
    assert result.stderr == b""


def test_D18_validate_finds_nothing_in_an_empty_folder(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "empty").mkdir()
    (tmp_path / "empty" / "notes.txt").write_text("not YAML")
    assert main(["validate", str(tmp_path / "empty")]) == 2
    assert capsys.readouterr().err.strip() == (
        f"error: {tmp_path / 'empty'}: no YAML files found in this folder"
    )


def test_D18_a_folder_that_cannot_be_read_is_an_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "locked").mkdir()
    real_walk = os.walk

    def refused(top: str, onerror: Callable[[OSError], None], **kwargs: Any) -> Any:
        onerror(PermissionError(13, "Permission denied", str(top)))
        return real_walk(top, onerror=onerror, **kwargs)

    monkeypatch.setattr(os, "walk", refused)
    assert main(["validate", str(tmp_path / "locked")]) == 2
    assert "locked: cannot read the folder: Permission denied" in capsys.readouterr().err


# --------------------------------------------------------------------------- fingerprint


def test_every_report_ends_with_the_same_fingerprint(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    scenario = hostile(tmp_path)
    assert main(["run", str(scenario), "--format", "json"]) == 0
    digest = json.loads(capsys.readouterr().out)["fingerprint"]["sha256"]
    for format_ in ("text", "md", "html"):
        assert main(["run", str(scenario), "--format", format_]) == 0
        assert digest in capsys.readouterr().out
    assert main(["run", str(scenario), "--weight", "cost=3", "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out)["fingerprint"]["sha256"] != digest
    assert main(["explain", str(scenario), "--format", "json"]) == 0
    explained = json.loads(capsys.readouterr().out)["fingerprint"]
    assert explained["options"] == {"max_changes": 2.0, "weights": {}}
    assert main(["sensitivity", str(scenario), "--samples", "100", "--format", "json"]) == 0
    sampled = json.loads(capsys.readouterr().out)["fingerprint"]["options"]
    assert sampled == {
        "evidence": False,
        "joint": False,
        "samples": 100.0,
        "seed": 0.0,
        "weights": {},
    }


DETERMINISTIC = [
    ["run", "{scenario}", "--format", "json"],
    ["run", "{scenario}"],
    ["explain", "{scenario}", "--format", "md"],
    ["sensitivity", "{scenario}", "--samples", "300", "--format", "json"],
    ["run", "birmingham-2014", "--format", "json"],
    ["test", "birmingham-2014"],
]


@pytest.mark.parametrize("arguments", DETERMINISTIC, ids=lambda a: " ".join(a[:3]))
def test_output_is_byte_identical_across_hash_seeds_and_working_directories(
    tmp_path: Path, arguments: list[str]
) -> None:
    scenario = hostile(tmp_path / "data" if (tmp_path / "data").mkdir() is None else tmp_path)
    arguments = [a.format(scenario=scenario) for a in arguments]
    (tmp_path / "elsewhere" / "deeper").mkdir(parents=True)
    outputs = {
        command(*arguments, cwd=cwd, seed=seed).stdout
        for cwd, seed in (
            (tmp_path, "0"),
            (tmp_path / "elsewhere" / "deeper", "1"),
            (Path("/"), "4242"),
        )
    }
    assert len(outputs) == 1 and next(iter(outputs))


# --------------------------------------------------------------------------- more hostile input


def test_a_title_that_is_a_number_is_bad_input_or_shown(tmp_path: Path) -> None:
    scenario = hostile(tmp_path, title=2014)
    result = command("run", str(scenario), cwd=tmp_path)
    assert result.returncode in (0, 2) and b"Traceback" not in result.stderr


@POSIX
def test_output_to_dev_stdout_appends_where_standard_output_goes(tmp_path: Path) -> None:
    scenario = hostile(tmp_path)
    log = tmp_path / "log.txt"
    log.write_text("earlier lines\n")
    with open(log, "a") as handle:
        result = subprocess.run(
            [
                sys.executable,
                "-m",
                "appraisal",
                "run",
                str(scenario),
                "--format",
                "json",
                "-o",
                "/dev/stdout",
            ],
            stdout=handle,
            stderr=subprocess.PIPE,
            env=_env(),
            timeout=60,
        )
    assert result.returncode == 0, result.stderr
    text = log.read_text()
    assert text.startswith("earlier lines\n{") and json.loads(text.split("\n", 1)[1])

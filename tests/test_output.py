"""Where output goes: files replaced whole or not at all, streams, refused paths, signals."""

from __future__ import annotations

import os
import signal
import stat
import sys
from pathlib import Path

import pytest

from appraisal.errors import AppraisalError
from appraisal.output import (
    Terminated,
    check_output,
    check_output_folder,
    handled_signals,
    render_rich,
    write_file,
    write_files,
    write_output,
)

POSIX = pytest.mark.skipif(os.name != "posix", reason="POSIX file system behaviour")


def leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.endswith(".tmp"))


def test_a_new_file_is_written_whole(tmp_path: Path) -> None:
    target = tmp_path / "report.txt"
    write_file(target, b"new\n")
    assert target.read_bytes() == b"new\n"
    assert leftovers(tmp_path) == []


def test_an_existing_file_keeps_its_permissions(tmp_path: Path) -> None:
    target = tmp_path / "report.txt"
    target.write_text("old")
    target.chmod(0o640)
    write_file(target, b"new")
    assert target.read_text() == "new"
    assert stat.S_IMODE(target.stat().st_mode) == 0o640


def test_a_failure_while_writing_leaves_the_old_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "report.txt"
    target.write_text("keep")

    def full(descriptor: int) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "fsync", full)
    with pytest.raises(AppraisalError, match="report.txt: cannot write it: No space left"):
        write_file(target, b"new content")
    assert target.read_text() == "keep"
    assert leftovers(tmp_path) == []


def test_an_interrupt_while_writing_leaves_the_old_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "report.txt"
    target.write_text("keep")

    def interrupted(descriptor: int) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(os, "fsync", interrupted)
    with pytest.raises(KeyboardInterrupt):
        write_file(target, b"new content")
    assert target.read_text() == "keep"
    assert leftovers(tmp_path) == []


def test_a_set_of_files_is_replaced_all_or_none(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    first, second = tmp_path / "a.svg", tmp_path / "b.svg"
    first.write_text("old a")
    second.write_text("old b")
    real_open = os.open
    calls = {"n": 0}

    def second_fails(path: str, flags: int, mode: int = 0o777) -> int:
        if str(path).endswith(".tmp"):
            calls["n"] += 1
            if calls["n"] == 2:
                raise OSError(27, "File too large")
        return real_open(path, flags, mode)

    monkeypatch.setattr(os, "open", second_fails)
    with pytest.raises(AppraisalError, match="File too large"):
        write_files({first: b"new a", second: b"new b"})
    assert (first.read_text(), second.read_text()) == ("old a", "old b")
    assert leftovers(tmp_path) == []


@POSIX
def test_a_symbolic_link_is_written_through(tmp_path: Path) -> None:
    real = tmp_path / "real.txt"
    real.write_text("old")
    link = tmp_path / "link.txt"
    link.symlink_to(real)
    write_file(link, b"new")
    assert link.is_symlink() and real.read_text() == "new"


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("", "--output: the output file name is empty"),
        ("folder", "folder: is a directory"),
        ("missing/report.txt", "the folder 'missing' does not exist"),
    ],
)
def test_paths_that_cannot_take_output_are_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, name: str, message: str
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "folder").mkdir()
    with pytest.raises(AppraisalError, match=message):
        check_output(name)


def test_an_input_is_refused_also_through_a_link(tmp_path: Path) -> None:
    scenario = tmp_path / "scenario.yaml"
    scenario.write_text("title: x\n")
    with pytest.raises(AppraisalError, match="one of the files this output is computed from"):
        check_output(scenario, [scenario])
    if os.name == "posix":
        link = tmp_path / "link.yaml"
        link.symlink_to(scenario)
        with pytest.raises(AppraisalError, match="computed from"):
            write_file(link, b"{}", [scenario])
    assert scenario.read_text() == "title: x\n"


@POSIX
def test_devices_are_written_in_place_never_replaced(tmp_path: Path) -> None:
    write_file("/dev/null", b"nothing")
    assert stat.S_ISCHR(os.stat("/dev/null").st_mode)
    if Path("/dev/full").exists():
        with pytest.raises(AppraisalError, match="/dev/full: cannot write it: No space left"):
            write_file("/dev/full", b"x" * 100_000)


@POSIX
def test_a_fifo_is_a_stream(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    reader = os.open(fifo, os.O_RDONLY | os.O_NONBLOCK)
    try:
        write_file(fifo, b"through the pipe")
        assert os.read(reader, 100) == b"through the pipe"
    finally:
        os.close(reader)
    assert stat.S_ISFIFO(os.stat(fifo).st_mode)


@POSIX
@pytest.mark.skipif(os.geteuid() == 0, reason="root may write anywhere")
def test_an_unwritable_folder_is_refused_before_the_work(tmp_path: Path) -> None:
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o500)
    try:
        with pytest.raises(AppraisalError, match="Permission denied"):
            check_output(locked / "report.txt")
        with pytest.raises(AppraisalError, match="no permission"):
            check_output_folder(locked / "charts")
    finally:
        locked.chmod(0o700)


def test_a_plots_folder_must_be_a_folder(tmp_path: Path) -> None:
    (tmp_path / "file").write_text("x")
    with pytest.raises(AppraisalError, match="file: is not a directory"):
        check_output_folder(tmp_path / "file")
    with pytest.raises(AppraisalError, match="is not a directory"):
        check_output_folder(tmp_path / "file" / "charts")
    check_output_folder(tmp_path / "new" / "charts")  # missing folders are created later


def test_text_to_standard_output_ends_with_a_newline(capsys: pytest.CaptureFixture[str]) -> None:
    write_output("one line", None)
    assert capsys.readouterr().out == "one line\n"


def test_rich_output_for_a_file_has_no_colour() -> None:
    from rich.text import Text

    text = render_rich(Text("styled", style="bold red"), to_file=True)
    assert text == "styled\n"


@pytest.mark.skipif(not hasattr(signal, "SIGTERM"), reason="no SIGTERM")
def test_signals_become_exceptions_only_inside_the_block() -> None:
    before = signal.getsignal(signal.SIGTERM)
    with pytest.raises(Terminated) as caught, handled_signals():
        os.kill(os.getpid(), signal.SIGTERM)
        for _ in range(1000):  # the handler runs at the next bytecode
            pass
    assert caught.value.signum == signal.SIGTERM
    assert signal.getsignal(signal.SIGTERM) == before
    assert sys.exc_info() == (None, None, None)

"""Where output goes: standard output, or files replaced whole or not at all; and signals.

A report is rendered to memory first, so nothing is written until it is
complete. A file named with ``-o`` is then written to a temporary file beside
it, flushed to disk and renamed over the target (``os.replace``, atomic on
one file system): an existing report is replaced only by a complete new one,
and a failure (a full disk, a file size limit, a signal) leaves it as it was.
A set of files (the charts of ``--plots``) is staged the same way, all of them
before any is renamed, so the set is replaced whole or not at all.

Paths that are not regular files are streams, written in place: a terminal,
a pipe, a FIFO, ``/dev/null``, ``/dev/full``, and anything under ``/dev/``
(``-o /dev/stdout`` appends to where standard output goes, so ``>>`` is
respected). A device is never renamed over.

Every problem with an output path is bad input (exit 2) naming the path: a
folder, a missing folder, an empty name, no permission, no space, a file too
large, or one of the appraisal's own input files (refused, so ``-o`` cannot
overwrite the scenario it reads).

Standard output that its reader closes early raises ``BrokenPipeError``, which
the command line turns into exit 141 (128 + SIGPIPE, what a shell reports for
a process that SIGPIPE stops) with no message. ``handled_signals`` turns
SIGINT, SIGTERM and SIGHUP into exceptions while a command runs, so temporary
files are removed and the exit code is 128 + the signal's number.
"""

from __future__ import annotations

import io
import os
import secrets
import signal
import stat
import sys
import threading
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager, suppress
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING, Any

from .errors import AppraisalError, Location
from .tables import clean

if TYPE_CHECKING:
    from rich.console import RenderableType

__all__ = [
    "FILE_WIDTH",
    "Terminated",
    "check_output",
    "check_output_folder",
    "handled_signals",
    "render_rich",
    "report_error",
    "write_file",
    "write_files",
    "write_output",
    "write_stdout",
]

FILE_WIDTH = 120
"""Columns of a text report written to a file, where no terminal says how wide to be."""

StrPath = str | os.PathLike[str]


# --------------------------------------------------------------------------- rendering


def render_rich(
    renderable: RenderableType,
    *,
    to_file: bool = False,
    stderr: bool = False,
    soft_wrap: bool = False,
) -> str:
    """A rich renderable as the text a console would print, without printing it.

    For the terminal, the console's own width and colours; for a file,
    ``FILE_WIDTH`` columns and no colour. Rendering to a string first means a
    renderer that fails writes nothing, and that a closed pipe surfaces as
    ``BrokenPipeError`` from our own write, not as rich's ``SystemExit(1)``.
    ``soft_wrap`` keeps each line whole, however narrow the terminal.
    """
    from rich.console import Console

    if to_file:
        console = Console(file=io.StringIO(), width=FILE_WIDTH, highlight=False)
    else:
        console = Console(stderr=stderr, highlight=False, soft_wrap=False)
    with console.capture() as capture:
        console.print(renderable, soft_wrap=soft_wrap)
    return capture.get()


# --------------------------------------------------------------------------- standard streams


def _discard_stream(stream: Any) -> None:
    """Point a failed stream's descriptor at the null device, so the interpreter's final
    flush of what is still buffered succeeds silently instead of printing a second error."""
    with suppress(Exception):
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, stream.fileno())
        os.close(devnull)


def _encodable(text: str, stream: Any) -> str:
    """Characters the stream's encoding cannot represent become ``?`` rather than an error."""
    encoding = getattr(stream, "encoding", None) or "utf-8"
    try:
        text.encode(encoding)
    except (UnicodeEncodeError, LookupError):
        with suppress(LookupError):
            return text.encode(encoding, "replace").decode(encoding)
    return text


def write_stdout(text: str) -> None:
    """Write to standard output and flush, so a closed pipe shows up here.

    ``BrokenPipeError`` propagates (the caller decides what a closed pipe
    means); any other failure (``> /dev/full``) is bad output, exit 2.
    """
    stream = sys.stdout
    try:
        stream.write(_encodable(text, stream))
        stream.flush()
    except BrokenPipeError:
        _discard_stream(stream)
        raise
    except OSError as error:
        _discard_stream(stream)
        raise AppraisalError(
            f"cannot write: {error.strerror or error}", Location("standard output")
        ) from None


def report_error(message: str, label: str = "error:") -> None:
    """One message on standard error, ``label`` in bold red on a terminal.

    When standard error is closed too, there is no one left to tell. After a signal
    whose exception was swallowed, the error is the signal's doing: its exception is
    raised again instead (``raise_if_signalled``), and nothing is said.
    """
    raise_if_signalled()
    from rich.text import Text

    try:
        text = render_rich(
            Text.assemble((label, "bold red"), " ", clean(message)), stderr=True, soft_wrap=True
        )
        if not text.endswith("\n"):
            text += "\n"
        sys.stderr.write(_encodable(text, sys.stderr))
        sys.stderr.flush()
    except OSError:
        _discard_stream(sys.stderr)


# --------------------------------------------------------------------------- files


def _os_error(error: OSError, path: StrPath) -> AppraisalError:
    reason = error.strerror or str(error)
    return AppraisalError(f"cannot write it: {reason}", Location(os.fspath(path)))


def _is_stream(path: StrPath, status: os.stat_result | None) -> bool:
    """A path written in place, never renamed over: a device, a pipe, ``/dev/stdout``."""
    if os.path.abspath(path).startswith(("/dev/", "/proc/")):
        return True
    return status is not None and not stat.S_ISREG(status.st_mode)


def _status(path: StrPath) -> os.stat_result | None:
    try:
        return os.stat(path)
    except (FileNotFoundError, NotADirectoryError):  # nothing there (yet)
        return None
    except OSError as error:
        raise _os_error(error, path) from None


def _input_stats(inputs: Iterable[StrPath]) -> list[os.stat_result]:
    stats = []
    for path in inputs:
        with suppress(OSError):
            stats.append(os.stat(path))
    return stats


def check_output(path: StrPath, inputs: Iterable[StrPath] = ()) -> None:
    """Fail now, before any work, if ``path`` cannot take the output.

    Refused: an empty name, a folder, a missing folder, a file or folder we
    may not write, and any of ``inputs`` (the files the output is computed
    from), also through a symbolic or hard link.
    """
    if os.fspath(path) == "":
        raise AppraisalError("the output file name is empty", Location("--output"))
    status = _status(path)
    if status is not None:
        if stat.S_ISDIR(status.st_mode):
            raise AppraisalError("is a directory", Location(os.fspath(path)))
        for other in _input_stats(inputs):
            if os.path.samestat(status, other):
                raise AppraisalError(
                    "is one of the files this output is computed from; refusing to overwrite"
                    " it (write the output elsewhere)",
                    Location(os.fspath(path)),
                )
        if _is_stream(path, status):
            return
        if not os.access(path, os.W_OK):
            raise AppraisalError("cannot write it: Permission denied", Location(os.fspath(path)))
    elif _is_stream(path, None):
        return
    folder = Path(os.path.realpath(path)).parent
    if not folder.is_dir():
        shown = os.path.dirname(os.fspath(path)) or str(folder)
        problem = "is not a directory" if folder.exists() else "does not exist"
        raise AppraisalError(f"the folder {shown!r} {problem}", Location(os.fspath(path)))
    if not os.access(folder, os.W_OK | os.X_OK):
        raise AppraisalError(
            "cannot write into its folder (a new file is written beside it and renamed):"
            " Permission denied",
            Location(os.fspath(path)),
        )


def check_output_folder(path: StrPath) -> None:
    """Fail now if ``path`` cannot become or hold a folder of files (``--plots DIR``)."""
    if os.fspath(path) == "":
        raise AppraisalError("the folder name is empty", Location("--plots"))
    status = _status(path)
    if status is not None:
        if not stat.S_ISDIR(status.st_mode):
            raise AppraisalError("is not a directory", Location(os.fspath(path)))
        if not os.access(path, os.W_OK | os.X_OK):
            raise AppraisalError(
                "cannot write into it: Permission denied", Location(os.fspath(path))
            )
        return
    ancestor = Path(path).parent
    while not ancestor.exists() and ancestor != ancestor.parent:
        ancestor = ancestor.parent
    if not ancestor.is_dir():
        raise AppraisalError(
            f"cannot create it: {str(ancestor)!r} is not a directory", Location(os.fspath(path))
        )
    if not os.access(ancestor, os.W_OK | os.X_OK):
        raise AppraisalError(
            f"cannot create it: no permission to write into {str(ancestor)!r}",
            Location(os.fspath(path)),
        )


def _write_stream(path: StrPath, data: bytes) -> None:
    try:
        with open(path, "ab") as handle:
            handle.write(data)
            handle.flush()
    except OSError as error:
        raise _os_error(error, path) from None


def _stage(path: StrPath, data: bytes, status: os.stat_result | None) -> tuple[Path, Path]:
    """Write ``data`` to a new temporary file beside ``path``'s real target, flushed to disk.

    Returns the temporary file and the target to rename it over. A symbolic
    link is written through: the link stays, the file it points to is replaced.
    The new file keeps an existing file's permissions; a new one gets the
    usual ``0666`` less the umask.
    """
    target = Path(os.path.realpath(path))
    temporary = target.with_name(f".{target.name[:200]}.{secrets.token_hex(4)}.tmp")
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)
    try:
        descriptor = os.open(temporary, flags, 0o666)
    except OSError as error:
        raise _os_error(error, path) from None
    try:
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        if status is not None:
            os.chmod(temporary, stat.S_IMODE(status.st_mode))
    except BaseException as error:
        with suppress(OSError):
            os.unlink(temporary)
        if isinstance(error, OSError):
            raise _os_error(error, path) from None
        raise
    return temporary, target


def _sync_folder(folder: Path) -> None:
    """Make a rename durable (POSIX); best effort, as not every system can open a folder."""
    with suppress(OSError, AttributeError):
        descriptor = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(descriptor)
        finally:
            os.close(descriptor)


def write_files(
    files: Mapping[str, bytes] | Mapping[Path, bytes], inputs: Iterable[StrPath] = ()
) -> None:
    """Replace every file in ``files`` with its new content, all of them or none.

    Every file is staged (written beside its target and flushed) before any
    is renamed over its target; a failure while staging removes what was
    staged and leaves every existing file as it was.
    """
    inputs = list(inputs)
    contents = {os.fspath(path): data for path, data in files.items()}
    statuses: dict[str, os.stat_result | None] = {}
    for path in contents:
        check_output(path, inputs)
        statuses[path] = _status(path)
    streams = [path for path in contents if _is_stream(path, statuses[path])]
    staged: list[tuple[str, Path, Path]] = []
    try:
        for path, data in contents.items():
            if path not in streams:
                temporary, target = _stage(path, data, statuses[path])
                staged.append((path, temporary, target))
        for path, temporary, target in staged:
            try:
                os.replace(temporary, target)
            except OSError as error:
                raise _os_error(error, path) from None
    except BaseException:
        for _, temporary, _ in staged:
            with suppress(OSError):
                os.unlink(temporary)
        raise
    for folder in {target.parent for _, _, target in staged}:
        _sync_folder(folder)
    for path in streams:
        _write_stream(path, contents[path])


def write_file(path: StrPath, data: bytes, inputs: Iterable[StrPath] = ()) -> None:
    """Replace one file with ``data`` atomically (or write a stream in place)."""
    write_files({os.fspath(path): data}, inputs)


def write_output(text: str, output: str | None, inputs: Iterable[StrPath] = ()) -> None:
    """``text`` to standard output (ending with a newline), or as the whole of ``output``."""
    if output is None:
        write_stdout(text if text.endswith("\n") else text + "\n")
    else:
        write_file(output, text.encode("utf-8", "replace"), inputs)


# --------------------------------------------------------------------------- signals


class Terminated(BaseException):
    """SIGTERM or SIGHUP arrived: stop, clean up (``finally`` blocks run), exit 128 + signal."""

    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum


SIGNAL_GRACE = 5.0
"""Seconds a signalled command has to clean up and stop. The exception a signal raises
can be swallowed: a library running Python code on its own behalf (pydantic-core building
a validator, say) may report it as "ignored" and carry on. The process then ends anyway,
this long after the signal, with the signal's exit code."""


class _Signals:
    """The signals that arrived while ``handled_signals`` ran, and the timer that ends the
    process should their exceptions be swallowed."""

    def __init__(self) -> None:
        self.arrived: list[int] = []
        self.deadline: threading.Timer | None = None

    def stop(self, signum: int, frame: FrameType | None) -> None:
        """The handler: remember the signal, start the grace period, raise its exception."""
        self.arrived.append(signum)
        if self.deadline is None:
            self.deadline = threading.Timer(SIGNAL_GRACE, os._exit, (128 + signum,))
            self.deadline.daemon = True
            self.deadline.start()
        self.raise_first()

    def raise_first(self) -> None:
        """Raise the first signal's exception again, if a signal arrived."""
        if not self.arrived:
            return
        if self.arrived[0] == signal.SIGINT:
            raise KeyboardInterrupt
        raise Terminated(self.arrived[0])

    def ignored(self, unraisable: Any) -> None:
        """``sys.unraisablehook`` while handled: a signal's exception that something
        swallowed is not reported (the signal still ends the command); the rest is."""
        if not isinstance(unraisable.exc_value, KeyboardInterrupt | Terminated):
            sys.__unraisablehook__(unraisable)


_HANDLED: _Signals | None = None
"""The signals of the ``handled_signals`` block running, if one is."""


def raise_if_signalled() -> None:
    """Raise again the exception of a signal that arrived while ``handled_signals`` runs:
    for the points where a command would otherwise go on (or report an error caused by the
    exception having been swallowed) after a signal."""
    if _HANDLED is not None:
        _HANDLED.raise_first()


@contextmanager
def handled_signals() -> Iterator[None]:
    """While the block runs: SIGINT raises ``KeyboardInterrupt``, SIGTERM and SIGHUP
    ``Terminated``; should something swallow that exception, the process still ends
    ``SIGNAL_GRACE`` seconds later with the signal's exit code, and the swallowed exception
    is not reported. Everything is as it was afterwards.

    Only the main thread can set handlers; elsewhere the block runs as it is.
    """
    global _HANDLED
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    signals = _Signals()
    wanted = [signal.SIGINT]
    wanted += [getattr(signal, name) for name in ("SIGTERM", "SIGHUP") if hasattr(signal, name)]
    previous = {signum: signal.getsignal(signum) for signum in wanted}
    hook, outer = sys.unraisablehook, _HANDLED
    _HANDLED = signals
    sys.unraisablehook = signals.ignored
    for signum in wanted:
        signal.signal(signum, signals.stop)
    try:
        yield
    finally:
        for signum, handler in previous.items():
            if handler is not None:
                signal.signal(signum, handler)
        if signals.deadline is not None:
            signals.deadline.cancel()
        sys.unraisablehook, _HANDLED = hook, outer

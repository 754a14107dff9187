"""The ``appraisal`` console script, and ``python -m appraisal``.

Kept tiny because it is what runs first: until the command line sets its own
handlers (``appraisal.output.handled_signals``), SIGINT, SIGTERM and SIGHUP
end the process at once with exit code 128 + the signal's number, so a Ctrl-C
while the interpreter is still loading the package exits 130 with no
traceback. Nothing has been written at that point, so nothing is lost. The
same handlers are back after the command has flushed its output.

The handlers are set before anything else is imported, through the
interpreter's built-in ``_signal`` (``signal`` itself imports ``enum``, which
takes longer than the whole window it would protect).
"""

from __future__ import annotations

import gc
import os
import sys

TYPE_CHECKING = False
if TYPE_CHECKING:
    import signal as signals
else:
    try:
        import _signal as signals
    except ImportError:  # pragma: no cover - an interpreter without the built-in module
        import signal as signals


def _exit_at_once(signum: int, frame: object) -> None:
    os._exit(128 + signum)


for _name in ("SIGINT", "SIGTERM", "SIGHUP"):
    if hasattr(signals, _name):
        signals.signal(getattr(signals, _name), _exit_at_once)


def main() -> int:
    """Run the command line with the arguments of this process; returns the exit code."""
    from .cli import main as run

    code = run()
    gc.freeze()  # the process ends now: its last collection need not traverse what lives till then
    return code


if __name__ == "__main__":
    sys.exit(main())

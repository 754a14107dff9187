"""Labels, styles and number formats every renderer shares, and the one place user text is
made safe to show.

Titles, names, statements, rationales, sources and ids come from YAML files
that may not be the reader's own, so every renderer passes them through one of
the functions here before they reach an output:

- ``clean``: for any text output (defined in ``appraisal.tables``, which the
  results' own displays use too, and re-exported here). Terminal escape sequences (CSI, OSC and the
  rest of ECMA-48) and control characters (C0 except newline and tab, DEL, C1)
  are removed, so text cannot move the cursor, retitle the window, colour the
  screen or make a hyperlink; bidirectional embedding, override and isolate
  controls (U+202A-U+202E, U+2066-U+2069) are removed too, so text cannot
  display in an order other than the one it is stored in.
- ``rich_text``: a ``rich.text.Text`` of cleaned text. A ``Text`` is never
  parsed as rich markup, so ``[/bold]`` or ``[link=...]`` in a title is shown
  as typed rather than obeyed (or crashing the renderer).
- ``md`` and ``md_block``: cleaned text escaped for Markdown, on one line:
  ``<``, ``>`` and ``&`` as entities (no raw HTML), and backslash escapes for
  the characters that start code, links, images, emphasis and table cells.
- ``html_text``: cleaned text escaped for HTML.
- ``to_json``: JSON that is valid JSON (``allow_nan=False``, with a located
  message for a non-finite number) and holds no raw C1 or bidirectional
  control characters (they are written as ``\\u`` escapes, such as ``\\u202e``).
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

from ..errors import AppraisalError, Location
from ..tables import clean, html_text, one_line, words

if TYPE_CHECKING:
    from rich.console import Console, ConsoleOptions, RenderableType
    from rich.text import Text

    from ..fingerprint import Fingerprint

__all__ = [
    "NARROW",
    "VERDICT_STYLES",
    "AtWidth",
    "clean",
    "hanging",
    "fingerprint_data",
    "footer_lines",
    "footer_markdown",
    "footer_renderables",
    "html_text",
    "markdown_footer",
    "md",
    "md_block",
    "one_line",
    "ordinal",
    "rank_text",
    "rich_text",
    "show",
    "to_json",
    "verdict_label",
]

VERDICT_STYLES = {
    "recommended": "bold green",
    "longer_term_potential": "yellow",
    "not_considered_further": "dim",
    "not_recommended": "red",
}


verdict_label = words
"""A verdict as words: ``not_recommended`` -> ``not recommended``."""


def rank_text(value: int | None) -> str:
    return "-" if value is None else str(value)


def show(value: object) -> str:
    """A fact's value as a reader expects it: unknown, true/false, 4.5, a level."""
    if value is None:
        return "unknown"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


# --------------------------------------------------------------------------- layout

NARROW = 120
"""Below this many columns, wide tables of ids and lists give way to stacked layouts: at 80
or 100 columns a five-column table cuts ids to a few letters, and an id cut short is
useless to a reader who must look it up."""


class AtWidth:
    """A renderable laid out for the width it is given: ``build(width)`` decides.

    Rich measures the space when it renders, not when the renderable is made, so
    a report built once reads well in an 80-column terminal and in a
    120-column file alike.
    """

    def __init__(self, build: Callable[[int], RenderableType]) -> None:
        self.build = build

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> Iterator[Any]:
        yield self.build(options.max_width)


def hanging(head: str, text: str | Text, indent: int = 4) -> RenderableType:
    """``head`` then ``text``, with any wrapped lines of ``text`` indented under its start (a
    hanging indent), so a wrapped citation never runs back to the left margin."""
    from rich.table import Table

    grid = Table.grid()
    grid.add_column(no_wrap=True, min_width=indent)
    grid.add_column(overflow="fold")
    grid.add_row(head, rich_text(text) if isinstance(text, str) else text)
    return grid


# --------------------------------------------------------------------------- safe text


def rich_text(text: object, style: str = "") -> Text:
    """Cleaned text as a rich ``Text``, which rich never reads as markup."""
    from rich.text import Text

    return Text(clean(text), style=style)


_MD_SPECIAL = re.compile(r"[\\`*\[\]|#~]|(?<![0-9A-Za-z])_|_(?![0-9A-Za-z])")
_MD_BLOCK_START = re.compile(r"^(\s*)([-+=]|\d+(?=[.)]))")


def md(text: object) -> str:
    """Cleaned text for the inside of a Markdown line (a heading, a cell, a bullet).

    ``&``, ``<`` and ``>`` become entities, so no HTML reaches the page;
    backslash, backtick, ``*``, ``[``, ``]``, ``|``, ``#``, ``~`` and an ``_``
    that could open emphasis are escaped, so text cannot open code, a link, an
    image, emphasis or a table cell. An ``_`` inside a word (``snake_case``)
    cannot, and is left alone so ids stay readable. Line breaks become spaces.
    """
    import html  # imported by the Markdown and HTML renderers only, never by text output

    escaped = html.escape(one_line(text), quote=False)
    return _MD_SPECIAL.sub(lambda m: "\\" + m.group(0), escaped)


def md_block(text: object) -> str:
    """``md`` for a line of its own: a leading ``-``, ``+``, ``=`` or ``1.`` is escaped too,
    so a paragraph cannot turn into a list or a heading underline."""
    return _MD_BLOCK_START.sub(lambda m: f"{m.group(1)}\\{m.group(2)}", md(text), count=1)


def ordinal(n: int) -> str:
    """``1st``, ``2nd``, ``3rd``, ``4th``, ... ``11th``, ``21st``."""
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


# --------------------------------------------------------------------------- JSON

_JSON_UNSAFE = re.compile("[\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def _first_non_finite(data: Any, path: str = "") -> str | None:
    """The JSON path of the first NaN or infinity in ``data``, for the message."""
    if isinstance(data, float):
        return None if math.isfinite(data) else (path or "(top)")
    if isinstance(data, dict):
        for key, value in data.items():
            found = _first_non_finite(value, f"{path}.{key}" if path else str(key))
            if found:
                return found
    if isinstance(data, list | tuple):
        for index, value in enumerate(data):
            found = _first_non_finite(value, f"{path}[{index}]")
            if found:
                return found
    return None


def to_json(data: Any, *, ensure_ascii: bool = False) -> str:
    """Indented, valid JSON: never ``NaN`` or ``Infinity``, never a raw C1 or bidi control.

    ``json.dumps`` writes non-finite floats as ``NaN``/``Infinity`` by default,
    which is not JSON (``JSON.parse`` rejects it); here it is an error that
    names the field instead.
    """
    try:
        text = json.dumps(data, indent=2, ensure_ascii=ensure_ascii, allow_nan=False)
    except ValueError:
        where = _first_non_finite(data)
        if where is None:
            raise
        raise AppraisalError(
            "a non-finite number (NaN or infinity) cannot be written as JSON;"
            " check the weights and evidence values that produced it",
            Location("JSON output", field=where),
        ) from None
    return _JSON_UNSAFE.sub(lambda m: f"\\u{ord(m.group(0)):04x}", text)


# --------------------------------------------------------------------------- fingerprint

FOOTER_LABEL = "input fingerprint (SHA-256)"


def fingerprint_data(fingerprint: Fingerprint) -> dict[str, Any]:
    """The ``fingerprint`` field of every JSON output."""
    return fingerprint.model_dump(mode="json", exclude_defaults=True)


def footer_lines(fingerprint: Fingerprint) -> list[str]:
    """Two lines for text outputs, each within 80 columns: what made it, and the digest."""
    return [f"appraisal {fingerprint.version}, {FOOTER_LABEL}:", fingerprint.sha256]


def footer_markdown(fingerprint: Fingerprint) -> str:
    return f"appraisal {md(fingerprint.version)}, {FOOTER_LABEL}: `{fingerprint.sha256}`"


def footer_renderables(fingerprint: Fingerprint | None) -> list[RenderableType]:
    """The fingerprint lines that end every terminal report, dimmed, after a blank line."""
    if fingerprint is None:
        return []
    from rich.text import Text

    return [Text(""), *(Text(line, style="dim") for line in footer_lines(fingerprint))]


def markdown_footer(fingerprint: Fingerprint | None) -> list[str]:
    """The lines that end every Markdown report: a rule, then the fingerprint."""
    return [] if fingerprint is None else ["", "---", "", footer_markdown(fingerprint)]

"""How a result shows itself: a short ``repr``, a plain-text ``str`` and notebook HTML.

Every result object (an ``Appraisal``, an ``Explanation``, a sensitivity
report...) builds one ``Summary`` of plain strings: a headline, a few
sentences and small tables. This module lays it out three ways, so that a
result is readable wherever it lands:

- ``repr``: one line, ``<Appraisal 'Birmingham 2014': recommended commissioner
  (70.0); 4 options>``, never longer than ``MAX_REPR`` characters (a REPL or a
  log line is not drowned in the pydantic dump of every field);
- ``str``: the summary with aligned text tables, for ``print``;
- ``_repr_html_``: the same as a small styled HTML fragment, which Jupyter
  displays in place of the ``repr``.

Results inherit these from ``Displayable`` and only say what to show, so the
result modules never import the renderers (which import them). Nothing here
knows the domain: the module sits at the bottom of the package, beside
``errors``.

Text from the YAML files (titles, names, ids) may hold terminal escape
sequences, control characters or markup, so every piece of text is passed
through ``clean`` before it reaches any output, and through ``html.escape``
before it reaches HTML: a title reads as typed and cannot colour a terminal or
add HTML to a notebook.

``require_pandas`` is how the results' ``to_frame`` methods reach pandas, an
optional extra (``pip install 'appraisal[pandas]'``).
"""

from __future__ import annotations

import dataclasses
import math
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from .errors import Location, MissingExtraError

__all__ = [
    "MAX_REPR",
    "PANDAS_EXTRA",
    "Displayable",
    "Summary",
    "Table",
    "brief",
    "clean",
    "counted",
    "field_summary",
    "fixed",
    "html_text",
    "one_line",
    "percent",
    "quoted",
    "require_pandas",
    "signed",
    "summary_html",
    "summary_repr",
    "summary_text",
    "words",
]

MAX_REPR = 200
"""The longest ``repr`` of a result, in characters."""

PANDAS_EXTRA = "pip install 'appraisal[pandas]'"

# --------------------------------------------------------------------------- safe text

_ESCAPE_SEQUENCE = re.compile(
    r"""
      \x1b\[ [\x30-\x3f]* [\x20-\x2f]* [\x40-\x7e]?          # CSI: colours, cursor moves
    | \x1b[\]PX^_] .*? (?:\x07|\x1b\\|\x9c|$)               # OSC, DCS, SOS, PM, APC to ST
    | \x1b [\x20-\x2f]+ [\x30-\x7e]?                        # nF: character set selection
    | \x1b [\x30-\x7e]?                                     # Fp, Fe, Fs, or a lone ESC
    | [\x9b] [\x30-\x3f]* [\x20-\x2f]* [\x40-\x7e]?         # C1 CSI
    | [\x90\x98\x9d\x9e\x9f] .*? (?:\x07|\x1b\\|\x9c|$)     # C1 OSC, DCS, SOS, PM, APC
    """,
    re.VERBOSE | re.DOTALL,
)
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
"""What remains: C0 but newline and tab, DEL, C1, and the bidirectional controls."""


def clean(text: object) -> str:
    """``text`` without terminal escape sequences or control characters (newline and tab kept).

    Used for every output, not only the terminal's: a report written with
    ``-o`` is often shown later with ``cat``.
    """
    value = str(text)
    if value.isprintable():  # the common case: nothing to remove (newline and tab aren't)
        return value
    return _CONTROL.sub("", _ESCAPE_SEQUENCE.sub("", value))


def one_line(text: object) -> str:
    """Cleaned text on one line: line breaks and tabs become spaces."""
    return re.sub(r"[\n\t\u2028\u2029]", " ", clean(text))


def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: max(limit - 1, 0)] + "…"


def quoted(text: object, limit: int = 60) -> str:
    """Cleaned text on one line, cut to ``limit`` characters, quoted as Python quotes it."""
    return repr(_cut(one_line(text), limit))


# --------------------------------------------------------------------------- numbers


def fixed(value: float | None, digits: int = 1) -> str:
    """A score or weight as people read it: ``70.0``; ``-`` when there is none."""
    if value is None:
        return "-"
    return f"{value:.{digits}f}" if math.isfinite(value) else str(value)


def signed(value: float, digits: int = 1) -> str:
    """Points with their sign, so a reader sees the direction: ``+8.1``, ``-2.0``."""
    return f"{value:+.{digits}f}"


def percent(share: float | None, digits: int = 1) -> str:
    """A share of samples as a percentage: ``78.4%``; ``-`` when there is none."""
    return "-" if share is None else f"{100 * share:.{digits}f}%"


def words(identifier: str) -> str:
    """An id read as words: ``longer_term_potential`` -> ``longer term potential``."""
    return identifier.replace("_", " ")


def counted(count: int, singular: str, plural: str | None = None) -> str:
    """``1 option``, ``4 options``: a count with its noun agreeing."""
    return f"{count:,} {singular if count == 1 else plural or singular + 's'}"


def brief(value: object, limit: int = 40) -> str:
    """Any field value in a few characters: numbers and short text as they are, containers
    by their size, results by their type (the ``repr`` of a large value would defeat the
    purpose of a short one)."""
    if value is None or isinstance(value, bool | int):
        return str(value)
    if isinstance(value, float):
        return f"{value:.4g}"
    if isinstance(value, str):
        return quoted(value, limit)
    if isinstance(value, Mapping):
        return f"{{{counted(len(value), 'item')}}}"
    if isinstance(value, tuple | list | set | frozenset):
        return f"[{counted(len(value), 'item')}]"
    return f"<{type(value).__name__}>"


# --------------------------------------------------------------------------- summaries


@dataclass(frozen=True)
class Table:
    """Rows of plain strings under named columns.

    ``align`` holds ``l`` or ``r`` per column (left when missing); ``strong``
    and ``muted`` are indices of rows to emphasise (the recommended option) or
    play down (an excluded one); ``more`` counts rows left out, said below.
    """

    columns: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    align: str = ""
    caption: str | None = None
    strong: frozenset[int] = frozenset()
    muted: frozenset[int] = frozenset()
    more: int = 0

    def __post_init__(self) -> None:
        for row in self.rows:
            if len(row) != len(self.columns):
                raise ValueError(f"a row has {len(row)} cells for {len(self.columns)} columns")

    def right(self, column: int) -> bool:
        return self.align[column : column + 1] == "r"


@dataclass(frozen=True)
class Summary:
    """What a result shows of itself.

    ``headline`` is the ``repr`` after the type name, on one line; ``title``
    heads the text and HTML views (the headline when ``None``); ``lines`` are
    sentences before the tables, ``notes`` small print after them.
    """

    kind: str
    headline: str
    title: str | None = None
    lines: tuple[str, ...] = ()
    tables: tuple[Table, ...] = ()
    notes: tuple[str, ...] = ()


def summary_repr(summary: Summary) -> str:
    """``<Kind headline>`` on one line, at most ``MAX_REPR`` characters."""
    inner = _cut(one_line(f"{summary.kind} {summary.headline}".strip()), MAX_REPR - 2)
    return f"<{inner}>"


def _text_table(table: Table) -> list[str]:
    cells = [[one_line(c) for c in table.columns]]
    cells += [[one_line(c) for c in row] for row in table.rows]
    widths = [max(len(row[i]) for row in cells) for i in range(len(table.columns))]

    def line(row: Sequence[str]) -> str:
        parts = [
            cell.rjust(width) if table.right(i) else cell.ljust(width)
            for i, (cell, width) in enumerate(zip(row, widths, strict=True))
        ]
        return "  ".join(parts).rstrip()

    lines = [one_line(table.caption)] if table.caption else []
    lines += [line(cells[0]), "  ".join("-" * w for w in widths)]
    lines += [line(row) for row in cells[1:]]
    if table.more:
        lines.append(f"... and {table.more:,} more")
    return lines


def summary_text(summary: Summary) -> str:
    """The summary as plain text: title, sentences, aligned tables, notes."""
    lines = [one_line(f"{summary.kind}: {summary.title or summary.headline}")]
    lines += [clean(line) for line in summary.lines]
    for table in summary.tables:
        lines += ["", *_text_table(table)]
    if summary.notes:
        lines += ["", *(clean(note) for note in summary.notes)]
    return "\n".join(lines)


_STYLE = (
    "<style>"
    "div.appraisal-summary{line-height:1.35}"
    "div.appraisal-summary p{margin:.25em 0}"
    "div.appraisal-summary table{border-collapse:collapse;margin:.4em 0 .6em;font-size:.95em}"
    "div.appraisal-summary caption{text-align:left;font-weight:600;padding:.2em 0}"
    "div.appraisal-summary th,div.appraisal-summary td{padding:.15em .7em;text-align:left;"
    "border-bottom:1px solid rgba(128,128,128,.3);vertical-align:top}"
    "div.appraisal-summary th{border-bottom-width:2px}"
    "div.appraisal-summary .num{text-align:right;font-variant-numeric:tabular-nums}"
    "div.appraisal-summary tr.strong td{font-weight:600;background:rgba(46,160,67,.12)}"
    "div.appraisal-summary tr.muted td{opacity:.6}"
    "div.appraisal-summary .note{font-size:.85em;opacity:.75}"
    "</style>"
)


def html_text(text: object) -> str:
    """Cleaned text escaped for HTML content and attribute values."""
    import html  # only for HTML; a command-line run never needs it

    return html.escape(clean(text), quote=True)


def _html_table(table: Table) -> str:
    def cell(tag: str, index: int, text: str) -> str:
        number = ' class="num"' if table.right(index) else ""
        scope = ' scope="col"' if tag == "th" else ""
        return f"<{tag}{scope}{number}>{html_text(text)}</{tag}>"

    head = "".join(cell("th", i, c) for i, c in enumerate(table.columns))
    body = []
    for index, row in enumerate(table.rows):
        css = "strong" if index in table.strong else "muted" if index in table.muted else ""
        opening = f'<tr class="{css}">' if css else "<tr>"
        body.append(opening + "".join(cell("td", i, c) for i, c in enumerate(row)) + "</tr>")
    caption = f"<caption>{html_text(table.caption)}</caption>" if table.caption else ""
    more = f'<p class="note">... and {table.more:,} more</p>' if table.more else ""
    return (
        f"<table>{caption}<thead><tr>{head}</tr></thead>"
        f"<tbody>{''.join(body)}</tbody></table>{more}"
    )


def summary_html(summary: Summary) -> str:
    """The summary as a self-contained HTML fragment, styled for a notebook (light or dark)."""
    parts = [
        '<div class="appraisal-summary">',
        _STYLE,
        f"<p><strong>{html_text(summary.kind)}</strong>"
        f" {html_text(summary.title or summary.headline)}</p>",
    ]
    parts += [f"<p>{html_text(line)}</p>" for line in summary.lines]
    parts += [_html_table(table) for table in summary.tables]
    parts += [f'<p class="note">{html_text(note)}</p>' for note in summary.notes]
    parts.append("</div>")
    return "".join(parts)


def _fields(value: object) -> Iterable[tuple[str, object]]:
    """A pydantic model's or a dataclass's fields that its ``repr`` would show, in order."""
    declared = getattr(type(value), "model_fields", None)
    if isinstance(declared, Mapping):
        return [(name, getattr(value, name)) for name, info in declared.items() if info.repr]
    if dataclasses.is_dataclass(value):
        return [(f.name, getattr(value, f.name)) for f in dataclasses.fields(value) if f.repr]
    return []


def field_summary(value: object) -> Summary:
    """A summary of any record: each field in brief, in a line and in a two-column table."""
    shown = [(name, brief(item)) for name, item in _fields(value)]
    return Summary(
        kind=type(value).__name__,
        headline=", ".join(f"{name}={text}" for name, text in shown),
        title="",
        tables=(Table(("field", "value"), tuple(shown)),) if shown else (),
    )


class Displayable:
    """A short ``repr``, a readable ``str`` and notebook HTML, from one ``_summary``.

    A result class lists this before its other bases and overrides
    ``_summary`` to choose what matters; without it, every field is shown in
    brief. A dataclass needs ``repr=False``, or it writes its own ``__repr__``.
    """

    __slots__ = ()

    def _summary(self) -> Summary:
        return field_summary(self)

    def __repr__(self) -> str:
        return summary_repr(self._summary())

    def __str__(self) -> str:
        return summary_text(self._summary())

    def _repr_html_(self) -> str:
        return summary_html(self._summary())


# --------------------------------------------------------------------------- pandas


def require_pandas() -> None:
    """Check pandas can be imported, or say which extra installs it.

    ``to_frame`` calls this, then imports pandas itself: the import stays
    where pandas is used, and typed.
    """
    try:
        import pandas  # noqa: F401
    except ImportError:
        raise MissingExtraError(
            f"pandas is not installed; install it with: {PANDAS_EXTRA}",
            Location(field="to_frame"),
        ) from None

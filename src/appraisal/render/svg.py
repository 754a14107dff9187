"""Charts as inline SVG text, drawn from a briefing's data with nothing but string formatting.

The HTML report must be one file that opens anywhere, prints, and makes no
request, so its charts are SVG elements written here rather than images from
matplotlib. Each chart is an ``<svg role="img">`` with a ``<title>`` and
``<desc>`` (its alternative text) and an ``aria-labelledby`` naming them; it
carries its own width, height and ``viewBox`` so it has a size before any CSS
applies, and scales down to the page.

Every chart reads without colour: segments carry patterns or printed values,
lines differ in dash as well as colour, and every state is also written as a
word. Colours are the Okabe-Ito palette, distinguishable with the common
colour-vision deficiencies; text on a fill is black or white, whichever
contrasts more. Text from the files is cleaned and escaped (``html_text``).

Text widths are estimated (no font metrics are available without a browser),
generously, so labels wrap rather than overflow.
"""

from __future__ import annotations

import math
import textwrap
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

from ._common import html_text, ordinal

if TYPE_CHECKING:  # annotations only: drawing needs none of the briefing's stages
    from ..briefing import (
        AcceptabilityRow,
        GraphEdge,
        GraphNode,
        GraphState,
        ScoresMatrix,
        TornadoRow,
        TreeRow,
    )

__all__ = [
    "PALETTE",
    "acceptability_chart",
    "contribution_chart",
    "graph_chart",
    "tornado_chart",
    "value_tree_chart",
]

WIDTH = 720
"""Width of every chart in CSS pixels: the text column of an A4 page at print scale."""
FONT = "'Segoe UI', 'Helvetica Neue', Arial, 'Liberation Sans', 'DejaVu Sans', sans-serif"
CHAR = 0.6
"""Estimated width of a character, in ems (wide enough for DejaVu Sans)."""
INK = "#1b1b1b"
MUTED = "#505a5f"
RULE = "#b1b4b6"
PALETTE = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442")
"""Okabe-Ito: one hue per top-level criterion."""
RANK_FILLS = ("#08306b", "#2171b5", "#6baed6", "#c6dbef", "#eff3ff")
"""Rank 1 darkest: the order survives printing in grey."""
PATTERNS = ("", "diagonal", "dots", "cross", "horizontal", "vertical", "back")
"""A pattern over each top-level criterion's colour, so the groups differ without colour too."""


# --------------------------------------------------------------------------- primitives


def _n(value: float) -> str:
    """A coordinate: short, and never ``-0``."""
    text = f"{value:.1f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def _fits(text: str, size: float) -> float:
    """Estimated width of ``text`` at a font size."""
    return len(text) * size * CHAR


def _wrap(text: str, width: float, size: float, lines: int = 3) -> list[str]:
    """``text`` wrapped to a pixel width, at most ``lines`` lines, the last ending in an
    ellipsis if cut."""
    chars = max(4, int(width / (size * CHAR)))
    wrapped = textwrap.wrap(" ".join(str(text).split()), chars) or [""]
    if len(wrapped) > lines:
        wrapped = wrapped[:lines]
        wrapped[-1] = wrapped[-1][: max(1, chars - 1)].rstrip() + "…"
    return [w if len(w) <= chars else w[: chars - 1] + "…" for w in wrapped]


def _text(
    x: float,
    y: float,
    text: object,
    *,
    size: float = 12,
    weight: str = "normal",
    anchor: str = "start",
    fill: str = INK,
    extra: str = "",
) -> str:
    bold = ' font-weight="bold"' if weight == "bold" else ""
    return (
        f'<text x="{_n(x)}" y="{_n(y)}" font-size="{_n(size)}"{bold} text-anchor="{anchor}"'
        f' fill="{fill}"{extra}>{html_text(text)}</text>'
    )


def _lines(
    x: float,
    y: float,
    lines: Sequence[str],
    *,
    size: float = 12,
    weight: str = "normal",
    anchor: str = "start",
    fill: str = INK,
    leading: float = 1.25,
) -> str:
    """Several lines of text, the first baseline at ``y``."""
    return "".join(
        _text(x, y + i * size * leading, line, size=size, weight=weight, anchor=anchor, fill=fill)
        for i, line in enumerate(lines)
    )


def _rect(
    x: float,
    y: float,
    w: float,
    h: float,
    fill: str,
    *,
    stroke: str = "none",
    extra: str = "",
) -> str:
    return (
        f'<rect x="{_n(x)}" y="{_n(y)}" width="{_n(max(w, 0))}" height="{_n(h)}"'
        f' fill="{fill}" stroke="{stroke}"{extra}/>'
    )


def _contrast_text(fill: str) -> str:
    """Black or white, whichever contrasts more with ``fill`` (WCAG relative luminance)."""
    red, green, blue = (int(fill[i : i + 2], 16) / 255 for i in (1, 3, 5))

    def linear(c: float) -> float:
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    luminance = 0.2126 * linear(red) + 0.7152 * linear(green) + 0.0722 * linear(blue)
    return "#000000" if (luminance + 0.05) / 0.05 >= 1.05 / (luminance + 0.05) else "#ffffff"


def _segment_label(x: float, y: float, width: float, label: str, fill: str) -> str:
    """``label`` centred in a bar segment 24 high, in whichever of black or white reads on
    ``fill``."""
    return _text(x + width / 2, y + 16, label, size=11, anchor="middle", fill=_contrast_text(fill))


def _shade(colour: str, amount: float) -> str:
    """``colour`` mixed with white (``amount`` > 0) or black (< 0)."""
    channels = [int(colour[i : i + 2], 16) for i in (1, 3, 5)]
    target = 255 if amount > 0 else 0
    mixed = [round(c + (target - c) * abs(amount)) for c in channels]
    return "#" + "".join(f"{c:02x}" for c in mixed)


def _pattern(pattern_id: str, kind: str, ink: str) -> str:
    """A pattern of thin marks in ``ink`` over a transparent ground."""
    strokes = {
        "diagonal": "M-1,1 l2,-2 M0,6 l6,-6 M5,7 l2,-2",
        "back": "M-1,5 l2,2 M0,0 l6,6 M5,-1 l2,2",
        "cross": "M0,3 h6 M3,0 v6",
        "horizontal": "M0,3 h6",
        "vertical": "M3,0 v6",
    }
    marks = (
        f'<circle cx="3" cy="3" r="1.1" fill="{ink}"/>'
        if kind == "dots"
        else f'<path d="{strokes[kind]}" stroke="{ink}" stroke-width="1.1"/>'
    )
    return (
        f'<pattern id="{pattern_id}" width="6" height="6" patternUnits="userSpaceOnUse">'
        f"{marks}</pattern>"
    )


def _svg(chart_id: str, height: float, title: str, description: str, body: Iterable[str]) -> str:
    """The chart's root element: sized, labelled for assistive technology, self-contained."""
    height = math.ceil(height)
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" width="{WIDTH}" height="{height}"'
        f' viewBox="0 0 {WIDTH} {height}" aria-labelledby="{chart_id}-title {chart_id}-desc"'
        f' font-family="{FONT}" class="chart" id="{chart_id}">'
        f'<title id="{chart_id}-title">{html_text(title)}</title>'
        f'<desc id="{chart_id}-desc">{html_text(description)}</desc>' + "".join(body) + "</svg>"
    )


def _percent(value: float) -> str:
    return f"{value * 100:.0f}%"


# --------------------------------------------------------------------------- contribution bars


def contribution_chart(scores: ScoresMatrix, chart_id: str = "contributions") -> str:
    """Hiview's weighted-score view: one bar per option, stacked by criterion.

    Each segment is a leaf criterion's points (global weight x utility), so a
    bar's length is the option's total out of 100. Leaves take their top-level
    criterion's hue, lighter for each further leaf, and its pattern; segments
    wide enough carry their points as text.
    """
    groups = [g for g, _ in scores.groups]
    colours: dict[str, str] = {}
    patterns: dict[str, str] = {}
    for column in scores.criteria:
        index = groups.index(column.group)
        siblings = [c.id for c in scores.criteria if c.group == column.group]
        depth = siblings.index(column.id) / max(len(siblings), 1)
        colours[column.id] = _shade(PALETTE[index % len(PALETTE)], 0.55 * depth)
        patterns[column.id] = PATTERNS[index % len(PATTERNS)]
    left, right = 12.0, WIDTH - 56.0
    scale = (right - left) / 100.0
    defs = [
        _pattern(f"{chart_id}-p{i}", kind, "#ffffff" if i % 2 == 0 else "#000000")
        for i, kind in enumerate(PATTERNS)
        if kind
    ]
    body: list[str] = [f"<defs>{''.join(defs)}</defs>"]
    y = 8.0
    for tick in range(0, 101, 20):
        x = left + tick * scale
        body.append(_text(x, y + 10, f"{tick}", size=10, anchor="middle", fill=MUTED))
    y += 18
    top = y
    rows = []
    for row in scores.rows:
        label = row.name + (" (excluded: fails a gate)" if row.excluded else "")
        wrapped = _wrap(label, right - left, 13, lines=2)
        rows.append(_lines(left, y + 12, wrapped, size=13, weight="bold"))
        y += 16 * len(wrapped) + 2
        x = left
        rows.append("<g>")
        for column in scores.criteria:
            points = row.contributions[column.id]
            width = points * scale
            fill = colours[column.id]
            tip = f"<title>{html_text(column.name)}: {points:.1f} points</title>"
            segment = _rect(x, y, width, 24, fill, stroke="#ffffff", extra=' stroke-width="1"')
            rows.append(f"<g>{tip}{segment}")
            kind = patterns[column.id]
            if kind:
                index = PATTERNS.index(kind)
                rows.append(_rect(x, y, width, 24, f"url(#{chart_id}-p{index})"))
            label = f"{points:.1f}"
            if width >= _fits(label, 11) + 10:
                if kind:  # a plain chip under the number, so the pattern cannot cross it
                    chip = _fits(label, 11) + 4
                    rows.append(
                        _rect(x + (width - chip) / 2, y + 5, chip, 14, fill, extra=' rx="2"')
                    )
                rows.append(_segment_label(x, y, width, label, fill))
            rows.append("</g>")
            x += width
        if row.excluded:  # outlined in dashes, as the graph draws an excluded option
            rows.append(
                _rect(
                    left - 2,
                    y - 2,
                    x - left + 4,
                    28,
                    "none",
                    stroke="#a4000f",
                    extra=' stroke-width="1.5" stroke-dasharray="5 3"',
                )
            )
        rows.append("</g>")
        rows.append(_text(x + 6, y + 17, f"{row.total:.1f}", size=12, weight="bold"))
        y += 24 + 14
    grid = "".join(
        f'<line x1="{_n(left + t * scale)}" y1="{_n(top - 4)}" x2="{_n(left + t * scale)}"'
        f' y2="{_n(y - 10)}" stroke="{RULE}" stroke-width="0.6" stroke-dasharray="2 3"/>'
        for t in range(0, 101, 20)
    )
    body.append(grid)
    body += rows
    body.append(_text(left, y + 2, "Weighted points out of 100, by criterion", size=11, fill=MUTED))
    y += 14
    legend, y = _legend(scores, colours, patterns, chart_id, y + 6)
    body += legend
    described = "; ".join(f"{r.name}: {r.total:.1f}" for r in scores.rows)
    return _svg(
        chart_id,
        y + 6,
        "Weighted score of each option, by criterion",
        f"Stacked bars of weighted points out of 100. {described}.",
        body,
    )


def _legend(
    scores: ScoresMatrix,
    colours: dict[str, str],
    patterns: dict[str, str],
    chart_id: str,
    y: float,
) -> tuple[list[str], float]:
    """Swatches, grouped under each top-level criterion, two to a row; a long name wraps."""
    body: list[str] = []
    column_width = (WIDTH - 24) / 2
    for group_id, group_name in scores.groups:
        members = [c for c in scores.criteria if c.group == group_id]
        body.append(_text(12, y + 12, group_name, size=12, weight="bold"))
        y += 18
        for start in range(0, len(members), 2):
            pair = members[start : start + 2]
            tallest = 1
            for offset, column in enumerate(pair):
                x = 12 + offset * column_width
                body.append(
                    _rect(
                        x,
                        y + 2,
                        14,
                        12,
                        colours[column.id],
                        stroke=INK,
                        extra=' stroke-width="0.5"',
                    )
                )
                kind = patterns[column.id]
                if kind:
                    pattern = f"url(#{chart_id}-p{PATTERNS.index(kind)})"
                    body.append(_rect(x, y + 2, 14, 12, pattern))
                name = column.name + (
                    " (lower is better)" if column.direction == "minimise" else ""
                )
                lines = _wrap(name, column_width - 28, 11, 2)
                body.append(_lines(x + 20, y + 12, lines, size=11, leading=1.2))
                tallest = max(tallest, len(lines))
            y += 18 + (tallest - 1) * 13.2
        y += 4
    return body, y


# --------------------------------------------------------------------------- rank acceptability


def acceptability_chart(
    rows: Sequence[AcceptabilityRow], samples: int, chart_id: str = "acceptability"
) -> str:
    """SMAA rank acceptability: per option, the share of weight samples at each rank."""
    ranks = max((len(r.shares) for r in rows), default=0)
    fills = [RANK_FILLS[min(i, len(RANK_FILLS) - 1)] for i in range(ranks)]
    left, right = 12.0, WIDTH - 12.0
    scale = right - left
    body: list[str] = []
    y = 6.0
    for row in rows:
        wrapped = _wrap(row.name, scale, 13, lines=2)
        body.append(_lines(left, y + 12, wrapped, size=13, weight="bold"))
        y += 16 * len(wrapped) + 2
        x = left
        for rank, share in enumerate(row.shares):
            width = share * scale
            tip = f"<title>{ordinal(rank + 1)}: {share:.1%}</title>"
            body.append(f"<g>{tip}{_rect(x, y, width, 24, fills[rank], stroke='#ffffff')}")
            label = f"{ordinal(rank + 1)} {_percent(share)}"
            if width >= _fits(label, 11) + 8:
                body.append(_segment_label(x, y, width, label, fills[rank]))
            elif width >= _fits(_percent(share), 11) + 4:
                body.append(_segment_label(x, y, width, _percent(share), fills[rank]))
            body.append("</g>")
            x += width
        y += 24 + 14
    for rank in range(ranks):
        x = left + rank * 110
        body.append(_rect(x, y + 2, 14, 12, fills[rank], stroke=INK, extra=' stroke-width="0.5"'))
        body.append(_text(x + 20, y + 12, f"ranked {ordinal(rank + 1)}", size=11))
    y += 20
    body.append(_text(left, y + 10, f"Share of {samples:,} weight samples", size=11, fill=MUTED))
    described = "; ".join(f"{r.name}: first in {_percent(r.shares[0])}" for r in rows if r.shares)
    return _svg(
        chart_id,
        y + 18,
        "Rank acceptability over sampled weights",
        f"Stacked bars of the share of weight samples in which each option takes each rank."
        f" {described}.",
        body,
    )


# --------------------------------------------------------------------------- tornado


def tornado_chart(rows: Sequence[TornadoRow], chart_id: str = "tornado") -> str:
    """How far each criterion's share can move before first place changes hands.

    Per criterion, the solid bar spans the shares at which the current leader
    stays first; a hatched end is where another option would lead, named
    beneath; the black mark is the current share. Most sensitive first.
    """
    label_width = 230.0
    left, right = label_width + 16, WIDTH - 14.0
    scale = right - left
    stable, changes = "#0072B2", "#D55E00"
    body: list[str] = [f"<defs>{_pattern(f'{chart_id}-hatch', 'diagonal', '#ffffff')}</defs>"]
    y = 4.0
    for tick in (0.0, 0.25, 0.5, 0.75, 1.0):
        body.append(
            _text(left + tick * scale, y + 10, _percent(tick), size=10, anchor="middle", fill=MUTED)
        )
    y += 18
    top = y
    rows_svg: list[str] = []
    for row in rows:
        name = row.name if row.parent_name is None else f"{row.name} (in {row.parent_name})"
        wrapped = _wrap(name, label_width, 12, lines=2)
        low = row.low if row.low is not None else 0.0
        high = row.high if row.high is not None else 1.0
        notes = []
        if row.low is not None:
            notes.append(f"below {_percent(row.low)}: {row.low_winner or 'another option'} first")
        if row.high is not None:
            notes.append(f"above {_percent(row.high)}: {row.high_winner or 'another option'} first")
        if not notes:
            notes.append("first place never changes")
        note_lines = _wrap("; ".join(notes), scale, 10.5, lines=2)
        height = max(16 * len(wrapped), 22 + 13 * len(note_lines)) + 10
        rows_svg.append(_lines(12, y + 14, wrapped, size=12, weight="bold"))
        rows_svg.append(_rect(left, y + 2, scale, 16, "#f3f2f1"))
        for start, stop in ((0.0, low), (high, 1.0)):
            if stop > start:
                rows_svg.append(
                    _rect(left + start * scale, y + 2, (stop - start) * scale, 16, changes)
                )
                rows_svg.append(
                    _rect(
                        left + start * scale,
                        y + 2,
                        (stop - start) * scale,
                        16,
                        f"url(#{chart_id}-hatch)",
                    )
                )
        rows_svg.append(_rect(left + low * scale, y + 2, (high - low) * scale, 16, stable))
        x = left + row.share * scale
        rows_svg.append(
            f'<path d="M{_n(x)},{_n(y - 2)} v24" stroke="#000000" stroke-width="3"/>'
            f"<title>now {_percent(row.share)}</title>"
        )
        rows_svg.append(_lines(left, y + 32, note_lines, size=10.5, fill=MUTED))
        y += height
    grid = "".join(
        f'<line x1="{_n(left + t * scale)}" y1="{_n(top)}" x2="{_n(left + t * scale)}"'
        f' y2="{_n(y - 6)}" stroke="{RULE}" stroke-width="0.6" stroke-dasharray="2 3"/>'
        for t in (0.0, 0.25, 0.5, 0.75, 1.0)
    )
    body.append(grid)
    body += rows_svg
    key = [
        _rect(12, y + 4, 14, 12, stable),
        _text(32, y + 14, "current leader stays first", size=11),
        _rect(212, y + 4, 14, 12, changes),
        _rect(212, y + 4, 14, 12, f"url(#{chart_id}-hatch)"),
        _text(232, y + 14, "another option leads", size=11),
        f'<path d="M{_n(400)},{_n(y + 2)} v16" stroke="#000000" stroke-width="3"/>',
        _text(410, y + 14, "current share", size=11),
    ]
    body += key
    y += 22
    body.append(_text(12, y + 12, "Share of the criterion among its siblings", size=11, fill=MUTED))
    sensitive = [r for r in rows if r.low is not None or r.high is not None]
    described = (
        "; ".join(
            f"{r.name}: leader changes "
            + " and ".join(
                text
                for text in (
                    f"below {_percent(r.low)}" if r.low is not None else "",
                    f"above {_percent(r.high)}" if r.high is not None else "",
                )
                if text
            )
            for r in sensitive
        )
        or "No single criterion's weight can change first place"
    )
    return _svg(
        chart_id,
        y + 20,
        "Switching ranges of the criteria weights",
        f"Tornado chart of each criterion's share among its siblings. {described}.",
        body,
    )


# --------------------------------------------------------------------------- value tree


def value_tree_chart(rows: Sequence[TreeRow], chart_id: str = "value-tree") -> str:
    """The criteria tree, left to right, each box with its local and global weight.

    Leaves are stacked in order; a parent sits level with the middle of its
    children; a bar under each box is its global weight.
    """
    depth = max((r.depth for r in rows), default=0) + 1
    gap = 26.0
    root_width = 90.0
    column = (WIDTH - 12 - root_width - gap * depth) / depth
    box_height, spacing = 44.0, 8.0
    leaves = [r for r in rows if r.leaf]
    centre: dict[str, float] = {}
    for index, row in enumerate(leaves):
        centre[row.id] = 8 + index * (box_height + spacing) + box_height / 2
    for row in sorted(rows, key=lambda r: -r.depth):
        if not row.leaf:
            kids = [centre[r.id] for r in rows if r.parent == row.id and r.id in centre]
            centre[row.id] = sum(kids) / len(kids) if kids else 8 + box_height / 2
    height = 8 + len(leaves) * (box_height + spacing) + 8
    top_level = [centre[r.id] for r in rows if r.depth == 0]
    root_y = sum(top_level) / len(top_level) if top_level else height / 2
    body: list[str] = []

    def x_of(d: int) -> float:
        return 6 + root_width + gap + d * (column + gap)

    for row in rows:
        parent_x, parent_y = (
            (6 + root_width, root_y)
            if row.parent is None
            else (x_of(row.depth - 1) + column, centre[row.parent])
        )
        middle = parent_x + gap / 2
        body.append(
            f'<path d="M{_n(parent_x)},{_n(parent_y)} H{_n(middle)} V{_n(centre[row.id])}'
            f' H{_n(x_of(row.depth))}" fill="none" stroke="{MUTED}" stroke-width="1"/>'
        )
    body.append(
        _rect(6, root_y - box_height / 2, root_width, box_height, "#0b0c0c", extra=' rx="3"')
    )
    body.append(
        _lines(
            6 + root_width / 2,
            root_y - 3,
            ["Overall", "value"],
            size=12,
            weight="bold",
            anchor="middle",
            fill="#ffffff",
        )
    )
    for row in rows:
        x, y = x_of(row.depth), centre[row.id] - box_height / 2
        fill = "#ffffff" if row.leaf else "#f3f2f1"
        body.append(
            f"<g><title>{html_text(row.name)}: local {_percent(row.local_weight)},"
            f" global {_percent(row.global_weight)}</title>"
        )
        body.append(_rect(x, y, column, box_height, fill, stroke=INK, extra=' rx="3"'))
        name = row.name + (" ↓" if row.direction == "minimise" else "")
        body.append(
            _text(x + 6, y + 15, _wrap(name, column - 12, 12, 1)[0], size=12, weight="bold")
        )
        weights = f"local {_percent(row.local_weight)} · global {_percent(row.global_weight)}"
        body.append(_text(x + 6, y + 30, weights, size=10.5, fill=MUTED))
        body.append(_rect(x + 6, y + 35, (column - 12) * row.global_weight, 4, PALETTE[0]))
        body.append("</g>")
    described = "; ".join(f"{r.name} {_percent(r.global_weight)}" for r in rows if r.leaf)
    return _svg(
        chart_id,
        height,
        "Value tree with weights",
        f"The criteria tree. Global weights of the leaf criteria: {described}.",
        body,
    )


# --------------------------------------------------------------------------- the graph


GRAPH_FONT = 10.5
GRAPH_LINES = 5
"""Lines of a node's label before it is cut short: enough for a long option name."""
_COLUMNS = (
    ("cause", "Causes"),
    ("problem", "Problems"),
    ("option", "Options"),
    ("criterion", "Criteria and gates"),
)
_EDGE_STYLE = {
    "drives": (MUTED, "", 1.2),
    "addresses": ("#0072B2", "6 3", 1.2),
    "moves_up": ("#009E73", "", 1.6),
    "moves_down": ("#D55E00", "2 2.5", 1.6),
    "fails": ("#a4000f", "", 3.0),
}
_STATE_TAG = {
    "recommended": "✓ recommended",
    "excluded": "✗ excluded",
    "failed": "✗ failed",
    "passed": "passed",
}


def _node_box(
    node: GraphNode, x: float, y: float, width: float, height: float, chart_id: str
) -> str:
    """A node: its label, and its state as a word and a border (and a hatch when excluded)."""
    border, stroke_width, fill = INK, 1.0, "#ffffff"
    if node.kind in ("cause", "problem"):
        fill = "#f3f2f1"
    if node.state == "recommended":
        border, stroke_width, fill = "#005a30", 3.0, "#e6f4ea"
    elif node.state in ("excluded", "failed"):
        border, stroke_width = "#a4000f", 2.0
    parts = [f"<g><title>{html_text(node.kind)}: {html_text(node.label)}</title>"]
    dash = ' stroke-dasharray="5 3"' if node.state == "excluded" else ""
    parts.append(
        _rect(
            x,
            y,
            width,
            height,
            fill,
            stroke=border,
            extra=f' stroke-width="{_n(stroke_width)}" rx="4"{dash}',
        )
    )
    if node.state == "excluded":
        parts.append(
            _rect(x, y, width, height, f"url(#{chart_id}-hatch)", extra=' rx="4" opacity="0.3"')
        )
    bold = (
        "bold"
        if node.kind == "option" or node.parent is None and node.kind == "criterion"
        else "normal"
    )
    tag = _STATE_TAG.get(node.state)
    lines = _wrap(node.label, width - 10, GRAPH_FONT, lines=GRAPH_LINES)
    parts.append(_lines(x + 5, y + 14, lines, size=GRAPH_FONT, weight=bold))
    if tag is not None:
        parts.append(_text(x + 5, y + height - 6, tag, size=10.5, weight="bold", fill=border))
    parts.append("</g>")
    return "".join(parts)


def _edge_path(
    start: tuple[float, float], end: tuple[float, float], style: tuple[str, str, float]
) -> str:
    (x1, y1), (x2, y2) = start, end
    bend = (x2 - x1) / 2
    colour, dash, width = style
    dashes = f' stroke-dasharray="{dash}"' if dash else ""
    return (
        f'<path d="M{_n(x1)},{_n(y1)} C{_n(x1 + bend)},{_n(y1)} {_n(x2 - bend)},{_n(y2)}'
        f' {_n(x2)},{_n(y2)}" fill="none" stroke="{colour}" stroke-width="{_n(width)}"'
        f'{dashes} opacity="0.85"/>'
    )


def graph_chart(state: GraphState, chart_id: str = "graph") -> str:
    """Causes, problems, options, then criteria and gates, in four columns, the scenario's
    state marked: the recommended option, excluded options, failed gates, and the criteria
    fired rules moved each option on (solid up, dotted down)."""
    margin = 26.0  # room on the left for a cause that drives another cause
    column_width = (WIDTH - margin - 4) / len(_COLUMNS)
    box_width = column_width - 24
    placed: dict[str, tuple[float, float, float, float]] = {}
    columns: dict[str, list[GraphNode]] = {kind: [] for kind, _ in _COLUMNS}
    gates = [n for n in state.nodes if n.kind == "gate"]
    for node in state.nodes:
        if node.kind in columns:
            columns[node.kind].append(node)
    columns["criterion"] = gates + columns["criterion"]
    header = 26.0
    sizes: dict[str, tuple[float, float]] = {}  # each box's indent and height, worked out once
    for nodes in columns.values():
        for node in nodes:
            indent = _indent(node)
            sizes[node.key] = (indent, _box_height(node, box_width - indent))
    heights = {kind: sum(sizes[n.key][1] + 10 for n in nodes) for kind, nodes in columns.items()}
    tallest = max(heights.values(), default=0.0)
    body: list[str] = [
        f"<defs>{_pattern(f'{chart_id}-hatch', 'back', '#a4000f')}"
        f"{_arrow(chart_id, 'arrow', MUTED)}{_arrow(chart_id, 'fail', '#a4000f')}</defs>"
    ]
    for index, (kind, title) in enumerate(_COLUMNS):
        x = margin + index * column_width
        body.append(
            _text(x + box_width / 2, 16, title, size=12, weight="bold", anchor="middle", fill=MUTED)
        )
        nodes = columns[kind]
        y = header + (tallest - heights[kind]) / 2
        for node in nodes:
            indent, height = sizes[node.key]
            placed[node.key] = (x + indent, y, box_width - indent, height)
            y += height + 10
    edges: list[str] = []
    for edge in state.edges:
        if edge.source not in placed or edge.target not in placed or edge.kind == "contains":
            continue
        edges.append(_edge(edge, placed, chart_id))
    body += edges
    for kind, _ in _COLUMNS:
        for node in columns[kind]:
            x, y, width, height = placed[node.key]
            body.append(_node_box(node, x, y, width, height, chart_id))
    y = header + tallest + 8
    body += _graph_key(y)
    recommended = [n.label for n in state.nodes if n.state == "recommended"]
    described = (
        f"{len(columns['cause'])} causes, {len(columns['problem'])} problems,"
        f" {len(columns['option'])} options, {len(gates)} gates."
        + (f" Recommended: {recommended[0]}." if recommended else " No option is recommended.")
        + (f" Excluded: {', '.join(state.excluded)}." if state.excluded else "")
    )
    return _svg(chart_id, y + 46, "Causes, problems, options, criteria and gates", described, body)


def _indent(node: GraphNode) -> float:
    """Sub-criteria sit indented under their parent."""
    return 12.0 if node.kind == "criterion" and node.parent is not None else 0.0


def _box_height(node: GraphNode, width: float) -> float:
    tag = node.state in _STATE_TAG
    lines = len(_wrap(node.label, width - 10, GRAPH_FONT, lines=GRAPH_LINES))
    return 8 + lines * GRAPH_FONT * 1.25 + (14 if tag else 0) + 2


def _arrow(chart_id: str, name: str, colour: str) -> str:
    """An arrowhead of a fixed size, whatever the width of the line it ends."""
    return (
        f'<marker id="{chart_id}-{name}" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="8"'
        ' markerHeight="8" markerUnits="userSpaceOnUse" orient="auto-start-reverse">'
        f'<path d="M0,0 L10,5 L0,10 z" fill="{colour}"/></marker>'
    )


def _edge(
    edge: GraphEdge,
    placed: dict[str, tuple[float, float, float, float]],
    chart_id: str,
) -> str:
    sx, sy, source_width, sh = placed[edge.source]
    tx, ty, target_width, th = placed[edge.target]
    key: str = edge.kind
    if edge.kind == "moves":
        key = "moves_up" if (edge.points or 0.0) >= 0 else "moves_down"
    style = _EDGE_STYLE[key]
    if edge.kind == "drives" and abs(sx - tx) < 1:  # a cause driving another cause
        x = sx
        path = (
            f'<path d="M{_n(x)},{_n(sy + sh / 2)} C{_n(x - 22)},{_n(sy + sh / 2)}'
            f' {_n(x - 22)},{_n(ty + th / 2)} {_n(x)},{_n(ty + th / 2)}" fill="none"'
            f' stroke="{style[0]}" stroke-width="{_n(style[2])}"'
            f' marker-end="url(#{chart_id}-arrow)"/>'
        )
        return path
    if tx < sx:  # addresses: from an option back to the problem or cause
        start, end = (sx, sy + sh / 2), (tx + target_width, ty + th / 2)
    else:
        start, end = (sx + source_width, sy + sh / 2), (tx, ty + th / 2)
    path = _edge_path(start, end, style)
    if edge.kind in ("drives", "fails"):
        head = "arrow" if edge.kind == "drives" else "fail"
        path = path.replace("/>", f' marker-end="url(#{chart_id}-{head})"/>')
    rules = ", ".join(edge.rules)
    tip = {
        "drives": "drives",
        "addresses": "addresses",
        "moves": f"fired rules moved it {edge.points or 0.0:+.1f} points ({rules})",
        "fails": f"fails this gate ({rules})",
    }[edge.kind]
    return f"<g><title>{html_text(tip)}</title>{path}</g>"


def _graph_key(y: float) -> list[str]:
    entries = [
        ("drives", "drives"),
        ("addresses", "option addresses"),
        ("moves_up", "fired rules raised"),
        ("moves_down", "fired rules lowered"),
        ("fails", "fails a gate"),
    ]
    body = []
    x = 12.0
    for key, label in entries:
        colour, dash, width = _EDGE_STYLE[key]
        dashes = f' stroke-dasharray="{dash}"' if dash else ""
        body.append(
            f'<path d="M{_n(x)},{_n(y + 10)} h26" stroke="{colour}" stroke-width="{_n(width)}"'
            f"{dashes}/>"
        )
        body.append(_text(x + 32, y + 14, label, size=11))
        x += 32 + _fits(label, 11) + 18
    body.append(
        _text(
            12,
            y + 34,
            "Bold green border: recommended; dashed hatched border: excluded;"
            " red border: failed gate.",
            size=11,
            fill=MUTED,
        )
    )
    return body

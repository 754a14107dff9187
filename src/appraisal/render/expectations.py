"""Expectation checks (``appraisal test``): one line per scenario, and why each miss missed."""

from __future__ import annotations

import textwrap
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from ..expectations import ExpectationResult, Gap, Miss, Standing
from ._common import (
    clean,
    fingerprint_data,
    footer_renderables,
    one_line,
    rank_text,
    rich_text,
    show,
    to_json,
)

if TYPE_CHECKING:
    from rich.console import RenderableType

    from ..fingerprint import Fingerprint

WIDTH = 80
"""Test reports are read in terminals and CI logs, so they fit the narrowest common width."""

_STATUS = {"pass": ("PASS", "bold green"), "fail": ("FAIL", "bold red"), "none": ("SKIP", "dim")}


def expectations_summary(results: Sequence[ExpectationResult]) -> str:
    """``N passed, M failed, K without expectations``."""
    counts = {status: sum(r.status == status for r in results) for status in _STATUS}
    return (
        f"{counts['pass']} passed, {counts['fail']} failed, {counts['none']} without expectations"
    )


def no_expectations_warning(results: Sequence[ExpectationResult]) -> str | None:
    """A warning when nothing was tested, which is more often a wrong path than a success."""
    if any(r.status != "none" for r in results):
        return None
    if not results:
        return "no scenarios found; nothing was tested"
    return "no scenario declares 'expect'; nothing was tested"


def expectations_data(
    results: Sequence[ExpectationResult], fingerprint: Fingerprint | None = None
) -> dict[str, Any]:
    """The machine-readable report (``appraisal test --format json``)."""
    data: dict[str, Any] = {
        "passed": sum(r.status == "pass" for r in results),
        "failed": sum(r.status == "fail" for r in results),
        "without_expectations": sum(r.status == "none" for r in results),
        "warning": no_expectations_warning(results),
        "results": [r.model_dump(mode="json") for r in results],
    }
    if fingerprint is not None:
        data["fingerprint"] = fingerprint_data(fingerprint)
    return data


def expectations_json(
    results: Sequence[ExpectationResult], fingerprint: Fingerprint | None = None
) -> str:
    return to_json(expectations_data(results, fingerprint))


def expectations_renderable(
    results: Sequence[ExpectationResult], fingerprint: Fingerprint | None = None
) -> RenderableType:
    """PASS or FAIL per scenario, each miss explained below its line, then the counts."""
    from rich.console import Group
    from rich.text import Text

    parts: list[RenderableType] = []
    for result in results:
        label, style = _STATUS[result.status]
        line = Text(f"{label}  ", style=style)
        line.append(one_line(result.path or result.scenario))
        if result.path:
            line.append(f"  {one_line(result.scenario)}", style="dim")
        line.truncate(WIDTH, overflow="ellipsis")
        line.no_wrap = True
        parts.append(line)
        for miss in result.misses:
            for depth, text in _miss_lines(miss):
                parts += [rich_text(line) for line in _wrapped(text, 6 + 2 * depth)]
        expect = result.expectation
        if result.misses and expect is not None and (expect.rationale or expect.source):
            if expect.rationale:
                cite = f" ({expect.source})" if expect.source else ""
                why = f"expected because: {expect.rationale.rstrip()}{cite}"
            else:
                why = f"expected per {expect.source}"
            parts += [rich_text(line, style="dim") for line in _wrapped(why, 6)]
    parts += footer_renderables(fingerprint)  # above the warning and the counts, which end it
    warning = no_expectations_warning(results)
    if warning:
        parts.append(Text.assemble(("warning", "yellow"), f" {warning}"))
    failed = any(r.status == "fail" for r in results)
    parts.append(Text(expectations_summary(results), style="bold red" if failed else "bold"))
    return Group(*parts)


def _wrapped(text: str, indent: int) -> list[str]:
    """Lines of at most ``WIDTH`` columns, continuations indented under their first line."""
    lines = textwrap.wrap(
        clean(text),
        width=WIDTH,
        initial_indent=" " * indent,
        subsequent_indent=" " * (indent + 2),
        break_long_words=False,
        break_on_hyphens=False,
    )
    return [line.replace(_TIE, " ") for line in lines]


_TIE = "\N{NO-BREAK SPACE}"
"""Joins the words of one item (``external_challenge = weak +3.0``) so a line breaks between
items, not inside one; ``_wrapped`` turns it back into a space."""


def _item(text: str) -> str:
    return text.replace(" ", _TIE)


def _miss_lines(miss: Miss) -> list[tuple[int, str]]:
    """The miss, then (indented) the standings and the gap that explain it."""
    if miss.kind == "driver":
        return _driver_lines(miss)
    if miss.kind == "recommended":
        head = f"recommended: expected {miss.expected or 'nothing'}, got {miss.actual or 'nothing'}"
        if miss.actual is None and miss.standings:
            head += " (no single option has the verdict 'recommended')"
    else:
        head = f"verdict of {miss.option}: expected {miss.expected}, got {miss.actual}"
    lines = [(0, head)]
    lines += [(1, line) for s in miss.standings for line in _standing_lines(s)]
    if miss.gap is not None:
        lines += [(1, line) for line in _gap_lines(miss.gap)]
    return lines


def _standing_lines(standing: Standing) -> list[str]:
    if standing.excluded:
        place = "excluded"
    else:
        place = (
            f"rank {rank_text(standing.rank)} (short {rank_text(standing.short_term_rank)},"
            f" long {rank_text(standing.long_term_rank)})"
        )
    lines = [f"{standing.id} {standing.score:.1f}, {place}: {standing.verdict}"]
    for failure in standing.gate_failures:
        cite = f" [{failure.source}]" if failure.source else ""
        evidence = ", ".join(f"{e.id} = {show(e.value)}" for e in failure.evidence)
        lines.append(
            f"fails gate {failure.criteria[0]}: {failure.rationale or failure.rule}{cite}"
            + (f" ({evidence})" if evidence else "")
        )
    return lines


def _gap_lines(gap: Gap) -> list[str]:
    verb = "leads" if gap.difference >= 0 else "trails"
    lines = [
        f"{gap.a} {verb} {gap.b} by {abs(gap.difference):.1f}"
        f" ({gap.baseline:+.1f} with no evidence known)"
    ]
    if gap.criteria:
        lines.append(
            "most on: " + "; ".join(_item(f"{c.name} {c.points:+.1f}") for c in gap.criteria)
        )
    if gap.evidence:
        lines.append(
            "evidence: "
            + "; ".join(
                _item(f"{e.evidence.id} = {show(e.evidence.value)} {e.points:+.1f}")
                for e in gap.evidence
            )
        )
    return lines


def _driver_lines(miss: Miss) -> list[tuple[int, str]]:
    value = show(miss.evidence.value) if miss.evidence is not None else "unknown"
    lines = [
        (0, f"driver of {miss.option}: {miss.expected} (= {value}) is not among its drivers"),
    ]
    if miss.named:
        named = sorted(miss.named.items(), key=lambda kv: -abs(kv[1]))[:3]
        lines.append((1, "named: " + "; ".join(_item(f"{i} {p:+.1f}") for i, p in named)))
    else:
        lines.append((1, "the explanation names no drivers for it"))
    return lines

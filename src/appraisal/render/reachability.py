"""What a rule base can ever conclude (``appraisal check``), as text and JSON."""

from __future__ import annotations

import textwrap
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from ._common import clean, fingerprint_data, footer_lines, show, to_json

if TYPE_CHECKING:
    from ..fingerprint import Fingerprint
    from ..reachability import OptionReach, Reachability

__all__ = ["reachability_data", "reachability_json", "reachability_text"]


def reachability_data(
    result: Reachability, fingerprint: Fingerprint | None = None
) -> dict[str, Any]:
    """Plain data for JSON: the result, with the verdict of the check."""
    data = result.model_dump(mode="json")
    data["ok"] = result.ok
    data["unreachable_options"] = list(result.unreachable_options)
    if fingerprint is not None:
        data["fingerprint"] = fingerprint_data(fingerprint)
    return data


def reachability_json(result: Reachability, fingerprint: Fingerprint | None = None) -> str:
    return to_json(reachability_data(result, fingerprint), ensure_ascii=True)


def _wrap(text: str, width: int, first: str, rest: str) -> list[str]:
    """Wrap at spaces only: ids and values are never split."""
    return textwrap.wrap(
        text,
        width,
        initial_indent=first,
        subsequent_indent=rest,
        break_long_words=False,
        break_on_hyphens=False,
    )


def _row(label: str, text: str, column: int, width: int) -> list[str]:
    """``label`` in a column, ``text`` wrapped beside it (below it when the label is long)."""
    indent = " " * column
    first = f"  {label}"
    if len(first) + 1 > column:
        return [first, *_wrap(text, width, indent, indent)]
    return _wrap(text, width, first.ljust(column), indent) or [first]


def _listing(title: str, items: Sequence[str], empty: str, width: int) -> list[str]:
    if not items:
        return [f"{title}: {empty}"]
    return [f"{title} ({len(items)}):", *_wrap(", ".join(items), width, "  ", "  ")]


def _option_text(reach: OptionReach) -> str:
    if not reach.reachable:
        return "NEVER recommended (proved)"
    witness = reach.witness or {}
    facts = ", ".join(f"{fact}={show(value)}" for fact, value in witness.items())
    head = (
        "reachable" if reach.verified else "reachable (exactly; not in the engine's floating point)"
    )
    return f"{head}: {facts}" if facts else f"{head} with no evidence at all"


def reachability_text(
    result: Reachability, width: int = 80, fingerprint: Fingerprint | None = None
) -> str:
    """The report of ``appraisal check``, wrapped at ``width`` columns.

    Ids and values come from the rule base, so the text is cleaned of control
    characters (``_common.clean``) as a whole: the report itself has none.
    """
    column = min(max((len(o.option) for o in result.options), default=0) + 4, 28)
    lines = [
        f"{result.rule_base}: {len(result.options)} options, {result.rules_checked} rules,"
        f" checked exactly in {result.seconds:.2f} s (solver {result.solver_seconds:.2f} s)",
        "",
        "Can each option be recommended?",
    ]
    for reach in result.options:
        lines += _row(reach.option, _option_text(reach), column, width)
    lines.append("")
    if result.contradictions:
        lines.append(
            f"Evidence on which rules contradict each other ({len(result.contradictions)}):"
        )
        for clash in result.contradictions:
            facts = ", ".join(f"{fact}={show(value)}" for fact, value in clash.witness.items())
            text = f"{clash.subject}: {clash.rules[0]} against {clash.rules[1]}, when {facts}"
            lines += _wrap(text, width, "  ", "    ")
    else:
        lines.append("Evidence on which rules contradict each other: none")
    lines += _listing("Rules that can never fire", result.unreachable_rules, "none", width)
    lines += _listing("Facts no rule reads", result.unread_facts, "none", width)
    if result.verdicts:
        lines += ["", "Verdicts each option can receive"]
        for option, verdicts in result.verdicts.items():
            can = [v for v, possible in verdicts.items() if possible]
            never = [v for v, possible in verdicts.items() if not possible]
            lines += _row(option, ", ".join(can) or "none", column, width)
            if never:
                indent = " " * column
                lines += _wrap(f"never: {', '.join(never)}", width, indent, indent)
    if fingerprint is not None:
        lines += ["", *footer_lines(fingerprint)]
    return clean("\n".join(lines) + "\n")

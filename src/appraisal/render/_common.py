"""Labels, styles and number formats every renderer shares."""

from __future__ import annotations

__all__ = ["VERDICT_STYLES", "show", "rank_text", "verdict_label"]

VERDICT_STYLES = {
    "recommended": "bold green",
    "longer_term_potential": "yellow",
    "not_considered_further": "dim",
    "not_recommended": "red",
}


def verdict_label(verdict: str) -> str:
    return verdict.replace("_", " ")


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

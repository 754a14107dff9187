"""The Jinja2 environments the page templates (``templates/``) render in: their filters,
and how every value is made safe to show (HTML autoescapes after cleaning control
characters; Markdown escapes everything not built from escaped parts and marked safe).

Shared by the briefing (``report``) and ``appraisal run``'s page (``run_page``), so that
each loads only what it draws.
"""

from __future__ import annotations

from collections.abc import Callable

from jinja2 import Environment, PackageLoader, StrictUndefined
from markupsafe import Markup

from ..explain import Answer
from ..tables import words
from ._common import clean, html_text, md, md_block, ordinal, show
from .information import answer_text

__all__ = ["FILTERS", "template_environment"]

# --------------------------------------------------------------------------- filters


def _number(value: float | None, digits: int = 1) -> str:
    return "" if value is None else f"{value:.{digits}f}"


def _signed(value: float | None, digits: int = 1) -> str:
    return "" if value is None else f"{value:+.{digits}f}"


def _percent(value: float | None, digits: int = 0) -> str:
    return "" if value is None else f"{value * 100:.{digits}f}%"


def _weight(value: float) -> str:
    return f"{value:g}"


def _value(value: object, unit: str | None = None) -> str:
    """A fact's value with its unit; a whole number of five digits or more with separators."""
    large = isinstance(value, float) and value.is_integer() and abs(value) >= 10_000
    text = f"{value:,.0f}" if large else show(value)
    if not unit or value is None:
        return text
    return f"{text}{unit}" if unit == "%" else f"{text} {unit}"


def _answers(answers: tuple[Answer, ...]) -> str:
    return " and ".join(answer_text(a) for a in answers)


def _count(value: int) -> str:
    return f"{value:,}"


FILTERS: dict[str, Callable[..., str]] = {
    "count": _count,
    "number": _number,
    "signed": _signed,
    "percent": _percent,
    "weight": _weight,
    "value": _value,
    "ordinal": ordinal,
    "answers": _answers,
    "words": words,
}


def _html_finalize(value: object) -> object:
    """Every value shown in HTML: cleaned of control characters (autoescape then escapes it)."""
    if value is None:
        return ""
    if isinstance(value, Markup):
        return value
    return clean(value)


def _md_finalize(value: object) -> object:
    """Every value shown in Markdown: escaped, unless built here and marked safe."""
    if value is None:
        return ""
    if isinstance(value, Markup):
        return value
    return md(value)


def _environment(markdown: bool) -> Environment:
    environment = Environment(
        loader=PackageLoader("appraisal.render", "templates"),
        autoescape=not markdown,
        finalize=_md_finalize if markdown else _html_finalize,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    environment.filters.update(FILTERS)
    if markdown:
        environment.filters["block"] = lambda text: Markup(md_block(text))
        environment.filters["id"] = md
    else:
        environment.filters["id"] = _breakable_id
    return environment


def _breakable_id(text: object) -> Markup:
    """An id for HTML, with a break opportunity after each underscore, so a long id wraps
    between its words rather than overflowing its column."""
    return Markup(html_text(text).replace("_", "_<wbr>"))


_ENVIRONMENTS: dict[bool, Environment] = {}


def template_environment(markdown: bool) -> Environment:
    """One environment per kind, built on first use (templates are compiled once)."""
    if markdown not in _ENVIRONMENTS:
        _ENVIRONMENTS[markdown] = _environment(markdown)
    return _ENVIRONMENTS[markdown]

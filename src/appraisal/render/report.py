"""The briefing as a document: one self-contained HTML file, or Markdown.

Both are Jinja2 templates (``templates/report.html.j2`` and
``templates/report.md.j2``) over a ``Briefing``; this module only prepares
what the templates cannot: the charts (``svg``), the Mermaid graph (by
``graphs.graph_mermaid``, which marks the scenario's state itself), and the
filters that format numbers and values.

Text from the files is made safe in both. The HTML environment autoescapes,
and every value is cleaned of control characters first. The Markdown
environment escapes every value for Markdown (``_common.md``) unless it is
marked safe (``Markup``) because it was built here from escaped parts, so a
name such as ``<script>`` or ``| x |`` reads as typed and can add no HTML,
link or table cell.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined
from markupsafe import Markup

from ..briefing import Briefing
from ..explain import Answer, RunSummary
from ..fingerprint import Fingerprint
from ..graph import build_graph
from ._common import FOOTER_LABEL, clean, html_text, md, md_block, show
from .graphs import graph_mermaid
from .information import answer_text, information_lines
from .ranking import DRIVER_LEGEND, FIND_OUT_NEXT, option_lines
from .svg import (
    acceptability_chart,
    contribution_chart,
    graph_chart,
    tornado_chart,
    value_tree_chart,
)

__all__ = ["SECTIONS", "briefing_html", "briefing_markdown", "briefing_mermaid"]

SECTIONS = (
    ("recommendation", "Recommendation"),
    ("what-would-change-it", "What would change it"),
    ("options-by-criteria", "Options by criteria"),
    ("value-tree", "Value tree"),
    ("why-each-verdict", "Why each option got its verdict"),
    ("evidence", "Evidence"),
    ("robustness", "Robustness"),
    ("graph", "Causes, problems, options and gates"),
    ("inputs", "Inputs and fingerprint"),
)
"""The report's sections, in the order a briefing is read: (anchor, heading)."""

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


def _ordinal(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


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
    "ordinal": _ordinal,
    "answers": _answers,
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


def _template_environment(markdown: bool) -> Environment:
    """One environment per kind, built on first use (templates are compiled once)."""
    if markdown not in _ENVIRONMENTS:
        _ENVIRONMENTS[markdown] = _environment(markdown)
    return _ENVIRONMENTS[markdown]


def _context(briefing: Briefing) -> dict[str, Any]:
    return {
        "b": briefing,
        "sections": SECTIONS,
        "footer_label": FOOTER_LABEL,
    }


# --------------------------------------------------------------------------- HTML


def briefing_html(briefing: Briefing) -> str:
    """The briefing as one HTML file: inline CSS and SVG, no script, no request."""
    charts = {
        "contributions": contribution_chart(briefing.scores),
        "value_tree": value_tree_chart(briefing.value_tree),
        "graph": graph_chart(briefing.graph),
    }
    robustness = briefing.robustness
    if robustness is not None and robustness.acceptability:
        charts["acceptability"] = acceptability_chart(robustness.acceptability, robustness.samples)
    if robustness is not None and robustness.tornado:
        charts["tornado"] = tornado_chart(robustness.tornado)
    template = _template_environment(markdown=False).get_template("report.html.j2")
    return template.render(**_context(briefing), charts={k: Markup(v) for k, v in charts.items()})


# --------------------------------------------------------------------------- Markdown


def briefing_mermaid(briefing: Briefing) -> str:
    """The overview graph of the appraisal briefed, with its state marked, as the package's
    Mermaid writer draws it for ``appraisal graph`` (so the two never differ)."""
    graph = build_graph(briefing.appraisal.rule_base_model)
    return graph_mermaid(graph, appraisal=briefing.appraisal, detail="overview")


def briefing_markdown(briefing: Briefing) -> str:
    """The briefing in Markdown: the same sections, tables, and a Mermaid graph."""
    template = _template_environment(markdown=True).get_template("report.md.j2")
    return template.render(**_context(briefing), mermaid=Markup(briefing_mermaid(briefing)))


def run_html(summary: RunSummary, fingerprint: Fingerprint | None = None) -> str:
    """What ``appraisal run`` shows, as one self-contained page in the report's style:
    the recommendation, the ranking, what to find out next and each verdict's drivers."""
    appraisal = summary.appraisal
    report = summary.find_out_next
    recommended = appraisal.recommended
    template = _template_environment(markdown=False).get_template("run.html.j2")
    return template.render(
        a=appraisal,
        recommended_name=appraisal.option(recommended).name if recommended else None,
        reason=report.reason if report is not None else None,
        find_out=information_lines(report, FIND_OUT_NEXT) if report is not None else [],
        undefined=summary.drivers_undefined,
        options=[(r, option_lines(summary, r.id)) for r in appraisal.options],
        fingerprint=fingerprint,
        footer_label=FOOTER_LABEL,
        legend=DRIVER_LEGEND,
    )

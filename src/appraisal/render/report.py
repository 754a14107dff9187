"""The briefing as a document: one self-contained HTML file, or Markdown.

Both are Jinja2 templates (``templates/report.html.j2`` and
``templates/report.md.j2``) over a ``Briefing``, rendered in ``templating``'s
environments (its filters format numbers and values); this module only prepares
what the templates cannot: the charts (``svg``) and the Mermaid graph (by
``graphs.graph_mermaid``, which marks the scenario's state itself).

Text from the files is made safe in both (``templating``). The HTML environment
autoescapes, and every value is cleaned of control characters first. The Markdown
environment escapes every value for Markdown (``_common.md``) unless it is
marked safe (``Markup``) because it was built here from escaped parts, so a
name such as ``<script>`` or ``| x |`` reads as typed and can add no HTML,
link or table cell.
"""

from __future__ import annotations

from typing import Any

from markupsafe import Markup

from ..briefing import Briefing
from ..graph import build_graph
from ._common import FOOTER_LABEL
from .graphs import graph_mermaid
from .svg import (
    acceptability_chart,
    contribution_chart,
    graph_chart,
    tornado_chart,
    value_tree_chart,
)
from .templating import template_environment

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
    template = template_environment(markdown=False).get_template("report.html.j2")
    return template.render(**_context(briefing), charts={k: Markup(v) for k, v in charts.items()})


# --------------------------------------------------------------------------- Markdown


def briefing_mermaid(briefing: Briefing) -> str:
    """The overview graph of the appraisal briefed, with its state marked, as the package's
    Mermaid writer draws it for ``appraisal graph`` (so the two never differ)."""
    graph = build_graph(briefing.appraisal.rule_base_model)
    return graph_mermaid(graph, appraisal=briefing.appraisal, detail="overview")


def briefing_markdown(briefing: Briefing) -> str:
    """The briefing in Markdown: the same sections, tables, and a Mermaid graph."""
    template = template_environment(markdown=True).get_template("report.md.j2")
    return template.render(**_context(briefing), mermaid=Markup(briefing_mermaid(briefing)))

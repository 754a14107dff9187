"""Turn results into things to read: rich renderables, Markdown, HTML, JSON, graphs.

Pure functions from result data to text or renderables; nothing here prints.
The command line decides where output goes.

- ``ranking``: the appraisal (ranking table, drivers, JSON, Markdown, HTML)
- ``explanation``: explanations and pairwise comparisons
- ``sensitivity``: sensitivity reports
- ``expectations``: expectation checks (``appraisal test``)
- ``graphs``: the rule base graph as Mermaid, Markdown, DOT, GraphML or JSON
- ``report``: the briefing (``appraisal.brief``) as one HTML file or as Markdown, from the
  Jinja2 templates in ``templates/``; imported on its own (``appraisal.render.report``), so
  the other commands do not load Jinja2
- ``run_page``: what ``appraisal run`` shows, as one HTML page in the report's style;
  imported on its own too, without the briefing, its charts or the graph library
- ``templating``: the Jinja2 environments and filters both render in
- ``svg``: the report's charts, drawn as inline SVG
- ``_common``: what they share, including the one place text from the files is
  made safe to show (``clean``, ``md``, ``html_text``, ``rich_text``) and
  valid JSON is written (``to_json``)

Every function that writes a whole report takes an optional ``fingerprint``
(``appraisal.fingerprint``), shown at its end: a footer in text, Markdown
and HTML, a ``fingerprint`` field in JSON.
"""

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ._common import clean, fingerprint_data, to_json, verdict_label
    from .expectations import (
        expectations_data,
        expectations_json,
        expectations_renderable,
        expectations_summary,
        no_expectations_warning,
    )
    from .explanation import (
        explanation_data,
        explanation_json,
        explanation_markdown,
        explanation_renderable,
        trace_renderable,
        versus_data,
        versus_markdown,
        versus_renderable,
    )
    from .graphs import graph_dot, graph_graphml, graph_json, graph_markdown, graph_mermaid
    from .ranking import (
        appraisal_data,
        appraisal_json,
        appraisal_markdown,
        appraisal_renderable,
        comparison_renderable,
    )
    from .sensitivity import sensitivity_data, sensitivity_json, sensitivity_renderable

_EXPORTS: dict[str, str] = {
    "appraisal_data": ".ranking",
    "appraisal_json": ".ranking",
    "appraisal_markdown": ".ranking",
    "appraisal_renderable": ".ranking",
    "clean": "._common",
    "comparison_renderable": ".ranking",
    "expectations_data": ".expectations",
    "expectations_json": ".expectations",
    "expectations_renderable": ".expectations",
    "expectations_summary": ".expectations",
    "explanation_data": ".explanation",
    "explanation_json": ".explanation",
    "explanation_markdown": ".explanation",
    "explanation_renderable": ".explanation",
    "fingerprint_data": "._common",
    "graph_dot": ".graphs",
    "graph_graphml": ".graphs",
    "graph_json": ".graphs",
    "graph_markdown": ".graphs",
    "graph_mermaid": ".graphs",
    "no_expectations_warning": ".expectations",
    "sensitivity_data": ".sensitivity",
    "sensitivity_json": ".sensitivity",
    "sensitivity_renderable": ".sensitivity",
    "to_json": "._common",
    "trace_renderable": ".explanation",
    "verdict_label": "._common",
    "versus_data": ".explanation",
    "versus_markdown": ".explanation",
    "versus_renderable": ".explanation",
}
"""Each public name and the module it lives in: a command imports only the renderers it
uses (``appraisal run`` needs neither networkx, for the graphs, nor the expectations)."""

__all__ = [
    "appraisal_data",
    "appraisal_json",
    "appraisal_markdown",
    "appraisal_renderable",
    "clean",
    "comparison_renderable",
    "expectations_data",
    "expectations_json",
    "expectations_renderable",
    "expectations_summary",
    "explanation_data",
    "explanation_json",
    "explanation_markdown",
    "explanation_renderable",
    "fingerprint_data",
    "graph_dot",
    "graph_graphml",
    "graph_json",
    "graph_markdown",
    "graph_mermaid",
    "no_expectations_warning",
    "sensitivity_data",
    "sensitivity_json",
    "sensitivity_renderable",
    "to_json",
    "trace_renderable",
    "verdict_label",
    "versus_data",
    "versus_markdown",
    "versus_renderable",
]


def __getattr__(name: str) -> Any:
    """Import a public name from its module when first asked for (PEP 562)."""
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(module, __name__), name)


def __dir__() -> list[str]:
    return sorted({*globals(), *_EXPORTS})

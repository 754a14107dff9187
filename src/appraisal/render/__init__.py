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
- ``svg``: the report's charts, drawn as inline SVG
- ``_common``: what they share, including the one place text from the files is
  made safe to show (``clean``, ``md``, ``html_text``, ``rich_text``) and
  valid JSON is written (``to_json``)

Every function that writes a whole report takes an optional ``fingerprint``
(``appraisal.fingerprint``), shown at its end: a footer in text, Markdown
and HTML, a ``fingerprint`` field in JSON.
"""

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

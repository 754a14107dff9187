"""Turn results into things to read: rich renderables, Markdown, HTML, JSON, graphs.

Pure functions from result data to text or renderables; nothing here prints.
The command line decides where output goes.

- ``ranking``: the appraisal (ranking table, drivers, JSON, Markdown, HTML)
- ``explanation``: explanations and pairwise comparisons
- ``sensitivity``: sensitivity reports
- ``expectations``: expectation checks (``appraisal test``)
- ``graphs``: the rule base graph as Mermaid or DOT
"""

from ._common import verdict_label
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
from .graphs import graph_dot, graph_mermaid
from .ranking import (
    appraisal_data,
    appraisal_html,
    appraisal_json,
    appraisal_markdown,
    appraisal_renderable,
    comparison_renderable,
)
from .sensitivity import sensitivity_data, sensitivity_json, sensitivity_renderable

__all__ = [
    "appraisal_data",
    "appraisal_html",
    "appraisal_json",
    "appraisal_markdown",
    "appraisal_renderable",
    "comparison_renderable",
    "expectations_data",
    "expectations_json",
    "expectations_renderable",
    "expectations_summary",
    "explanation_data",
    "explanation_json",
    "explanation_markdown",
    "explanation_renderable",
    "graph_dot",
    "graph_mermaid",
    "no_expectations_warning",
    "sensitivity_data",
    "sensitivity_json",
    "sensitivity_renderable",
    "trace_renderable",
    "verdict_label",
    "versus_data",
    "versus_markdown",
    "versus_renderable",
]

"""What ``appraisal run`` shows, as one self-contained HTML page in the report's style.

Apart from the briefing (``report``): the page needs neither the briefing's stages, nor
its charts, nor the graph library.
"""

from __future__ import annotations

from ..explain import RunSummary
from ..fingerprint import Fingerprint
from ._common import FOOTER_LABEL
from .information import information_lines
from .ranking import DRIVER_LEGEND, FIND_OUT_NEXT, option_lines
from .templating import template_environment

__all__ = ["run_html"]


def run_html(summary: RunSummary, fingerprint: Fingerprint | None = None) -> str:
    """What ``appraisal run`` shows, as one self-contained page in the report's style:
    the recommendation, the ranking, what to find out next and each verdict's drivers."""
    appraisal = summary.appraisal
    report = summary.find_out_next
    recommended = appraisal.recommended
    template = template_environment(markdown=False).get_template("run.html.j2")
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

"""Sensitivity reports: JSON data and terminal tables with bar charts."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ._common import (
    NARROW,
    AtWidth,
    fingerprint_data,
    footer_renderables,
    hanging,
    one_line,
    rich_text,
    to_json,
    verdict_label,
)

if TYPE_CHECKING:
    from rich.console import RenderableType

    from ..fingerprint import Fingerprint
    from ..sensitivity import EvidenceResult, SensitivityReport


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 6)


def sensitivity_data(report: SensitivityReport) -> dict[str, Any]:
    """The machine-readable sensitivity analysis (``appraisal sensitivity --format json``)."""
    smaa = report.smaa
    data: dict[str, Any] = {
        "scenario": report.scenario,
        "scenario_path": report.scenario_path,
        "recommended": report.recommended,
        "samples": smaa.samples,
        "seed": smaa.seed,
        "prior": smaa.prior,
        "options": list(smaa.options),
        "excluded": list(smaa.excluded),
        "rank_acceptability": {
            o: [round(x, 6) for x in shares] for o, shares in smaa.rank_acceptability.items()
        },
        "central_weights": {
            o: None if w is None else {c: round(x, 6) for c, x in w.items()}
            for o, w in smaa.central_weights.items()
        },
        "confidence": dict(smaa.confidence),
        "tie_share": smaa.tie_share,
        "switching_values": {
            s.criterion: {
                "parent": s.parent,
                "share": _round(s.share),
                "global_weight": _round(s.global_weight),
                "raw_weight": s.raw_weight,
                "leader": list(s.leader),
                "switch_below": _round(s.switch_below),
                "switch_above": _round(s.switch_above),
                "raw_below": _round(None if s.switch_below is None else s.raw_at(s.switch_below)),
                "raw_above": _round(None if s.switch_above is None else s.raw_at(s.switch_above)),
            }
            for s in report.sweeps
        },
        "sweeps": {
            s.criterion: {
                "points": [round(p, 6) for p in s.points],
                "scores": {o: [round(x, 6) for x in xs] for o, xs in s.scores.items()},
                "crossings": [
                    {
                        "share": round(c.share, 6),
                        "global_weight": round(c.global_weight, 6),
                        "raw_weight": _round(c.raw_weight),
                        "options": list(c.options),
                        "ranking_before": list(c.ranking_before),
                        "ranking_after": list(c.ranking_after),
                    }
                    for c in s.crossings
                ],
            }
            for s in report.sweeps
        },
    }
    evidence = report.evidence
    if evidence is not None:
        data["recommended_probability"] = dict(evidence.recommended_probability)
        data["evidence"] = evidence.model_dump(mode="json")
    return data


def sensitivity_json(report: SensitivityReport, fingerprint: Fingerprint | None = None) -> str:
    data = sensitivity_data(report)
    if fingerprint is not None:
        data["fingerprint"] = fingerprint_data(fingerprint)
    return to_json(data, ensure_ascii=True)


_BLOCKS = " ▏▎▍▌▋▊▉█"


def _bar(share: float, width: int = 20) -> str:
    """A horizontal bar of ``share`` (0..1) in ``width`` characters, to the eighth."""
    eighths = round(max(0.0, min(1.0, share)) * width * 8)
    full, part = divmod(eighths, 8)
    text = "█" * full + (_BLOCKS[part] if part else "")
    return text.ljust(width)


def _span(low: float, now: float, high: float, width: int = 24) -> str:
    """``[0, 1]`` in ``width`` cells: the span ``low..high`` filled, ``now`` marked."""
    cells = []
    for k in range(width):
        middle = (k + 0.5) / width
        if abs(middle - now) <= 0.5 / width:
            cells.append("┃")
        elif low <= middle <= high:
            cells.append("━")
        else:
            cells.append("·")
    return "".join(cells)


def _percent(share: float | None) -> str:
    return "-" if share is None else f"{share:.1%}"


NOTHING_RANKED = (
    "Every option fails a gate ({excluded}), so none is ranked: rank acceptability and"
    " switching values do not apply."
)
"""What the weight analyses say when there is nothing to rank (evidence uncertainty still
applies: other evidence could let an option pass)."""


def sensitivity_renderable(
    report: SensitivityReport, fingerprint: Fingerprint | None = None
) -> RenderableType:
    """Rank acceptability, switching values and evidence uncertainty as rich tables with bars."""
    from rich.console import Group
    from rich.text import Text

    smaa = report.smaa
    title = f"Sensitivity: {one_line(report.scenario)}"
    parts: list[RenderableType] = [rich_text(title, style="bold")]
    if smaa.options:
        parts.append(AtWidth(lambda width: _acceptability_table(report, width)))
        if smaa.excluded:
            parts.append(rich_text(f"Excluded by a gate (not ranked): {', '.join(smaa.excluded)}"))
        if smaa.tie_share:
            parts.append(
                Text(f"Ties in {smaa.tie_share:.2%} of samples (tied ranks shared evenly)")
            )
        parts.append(AtWidth(lambda width: _switching_table(report, width)))
    else:
        parts.append(rich_text(NOTHING_RANKED.format(excluded=", ".join(smaa.excluded))))
    if report.evidence is not None:
        parts += _evidence_parts(report.evidence)
    return Group(*parts, *footer_renderables(fingerprint))


RANK_COLUMNS = 10
"""Ranks shown as columns in the terminal; the JSON has every rank of every option."""


def _acceptability_table(report: SensitivityReport, width: int = NARROW) -> RenderableType:
    """One row per option: a bar of its first-rank share, its share of each rank (the first
    ``RANK_COLUMNS``, with the rest together), its confidence factor.

    Option ids are shown whole: where the table would not fit, the bar is left out, then
    fewer ranks get a column of their own."""
    from rich.table import Table
    from rich.text import Text

    smaa = report.smaa
    id_width = max(len(o) for o in smaa.options)
    count = len(smaa.options)

    def needed(ranks: int, bar: bool) -> int:  # edges and padding: 3 a column, 1 more
        rest = 12 if ranks < count else 0  # "Ranks 11-14"
        wider = max(0, ranks - 9)  # "Rank 10"
        return 1 + id_width + 3 + (23 if bar else 0) + 9 * ranks + wider + rest + 13

    shown = min(count, RANK_COLUMNS)
    bar = needed(shown, True) <= width
    while shown > 1 and needed(shown, bar) > width:
        shown -= 1
    rest = count > shown
    table = Table(
        title=rich_text(
            f"Rank acceptability over {smaa.samples:,} weight samples (seed {smaa.seed};"
            f" {smaa.prior})"
        ),
        title_justify="left",
    )
    table.add_column("Option", no_wrap=True, min_width=id_width)
    if bar:
        table.add_column("First", no_wrap=True)
    for rank in range(shown):
        table.add_column(f"Rank {rank + 1}", justify="right")
    if rest:
        table.add_column(f"Ranks {shown + 1}-{len(smaa.options)}", justify="right")
    table.add_column("Confidence", justify="right", no_wrap=True, min_width=10)
    for option in smaa.options:
        shares = smaa.rank_acceptability[option]
        style = "bold green" if option == report.recommended else ""
        cells = [_percent(x) for x in shares[:shown]]
        if rest:
            cells.append(_percent(sum(shares[shown:])))
        bars = [Text(_bar(shares[0]), style="green")] if bar else []
        table.add_row(
            rich_text(option, style=style), *bars, *cells, _percent(smaa.confidence[option])
        )
    return table


SWITCHING_TITLE = "Switching values: share among siblings over which the leader stays first"


def _switching_rows(report: SensitivityReport) -> list[tuple[str, str, str, str, str]]:
    """Criterion (with its parent), share now, the span the leader stays first over, the span
    drawn on 0..1, and the raw weights of that span."""
    rows = []
    for sweep in report.sweeps:
        low = sweep.switch_below if sweep.switch_below is not None else 0.0
        high = sweep.switch_above if sweep.switch_above is not None else 1.0
        raw_low = sweep.raw_at(low) if sweep.switch_below is not None else 0.0
        raw_high = sweep.raw_at(high) if sweep.switch_above is not None else None
        raw = f"{sweep.raw_weight:g}: {raw_low:.3g} to " + (
            "any" if raw_high is None else f"{raw_high:.3g}"
        )
        name = sweep.criterion if sweep.parent is None else f"{sweep.parent} / {sweep.criterion}"
        rows.append(
            (
                name,
                f"{sweep.share:.3f}",
                f"{low:.3f} to {high:.3f}",
                _span(low, sweep.share, high),
                raw,
            )
        )
    return rows


def _switching_table(report: SensitivityReport, width: int = NARROW) -> RenderableType:
    """A table in a wide terminal; stacked, one criterion to two lines, in a narrow one."""
    from rich.console import Group
    from rich.table import Table

    rows = _switching_rows(report)
    if width < NARROW:
        from rich.text import Text

        lines: list[RenderableType] = [rich_text(SWITCHING_TITLE)]
        longest = max(len(row[0]) for row in rows)
        pad = longest if longest + 2 + len(rows[0][3]) <= width else 0
        for name, now, stays, span, raw in rows:
            lines.append(Text.assemble((one_line(name).ljust(pad), "bold"), "  ", span))
            lines.append(hanging("    ", f"now {now}, leader first from {stays}; raw weight {raw}"))
        return Group(*lines)
    switching = Table(title=SWITCHING_TITLE, title_justify="left")
    longest = max((len(row[0]) for row in rows), default=9)
    switching.add_column("Criterion", no_wrap=True, min_width=longest)
    for name in ("Now", "Leader stays first", "0 ── share ── 1", "Raw weight"):
        switching.add_column(name, no_wrap=True)
    for name, *cells in rows:
        switching.add_row(rich_text(name), *cells)
    return switching


def _evidence_parts(evidence: EvidenceResult) -> list[RenderableType]:
    from rich.table import Table
    from rich.text import Text

    title = (
        f"Evidence uncertainty over {evidence.samples:,} samples (seed {evidence.seed};"
        f" weights: {evidence.weights}; items sampled: {', '.join(evidence.items) or 'none'})"
    )
    table = Table(title=rich_text(title), title_justify="left")
    table.add_column("Option", no_wrap=True, min_width=max(map(len, evidence.options), default=6))
    table.add_column("Recommended", no_wrap=True)
    table.add_column("P", justify="right")
    table.add_column("Verdicts")
    for option in evidence.options:
        p = evidence.recommended_probability[option]
        verdicts = ", ".join(
            f"{verdict_label(v)} {_percent(x)}"
            for v, x in evidence.verdict_probability[option].items()
            if x > 0
        )
        table.add_row(
            rich_text(option), Text(_bar(p), style="green"), _percent(p), rich_text(verdicts)
        )
    parts: list[RenderableType] = [table]
    if evidence.no_recommendation:
        parts.append(Text(f"No single recommendation in {evidence.no_recommendation:.1%}"))
    return parts

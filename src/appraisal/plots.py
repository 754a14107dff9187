"""Pictures of sensitivity analysis: tornado, spider and rank acceptability charts.

matplotlib is an optional extra (``pip install 'appraisal[plots]'``), imported
only when a chart is drawn. Figures are built with ``matplotlib.figure.Figure``
directly, never through pyplot, so drawing touches no global state and needs
no display. SVG output is reproducible: no date, a fixed id salt.
"""

from __future__ import annotations

import io
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .errors import AppraisalError, Location
from .output import check_output_folder, write_file, write_files
from .sensitivity import SensitivityReport, SMAAResult, WeightSweep

if TYPE_CHECKING:
    from matplotlib.figure import Figure

__all__ = [
    "FORMATS",
    "acceptability_chart",
    "figure_bytes",
    "require_matplotlib",
    "spider_chart",
    "tornado_chart",
    "write_plots",
]

FORMATS = ("svg", "png")
INSTALL = "pip install 'appraisal[plots]'"


def require_matplotlib() -> Any:
    """The matplotlib module, or an error saying how to install it."""
    try:
        import matplotlib
    except ImportError:
        raise AppraisalError(
            f"charts need matplotlib, which is not installed; install it with: {INSTALL}",
            Location(field="plots"),
        ) from None
    return matplotlib


def _figure(width: float, height: float) -> Figure:
    require_matplotlib()
    from matplotlib.figure import Figure

    return Figure(figsize=(width, height), layout="constrained")


def tornado_chart(sweeps: tuple[WeightSweep, ...], recommended: str | None = None) -> Figure:
    """How far each criterion's share among its siblings can move before the leader changes.

    One bar per criterion, from the switching value below the current share to
    the one above (the ends of the axis when the leader never changes); the
    narrowest bars, the most sensitive criteria, are on top.
    """
    ordered = sorted(
        sweeps,
        key=lambda s: (
            (s.switch_above if s.switch_above is not None else 1.0)
            - (s.switch_below if s.switch_below is not None else 0.0)
        ),
        reverse=True,
    )
    figure = _figure(7.5, 0.45 * len(ordered) + 1.4)
    axes = figure.add_subplot()
    for row, sweep in enumerate(ordered):
        low = sweep.switch_below if sweep.switch_below is not None else 0.0
        high = sweep.switch_above if sweep.switch_above is not None else 1.0
        axes.barh(row, sweep.share - low, left=low, color="#d95f02", height=0.6)
        axes.barh(row, high - sweep.share, left=sweep.share, color="#1b9e77", height=0.6)
        axes.plot([sweep.share], [row], marker="|", color="black", markersize=14)
    axes.set_yticks(range(len(ordered)), [s.criterion for s in ordered])
    axes.set_xlim(0, 1)
    axes.set_xlabel("share of the weight among its siblings (siblings rescaled in proportion)")
    leader = recommended or (ordered[0].leader[0] if ordered and ordered[0].leader else "")
    axes.set_title(f"Switching values: shares over which {leader} stays first")
    return figure


def spider_chart(sweeps: tuple[WeightSweep, ...]) -> Figure:
    """Every option's total against each criterion's share: one small panel per criterion."""
    columns = 3
    rows = max(1, -(-len(sweeps) // columns))
    figure = _figure(3.2 * columns, 2.6 * rows)
    grid = figure.subplots(rows, columns, squeeze=False, sharey=True)
    for k, axes in enumerate(grid.flat):
        if k >= len(sweeps):
            axes.set_visible(False)
            continue
        sweep = sweeps[k]
        for option, scores in sweep.scores.items():
            axes.plot(sweep.points, scores, label=option)
        axes.axvline(sweep.share, color="black", linewidth=0.8, linestyle="--")
        for crossing in sweep.crossings:
            axes.axvline(crossing.share, color="grey", linewidth=0.5, linestyle=":")
        axes.set_title(sweep.criterion, fontsize=9)
        axes.set_xlim(0, 1)
    grid.flat[0].set_ylabel("total score")
    handles, labels = grid.flat[0].get_legend_handles_labels()
    figure.legend(handles, labels, loc="outside lower center", ncols=min(4, len(labels)))
    figure.suptitle("Total score against each criterion's share (dashed: now)")
    return figure


def acceptability_chart(result: SMAAResult) -> Figure:
    """Stacked bars: the share of weight samples in which each option takes each rank."""
    figure = _figure(7.0, 0.6 * len(result.options) + 1.6)
    axes = figure.add_subplot()
    ranks = len(result.options)
    colours = [_rank_colour(r, ranks) for r in range(ranks)]
    for row, option in enumerate(result.options):
        left = 0.0
        for rank, share in enumerate(result.rank_acceptability[option]):
            axes.barh(
                row,
                share,
                left=left,
                color=colours[rank],
                label=f"rank {rank + 1}" if row == 0 else None,
            )
            left += share
    axes.set_yticks(range(ranks), list(result.options))
    axes.invert_yaxis()
    axes.set_xlim(0, 1)
    axes.set_xlabel(f"share of {result.samples:,} weight samples (seed {result.seed})")
    axes.set_title("Rank acceptability")
    figure.legend(loc="outside lower center", ncols=min(ranks, 5), fontsize=8)
    return figure


def _rank_colour(rank: int, ranks: int) -> tuple[float, float, float, float]:
    from matplotlib import colormaps

    colour: tuple[float, float, float, float] = colormaps["viridis"](rank / max(ranks - 1, 1))
    return colour


def _format(fmt: str, where: str) -> str:
    if fmt not in FORMATS:
        raise AppraisalError(
            f"charts are written as {' or '.join(FORMATS)}, not {fmt!r}", Location(where)
        )
    return fmt


def figure_bytes(figure: Figure, fmt: str) -> bytes:
    """A figure as the bytes of an svg or png file, drawn in memory.

    Drawing first and writing afterwards means a chart that fails to draw
    leaves no file half-written.
    """
    matplotlib = require_matplotlib()
    metadata = {"Date": None} if fmt == "svg" else {"Software": None}
    buffer = io.BytesIO()
    with matplotlib.rc_context({"svg.hashsalt": "appraisal", "svg.fonttype": "none"}):
        figure.savefig(buffer, format=fmt, metadata=metadata)
    return buffer.getvalue()


def save(figure: Figure, path: Path) -> Path:
    """Write a figure; its format follows the file's suffix (svg or png).

    The file is replaced whole or not at all (see ``appraisal.output``).
    """
    fmt = _format(path.suffix.lstrip(".").lower(), str(path))
    write_file(path, figure_bytes(figure, fmt))
    return path


def write_plots(
    report: SensitivityReport,
    directory: str | Path,
    fmt: str = "svg",
    inputs: Iterable[str | Path] = (),
) -> list[Path]:
    """The tornado, spider and acceptability charts of a report, written into ``directory``.

    All three are drawn in memory first, then written together: the folder
    ends up with the three new charts or, on any failure, with what it had.
    The folder and its missing parents are created. ``inputs`` are files
    that must not be overwritten (the scenario and rule base).
    """
    require_matplotlib()
    _format(fmt, "--plot-format")
    check_output_folder(directory)
    folder = Path(directory)
    charts = {
        folder / f"tornado.{fmt}": tornado_chart(report.sweeps, report.recommended),
        folder / f"spider.{fmt}": spider_chart(report.sweeps),
        folder / f"acceptability.{fmt}": acceptability_chart(report.smaa),
    }
    drawn = {path: figure_bytes(figure, fmt) for path, figure in charts.items()}
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise AppraisalError(
            f"cannot create it: {error.strerror or error}", Location(str(folder))
        ) from None
    write_files(drawn, inputs)
    return list(drawn)

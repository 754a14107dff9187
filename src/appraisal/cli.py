"""The ``appraisal`` command line.

The only module that prints. It maps ``AppraisalError`` (bad input) to one
clear message and exit code 2; anything else is a bug: exit code 1 with a short
message, and the traceback only with ``--debug``. Heavy modules are imported
inside each command, so ``--help`` and small commands start fast.

Output is rendered to memory, then written whole (``appraisal.output``): a
file named with ``-o`` is replaced atomically, or left as it was. A reader
that closes standard output early gives exit 141 and no message; SIGINT gives
130, SIGTERM 143 and SIGHUP 129, each with no traceback. Every report ends
with the reproducibility fingerprint of what it was computed from
(``appraisal.fingerprint``).
"""

from __future__ import annotations

import argparse
import gc
import os
import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager, suppress
from contextvars import ContextVar
from pathlib import Path
from typing import Any

__all__ = ["main"]

EXIT_OK, EXIT_BUG, EXIT_BAD_INPUT = 0, 1, 2
EXIT_TEST_FAILED = 1
"""``appraisal test`` found a scenario whose appraisal misses its expectations."""
FORMATS = ("text", "json", "md", "html")


def _console(stderr: bool = False) -> Any:
    from rich.console import Console

    return Console(stderr=stderr, highlight=False, soft_wrap=False)


def _emit(text: str, output: str | None, inputs: Sequence[str] = ()) -> None:
    """Text to standard output, or as the whole new content of ``output`` (said on stderr)."""
    from .output import write_output

    write_output(text, output, inputs)
    if output is not None:
        _wrote(output)


def _wrote(path: str | Path) -> None:
    """``wrote PATH`` on standard error: every file a command writes is named, once."""
    from .render._common import one_line

    sys.stderr.write(f"wrote {one_line(path)}\n")


def _check_output(output: str | None, inputs: Sequence[str] = ()) -> None:
    """Refuse an output path that cannot be written, before the work rather than after."""
    if output is not None:
        from .output import check_output

        check_output(output, inputs)


def _weights(pairs: Sequence[str]) -> dict[str, float]:
    from .errors import AppraisalError, Location

    weights: dict[str, float] = {}
    for pair in pairs:
        name, _, number = pair.partition("=")
        try:
            weights[name] = float(number)
        except ValueError:
            raise AppraisalError(
                f"expected CRITERION=NUMBER, found {pair!r}", Location("--weight")
            ) from None
        if weights[name] < 0:
            raise AppraisalError(f"weights cannot be negative ({pair})", Location("--weight"))
    return weights


def _shown_path(path: Path) -> str:
    """How a scenario's path appears in output, the same from any working directory.

    A relative path as given; a bundled scenario (named by name, or by an
    absolute path) from the bundled folder, ``scenarios/birmingham-2014.yaml``;
    any other absolute path as given.
    """
    from .loader import bundled_root

    if path.is_absolute():
        try:
            return path.resolve().relative_to(bundled_root().resolve()).as_posix()
        except (OSError, ValueError, RuntimeError):
            pass
    return str(path)


STARTING_THRESHOLD = 100_000
"""Allocations between young collections while a command starts (Python's default is 700)."""

_STARTING: ContextVar[tuple[int, ...] | None] = ContextVar("appraisal_starting", default=None)
"""While a command starts up (``_start_up``), the collector's thresholds to restore."""


@contextmanager
def _start_up() -> Iterator[None]:
    """A command, with cyclic garbage collection rare until its input is loaded.

    Starting up (the imports a command brings, loading its scenario or rule
    base) allocates objects that live as long as the command: modules,
    classes, validators, the rule base and its compiled model. The collector
    finds no garbage among them, only time, as it traverses them again and
    again while they pile up. So until the input is loaded (``_started``) a
    young collection waits for ``STARTING_THRESHOLD`` allocations rather than
    700: cycles are still collected, in every command, only seldom. Once the
    input is loaded, what is alive is frozen (``gc.freeze``), so later
    collections skip it, and the thresholds are restored. At the end
    everything is unfrozen and all is as it was. A caller that manages the
    collector itself (it is off, or objects are frozen already) is left alone.
    """
    if not gc.isenabled() or gc.get_freeze_count():
        yield
        return
    thresholds = gc.get_threshold()
    gc.set_threshold(STARTING_THRESHOLD, *thresholds[1:])
    token = _STARTING.set(thresholds)
    try:
        yield
    finally:
        _STARTING.reset(token)
        gc.unfreeze()
        gc.set_threshold(*thresholds)


def _started() -> None:
    """The input is loaded: what lives now is frozen, and collection is as usual again."""
    thresholds = _STARTING.get()
    if thresholds is not None:
        _STARTING.set(None)
        gc.freeze()
        gc.set_threshold(*thresholds)


def _load(scenario: str | None) -> Any:
    """The scenario loaded (``extends`` resolved), with its path as ``_shown_path`` shows it."""
    import dataclasses

    from .loader import load_scenario, resolve_scenario

    path = resolve_scenario(scenario)
    loaded = dataclasses.replace(load_scenario(path), path=_shown_path(path))
    _started()
    return loaded


def _inputs(loaded: Any) -> list[str]:
    """The files an appraisal of ``loaded`` reads: the scenario chain and the rule base."""
    return [*loaded.chain, loaded.rule_base_path]


def _check_sampling(args: argparse.Namespace) -> None:
    """``--samples`` positive and ``--seed`` non-negative, checked before any work."""
    from .errors import AppraisalError, Location

    for flag, value, least in (("--samples", args.samples, 1), ("--seed", args.seed, 0)):
        if value < least:
            wanted = "a positive" if least else "a non-negative"
            raise AppraisalError(f"must be {wanted} integer, not {value}", Location(flag))


def _checked_weights(loaded: Any, weight_pairs: Sequence[str]) -> dict[str, float]:
    from .errors import Location, UnknownReferenceError
    from .loader import criteria_paths

    weights = _weights(weight_pairs)
    known = criteria_paths(loaded.rule_base)
    for name in weights:
        if name not in known:
            raise UnknownReferenceError("criterion", name, known, Location("--weight"))
    return weights


def _appraise(scenario: str | None, weight_pairs: Sequence[str] = ()) -> Any:
    """The appraisal of a scenario under ``--weight`` overrides, with its fingerprint."""
    from .appraise import appraise
    from .fingerprint import scenario_fingerprint

    loaded = _load(scenario)
    weights = _checked_weights(loaded, weight_pairs)
    return appraise(loaded, weights=weights), scenario_fingerprint(loaded, weights=weights), loaded


# --------------------------------------------------------------------------- commands


def cmd_run(args: argparse.Namespace) -> int:
    """Appraise a scenario and show the ranking, verdicts and their drivers."""
    from . import render
    from .explain import summarise
    from .output import report_error

    appraisal, fingerprint, loaded = _appraise(args.scenario, args.weight)
    inputs = _inputs(loaded)
    _check_output(args.output, inputs)
    summary = summarise(appraisal, args.top)
    if args.format == "html":
        from .render.run_page import run_html

        _emit(run_html(summary, fingerprint=fingerprint), args.output, inputs)
    elif args.format == "json":
        _emit(render.appraisal_json(summary, fingerprint=fingerprint), args.output, inputs)
    elif args.format == "md":
        _emit(render.appraisal_markdown(summary, fingerprint=fingerprint), args.output, inputs)
    else:
        _show(render.appraisal_renderable(summary, fingerprint=fingerprint), args.output, inputs)
    if summary.drivers_undefined is not None:
        # The ranking stands and is shown; the rule base still contradicts itself on part
        # of the evidence, which is bad input, said on one located line as elsewhere.
        report_error(summary.drivers_undefined)
        return EXIT_BAD_INPUT
    return EXIT_OK


def _show(renderable: Any, output: str | None, inputs: Sequence[str] = ()) -> None:
    """A rich renderable, rendered whole, to the terminal or as the content of a file."""
    from .output import render_rich

    _emit(render_rich(renderable, to_file=output is not None), output, inputs)


def _yaml_files(paths: Sequence[str]) -> list[Path]:
    """The paths given, with a folder standing for the YAML files in it (and below).

    A folder, or a folder below it, that cannot be read is bad input: skipping
    it silently would let a check pass that looked at nothing.
    """
    import os

    from .errors import AppraisalError, Location

    def unreadable(error: OSError) -> None:
        raise AppraisalError(
            f"cannot read the folder: {error.strerror or error}", Location(str(error.filename))
        )

    found: list[Path] = []
    for name in paths:
        path = Path(name)
        if not path.is_dir():
            found.append(_given_or_bundled(path))
            continue
        inside: list[Path] = []
        for folder, folders, files in os.walk(path, onerror=unreadable):
            folders.sort()
            inside += [Path(folder, f) for f in files if f.endswith((".yaml", ".yml"))]
        found += sorted(inside)
    return found


def _given_or_bundled(path: Path) -> Path:
    """The path as given when anything is there; else the bundled scenario of that name, if any
    (so ``validate birmingham-2014`` works as ``run birmingham-2014`` does)."""
    from .loader import bundled_scenarios

    if os.path.lexists(path) or path.parent != Path("."):
        return path
    stem = path.name.removesuffix(".yaml").removesuffix(".yml")
    return bundled_scenarios().get(stem, path)


def cmd_validate(args: argparse.Namespace) -> int:
    """Check rule bases or scenarios, reporting every problem found."""
    from rich.console import Group
    from rich.text import Text

    from .errors import AppraisalError, Location
    from .loader import validate_file
    from .output import render_rich
    from .render._common import clean

    files = _yaml_files(args.paths)
    for name in args.paths:
        if Path(name).is_dir() and not any(Path(name) in f.parents for f in files):
            raise AppraisalError("no YAML files found in this folder", Location(name))
    status = EXIT_OK
    lines: list[Text] = []
    for path in files:
        result = validate_file(path)
        if result.errors:
            status = EXIT_BAD_INPUT
            for error in result.errors:
                lines.append(Text.assemble(("error", "red"), " ", clean(error)))
        for warning in result.warnings:
            lines.append(Text.assemble(("warning", "yellow"), " ", clean(warning)))
        if result.warnings and args.strict:
            status = EXIT_BAD_INPUT
        verdict = "invalid" if result.errors else "valid"
        kind = "" if result.kind == "unknown" else f"{result.kind} "  # not read: kind unknown
        lines.append(
            Text(
                clean(
                    f"{result.path}: {kind}{verdict} ({len(result.errors)} error(s),"
                    f" {len(result.warnings)} warning(s))"
                )
            )
        )
    if lines:  # soft wrap: one problem, one line, however narrow the terminal
        _emit(render_rich(Group(*lines), soft_wrap=True), None)
    return status


def cmd_compare(args: argparse.Namespace) -> int:
    """Appraise several scenarios, show them side by side, and say why each differs from the
    first: the evidence and weights that differ, and how far each moved every option."""
    from . import render
    from .comparison import compare_scenarios
    from .fingerprint import combined_fingerprint
    from .render.comparison import comparison_markdown, difference_data, difference_renderables

    runs = [_appraise(name) for name in args.scenarios]
    appraisals = [a for a, _, _ in runs]
    inputs = [path for _, _, loaded in runs for path in _inputs(loaded)]
    _check_output(args.output, inputs)
    base, base_loaded = appraisals[0], runs[0][2]
    differences = [
        compare_scenarios(base_loaded, loaded, base_result=base, other_result=appraisal)
        for appraisal, _, loaded in runs[1:]
    ]
    if args.format == "json":
        data = [
            {
                "scenario": a.scenario,
                "recommended": a.recommended,
                "options": {
                    o.id: {
                        "rank": o.rank,
                        "score": round(o.score, 6),
                        "verdict": o.verdict,
                        "excluded": o.excluded,
                    }
                    for o in a.options
                },
                **({"versus_base": difference_data(differences[i - 1])} if i else {}),
                "fingerprint": render.fingerprint_data(fingerprint),
            }
            for i, (a, fingerprint, _) in enumerate(runs)
        ]
        _emit(render.to_json(data, ensure_ascii=True), args.output, inputs)
        return EXIT_OK
    fingerprint = combined_fingerprint([f for _, f, _ in runs])
    if args.format == "md":
        _emit(comparison_markdown(appraisals, differences, fingerprint), args.output, inputs)
    else:
        from rich.console import Group

        from .render._common import footer_renderables

        why = [part for difference in differences for part in difference_renderables(difference)]
        table = render.comparison_renderable(appraisals)
        _show(Group(table, *why, *footer_renderables(fingerprint)), args.output, inputs)
    return EXIT_OK


def _rule_base_of(name: str | None) -> tuple[Any, str, list[str]]:
    """The rule base of a rule base file or of a scenario, its path, and the files read."""
    from .loader import load_rule_base, read_yaml, resolve_scenario

    path = resolve_scenario(name)
    data, _ = read_yaml(path)
    if isinstance(data, dict) and "criteria" in data:
        rule_base, _ = load_rule_base(path)
        _started()
        return rule_base, str(path), [str(path)]
    loaded = _load(name)
    return loaded.rule_base, loaded.rule_base_path, _inputs(loaded)


def cmd_graph(args: argparse.Namespace) -> int:
    """Export the graph of a rule base, or of a scenario with its state marked."""
    from . import render
    from .diagram import Detail
    from .fingerprint import rule_base_fingerprint
    from .graph import build_graph

    writers = {
        "mermaid": render.graph_mermaid,
        "md": render.graph_markdown,
        "dot": render.graph_dot,
        "graphml": render.graph_graphml,
        "json": render.graph_json,
    }
    detail: Detail = args.detail or ("full" if args.format in ("graphml", "json") else "overview")
    if _is_rule_base_file(args.path):
        rule_base, rule_base_path, inputs = _rule_base_of(args.path)
        _check_output(args.output, inputs)
        fingerprint = rule_base_fingerprint(rule_base_path)
        text = writers[args.format](build_graph(rule_base), fingerprint, detail=detail)
    else:
        appraisal, fingerprint, loaded = _appraise(args.path)
        inputs = _inputs(loaded)
        _check_output(args.output, inputs)
        graph = build_graph(loaded.rule_base)
        text = writers[args.format](graph, fingerprint, appraisal=appraisal, detail=detail)
    _emit(text, args.output, inputs)
    return EXIT_OK


def _is_rule_base_file(name: str | None) -> bool:
    """Whether a path (or bundled name) is a rule base rather than a scenario, by its content."""
    from .loader import read_yaml, resolve_scenario

    data, _ = read_yaml(resolve_scenario(name))
    return isinstance(data, dict) and "criteria" in data


def cmd_schema(args: argparse.Namespace) -> int:
    """Print the JSON Schema of a rule base or scenario file, for editors."""
    from .errors import AppraisalError, Location
    from .render import to_json
    from .schema import json_schema

    rule_base, inputs = None, list[str]()
    if args.rule_base is not None:
        if args.kind != "scenario":
            raise AppraisalError(
                "lists a rule base's facts in the scenario schema only", Location("--rule-base")
            )
        rule_base, _, inputs = _rule_base_of(args.rule_base)
    _check_output(args.output, inputs)
    _emit(to_json(json_schema(args.kind, rule_base), ensure_ascii=True), args.output, inputs)
    return EXIT_OK


def cmd_list(args: argparse.Namespace) -> int:
    """List the bundled scenarios."""
    from .loader import bundled_scenarios, read_yaml
    from .output import write_stdout
    from .render._common import one_line

    for name, path in bundled_scenarios().items():
        data, _ = read_yaml(path)
        title = data.get("title", "") if isinstance(data, dict) else ""
        write_stdout(f"{name}\t{one_line(title)}\n")
    return EXIT_OK


EXIT_CHECK_FAILED = 1
"""``appraisal check`` proved an option never recommended or a rule never fired."""


def cmd_check(args: argparse.Namespace) -> int:
    """Prove which options can ever be recommended and which rules can ever fire."""
    from .appraise import compile_rule_base
    from .errors import Location, UnknownReferenceError
    from .fingerprint import rule_base_fingerprint
    from .loader import criteria_paths
    from .reachability import reachability
    from .render.reachability import reachability_json, reachability_text

    rule_base, rule_base_path, inputs = _rule_base_of(args.path)
    _check_output(args.output, inputs)
    weights = _weights(args.weight)
    known = criteria_paths(rule_base)
    for name in weights:
        if name not in known:
            raise UnknownReferenceError("criterion", name, known, Location("--weight"))
    fingerprint = rule_base_fingerprint(
        rule_base_path, weights=weights, verdicts=not args.no_verdicts
    )
    result = reachability(compile_rule_base(rule_base), weights, verdicts=not args.no_verdicts)
    if args.format == "json":
        text = reachability_json(result, fingerprint=fingerprint)
    else:
        text = reachability_text(result, fingerprint=fingerprint)
    _emit(text, args.output, inputs)
    return EXIT_OK if result.ok else EXIT_CHECK_FAILED


def cmd_explain(args: argparse.Namespace) -> int:
    """Explain verdicts: attribution, trace, switching values, counterfactuals, narrative."""
    from . import render
    from .errors import AppraisalError, Location
    from .explain import explain, versus
    from .fingerprint import scenario_fingerprint

    if not 1 <= args.max_changes <= 3:
        raise AppraisalError(
            f"must be 1, 2 or 3, not {args.max_changes}", Location("--max-changes")
        )
    appraisal, fingerprint, loaded = _appraise(args.scenario, args.weight)
    inputs = _inputs(loaded)
    _check_output(args.output, inputs)
    weights = _weights(args.weight)
    if args.option is not None:
        appraisal.option(args.option)  # an unknown id fails here, with a suggestion
    if args.versus:
        a, b = args.versus
        pair = versus(appraisal, a, b)
        if args.format == "json":
            data = {**render.versus_data(pair), "fingerprint": render.fingerprint_data(fingerprint)}
            _emit(render.to_json(data, ensure_ascii=True), args.output, inputs)
        elif args.format == "md":
            _emit(render.versus_markdown(pair, fingerprint=fingerprint), args.output, inputs)
        else:
            _show(render.versus_renderable(pair, fingerprint=fingerprint), args.output, inputs)
        return EXIT_OK
    explanation = explain(appraisal, weights=weights, max_changes=args.max_changes)
    fingerprint = scenario_fingerprint(loaded, weights=weights, max_changes=args.max_changes)
    trace = not args.no_trace
    if args.format == "json":
        _emit(render.explanation_json(explanation, fingerprint=fingerprint), args.output, inputs)
    elif args.format == "md":
        text = render.explanation_markdown(explanation, args.option, trace, fingerprint=fingerprint)
        _emit(text, args.output, inputs)
    else:
        renderable = render.explanation_renderable(
            explanation, args.option, trace, fingerprint=fingerprint
        )
        _show(renderable, args.output, inputs)
    return EXIT_OK


def cmd_sensitivity(args: argparse.Namespace) -> int:
    """Weight sweeps and switching values, rank acceptability, and evidence uncertainty."""
    from contextlib import nullcontext

    from . import render
    from .fingerprint import scenario_fingerprint
    from .sensitivity import sensitivity

    _check_sampling(args)
    loaded = _load(args.scenario)
    inputs = _inputs(loaded)
    weights = _checked_weights(loaded, args.weight)
    _check_output(args.output, inputs)
    if args.plots is not None:  # fail before the work, not after it
        from .output import check_output_folder
        from .plots import require_matplotlib

        require_matplotlib()
        check_output_folder(args.plots)
    runs = 1 + int(args.evidence or args.joint)
    progress: Any = _progress() if sys.stderr.isatty() else None
    with progress if progress is not None else nullcontext():
        task = progress.add_task("sampling", total=args.samples * runs) if progress else None
        report = sensitivity(
            loaded,
            samples=args.samples,
            seed=args.seed,
            evidence=args.evidence,
            joint=args.joint,
            weights=weights,
            progress=(lambda n: progress.advance(task, n)) if progress else None,
        )
    fingerprint = scenario_fingerprint(
        loaded,
        weights=weights,
        samples=args.samples,
        seed=args.seed,
        evidence=args.evidence,
        joint=args.joint,
    )
    if args.format == "json":
        text = render.sensitivity_json(report, fingerprint=fingerprint)
    else:
        from .output import render_rich

        renderable = render.sensitivity_renderable(report, fingerprint=fingerprint)
        text = render_rich(renderable, to_file=args.output is not None)
    if args.plots is not None:
        from .plots import write_plots

        for path in write_plots(report, args.plots, args.plot_format, inputs):
            _wrote(path)
    _emit(text, args.output, inputs)
    return EXIT_OK


def _progress() -> Any:
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeElapsedColumn

    return Progress(
        "{task.description}",
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=_console(stderr=True),
        transient=True,
    )


def _scenario_files(paths: Sequence[str]) -> list[Path]:
    """Scenario files: those given (or bundled by name), and the scenarios in each folder.

    A folder usually holds rule bases beside its scenarios, so within a folder
    only files that name a ``rule_base`` or ``extends`` one are scenarios; a
    file named explicitly must be one.
    """
    from .errors import AppraisalError, Location
    from .loader import display_path, read_yaml, resolve_scenario

    found: dict[Path, None] = {}
    for name in paths:
        if Path(name).is_dir():
            for path in _yaml_files([name]):
                data, _ = read_yaml(path)
                if isinstance(data, dict) and ("rule_base" in data or "extends" in data):
                    found.setdefault(path, None)
            continue
        path = resolve_scenario(name)
        data, _ = read_yaml(path)
        if isinstance(data, dict) and "criteria" in data:
            raise AppraisalError("a rule base, not a scenario", Location(display_path(path)))
        found.setdefault(path, None)
    unique: dict[Path, Path] = {}
    for path in found:
        unique.setdefault(path.resolve(), path)
    return list(unique.values())


def cmd_test(args: argparse.Namespace) -> int:
    """Check every scenario's ``expect`` block against its appraisal; exit 1 on a miss."""
    import dataclasses

    from . import render
    from .expectations import check_expectations
    from .fingerprint import combined_fingerprint, scenario_fingerprint
    from .loader import bundled_root, load_scenario

    paths = args.paths or [str(bundled_root() / "scenarios")]
    loaded = [
        dataclasses.replace(load_scenario(path), path=_shown_path(path))
        for path in _scenario_files(paths)
    ]
    _started()
    inputs = [path for scenario in loaded for path in _inputs(scenario)]
    _check_output(args.output, inputs)
    results = [check_expectations(scenario) for scenario in loaded]
    fingerprint = combined_fingerprint([scenario_fingerprint(scenario) for scenario in loaded])
    if args.format == "json":
        _emit(render.expectations_json(results, fingerprint=fingerprint), args.output, inputs)
        warning = render.no_expectations_warning(results)
        if warning:
            sys.stderr.write(f"warning: {warning}\n")
    else:
        renderable = render.expectations_renderable(results, fingerprint=fingerprint)
        _show(renderable, args.output, inputs)
    return EXIT_TEST_FAILED if any(r.status == "fail" for r in results) else EXIT_OK


def _report_format(args: argparse.Namespace) -> str:
    """The report format asked for; by default HTML for a file (Markdown for a ``.md``
    one) and Markdown on standard output."""
    if args.format is not None:
        return str(args.format)
    if args.output is None:
        return "md"
    return "md" if Path(args.output).suffix.lower() in (".md", ".markdown") else "html"


def cmd_report(args: argparse.Namespace) -> int:
    """Write the briefing: recommendation, what would change it, scores, tree, narrative,
    evidence, robustness, graph and fingerprint, as one HTML file or as Markdown."""
    from .briefing import brief
    from .render.report import briefing_html, briefing_markdown

    _check_sampling(args)
    loaded = _load(args.scenario)
    inputs = _inputs(loaded)
    weights = _checked_weights(loaded, args.weight)
    _check_output(args.output, inputs)
    briefing = brief(loaded, weights=weights, samples=args.samples, seed=args.seed)
    fmt = _report_format(args)
    text = briefing_html(briefing) if fmt == "html" else briefing_markdown(briefing)
    _emit(text, args.output, inputs)
    return EXIT_OK


def cmd_init(args: argparse.Namespace) -> int:
    """Write a small, valid, commented rule base and scenario to start from."""
    from .output import write_stdout
    from .starter import write_starter

    written = write_starter(args.folder, args.name, force=args.force)
    write_stdout("".join(f"wrote {path}\n" for path in (written.rule_base, written.scenario)))
    write_stdout(_next_steps(written.folder, written.scenario))
    return EXIT_OK


def _next_steps(folder: Path, scenario: Path) -> str:
    """The commands to run next, with paths that work from where the user is."""
    import shlex

    try:
        inside = folder.resolve().is_relative_to(Path.cwd().resolve())
    except OSError:
        inside = False
    lines = ["", "Next:"]
    if inside:
        base, shown = folder, scenario
    else:
        lines.append(f"  cd {shlex.quote(str(folder))}")
        base, shown = Path("."), scenario.relative_to(folder)
    quoted = shlex.quote(str(shown))
    lines += [
        f"  appraisal validate {shlex.quote(str(base))}",
        f"  appraisal run {quoted}",
        f"  appraisal explain {quoted}",
        "",
        "Then edit both files into your own appraisal (docs/tutorial.md shows how),",
        f"and keep `appraisal test {shlex.quote(str(base / 'scenarios'))}` passing.",
    ]
    return "\n".join(lines) + "\n"


# --------------------------------------------------------------------------- parser


def _count(text: str) -> int:
    """A whole number of zero or more, for argparse (which reports the error itself)."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, found {text!r}") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be zero or more, not {value}")
    return value


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="appraisal",
        description="Rules-based options appraisal: evidence and rules in, ranked and explained"
        " verdicts out. With no command, appraises the bundled Birmingham 2014 scenario.",
    )
    parser.add_argument(
        "--version", action=_VersionAction, help="print appraisal's version and exit"
    )
    parser.add_argument("--debug", action="store_true", help="show tracebacks of internal errors")
    parser.add_argument(
        "--allow-outside-paths",
        action="store_true",
        help="let scenarios name files (extends:, rule_base:) outside their folder,"
        " the working folder and the bundled rules",
    )
    commands = parser.add_subparsers(
        dest="command", metavar="COMMAND", help="what to do (default: run)"
    )

    def add(
        name: str,
        handler: Callable[[argparse.Namespace], int],
        help_: str,
        *,
        scenario: bool = False,
    ) -> Any:
        """A subcommand; ``scenario`` adds the options every scenario command shares."""
        sub = commands.add_parser(name, help=help_, description=help_)
        sub.set_defaults(handler=handler)
        if scenario:
            sub.add_argument("scenario", nargs="?", help=scenario_help)
            sub.add_argument(
                "--weight",
                action="append",
                default=[],
                metavar="CRITERION=W",
                help="override a criterion's weight (repeatable)",
            )
            sub.add_argument("-o", "--output", metavar="FILE", help=output_help)
        return sub

    def formats(sub: Any, choices: Sequence[str], what: str) -> None:
        """``--format``, with the formats named in its help."""
        sub.add_argument(
            "--format",
            choices=choices,
            default=choices[0],
            help=f"{what} (default {choices[0]})",
        )

    output_help = "write to FILE instead of standard output (and say so on standard error)"

    scenario_help = "scenario file, or the name of a bundled one (default: birmingham-2014)"
    run = add(
        "run",
        cmd_run,
        "appraise a scenario: ranking, scores, verdicts and their drivers",
        scenario=True,
    )
    formats(run, FORMATS, "terminal tables, JSON, Markdown or an HTML table")
    run.add_argument("--top", type=_count, default=3, help="drivers shown per option (default 3)")

    validate = add(
        "validate",
        cmd_validate,
        "check rule bases or scenarios (files or folders) for every problem",
    )
    validate.add_argument(
        "paths",
        nargs="+",
        metavar="PATH",
        help="rule base or scenario files, folders (every .yaml file in them), or bundled"
        " scenario names",
    )
    validate.add_argument("--strict", action="store_true", help="treat warnings as errors")

    check = add(
        "check",
        cmd_check,
        "prove which options can ever be recommended and which rules can ever fire",
    )
    check.add_argument(
        "path", nargs="?", help="rule base or scenario (default: birmingham-2014's rule base)"
    )
    formats(check, ("text", "json"), "the report or JSON")
    check.add_argument(
        "--weight",
        action="append",
        default=[],
        metavar="CRITERION=W",
        help="override a criterion's weight (repeatable)",
    )
    check.add_argument(
        "--no-verdicts", action="store_true", help="leave out the verdicts each option can get"
    )
    check.add_argument("-o", "--output", metavar="FILE", help=output_help)

    compare = add(
        "compare",
        cmd_compare,
        "appraise scenarios side by side, and say which evidence and weights moved each option",
    )
    compare.add_argument(
        "scenarios",
        nargs="+",
        metavar="SCENARIO",
        help="scenario files or bundled names; the first is the base the others are compared with",
    )
    formats(compare, ("text", "json", "md"), "terminal tables, JSON or Markdown")
    compare.add_argument("-o", "--output", metavar="FILE", help=output_help)

    graph = add(
        "graph",
        cmd_graph,
        "export the graph of options, causes, criteria, gates and rules (a scenario's marked)",
    )
    graph.add_argument(
        "path",
        nargs="?",
        metavar="PATH",
        help="scenario (its state is marked) or rule base, a file or a bundled scenario's name"
        " (default: birmingham-2014)",
    )
    graph.add_argument(
        "--format",
        choices=("mermaid", "md", "dot", "graphml", "json"),
        default="mermaid",
        help="mermaid (default), md (Mermaid in a fenced block, with a key), dot (Graphviz),"
        " graphml, or json (networkx node-link)",
    )
    graph.add_argument(
        "--detail",
        choices=("overview", "full"),
        help="overview: rules folded into option-criterion and option-gate edges; full: every"
        " fact, finding and rule (default: overview for mermaid, md and dot; full for graphml"
        " and json)",
    )
    graph.add_argument("-o", "--output", metavar="FILE", help=output_help)

    schema = add("schema", cmd_schema, "print the JSON Schema of the YAML files, for editors")
    schema.add_argument(
        "kind", choices=("rule-base", "scenario"), help="which file the schema describes"
    )
    schema.add_argument(
        "--rule-base",
        metavar="PATH",
        help="scenario schema only: list this rule base's fact and criterion ids (a rule base,"
        " or a scenario or bundled name for its rule base), so an editor completes them",
    )
    schema.add_argument("-o", "--output", metavar="FILE", help=output_help)

    sens = add(
        "sensitivity",
        cmd_sensitivity,
        "how robust the recommendation is: switching values, rank acceptability, evidence",
        scenario=True,
    )
    sens.add_argument("--samples", type=int, default=10_000, help="Monte Carlo samples (10000)")
    sens.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    sens.add_argument(
        "--evidence", action="store_true", help="also sample which evidence holds (confidence)"
    )
    sens.add_argument("--joint", action="store_true", help="sample evidence and weights together")
    sens.add_argument(
        "--plots", metavar="DIR", help="write tornado, spider and acceptability charts there"
    )
    sens.add_argument(
        "--plot-format", choices=("svg", "png"), default="svg", help="chart format (default svg)"
    )
    formats(sens, ("text", "json"), "terminal tables or JSON")

    explain_ = add(
        "explain",
        cmd_explain,
        "explain verdicts: evidence attribution, trace, switching values, narrative",
        scenario=True,
    )
    explain_.add_argument("--option", metavar="ID", help="explain this option only")
    explain_.add_argument(
        "--versus",
        nargs=2,
        metavar=("A", "B"),
        help="why A over B: the criteria, rules and evidence that separate them",
    )
    formats(explain_, ("text", "json", "md"), "terminal, JSON or Markdown")
    explain_.add_argument(
        "--max-changes",
        type=int,
        default=2,
        metavar="N",
        help="largest set of evidence changes searched (1 to 3, default 2)",
    )
    explain_.add_argument("--no-trace", action="store_true", help="leave out the evidence trees")

    test = add(
        "test",
        cmd_test,
        "check scenarios' expectations (expect:) against their appraisal",
    )
    test.add_argument(
        "paths",
        nargs="*",
        metavar="PATH",
        help="scenario files, bundled scenario names or folders (default: the bundled scenarios)",
    )
    formats(test, ("text", "json"), "the report or JSON")
    test.add_argument("-o", "--output", metavar="FILE", help=output_help)

    report = add(
        "report",
        cmd_report,
        "write the briefing: recommendation, what would change it, scores, charts, evidence,"
        " robustness and graph, as one HTML file or Markdown",
        scenario=True,
    )
    report.add_argument(
        "--format",
        choices=("html", "md"),
        help="html: one self-contained page to open, share or print to PDF; md: Markdown with"
        " a Mermaid graph (default: html when -o names a file, md for a .md file or standard"
        " output)",
    )
    report.add_argument(
        "--samples",
        type=int,
        default=10_000,
        help="weight and evidence samples for the robustness section (default 10000)",
    )
    report.add_argument(
        "--seed", type=int, default=0, help="random seed of the samples (default 0)"
    )

    add("list", cmd_list, "list the bundled scenarios")

    init = add(
        "init",
        cmd_init,
        "write a small, commented rule base and scenario to start your own appraisal from",
    )
    init.add_argument("folder", metavar="DIR", help="the folder to write into (created if need be)")
    init.add_argument(
        "--name",
        metavar="NAME",
        help="the rule base's id and the files' name (default: the folder's name)",
    )
    init.add_argument(
        "--force",
        action="store_true",
        help="write into a folder that is not empty, replacing the two files if they exist",
    )
    # Listed in --help in the order a new user meets them, whatever order they were added in.
    listed = commands._choices_actions
    listed.sort(key=lambda a: COMMAND_ORDER.index(a.dest) if a.dest in COMMAND_ORDER else 99)
    return parser


COMMAND_ORDER = (
    "run",
    "explain",
    "report",
    "sensitivity",
    "compare",
    "graph",
    "init",
    "validate",
    "test",
    "check",
    "schema",
    "list",
)
"""The order of the commands in ``appraisal --help``: reading results first, then
authoring and checking a rule base, then the tools around them."""


def version() -> str:
    """The installed package's version, from its metadata (the source's own, when not
    installed)."""
    from importlib.metadata import PackageNotFoundError
    from importlib.metadata import version as installed

    try:
        return installed("appraisal")
    except PackageNotFoundError:
        from .version import __version__

        return __version__


class _VersionAction(argparse.Action):
    """``--version``: reads the version only when asked, so other commands start no slower."""

    def __init__(self, option_strings: Sequence[str], dest: str, **kwargs: Any) -> None:
        super().__init__(option_strings, dest, nargs=0, default=argparse.SUPPRESS, **kwargs)

    def __call__(self, parser: argparse.ArgumentParser, *args: Any, **kwargs: Any) -> None:
        sys.stdout.write(f"appraisal {version()}\n")
        parser.exit()


EXIT_INTERRUPTED = 130
"""128 + SIGINT: Ctrl-C, at any moment, with no traceback."""
EXIT_CLOSED_PIPE = 141
"""128 + SIGPIPE: the reader of standard output stopped early (``appraisal list | head``),
as a shell reports a process that SIGPIPE stops. Not an error, so no message."""


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``appraisal`` command; returns the exit code.

    Signals become exceptions while it runs (``output.handled_signals``), so
    an interrupted command removes its temporary files and exits 128 + the
    signal's number; standard output is flushed here, so a closed pipe is
    seen here too, whatever printed.
    """
    from .output import Terminated, handled_signals, raise_if_signalled

    debug = "--debug" in (sys.argv[1:] if argv is None else argv)
    try:  # a signal can also land while the handlers are being set or restored
        with handled_signals(), _start_up():
            try:
                code = _main(argv)
            except BrokenPipeError:  # argparse's own help or error, to a closed pipe
                code = _closed_pipe()
            except Exception as error:  # a bug, before the arguments were read
                if debug:
                    raise
                raise_if_signalled()  # or a signal's exception, swallowed on the way
                code = _internal_error(error)
            raise_if_signalled()  # a signal whose exception was swallowed still stops it
            return code
    except KeyboardInterrupt:
        return EXIT_INTERRUPTED
    except Terminated as signal:
        return 128 + signal.signum


def _main(argv: Sequence[str] | None) -> int:
    from .errors import AppraisalError
    from .output import report_error

    parser = build_parser()
    argv = list(sys.argv[1:] if argv is None else argv)
    try:
        args = parser.parse_args(argv)
        if args.command is None:
            args = parser.parse_args([*argv, "run"])
    except SystemExit:  # --help, or a usage error: flush what argparse wrote, here
        sys.stdout.flush()
        raise
    try:
        from .loader import outside_paths_allowed

        with outside_paths_allowed(args.allow_outside_paths):
            code = int(args.handler(args))
        sys.stdout.flush()
        return code
    except AppraisalError as error:
        report_error(str(error))
        return EXIT_BAD_INPUT
    except BrokenPipeError:  # the reader stopped early: not a bug
        return _closed_pipe()
    except Exception as error:  # a bug, not bad input
        if args.debug:
            raise
        return _internal_error(error)


def _closed_pipe() -> int:
    """Standard output now goes nowhere, so the interpreter's last flush cannot fail again."""
    with suppress(Exception):
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    return EXIT_CLOSED_PIPE


def _internal_error(error: Exception) -> int:
    from .render._common import clean

    with suppress(OSError):
        sys.stderr.write(
            f"internal error: {type(error).__name__}: {clean(error)}\n"
            "This is a bug in appraisal; rerun with --debug for the traceback and report it.\n"
        )
        sys.stderr.flush()
    return EXIT_BUG


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())

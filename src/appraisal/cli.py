"""The ``appraisal`` command line.

The only module that prints. It maps ``AppraisalError`` (bad input) to one
clear message and exit code 2; anything else is a bug: exit code 1 with a short
message, and the traceback only with ``--debug``. Heavy modules are imported
inside each command, so ``--help`` and small commands start fast.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

__all__ = ["main"]

EXIT_OK, EXIT_BUG, EXIT_BAD_INPUT = 0, 1, 2
EXIT_TEST_FAILED = 1
"""``appraisal test`` found a scenario whose appraisal misses its expectations."""
FORMATS = ("text", "json", "md", "html")


def _console(stderr: bool = False) -> Any:
    from rich.console import Console

    return Console(stderr=stderr, highlight=False, soft_wrap=False, emoji=False)


def _emit(text: str, output: str | None) -> None:
    if output:
        Path(output).write_text(text, encoding="utf-8")
    else:
        sys.stdout.write(text if text.endswith("\n") else text + "\n")


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


def _appraise(scenario: str | None, weight_pairs: Sequence[str] = ()) -> Any:
    from .appraise import appraise
    from .errors import Location, UnknownReferenceError
    from .loader import criteria_paths, load_scenario, resolve_scenario

    loaded = load_scenario(resolve_scenario(scenario))
    weights = _weights(weight_pairs)
    known = criteria_paths(loaded.rule_base)
    for name in weights:
        if name not in known:
            raise UnknownReferenceError("criterion", name, known, Location("--weight"))
    return appraise(loaded, weights=weights)


# --------------------------------------------------------------------------- commands


def cmd_run(args: argparse.Namespace) -> int:
    """Appraise a scenario and show the ranking, verdicts and their drivers."""
    from . import render

    appraisal = _appraise(args.scenario, args.weight)
    if args.format == "json":
        _emit(render.appraisal_json(appraisal, args.top), args.output)
    elif args.format == "md":
        _emit(render.appraisal_markdown(appraisal, args.top), args.output)
    elif args.format == "html":
        _emit(render.appraisal_html(appraisal), args.output)
    else:
        _show(render.appraisal_renderable(appraisal, args.top), args.output)
    return EXIT_OK


def _show(renderable: Any, output: str | None) -> None:
    """Print a rich renderable to the terminal, or to a file (closed afterwards)."""
    if output is None:
        _console().print(renderable)
        return
    from rich.console import Console

    with open(output, "w", encoding="utf-8") as handle:
        Console(file=handle, width=120, highlight=False).print(renderable)


def _yaml_files(paths: Sequence[str]) -> list[Path]:
    """The paths given, with a folder standing for the YAML files in it (and below)."""
    found: list[Path] = []
    for name in paths:
        path = Path(name)
        if path.is_dir():
            found += sorted(p for p in path.rglob("*") if p.suffix in (".yaml", ".yml"))
        else:
            found.append(path)
    return found


def cmd_validate(args: argparse.Namespace) -> int:
    """Check rule bases or scenarios, reporting every problem found."""
    from rich.markup import escape

    from .loader import validate_file

    console = _console()
    status = EXIT_OK
    for path in _yaml_files(args.paths):
        result = validate_file(path)
        if result.errors:
            status = EXIT_BAD_INPUT
            for error in result.errors:
                console.print(f"[red]error[/red] {escape(str(error))}")
        for warning in result.warnings:
            console.print(f"[yellow]warning[/yellow] {escape(warning)}")
        if result.warnings and args.strict:
            status = EXIT_BAD_INPUT
        verdict = "invalid" if result.errors else "valid"
        console.print(
            f"{result.path}: {result.kind} {verdict} ({len(result.errors)} error(s),"
            f" {len(result.warnings)} warning(s))"
        )
    return status


def cmd_compare(args: argparse.Namespace) -> int:
    """Appraise several scenarios and show them side by side."""
    import json

    from . import render

    appraisals = [_appraise(name) for name in args.scenarios]
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
            }
            for a in appraisals
        ]
        _emit(json.dumps(data, indent=2), args.output)
    else:
        _show(render.comparison_renderable(appraisals), args.output)
    return EXIT_OK


def cmd_graph(args: argparse.Namespace) -> int:
    """Export the rule base graph of a scenario (or of a rule base file)."""
    from . import render
    from .graph import build_graph
    from .loader import load_rule_base, load_scenario, read_yaml, resolve_scenario

    path = resolve_scenario(args.path)
    data, _ = read_yaml(path)
    if isinstance(data, dict) and "criteria" in data:
        rule_base, _ = load_rule_base(path)
    else:
        rule_base = load_scenario(path).rule_base
    graph = build_graph(rule_base)
    text = render.graph_dot(graph) if args.format == "dot" else render.graph_mermaid(graph)
    _emit(text, args.output)
    return EXIT_OK


def cmd_schema(args: argparse.Namespace) -> int:
    """Print the JSON Schema of a rule base or scenario file, for editors."""
    import json

    from .models import RuleBase, Scenario

    model = RuleBase if args.kind == "rule-base" else Scenario
    _emit(json.dumps(model.model_json_schema(), indent=2), args.output)
    return EXIT_OK


def cmd_list(args: argparse.Namespace) -> int:
    """List the bundled scenarios."""
    from .loader import bundled_scenarios, read_yaml

    for name, path in bundled_scenarios().items():
        data, _ = read_yaml(path)
        title = data.get("title", "") if isinstance(data, dict) else ""
        sys.stdout.write(f"{name}\t{title}\n")
    return EXIT_OK


EXIT_CHECK_FAILED = 1
"""``appraisal check`` proved an option never recommended or a rule never fired."""


def cmd_check(args: argparse.Namespace) -> int:
    """Prove which options can ever be recommended and which rules can ever fire."""
    from .appraise import compile_rule_base
    from .errors import Location, UnknownReferenceError
    from .loader import criteria_paths, load_rule_base, load_scenario, read_yaml, resolve_scenario
    from .reachability import reachability
    from .render.reachability import reachability_json, reachability_text

    path = resolve_scenario(args.path)
    data, _ = read_yaml(path)
    if isinstance(data, dict) and "criteria" in data:
        rule_base, _ = load_rule_base(path)
    else:
        rule_base = load_scenario(path).rule_base
    weights = _weights(args.weight)
    known = criteria_paths(rule_base)
    for name in weights:
        if name not in known:
            raise UnknownReferenceError("criterion", name, known, Location("--weight"))
    result = reachability(compile_rule_base(rule_base), weights, verdicts=not args.no_verdicts)
    text = reachability_json(result) if args.format == "json" else reachability_text(result)
    _emit(text, args.output)
    return EXIT_OK if result.ok else EXIT_CHECK_FAILED


def cmd_explain(args: argparse.Namespace) -> int:
    """Explain verdicts: attribution, trace, switching values, counterfactuals, narrative."""
    from . import render
    from .errors import AppraisalError, Location
    from .explain import explain, versus

    if not 1 <= args.max_changes <= 3:
        raise AppraisalError(
            f"must be 1, 2 or 3, not {args.max_changes}", Location("--max-changes")
        )
    appraisal = _appraise(args.scenario, args.weight)
    weights = _weights(args.weight)
    if args.option is not None:
        appraisal.option(args.option)  # an unknown id fails here, with a suggestion
    if args.versus:
        a, b = args.versus
        pair = versus(appraisal, a, b)
        if args.format == "json":
            import json

            _emit(json.dumps(render.versus_data(pair), indent=2), args.output)
        elif args.format == "md":
            _emit(render.versus_markdown(pair), args.output)
        else:
            _show(render.versus_renderable(pair), args.output)
        return EXIT_OK
    explanation = explain(appraisal, weights=weights, max_changes=args.max_changes)
    if args.format == "json":
        _emit(render.explanation_json(explanation), args.output)
    elif args.format == "md":
        _emit(render.explanation_markdown(explanation, args.option, not args.no_trace), args.output)
    else:
        _show(
            render.explanation_renderable(explanation, args.option, not args.no_trace), args.output
        )
    return EXIT_OK


def cmd_sensitivity(args: argparse.Namespace) -> int:
    """Weight sweeps and switching values, rank acceptability, and evidence uncertainty."""
    from contextlib import nullcontext

    from . import render
    from .errors import AppraisalError, Location, UnknownReferenceError
    from .loader import criteria_paths, load_scenario, resolve_scenario
    from .sensitivity import sensitivity

    for flag, value, least in (("--samples", args.samples, 1), ("--seed", args.seed, 0)):
        if value < least:
            wanted = "a positive" if least else "a non-negative"
            raise AppraisalError(f"must be {wanted} integer, not {value}", Location(flag))
    loaded = load_scenario(resolve_scenario(args.scenario))
    weights = _weights(args.weight)
    known = criteria_paths(loaded.rule_base)
    for name in weights:
        if name not in known:
            raise UnknownReferenceError("criterion", name, known, Location("--weight"))
    if args.plots:
        from .plots import require_matplotlib

        require_matplotlib()  # fail before the work, not after it
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
    if args.plots:
        from .plots import write_plots

        for path in write_plots(report, args.plots, args.plot_format):
            sys.stderr.write(f"wrote {path}\n")
    if args.format == "json":
        _emit(render.sensitivity_json(report), args.output)
    else:
        _show(render.sensitivity_renderable(report), args.output)
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
    from . import render
    from .expectations import check_expectations
    from .loader import bundled_root

    paths = args.paths or [str(bundled_root() / "scenarios")]
    results = [check_expectations(path) for path in _scenario_files(paths)]
    if args.format == "json":
        _emit(render.expectations_json(results), args.output)
        warning = render.no_expectations_warning(results)
        if warning:
            sys.stderr.write(f"warning: {warning}\n")
    else:
        _show(render.expectations_renderable(results), args.output)
    return EXIT_TEST_FAILED if any(r.status == "fail" for r in results) else EXIT_OK


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
    parser.add_argument("--debug", action="store_true", help="show tracebacks of internal errors")
    parser.add_argument(
        "--allow-outside-paths",
        action="store_true",
        help="let scenarios name files (extends:, rule_base:) outside their folder,"
        " the working folder and the bundled rules",
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

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
            sub.add_argument("-o", "--output", help="write to this file instead of standard output")
        return sub

    scenario_help = "scenario file, or the name of a bundled one (default: birmingham-2014)"
    run = add(
        "run",
        cmd_run,
        "appraise a scenario: ranking, scores, verdicts and their drivers",
        scenario=True,
    )
    run.add_argument("--format", choices=FORMATS, default="text")
    run.add_argument("--top", type=_count, default=3, help="drivers shown per option (default 3)")

    validate = add(
        "validate",
        cmd_validate,
        "check rule bases or scenarios (files or folders) for every problem",
    )
    validate.add_argument("paths", nargs="+", metavar="PATH")
    validate.add_argument("--strict", action="store_true", help="treat warnings as errors")

    check = add(
        "check",
        cmd_check,
        "prove which options can ever be recommended and which rules can ever fire",
    )
    check.add_argument(
        "path", nargs="?", help="rule base or scenario (default: birmingham-2014's rule base)"
    )
    check.add_argument("--format", choices=("text", "json"), default="text")
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
    check.add_argument("-o", "--output")

    compare = add("compare", cmd_compare, "appraise several scenarios side by side")
    compare.add_argument("scenarios", nargs="+", metavar="SCENARIO")
    compare.add_argument("--format", choices=("text", "json"), default="text")
    compare.add_argument("-o", "--output")

    graph = add("graph", cmd_graph, "export the graph of causes, rules, findings and options")
    graph.add_argument("path", nargs="?", help="scenario or rule base (default: birmingham-2014)")
    graph.add_argument("--format", choices=("mermaid", "dot"), default="mermaid")
    graph.add_argument("-o", "--output")

    schema = add("schema", cmd_schema, "print the JSON Schema of the YAML files")
    schema.add_argument("kind", choices=("rule-base", "scenario"))
    schema.add_argument("-o", "--output")

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
    sens.add_argument("--plot-format", choices=("svg", "png"), default="svg")
    sens.add_argument("--format", choices=("text", "json"), default="text")

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
    explain_.add_argument("--format", choices=("text", "json", "md"), default="text")
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
    test.add_argument("--format", choices=("text", "json"), default="text")
    test.add_argument("-o", "--output")

    add("list", cmd_list, "list the bundled scenarios")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``appraisal`` command; returns the exit code."""
    parser = build_parser()
    argv = list(sys.argv[1:] if argv is None else argv)
    args = parser.parse_args(argv)
    if args.command is None:
        args = parser.parse_args([*argv, "run"])
    from .errors import AppraisalError

    try:
        from .loader import outside_paths_allowed

        with outside_paths_allowed(args.allow_outside_paths):
            return int(args.handler(args))
    except AppraisalError as error:
        from rich.markup import escape

        _console(stderr=True).print(
            f"[bold red]error:[/bold red] {escape(str(error))}", soft_wrap=True
        )
        return EXIT_BAD_INPUT
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:  # the reader stopped early (``appraisal list | head``): not a bug
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 141
    except Exception as error:  # a bug, not bad input
        if args.debug:
            raise
        sys.stderr.write(
            f"internal error: {type(error).__name__}: {error}\n"
            "This is a bug in appraisal; rerun with --debug for the traceback and report it.\n"
        )
        return EXIT_BUG


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())

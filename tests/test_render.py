"""Rendering is pure: results in, text or renderables out."""

from __future__ import annotations

import copy
import io
import json
import re
import shutil
import subprocess
from pathlib import Path

import networkx as nx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from rich.console import Console

import appraisal
from appraisal import render
from appraisal.diagram import diagram
from appraisal.explain import summarise
from appraisal.graph import build_graph
from appraisal.models import RuleBase
from appraisal.render.run_page import run_html

from .conftest import BIRMINGHAM, SMALL_RULE_BASE


@pytest.fixture(scope="module")
def result() -> appraisal.Appraisal:
    return appraisal.appraise(BIRMINGHAM)


def text_of(renderable: object) -> str:
    console = Console(width=160, record=True, file=io.StringIO())
    console.print(renderable)
    return console.export_text()


def test_terminal_output_cites_paragraphs(result: appraisal.Appraisal) -> None:
    text = text_of(render.appraisal_renderable(summarise(result)))
    assert "Recommended: IV. Commissioner, expert panel and directions" in text
    assert "fails gate capable_partner" in text
    assert "le-grand-2014, para 9.5" in text


def test_json_round_trips(result: appraisal.Appraisal) -> None:
    data = json.loads(render.appraisal_json(summarise(result)))
    assert data["recommended"] == "commissioner"
    assert [o["id"] for o in data["options"]][0] == "commissioner"
    split = next(o for o in data["options"] if o["id"] == "commissioning_split")
    assert split["verdict"] == "longer_term_potential"


def test_markdown_and_html(result: appraisal.Appraisal) -> None:
    markdown = render.appraisal_markdown(summarise(result))
    assert "| Rank | Option | Score | Short term | Long term | Verdict |" in markdown
    assert "## II. Transfer to a partner council: not considered further" in markdown


def test_run_html_is_a_whole_page_in_the_reports_style(result: appraisal.Appraisal) -> None:
    from html.parser import HTMLParser

    page = run_html(summarise(result))
    assert page.startswith("<!doctype html>") and '<meta charset="utf-8">' in page
    assert "<title>Appraisal: Birmingham children&#39;s social care" in page
    assert "Recommended: IV. Commissioner, expert panel and directions" in page
    assert '<th scope="row">II. Transfer to a partner council</th>' in page
    assert "http" not in page.replace("le-grand", "")  # nothing fetched
    HTMLParser().feed(page)


def test_comparison_table(result: appraisal.Appraisal) -> None:
    text = text_of(render.comparison_renderable([result, result]))
    assert text.count("recommended") >= 2


MERMAID_STATEMENT = re.compile(
    r"""^(?:
      %%\ .*
    | flowchart\ LR
    | \ \ subgraph\ \w+\["[^"]*"\]
    | \ \ end
    | \ {4}n\d+(?:\[\["[^"]*"\]\]|\(\["[^"]*"\]\)|\{\{"[^"]*"\}\}|\["[^"]*"\]
        |\[/"[^"]*"\\\]|\[\("[^"]*"\)\]|>"[^"]*"\]|\("[^"]*"\))
    | \ \ n\d+\ (?:-->|==>|-\.->)(?:\|"[^"]*"\|)?\ n\d+
    | \ \ linkStyle\ \d+(?:,\d+)*\ stroke:\#[0-9a-f]{6},stroke-width:3px
    | \ \ classDef\ \w+\ [\w:#,\-\ ]+
    | \ \ class\ n\d+(?:,n\d+)*\ \w+
    )$""",
    re.VERBOSE,
)
"""Every statement the Mermaid writer may produce; a label holds no double quote."""


def assert_mermaid_syntax(text: str) -> None:
    lines = text.splitlines()
    for line in lines:
        assert MERMAID_STATEMENT.match(line), line
    assert lines.count("  end") == sum(1 for line in lines if line.startswith("  subgraph "))
    declared = {m.group(1) for m in re.finditer(r"^ {4}(n\d+)", text, re.MULTILINE)}
    used = set(re.findall(r"\bn\d+\b", "\n".join(lines)))
    assert used == declared  # no edge or class names an undeclared node
    edges = sum(1 for line in lines if re.match(r"^  n\d+ ", line))
    for match in re.finditer(r"^  linkStyle ([\d,]+)", text, re.MULTILINE):
        assert all(int(i) < edges for i in match.group(1).split(","))


@pytest.mark.parametrize("detail", ["overview", "full"])
def test_mermaid_is_well_formed(result: appraisal.Appraisal, detail: str) -> None:
    graph = build_graph(result.rule_base_model)
    for marked in (None, result):
        assert_mermaid_syntax(render.graph_mermaid(graph, appraisal=marked, detail=detail))  # type: ignore[arg-type]


def test_mermaid_has_a_class_per_kind_and_marks_the_scenario(
    result: appraisal.Appraisal,
) -> None:
    graph = build_graph(result.rule_base_model)
    plain = render.graph_mermaid(graph, detail="full")
    for kind in ("option", "cause", "problem", "criterion", "gate", "fact", "finding", "rule"):
        assert f"  classDef {kind} " in plain
        assert re.search(rf"^  class n[\d,n]+ {kind}$", plain, re.MULTILINE)
    assert "IV. Commissioner, expert panel and directions" in plain  # names, not ids
    assert not re.search(r"^  class .* (recommended|excluded|failed|fired)$", plain, re.MULTILINE)
    marked = render.graph_mermaid(graph, appraisal=result, detail="full")
    for state in ("recommended", "excluded", "failed", "fired"):
        assert re.search(rf"^  class n[\d,n]+ {state}$", marked, re.MULTILINE), state
    assert "==>" in marked and "==>" not in plain
    assert marked != plain


@settings(max_examples=60, deadline=None)
@given(name=st.text(min_size=1, max_size=40))
def test_mermaid_labels_escape_any_name(name: str) -> None:
    """No option name can end a label, add a statement or inject markup."""
    data = copy.deepcopy(SMALL_RULE_BASE)
    data["options"]["wait"]["name"] = name
    data["gates"]["feasible"]["name"] = name
    graph = build_graph(RuleBase.model_validate(data))
    text = render.graph_mermaid(graph, detail="full")
    assert_mermaid_syntax(text)
    assert "<" not in text.replace("<br/>", "")
    dot = render.graph_dot(graph, detail="full")
    for line in dot.splitlines():  # every DOT string closes on its line
        assert line.replace("\\\\", "").replace('\\"', "").count('"') % 2 == 0, line


def test_mermaid_renders_with_mermaid_cli(result: appraisal.Appraisal, tmp_path: Path) -> None:
    """Where the Mermaid command line is installed, it must draw the graph without error."""
    mmdc = shutil.which("mmdc")
    if mmdc is None:
        pytest.skip("mmdc (@mermaid-js/mermaid-cli) is not installed")
    source = tmp_path / "graph.mmd"
    source.write_text(render.graph_mermaid(build_graph(result.rule_base_model), appraisal=result))
    done = subprocess.run(
        [mmdc, "-i", str(source), "-o", str(tmp_path / "graph.svg")],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert "<svg" in (tmp_path / "graph.svg").read_text()


def test_markdown_graph_is_fenced(result: appraisal.Appraisal) -> None:
    text = render.graph_markdown(build_graph(result.rule_base_model), appraisal=result)
    assert text.startswith("# Graph: Birmingham")
    body = text.split("```mermaid\n", 1)[1].split("\n```\n", 1)[0]
    assert_mermaid_syntax(body)


def test_dot_draws_the_same_diagram(result: appraisal.Appraisal) -> None:
    graph = build_graph(result.rule_base_model)
    mermaid = render.graph_mermaid(graph, appraisal=result)
    dot = render.graph_dot(graph, appraisal=result)
    mermaid_edges = sum(1 for line in mermaid.splitlines() if re.match(r"^  n\d+ ", line))
    assert dot.count(" -> ") == mermaid_edges
    assert dot.count("subgraph cluster_") == mermaid.count("  subgraph ")
    assert (
        '"option:commissioner" [label="IV. Commissioner, expert panel and directions\\n'
        'recommended, 70.0", shape=doubleoctagon,' in dot
    )
    assert '"option:isle_of_wight" -> "gate:capable_partner" [kind="gated_by", label="fails"' in dot
    assert 'kind="moves"' not in dot  # the overview folds the rules away
    assert 'kind="moves"' in render.graph_dot(graph, detail="full")


def test_graphml_round_trips_through_networkx(result: appraisal.Appraisal) -> None:
    graph = build_graph(result.rule_base_model)
    text = render.graph_graphml(graph, appraisal=result)
    back = nx.read_graphml(io.BytesIO(text.encode()))
    drawn = diagram(graph, result, detail="full")
    assert set(back.nodes) == set(drawn.nodes)
    assert back.number_of_edges() == drawn.number_of_edges()
    assert back.nodes["option:commissioner"]["state"] == "recommended"
    assert back.nodes["option:commissioner"]["rank"] == 1
    assert back.nodes["gate:capable_partner"]["state"] == "failed"


def test_json_is_node_link_data(result: appraisal.Appraisal) -> None:
    graph = build_graph(result.rule_base_model)
    data = json.loads(render.graph_json(graph, appraisal=result))
    back = nx.node_link_graph(data, edges="edges")
    assert back.number_of_nodes() == diagram(graph, detail="full").number_of_nodes()
    for _, attributes in back.nodes(data=True):
        assert {"kind", "item_id", "name", "state"} <= set(attributes)
        assert all(isinstance(v, str | int | float) for v in attributes.values())
    kinds = {d["kind"] for _, _, d in back.edges(data=True)}
    assert {"moves", "fails", "scored_by", "gated_by", "reads", "derives"} <= kinds


def text_at(renderable: object, width: int) -> str:
    console = Console(width=width, record=True, file=io.StringIO())
    console.print(renderable)
    return console.export_text()


@pytest.fixture(scope="module")
def report() -> appraisal.SensitivityReport:
    from appraisal.loader import load_scenario
    from appraisal.sensitivity import sensitivity

    return sensitivity(load_scenario(BIRMINGHAM), samples=500, seed=1, evidence=True)


@pytest.mark.parametrize("width", [80, 100, 160])
def test_sensitivity_shows_whole_ids_at_any_width(
    report: appraisal.SensitivityReport, width: int
) -> None:
    text = text_at(render.sensitivity_renderable(report), width)
    assert "…" not in text
    assert all(len(line) <= width for line in text.splitlines())
    for option in report.smaa.options:
        assert f" {option} " in text
    for sweep in report.sweeps:
        assert sweep.criterion in text
        if sweep.parent is not None:
            assert f"{sweep.parent} / {sweep.criterion}" in text


def test_sensitivity_keeps_its_table_when_wide(report: appraisal.SensitivityReport) -> None:
    wide = text_at(render.sensitivity_renderable(report), 160)
    narrow = text_at(render.sensitivity_renderable(report), 80)
    assert "0 ── share ── 1" in wide and "0 ── share ── 1" not in narrow
    assert "leader first from" in narrow


@pytest.mark.parametrize("width", [80, 100, 160, 240])
def test_versus_shows_whole_rule_and_evidence_ids(result: appraisal.Appraisal, width: int) -> None:
    from appraisal.explain import versus

    pair = versus(result, "commissioner", "commissioning_split")
    text = text_at(render.versus_renderable(pair), width)
    assert "…" not in text
    assert ("┃ Criterion" in text) == (width == 240)  # the table only where it fits
    joined = " ".join(text.split())  # ids may wrap only at a space, never inside
    for criterion in pair.criteria[:8]:
        for delta in [*criterion.rules_a, *criterion.rules_b]:
            if abs(delta.points) >= 0.005:
                assert delta.rule in joined
        for evidence in list(criterion.evidence)[:4]:
            assert evidence in joined


def test_driver_lines_wrap_with_a_hanging_indent(result: appraisal.Appraisal) -> None:
    text = text_at(render.appraisal_renderable(summarise(result)), 80)
    lines = text.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("  - +2.6 pts"))
    assert lines[start + 1].startswith("    (")  # a citation carried over, indented
    for line in lines:
        assert not line.startswith(("5.", "5.4", "IV)")), line


def test_comparison_shows_whole_option_ids_at_80_columns(result: appraisal.Appraisal) -> None:
    text = text_at(render.comparison_renderable([result, result, result]), 80)
    assert "…" not in text
    for option in result.options:
        assert option.id in text

"""Rendering is pure: results in, text or renderables out."""

from __future__ import annotations

import io
import json

import pytest
from rich.console import Console

import appraisal
from appraisal import render
from appraisal.explain import summarise
from appraisal.graph import build_graph

from .conftest import BIRMINGHAM


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
    assert "<table>" in render.appraisal_html(result)
    assert result._repr_html_() == render.appraisal_html(result)


def test_comparison_table(result: appraisal.Appraisal) -> None:
    text = text_of(render.comparison_renderable([result, result]))
    assert text.count("recommended") >= 2


def test_graph_exports(result: appraisal.Appraisal) -> None:
    graph = build_graph(result.rule_base_model)
    mermaid = render.graph_mermaid(graph)
    assert mermaid.count("-->") == graph.number_of_edges()
    dot = render.graph_dot(graph)
    assert dot.count("->") == graph.number_of_edges()
    assert '"option:commissioner" [label="option: commissioner", shape=doubleoctagon];' in dot

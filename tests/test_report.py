"""The report: the briefing as HTML (with inline SVG charts) and as Markdown, and the
``appraisal report`` command."""

from __future__ import annotations

import copy
import re
from html.parser import HTMLParser
from pathlib import Path

import html5lib
import pytest

from appraisal import appraise, bundled_scenarios
from appraisal.briefing import Briefing, brief
from appraisal.cli import main
from appraisal.graph import build_graph
from appraisal.render import graph_mermaid
from appraisal.render.report import SECTIONS, briefing_html, briefing_markdown
from appraisal.render.svg import contribution_chart

from .conftest import (
    BIRMINGHAM,
    SCENARIOS,
    SETS_CONFLICTING_ON_PART_OF_THE_EVIDENCE,
    SMALL_RULE_BASE,
    write_case,
)

SAMPLES = 400


@pytest.fixture(scope="module")
def birmingham() -> Briefing:
    return brief(BIRMINGHAM, samples=SAMPLES)


@pytest.fixture(scope="module")
def html(birmingham: Briefing) -> str:
    return briefing_html(birmingham)


@pytest.fixture(scope="module")
def markdown(birmingham: Briefing) -> str:
    return briefing_markdown(birmingham)


class _Outline(HTMLParser):
    """What a reader's tools see: headings in order, table headers, charts, links."""

    def __init__(self) -> None:
        super().__init__()
        self.headings: list[int] = []
        self.header_cells: list[dict[str, str | None]] = []
        self.svgs: list[dict[str, str | None]] = []
        self.svg_titles = 0
        self.sections: list[str] = []
        self.attributes: list[tuple[str, str, str | None]] = []
        self.tags: set[str] = set()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        self.tags.add(tag)
        self.attributes += [(tag, name, value) for name, value in attrs]
        if re.fullmatch(r"h[1-6]", tag):
            self.headings.append(int(tag[1]))
        elif tag == "th":
            self.header_cells.append(found)
        elif tag == "svg":
            self.svgs.append(found)
        elif tag == "title" and self.svgs:
            self.svg_titles += 1
        elif tag == "section" and found.get("id"):
            self.sections.append(str(found["id"]))


def _outline(text: str) -> _Outline:
    outline = _Outline()
    outline.feed(text)
    return outline


# --------------------------------------------------------------------------- HTML


def test_html_is_one_valid_document(html: str) -> None:
    assert html.startswith('<!doctype html>\n<html lang="en">')
    assert '<meta charset="utf-8">' in html
    assert "<title>Briefing: Birmingham children&#39;s social care, February 2014</title>" in html
    parser = html5lib.HTMLParser(strict=True, namespaceHTMLElements=False)
    parser.parse(html)  # strict: the first parse error raises
    assert parser.errors == []


def test_sections_in_the_order_a_briefing_is_read(html: str, markdown: str) -> None:
    assert _outline(html).sections == [anchor for anchor, _ in SECTIONS]
    positions = [markdown.index(f"## {n}. {title}\n") for n, (_, title) in enumerate(SECTIONS, 1)]
    assert positions == sorted(positions)


def test_headings_descend_one_level_at_a_time(html: str) -> None:
    levels = _outline(html).headings
    assert levels[0] == 1 and levels.count(1) == 1
    assert all(b <= a + 1 for a, b in zip(levels, levels[1:], strict=False))


def test_every_table_header_has_a_scope(html: str) -> None:
    cells = _outline(html).header_cells
    assert len(cells) > 50
    assert all(c.get("scope") in ("col", "row", "colgroup") for c in cells)


def test_every_chart_is_a_labelled_sized_image(html: str) -> None:
    outline = _outline(html)
    ids = [svg["id"] for svg in outline.svgs]
    assert ids == ["contributions", "value-tree", "acceptability", "tornado", "graph"]
    for svg in outline.svgs:
        assert svg["role"] == "img"
        assert float(str(svg["width"])) > 0 and float(str(svg["height"])) > 0
        assert svg["aria-labelledby"] == f"{svg['id']}-title {svg['id']}-desc"
    assert outline.svg_titles >= len(ids)


def test_charts_are_labelled_with_names_not_ids(html: str) -> None:
    charts = re.findall(r"<svg.*?</svg>", html, flags=re.DOTALL)
    text = " ".join(re.sub(r"<[^>]+>", " ", chart) for chart in charts)
    for name in ("IV. Commissioner, expert panel and directions", "Deliverable now"):
        assert name in text
    assert "watchful_waiting" not in text and "commissioning_split" not in text


def test_self_contained_no_script_no_request(html: str) -> None:
    outline = _outline(html)
    assert not outline.tags & {"script", "link", "img", "iframe", "object", "embed"}
    for tag, name, value in outline.attributes:
        assert not name.startswith("on"), (tag, name)
        if name in ("src", "href", "action", "srcset"):
            assert str(value).startswith("#"), (tag, name, value)
    assert "@import" not in html and "url(http" not in html
    assert "@page { size: A4" in html and "@media print" in html


def test_no_web_address_except_in_citations(tmp_path: Path) -> None:
    rule_base = copy.deepcopy(SMALL_RULE_BASE)
    rule_base["documents"]["doc"]["url"] = "https://example.org/report.pdf"
    text = briefing_html(brief(write_case(tmp_path, rule_base, {"plan": True}), samples=50))
    found = re.findall(r"https?://[^\s\"'<>]+", text)
    svg_namespace = "http://www.w3.org/2000/svg"
    assert set(found) == {svg_namespace, "https://example.org/report.pdf"}
    (cited,) = [m.start() for m in re.finditer("https://example.org", text)]
    assert text.rfind("<td>", 0, cited) > text.rfind("</td>", 0, cited)  # in a table cell's text


def test_hostile_names_are_escaped(tmp_path: Path) -> None:
    rule_base = copy.deepcopy(SMALL_RULE_BASE)
    rule_base["options"]["wait"]["name"] = "<script>alert(1)</script> | **x** [a](b)"
    rule_base["criteria"]["cost"]["name"] = '"><img src=x onerror=alert(1)>'
    briefing = brief(write_case(tmp_path, rule_base, {"plan": True}), samples=50)
    html = briefing_html(briefing)
    assert "<script" not in html and "<img" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    html5lib.HTMLParser(strict=True).parse(html)
    markdown = briefing_markdown(briefing)
    assert "<script" not in markdown and "<img" not in markdown
    assert "&lt;script&gt;alert(1)&lt;/script&gt; \\| \\*\\*x\\*\\* \\[a\\](b)" in markdown


def test_values_read_as_written(html: str) -> None:
    assert "312,000 children and young people" in html  # child_population
    assert "<td>37.4%" in html  # idaci_pct, unit % without a space
    assert "<td>11 months</td>" in html


def test_same_briefing_same_bytes(birmingham: Briefing, html: str, markdown: str) -> None:
    assert briefing_html(birmingham) == html
    assert briefing_markdown(birmingham) == markdown


# --------------------------------------------------------------------------- Markdown


def test_markdown_has_the_tables_and_a_mermaid_graph(markdown: str) -> None:
    assert markdown.startswith("# Briefing: Birmingham children's social care, February 2014\n")
    assert "**Recommended: IV. Commissioner, expert panel and directions.**" in markdown
    fence = re.search(r"```mermaid\n(.*?)```", markdown, flags=re.DOTALL)
    assert fence is not None
    graph = fence.group(1)
    assert "\nflowchart LR\n" in graph
    assert re.search(r"^  classDef recommended ", graph, flags=re.MULTILINE)
    assert re.search(r"^  class n\d+ recommended$", graph, flags=re.MULTILINE)
    assert re.search(r"^  class n\d+ excluded$", graph, flags=re.MULTILINE)
    assert re.search(r"^  class n\d+ failed$", graph, flags=re.MULTILINE)
    assert "| Rank | Option | Score | Short term | Long term | Verdict | Why |" in markdown
    for row in re.findall(r"^\|.*\|$", markdown, flags=re.MULTILINE):
        assert not row.startswith("||")
    assert markdown.rstrip().endswith(f"`{brief_fingerprint(markdown)}`")


def brief_fingerprint(markdown: str) -> str:
    found = re.findall(r"[0-9a-f]{64}", markdown)
    assert found
    return found[-1]


def test_mermaid_is_the_package_writer_with_the_scenarios_state(markdown: str) -> None:
    result = appraise(BIRMINGHAM)
    expected = graph_mermaid(build_graph(result.rule_base_model), appraisal=result)
    fence = re.search(r"```mermaid\n(.*?)```", markdown, flags=re.DOTALL)
    assert fence is not None and fence.group(1) == expected
    assert "IV. Commissioner, expert panel and directions" in expected  # names, not ids


# --------------------------------------------------------------------------- other briefings


def test_report_when_nothing_is_recommended() -> None:
    briefing = brief(SCENARIOS / "no-evidence.yaml", samples=SAMPLES)
    html = briefing_html(briefing)
    html5lib.HTMLParser(strict=True).parse(html)
    assert '<div class="headline none">' in html
    assert '<p class="sentence">No option is recommended.</p>' in html
    assert "✓" not in html  # no option is marked recommended
    markdown = briefing_markdown(briefing)
    assert "**No option is recommended.** The evidence does not yet say" in markdown
    assert "### What to find out next\n" in markdown
    assert re.search(r"^1\. \*\*", markdown, flags=re.MULTILINE)  # the first fact to find out
    assert not re.search(r"^  class .* recommended$", markdown, flags=re.MULTILINE)


def test_report_with_another_verdict_vocabulary(tmp_path: Path) -> None:
    rule_base = copy.deepcopy(SMALL_RULE_BASE)
    rule_base["verdicts"] = [
        {"verdict": "ruled_out", "when": {"metric": "excluded", "eq": True}},
        {"verdict": "preferred", "recommends": True, "when": {"metric": "rank", "eq": 1}},
        {"verdict": "set_aside", "otherwise": True},
    ]
    briefing = brief(write_case(tmp_path, rule_base, {"plan": True}), samples=50)
    html = briefing_html(briefing)
    assert re.search(r'<span class="badge recommended">✓ preferred</span>', html)
    assert "set aside" in html
    markdown = briefing_markdown(briefing)
    assert "| **preferred** |" in markdown


def test_report_says_what_could_not_be_worked_out(tmp_path: Path) -> None:
    rule_base = copy.deepcopy(SMALL_RULE_BASE)
    rule_base["rules"].update(copy.deepcopy(SETS_CONFLICTING_ON_PART_OF_THE_EVIDENCE))
    scenario = write_case(tmp_path, rule_base, {"plan": True, "support": "strong"})
    briefing = brief(scenario, samples=50)
    html = briefing_html(briefing)
    assert '<p class="problem" role="note"><strong>Not available:</strong>' in html
    assert "different values" in html
    assert "> **Not available:**" in briefing_markdown(briefing)


@pytest.mark.parametrize("name", sorted(bundled_scenarios()))
def test_every_bundled_scenario_makes_a_valid_report(name: str) -> None:
    briefing = brief(bundled_scenarios()[name], samples=100)
    assert briefing.problems == ()
    html5lib.HTMLParser(strict=True).parse(briefing_html(briefing))
    assert "```mermaid" in briefing_markdown(briefing)


def test_contribution_chart_segments_add_up(birmingham: Briefing) -> None:
    svg = contribution_chart(birmingham.scores)
    segments = re.findall(r"<title>([^<]+): ([0-9.]+) points</title>", svg)
    per_option = len(birmingham.scores.criteria)
    assert len(segments) == per_option * len(birmingham.scores.rows)
    for index, row in enumerate(birmingham.scores.rows):
        points = [float(p) for _, p in segments[index * per_option : (index + 1) * per_option]]
        assert sum(points) == pytest.approx(row.total, abs=0.06 * per_option)


# --------------------------------------------------------------------------- command line


def test_cli_writes_html_to_a_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / "birmingham.html"
    assert main(["report", "--samples", "200", "-o", str(target)]) == 0
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err == f"wrote {target}\n"
    assert target.read_text(encoding="utf-8").startswith("<!doctype html>")


def test_cli_markdown_by_suffix_and_on_standard_output(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "birmingham.md"
    assert main(["report", "birmingham-2014", "--samples", "200", "-o", str(target)]) == 0
    assert target.read_text(encoding="utf-8").startswith("# Briefing: ")
    capsys.readouterr()
    assert main(["report", str(BIRMINGHAM), "--samples", "200"]) == 0
    assert capsys.readouterr().out.startswith("# Briefing: Birmingham")
    assert main(["report", "--samples", "200", "--format", "html"]) == 0
    assert capsys.readouterr().out.startswith("<!doctype html>")


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["no-such-scenario"], "no-such-scenario"),
        (["--samples", "0"], "--samples: must be a positive integer"),
        (["--seed", "-1"], "--seed: must be a non-negative integer"),
        (["--weight", "efectiveness=2"], "did you mean 'effectiveness'"),
        (["-o", "/no/such/folder/report.html"], "/no/such/folder/report.html"),
    ],
)
def test_cli_bad_input_is_one_message(
    arguments: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["report", *arguments]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert message in captured.err
    assert "Traceback" not in captured.err


def test_cli_will_not_overwrite_its_own_input(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    scenario = write_case(tmp_path, copy.deepcopy(SMALL_RULE_BASE), {"plan": True})
    before = scenario.read_bytes()
    assert main(["report", str(scenario), "-o", str(scenario)]) == 2
    assert scenario.read_bytes() == before
    assert "error" in capsys.readouterr().err

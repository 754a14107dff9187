"""The layout every result's display shares: one-line reprs, text tables, notebook HTML."""

from __future__ import annotations

import dataclasses
import sys
from html.parser import HTMLParser

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import BaseModel, Field

from appraisal.errors import AppraisalError, MissingExtraError
from appraisal.tables import (
    MAX_REPR,
    Displayable,
    Summary,
    Table,
    brief,
    clean,
    field_summary,
    fixed,
    percent,
    quoted,
    require_pandas,
    signed,
    summary_html,
    summary_repr,
    summary_text,
    words,
)

ALLOWED_TAGS = {
    "div",
    "style",
    "p",
    "strong",
    "table",
    "caption",
    "thead",
    "tbody",
    "tr",
    "th",
    "td",
}


class Structure(HTMLParser):
    """Checks that HTML is well nested and collects its text, outside the style sheet."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.open: list[str] = []
        self.tags: list[str] = []
        self.text: list[str] = []
        self.errors: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        self.open.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if not self.open or self.open.pop() != tag:
            self.errors.append(f"unbalanced </{tag}>")

    def handle_data(self, data: str) -> None:
        if self.open and self.open[-1] != "style":
            self.text.append(data)


def parse(markup: str) -> Structure:
    parser = Structure()
    parser.feed(markup)
    parser.close()
    assert parser.errors == [] and parser.open == [], (parser.errors, parser.open)
    assert set(parser.tags) <= ALLOWED_TAGS, set(parser.tags) - ALLOWED_TAGS
    return parser


SAMPLE = Summary(
    kind="Thing",
    headline="'a title': 3 options",
    title="A title",
    lines=("One sentence.",),
    tables=(
        Table(
            ("Option", "Score"),
            (("a", "70.0"), ("bb", "5.5")),
            align="lr",
            caption="Scores",
            strong=frozenset({0}),
            muted=frozenset({1}),
            more=4,
        ),
    ),
    notes=("Small print.",),
)


def test_repr_is_the_kind_and_headline_in_angle_brackets() -> None:
    assert summary_repr(SAMPLE) == "<Thing 'a title': 3 options>"


def test_text_aligns_columns_and_says_what_was_left_out() -> None:
    assert summary_text(SAMPLE).splitlines() == [
        "Thing: A title",
        "One sentence.",
        "",
        "Scores",
        "Option  Score",
        "------  -----",
        "a        70.0",
        "bb        5.5",
        "... and 4 more",
        "",
        "Small print.",
    ]


def test_html_has_headers_classes_and_the_same_content() -> None:
    markup = summary_html(SAMPLE)
    parser = parse(markup)
    assert "".join(parser.text).count("70.0") == 1
    assert '<th scope="col" class="num">Score</th>' in markup
    assert '<tr class="strong"><td>a</td><td class="num">70.0</td></tr>' in markup
    assert '<tr class="muted">' in markup
    assert "... and 4 more" in markup and "<caption>Scores</caption>" in markup


def test_a_row_must_fill_the_columns() -> None:
    with pytest.raises(ValueError, match="a row has 1 cells for 2 columns"):
        Table(("a", "b"), (("only",),))


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("plain", "plain"),
        ("\x1b[31mred\x1b[0m", "red"),  # a colour escape sequence
        ("\x1b]0;retitled\x07title", "title"),  # a window title sequence
        ("right\u202eto left", "rightto left"),  # a bidirectional override
        ("line\nbreak", "line\nbreak"),
    ],
)
def test_clean_removes_what_could_act_on_a_terminal(text: str, shown: str) -> None:
    assert clean(text) == shown


def test_markup_in_text_is_shown_not_obeyed() -> None:
    hostile = Summary(
        kind="Thing",
        headline="x",
        title="<script>alert(1)</script> & \x1b[2J",
        tables=(Table(("<b>col</b>",), (('<img src=x onerror="y">',),)),),
    )
    markup = summary_html(hostile)
    parser = parse(markup)
    assert "script" not in parser.tags and "img" not in parser.tags
    assert "<script>alert(1)</script> & " in "".join(parser.text)
    assert "\x1b" not in markup and "\x1b" not in summary_text(hostile)


@given(st.text(), st.text())
def test_any_text_gives_a_one_line_bounded_repr_and_well_formed_html(title: str, cell: str) -> None:
    summary = Summary(kind="Thing", headline=quoted(title), title=title, lines=(cell,))
    line = summary_repr(summary)
    assert len(line) <= MAX_REPR and "\n" not in line
    assert line.startswith("<Thing ") and line.endswith(">")
    assert clean(cell) in "".join(parse(summary_html(summary)).text)


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        (None, "None"),
        (True, "True"),
        (3, "3"),
        (2 / 3, "0.6667"),
        ("short", "'short'"),
        ("x" * 100, repr("x" * 39 + "…")),
        ({"a": 1, "b": 2}, "{2 items}"),
        ((1, 2, 3), "[3 items]"),
        ([1], "[1 item]"),
        (object(), "<object>"),
    ],
)
def test_brief_keeps_every_value_short(value: object, shown: str) -> None:
    assert brief(value) == shown


def test_number_formats() -> None:
    assert (fixed(70.035), fixed(None), fixed(float("nan"))) == ("70.0", "-", "nan")
    assert (signed(8.06), signed(-2.0), signed(0.0)) == ("+8.1", "-2.0", "+0.0")
    assert (percent(0.7777), percent(None), percent(1.0)) == ("77.8%", "-", "100.0%")
    assert words("longer_term_potential") == "longer term potential"


class Record(Displayable, BaseModel):
    name: str
    points: float
    items: tuple[int, ...]
    hidden: str = Field(default="secret", repr=False)


@dataclasses.dataclass(frozen=True, repr=False)
class Plain(Displayable):
    name: str
    big: dict[str, int]


def test_a_record_without_a_summary_shows_its_fields_in_brief() -> None:
    record = Record(name="n", points=1 / 3, items=tuple(range(1000)))
    assert repr(record) == "<Record name='n', points=0.3333, items=[1,000 items]>"
    assert field_summary(record).tables[0].rows[0] == ("name", "'n'")
    plain = Plain("p", {str(i): i for i in range(10_000)})
    assert repr(plain) == "<Plain name='p', big={10,000 items}>"
    parse(plain._repr_html_())
    assert "big" in str(plain)


def test_the_model_keeps_its_data() -> None:
    record = Record(name="n", points=1.5, items=(1,))
    assert record.model_dump() == {"name": "n", "points": 1.5, "items": (1,), "hidden": "secret"}


def test_a_long_headline_is_cut() -> None:
    line = summary_repr(Summary(kind="Thing", headline="x" * 1000))
    assert len(line) == MAX_REPR and line.endswith("…>")


def test_without_pandas_the_error_names_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "pandas", None)  # so that importing pandas fails
    with pytest.raises(MissingExtraError) as caught:
        require_pandas()
    assert str(caught.value) == (
        "to_frame: pandas is not installed; install it with: pip install 'appraisal[pandas]'"
    )
    assert isinstance(caught.value, AppraisalError) and isinstance(caught.value, ImportError)

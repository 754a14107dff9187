"""The YAML vocabulary as frozen pydantic models.

Two kinds of file exist. A *rule base* holds general knowledge: options, a
criteria tree with weights, causes and problems, the facts that evidence may
state, and the rules that turn evidence into findings, values, gate failures
and verdicts. A *scenario* holds the facts of one case: evidence with sources,
plus optional weight overrides, and names the rule base it uses.

Every model forbids unknown keys, so a misspelt field is an error rather than
a silent default. Ids are mapping keys wherever order does not matter, so a
duplicate id is caught as a duplicate YAML key.

Every number is finite: NaN and infinity would compare false with everything
and turn every score into NaN, so each is refused where it is written. Weights
are bounded by ``MAX_WEIGHT`` and adjustments by the 0..100 scale, so no sum
the scorer or the analyses compute can overflow.

Annotations here are evaluated as Python reads them (no ``from __future__ import
annotations``), with only forward references quoted: pydantic would otherwise
evaluate every annotation's text again, which every run pays on import.
"""

import datetime
import math
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Discriminator,
    Field,
    GetJsonSchemaHandler,
    StrictBool,
    Tag,
    model_validator,
)
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import CoreSchema

from .tables import Displayable, Summary, Table, counted, quoted

__all__ = [
    "AdjustEffect",
    "AllOf",
    "AnyOf",
    "Cause",
    "Comparison",
    "Condition",
    "Criterion",
    "DeriveEffect",
    "Document",
    "Effect",
    "EvidenceItem",
    "Expectation",
    "FactRef",
    "FactSpec",
    "FailGateEffect",
    "FindingSpec",
    "Gate",
    "Known",
    "MAX_WEIGHT",
    "NotOf",
    "Option",
    "OptionValue",
    "Problem",
    "Rule",
    "RuleBase",
    "Scenario",
    "SetEffect",
    "Source",
    "Value",
    "VerdictRule",
]

Identifier = Annotated[str, Field(pattern=r"^[A-Za-z][A-Za-z0-9_\-]*$")]
Value = StrictBool | float | str
"""An evidence or finding value: boolean, number, level name or text."""

MAX_WEIGHT = 1_000_000.0
"""The largest raw weight. Weights only matter relative to their siblings, so
no judgement needs more; the bound keeps every sum of weights (over millions
of criteria or samples) far from overflowing."""

Finite = Annotated[float, Field(allow_inf_nan=False)]
Weight = Annotated[float, Field(ge=0, le=MAX_WEIGHT, allow_inf_nan=False)]


def _kind_of(raw: object) -> str:
    """What a YAML value is, in the words of the format."""
    if raw is None:
        return "null"
    if isinstance(raw, dict):
        return "a mapping"
    if isinstance(raw, list | tuple):
        return "a list"
    if isinstance(raw, datetime.date):
        return "a date"
    return f"a {type(raw).__name__}"


def _plain_value(raw: object) -> object:
    """A value as a fact holds it: a bool, a finite float or text.

    Checked before pydantic's union, whose own error would report only its
    first branch ("Input should be a valid boolean" for a date or a list).
    """
    if isinstance(raw, bool | str | float):
        if isinstance(raw, float) and not math.isfinite(raw):
            raise ValueError(f"a value must be a finite number, not {raw}")
        return raw
    if isinstance(raw, int):
        try:
            return float(raw)
        except OverflowError:
            raise ValueError("the number is too large (the largest is about 1.8e308)") from None
    raise ValueError(
        f"a value is a number, true or false, or text (a level name), not {_kind_of(raw)}"
    )


InputValue = Annotated[StrictBool | float | str, BeforeValidator(_plain_value)]
"""A ``Value`` as written in a file: finite, and refused with a message that says
which kinds are allowed."""


def _ordered_range(bounds: tuple[float, float]) -> tuple[float, float]:
    low, high = bounds
    if low > high:
        raise ValueError("a range is [low, high] with low <= high")
    if not math.isfinite(high - low):
        raise ValueError("the range is too wide: high - low must be a finite number")
    return bounds


Range = Annotated[tuple[Finite, Finite], AfterValidator(_ordered_range)]
WeightRange = Annotated[tuple[Weight, Weight], AfterValidator(_ordered_range)]


def _file_reference(text: str) -> str:
    """A relative or absolute path: not empty, without control characters."""
    if not text.strip():
        raise ValueError("names a file, so it cannot be empty")
    if any(ord(c) < 32 or ord(c) == 127 for c in text):
        raise ValueError("a file name cannot hold control characters (such as NUL)")
    return text


FileReference = Annotated[str, AfterValidator(_file_reference)]

OPERATORS = ("eq", "ne", "lt", "le", "gt", "ge")


def _empty_mapping() -> dict[Any, Any]:
    """The default of a mapping field.

    A function of this module rather than ``dict``: building a validator asks
    each factory for its signature, which for a built-in type means parsing its
    text signature (and compiling Python's tokenizer the first time).
    """
    return {}


def _empty_list() -> list[Any]:
    """The default of a list field (a function, as ``_empty_mapping`` says why)."""
    return []


class _Base(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", validate_default=True, defer_build=True)


class Document(_Base):
    """A source document that evidence and judgements cite."""

    title: str = Field(description="The document's title, as it is cited.")
    date: str | None = Field(default=None, description="When it was published: '2014-02'.")
    publisher: str | None = Field(default=None, description="Who published it.")
    url: str | None = Field(default=None, description="Where to read it.")


class Source(_Base):
    """A citation: a declared document and where in it (paragraph, table).

    Written in full (``{document: report, locator: para 9.5}``) or as one line,
    the document id then the locator: ``report para 9.5``.
    """

    document: Identifier = Field(description="The id of a document declared under 'documents'.")
    locator: str | None = Field(
        default=None, description="Where in the document: 'para 9.5', 'Annex 5 Table 2'."
    )

    @model_validator(mode="before")
    @classmethod
    def _from_one_line(cls, raw: Any) -> Any:
        if isinstance(raw, str):
            document, _, locator = raw.strip().partition(" ")
            return {"document": document, "locator": locator.strip() or None}
        return raw

    @classmethod
    def __get_pydantic_json_schema__(
        cls, core_schema: CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        """Editors must accept the one-line form too."""
        mapping = handler(core_schema)
        one_line = {
            "type": "string",
            "pattern": r"^[A-Za-z][A-Za-z0-9_\-]*( .*)?$",
            "description": "the document id, a space, then the locator: 'report para 9.5'",
        }
        return {"anyOf": [one_line, mapping]}

    def __str__(self) -> str:
        return f"{self.document}, {self.locator}" if self.locator else self.document


class _Judgement(_Base):
    """Anything an analyst asserts: it should say why, and on what authority."""

    rationale: str | None = Field(
        default=None, description="Why: the reasoning behind this judgement, for readers."
    )
    source: Source | None = Field(
        default=None, description="The citation it rests on: 'document-id para 9.5'."
    )


# --------------------------------------------------------------------------- conditions


class FactRef(_Base):
    """The right-hand side of a comparison that names another fact."""

    fact: Identifier = Field(description="The other fact (or finding) compared with.")
    times: Finite = Field(
        default=1.0, description="A factor the other fact is multiplied by (numbers only)."
    )


def _operand_tag(raw: Any) -> str:
    return "fact" if isinstance(raw, dict | FactRef) else "value"


Operand = Annotated[
    Annotated[FactRef, Tag("fact")] | Annotated[InputValue, Tag("value")],
    Discriminator(_operand_tag),
]
"""A constant, or (a mapping) another fact: each checked as what it is."""


class Comparison(_Base):
    """``{fact: X, lt: 10}``: one fact (or, in verdicts, one metric) against an operand."""

    fact: Identifier | None = Field(
        default=None, description="The fact or finding tested (or 'metric', never both)."
    )
    metric: Identifier | None = Field(
        default=None,
        description="Verdict rules only: a property of the option's result (rank,"
        " short_term_rank, long_term_rank, score, short_term_score, long_term_score, excluded).",
    )
    eq: Operand | None = Field(
        default=None, description="True when the subject is equal to this value or {fact: X}."
    )
    ne: Operand | None = Field(
        default=None, description="True when the subject is not equal to this value or {fact: X}."
    )
    lt: Operand | None = Field(
        default=None, description="True when the subject is less than this value or {fact: X}."
    )
    le: Operand | None = Field(
        default=None, description="True when the subject is at most this value or {fact: X}."
    )
    gt: Operand | None = Field(
        default=None, description="True when the subject is greater than this value or {fact: X}."
    )
    ge: Operand | None = Field(
        default=None, description="True when the subject is at least this value or {fact: X}."
    )

    @model_validator(mode="after")
    def _one_subject_one_operator(self) -> "Comparison":
        if (self.fact is None) == (self.metric is None):
            raise ValueError("a comparison names exactly one of 'fact' or 'metric'")
        given = [op for op in OPERATORS if getattr(self, op) is not None]
        if len(given) != 1:
            raise ValueError(
                f"a comparison has exactly one operator of {', '.join(OPERATORS)}"
                f" (found {len(given)})"
            )
        return self

    @property
    def subject(self) -> str:
        return self.fact if self.fact is not None else str(self.metric)

    @property
    def operator(self) -> str:
        fields = self.__dict__  # read directly: compiling asks this of every comparison
        return next(op for op in OPERATORS if fields[op] is not None)

    @property
    def operand(self) -> Value | FactRef:
        value: Value | FactRef = self.__dict__[self.operator]
        return value


class Known(_Base):
    """``{known: X}`` is true when the fact has a value, false when it is unknown."""

    known: Identifier = Field(description="The fact or finding that must have a value.")


class AllOf(_Base):
    all: list["Condition"] = Field(min_length=1, description="True when every condition is.")


class AnyOf(_Base):
    any: list["Condition"] = Field(min_length=1, description="True when any condition is.")


class NotOf(_Base):
    not_: "Condition" = Field(alias="not", description="True when the condition is false.")

    model_config = ConfigDict(frozen=True, extra="forbid", populate_by_name=True)


def _condition_tag(raw: Any) -> str | None:
    if isinstance(raw, BaseModel):
        tags: dict[type[BaseModel], str] = {
            AllOf: "all",
            AnyOf: "any",
            NotOf: "not",
            Known: "known",
        }
        return tags.get(type(raw), "compare")
    if not isinstance(raw, dict):
        return None
    for key in ("all", "any", "not", "known"):
        if key in raw:
            return key
    return "compare"


Condition = Annotated[
    Annotated[AllOf, Tag("all")]
    | Annotated[AnyOf, Tag("any")]
    | Annotated[NotOf, Tag("not")]
    | Annotated[Known, Tag("known")]
    | Annotated[Comparison, Tag("compare")],
    Discriminator(_condition_tag),
]


# --------------------------------------------------------------------------- effects


class DeriveEffect(_Base):
    """Set a finding: ``{derive: undetected_risk_high, value: true}``."""

    derive: Identifier = Field(description="The finding set.")
    value: InputValue = Field(default=True, description="The value it is set to (default true).")


def _effect_amount(raw: Any, *, given: str, wanted: str) -> Any:
    """One message for the amount of the other effect (``adjust`` with ``to:``, ``set`` with
    ``by:``), rather than a missing field and an unknown one."""
    if isinstance(raw, dict) and given in raw and wanted not in raw:
        raise ValueError(
            "use 'by:' with adjust (points to move the value), or 'set:' with 'to:'"
            " (the value that replaces it)"
        )
    return raw


class AdjustEffect(_Base):
    """Move an option's value on a criterion by some points."""

    option: Identifier = Field(description="The option moved.")
    adjust: Identifier = Field(description="The leaf criterion its value is moved on.")
    by: float = Field(
        ge=-100,
        le=100,
        allow_inf_nan=False,
        description="Points added on the 0..100 scale (negative to lower it).",
    )
    """Points on the 0..100 scale; a larger move would be clamped away anyway."""

    @model_validator(mode="before")
    @classmethod
    def _not_to(cls, raw: Any) -> Any:
        return _effect_amount(raw, given="to", wanted="by")


class SetEffect(_Base):
    """Fix an option's value on a criterion, whatever its baseline."""

    option: Identifier = Field(description="The option whose value is fixed.")
    set: Identifier = Field(description="The leaf criterion its value is fixed on.")
    to: float = Field(
        ge=0, le=100, allow_inf_nan=False, description="The value, 0..100, replacing the baseline."
    )

    @model_validator(mode="before")
    @classmethod
    def _not_by(cls, raw: Any) -> Any:
        return _effect_amount(raw, given="by", wanted="to")


class FailGateEffect(_Base):
    """Fail an option on a gate (a critical success factor), excluding it."""

    option: Identifier = Field(description="The option failed, and so excluded.")
    fail_gate: Identifier = Field(description="The gate it fails.")


def _effect_tag(raw: Any) -> str | None:
    if isinstance(raw, BaseModel):
        effect_tags: dict[type[BaseModel], str] = {
            DeriveEffect: "derive",
            AdjustEffect: "adjust",
            SetEffect: "set",
            FailGateEffect: "fail_gate",
        }
        return effect_tags.get(type(raw))
    if not isinstance(raw, dict):
        return None
    for key in ("derive", "adjust", "set", "fail_gate"):
        if key in raw:
            return key
    return None


Effect = Annotated[
    Annotated[DeriveEffect, Tag("derive")]
    | Annotated[AdjustEffect, Tag("adjust")]
    | Annotated[SetEffect, Tag("set")]
    | Annotated[FailGateEffect, Tag("fail_gate")],
    Discriminator(
        _effect_tag,
        custom_error_type="invalid_effect",
        custom_error_message="an effect has one of the keys derive, adjust, set or fail_gate",
    ),
]


# --------------------------------------------------------------------------- rule base


class FactSpec(_Base):
    """A fact the rules may read, which a scenario's evidence supplies."""

    type: Literal["number", "boolean", "level", "text"] = Field(
        description="What its value is: a number, true/false, a level of a scale, or text."
    )
    scale: Identifier | None = Field(
        default=None, description="Level facts only: the scale (under 'scales') of its levels."
    )
    unit: str | None = Field(default=None, description="The unit of a number: 'per 10,000'.")
    description: str | None = Field(default=None, description="What it means, for readers.")
    context: bool = Field(
        default=False,
        description="Recorded for readers, read by no rule on purpose (no 'unread' warning).",
    )
    """Recorded for the reader, deliberately read by no rule."""

    @model_validator(mode="after")
    def _scale_iff_level(self) -> "FactSpec":
        if (self.type == "level") != (self.scale is not None):
            raise ValueError("a level fact names its scale, and only a level fact has one")
        return self


class FindingSpec(FactSpec):
    """A fact the rules derive from evidence and other findings."""


class Criterion(_Judgement):
    """A node of the criteria tree; leaves carry values, parents aggregate them."""

    name: str | None = Field(default=None, description="The name readers see.")
    description: str | None = Field(default=None, description="What it measures.")
    weight: float = Field(
        gt=0,
        le=MAX_WEIGHT,
        allow_inf_nan=False,
        description="Raw weight, > 0, relative to its siblings (normalised among them).",
    )
    horizon: Literal["short", "long"] | None = Field(
        default=None,
        description="Leaves only, required: whether it counts to the short or long-term score.",
    )
    direction: Literal["maximise", "minimise"] = Field(
        default="maximise",
        description="Leaves: 'minimise' for a risk or a cost, which counts as 100 - value.",
    )
    anchors: dict[int, str] = Field(
        default_factory=_empty_mapping,
        description="What points on the absolute 0..100 scale mean: {0: ..., 50: ..., 100: ...}.",
    )
    children: dict[Identifier, "Criterion"] = Field(
        default_factory=_empty_mapping,
        description="Sub-criteria by id; a criterion without is a leaf.",
    )
    weight_range: WeightRange | None = Field(
        default=None,
        description="Plausible raw weights [low, high], sampled by sensitivity analysis.",
    )
    """Plausible raw weights ``[low, high]``, sampled by weight sensitivity analysis."""

    @model_validator(mode="after")
    def _leaf_has_horizon(self) -> "Criterion":
        if not self.children and self.horizon is None:
            raise ValueError("a leaf criterion needs a horizon (short or long)")
        if self.children and self.horizon is not None:
            raise ValueError("only leaf criteria have a horizon; its children carry theirs")
        return self

    @model_validator(mode="after")
    def _weight_in_range(self) -> "Criterion":
        if self.weight_range is not None:
            low, high = self.weight_range
            if not 0 <= low <= self.weight <= high:
                raise ValueError("weight_range is [low, high] with 0 <= low <= weight <= high")
        return self


class Gate(_Judgement):
    """A critical success factor: an option that fails it is excluded."""

    name: str = Field(description="The condition an option must meet, as readers see it.")
    description: str | None = Field(default=None, description="What it means, for readers.")


class Problem(_Judgement):
    """A problem the service has, which causes drive and options address."""

    name: str = Field(description="The problem, as readers see it.")
    description: str | None = Field(default=None, description="What it means, for readers.")


class Cause(_Judgement):
    """A cause, which drives problems (or other causes)."""

    name: str = Field(description="The cause, as readers see it.")
    description: str | None = Field(default=None, description="What it means, for readers.")
    drives: list[Identifier] = Field(
        default_factory=_empty_list,
        description="The problems (or other causes) it drives; no cycles.",
    )


class OptionValue(_Judgement):
    """An option's baseline value on a leaf criterion, before rules move it."""

    value: float = Field(
        ge=0, le=100, allow_inf_nan=False, description="The baseline on the 0..100 scale."
    )


class Option(_Base):
    """One of the choices appraised."""

    name: str = Field(description="The option's name, as readers see it.")
    description: str | None = Field(default=None, description="What it involves.")
    addresses: list[Identifier] = Field(
        default_factory=_empty_list, description="The causes and problems it addresses."
    )
    values: dict[Identifier, OptionValue] = Field(
        default_factory=_empty_mapping,
        description="Its baseline on every leaf criterion, by criterion id, before rules move it.",
    )
    status_quo: bool = Field(
        default=False,
        description="Carrying on as now (do nothing, business as usual): the option the others"
        " are compared with, which need not address any cause or problem. At most one.",
    )


class Rule(_Judgement):
    """When the condition holds (is known to be true), apply every effect."""

    description: str | None = Field(default=None, description="A longer account, for readers.")
    when: Condition = Field(description="The condition over facts and findings.")
    then: list[Effect] = Field(
        min_length=1, description="The effects: derive, adjust, set or fail_gate."
    )


class VerdictRule(_Judgement):
    """The first verdict rule (in order) whose condition holds gives the verdict."""

    verdict: Identifier = Field(description="The verdict given: 'recommended', ...")
    when: Condition | None = Field(
        default=None, description="The condition over facts, findings and metrics."
    )
    otherwise: bool = Field(
        default=False, description="true on the last rule: the verdict when no other holds."
    )
    recommends: bool = Field(
        default=False,
        description="true on the verdict that recommends an option (so any vocabulary works).",
    )

    @model_validator(mode="after")
    def _when_xor_otherwise(self) -> "VerdictRule":
        if (self.when is None) == self.otherwise:
            return self
        raise ValueError("a verdict rule has either 'when' or 'otherwise: true'")


class RuleBase(Displayable, _Base):
    """General knowledge about a class of decisions, independent of any one case."""

    id: Identifier = Field(description="The rule base's id.")
    title: str = Field(description="What decisions it is for.")
    description: str | None = Field(default=None, description="A longer account, for readers.")
    documents: dict[Identifier, Document] = Field(
        default_factory=_empty_mapping, description="The documents judgements cite, by id."
    )
    scales: dict[Identifier, list[Identifier]] = Field(
        default_factory=_empty_mapping, description="Ordered levels, lowest first, by scale id."
    )
    facts: dict[Identifier, FactSpec] = Field(
        default_factory=_empty_mapping,
        description="What a scenario's evidence may state, by fact id.",
    )
    findings: dict[Identifier, FindingSpec] = Field(
        default_factory=_empty_mapping,
        description="What rules conclude from evidence, by finding id.",
    )
    criteria: dict[Identifier, Criterion] = Field(
        min_length=1, description="The weighted criteria tree; leaves carry the values."
    )
    gates: dict[Identifier, Gate] = Field(
        default_factory=_empty_mapping,
        description="Critical success factors; failing one excludes.",
    )
    causes: dict[Identifier, Cause] = Field(
        default_factory=_empty_mapping, description="Causes of the problems, by id."
    )
    problems: dict[Identifier, Problem] = Field(
        default_factory=_empty_mapping, description="The service's problems, by id."
    )
    options: dict[Identifier, Option] = Field(
        min_length=1, description="The options appraised, by id."
    )
    rules: dict[Identifier, Rule] = Field(
        default_factory=_empty_mapping,
        description="Rules that turn evidence into findings and values.",
    )
    verdicts: list[VerdictRule] = Field(
        min_length=1,
        description="Ordered verdict rules: the first that holds gives an option its verdict.",
    )

    @property
    def recommending_verdict(self) -> str | None:
        """The verdict declared ``recommends: true``: an option given it is the recommendation."""
        return next((v.verdict for v in self.verdicts if v.recommends), None)

    def _summary(self) -> Summary:
        return Summary(
            kind="RuleBase",
            headline=f"{self.id!r}: {counted(len(self.options), 'option')},"
            f" {counted(len(self.criteria), 'top-level criterion', 'top-level criteria')},"
            f" {counted(len(self.facts), 'fact')}, {counted(len(self.rules), 'rule')}",
            title=f"{self.title} ({self.id})",
            tables=(
                Table(
                    ("Option", "Name"),
                    tuple((option_id, o.name) for option_id, o in self.options.items()),
                ),
            ),
        )


# --------------------------------------------------------------------------- scenario


class EvidenceItem(_Base):
    """One fact about the case, with its source and how far it can be trusted."""

    statement: str = Field(description="What the source says, in words.")
    value: InputValue | None = Field(
        default=None,
        description="A number, true/false, a level name or text, of the fact's type; null is"
        " unknown.",
    )
    unit: str | None = Field(default=None, description="The unit of a number.")
    source: Source = Field(description="The citation: 'document-id para 5.7'.")
    confidence: float = Field(
        default=1.0,
        ge=0,
        le=1,
        allow_inf_nan=False,
        description="How far it can be trusted, 0..1 (default 1); sampled by sensitivity.",
    )
    range: Range | None = Field(
        default=None,
        description="Numbers only: plausible values [low, high], for sensitivity analysis.",
    )


class Expectation(_Base):
    """What the appraisal of a scenario should conclude, so the rule base can be tested.

    A scenario taken from a real decision records the decision it led to; when
    the rule base changes, ``appraisal test`` shows at once which cases it no
    longer reproduces, and why.
    """

    recommended: Identifier | None = Field(
        description="The option that should be recommended, or null: nothing should be."
    )
    verdicts: dict[Identifier, Identifier] = Field(
        default_factory=_empty_mapping,
        description="Option id -> the verdict it should get (a verdict the rule base declares).",
    )
    drivers: dict[Identifier, Annotated[list[Identifier], Field(min_length=1)]] = Field(
        default_factory=_empty_mapping,
        description="Option id -> facts that must be among the drivers the explanation"
        " names for that option.",
    )
    rationale: str | None = Field(
        default=None, description="Why this is the right answer, in the analyst's words."
    )
    source: Source | None = Field(
        default=None, description="Where the expected answer was decided or published."
    )


class Scenario(Displayable, _Base):
    """The facts of one case at one time, appraised against a named rule base."""

    title: str = Field(description="The case and when: 'Birmingham, February 2014'.")
    description: str | None = Field(default=None, description="A longer account, for readers.")
    authority: str | None = Field(default=None, description="The authority appraised.")
    as_of: str | None = Field(default=None, description="When the evidence stood: '2014-02'.")
    rule_base: FileReference | None = Field(
        default=None, description="The rule base file, relative to this one."
    )
    extends: FileReference | None = Field(
        default=None,
        description="A scenario file this one starts from, stating only what changes.",
    )
    documents: dict[Identifier, Document] = Field(
        default_factory=_empty_mapping, description="Documents the evidence cites, by id."
    )
    evidence: dict[Identifier, EvidenceItem] = Field(
        default_factory=_empty_mapping,
        description="Evidence by fact id (a fact the rule base declares); a fact left out is"
        " unknown.",
    )
    weights: dict[Identifier, Weight] = Field(
        default_factory=_empty_mapping,
        description="Raw weight overrides by criterion id, replacing the rule base's.",
    )
    weight_ranges: dict[Identifier, WeightRange] = Field(
        default_factory=_empty_mapping,
        description="Plausible raw weights [low, high] per criterion, for sensitivity analysis.",
    )
    weight_spread: float | None = Field(
        default=None,
        ge=0,
        le=1,
        allow_inf_nan=False,
        description="Spread around every weight without a range, 0..1 (0.2: +/- 20%).",
    )
    expect: Expectation | None = Field(
        default=None,
        description="What the appraisal should conclude, for 'appraisal test'; never inherited.",
    )

    @model_validator(mode="after")
    def _names_a_rule_base(self) -> "Scenario":
        if self.rule_base is None and self.extends is None:
            raise ValueError("a scenario names its 'rule_base' (or 'extends' one that does)")
        return self

    def _summary(self) -> Summary:
        on = self.rule_base or f"extends {self.extends}"
        return Summary(
            kind="Scenario",
            headline=f"{quoted(self.title)}: {counted(len(self.evidence), 'evidence item')},"
            f" on {on}",
            title=self.title,
        )

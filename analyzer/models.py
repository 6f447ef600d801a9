"""Pydantic models: the contract between the pipeline stages and the JSON output.

Design rules, so that the extraction models can serve as OpenAI strict structured-output schemas:
no free-form dicts (key/value lists instead), every field required in the schema (optional values are
typed `X | None`), enums for categorical values.
"""

from __future__ import annotations

import hashlib
import math
from datetime import datetime
from enum import StrEnum
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, model_validator

SCHEMA_VERSION = "2.2"
"""2.0: tri-state exposure facts with per-fact evidence, AIVSS range, analyst edits (1.0 is still read).
2.1: the range also spans each judged factor value by `aivss.range.factor_margin` (2.0 files read as margin 0).
2.2: a stated exposure fact may be `implied_by` another stated fact, whose quote it carries (older files: none)."""


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", use_enum_values=False, validate_assignment=False)


def _empty_list() -> list:  # type: ignore[type-arg]
    """`default_factory` for list fields. Not `list` itself: pydantic inspects a factory's signature, and
    for a builtin that means tokenizing its text signature (~3 ms of start-up, for the tokenizer's regex)."""
    return []


# --------------------------------------------------------------------------- vocabularies


class FactorKey(StrEnum):
    AUTONOMY_OF_ACTION = "autonomy_of_action"
    GOAL_DRIVEN_PLANNING = "goal_driven_planning"
    SELF_MODIFICATION = "self_modification"
    DYNAMIC_TOOL_USE = "dynamic_tool_use"
    PERSISTENT_MEMORY = "persistent_memory"
    CONTEXTUAL_AWARENESS = "contextual_awareness"
    DYNAMIC_IDENTITY = "dynamic_identity"
    MULTI_AGENT_INTERACTIONS = "multi_agent_interactions"
    NON_DETERMINISM = "non_determinism"
    OPACITY_REFLEXIVITY = "opacity_reflexivity"


FACTOR_ORDER: tuple[FactorKey, ...] = tuple(FactorKey)

FACTOR_NAMES: dict[FactorKey, str] = {
    FactorKey.AUTONOMY_OF_ACTION: "Autonomy of Action",
    FactorKey.GOAL_DRIVEN_PLANNING: "Goal-Driven Planning",
    FactorKey.SELF_MODIFICATION: "Self-Modification",
    FactorKey.DYNAMIC_TOOL_USE: "Dynamic Tool Use",
    FactorKey.PERSISTENT_MEMORY: "Persistent Memory",
    FactorKey.CONTEXTUAL_AWARENESS: "Contextual Awareness",
    FactorKey.DYNAMIC_IDENTITY: "Dynamic Identity",
    FactorKey.MULTI_AGENT_INTERACTIONS: "Multi-Agent Interactions",
    FactorKey.NON_DETERMINISM: "Non-Determinism",
    FactorKey.OPACITY_REFLEXIVITY: "Opacity & Reflexivity",
}


class Kind(StrEnum):
    """What sort of system the listing describes; the rubric's floors depend on it."""

    IMAGE_VIDEO_AUDIO_MODEL = "image-video-audio-model"
    TEXT_LLM = "text-llm"
    TOOL_CALLING_LLM = "tool-calling-llm"
    CLASSIFIER_EMBEDDING_ASR = "classifier-embedding-asr"
    MCP_SERVER_OR_TOOL = "mcp-server-or-tool"
    CODING_AGENT = "coding-agent"
    BROWSER_OR_COMPUTER_USE_AGENT = "browser-or-computer-use-agent"
    MULTI_AGENT_FRAMEWORK = "multi-agent-framework"
    AUTONOMOUS_AGENT = "autonomous-agent"
    AGENT_FRAMEWORK = "agent-framework"
    MEMORY_SYSTEM = "memory-system"
    ASSISTANT_APP = "assistant-app"
    UNKNOWN = "unknown"



class Modality(StrEnum):
    TEXT = "text"
    IMAGE = "image"
    VIDEO = "video"
    AUDIO = "audio"
    CODE = "code"
    STRUCTURED_DATA = "structured-data"
    ACTIONS = "actions"  # tool calls, clicks, commands: output that acts rather than informs


class FactorStatus(StrEnum):
    STATED = "stated"  # the listing states evidence for the value
    NOT_STATED = "not_stated"  # no evidence: the value is the floor for the kind
    UNKNOWN = "unknown"  # extraction failed: no value at all


class LayerId(StrEnum):
    L1 = "L1"
    L2 = "L2"
    L3 = "L3"
    L4 = "L4"
    L5 = "L5"
    L6 = "L6"
    L7 = "L7"


LAYER_NAMES: dict[LayerId, str] = {
    LayerId.L1: "Foundation Models",
    LayerId.L2: "Data Operations",
    LayerId.L3: "Agent Frameworks",
    LayerId.L4: "Deployment & Infrastructure",
    LayerId.L5: "Evaluation & Observability",
    LayerId.L6: "Security & Compliance",
    LayerId.L7: "Agent Ecosystem",
}


class LayerStatus(StrEnum):
    MAPPED = "mapped"
    NOT_CERTAIN = "not_certain"


class MitigationKind(StrEnum):
    SANDBOX = "sandbox"  # containers, VMs, restricted execution
    APPROVAL_GATE = "approval_gate"  # human confirms risky actions
    ALLOW_LIST = "allow_list"  # restricted tools, paths, domains, commands
    GUARDRAIL = "guardrail"  # input/output filters, safety classifiers, moderation
    ACCESS_CONTROL = "access_control"  # auth, scoped tokens, least privilege
    AUDIT_LOG = "audit_log"  # tracing / logging of actions
    READ_ONLY = "read_only"  # read-only mode or scope


class Severity(StrEnum):
    INFO = "info"
    WARNING = "warning"
    ERROR = "error"


# --------------------------------------------------------------------------- value types


def _factor_value(v: float) -> float:
    if isinstance(v, bool) or not math.isfinite(v):
        raise ValueError("factor value must be a finite number")
    if v < 0.0 or v > 1.0:
        raise ValueError(f"factor value {v} is outside 0.0–1.0")
    snapped = round(v * 10) / 10
    if abs(snapped - v) > 0.0101:
        raise ValueError(f"factor value {v} is not on the 0.1 grid (use e.g. {snapped:.1f})")
    return snapped


FactorValue = Annotated[float, AfterValidator(_factor_value)]

# The one tolerance for comparing factor values, sums and scores: they sit on a 0.1 grid but are stored as
# binary floats, so 0.1 + 0.2 must count as 0.3 at every threshold.
EPSILON = 1e-9


# --------------------------------------------------------------------------- the listing


class Section(_Model):
    heading: str = Field(description="Section heading as written; '' for text before the first heading.")
    level: int = Field(description="Heading level 1–6; 0 for the preamble.")
    text: str


class MetadataField(_Model):
    """One metadata fact: an HF API field, a front-matter key, an OpenGraph/JSON-LD property."""

    key: str
    value: str
    source: str = Field(description="Where it came from: 'front_matter', 'hf_api', 'github_api', 'json_ld', 'opengraph', 'manifest'.")


class Listing(_Model):
    source: str = Field(description="What the user gave: a path, '-', or a URL.")
    source_type: Literal["file", "stdin", "url", "huggingface", "github"]
    canonical_url: str | None
    title: str
    text: str = Field(description="The clean text the extractors read (Markdown-ish).")
    sections: list[Section]
    metadata: list[MetadataField]
    content_hash: str = Field(description="sha256 of `text`, hex.")
    revision: str | None = Field(description="HF sha, git ref, or ETag/Last-Modified of what was analysed.")
    fetched_at: datetime | None
    content_type: str | None

    def meta(self, key: str) -> list[str]:
        """All values of a metadata key (case-insensitive)."""
        k = key.lower()
        return [m.value for m in self.metadata if m.key.lower() == k]

    @staticmethod
    def hash_text(text: str) -> str:
        return hashlib.sha256(text.encode("utf-8")).hexdigest()


# --------------------------------------------------------------------------- extraction output


class Evidence(_Model):
    quote: str = Field(description="Verbatim quote from the listing text or a metadata value.", max_length=600)
    location: str = Field(description="Section heading, or 'metadata:<key>' for a metadata field.", max_length=200)
    verified: bool | None = Field(description="True when the quote was found in the listing; None when not checked.")


class FactorAssessment(_Model):
    key: FactorKey
    name: str
    value: FactorValue | None = Field(description="0.0–1.0 in 0.1 steps; None only when status is 'unknown'.")
    status: FactorStatus
    rationale: str = Field(max_length=800)
    evidence: list[Evidence]
    floor_applied: bool = Field(description="True when the value is the kind's floor because no grounded evidence supports more.")
    set_by_analyst: bool = Field(default=False, description="True when an analyst set the value (`analyzer score --set`).")

    @model_validator(mode="after")
    def _value_matches_status(self) -> FactorAssessment:
        if self.status is FactorStatus.UNKNOWN and self.value is not None:
            raise ValueError(f"{self.key}: status 'unknown' must have no value")
        if self.status is not FactorStatus.UNKNOWN and self.value is None:
            raise ValueError(f"{self.key}: a value is required unless status is 'unknown'")
        return self


class LayerStatement(_Model):
    """What the listing states about one MAESTRO layer (drives the mapped / not-certain rule)."""

    layer: LayerId
    stated: str | None = Field(description="Short summary of what the listing states for this layer; None if nothing.", max_length=400)
    evidence: list[Evidence]


class FactValue(StrEnum):
    """An exposure fact per rubric.md "Exposure facts": not_stated is not no."""

    YES = "yes"
    NO = "no"
    NOT_STATED = "not_stated"


class FactSource(StrEnum):
    STATED = "stated"  # the listing states it: a yes/no with its verified quote
    ASSUMED = "assumed"  # no quote: a rule of the rubric for the kind (a model runs no code of its own), or not_stated
    SET_BY_ANALYST = "set_by_analyst"  # an analyst's edit (`analyzer score --fact`); Analysis.edits has the previous value


class ExposureFact(_Model):
    value: FactValue = Field(description="yes / no as the listing states it (with a quote), not_stated when it depends on the deployment.")
    evidence: list[Evidence] = Field(description="Verified quotes for this fact only; required for a stated yes or no.")
    source: FactSource
    implied_by: str | None = Field(
        default=None,
        max_length=400,
        description="Set when the quote states another fact that plainly implies this one (rubric): which, and why it follows; None when the quote states this fact itself.",
    )

    @model_validator(mode="after")
    def _stated_has_quote(self) -> ExposureFact:
        if self.source is FactSource.STATED and (self.value is FactValue.NOT_STATED or not self.evidence):
            raise ValueError("a stated exposure fact needs a yes/no value and at least one quote")
        return self

    @classmethod
    def not_stated(cls) -> ExposureFact:
        return cls(value=FactValue.NOT_STATED, evidence=[], source=FactSource.ASSUMED)

    @property
    def yes(self) -> bool:
        return self.value is FactValue.YES

    @property
    def implied(self) -> bool:
        """A stated value that follows from another stated fact (`implied_by`), not one the quote states."""
        return self.source is FactSource.STATED and bool(self.implied_by)


class ExposureFacts(_Model):
    """Facts that feed the derived CVSS v4.0 vector, each with its own evidence (rubric.md "Exposure facts")."""

    network_service: ExposureFact = Field(description="Runs as a network-reachable service or hosted API (vs local library/weights).")
    processes_untrusted_content: ExposureFact = Field(description="Reads web pages, emails, repos, documents or other third-party input.")
    executes_code: ExposureFact = Field(description="The system itself runs shell commands or generated code.")
    writes_files: ExposureFact = Field(description="Creates or edits files on the user's machine or repository.")
    controls_browser_or_desktop: ExposureFact = Field(description="Drives a browser, screen, mouse or keyboard.")
    uses_credentials: ExposureFact = Field(description="Uses keys, tokens, OAuth grants or logins to reach services for the user (beyond its own model provider key).")
    acts_on_external_systems: ExposureFact = Field(description="Changes state outside itself: APIs with side effects, messages, PRs, payments, infrastructure.")
    human_approval_required: ExposureFact = Field(description="By default a human approves each risky action.")

    @model_validator(mode="before")
    @classmethod
    def _read_schema_1_0(cls, data: object) -> object:
        """Read the 1.0 shape (eight booleans plus one shared evidence list).

        1.0 tied no quote to a flag, so no flag is a stated fact here: true and false both become
        not_stated (the score's range then covers both values) and the shared quotes are dropped. The
        scorer's per-kind rules still settle what the rubric settles without a quote (a text LLM runs no
        code of its own). Re-run `analyzer analyze` to get per-fact quotes.
        """
        if isinstance(data, dict) and (isinstance(data.get("evidence"), list) or any(isinstance(v, bool) for v in data.values())):
            return {name: (ExposureFact.not_stated() if isinstance(v, bool) else v) for name, v in data.items() if name != "evidence"}
        return data

    def fact(self, name: str) -> ExposureFact:
        if name not in EXPOSURE_FACTS:
            raise KeyError(name)
        return getattr(self, name)

    def values(self) -> dict[str, FactValue]:
        return {name: getattr(self, name).value for name in EXPOSURE_FACTS}

    def evidence(self) -> list[Evidence]:
        """Every fact's quotes, in fact order."""
        return [e for name in EXPOSURE_FACTS for e in getattr(self, name).evidence]

    @classmethod
    def all_not_stated(cls) -> ExposureFacts:
        return cls(**{name: ExposureFact.not_stated() for name in EXPOSURE_FACTS})


EXPOSURE_FACTS: tuple[str, ...] = tuple(ExposureFacts.model_fields)


class Mitigation(_Model):
    """A safeguard the system itself provides (not advice to the user), with its quote."""

    kind: MitigationKind
    description: str = Field(max_length=300)
    evidence: list[Evidence]
    set_by_analyst: bool = Field(default=False, description="True when an analyst stated it (`analyzer score --stated-mitigations`).")


class SystemProfile(_Model):
    kind: Kind
    name: str = Field(max_length=200)
    developer: str | None = Field(max_length=200)
    summary: str = Field(description="One or two sentences: what the system is and does.", max_length=800)
    input_modalities: list[Modality]
    output_modalities: list[Modality]
    underlying_models: list[str] = Field(description="Model names it is or runs on, as stated.")
    layers: list[LayerStatement]
    exposure: ExposureFacts
    mitigations: list[Mitigation]
    kind_evidence: list[Evidence]
    kind_set_by_analyst: bool = Field(default=False, description="True when an analyst set the kind (`analyzer score --kind`).")
    from_heuristic: list[str] = Field(
        default_factory=_empty_list,
        description="Items the LLM gave without a verified quote, taken from the offline heuristic instead: 'kind', 'fact:<name>', 'mitigation:<kind>'.",
    )


class AgenticProfile(_Model):
    """Everything an extractor produces: the system description plus the ten factor assessments."""

    system: SystemProfile
    factors: list[FactorAssessment]

    @model_validator(mode="after")
    def _ten_factors_in_order(self) -> AgenticProfile:
        keys = [f.key for f in self.factors]
        if keys != list(FACTOR_ORDER):
            raise ValueError(f"factors must be the ten AIVSS factors in display order, got {[str(k) for k in keys]}")
        return self

    def factor(self, key: FactorKey | str) -> FactorAssessment:
        key = FactorKey(key)
        return next(f for f in self.factors if f.key is key)

    def values(self) -> dict[FactorKey, float | None]:
        return {f.key: f.value for f in self.factors}


# --------------------------------------------------------------------------- scoring


class Formula(StrEnum):
    V0_8 = "v0.8"
    V0_5 = "v0.5"


class Rounding(StrEnum):
    PYTHON = "python"  # round(x, 1) on the binary float: matches the reference site
    HALF_UP = "half-up"  # the spec text


class Scale(StrEnum):
    FINE = "fine"  # 0.0–1.0 in 0.1 steps
    SPEC = "spec"  # snapped to 0 / 0.5 / 1


class Band(StrEnum):
    CRITICAL = "Critical"
    HIGH = "High"
    MEDIUM = "Medium"
    LOW = "Low"
    NONE = "None"
    UNKNOWN = "Unknown"  # extraction failed: no score


class ScoringOptions(_Model):
    """User choices for scoring. Every None means 'derive it from the profile'."""

    formula: Formula = Formula.V0_8
    rounding: Rounding = Rounding.PYTHON
    scale: Scale = Scale.FINE
    cvss_vector: str | None = None
    cvss_base: float | None = None
    threat_multiplier: float | None = None
    mitigation_factor: float | None = None


class ScoreReason(_Model):
    input: Literal["cvss_base", "threat_multiplier", "mitigation_factor", "factors"]
    value: str
    reason: str
    overridden: bool


class AivssRange(_Model):
    """The AIVSS score and band over every combination of values of the exposure facts not stated, with
    each factor value the tool judged moved by `factor_margin` either way."""

    low: float | None
    high: float | None
    band_low: Band
    band_high: Band
    unstated: list[str] = Field(description="Names of the exposure facts the range is taken over (value not_stated).")
    factor_margin: float = Field(
        default=0.0,
        description="How far each factor value the tool judged may move for the range (analyst-set values do not); 0.0 in files written before schema 2.1.",
    )


class FactAssumption(_Model):
    """The value the point score takes for an exposure fact the listing does not state (per-kind, data)."""

    fact: str
    value: FactValue
    reason: str


class AivssSteps(_Model):
    """The formula's intermediate values, unrounded, as computed once by analyzer.formula (reports print these)."""

    factor_sum: float
    aars: float
    raw: float


class AivssResult(_Model):
    score: float | None = Field(description="AIVSS 0.0–10.0; None when the extraction failed.")
    band: Band
    cvss_base: float | None = Field(description="None only when extraction failed and no base was given.")
    cvss_vector: str | None
    threat_multiplier: float
    mitigation_factor: float
    aars: float | None
    factor_sum: float | None
    formula: Formula
    rounding: Rounding
    scale: Scale
    reasons: list[ScoreReason]
    range: AivssRange | None = Field(default=None, description="Score over the unstated exposure facts and the factors' margin; None when there is no score.")
    assumptions: list[FactAssumption] = Field(default_factory=_empty_list, description="Assumed values the point score uses for unstated facts.")
    steps: AivssSteps | None = Field(default=None, description="The formula's unrounded intermediate values; None when there is no score.")


# --------------------------------------------------------------------------- MAESTRO


class MaestroLayer(_Model):
    layer: LayerId
    name: str
    status: LayerStatus
    text: str
    brief: str = Field(default="", description="The layer in two or three sentences for the concise report (empty: use `text`).")
    threats: list[str] = Field(description="Threat names from the catalogue that the paragraph names.")
    drivers: list[FactorKey] = Field(description="Factors whose values raised these threats.")
    aivss_risks: list[str] = Field(description="AIVSS core risks mapped to this layer.")


class CrossLayerThreat(_Model):
    name: str
    layers: list[LayerId]
    text: str
    drivers: list[FactorKey]


class ThreatModel(_Model):
    summary: str
    layers: list[MaestroLayer]
    cross_layer: list[CrossLayerThreat]


# --------------------------------------------------------------------------- run record


class AnalysisWarning(_Model):
    code: str = Field(description="Stable identifier, e.g. 'prompt_injection', 'ungrounded_quote', 'llm_disagreement'.")
    severity: Severity
    message: str
    detail: str | None


class ExtractionOutcome(_Model):
    status: Literal["ok", "failed"]
    provider: str
    error: str | None
    quotes_total: int
    quotes_verified: int
    quotes_dropped: int


class StageTiming(_Model):
    stage: str
    seconds: float


class RunManifest(_Model):
    tool_version: str
    provider: str
    model: str | None
    prompt_version: str | None
    prompt_hash: str | None
    started_at: datetime
    timings: list[StageTiming]
    input_tokens: int | None
    output_tokens: int | None
    estimated_cost_usd: float | None
    cache_hit: bool | None
    samples: int


class AnalystEdit(_Model):
    """One value an analyst set with `analyzer score` / `analyzer.rescore`; the edited item is marked too."""

    target: str = Field(description="'kind', 'factor:<key>', 'fact:<name>', 'mitigations', 'threat_multiplier' or 'mitigation_factor'.")
    previous: str
    value: str
    note: str | None


class Analysis(_Model):
    """The whole result of one run; its JSON is the `analyze` / `score` output."""

    schema_version: str = SCHEMA_VERSION
    listing: Listing
    system: SystemProfile | None
    factors: list[FactorAssessment]
    aivss: AivssResult
    summary: str
    maestro: list[MaestroLayer]
    cross_layer: list[CrossLayerThreat]
    warnings: list[AnalysisWarning]
    extraction: ExtractionOutcome
    run: RunManifest
    edits: list[AnalystEdit] = Field(default_factory=_empty_list, description="Analyst edits, oldest first.")

    @property
    def failed(self) -> bool:
        return self.extraction.status == "failed"

    def profile(self) -> AgenticProfile | None:
        if self.system is None or self.failed:
            return None
        return AgenticProfile(system=self.system, factors=self.factors)

"""The deterministic AIVSS scorer: the formula, its options, input derivation, overrides and the CLI."""

from __future__ import annotations

import json
import math
from decimal import Decimal, localcontext
from pathlib import Path
from typing import Any

import pytest
from cvss import CVSS4
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from analyzer.cli.main import main
from builders import build_exposure
from analyzer.errors import ScoringError
from analyzer.models import (
    EXPOSURE_FACTS,
    FACTOR_NAMES,
    FACTOR_ORDER,
    AgenticProfile,
    Band,
    ExposureFacts,
    FactorAssessment,
    FactorStatus,
    Formula,
    Kind,
    Mitigation,
    MitigationKind,
    Rounding,
    Scale,
    ScoringOptions,
    SystemProfile,
)
from analyzer.score import (
    band_for,
    compute_aivss,
    derive_cvss,
    derive_mitigation,
    display_number,
    parse_mitigation,
    parse_threat,
    score_profile,
    snap_to_spec_scale,
)

EXAMPLES_FILE = Path(__file__).resolve().parents[1].parent / "shared" / "reference" / "aivss_examples.json"
_EXAMPLES: list[dict[str, Any]] = json.loads(EXAMPLES_FILE.read_text("utf-8"))["examples"] if EXAMPLES_FILE.is_file() else []

FACTS = EXPOSURE_FACTS  # human_approval_required last: the one fact that lowers CVSS

grid = st.integers(0, 10).map(lambda i: i / 10)  # factor values on the 0.1 grid
ten_grid = st.lists(grid, min_size=10, max_size=10)
ten_any = st.lists(st.floats(0.0, 1.0), min_size=10, max_size=10)
cvss_grid = st.integers(0, 100).map(lambda i: i / 10)
unit_multiplier = st.integers(50, 100).map(lambda i: i / 100)  # ThM / MF in 0.50–1.00


# --------------------------------------------------------------------------- profile builders


def make_profile(
    kind: Kind,
    values: list[float],
    *,
    mitigations: tuple[MitigationKind, ...] = (),
    **facts: bool,
) -> AgenticProfile:
    exposure = build_exposure(**facts)
    system = SystemProfile(
        kind=kind,
        name="test system",
        developer=None,
        summary="A system made up for a test.",
        input_modalities=[],
        output_modalities=[],
        underlying_models=[],
        layers=[],
        exposure=exposure,
        mitigations=[Mitigation(kind=m, description=f"{m} stated", evidence=[]) for m in mitigations],
        kind_evidence=[],
    )
    factors = [
        FactorAssessment(key=k, name=FACTOR_NAMES[k], value=v, status=FactorStatus.STATED, rationale="test", evidence=[], floor_applied=False)
        for k, v in zip(FACTOR_ORDER, values, strict=True)
    ]
    return AgenticProfile(system=system, factors=factors)


PLAIN_IMAGE_MODEL = make_profile(Kind.IMAGE_VIDEO_AUDIO_MODEL, [0, 0, 0, 0, 0, 0.1, 0, 0, 0.6, 0.7])
CODING_AGENT_VALUES = [0.8, 0.7, 0.3, 0.9, 0.4, 0.8, 0.3, 0.2, 0.7, 0.6]
CODING_AGENT = make_profile(Kind.CODING_AGENT, CODING_AGENT_VALUES, executes_code=True, writes_files=True, processes_untrusted_content=True)


# --------------------------------------------------------------------------- reference vectors


@pytest.mark.skipif(not _EXAMPLES, reason=f"reference vectors not found at {EXAMPLES_FILE}")
@pytest.mark.parametrize("example", _EXAMPLES, ids=[e["name"] for e in _EXAMPLES])
def test_reference_site_vectors_reproduce(example: dict[str, Any]) -> None:
    factors = [example["factors"][k] for k in FACTOR_ORDER]
    result = compute_aivss(example["cvss_base"], factors, example["threat_multiplier"], example["mitigation_factor"])
    expected = example["expected"]
    assert result.score == expected["aivss"]
    assert result.band.value == expected["band"]
    assert display_number(result.aars) == expected["aars_shown"]


def test_all_24_reference_vectors_are_present() -> None:
    if not EXAMPLES_FILE.is_file():
        pytest.skip(f"reference vectors not found at {EXAMPLES_FILE}")
    assert len(_EXAMPLES) == 24


# Hand-computed cases (our own numbers), so the formula is pinned even without ../shared.
@pytest.mark.parametrize(
    ("cvss", "factors", "thm", "mf", "formula", "score", "band", "aars"),
    [
        # AARS = (10-6)*(3.0/10)*1.0 = 1.2; (6+1.2)*1 = 7.2
        (6.0, [0.3] * 10, 1.0, 1.0, Formula.V0_8, 7.2, Band.HIGH, 1.2),
        # no agentic factors: AIVSS = CVSS base
        (2.0, [0.0] * 10, 0.97, 1.0, Formula.V0_8, 2.0, Band.LOW, 0.0),
        # AARS = 1*1*1 = 1; (9+1)*0.67 = 6.7
        (9.0, [1.0] * 10, 1.0, 0.67, Formula.V0_8, 6.7, Band.MEDIUM, 1.0),
        # v0.5: ((7+4)/2)*0.97 = 5.335 → 5.3; mitigation factor ignored
        (7.0, [0.4] * 10, 0.97, 0.5, Formula.V0_5, 5.3, Band.MEDIUM, 4.0),
        # clamped: (10+0)*1.5 = 15 → 10
        (10.0, [1.0] * 10, 1.5, 1.5, Formula.V0_8, 10.0, Band.CRITICAL, 0.0),
        (10.0, [1.0] * 10, 1.5, 1.0, Formula.V0_5, 10.0, Band.CRITICAL, 10.0),
    ],
)
def test_hand_computed_cases(cvss: float, factors: list[float], thm: float, mf: float, formula: Formula, score: float, band: Band, aars: float) -> None:
    result = compute_aivss(cvss, factors, thm, mf, formula=formula)
    assert (result.score, result.band) == (score, band)
    assert result.aars == pytest.approx(aars)


def test_half_up_and_python_rounding_differ_at_the_9_25_tie() -> None:
    factors = [0.5] * 10  # CVSS 8.5, sum 5.0, ThM 1, MF 1 → raw exactly 9.25
    python = compute_aivss(8.5, factors, 1.0, 1.0)
    half_up = compute_aivss(8.5, factors, 1.0, 1.0, rounding=Rounding.HALF_UP)
    assert python.raw == half_up.raw == 9.25
    assert (python.score, half_up.score) == (9.2, 9.3)
    assert python.band is half_up.band is Band.CRITICAL


def test_half_up_rounds_decimal_ties_that_binary_floats_round_down() -> None:
    # 0.5 + (10-0.5)*(7.0/10)*1 = 7.15 exactly in decimal, 7.1499999999999995 as a float
    factors = [0.7] * 10
    assert compute_aivss(0.5, factors, 1.0, 1.0, rounding=Rounding.HALF_UP).score == 7.2
    assert compute_aivss(0.5, factors, 1.0, 1.0).score == 7.1


# --------------------------------------------------------------------------- properties of the formula


@settings(max_examples=150, deadline=None)
@given(cvss=st.floats(0.0, 10.0), factors=ten_any, thm=st.floats(0.01, 1.0), mf=st.floats(0.01, 1.0), formula=st.sampled_from(Formula), rounding=st.sampled_from(Rounding))
def test_score_is_bounded_without_clamping_when_multipliers_at_most_one(cvss: float, factors: list[float], thm: float, mf: float, formula: Formula, rounding: Rounding) -> None:
    result = compute_aivss(cvss, factors, thm, mf, formula=formula, rounding=rounding)
    assert 0.0 <= result.score <= 10.0
    assert -1e-9 <= result.raw <= 10.0 + 1e-9
    assert result.band is band_for(result.score)


@settings(max_examples=200, deadline=None)
@given(
    cvss=cvss_grid,
    factors=ten_grid,
    index=st.integers(0, 9),
    bump=st.integers(1, 10).map(lambda i: i / 10),
    thm=unit_multiplier,
    mf=unit_multiplier,
    formula=st.sampled_from(Formula),
    rounding=st.sampled_from(Rounding),
)
def test_score_is_monotone_in_each_factor(cvss: float, factors: list[float], index: int, bump: float, thm: float, mf: float, formula: Formula, rounding: Rounding) -> None:
    higher = list(factors)
    higher[index] = min(1.0, round(factors[index] + bump, 1))
    low = compute_aivss(cvss, factors, thm, mf, formula=formula, rounding=rounding)
    high = compute_aivss(cvss, higher, thm, mf, formula=formula, rounding=rounding)
    assert high.score >= low.score
    assert high.factor_sum >= low.factor_sum


@settings(max_examples=200, deadline=None)
@given(low=cvss_grid, high=cvss_grid, factors=ten_grid, thm=unit_multiplier, mf=unit_multiplier, formula=st.sampled_from(Formula), rounding=st.sampled_from(Rounding))
def test_score_is_monotone_in_cvss_base(low: float, high: float, factors: list[float], thm: float, mf: float, formula: Formula, rounding: Rounding) -> None:
    low, high = min(low, high), max(low, high)
    first = compute_aivss(low, factors, thm, mf, formula=formula, rounding=rounding)
    second = compute_aivss(high, factors, thm, mf, formula=formula, rounding=rounding)
    assert second.score >= first.score


def _exact_raw(cvss: float, factors: list[float], thm: float, mf: float) -> Decimal:
    with localcontext() as ctx:
        ctx.prec = 60
        d = [Decimal(repr(x)) for x in (cvss, thm, mf)]
        fs = sum((Decimal(repr(f)) for f in factors), Decimal(0))
        return (d[0] + (10 - d[0]) * (fs / 10) * d[1]) * d[2]


@settings(max_examples=300, deadline=None)
@given(cvss=cvss_grid, factors=ten_grid, thm=unit_multiplier, mf=unit_multiplier)
def test_rounding_modes_differ_only_at_exact_decimal_ties(cvss: float, factors: list[float], thm: float, mf: float) -> None:
    python = compute_aivss(cvss, factors, thm, mf)
    half_up = compute_aivss(cvss, factors, thm, mf, rounding=Rounding.HALF_UP)
    assert abs(python.score - half_up.score) <= 0.1 + 1e-9
    if python.score != half_up.score:
        exact = _exact_raw(cvss, factors, thm, mf)
        assert (exact * 100) % 10 == 5 and (exact * 100) == (exact * 100).to_integral_value()
        assert half_up.score > python.score  # half-up only ever rounds the tie upward


@settings(max_examples=100, deadline=None)
@given(cvss=cvss_grid, factors=ten_grid, thm=unit_multiplier, mf=unit_multiplier)
def test_v0_5_formula_averages_cvss_and_factor_sum_and_ignores_mitigation(cvss: float, factors: list[float], thm: float, mf: float) -> None:
    result = compute_aivss(cvss, factors, thm, mf, formula=Formula.V0_5)
    assert result.aars == pytest.approx(math.fsum(factors))
    assert result.score == round(((cvss + math.fsum(factors)) / 2) * thm, 1)
    assert result == compute_aivss(cvss, factors, thm, 1.0, formula=Formula.V0_5)


@pytest.mark.parametrize(("value", "snapped"), [(0.0, 0.0), (0.2, 0.0), (0.24, 0.0), (0.25, 0.5), (0.3, 0.5), (0.7, 0.5), (0.74, 0.5), (0.75, 1.0), (0.9, 1.0), (1.0, 1.0)])
def test_spec_scale_snaps_half_up_to_halves(value: float, snapped: float) -> None:
    assert snap_to_spec_scale(value) == snapped


@settings(max_examples=100, deadline=None)
@given(cvss=cvss_grid, factors=ten_any, thm=unit_multiplier, mf=unit_multiplier)
def test_spec_scale_equals_fine_scale_on_snapped_factors(cvss: float, factors: list[float], thm: float, mf: float) -> None:
    snapped = [snap_to_spec_scale(f) for f in factors]
    assert all(s in (0.0, 0.5, 1.0) and abs(s - f) <= 0.25 for s, f in zip(snapped, factors, strict=True))
    assert compute_aivss(cvss, factors, thm, mf, scale=Scale.SPEC) == compute_aivss(cvss, snapped, thm, mf)


@pytest.mark.parametrize(
    ("score", "band"),
    [
        (None, Band.UNKNOWN),
        (0.0, Band.NONE),
        (0.05, Band.LOW),
        (0.1, Band.LOW),
        (3.9, Band.LOW),
        (3.95, Band.LOW),
        (3.99, Band.LOW),
        (4.0, Band.MEDIUM),
        (6.9, Band.MEDIUM),
        (6.95, Band.MEDIUM),
        (7.0, Band.HIGH),
        (8.9, Band.HIGH),
        (8.95, Band.HIGH),
        (9.0, Band.CRITICAL),
        (10.0, Band.CRITICAL),
    ],
)
def test_band_boundaries(score: float | None, band: Band) -> None:
    assert band_for(score) is band


@pytest.mark.parametrize("score", [-0.1, 10.01, float("nan"), float("inf")])
def test_band_of_impossible_score_is_an_error(score: float) -> None:
    with pytest.raises(ScoringError):
        band_for(score)


# --------------------------------------------------------------------------- invalid input


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"factors": [0.5] * 9}, "expected 10 factor values, got 9"),
        ({"factors": [0.5] * 11}, "expected 10 factor values, got 11"),
        ({"factors": [0.5, 0.5, 1.5] + [0.5] * 7}, "factor 3 (self_modification) = 1.5 is outside"),
        ({"factors": [-0.1] + [0.5] * 9}, "factor 1 (autonomy_of_action)"),
        ({"factors": [float("nan")] + [0.5] * 9}, "finite"),
        ({"factors": [True] + [0.5] * 9}, "must be a number"),
        ({"factors": "0.5,0.5"}, "sequence of ten numbers"),
        ({"cvss_base": 10.5}, "CVSS base 10.5 is outside"),
        ({"cvss_base": -1}, "CVSS base -1 is outside"),
        ({"cvss_base": float("nan")}, "finite"),
        ({"threat_multiplier": 0.0}, "threat multiplier 0 is outside"),
        ({"threat_multiplier": 1.6}, "threat multiplier 1.6 is outside"),
        ({"mitigation_factor": -0.5}, "mitigation factor -0.5 is outside"),
        ({"mitigation_factor": 83}, "mitigation factor 83 is outside"),
        ({"formula": "v9"}, "unknown formula 'v9'"),
        ({"rounding": "banker"}, "unknown rounding"),
        ({"scale": "coarse"}, "unknown scale"),
    ],
)
def test_invalid_inputs_raise_scoring_error(kwargs: dict[str, Any], message: str) -> None:
    args: dict[str, Any] = {"cvss_base": 5.0, "factors": [0.5] * 10} | kwargs
    with pytest.raises(ScoringError) as info:
        compute_aivss(**args)
    assert message in str(info.value)
    assert info.value.exit_code == 2


@settings(max_examples=100, deadline=None)
@given(index=st.integers(0, 9), bad=st.one_of(st.floats(max_value=-1e-9), st.floats(min_value=1.0 + 1e-9)))
def test_any_factor_outside_unit_interval_is_rejected(index: int, bad: float) -> None:
    factors = [0.5] * 10
    factors[index] = bad
    with pytest.raises(ScoringError):
        compute_aivss(5.0, factors)


@pytest.mark.parametrize(("text", "value"), [("attacked", 1.0), ("POC", 0.97), ("proof-of-concept", 0.97), (" unreported ", 0.5), ("0.9", 0.9), ("1.1", 1.1), (1, 1.0)])
def test_parse_threat(text: str, value: float) -> None:
    assert parse_threat(text) == value


def test_parse_threat_uses_v0_5_multipliers_under_v0_5() -> None:
    assert parse_threat("unreported", Formula.V0_5) == 0.91
    assert parse_threat("attacked", "v0.5") == 1.0


@pytest.mark.parametrize(("text", "value"), [("none", 1.0), ("Partial", 0.83), ("strong", 0.67), ("0.7", 0.7)])
def test_parse_mitigation(text: str, value: float) -> None:
    assert parse_mitigation(text) == value


@pytest.mark.parametrize("text", ["bogus", "", "0", "-0.5", "1.6", "nan", "inf"])
def test_parse_threat_and_mitigation_reject_bad_values(text: str) -> None:
    with pytest.raises(ScoringError):
        parse_threat(text)
    with pytest.raises(ScoringError):
        parse_mitigation(text)


# --------------------------------------------------------------------------- derivation from a profile


def test_plain_model_derives_a_low_local_cvss_vector() -> None:
    vector, base, reasons = derive_cvss(PLAIN_IMAGE_MODEL)
    assert CVSS4(vector).base_score == base
    assert "AV:L" in vector and "UI:P" in vector and "SC:N" in vector
    assert 0.1 <= base <= 5.0
    assert len(reasons) == 11


def test_code_executing_agent_derives_a_high_cvss_vector() -> None:
    vector, base, reasons = derive_cvss(CODING_AGENT)
    assert CVSS4(vector).base_score == base
    assert "AV:N" in vector and "VC:H" in vector and "VI:H" in vector
    assert 7.0 <= base <= 9.0
    assert base > derive_cvss(PLAIN_IMAGE_MODEL)[1]
    assert any(r.startswith("AV:N") and "reads untrusted content" in r for r in reasons)


def test_reasons_follow_the_vector_metric_by_metric() -> None:
    vector, _, reasons = derive_cvss(CODING_AGENT)
    metrics = vector.removeprefix("CVSS:4.0/").split("/")
    assert [r.split(" — ")[0] for r in reasons] == metrics
    assert [m.split(":")[0] for m in metrics] == ["AV", "AC", "AT", "PR", "UI", "VC", "VI", "VA", "SC", "SI", "SA"]


def test_human_approval_sets_ui_active_and_does_not_raise_the_base() -> None:
    approving = make_profile(Kind.CODING_AGENT, CODING_AGENT_VALUES, executes_code=True, writes_files=True, processes_untrusted_content=True, human_approval_required=True)
    vector, base, reasons = derive_cvss(approving)
    assert "UI:A" in vector
    assert base <= derive_cvss(CODING_AGENT)[1]
    assert any(r.startswith("UI:A") and "approves" in r for r in reasons)


def test_credentialed_agent_acting_externally_impacts_subsequent_systems() -> None:
    agent = make_profile(Kind.AUTONOMOUS_AGENT, CODING_AGENT_VALUES, network_service=True, uses_credentials=True, acts_on_external_systems=True)
    vector, _, _ = derive_cvss(agent)
    assert "SC:H" in vector and "SI:H" in vector and "UI:N" in vector


@settings(max_examples=60, deadline=None)
@given(facts=st.fixed_dictionaries({f: st.booleans() for f in FACTS}), kind=st.sampled_from(Kind), values=ten_grid)
def test_any_profile_derives_a_valid_vector_deterministically(facts: dict[str, bool], kind: Kind, values: list[float]) -> None:
    profile = make_profile(kind, values, **facts)
    vector, base, reasons = derive_cvss(profile)
    assert CVSS4(vector).clean_vector() == vector and CVSS4(vector).base_score == base
    assert 0.0 <= base <= 10.0 and len(reasons) == 11
    assert derive_cvss(profile) == (vector, base, reasons)


@settings(max_examples=80, deadline=None)
@given(facts=st.fixed_dictionaries({f: st.booleans() for f in FACTS}), extra=st.sampled_from(FACTS[:-1]), kind=st.sampled_from(Kind), values=ten_grid)
def test_stating_more_exposure_never_lowers_the_derived_cvss(facts: dict[str, bool], extra: str, kind: Kind, values: list[float]) -> None:
    assume(not facts[extra])
    before = derive_cvss(make_profile(kind, values, **facts))[1]
    after = derive_cvss(make_profile(kind, values, **(facts | {extra: True})))[1]
    assert after >= before


@pytest.mark.parametrize(
    ("mitigations", "factor", "level"),
    [
        ((), 1.0, "none"),
        ((MitigationKind.AUDIT_LOG,), 1.0, "none"),
        ((MitigationKind.GUARDRAIL,), 0.83, "partial"),
        ((MitigationKind.SANDBOX,), 0.83, "partial"),
        ((MitigationKind.SANDBOX, MitigationKind.APPROVAL_GATE), 0.67, "strong"),
        ((MitigationKind.GUARDRAIL, MitigationKind.ACCESS_CONTROL, MitigationKind.ALLOW_LIST), 0.67, "strong"),
    ],
)
def test_mitigation_factor_from_stated_mitigations(mitigations: tuple[MitigationKind, ...], factor: float, level: str) -> None:
    got, reason = derive_mitigation(make_profile(Kind.CODING_AGENT, CODING_AGENT_VALUES, mitigations=mitigations))
    assert got == factor
    assert reason.startswith(level)


# --------------------------------------------------------------------------- score_profile


def _reasons(result: Any) -> dict[str, Any]:
    return {r.input: r for r in result.reasons}


def test_score_profile_derives_every_input_and_explains_it() -> None:
    result = score_profile(CODING_AGENT, ScoringOptions())
    reasons = _reasons(result)
    assert set(reasons) == {"cvss_base", "threat_multiplier", "mitigation_factor", "factors"}
    assert not any(r.overridden for r in result.reasons)
    vector, base, _ = derive_cvss(CODING_AGENT)
    assert (result.cvss_vector, result.cvss_base, result.threat_multiplier, result.mitigation_factor) == (vector, base, 0.97, 1.0)
    expected = compute_aivss(base, CODING_AGENT_VALUES, 0.97, 1.0)
    assert result.score == expected.score and result.band is expected.band
    assert result.aars == round(expected.aars, 2) and result.factor_sum == 5.7
    assert vector in reasons["cvss_base"].reason and "AV:N" in reasons["cvss_base"].reason


def test_overrides_are_used_and_recorded_as_overridden() -> None:
    options = ScoringOptions(cvss_vector="AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N", threat_multiplier=1.0, mitigation_factor=0.67)
    result = score_profile(PLAIN_IMAGE_MODEL, options)
    reasons = _reasons(result)
    assert result.cvss_vector == "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N"
    assert result.cvss_base == 9.3
    assert reasons["cvss_base"].overridden and reasons["threat_multiplier"].overridden and reasons["mitigation_factor"].overridden
    assert not reasons["factors"].overridden
    assert result.score == compute_aivss(9.3, [0, 0, 0, 0, 0, 0.1, 0, 0, 0.6, 0.7], 1.0, 0.67).score


def test_cvss_base_override_has_no_vector() -> None:
    result = score_profile(CODING_AGENT, ScoringOptions(cvss_base=5.0))
    assert result.cvss_base == 5.0 and result.cvss_vector is None
    assert _reasons(result)["cvss_base"].overridden
    assert not _reasons(result)["threat_multiplier"].overridden


@pytest.mark.parametrize("vector", ["CVSS:4.0/AV:X/AC:L", "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", "nonsense", "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N"])
def test_invalid_vector_override_names_the_vector(vector: str) -> None:
    with pytest.raises(ScoringError) as info:
        score_profile(CODING_AGENT, ScoringOptions(cvss_vector=vector))
    assert vector in str(info.value)


def test_vector_and_base_together_are_refused() -> None:
    with pytest.raises(ScoringError, match="only one"):
        score_profile(CODING_AGENT, ScoringOptions(cvss_vector="AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N", cvss_base=5.0))


@pytest.mark.parametrize("options", [ScoringOptions(threat_multiplier=0.0), ScoringOptions(mitigation_factor=2.0), ScoringOptions(cvss_base=11.0)])
def test_out_of_range_overrides_are_refused_even_for_failed_extractions(options: ScoringOptions) -> None:
    for profile in (CODING_AGENT, None):
        with pytest.raises(ScoringError):
            score_profile(profile, options)


def test_failed_extraction_is_unknown_not_a_score() -> None:
    result = score_profile(None, ScoringOptions())
    assert result.score is None and result.band is Band.UNKNOWN
    assert result.aars is None and result.factor_sum is None
    reasons = _reasons(result)
    assert set(reasons) == {"cvss_base", "threat_multiplier", "mitigation_factor", "factors"}
    assert reasons["cvss_base"].value == "unknown" and "extraction failed" in reasons["cvss_base"].reason
    assert reasons["factors"].value == "unknown"


def test_failed_extraction_still_shows_overridden_inputs() -> None:
    result = score_profile(None, ScoringOptions(cvss_base=7.0, threat_multiplier=1.0))
    assert result.score is None and result.band is Band.UNKNOWN
    assert result.cvss_base == 7.0 and result.threat_multiplier == 1.0
    assert _reasons(result)["cvss_base"].overridden


def test_options_are_recorded_and_applied() -> None:
    options = ScoringOptions(formula=Formula.V0_5, rounding=Rounding.HALF_UP, scale=Scale.SPEC, cvss_base=8.0)
    result = score_profile(CODING_AGENT, options)
    assert (result.formula, result.rounding, result.scale) == (Formula.V0_5, Rounding.HALF_UP, Scale.SPEC)
    snapped = [snap_to_spec_scale(v) for v in CODING_AGENT_VALUES]
    assert result.factor_sum == sum(snapped)
    assert result.score == compute_aivss(8.0, CODING_AGENT_VALUES, 0.97, 1.0, formula="v0.5", rounding="half-up", scale="spec").score
    assert "not used by the v0.5 formula" in _reasons(result)["mitigation_factor"].reason
    assert "spec scale" in _reasons(result)["factors"].reason


def test_mitigations_lower_the_score() -> None:
    guarded = make_profile(Kind.CODING_AGENT, CODING_AGENT_VALUES, executes_code=True, writes_files=True, processes_untrusted_content=True, mitigations=(MitigationKind.SANDBOX, MitigationKind.APPROVAL_GATE))
    plain, mitigated = score_profile(CODING_AGENT, ScoringOptions()), score_profile(guarded, ScoringOptions())
    assert mitigated.mitigation_factor == 0.67 and mitigated.score is not None and plain.score is not None
    assert mitigated.score < plain.score
    assert "sandboxing" in _reasons(mitigated)["mitigation_factor"].reason


@pytest.mark.parametrize(("value", "shown"), [(0.456, "0.46"), (0.6, "0.6"), (1.3, "1.3"), (0.0, "0"), (1.025, "1.02")])
def test_display_number_drops_trailing_zeros(value: float, shown: str) -> None:
    assert display_number(value) == shown


# --------------------------------------------------------------------------- CLI

FACTORS_ARG = "0.2,0.1,0.1,0.3,0.2,0.4,0.1,0.5,0.3,0.2"


def run_cli(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_cli_aivss_json(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run_cli(capsys, "aivss", "--cvss-base", "8.5", "--factors", FACTORS_ARG, "--threat", "attacked", "--mitigation", "0.7", "--json")
    assert code == 0
    data = json.loads(out)
    assert {"aivss", "band", "aars", "factor_sum", "inputs"} <= set(data)
    assert (data["aivss"], data["band"], data["aars"], data["factor_sum"]) == (6.2, "Medium", 0.36, 2.4)
    assert data["inputs"]["threat_multiplier"] == 1.0 and data["inputs"]["factors"]["multi_agent_interactions"] == 0.5


def test_cli_aivss_human_output_shows_formula(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run_cli(capsys, "aivss", "--cvss-base", "8.5", "--factors", ",".join(["0.5"] * 10), "--threat", "attacked", "--rounding", "half-up")
    assert code == 0
    assert "AIVSS = (CVSS_Base + AARS) × Mitigation_Factor, where AARS = (10 − CVSS_Base) × (Factor_Sum / 10) × ThM" in out
    assert out.startswith("AIVSS 9.3 · Critical")


def test_cli_aivss_scores_a_vector(capsys: pytest.CaptureFixture[str]) -> None:
    vector = "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N"
    code, out, _ = run_cli(capsys, "aivss", "--cvss-vector", vector, "--factors", ",".join(["0"] * 10), "--json")
    assert code == 0
    data = json.loads(out)
    assert data["inputs"]["cvss_base"] == 9.3 and data["inputs"]["cvss_vector"] == vector and data["aivss"] == 9.3


@pytest.mark.parametrize(
    ("argv", "fragment"),
    [
        (["--cvss-base", "5", "--factors", ",".join(["0.5"] * 9)], "got 9"),
        (["--cvss-base", "5", "--factors", "0.5,0.5,1.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5"], "1.5 is outside"),
        (["--cvss-base", "5", "--factors", "0.5,x,0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5"], "not a number"),
        (["--cvss-base", "11", "--factors", ",".join(["0.5"] * 10)], "--cvss-base"),
        (["--cvss-vector", "CVSS:4.0/AV:N", "--factors", ",".join(["0.5"] * 10)], "CVSS:4.0/AV:N"),
        (["--cvss-base", "5", "--threat", "often", "--factors", ",".join(["0.5"] * 10)], "--threat"),
        (["--cvss-base", "5", "--mitigation", "9", "--factors", ",".join(["0.5"] * 10)], "--mitigation"),
        (["--cvss-base", "5", "--formula", "v1", "--factors", ",".join(["0.5"] * 10)], "--formula"),
    ],
)
def test_cli_aivss_bad_input_is_one_line_exit_2(capsys: pytest.CaptureFixture[str], argv: list[str], fragment: str) -> None:
    code, out, err = run_cli(capsys, "aivss", *argv)
    assert code == 2 and out == ""
    assert len(err.strip().splitlines()) == 1 and fragment in err and "Traceback" not in err


@pytest.mark.parametrize("argv", [["--factors", ",".join(["0.5"] * 10)], ["--cvss-base", "5"], ["--cvss-base", "5", "--cvss-vector", "x", "--factors", "1"]])
def test_cli_aivss_usage_errors_are_one_line_exit_2(capsys: pytest.CaptureFixture[str], argv: list[str]) -> None:
    code = main(["aivss", *argv])
    _, err = capsys.readouterr()
    assert code == 2
    assert len(err.strip().splitlines()) == 1 and "error:" in err

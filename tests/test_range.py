"""The honest range: point inside it, stating a fact never widens it, monotone facts, settled model facts."""

from __future__ import annotations

import itertools

import pytest
from builders import build_exposure, coding_agent_profile
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from analyzer.models import EXPOSURE_FACTS, FACTOR_ORDER, AgenticProfile, Band, FactValue, Kind, ScoringOptions
from analyzer.score import derive_cvss, exposure_point, score_profile
from analyzer.taxonomy import MODEL_KINDS

tri = st.sampled_from(["yes", "no", "not_stated"])
tenths = st.integers(0, 10).map(lambda n: n / 10)
# the documented direction (cvss_derivation.yaml): every fact raises the base, approval lowers it
RAISES = tuple(f for f in EXPOSURE_FACTS if f != "human_approval_required")


def profile_with(kind: Kind, facts: dict[str, str], values: list[float]) -> AgenticProfile:
    return coding_agent_profile(kind=kind, values=dict(zip(FACTOR_ORDER, values, strict=True)), exposure=build_exposure(**facts))


@settings(max_examples=80, deadline=None)
@given(kind=st.sampled_from(list(Kind)), facts=st.fixed_dictionaries({f: tri for f in EXPOSURE_FACTS}), values=st.lists(tenths, min_size=10, max_size=10))
def test_the_range_contains_the_point_and_spans_the_unstated_facts(kind: Kind, facts: dict[str, str], values: list[float]) -> None:
    result = score_profile(profile_with(kind, facts, values))
    span = result.range
    assert span is not None and result.score is not None
    assert span.low <= result.score <= span.high
    assert set(span.unstated) <= {f for f, v in facts.items() if v == "not_stated"}
    assert span.factor_margin == pytest.approx(0.1)
    if not span.unstated:  # only the judged factors are open: the ends are the profile with them moved
        lower = score_profile(profile_with(kind, facts, moved(values, -0.1))).score
        upper = score_profile(profile_with(kind, facts, moved(values, +0.1))).score
        assert (span.low, span.high) == (lower, upper)


def moved(values: list[float], by: float) -> list[float]:
    return [round(min(1.0, max(0.0, v + by)), 2) for v in values]


@settings(max_examples=60, deadline=None)
@given(kind=st.sampled_from(list(Kind)), facts=st.fixed_dictionaries({f: tri for f in EXPOSURE_FACTS}), values=st.lists(tenths, min_size=10, max_size=10), key=st.sampled_from(FACTOR_ORDER))
def test_an_analyst_set_factor_never_widens_the_range(kind: Kind, facts: dict[str, str], values: list[float], key: str) -> None:
    profile = profile_with(kind, facts, values)
    edited = profile.model_copy(update={"factors": [f.model_copy(update={"set_by_analyst": f.key == key}) for f in profile.factors]})
    before, after = score_profile(profile).range, score_profile(edited).range
    assert before is not None and after is not None
    assert before.low <= after.low and after.high <= before.high


def test_the_margin_widens_a_models_range_by_its_judged_factors() -> None:
    """A plain text model with every fact settled or stated: the range is the factors' margin alone, and
    it reaches the score of the same model with every factor one step lower and higher."""
    facts = {f: "no" for f in EXPOSURE_FACTS} | {"network_service": "yes", "processes_untrusted_content": "no"}
    values = [0.0, 0.0, 0.0, 0.0, 0.0, 0.1, 0.0, 0.0, 0.6, 0.6]
    result = score_profile(profile_with(Kind.TEXT_LLM, facts, values))
    span = result.range
    assert span is not None and span.unstated == [] and result.score is not None
    assert span.low < result.score < span.high
    assert span.low == score_profile(profile_with(Kind.TEXT_LLM, facts, [0.0] * 5 + [0.0, 0.0, 0.0, 0.5, 0.5])).score
    assert span.high == score_profile(profile_with(Kind.TEXT_LLM, facts, [0.1] * 5 + [0.2, 0.1, 0.1, 0.7, 0.7])).score


@settings(max_examples=80, deadline=None)
@given(
    kind=st.sampled_from(list(Kind)),
    facts=st.fixed_dictionaries({f: tri for f in EXPOSURE_FACTS}),
    fact=st.sampled_from(EXPOSURE_FACTS),
    stated=st.sampled_from(["yes", "no"]),
    values=st.lists(tenths, min_size=10, max_size=10),
)
def test_stating_a_fact_never_widens_the_range(kind: Kind, facts: dict[str, str], fact: str, stated: str, values: list[float]) -> None:
    before = score_profile(profile_with(kind, facts | {fact: "not_stated"}, values)).range
    assert before is not None
    assume(fact in before.unstated)  # a fact the rubric settles for the kind (a model runs no code) is not open
    after = score_profile(profile_with(kind, facts | {fact: stated}, values)).range
    assert after is not None
    assert before.low <= after.low and after.high <= before.high
    assert fact not in after.unstated


@settings(max_examples=60, deadline=None)
@given(kind=st.sampled_from(list(Kind)), facts=st.fixed_dictionaries({f: st.sampled_from(["yes", "no"]) for f in EXPOSURE_FACTS}), values=st.lists(tenths, min_size=10, max_size=10))
def test_the_score_is_monotone_in_each_fact_in_the_documented_direction(kind: Kind, facts: dict[str, str], values: list[float]) -> None:
    for fact in EXPOSURE_FACTS:
        no = score_profile(profile_with(kind, facts | {fact: "no"}, values)).score
        yes = score_profile(profile_with(kind, facts | {fact: "yes"}, values)).score
        assert no is not None and yes is not None
        assert (yes >= no) if fact in RAISES else (yes <= no), fact


@pytest.mark.parametrize("kind", sorted(Kind, key=str))
def test_every_combination_of_facts_is_monotone_for_every_kind(kind: Kind) -> None:
    """Exhaustive over the 256 combinations: the CVSS rules (and the cvss library's scores) never invert."""
    profile = profile_with(kind, {}, [0.5] * 10)
    bases = {}
    for combo in itertools.product((False, True), repeat=len(EXPOSURE_FACTS)):
        bases[combo] = derive_cvss(profile, dict(zip(EXPOSURE_FACTS, combo, strict=True)))[1]
    for combo, base in bases.items():
        for i, fact in enumerate(EXPOSURE_FACTS):
            if not combo[i]:
                raised = bases[combo[:i] + (True,) + combo[i + 1 :]]
                assert (raised >= base) if fact in RAISES else (raised <= base), (fact, combo)


@pytest.mark.parametrize("kind", sorted(MODEL_KINDS, key=str))
def test_no_model_kind_reaches_critical_nor_outscores_an_acting_agent(kind: Kind) -> None:
    """Model principle: even with every fact yes and high factors, a model stays below Critical and below
    a coding agent that only states the obvious (runs commands, edits files)."""
    model = score_profile(profile_with(kind, {f: "yes" for f in RAISES} | {"human_approval_required": "no"}, [0.6] * 10))
    assert model.band not in (Band.CRITICAL, Band.HIGH) and model.range is not None and model.range.band_high is not Band.CRITICAL
    agent = score_profile(profile_with(Kind.CODING_AGENT, {"executes_code": "yes", "writes_files": "yes"}, [0.5] * 10))
    assert agent.score is not None and model.score is not None and agent.score > model.score


def test_a_model_kinds_action_facts_are_settled_no_and_shown_as_assumed() -> None:
    point = exposure_point(profile_with(Kind.TEXT_LLM, {f: "not_stated" for f in EXPOSURE_FACTS}, [0.0] * 10))
    settled = {a.fact for a in point.assumptions if a.value is FactValue.NO and a.fact not in point.unstated}
    assert settled == {"executes_code", "writes_files", "controls_browser_or_desktop", "uses_credentials", "acts_on_external_systems", "human_approval_required"}
    assert point.unstated == ["network_service", "processes_untrusted_content"]  # anyone may serve weights: open, never no


def test_unstated_facts_take_the_kinds_typical_value_for_the_point() -> None:
    result = score_profile(profile_with(Kind.CODING_AGENT, {f: "not_stated" for f in EXPOSURE_FACTS}, [0.7] * 10))
    assumed = {a.fact: a.value for a in result.assumptions}
    assert assumed["executes_code"] is FactValue.YES and assumed["writes_files"] is FactValue.YES
    assert assumed["human_approval_required"] is FactValue.NO
    assert result.range is not None and len(result.range.unstated) == 8
    assert "assumed" in result.reasons[0].reason  # the CVSS reasons say which facts were assumed


def test_a_user_cvss_base_leaves_only_the_factors_open() -> None:
    result = score_profile(profile_with(Kind.CODING_AGENT, {}, [0.5] * 10), ScoringOptions(cvss_base=5.0))
    span = result.range
    assert span is not None and span.unstated == []  # the facts do not enter a user-given base
    low = score_profile(profile_with(Kind.CODING_AGENT, {}, [0.4] * 10), ScoringOptions(cvss_base=5.0)).score
    high = score_profile(profile_with(Kind.CODING_AGENT, {}, [0.6] * 10), ScoringOptions(cvss_base=5.0)).score
    assert (span.low, span.high) == (low, high) and low is not None and high is not None and low < result.score < high

"""Exposure evals: tri-state facts and mitigations against gold, and what they do to the score.

For a sample with exposure gold (rubric.md "Exposure facts"), the record gets the predicted facts (after
the kind's settled values, as reports show them), the predicted mitigations, and three scores computed
by the project's own rules: the predicted point and range (predicted facts, factors, mitigations) and the
gold-derived score (gold kind, gold facts, gold factors, gold mitigations). The metrics then ask: are the
facts right, and does the headline an analyst reads land where the gold would put it? The range spans
the unstated exposure facts and each judged factor moved by the rules' margin (0.1), so
`range_coverage` asks whether the range holds despite the extractor's errors in facts, factors and
mitigations; the `range_coverage_facts` variant swaps only the gold facts into the prediction.
"""

from __future__ import annotations

from collections.abc import Sequence

from analyzer.evals.dataset import Sample
from analyzer.models import (
    EPSILON,
    EXPOSURE_FACTS,
    FACTOR_NAMES,
    FACTOR_ORDER,
    AgenticProfile,
    Evidence,
    ExposureFact,
    ExposureFacts,
    FactorAssessment,
    FactorStatus,
    FactSource,
    FactValue,
    Mitigation,
    SystemProfile,
)

__all__ = ["exposure_fields", "exposure_metrics", "gold_profile"]


def gold_profile(sample: Sample) -> AgenticProfile:
    """The profile the gold labels describe: what the tool's rules should score."""
    assert sample.exposure is not None
    facts = {}
    for name in EXPOSURE_FACTS:
        g = sample.exposure[name]
        if g.value is FactValue.NOT_STATED:
            facts[name] = ExposureFact.not_stated()
        elif g.quote:
            facts[name] = ExposureFact(value=g.value, evidence=[Evidence(quote=g.quote, location="gold", verified=True)], source=FactSource.STATED)
        else:  # a no the rubric settles without a quote (a model runs no code of its own)
            facts[name] = ExposureFact(value=g.value, evidence=[], source=FactSource.ASSUMED)
    system = SystemProfile(
        kind=sample.kind, name=sample.title or sample.slug, developer=None, summary="", input_modalities=[], output_modalities=[],
        underlying_models=[], layers=[], exposure=ExposureFacts(**facts),
        mitigations=[Mitigation(kind=m.kind, description="gold", evidence=[]) for m in sample.mitigations or []], kind_evidence=[],
    )  # fmt: skip
    factors = [
        FactorAssessment(key=k, name=FACTOR_NAMES[k], value=sample.factors[k], status=FactorStatus.STATED, rationale="gold", evidence=[], floor_applied=False)
        for k in FACTOR_ORDER
    ]
    return AgenticProfile(system=system, factors=factors)


def exposure_fields(sample: Sample, profile: AgenticProfile | None) -> dict[str, object]:
    """The exposure fields of a SampleRecord; empty when the sample has no exposure gold."""
    if sample.exposure is None:
        return {}
    from analyzer.rules import settle_profile
    from analyzer.score import score_profile

    gold = score_profile(gold_profile(sample))
    fields: dict[str, object] = {
        "gold_exposure": {name: sample.exposure[name].value for name in EXPOSURE_FACTS},
        "gold_mitigations": sorted({m.kind for m in sample.mitigations or []}, key=str),
        "cvss_gold": gold.cvss_base,
        "aivss_derived_gold": gold.score,
        "band_derived_gold": gold.band,
    }
    if profile is None:
        return fields
    settled = settle_profile(profile)
    pred = score_profile(settled)
    span = pred.range
    # the prediction with the gold facts swapped in: the score with the fact errors alone removed
    swapped = settled.model_copy(update={"system": settled.system.model_copy(update={"exposure": gold_profile(sample).system.exposure})})
    fields |= {
        "pred_exposure": settled.system.exposure.values(),
        "pred_mitigations": sorted({m.kind for m in settled.system.mitigations}, key=str),
        "cvss_pred": pred.cvss_base,
        "aivss_point_pred": pred.score,
        "band_point_pred": pred.band,
        "range_low_pred": span.low if span else None,
        "range_high_pred": span.high if span else None,
        "aivss_gold_facts": score_profile(swapped).score,
    }
    return fields


def _share(flags: Sequence[bool]) -> float | None:
    return round(sum(flags) / len(flags), 6) if flags else None


def exposure_metrics(records: Sequence) -> dict[str, object]:  # Sequence[SampleRecord]; typed loosely to avoid an import cycle
    """Metrics fields over the records that have exposure gold and a prediction."""
    scored = [r for r in records if r.ok and r.gold_exposure is not None and r.pred_exposure is not None]
    pairs = [(r.gold_exposure[f], r.pred_exposure[f]) for r in scored for f in EXPOSURE_FACTS]
    said_yes = [g is FactValue.YES for g, p in pairs if p is FactValue.YES]
    gold_yes = [p is FactValue.YES for g, p in pairs if g is FactValue.YES]
    by_fact = {f: _share([r.gold_exposure[f] is r.pred_exposure[f] for r in scored]) for f in EXPOSURE_FACTS}
    tp = sum(len(set(r.gold_mitigations or []) & set(r.pred_mitigations or [])) for r in scored)
    predicted = sum(len(r.pred_mitigations or []) for r in scored)
    golden = sum(len(r.gold_mitigations or []) for r in scored)
    base_err = [abs(r.cvss_pred - r.cvss_gold) for r in scored if r.cvss_pred is not None and r.cvss_gold is not None]
    bands = [r.band_point_pred is r.band_derived_gold for r in scored if r.band_point_pred is not None and r.band_derived_gold is not None]
    inside = [
        r.range_low_pred - EPSILON <= r.aivss_derived_gold <= r.range_high_pred + EPSILON
        for r in scored
        if None not in (r.range_low_pred, r.range_high_pred, r.aivss_derived_gold)
    ]
    inside_facts = [
        r.range_low_pred - EPSILON <= r.aivss_gold_facts <= r.range_high_pred + EPSILON
        for r in scored
        if None not in (r.range_low_pred, r.range_high_pred, r.aivss_gold_facts)
    ]
    return {
        "exposure_samples": len(scored),
        "exposure_accuracy": _share([g is p for g, p in pairs]),
        "exposure_yes_precision": _share(said_yes),
        "exposure_yes_recall": _share(gold_yes),
        "exposure_accuracy_by_fact": {f: v for f, v in by_fact.items() if v is not None},
        "mitigation_precision": round(tp / predicted, 6) if predicted else (1.0 if scored and not golden else None),
        "mitigation_recall": round(tp / golden, 6) if golden else None,
        "cvss_base_mae": round(sum(base_err) / len(base_err), 6) if base_err else None,
        "derived_band_agreement": _share(bands),
        "range_coverage": _share(inside),
        "range_coverage_facts": _share(inside_facts),
    }

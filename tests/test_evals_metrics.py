"""Eval metrics on hand-computed cases."""

from __future__ import annotations

import math

import pytest
from evals_support import make_record

from analyzer.evals.metrics import bootstrap, compute_metrics, headline, percentile, ranks, sample_stats, spearman
from analyzer.models import Band, FactorKey, Kind, LayerId

GOLD = [0, 0, 0, 0, 0, 0.1, 0, 0, 0.6, 0.6]  # factor sum 1.3
OFF = [0, 0.2, 0, 0.3, 0, 0.1, 0, 0, 0.6, 0.6]  # GDP +0.2, DTU +0.3: factor sum 1.8


def test_mae_within_and_failures_on_a_hand_computed_case() -> None:
    records = [
        make_record("a", GOLD, OFF),
        make_record("b", GOLD, GOLD),
        make_record("c", GOLD, None),  # failed: counted in the failure rate, not in the errors
    ]
    m = compute_metrics(records, iterations=50)
    assert (m.samples, m.scored, m.failed) == (3, 2, 1)
    assert m.mae == pytest.approx(0.5 / 20)
    assert m.within_0_1 == pytest.approx(18 / 20)
    assert m.within_0_2 == pytest.approx(19 / 20)
    assert m.factor_sum_mae == pytest.approx(0.25)
    assert m.factor_sum_bias == pytest.approx(0.25)
    assert m.failure_rate == pytest.approx(1 / 3)
    assert m.schema_valid_rate == pytest.approx(2 / 3)
    gdp = next(f for f in m.per_factor if f.key is FactorKey.GOAL_DRIVEN_PLANNING)
    assert (gdp.n, gdp.mae, gdp.bias, gdp.within_0_1, gdp.within_0_2) == (2, pytest.approx(0.1), pytest.approx(0.1), 0.5, 1.0)
    dtu = next(f for f in m.per_factor if f.key is FactorKey.DYNAMIC_TOOL_USE)
    assert dtu.within_0_2 == 0.5


def test_within_k_counts_grid_steps_despite_float_error() -> None:
    # 0.7 - 0.5 is 0.19999999999999996 and 0.3 - 0.1 is 0.19999999999999998: both are "within ±0.2".
    gold = [0.5, 0.1, 0, 0, 0, 0.1, 0, 0, 0.6, 0.6]
    pred = [0.7, 0.3, 0, 0, 0, 0.1, 0, 0, 0.6, 0.6]
    m = compute_metrics([make_record("a", gold, pred)], iterations=10)
    assert m.within_0_2 == 1.0
    assert m.within_0_1 == pytest.approx(0.8)


def test_band_agreement_uses_the_same_reference_cvss_for_gold_and_prediction() -> None:
    high = [0.9, 0.9, 0.9, 0.9, 0.9, 0.1, 0, 0, 0.6, 0.6]  # sum 5.8 → 5 + 5·0.58·0.97 = 7.8 High
    same_band = make_record("a", GOLD, OFF)  # 5.6 vs 5.9: both Medium
    other_band = make_record("b", GOLD, high)
    assert (same_band.band_gold, same_band.band_pred) == (Band.MEDIUM, Band.MEDIUM)
    assert (same_band.aivss_gold, same_band.aivss_pred) == (5.6, 5.9)
    assert (other_band.band_gold, other_band.band_pred, other_band.aivss_pred) == (Band.MEDIUM, Band.HIGH, 7.8)
    m = compute_metrics([same_band, other_band], iterations=10)
    assert m.band_agreement == 0.5
    assert m.aivss_mae == pytest.approx((0.3 + 2.2) / 2)


def test_layer_and_kind_accuracy() -> None:
    a = make_record("a", GOLD, GOLD, gold_layers="MM..MM.", pred_layers="MM...M.", kind_pred=Kind.TOOL_CALLING_LLM)
    b = make_record("b", GOLD, GOLD, gold_layers="MM..MM.", pred_layers="MM..MM.")
    assert a.layer_errors == [LayerId.L5]
    m = compute_metrics([a, b], iterations=10)
    assert m.layer_accuracy == pytest.approx(13 / 14)
    assert m.per_layer[LayerId.L5] == 0.5
    assert m.per_layer[LayerId.L1] == 1.0
    assert m.kind_accuracy == 0.5
    by_kind = {k.kind: k for k in m.per_kind}
    assert by_kind[Kind.TEXT_LLM].samples == 2 and by_kind[Kind.TEXT_LLM].kind_accuracy == 0.5


def test_injection_detection_and_false_positives() -> None:
    records = [
        make_record("inj-caught", GOLD, GOLD, expects_injection=True, injection_detected=True),
        make_record("inj-missed", GOLD, GOLD, expects_injection=True, injection_detected=False),
        make_record("clean-flagged", GOLD, GOLD, injection_detected=True),
        make_record("clean", GOLD, GOLD),
        make_record("clean2", GOLD, GOLD),
        make_record("clean3", GOLD, GOLD),
    ]
    m = compute_metrics(records, iterations=10)
    assert m.injection_samples == 2
    assert m.injection_detection == 0.5
    assert m.injection_false_positive_rate == 0.25
    none = compute_metrics([make_record("clean", GOLD, GOLD)], iterations=10)
    assert none.injection_detection is None and none.injection_samples == 0


def test_grounding_latency_and_token_sums() -> None:
    records = [
        make_record("a", GOLD, GOLD, quotes=(4, 3), latency=1.0),
        make_record("b", GOLD, GOLD, quotes=(6, 6), latency=2.0),
        make_record("c", GOLD, GOLD, latency=3.0),
        make_record("d", GOLD, GOLD, latency=4.0),
    ]
    m = compute_metrics(records, iterations=10)
    assert m.grounding_rate == pytest.approx(0.9)
    assert m.latency_p50 == pytest.approx(2.5)
    assert m.latency_p95 == pytest.approx(3.85)
    assert m.input_tokens is None and m.cost_usd is None  # the heuristic reports none: not zero


def test_percentile_interpolates_like_numpy() -> None:
    assert percentile([4, 1, 3, 2], 50) == 2.5
    assert percentile([1, 2, 3, 4], 95) == pytest.approx(3.85)
    assert percentile([7], 95) == 7
    assert percentile([], 50) is None


def test_spearman_perfect_reversed_and_ties() -> None:
    assert spearman([1, 2, 3, 4], [10, 20, 30, 40]) == pytest.approx(1.0)
    assert spearman([1, 2, 3, 4], [4, 3, 2, 1]) == pytest.approx(-1.0)
    assert ranks([1, 2, 2, 3]) == [1, 2.5, 2.5, 4]
    # ranks x = 1, 2.5, 2.5, 4 and y = 1, 2, 3, 4: Σdxdy = 4.5, Σdx² = 4.5, Σdy² = 5 → 4.5/√22.5
    assert spearman([1, 2, 2, 3], [1, 2, 3, 4]) == pytest.approx(4.5 / math.sqrt(22.5))


def test_spearman_undefined_for_constant_or_tiny_series() -> None:
    assert spearman([0, 0, 0, 0], [0.1, 0.2, 0.3, 0.4]) is None
    assert spearman([1, 2], [1, 2]) is None


def test_per_factor_spearman_from_records() -> None:
    golds = [[v] + [0, 0, 0, 0, 0.1, 0, 0, 0.6, 0.6] for v in (0.1, 0.4, 0.7, 0.9)]
    preds = [[v] + [0, 0, 0, 0, 0.1, 0, 0, 0.6, 0.6] for v in (0.2, 0.3, 0.8, 0.8)]
    m = compute_metrics([make_record(str(i), g, p) for i, (g, p) in enumerate(zip(golds, preds, strict=True))], iterations=10)
    aa = m.per_factor[0]
    assert aa.spearman == pytest.approx(spearman([0.1, 0.4, 0.7, 0.9], [0.2, 0.3, 0.8, 0.8]))
    assert m.per_factor[2].spearman is None  # self-modification is 0 everywhere: no ranking to agree with


def test_bootstrap_is_seeded_and_brackets_the_estimate() -> None:
    records = [make_record(str(i), GOLD, [min(1.0, (i % 5) / 10)] + OFF[1:]) for i in range(12)]
    stats = [sample_stats(r) for r in records]
    first = bootstrap(stats, iterations=400, seed=11)
    again = bootstrap(stats, iterations=400, seed=11)
    other = bootstrap(stats, iterations=400, seed=12)
    assert first == again
    assert first["mae"] != other["mae"]
    point = headline(stats)["mae"]
    assert point is not None
    assert first["mae"].low <= point <= first["mae"].high
    assert first["mae"].low < first["mae"].high
    m1 = compute_metrics(records, iterations=200, seed=3)
    m2 = compute_metrics(records, iterations=200, seed=3)
    assert m1.ci == m2.ci


def test_bootstrap_of_identical_samples_has_zero_width() -> None:
    stats = [sample_stats(make_record(str(i), GOLD, OFF)) for i in range(5)]
    ci = bootstrap(stats, iterations=100, seed=1)["mae"]
    assert ci.low == pytest.approx(0.05) and ci.high == pytest.approx(0.05)

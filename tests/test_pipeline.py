"""The pipeline API: analyze() on a Listing, JSON round trip + rescore as a property, failed extractions."""

from __future__ import annotations

import json
from pathlib import Path

from builders import build_analysis, build_exposure, build_listing, coding_agent_profile
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import analyzer
from analyzer.extract.base import ExtractionResult, failed_result
from analyzer.models import EXPOSURE_FACTS, FACTOR_ORDER, Band, FactorStatus, FactValue, Kind, Listing, ScoringOptions
from analyzer.pipeline import load_analysis, rescore

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "tidewater-agent.md"

tenths = st.integers(min_value=0, max_value=10).map(lambda n: n / 10)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    values=st.lists(tenths, min_size=10, max_size=10),
    flags=st.fixed_dictionaries({name: st.booleans() for name in EXPOSURE_FACTS}),
    kind=st.sampled_from(list(Kind)),
)
def test_score_of_a_saved_analysis_reproduces_it(tmp_path_factory, values: list[float], flags: dict[str, bool], kind: Kind) -> None:
    profile = coding_agent_profile(kind=kind, values=dict(zip(FACTOR_ORDER, values, strict=True)), exposure=build_exposure(**flags))
    original = build_analysis(profile)
    path = tmp_path_factory.mktemp("saved") / "analysis.json"
    path.write_text(original.model_dump_json())
    again = rescore(load_analysis(str(path)))
    assert again.aivss == original.aivss
    assert again.maestro == original.maestro
    assert again.summary == original.summary and again.cross_layer == original.cross_layer


def test_analyze_accepts_a_loaded_listing_and_names_the_extractor() -> None:
    listing = analyzer.load_listing(str(EXAMPLE))
    result = analyzer.analyze(listing, provider="heuristic")
    assert result.run.provider == "heuristic"
    assert result.listing.content_hash == Listing.hash_text(listing.text)
    assert [f.key for f in result.factors] == list(FACTOR_ORDER)
    assert {t.stage for t in result.run.timings} >= {"extract", "score", "maestro"}


class _FailingExtractor:
    name = "broken"

    def extract(self, listing: Listing) -> ExtractionResult:
        return failed_result("broken", "the model refused")


def test_a_failed_extraction_is_unknown_not_a_score() -> None:
    result = analyzer.analyze(build_listing(), extractor=_FailingExtractor())
    assert result.failed and result.extraction.error == "the model refused"
    assert all(f.value is None and f.status is FactorStatus.UNKNOWN for f in result.factors)
    assert result.aivss.score is None and result.aivss.band is Band.UNKNOWN and result.aivss.cvss_base is None
    assert result.system is None
    data = json.loads(result.model_dump_json())
    assert all(f["value"] is None for f in data["factors"])


def test_overrides_reach_the_score() -> None:
    listing = analyzer.load_listing(str(EXAMPLE))
    scoring = ScoringOptions(cvss_base=2.0, threat_multiplier=1.0, mitigation_factor=1.0)
    result = analyzer.analyze(listing, provider="heuristic", scoring=scoring)
    factor_sum = sum(f.value for f in result.factors if f.value is not None)
    expected = round(2.0 + (10 - 2.0) * (factor_sum / 10) * 1.0, 1)
    assert result.aivss.cvss_base == 2.0 and result.aivss.score == expected
    assert all(r.overridden for r in result.aivss.reasons if r.input != "factors")


def test_a_schema_1_0_analysis_still_loads_with_its_flags_not_stated(tmp_path: Path) -> None:
    saved = json.loads(build_analysis(coding_agent_profile()).model_dump_json())
    saved["schema_version"] = "1.0"
    saved.pop("edits")
    flags = {name: name in ("executes_code", "writes_files") for name in EXPOSURE_FACTS}
    saved["system"]["exposure"] = flags | {"evidence": [{"quote": "runs shell commands", "location": "", "verified": True}]}
    path = tmp_path / "old.json"
    path.write_text(json.dumps(saved))
    loaded = load_analysis(str(path))
    assert loaded.system is not None
    # 1.0 tied no quote to a flag: nothing is stated, so the range (not a guess) carries both values
    assert {f.value for f in (loaded.system.exposure.fact(n) for n in EXPOSURE_FACTS)} == {FactValue.NOT_STATED}
    assert loaded.system.exposure.evidence() == []
    assert rescore(loaded).aivss.score is not None

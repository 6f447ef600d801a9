"""MAESTRO writer: layer order and status, wording tied to the profile, cross-layer triggers, catalogue."""

from __future__ import annotations

import pytest
from builders import (
    CODING_VALUES,
    build_exposure,
    build_listing,
    build_profile,
    coding_agent_profile,
    evidence,
    image_model_profile,
)
from hypothesis import given, settings
from hypothesis import strategies as st

from analyzer.maestro import NOT_CERTAIN_PREFIX, build_threat_model, load_catalogue
from analyzer.models import (
    FACTOR_NAMES,
    FACTOR_ORDER,
    LAYER_NAMES,
    FactorKey,
    Kind,
    LayerId,
    LayerStatus,
    ThreatModel,
)

LISTING = build_listing()


def model_for(profile) -> ThreatModel:  # type: ignore[no-untyped-def]
    return build_threat_model(profile, LISTING)


# --------------------------------------------------------------------------- catalogue


def test_catalogue_loads_with_threats_for_every_layer() -> None:
    catalogue = load_catalogue()
    assert set(catalogue.layers) == set(LayerId)
    for layer in catalogue.layers.values():
        assert layer.threats, "every layer needs threats"
        assert all(t.drivers for t in layer.threats)
        assert all(r in catalogue.core_risks for r in layer.aivss_risks)
    assert {c.name for c in catalogue.cross_layer} >= {"Lateral movement", "Privilege escalation", "Data leakage", "Supply chain attacks", "Goal-misalignment cascades"}


def test_catalogue_risk_map_matches_the_aivss_layer_appendix() -> None:
    layers = load_catalogue().layers
    assert layers[LayerId.L3].aivss_risks == ["Orchestration & Multi-Agent Exploitation", "Cascading Failures"]
    assert layers[LayerId.L7].aivss_risks == ["Tool Misuse", "Supply Chain & Dependency Risk"]


# --------------------------------------------------------------------------- layers


@pytest.mark.parametrize("profile", [image_model_profile(), coding_agent_profile(), None], ids=["image", "coding", "failed"])
def test_seven_layers_in_order_with_catalogue_names(profile) -> None:  # type: ignore[no-untyped-def]
    layers = model_for(profile).layers
    assert [layer.layer for layer in layers] == list(LayerId)
    assert [layer.name for layer in layers] == [LAYER_NAMES[lid] for lid in LayerId]


def test_status_follows_the_layer_statements() -> None:
    image = model_for(image_model_profile())
    assert {layer.layer for layer in image.layers if layer.status is LayerStatus.MAPPED} == {LayerId.L1, LayerId.L6}
    coding = model_for(coding_agent_profile())
    assert {layer.layer for layer in coding.layers if layer.status is LayerStatus.MAPPED} == {LayerId.L1, LayerId.L3, LayerId.L4, LayerId.L7}


def test_blank_stated_text_does_not_map_a_layer() -> None:
    profile = image_model_profile(stated={LayerId.L1: "   ", LayerId.L2: "Trained on licensed stock photos"})
    statuses = {layer.layer: layer.status for layer in model_for(profile).layers}
    assert statuses[LayerId.L1] is LayerStatus.NOT_CERTAIN
    assert statuses[LayerId.L2] is LayerStatus.MAPPED


def test_not_certain_layers_start_with_the_caveat_and_mapped_ones_do_not() -> None:
    for layer in model_for(coding_agent_profile()).layers:
        if layer.status is LayerStatus.NOT_CERTAIN:
            assert layer.text.startswith(NOT_CERTAIN_PREFIX)
            assert len(layer.text) > len(NOT_CERTAIN_PREFIX) + 40
        else:
            assert not layer.text.startswith("Not certain")


def test_mapped_image_model_layer_names_the_model_threats_and_drivers() -> None:
    l1 = model_for(image_model_profile()).layers[0]
    assert l1.status is LayerStatus.MAPPED
    assert "Pixelbloom 3 4B" in l1.text  # the stated underlying model
    assert "4B-parameter rectified-flow transformer" in l1.text  # the stated layer text
    assert "synthetic media" in l1.text
    assert "Harmful synthetic media" in l1.threats
    assert set(l1.drivers) == {FactorKey.OPACITY_REFLEXIVITY, FactorKey.NON_DETERMINISM}
    assert "Opacity & Reflexivity 0.70" in l1.text and "Non-Determinism 0.60" in l1.text


def test_mapped_coding_agent_l3_ties_tool_misuse_to_its_drivers() -> None:
    l3 = model_for(coding_agent_profile()).layers[2]
    assert l3.status is LayerStatus.MAPPED
    assert {"Input validation attacks", "Agent tool misuse", "Unsafe code execution"} <= set(l3.threats)
    assert l3.drivers[:2] == [FactorKey.DYNAMIC_TOOL_USE, FactorKey.AUTONOMY_OF_ACTION]
    assert "Dynamic Tool Use 0.90 and Autonomy of Action 0.80 make" in l3.text
    assert "primary L3 threat" in l3.text
    assert "Allow-list of shell commands" in l3.text  # the stated control for this layer
    assert "Plans multi-step tasks" in l3.text


def test_threat_choice_follows_exposure_and_mitigations() -> None:
    with_sandbox = model_for(coding_agent_profile()).layers[3]
    without = model_for(coding_agent_profile(mitigations=[])).layers[3]
    assert "Sandbox escape" in with_sandbox.threats and "Host compromise" not in with_sandbox.threats
    assert "Host compromise" in without.threats
    assert "No sandbox or container isolation is stated" in without.text


def test_missing_control_sentence_only_for_agentic_drivers() -> None:
    # The image model's L6 drivers are model properties (opacity), not agency: no "no access control" line.
    l6 = model_for(image_model_profile()).layers[5]
    assert "No access control" not in l6.text


def test_uncertain_text_varies_by_kind() -> None:
    image_l3 = model_for(image_model_profile()).layers[2].text
    coding_l2 = model_for(coding_agent_profile()).layers[1].text
    image_l2 = model_for(image_model_profile()).layers[1].text
    assert "standalone image generation model" in image_l3
    assert "training-data lineage" in image_l2
    assert "Shellwright" in coding_l2 and "training-data lineage" not in coding_l2


def test_layer_paragraphs_are_not_one_template() -> None:
    texts = [layer.text for layer in model_for(coding_agent_profile()).layers if layer.status is LayerStatus.MAPPED]
    openings = {t.split(" the primary")[0] for t in texts}
    assert len(openings) == len(texts)


def test_aivss_risks_come_from_the_layer_map_ordered_by_amplification() -> None:
    layers = model_for(coding_agent_profile()).layers
    catalogue = load_catalogue()
    for layer in layers:
        assert sorted(layer.aivss_risks) == sorted(catalogue.layers[layer.layer].aivss_risks)


# --------------------------------------------------------------------------- cross-layer


def test_cross_layer_threats_trigger_for_the_coding_agent() -> None:
    cross = {c.name: c for c in model_for(coding_agent_profile()).cross_layer}
    assert {"Lateral movement", "Privilege escalation", "Data leakage", "Supply chain attacks", "Goal-misalignment cascades"} <= set(cross)
    lateral = cross["Lateral movement"]
    assert lateral.layers == [LayerId.L3, LayerId.L4]
    assert "runs shell commands" in lateral.text and "Shellwright" in lateral.text
    assert FactorKey.DYNAMIC_TOOL_USE in lateral.drivers


def test_no_cross_layer_threats_for_a_plain_image_model() -> None:
    assert model_for(image_model_profile()).cross_layer == []


def test_lateral_movement_needs_code_execution() -> None:
    exposure = build_exposure(network_service=True, uses_credentials=True, processes_untrusted_content=True)
    names = {c.name for c in model_for(coding_agent_profile(exposure=exposure)).cross_layer}
    assert "Lateral movement" not in names
    exposure = build_exposure(executes_code=True, network_service=True)
    names = {c.name for c in model_for(coding_agent_profile(exposure=exposure)).cross_layer}
    assert "Lateral movement" in names


def test_privilege_escalation_is_suppressed_by_human_approval() -> None:
    exposure = build_exposure(executes_code=True, uses_credentials=True, acts_on_external_systems=True, human_approval_required=True)
    names = {c.name for c in model_for(coding_agent_profile(exposure=exposure)).cross_layer}
    assert "Privilege escalation" not in names


def test_memory_poisoning_cascade_needs_persistent_memory() -> None:
    values = dict(CODING_VALUES)
    assert "Persistent memory poisoning" not in {c.name for c in model_for(coding_agent_profile()).cross_layer}
    values[FactorKey.PERSISTENT_MEMORY] = 0.7
    assert "Persistent memory poisoning" in {c.name for c in model_for(coding_agent_profile(values=values)).cross_layer}


# --------------------------------------------------------------------------- summary, failure, determinism


def test_summary_states_agency_and_the_score_drivers() -> None:
    image = model_for(image_model_profile()).summary
    assert "rather than an active agent" in image and "minimal agentic risk" in image
    assert "Opacity & Reflexivity 0.70" in image
    coding = model_for(coding_agent_profile()).summary
    assert "moderately agentic" in coding and "Dynamic Tool Use 0.90" in coding
    assert "lateral movement" in coding


def test_summary_when_no_layer_is_pinned() -> None:
    profile = image_model_profile(stated={})
    tm = model_for(profile)
    assert all(layer.status is LayerStatus.NOT_CERTAIN for layer in tm.layers)
    assert "pins none of the seven MAESTRO layers" in tm.summary


def test_failed_extraction_knows_nothing() -> None:
    tm = model_for(None)
    assert "Extraction failed" in tm.summary and "nothing is known" in tm.summary
    assert all(layer.status is LayerStatus.NOT_CERTAIN for layer in tm.layers)
    assert all(layer.text.startswith(NOT_CERTAIN_PREFIX + "the extraction failed") for layer in tm.layers)
    assert all(layer.threats == [] and layer.drivers == [] for layer in tm.layers)
    assert tm.cross_layer == []


def test_deterministic() -> None:
    first = model_for(coding_agent_profile()).model_dump_json()
    assert all(model_for(coding_agent_profile()).model_dump_json() == first for _ in range(3))


def test_listing_text_with_braces_is_not_treated_as_a_template() -> None:
    profile = image_model_profile(name="{name} {threats}", stated={LayerId.L1: "weights {stated} {0}"})
    l1 = model_for(profile).layers[0]
    assert "weights {stated} {0}" in l1.text


@settings(max_examples=60, deadline=None)
@given(
    kind=st.sampled_from(list(Kind)),
    values=st.lists(st.integers(0, 10), min_size=10, max_size=10),
    flags=st.lists(st.booleans(), min_size=8, max_size=8),
    stated=st.sets(st.sampled_from(list(LayerId))),
)
def test_any_profile_gets_a_complete_well_formed_model(kind: Kind, values: list[int], flags: list[bool], stated: set[LayerId]) -> None:
    names = ["network_service", "processes_untrusted_content", "executes_code", "writes_files", "controls_browser_or_desktop", "uses_credentials", "acts_on_external_systems", "human_approval_required"]
    profile = build_profile(
        kind=kind,
        name="Probe",
        values={k: v / 10 for k, v in zip(FACTOR_ORDER, values, strict=True)},
        stated={lid: f"stated for {lid.value}" for lid in stated},
        exposure=build_exposure(**dict(zip(names, flags, strict=True))),
    )
    tm = model_for(profile)
    assert [layer.layer for layer in tm.layers] == list(LayerId)
    for layer in tm.layers:
        assert (layer.status is LayerStatus.MAPPED) == (layer.layer in stated)
        assert "{" not in layer.text and "}" not in layer.text
        if layer.status is LayerStatus.MAPPED:
            assert 1 <= len(layer.threats) <= 3
            assert f"stated for {layer.layer.value}" in layer.text
        else:
            assert layer.text.startswith(NOT_CERTAIN_PREFIX)
    assert tm.summary and "{" not in tm.summary
    for c in tm.cross_layer:
        assert "{" not in c.text and len(c.layers) >= 2


def test_factor_labels_use_display_names() -> None:
    text = " ".join(layer.text for layer in model_for(coding_agent_profile()).layers)
    assert FACTOR_NAMES[FactorKey.DYNAMIC_TOOL_USE] in text
    assert "dynamic_tool_use" not in text


def test_mapped_layer_cites_its_first_verified_quote() -> None:
    profile = image_model_profile()
    layers = [
        s.model_copy(update={"evidence": [evidence("unverified words", verified=False), evidence("a 4B rectified-flow transformer", "Model")]})
        if s.layer is LayerId.L1 else s
        for s in profile.system.layers
    ]
    profile = profile.model_copy(update={"system": profile.system.model_copy(update={"layers": layers})})
    l1 = model_for(profile).layers[0]
    assert "(“a 4B rectified-flow transformer”)" in l1.text and "unverified words" not in l1.text


def test_perception_models_get_no_tool_call_threats() -> None:
    values = {k: 0.0 for k in FACTOR_ORDER} | {FactorKey.OPACITY_REFLEXIVITY: 0.4, FactorKey.CONTEXTUAL_AWARENESS: 0.5}
    profile = build_profile(
        kind=Kind.CLASSIFIER_EMBEDDING_ASR, name="Segmenter", values=values, stated={LayerId.L1: "ViT-H encoder", LayerId.L3: "Used as a tool"},
        exposure=build_exposure(processes_untrusted_content=True),
    )
    l1, _, l3 = model_for(profile).layers[:3]
    assert "Harmful synthetic media" not in l1.threats and "Adversarial examples" in l1.threats
    assert "tool calls" not in l3.text.split(". ")[0].split("threats are")[-1]
    assert "agent loop" not in l3.text

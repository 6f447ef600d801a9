"""CycloneDX 1.6 output: valid against the bundled official schema, the system as a component, the
assessment in the documented `analyzer:` property namespace, and a batch inventory."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from builders import build_analysis, build_listing, coding_agent_profile, failed_analysis, image_model_profile
from schema_support import cyclonedx_errors

from analyzer.cli.main import main
from analyzer.models import MetadataField
from analyzer.pipeline import analyze
from analyzer.report import render
from analyzer.report.cyclonedx import SPDX_IDS, bom, merge_boms

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "tidewater-agent.md"

MODEL_CARD = """---
license: other
pipeline_tag: text-to-image
base_model: acme/pixelbloom-2
datasets:
  - laion/laion-art
---

# Pixelbloom 3

Pixelbloom 3 is a 4B-parameter rectified-flow transformer that turns text prompts into images.

## Intended uses

Concept art and illustration drafts for designers.

## Limitations

It renders legible text poorly and struggles with hands.

## Bias, Risks, and Harms

Outputs may reinforce stereotypes present in web images.

## Usage

```python
pipe = load("pixelbloom-3")
```
"""


def props(component: dict) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for p in component["properties"]:
        out.setdefault(p["name"], []).append(p["value"])
    return out


def test_validator_is_not_vacuous() -> None:
    good = bom([failed_analysis()])
    assert cyclonedx_errors(good) == []
    bad = json.loads(json.dumps(good))
    bad["components"][0]["type"] = "agent"
    assert cyclonedx_errors(bad)


def test_agent_is_an_application_with_its_assessment() -> None:
    analysis = analyze(str(EXAMPLE), provider="heuristic")
    doc = json.loads(render(analysis, "cyclonedx"))
    assert cyclonedx_errors(doc) == []
    assert doc["bomFormat"] == "CycloneDX" and doc["specVersion"] == "1.6"
    system = doc["components"][0]
    assert system["type"] == "application" and system["name"] == "Tidewater"
    assert system["licenses"] == [{"license": {"id": "Apache-2.0", "acknowledgement": "declared"}}]
    p = props(system)
    assert p["analyzer:aivss:score"] == [f"{analysis.aivss.score:g}"] and p["analyzer:aivss:band"] == [analysis.aivss.band.value]
    assert p["analyzer:aivss:vector"] == [analysis.aivss.cvss_vector]
    assert p["analyzer:kind"] == ["coding-agent"]
    assert p["analyzer:factor:dynamic_tool_use"] == [f"{analysis.factors[3].value:g}"]
    assert {p[f"analyzer:maestro:L{i}"][0] for i in range(1, 8)} <= {"mapped", "not_certain"}
    assert p["analyzer:exposure:executes_code"] == [analysis.system.exposure.executes_code.value.value]
    assert all(name.startswith("analyzer:") for name in p)
    # the models it runs on, as the listing names them, are components it depends on
    models = {c["name"]: c for c in doc["components"][1:]}
    assert set(models) == set(analysis.system.underlying_models)
    assert all(c["type"] == "machine-learning-model" for c in models.values())
    deps = {d["ref"]: d.get("dependsOn", []) for d in doc["dependencies"]}
    assert sorted(deps[system["bom-ref"]]) == sorted(c["bom-ref"] for c in models.values())
    assert "modelCard" not in system


def test_model_is_an_ml_component_with_a_model_card_from_the_listing(tmp_path: Path) -> None:
    card = tmp_path / "pixelbloom.md"
    card.write_text(MODEL_CARD, "utf-8")
    doc = bom([analyze(str(card), provider="heuristic")])
    assert cyclonedx_errors(doc) == []
    system = doc["components"][0]
    assert system["type"] == "machine-learning-model"
    assert system["licenses"] == [{"license": {"name": "other", "acknowledgement": "declared"}}]
    model_card = system["modelCard"]
    assert model_card["modelParameters"]["task"] == "text-to-image"
    assert model_card["modelParameters"]["datasets"] == [{"type": "dataset", "name": "laion/laion-art"}]
    considerations = model_card["considerations"]
    assert considerations["useCases"] == ["Concept art and illustration drafts for designers."]
    assert considerations["technicalLimitations"] == ["It renders legible text poorly and struggles with hands."]
    assert considerations["ethicalConsiderations"] == [{"name": "Bias, Risks, and Harms: Outputs may reinforce stereotypes present in web images."}]
    assert not any("pipe = load" in u for u in considerations["useCases"])  # "Usage" is instructions, not a use case
    base = [c for c in doc["components"][1:] if c["name"] == "acme/pixelbloom-2"]
    assert base and props(base[0])["analyzer:relation"] == ["base model (listing metadata)"]


def test_model_card_is_omitted_when_the_listing_gives_nothing() -> None:
    doc = bom([build_analysis(image_model_profile(), build_listing("# Pixelbloom 3\n\nAn image model.\n"))])
    assert cyclonedx_errors(doc) == []
    assert doc["components"][0]["type"] == "machine-learning-model" and "modelCard" not in doc["components"][0]


def test_hugging_face_revision_licence_and_purl() -> None:
    listing = build_listing().model_copy(
        update={
            "source": "https://huggingface.co/acme/pixelbloom-3",
            "source_type": "huggingface",
            "canonical_url": "https://huggingface.co/acme/pixelbloom-3",
            "revision": "0123456789abcdef0123456789abcdef01234567",
            "metadata": [MetadataField(key="id", value="acme/pixelbloom-3", source="hf_api"), MetadataField(key="license", value="cc-by-nc-4.0", source="hf_api")],
        }
    )
    doc = bom([build_analysis(image_model_profile(), listing)])
    assert cyclonedx_errors(doc) == []
    system = doc["components"][0]
    assert system["version"] == "0123456789abcdef0123456789abcdef01234567"
    assert system["purl"] == "pkg:huggingface/acme/pixelbloom-3@0123456789abcdef0123456789abcdef01234567"
    assert system["licenses"][0]["license"]["id"] == "CC-BY-NC-4.0"
    assert system["externalReferences"] == [{"type": "model-card", "url": "https://huggingface.co/acme/pixelbloom-3"}]
    assert system["manufacturer"] == {"name": "Bloom Labs"}


def test_github_purl_is_lower_case_at_the_commit() -> None:
    listing = build_listing().model_copy(
        update={
            "source": "https://github.com/Acme/Shellwright",
            "source_type": "github",
            "canonical_url": "https://github.com/Acme/Shellwright",
            "revision": "main",
            "metadata": [MetadataField(key="full_name", value="Acme/Shellwright", source="github_api"), MetadataField(key="commit", value="abc123", source="github_api")],
        }
    )
    system = bom([build_analysis(coding_agent_profile(), listing)])["components"][0]
    assert system["purl"] == "pkg:github/acme/shellwright@abc123"
    assert system["externalReferences"][0]["type"] == "vcs"


def test_failed_extraction_is_unknown_not_a_score() -> None:
    doc = bom([failed_analysis()])
    p = props(doc["components"][0])
    assert p["analyzer:aivss:score"] == ["unknown"] and p["analyzer:aivss:band"] == ["Unknown"]
    assert p["analyzer:extraction:status"] == ["failed"] and "analyzer:aivss:vector" not in p
    assert set(p["analyzer:factor:autonomy_of_action"]) == {"unknown"}


def test_every_spdx_id_in_the_table_is_valid() -> None:
    analysis = failed_analysis()
    listing = analysis.listing.model_copy(update={"metadata": [MetadataField(key="license", value=v, source="front_matter") for v in SPDX_IDS]})
    doc = bom([analysis.model_copy(update={"listing": listing})])
    assert cyclonedx_errors(doc) == []
    assert {entry["license"]["id"] for entry in doc["components"][0]["licenses"]} == set(SPDX_IDS.values())


def test_listing_text_cannot_smuggle_control_characters() -> None:
    doc = bom([build_analysis(coding_agent_profile(name="Shell\u202ewright\x07"), build_listing(source="card.md"))])
    assert cyclonedx_errors(doc) == []
    assert doc["components"][0]["name"] == "Shellwright"


def test_readme_documents_the_property_namespace(tmp_path: Path) -> None:
    readme = (ROOT / "README.md").read_text("utf-8")
    names = {p["name"].split(":")[1] for p in bom([analyze(str(EXAMPLE), provider="heuristic")])["components"][0]["properties"]}
    for prefix in names:
        assert f"`analyzer:{prefix}" in readme, prefix


def test_cli_and_batch_inventory(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "card.cdx.json"
    assert main(["--quiet", "analyze", str(EXAMPLE), "--out", str(out)]) == 0
    assert cyclonedx_errors(json.loads(out.read_text("utf-8"))) == []
    other = tmp_path / "other.md"
    other.write_text(EXAMPLE.read_text("utf-8").replace("Tidewater", "Ebbtide"), "utf-8")
    sources = tmp_path / "sources.txt"
    sources.write_text(f"{EXAMPLE}\n{other}\n", "utf-8")
    batch = tmp_path / "batch"
    assert main(["--quiet", "batch", str(sources), "--out", str(batch), "--format", "cyclonedx", "--format", "json"]) == 0
    assert len(list((batch / "reports").glob("*.cdx.json"))) == 2
    inventory = json.loads((batch / "bom.cdx.json").read_text("utf-8"))
    assert cyclonedx_errors(inventory) == []
    names = [c["name"] for c in inventory["components"]]
    assert names.count("Tidewater") == 1 and names.count("Ebbtide") == 1
    assert names.count("GPT-4.1") == 1  # a model both agents run on is one component
    refs = [c["bom-ref"] for c in inventory["components"]]
    assert len(refs) == len(set(refs))
    assert merge_boms([]) ["components"] == []
    capsys.readouterr()

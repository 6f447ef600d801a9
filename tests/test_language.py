"""A listing mostly not in English: a clear warning, nothing guessed by the English-only extractor."""

from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from analyzer import language
from analyzer.extract.heuristic import HeuristicExtractor
from analyzer.fetch.parse import build_listing
from analyzer.language import detect_language
from analyzer.pipeline import analyze
from analyzer.report import render

CHINESE_APP = """# 小助手

小助手是一个开源的人工智能助手应用，可以在浏览器中与多种大语言模型对话。

它支持知识库问答、联网搜索和插件，并会在多次会话之间记住你的偏好。

- 支持本地部署和云端部署
- 提供网页界面和桌面客户端
- 可以连接多种模型服务

| Benchmark | Score |
|---|---|
| MMLU | 71.2 |
"""

CHINESE_CARD = "---\npipeline_tag: text-generation\nlicense: apache-2.0\n---\n" + CHINESE_APP


def _listing(text: str):  # type: ignore[no-untyped-def]
    return build_listing(text, source="card.md", source_type="file", name_hint="card.md")


def test_detects_the_main_language_of_prose() -> None:
    report = detect_language(CHINESE_APP)
    assert report.language == "zh" and report.mostly_foreign and report.name == "Chinese"
    french = "Cet agent lit vos fichiers et exécute des commandes dans votre terminal. Il garde une mémoire de vos projets entre les sessions."
    assert detect_language(french).language == "fr"


def test_an_english_listing_is_english_without_loading_the_model() -> None:
    language._identifier.cache_clear()
    report = detect_language("# Tinker\n\nTinker is an open-source coding agent. It edits files in your repository and runs the tests.\n")
    assert report.language == "en" and not report.mostly_foreign
    assert language._identifier.cache_info().currsize == 0


def test_a_chinese_listing_of_unknown_kind_is_unknown_not_guessed() -> None:
    analysis = analyze(_listing(CHINESE_APP), extractor=HeuristicExtractor())
    assert analysis.failed and analysis.aivss.score is None
    assert "mostly in Chinese" in (analysis.extraction.error or "") and "--provider openai" in (analysis.extraction.error or "")
    assert [w.code for w in analysis.warnings] == ["non_english_listing"]
    md = render(analysis, "md")
    assert "AIVSS Unknown" in md and "mostly in Chinese" in md and "LLM provider" in md


def test_a_chinese_card_with_a_pipeline_tag_keeps_its_kind_and_marks_floors_not_read() -> None:
    result = HeuristicExtractor().extract(_listing(CHINESE_CARD))
    assert result.profile is not None
    assert result.profile.system.kind.value == "text-llm"
    assert any(w.code == "non_english_listing" for w in result.warnings)
    floors = [f for f in result.profile.factors if f.floor_applied]
    assert floors and all(f.rationale.startswith("Not read: the listing is mostly in Chinese") for f in floors)


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.characters(max_codepoint=0xFFFF, exclude_categories=["Cs"]), max_size=60))
def test_script_counts_are_the_code_point_ranges(text: str) -> None:
    other = re.compile(
        "[\u0370-\u03ff\u0400-\u052f\u0590-\u05ff\u0600-\u06ff\u0900-\u0dff\u0e00-\u0e7f\u1100-\u11ff"
        "\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af]"
    )
    cjk = re.compile("[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af]")
    edges = "\u036f\u0370\u03ff\u0400\u052f\u0530\u11ff\u1200\u9fff\ua000\ud7af\ud7b0"
    for sample in (text, edges + text):
        assert language._count_in(sample, language._OTHER_SCRIPT) == len(other.findall(sample))
        assert language._count_in(sample, language._CJK) == len(cjk.findall(sample))

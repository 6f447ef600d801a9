"""The one taxonomy: kind groups, exposure-fact names and the display names of kinds and facts.

Every rule file (cvss_derivation.yaml, exposure_by_kind.yaml, maestro_catalogue.yaml, heuristic_rules.yaml)
names kinds either by their Kind value or by a group below; code never re-lists the kinds of a group.
The groups follow ../shared/reference/rubric.md: the "model kinds" are the four kinds whose exposure is
their host's ("Principle for model kinds"); everything in `agentic` acts through a loop of its own.
"""

from __future__ import annotations

from collections.abc import Iterable
from types import MappingProxyType

from analyzer.models import EXPOSURE_FACTS, FACTOR_NAMES, Kind

__all__ = [
    "BROAD_GROUPS",
    "EXPOSURE_FACTS",
    "FACTOR_NAMES",
    "FACT_LABELS",
    "KIND_GROUPS",
    "KIND_LABELS",
    "KIND_PHRASES",
    "KIND_SHORT",
    "MODEL_KINDS",
    "broad_group",
    "expand_kinds",
    "in_group",
]

_K = Kind

KIND_GROUPS: MappingProxyType[str, frozenset[Kind]] = MappingProxyType(
    {
        # The rubric's model kinds: the facts describe the model as published, not the app around it.
        "model": frozenset({_K.IMAGE_VIDEO_AUDIO_MODEL, _K.TEXT_LLM, _K.TOOL_CALLING_LLM, _K.CLASSIFIER_EMBEDDING_ASR}),
        # Models that generate content (the perception models only label or embed it).
        "genmodel": frozenset({_K.IMAGE_VIDEO_AUDIO_MODEL, _K.TEXT_LLM, _K.TOOL_CALLING_LLM}),
        "llm": frozenset({_K.TEXT_LLM, _K.TOOL_CALLING_LLM}),
        "perception": frozenset({_K.CLASSIFIER_EMBEDDING_ASR}),
        "tool": frozenset({_K.MCP_SERVER_OR_TOOL}),
        # Agents that operate a computer: a shell and files, or a browser and desktop.
        "computer_agent": frozenset({_K.CODING_AGENT, _K.BROWSER_OR_COMPUTER_USE_AGENT}),
        # Agents that carry out a user's task themselves, end to end.
        "task_agent": frozenset({_K.CODING_AGENT, _K.BROWSER_OR_COMPUTER_USE_AGENT, _K.AUTONOMOUS_AGENT, _K.ASSISTANT_APP}),
        # Libraries and services other agents are built from.
        "framework": frozenset({_K.MULTI_AGENT_FRAMEWORK, _K.AGENT_FRAMEWORK, _K.MEMORY_SYSTEM}),
        # Systems built around a plan–act tool loop: the task agents (but assistant apps) and the agent frameworks.
        "agent": frozenset({_K.CODING_AGENT, _K.BROWSER_OR_COMPUTER_USE_AGENT, _K.AUTONOMOUS_AGENT, _K.MULTI_AGENT_FRAMEWORK, _K.AGENT_FRAMEWORK}),
        # Everything that acts or is built to act: task agents and frameworks.
        "agentic": frozenset(
            {_K.CODING_AGENT, _K.BROWSER_OR_COMPUTER_USE_AGENT, _K.AUTONOMOUS_AGENT, _K.ASSISTANT_APP, _K.MULTI_AGENT_FRAMEWORK, _K.AGENT_FRAMEWORK, _K.MEMORY_SYSTEM}
        ),
        "unknown": frozenset({_K.UNKNOWN}),
    }
)

MODEL_KINDS: frozenset[Kind] = KIND_GROUPS["model"]
# A partition of the kinds into four broad groups (one per kind), for labels such as CycloneDX's kind:group.
BROAD_GROUPS: tuple[str, ...] = ("model", "tool", "agentic", "unknown")

KIND_LABELS: MappingProxyType[Kind, str] = MappingProxyType(
    {
        _K.IMAGE_VIDEO_AUDIO_MODEL: "image / video / audio generation model",
        _K.TEXT_LLM: "text LLM without agent features",
        _K.TOOL_CALLING_LLM: "LLM advertised for tool calling / agents",
        _K.CLASSIFIER_EMBEDDING_ASR: "classifier / embedding / ASR / segmentation model",
        _K.MCP_SERVER_OR_TOOL: "MCP server or tool",
        _K.CODING_AGENT: "coding agent",
        _K.BROWSER_OR_COMPUTER_USE_AGENT: "browser / computer-use agent",
        _K.MULTI_AGENT_FRAMEWORK: "multi-agent framework",
        _K.AUTONOMOUS_AGENT: "autonomous task / research agent",
        _K.AGENT_FRAMEWORK: "single-agent framework / SDK",
        _K.MEMORY_SYSTEM: "memory system for agents",
        _K.ASSISTANT_APP: "assistant app (chat UI, RAG app, IDE assistant)",
        _K.UNKNOWN: "unknown kind of system",
    }
)

# What each kind is, as a noun phrase that reads inside a sentence ("X is an MCP server or tool").
KIND_PHRASES: MappingProxyType[Kind, str] = MappingProxyType({
    _K.IMAGE_VIDEO_AUDIO_MODEL: "image, video or audio generation model",
    _K.TEXT_LLM: "text LLM without agent features",
    _K.TOOL_CALLING_LLM: "LLM advertised for tool calling and agents",
    _K.CLASSIFIER_EMBEDDING_ASR: "classifier, embedding, speech-recognition or segmentation model",
    _K.MCP_SERVER_OR_TOOL: "MCP server or agent tool",
    _K.CODING_AGENT: "coding agent",
    _K.BROWSER_OR_COMPUTER_USE_AGENT: "browser or computer-use agent",
    _K.MULTI_AGENT_FRAMEWORK: "multi-agent framework",
    _K.AUTONOMOUS_AGENT: "autonomous task or research agent",
    _K.AGENT_FRAMEWORK: "single-agent framework or SDK",
    _K.MEMORY_SYSTEM: "memory system for agents",
    _K.ASSISTANT_APP: "assistant app",
    _K.UNKNOWN: "system of unknown kind",
})

# Short labels for badges, tables and the batch overview ("Kind: coding agent").
KIND_SHORT: MappingProxyType[Kind, str] = MappingProxyType({
    _K.IMAGE_VIDEO_AUDIO_MODEL: "image / video / audio model",
    _K.TEXT_LLM: "text LLM",
    _K.TOOL_CALLING_LLM: "tool-calling LLM",
    _K.CLASSIFIER_EMBEDDING_ASR: "classifier / embedding / ASR model",
    _K.MCP_SERVER_OR_TOOL: "MCP server or tool",
    _K.CODING_AGENT: "coding agent",
    _K.BROWSER_OR_COMPUTER_USE_AGENT: "browser / computer-use agent",
    _K.MULTI_AGENT_FRAMEWORK: "multi-agent framework",
    _K.AUTONOMOUS_AGENT: "autonomous agent",
    _K.AGENT_FRAMEWORK: "agent framework / SDK",
    _K.MEMORY_SYSTEM: "agent memory system",
    _K.ASSISTANT_APP: "assistant app",
    _K.UNKNOWN: "unknown kind",
})

# How a fact reads in a reason ("AV:N — ... (stated: runs as a network-reachable service or hosted API)").
_FACT_LABELS = {
    "network_service": "runs as a network-reachable service or hosted API",
    "processes_untrusted_content": "reads untrusted content (web pages, email, repositories, documents)",
    "executes_code": "runs shell commands or generated code",
    "writes_files": "creates or edits files",
    "controls_browser_or_desktop": "controls a browser or desktop",
    "uses_credentials": "holds or uses credentials (API keys, tokens, logins)",
    "acts_on_external_systems": "changes state on external systems",
    "human_approval_required": "a human approves each risky action",
}
FACT_LABELS: MappingProxyType[str, str] = MappingProxyType({name: _FACT_LABELS[name] for name in EXPOSURE_FACTS})


def expand_kinds(names: Iterable[str]) -> frozenset[Kind]:
    """Kinds named by Kind values and/or group names; ValueError names an unknown one."""
    out: set[Kind] = set()
    for name in names:
        name = str(name)
        if name in KIND_GROUPS:
            out |= KIND_GROUPS[name]
            continue
        try:
            out.add(Kind(name))
        except ValueError:
            raise ValueError(f"unknown kind or kind group {name!r} (groups: {', '.join(KIND_GROUPS)})") from None
    return frozenset(out)


def in_group(kind: Kind, group: str) -> bool:
    return kind in KIND_GROUPS[group]


def broad_group(kind: Kind) -> str:
    """'model', 'tool', 'agentic' or 'unknown'."""
    return next(g for g in BROAD_GROUPS if kind in KIND_GROUPS[g])

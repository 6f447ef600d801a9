"""Sentence-structure cases the offline extractor must read right on listings nobody tuned it on.

Each text is invented; each case pins one general cause of a held-out miss (a link around a phrase, a
setup step read as a capability, ...), not one listing.
"""

from __future__ import annotations

from analyzer.extract.heuristic import HeuristicExtractor
from analyzer.extract.heuristic.kind import detect_kind
from analyzer.extract.heuristic.rules import load_rules
from analyzer.extract.heuristic.textscan import ScanText
from analyzer.fetch.parse import build_listing
from analyzer.models import AgenticProfile, FactorKey, Kind


def _listing(text: str):
    return build_listing(text, source="card.md", source_type="file", name_hint="card.md")


def _profile(text: str) -> AgenticProfile:
    profile = HeuristicExtractor().extract(_listing(text)).profile
    assert profile is not None
    return profile


def _value(profile: AgenticProfile, key: FactorKey) -> float:
    return next(float(f.value or 0.0) for f in profile.factors if f.key is key)


def test_tools_from_any_mcp_server_is_a_client_also_when_the_words_are_a_link() -> None:
    """'use tools from any MCP server' says the system is an MCP client; a Markdown link around the
    words must not turn it into a claim that the system is an MCP server."""
    plain = "# Tiller\n\nTiller runs your agents.\n\n- Use tools from any MCP server or plain Python functions.\n"
    linked = "# Tiller\n\nTiller runs your agents.\n\n- Use tools from any [MCP server](https://example.com/mcp) or plain Python functions.\n"
    server = "# Tiller\n\nTiller is an MCP server that gives your assistant access to a calendar.\n"
    rules = load_rules()
    scores = [detect_kind(ScanText(_listing(t)), rules).scores[Kind.MCP_SERVER_OR_TOOL] for t in (plain, linked, server)]
    assert scores[0] == scores[1] < 2.0 < scores[2]


SETUP_CREDENTIALS = """# Pilot

Pilot is an open-source agent that operates your computer. It views the screen and moves the mouse to click buttons.

## Setup
To use the hosted vision model you may also need to authorize credentials for a desktop application, then export your API key.
"""

LOGIN_CREDENTIALS = """# Pilot

Pilot is an open-source agent that operates your computer. It views the screen and moves the mouse to click buttons.
It signs in to websites with your stored credentials when a task needs an account.
"""


def test_credentials_in_the_setup_steps_are_not_logging_in_as_the_user() -> None:
    """Authorising API credentials during installation is one key in a fixed scope; signing in to
    sites with stored credentials is acting as the user (rubric 0.7-0.8)."""
    setup = _value(_profile(SETUP_CREDENTIALS), FactorKey.DYNAMIC_IDENTITY)
    login = _value(_profile(LOGIN_CREDENTIALS), FactorKey.DYNAMIC_IDENTITY)
    assert setup <= 0.4 < 0.7 <= login

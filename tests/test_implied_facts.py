"""An exposure fact implied by another stated fact says so in every output, never plain "stated".

The heuristic sets `uses_credentials` yes when the listing states an action on an outside service (the
rubric's "plainly implied"); the quote is the action's, so a report that called it "stated" would claim
the listing says something it does not.
"""

from __future__ import annotations

import json

from analyzer.models import FactSource, FactValue
from analyzer.pipeline import analyze
from analyzer.report import render

CARD = """# Quayside Relay

Quayside Relay is an autonomous agent that posts messages to your team's chat channels and files tickets
in your issue tracker when a nightly job fails. It reads the job logs and writes a short summary.
"""

STATES_CREDENTIALS = CARD + "\nIt authenticates with your personal access token.\n"


def _analysis(tmp_path, text: str):
    path = tmp_path / "card.md"
    path.write_text(text, "utf-8")
    return analyze(str(path), provider="heuristic")


def test_credentials_implied_by_an_outside_action_are_marked_and_explained(tmp_path) -> None:
    analysis = _analysis(tmp_path, CARD)
    exposure = analysis.system.exposure
    assert exposure.acts_on_external_systems.value is FactValue.YES and exposure.acts_on_external_systems.implied_by is None
    credentials = exposure.uses_credentials
    assert credentials.value is FactValue.YES and credentials.source is FactSource.STATED
    assert credentials.implied_by and "changes state on external systems" in credentials.implied_by
    assert credentials.evidence[0].quote == exposure.acts_on_external_systems.evidence[0].quote

    concise = render(analysis, "md")
    assert "- Implied: it holds or uses credentials (implied by the stated fact that it changes state on external systems" in concise
    stated_line = next(line for line in concise.splitlines() if line.startswith("- Stated (quotes"))
    assert "credentials" not in stated_line
    full = render(analysis, "md", detail="full")
    row = next(line for line in full.splitlines() if line.startswith("| holds or uses credentials"))
    assert "| yes | implied by the stated fact" in row
    assert "implied: holds or uses credentials" in full  # the CVSS derivation names it as implied too
    assert "implied by the stated fact" in render(analysis, "html")
    assert json.loads(render(analysis, "json"))["system"]["exposure"]["uses_credentials"]["implied_by"] == credentials.implied_by


def test_credentials_the_listing_states_itself_are_plain_stated(tmp_path) -> None:
    credentials = _analysis(tmp_path, STATES_CREDENTIALS).system.exposure.uses_credentials
    assert credentials.value is FactValue.YES and credentials.implied_by is None
    assert "access token" in credentials.evidence[0].quote

"""Sentence-structure cases the offline extractor must read right on listings nobody tuned it on.

Each text is invented; each case pins one general cause of a held-out miss (a link around a phrase, a
setup step read as a capability, ...), not one listing.
"""

from __future__ import annotations

from analyzer.extract.heuristic import HeuristicExtractor
from analyzer.extract.heuristic.fastre import FastPattern
from analyzer.extract.heuristic.kind import detect_kind
from analyzer.extract.heuristic.rules import load_rules
from analyzer.extract.heuristic.textscan import ScanText
from analyzer.fetch.parse import build_listing
from analyzer.models import AgenticProfile, FactorKey, FactorStatus, Kind
from analyzer.rubric import floor


def _listing(text: str):
    return build_listing(text, source="card.md", source_type="file", name_hint="card.md")


def _profile(text: str) -> AgenticProfile:
    profile = HeuristicExtractor().extract(_listing(text)).profile
    assert profile is not None
    return profile


def _factor(profile: AgenticProfile, key: FactorKey):
    return next(f for f in profile.factors if f.key is key)


def _value(profile: AgenticProfile, key: FactorKey) -> float:
    return float(_factor(profile, key).value or 0.0)


def test_tools_from_any_mcp_server_is_a_client_also_when_the_words_are_a_link() -> None:
    """'use tools from any MCP server' says the system is an MCP client; a Markdown link around the
    words must not turn it into a claim that the system is an MCP server."""
    plain = "# Tiller\n\nTiller runs your agents.\n\n- Use tools from any MCP server or plain Python functions.\n"
    linked = "# Tiller\n\nTiller runs your agents.\n\n- Use tools from any [MCP server](https://example.com/mcp) or plain Python functions.\n"
    server = "# Tiller\n\nTiller is an MCP server that gives your assistant access to a calendar.\n"
    rules = load_rules()
    scores = [detect_kind(ScanText(_listing(t)), rules).scores[Kind.MCP_SERVER_OR_TOOL] for t in (plain, linked, server)]
    assert scores[0] == scores[1] < 2.0 < scores[2]
    tagline = "# Skyops\n\nAn MCP server that lists and restarts your containers.\n"
    assert _profile(tagline).system.kind is Kind.MCP_SERVER_OR_TOOL


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


def test_no_code_and_not_only_are_not_negations() -> None:
    """'a no-code automation agent' is an agent; 'no' in a hyphenated compound negates nothing."""
    text = "# Flowly\n\nFlowly is a no-code automation agent. Describe a workflow and Flowly builds it.\n"
    assert _profile(text).system.kind in {Kind.AUTONOMOUS_AGENT}
    negated = "# Flowly\n\nFlowly is not an agent. Describe a workflow and Flowly fills in a form for you to submit.\n"
    assert _profile(negated).system.kind is not Kind.AUTONOMOUS_AGENT


def test_running_for_the_user_around_the_clock_with_no_human_in_the_loop_is_full_autonomy() -> None:
    base = "# Flowly\n\nFlowly is an automation agent. It connects your apps and sends emails when a form is filled.\n"
    unattended = base + "Once a flow is on, it runs it for you 24/7, with no human in the loop.\n"
    assert _value(_profile(base), FactorKey.AUTONOMY_OF_ACTION) < 0.8 <= _value(_profile(unattended), FactorKey.AUTONOMY_OF_ACTION)


def test_acting_in_sites_the_user_is_logged_in_to_is_acting_as_the_user() -> None:
    agent = "# Tabby\n\nTabby is a browser agent that fills in forms and clicks through checkout flows in your own browser"
    logged_in = agent + ", using the sites you are already logged in to.\n"
    setup = agent + ".\n\n## Setup\nMake sure you are logged in to the model hub before you download the weights.\n"
    assert _value(_profile(setup), FactorKey.DYNAMIC_IDENTITY) <= 0.4 < 0.7 <= _value(_profile(logged_in), FactorKey.DYNAMIC_IDENTITY)


def test_a_tool_server_that_manages_cloud_resources_has_high_authority_tools() -> None:
    """Rubric: an MCP server scores its own surface; cloud control is high authority (0.9 within the kind)."""
    cloud = "# Skyops\n\nAn MCP server that lets AI assistants manage your cloud account: it can create and delete compute instances and update security groups.\n"
    fetch = "# Fetcher\n\nAn MCP server that fetches web pages and returns them as Markdown.\n"
    assert _value(_profile(fetch), FactorKey.DYNAMIC_TOOL_USE) <= 0.5 < 0.9 <= _value(_profile(cloud), FactorKey.DYNAMIC_TOOL_USE)


def test_a_template_you_extend_is_an_agent_framework_and_resumable_threads_persist() -> None:
    text = (
        "# ReAct Agent Template\n\nThis template is a simple ReAct agent that you can extend for your own use case. "
        "The agent calls a search tool and loops until it can answer. Conversation threads can be resumed later.\n"
    )
    profile = _profile(text)
    assert profile.system.kind is Kind.AGENT_FRAMEWORK
    assert _value(profile, FactorKey.PERSISTENT_MEMORY) >= 0.4


def test_an_agent_with_a_service_account_acts_with_one_set_of_credentials() -> None:
    base = "# Pipes\n\nPipes is an AI data engineer. It connects to your warehouse, profiles tables and schedules jobs.\n"
    keyed = base.replace("connects to your warehouse", "connects to your warehouse with a service account")
    assert _value(_profile(base), FactorKey.DYNAMIC_IDENTITY) < 0.3 <= _value(_profile(keyed), FactorKey.DYNAMIC_IDENTITY)


CATALOGUE = """# agent-tools-list

A curated list of tools for building AI agents. This repository links to other projects.

## Coding agents
- Tinker: a coding agent that runs shell commands in your terminal.

## Browser agents
- Surfer: automates the browser and fills web forms.
"""

MODEL_FAMILY = """# Vista 3

The Vista 3 collection of multimodal large language models is a collection of pretrained and instruction-tuned
image reasoning models in 11B and 90B sizes.
"""


def test_a_list_of_other_projects_is_no_system_and_is_not_scored() -> None:
    """The items' capabilities belong to the projects it links to: a failed extraction that says why,
    never a coding agent's score. A model family ('a collection of pretrained models') is still a system."""
    result = HeuristicExtractor().extract(_listing(CATALOGUE))
    assert result.profile is None and result.outcome.status == "failed"
    assert "list of other projects" in (result.outcome.error or "") and "curated list" in (result.outcome.error or "")
    family = _profile(MODEL_FAMILY)
    assert family.system.kind is Kind.TEXT_LLM


def _facts(text: str) -> dict[str, str]:
    exposure = _profile(text).system.exposure
    return {name: getattr(exposure, name).value.value for name in type(exposure).model_fields}


def test_a_browser_agent_that_opens_tabs_and_clicks_through_checkout_controls_the_browser() -> None:
    text = (
        "# Tabby\n\nTabby is a browser agent. It opens tabs, reads the pages and clicks through checkout flows for you.\n"
        "It asks before it submits a payment.\n"
    )
    facts = _facts(text)
    assert facts["controls_browser_or_desktop"] == "yes"
    assert facts["processes_untrusted_content"] == "yes"
    assert facts["human_approval_required"] == "yes"
    negated = _facts("# Tabby\n\nTabby is a reading assistant that summarises articles you paste. It never opens tabs or clicks through links for you.\n")
    assert negated["controls_browser_or_desktop"] != "yes"


def test_a_desktop_agent_that_moves_the_mouse_controls_the_desktop() -> None:
    assert _facts("# Desk\n\nDesk is a desktop agent. It looks at screenshots and moves the mouse to finish tasks in any app.\n")["controls_browser_or_desktop"] == "yes"


def test_an_email_assistant_reads_untrusted_mail_and_acts_on_the_mailbox() -> None:
    text = (
        "# Mailo\n\nMailo is an AI email assistant. It reads incoming mail, labels and archives newsletters and can unsubscribe you from lists.\n"
        "Drafts are never sent without your click.\n"
    )
    facts = _facts(text)
    assert facts["processes_untrusted_content"] == "yes"
    assert facts["acts_on_external_systems"] == "yes"
    assert facts["human_approval_required"] == "yes"


def test_a_data_agent_running_generated_sql_with_a_service_account() -> None:
    text = (
        "# Pipes\n\nPipes is an AI data engineer. It connects to your warehouse with a service account.\n\n"
        "- Generate SQL transformations from a description and run them against the warehouse.\n"
        "- Backfill tables overnight. Production writes require approval in Slack.\n"
    )
    facts = _facts(text)
    assert facts["executes_code"] == facts["uses_credentials"] == facts["acts_on_external_systems"] == "yes"
    assert facts["human_approval_required"] == "yes"


def test_a_listed_tool_server_still_states_what_its_sentences_say() -> None:
    """A 'Tools' section makes unshown capabilities 'no'; credentials and cloud changes its sentences
    state are still yes."""
    text = (
        "# Skyops\n\nAn MCP server that lets AI assistants manage your cloud account. It can create and delete compute instances.\n"
        "The server uses the credentials of your local CLI profile.\n\n## Tools\n- `list_instances`\n- `create_instance`\n- `terminate_instance`\n"
    )
    facts = _facts(text)
    assert facts["uses_credentials"] == facts["acts_on_external_systems"] == "yes"
    assert facts["executes_code"] == "no"


def test_an_embedding_model_the_system_uses_is_not_what_the_system_is() -> None:
    """'uses X as the default embedding model' names a dependency; 'X is an embedding model' a system."""
    rules = load_rules()
    uses = "# Recallr\n\nRecallr keeps notes for your chatbot.\n\nRecallr uses `text-embedding-3-small` as the default embedding model, or bring your own embedding model.\n"
    is_one = "# Vecto\n\nVecto is an embedding model that maps sentences to 768-dimensional vectors.\n"
    scores = [detect_kind(ScanText(_listing(t)), rules).scores[Kind.CLASSIFIER_EMBEDDING_ASR] for t in (uses, is_one)]
    assert scores[0] < 2.0 < scores[1]


def test_a_context_length_in_tokens_is_not_a_parameter_count() -> None:
    rules = load_rules()
    text = "# Recallr\n\nRecallr keeps notes for your chatbot and scores 64.1 at 1M tokens on a long-memory benchmark.\n"
    assert detect_kind(ScanText(_listing(text)), rules).scores[Kind.IMAGE_VIDEO_AUDIO_MODEL] == 0.0


COPILOT = """# Hint

Hint is a terminal copilot that suggests shell commands. Unlike autonomous coding agents that run
commands and edit files on their own, Hint only proposes a command and you press Enter to run it.
"""


def test_what_a_comparison_says_of_other_systems_is_not_said_of_this_one() -> None:
    """'Unlike autonomous coding agents that ...' describes the others up to the end of its clause: a
    copilot that proposes commands is an assistant app at a copilot's autonomy (rubric 0.3-0.4)."""
    profile = _profile(COPILOT)
    assert profile.system.kind is Kind.ASSISTANT_APP
    assert _value(profile, FactorKey.AUTONOMY_OF_ACTION) <= 0.4
    after_comma = _profile("# Tabs\n\nUnlike a chat assistant, Tabs is an autonomous agent that runs on its own and books your travel.\n")
    assert after_comma.system.kind is Kind.AUTONOMOUS_AGENT


SRE = """# Pager

Pager is an AI SRE. When an alert fires, it investigates on its own: it queries metrics and logs, runs kubectl
commands against your clusters and posts a root-cause summary in the incident channel. It can restart pods and
roll back deployments; destructive actions wait for an on-call engineer to approve them.
It keeps a knowledge base of past incidents that it consults on every new alert.
"""


def test_an_ai_sre_that_runs_cluster_commands_is_an_autonomous_agent_with_gated_actions() -> None:
    profile = _profile(SRE)
    assert profile.system.kind is Kind.AUTONOMOUS_AGENT
    assert _value(profile, FactorKey.DYNAMIC_TOOL_USE) >= 0.9  # production clusters: high authority
    assert _value(profile, FactorKey.PERSISTENT_MEMORY) >= 0.5
    facts = _facts(SRE)
    assert facts["executes_code"] == facts["acts_on_external_systems"] == facts["human_approval_required"] == "yes"


def test_a_bot_that_replies_in_the_thread_acts_on_the_chat_service() -> None:
    text = "# AskDocs\n\nAskDocs is a Slack bot. Mention it in any channel and it searches your documents and replies in the thread.\n"
    assert _facts(text)["acts_on_external_systems"] == "yes"


def test_a_question_or_a_planned_item_states_no_capability() -> None:
    """'Can it run shell commands?' asks; '- [ ] browser control (coming soon)' and a Roadmap section plan.
    A ticked roadmap item ('- [x] ...') is done and still counts."""
    base = "# Notely\n\nNotely is an AI note-taking assistant. It joins your calls and writes a summary.\n\n"
    asked = _profile(base + "## FAQ\n**Can Notely run shell commands?** No.\n")
    planned = _profile(base + "## Next\n- [ ] Running shell commands from the meeting\n")
    roadmap = _profile(base + "## Roadmap\n- Running shell commands from the meeting\n")
    done = _profile(base + "## Roadmap\n- [x] Running shell commands from the meeting\n")
    for profile in (asked, planned, roadmap):
        assert profile.system.kind is Kind.ASSISTANT_APP
        assert _value(profile, FactorKey.DYNAMIC_TOOL_USE) < 0.8
    assert _value(done, FactorKey.DYNAMIC_TOOL_USE) >= 0.8


def test_a_relative_clause_about_client_agents_is_not_the_servers_capability() -> None:
    text = (
        "# lintmcp\n\nA tiny MCP server that runs your project's linter and returns the findings to the assistant.\n\n"
        "Works with any agent that supports MCP, including coding agents that edit files and run shell commands.\n"
    )
    profile = _profile(text)
    assert profile.system.kind is Kind.MCP_SERVER_OR_TOOL
    assert _value(profile, FactorKey.DYNAMIC_TOOL_USE) < 0.8
    facts = _facts(text)
    assert facts["writes_files"] != "yes" and facts["executes_code"] != "yes"


def test_cannot_negates_and_a_stated_no_survives_an_earlier_negation() -> None:
    text = (
        "# Scout\n\nScout is a research agent that answers questions by searching the web and writes a cited report.\n\n"
        "Scout cannot log in to websites, cannot fill forms and never executes code.\n"
    )
    profile = _profile(text)
    assert _value(profile, FactorKey.DYNAMIC_IDENTITY) < 0.7
    assert _facts(text)["executes_code"] == "no"


def test_an_agent_whose_memory_persists_across_sessions_modifies_its_later_behaviour() -> None:
    """Rubric Self-Modification 0.3-0.4: writing memory that shapes later behaviour. Coupled to the stated
    persistent memory for agents; a tool server's store is written by its caller and stays at its floor."""
    agent = "# Ranger\n\nRanger is an autonomous research agent. It keeps a knowledge base of past tasks that it consults at the start of every new task.\n"
    plain = "# Ranger\n\nRanger is an autonomous research agent. It searches the web and writes a report.\n"
    server = "# Notes MCP\n\nAn MCP server that stores notes in a knowledge graph memory that persists across sessions.\n"
    remembering = _profile(agent)
    assert _value(remembering, FactorKey.PERSISTENT_MEMORY) >= 0.5
    assert _value(remembering, FactorKey.SELF_MODIFICATION) == 0.3
    sm = next(f for f in remembering.factors if f.key is FactorKey.SELF_MODIFICATION)
    assert sm.evidence and "knowledge base of past tasks" in sm.evidence[0].quote
    assert _value(_profile(plain), FactorKey.SELF_MODIFICATION) < 0.3
    assert _value(_profile(server), FactorKey.SELF_MODIFICATION) < 0.3


CODE_MODEL_CARD = """---
pipeline_tag: text-generation
library_name: transformers
---
# Stride-Coder-32B

Stride-Coder-32B is a code language model for agentic coding. It was trained in real repositories to edit files,
run tests and fix bugs when used inside an agent scaffold.

## How to use
Serve it with vLLM and point your coding agent at the endpoint.
"""


def test_a_model_card_whose_hub_task_is_a_model_task_is_a_model_whatever_its_prose_says_agents_do() -> None:
    """What the model is trained to do inside someone's agent is the host's capability (rubric: a model
    that supports tools is not itself an agent); the agent-advertised model is a tool-calling LLM."""
    profile = _profile(CODE_MODEL_CARD)
    assert profile.system.kind is Kind.TOOL_CALLING_LLM
    assert _value(profile, FactorKey.AUTONOMY_OF_ACTION) <= 0.2


def test_an_ai_moderator_bot_is_an_agent_that_reads_channel_messages_with_a_bot_token() -> None:
    text = (
        "# ModBot\n\nModBot is an AI moderator for Discord servers. It reads every message in the channels you choose, "
        "deletes spam and runs 24/7 with a bot token.\n"
    )
    profile = _profile(text)
    assert profile.system.kind is Kind.AUTONOMOUS_AGENT
    assert _value(profile, FactorKey.DYNAMIC_IDENTITY) >= 0.4
    assert _facts(text)["processes_untrusted_content"] == "yes"


def test_a_tool_package_that_gives_llm_agents_a_function_is_a_tool() -> None:
    text = "# weather-tool\n\nA tool package that gives LLM agents a `get_forecast(city)` function. It is read-only and returns JSON.\n"
    assert _profile(text).system.kind is Kind.MCP_SERVER_OR_TOOL


def test_a_sidebar_that_reads_the_page_and_acts_on_signed_in_sites_uses_the_users_session() -> None:
    """'the sites you are already signed in to' is the user's session (a credential), 'the page you are
    on' is third-party content, and 'asks you before submitting' gates the risky step."""
    text = (
        "# Margin\n\nMargin is a browser agent in a side panel. Ask about the page you are on and it answers from the page content. "
        "It clicks buttons and fills in forms on the sites you are already signed in to.\n"
        "It always asks you before submitting an order.\n"
    )
    facts = _facts(text)
    assert facts["processes_untrusted_content"] == facts["uses_credentials"] == facts["controls_browser_or_desktop"] == "yes"
    assert facts["human_approval_required"] == "yes"
    plain = "# Margin\n\nMargin is a browser agent in a side panel. It clicks buttons and fills in forms for you.\n"
    assert _facts(plain)["uses_credentials"] == "not_stated"


def test_an_agent_that_writes_code_and_runs_it_in_a_container_executes_code() -> None:
    text = (
        "# Probe\n\nProbe is an autonomous agent for load testing. It crawls the site you name, writes k6 scripts for each "
        "endpoint and runs them in an isolated Docker container.\n"
    )
    profile = _profile(text)
    assert _value(profile, FactorKey.DYNAMIC_TOOL_USE) >= 0.8
    facts = _facts(text)
    assert facts["executes_code"] == facts["processes_untrusted_content"] == "yes"
    reads = "# Probe\n\nProbe is an autonomous agent for load testing. It reads your OpenAPI file and reports slow endpoints.\n"
    assert _facts(reads)["executes_code"] == "not_stated"


def test_a_trading_agent_that_signs_transactions_and_rewrites_its_own_strategies() -> None:
    """Signing transactions from the user's wallet is acting with the user's credentials on an external
    system; strategies 'rewritten by the agent itself' are self-modification that persists."""
    text = (
        "# Tidewatch\n\nTidewatch is an autonomous agent for crypto markets. It monitors on-chain price feeds and signs and submits "
        "swap transactions from your wallet.\nStrategies that underperform are rewritten by the agent itself each week.\n"
    )
    profile = _profile(text)
    assert _value(profile, FactorKey.SELF_MODIFICATION) >= 0.5
    assert _value(profile, FactorKey.DYNAMIC_IDENTITY) >= 0.4
    facts = _facts(text)
    assert facts["uses_credentials"] == facts["acts_on_external_systems"] == facts["processes_untrusted_content"] == "yes"
    static = "# Tidewatch\n\nTidewatch is an autonomous agent for crypto markets. It monitors on-chain price feeds and alerts you.\n"
    assert _value(_profile(static), FactorKey.SELF_MODIFICATION) < 0.5


def test_an_ai_job_agent_in_the_title_is_an_agent_and_its_record_updates_act_on_the_crm() -> None:
    """'— AI recruiting agent' names a system that does a job, not a memory product (its memory of past
    conversations is a feature); 'follow-up emails' and moving records between stages act on services;
    'wait in a review queue until a recruiter approves' is the approval gate."""
    text = (
        "# Hirely — AI recruiting agent for your ATS\n\nHirely works your candidate pipeline for you.\n\n"
        "- Sends follow-up emails to candidates from your Outlook account.\n"
        "- Moves candidates between stages and logs interview notes to the candidate record.\n"
        "- Messages to new candidates wait in a review queue until a recruiter approves them.\n\n"
        "Hirely keeps a memory of past conversations to personalise outreach.\n"
    )
    profile = _profile(text)
    assert profile.system.kind is Kind.AUTONOMOUS_AGENT
    facts = _facts(text)
    assert facts["acts_on_external_systems"] == facts["uses_credentials"] == facts["human_approval_required"] == "yes"
    rules = load_rules()
    build = "# Kit\n\nKit helps you build AI agents in Python.\n"
    assert detect_kind(ScanText(_listing(build)), rules).scores[Kind.AUTONOMOUS_AGENT] < 2.0


def test_a_marketplace_gpt_page_is_an_assistant_app_and_bookings_after_confirmation_are_gated() -> None:
    gpt = (
        "# Trip Planner\nBy Wander Labs · 4.5 ★ · Travel\n\nPlan a trip and this GPT builds a day-by-day itinerary.\n\n"
        "Capabilities\n- Web Browsing\n- Code Interpreter\n\nConversation starters\n- \"Plan 3 days in Lisbon\"\n"
    )
    assert _profile(gpt).system.kind is Kind.ASSISTANT_APP
    clinic = (
        "# Dentibot\n\nDentibot is a chatbot for dental practices. It answers patients' questions and can book, reschedule "
        "and cancel appointments in the practice calendar once the patient confirms the slot.\n"
    )
    facts = _facts(clinic)
    assert facts["acts_on_external_systems"] == "yes"


def test_an_ai_agent_for_the_home_acts_on_devices_and_a_job_title_does_not_override_a_browser_agent() -> None:
    home = (
        "# Nook\n\nNook is an AI agent for your house. It turns off lights, thermostats and garage doors when you leave "
        "and reports what it changed.\n"
    )
    assert _profile(home).system.kind is Kind.AUTONOMOUS_AGENT
    assert _facts(home)["acts_on_external_systems"] == "yes"
    browser = (
        "# Surfy — AI agent in your browser\n\nSurfy is a browser extension that fills in forms and clicks buttons on "
        "websites for you.\n"
    )
    assert _profile(browser).system.kind is Kind.BROWSER_OR_COMPUTER_USE_AGENT


def test_an_llm_that_operates_a_phone_by_tapping_and_swiping_is_a_computer_use_agent() -> None:
    text = "# Thumb\n\nThumb lets an LLM operate your iOS phone: it taps, swipes and types in any app until a task is done.\n"
    assert _profile(text).system.kind is Kind.BROWSER_OR_COMPUTER_USE_AGENT
    assert _facts(text)["controls_browser_or_desktop"] == "yes"


def test_a_notebook_agent_that_writes_cells_and_runs_them_in_the_kernel_executes_code_behind_a_review() -> None:
    text = (
        "# Cellar\n\nCellar is an autonomous agent for notebooks. Describe a chart and it writes cells, runs them in your kernel "
        "and reads the errors until the chart is right.\nEvery cell it proposes is shown to you first.\n"
    )
    profile = _profile(text)
    assert _value(profile, FactorKey.DYNAMIC_TOOL_USE) >= 0.8
    facts = _facts(text)
    assert facts["executes_code"] == facts["human_approval_required"] == "yes"


def test_an_office_add_in_and_a_rag_pipeline_library_are_assistant_apps_not_models() -> None:
    addin = "# Slidesmith\n\nSlidesmith is a PowerPoint add-in that drafts slides from an outline.\n"
    rag = "# Ragtag\n\nRagtag is a Python library for retrieval-augmented generation pipelines over your PDFs with an LLM.\n"
    for text in (addin, rag):
        assert _profile(text).system.kind is Kind.ASSISTANT_APP


def test_a_classifier_that_screens_untrusted_inputs_processes_untrusted_content() -> None:
    """Rubric: screening untrusted prompts is a stated use that reads third-party content, for a model too."""
    text = (
        "---\npipeline_tag: text-classification\n---\n# Sieve-small\n\nSieve-small is a classifier for screening incoming "
        "messages for prompt injection before they reach an LLM.\n"
    )
    profile = _profile(text)
    assert profile.system.kind is Kind.CLASSIFIER_EMBEDDING_ASR
    assert _facts(text)["processes_untrusted_content"] == "yes"
    plain = "---\npipeline_tag: text-classification\n---\n# Sieve-small\n\nSieve-small is a sentiment classifier for product reviews.\n"
    assert _facts(plain)["processes_untrusted_content"] == "not_stated"


def test_a_tool_server_that_names_its_tools_has_some_tool_use() -> None:
    """One fixed read-only tool is 0.1-0.3 (rubric); a server that names a tool is not at the 0.1 floor."""
    text = "# tzmcp\n\nAn MCP server that tells the assistant the time in any city.\n\n## Tools\n- `now(city)`: the local time (read-only)\n"
    profile = _profile(text)
    assert profile.system.kind is Kind.MCP_SERVER_OR_TOOL
    assert 0.3 <= _value(profile, FactorKey.DYNAMIC_TOOL_USE) <= 0.5


def test_a_chat_assistant_that_edits_calendar_events_and_reads_forwarded_mail() -> None:
    text = (
        "# Butlr\n\nButlr is a personal assistant in your chat app. It creates and reschedules calendar events for you. "
        "Forward it an email and it summarises the thread.\n"
    )
    facts = _facts(text)
    assert facts["acts_on_external_systems"] == facts["processes_untrusted_content"] == "yes"
    reads = "# Butlr\n\nButlr is a personal assistant in your chat app. It tells you what is on your calendar today.\n"
    assert _facts(reads)["acts_on_external_systems"] == "not_stated"


# Round 3: kinds and phrasings the earlier rounds did not cover.


def test_a_voice_cloning_card_is_an_audio_generation_model_whatever_it_calls_the_task() -> None:
    """'Speaks your text in the reference speaker's voice' is speech synthesis, though no task word is used."""
    prose = (
        "# Mimicry-2\n\nMimicry-2 imitates a person's voice from a ten-second sample: give it a sentence and it speaks "
        "that sentence in the target speaker's voice.\n\n## Model\n- 300M parameters\n- Trained on licensed podcasts\n"
    )
    assert _profile(prose).system.kind is Kind.IMAGE_VIDEO_AUDIO_MODEL
    tagged = "---\ntags: [voice-cloning]\n---\n# Mimicry-2\n\nA 300M-parameter model. Trained on licensed podcasts.\n"
    assert _profile(tagged).system.kind is Kind.IMAGE_VIDEO_AUDIO_MODEL


def test_a_reward_model_and_a_forecaster_score_or_predict_rather_than_generate() -> None:
    reward = (
        "---\nbase_model: example/Slate-7B\n---\n# Slate-7B-Judge\n\nA reward model that gives a chat response a single "
        "preference score. It has a regression head on the base model and does not generate text.\n"
    )
    forecast = (
        "---\npipeline_tag: time-series-forecasting\n---\n# Ebb-50M\n\nEbb is a pretrained model that predicts the next "
        "values of a series from its recent history.\n"
    )
    prose_forecast = "# Ebb-50M\n\nEbb is a 50M-parameter forecasting model for hourly sensor series, trained on public datasets.\n"
    for text in (reward, forecast, prose_forecast):
        assert _profile(text).system.kind is Kind.CLASSIFIER_EMBEDDING_ASR
    chat = "---\nbase_model: example/Slate-7B\n---\n# Slate-7B-Chat\n\nAn instruction-tuned chat model for drafting text.\n"
    assert _profile(chat).system.kind is Kind.TEXT_LLM


def test_an_editor_extension_that_runs_the_build_and_iterates_is_a_coding_agent() -> None:
    agent = (
        "# Tern\n\nTern is a JetBrains plugin and an autonomous coding agent: it edits the files of your project, runs your "
        "build and test commands and iterates until the tests pass.\n"
    )
    completer = "# Tern\n\nTern is a JetBrains plugin that suggests completions as you type.\n"
    assert _profile(agent).system.kind is Kind.CODING_AGENT
    assert _profile(completer).system.kind is Kind.ASSISTANT_APP


def test_dropping_a_document_and_asking_questions_about_it_is_an_assistant_app() -> None:
    text = "# Clausebot\n\nUpload a lease PDF and ask questions about it; answers cite the clauses, using an open 8B chat model.\n"
    assert _profile(text).system.kind is Kind.ASSISTANT_APP


PANEL = """# jury-llm

Send one prompt to a jury of language models: each model sees the others' answers, the models critique one another, and a judge model writes the final answer.

{absence}
"""


def test_a_panel_of_llms_that_critique_one_another_is_multi_agent_and_stated_absences_go_below_the_floor() -> None:
    """Rubric: score the system as the listing describes it. 'No tools', 'nothing is stored' and 'a single
    request-response pipeline' pin those factors below a multi-agent framework's floor, quoting the sentence."""
    absent = _profile(PANEL.format(absence="It is a single request-response pipeline: there are no tools and nothing is stored between prompts."))
    kind = absent.system.kind
    assert kind is Kind.MULTI_AGENT_FRAMEWORK
    assert _value(absent, FactorKey.MULTI_AGENT_INTERACTIONS) >= 0.8
    for key, most in ((FactorKey.DYNAMIC_TOOL_USE, 0.0), (FactorKey.PERSISTENT_MEMORY, 0.0), (FactorKey.AUTONOMY_OF_ACTION, 0.1), (FactorKey.GOAL_DRIVEN_PLANNING, 0.2)):
        factor = _factor(absent, key)
        assert factor.value == most < floor(kind, key)
        assert factor.status is FactorStatus.STATED and "pipeline" in factor.evidence[0].quote
    silent = _profile(PANEL.format(absence="Answers are cached for an hour."))
    assert _value(silent, FactorKey.DYNAMIC_TOOL_USE) == floor(kind, FactorKey.DYNAMIC_TOOL_USE)
    # A capability the listing states elsewhere wins over a stated absence (the higher, stated value stays).
    both = _profile(PANEL.format(absence="There are no tools in the default setup.\n\nThe judge model can run shell commands to check code answers."))
    assert _value(both, FactorKey.DYNAMIC_TOOL_USE) >= 0.8


def test_a_negation_ends_at_a_semicolon_and_a_nothing_statement_is_itself_negative() -> None:
    text = "# Wisp\n\nNo account is needed; it runs shell commands in your repo. Nothing is stored between sessions, not even logs.\n"
    scan = ScanText(_listing(text))
    assert scan.find_all(FastPattern.for_rule(r"\bruns? shell commands\b"))
    assert scan.find_all(FastPattern.for_rule(r"\bnothing is stored between\b"))
    negated = ScanText(_listing("# Wisp\n\nIt never runs shell commands on its own.\n"))
    assert not negated.find_all(FastPattern.for_rule(r"\bruns? shell commands\b"))


def test_an_assistant_that_remembers_between_conversations_has_persistent_memory() -> None:
    """Rubric 0.5-0.6: memory across sessions that the system writes; a chat history kept is 0.3-0.4."""
    remembers = (
        "# Nook\n\nNook is a personal assistant on your phone. It remembers your family's names, your diet and the "
        "places you go between conversations.\n"
    )
    history = "# Nook\n\nNook is a personal assistant on your phone. Your conversation history is kept on the device.\n"
    assert _value(_profile(remembers), FactorKey.PERSISTENT_MEMORY) == 0.5
    assert _value(_profile(history), FactorKey.PERSISTENT_MEMORY) <= 0.4


def test_what_an_agent_keeps_for_the_next_run_persists() -> None:
    for sentence in (
        "It keeps the mappings it learns in Postgres for the next run.",
        "Hosts it finds are saved in SQLite, which later engagements reuse.",
        "Site quirks it learns are saved so the next run is faster.",
    ):
        text = f"# Ledgerly\n\nLedgerly is an autonomous agent that reconciles invoices against your books. {sentence}\n"
        profile = _profile(text)
        assert profile.system.kind is Kind.AUTONOMOUS_AGENT
        assert _value(profile, FactorKey.PERSISTENT_MEMORY) >= 0.5, sentence


def test_a_browser_agent_logging_in_to_portals_with_keychain_credentials_acts_as_the_user() -> None:
    text = (
        "# Formfox\n\nFormfox is a browser agent: it opens a real browser and fills in forms for you. It logs in to your "
        "bank and insurer portals with credentials stored in your system keychain.\n"
    )
    profile = _profile(text)
    assert profile.system.kind is Kind.BROWSER_OR_COMPUTER_USE_AGENT
    assert _value(profile, FactorKey.DYNAMIC_IDENTITY) >= 0.7


def test_an_agent_that_runs_tools_through_a_shell_with_planner_and_executor_agents() -> None:
    text = (
        "# Sentry-9\n\nSentry-9 is an autonomous agent for security audits. A planner agent keeps the list of leads. "
        "Executor agents run scanners (port scans, fuzzers) through a shell and read what they print.\n"
    )
    profile = _profile(text)
    assert profile.system.kind is Kind.AUTONOMOUS_AGENT
    assert _value(profile, FactorKey.DYNAMIC_TOOL_USE) >= 0.8
    assert _value(profile, FactorKey.MULTI_AGENT_INTERACTIONS) >= 0.4


def test_a_dataset_or_benchmark_card_is_a_failed_extraction_that_says_why() -> None:
    """Rows of agent trajectories are no system's capabilities: 'unknown / failed' with the reason, not a score."""
    prose = "# ToolRuns-50k\n\nA dataset of 50k agent runs: each row has a goal, the shell commands an agent ran and the outcome.\n"
    front = "---\ntask_categories: [text-generation]\nsize_categories: [10K<n<100K]\n---\n# ToolRuns-50k\n\nRows of agent runs with the commands they ran.\n"
    for text in (prose, front):
        result = HeuristicExtractor().extract(_listing(text))
        assert result.profile is None and result.outcome.status != "ok"
        assert "dataset or benchmark" in (result.outcome.error or "")
    assert "A dataset of 50k agent runs" in (HeuristicExtractor().extract(_listing(prose)).outcome.error or "")
    model = "---\npipeline_tag: text-generation\n---\n# Runner-7B\n\nA 7B model fine-tuned on a dataset of 50k agent runs.\n"
    both = "# Runner\n\nAn open dataset and model for agents that run shell commands.\n"
    assert _profile(model).system.kind is Kind.TEXT_LLM
    assert HeuristicExtractor().extract(_listing(both)).profile is not None


def test_a_readme_that_is_mostly_setup_steps_does_not_read_as_what_it_configures() -> None:
    """'Set the embedding model to use' in a Configuration section names a dependency; a sentence in a setup
    section weighs half and is never the tagline, so a README of install steps is an honest 'unknown'."""
    text = (
        "# quickfind\n\n## Installation\n```bash\ncargo install quickfind\n```\n\n## Configuration\nSet `QF_MODEL` to the "
        "embedding model to use. Run `quickfind index .` once, then `quickfind \"date parsing\"` to search your codebase by meaning.\n"
    )
    assert _profile(text).system.kind is Kind.UNKNOWN
    described = "# quickfind\n\nquickfind is a sentence embedding model for code search.\n\n## Installation\nRun `pip install quickfind`.\n"
    assert _profile(described).system.kind is Kind.CLASSIFIER_EMBEDDING_ASR


def test_a_long_readme_that_says_what_it_does_only_in_a_late_section_still_gets_its_kind() -> None:
    """History, install steps and a long changelog first: the kind comes from the late 'What X does' section."""
    changelog = "".join(f"- **0.{v}.0**: faster start-up, fixed a crash on long titles and updated translations.\n" for v in range(400))
    text = (
        "# Clerkly\n\nClerkly began as a side project and is now maintained by volunteers.\n\n## Changelog\n\n" + changelog
        + "\n## What Clerkly does\n\nClerkly is a browser agent for paperwork: it opens a real browser, navigates the sites and fills in the forms.\n"
    )
    assert len(text) > load_rules().kind_scan_chars
    assert _profile(text).system.kind is Kind.BROWSER_OR_COMPUTER_USE_AGENT


def test_setup_sections_give_no_summary_sentence_and_small_statements_of_scope() -> None:
    setup = "# tessel\n\n## Requirements\n- A CUDA 12 GPU with 16 GB of memory for the fast path\n\n## Install\nRun the installer and restart your shell.\n"
    assert "GPU" not in _profile(setup).system.summary
    app = "# Leasebot\n\nUpload a lease PDF and ask questions about it. Files are deleted when you close the tab.\n"
    profile = _profile(app)
    assert profile.system.kind is Kind.ASSISTANT_APP
    assert _value(profile, FactorKey.PERSISTENT_MEMORY) == 0.0 < floor(Kind.ASSISTANT_APP, FactorKey.PERSISTENT_MEMORY)
    home = (
        "# Hob\n\nHob is a voice assistant for the home. It switches lights and sets the heating through the home hub's API "
        "with a long-lived access token you create for it.\n"
    )
    assert _value(_profile(home), FactorKey.DYNAMIC_IDENTITY) >= 0.3


def test_a_quantised_re_upload_reads_as_a_language_model_in_either_spelling() -> None:
    rules = load_rules()
    for word in ("quantised", "quantized"):
        scores = detect_kind(ScanText(_listing(f"# Marlin-AWQ\n\nA 4-bit {word} build of Marlin-14B-Chat.\n")), rules).scores
        assert scores[Kind.TEXT_LLM] > scores[Kind.IMAGE_VIDEO_AUDIO_MODEL], word


def test_an_ai_that_uses_your_computer_like_you_do_is_a_computer_use_agent() -> None:
    text = (
        "# Steer\n\nSteer lets an AI use your PC like a person would. It reads the accessibility tree, then clicks, types and "
        "switches windows to finish a task.\n"
    )
    assert _profile(text).system.kind is Kind.BROWSER_OR_COMPUTER_USE_AGENT


def test_a_quoted_tagline_defines_a_framework_and_a_framework_for_ai_agents_is_no_tool() -> None:
    """'> The Go framework for AI agents.' under the title is the tagline; 'for AI agents' after 'framework' is
    what the framework builds, not a tool that agents call."""
    text = "# Plover\n\n> The Go framework for AI agents and workflows.\n\nAgents choose tools and loop until the task is done.\n"
    assert _profile(text).system.kind is Kind.AGENT_FRAMEWORK
    tool = "# Plover\n\nSandboxes for AI agents: each one is a micro-VM that boots in 150 ms.\n"
    assert _profile(tool).system.kind is Kind.MCP_SERVER_OR_TOOL


def test_a_personal_api_token_and_memories_added_to_future_chats() -> None:
    server = (
        "# notes-mcp\n\nAn MCP server that lets your assistant search, create and update pages in your notes app.\n\n"
        "Create a personal API token in the app's settings and pass it to the server.\n"
    )
    assert _value(_profile(server), FactorKey.DYNAMIC_IDENTITY) >= 0.3
    app = (
        "# Hearthside\n\nA self-hosted chat interface for local models.\n\n- Memories: the assistant saves facts about you that "
        "are added to future chats\n"
    )
    profile = _profile(app)
    assert profile.system.kind is Kind.ASSISTANT_APP
    assert _value(profile, FactorKey.PERSISTENT_MEMORY) == 0.5


def test_a_video_model_page_that_names_sizes_before_the_noun_and_animates_images() -> None:
    for tagline in ("Generate 6-second 1080p clips from a text prompt.", "Animate a still photo with a short prompt."):
        assert _profile(f"# reel-2\n\n{tagline}\n\n## Output\nAn MP4 file.\n").system.kind is Kind.IMAGE_VIDEO_AUDIO_MODEL, tagline
    describe = "# reel-2\n\nA vision-language model that describes still photos and answers questions about them.\n"
    assert _profile(describe).system.kind is Kind.TEXT_LLM


def test_an_integration_package_that_stores_embeddings_is_a_component_not_an_embedding_model() -> None:
    text = (
        "# llamaindex-vault\n\nThis package contains the LlamaIndex integration with Vault, a hosted vector database.\n\n"
        "`VaultStore` keeps your documents' embeddings in an index and returns the closest ones for a query.\n"
    )
    assert _profile(text).system.kind is Kind.MCP_SERVER_OR_TOOL


def test_a_supervisor_that_decides_which_worker_acts_next_plans_and_is_multi_agent() -> None:
    text = (
        "# Loom\n\nLoom is a Python framework for building agents as graphs.\n\n- Supervisor/worker teams: a supervisor agent "
        "decides which agent acts next\n"
    )
    plain = "# Loom\n\nLoom is a Python framework for building agents as graphs.\n"
    profile, base = _profile(text), _profile(plain)
    assert profile.system.kind is base.system.kind is Kind.AGENT_FRAMEWORK
    assert _value(profile, FactorKey.GOAL_DRIVEN_PLANNING) > _value(base, FactorKey.GOAL_DRIVEN_PLANNING)
    assert _value(profile, FactorKey.MULTI_AGENT_INTERACTIONS) >= 0.5 > _value(base, FactorKey.MULTI_AGENT_INTERACTIONS)


def test_an_adapter_that_reads_ocr_text_is_a_language_model_not_an_ocr_model() -> None:
    card = (
        "---\nlibrary_name: peft\nbase_model: example/Slate-8B-Instruct\n---\n# receipts-lora\n\nA LoRA adapter for "
        "Slate-8B-Instruct that pulls the merchant, date and total out of OCR text and returns them as JSON.\n"
    )
    ocr = "# Glyph-OCR\n\nGlyph is an OCR model that reads printed and handwritten text in scanned pages.\n"
    assert _profile(card).system.kind is Kind.TEXT_LLM
    assert _profile(ocr).system.kind is Kind.CLASSIFIER_EMBEDDING_ASR


def test_the_systems_a_tool_tests_or_monitors_are_not_the_tool() -> None:
    """'Run the checks against your RAG pipelines or agents that run shell commands' describes what is tested."""
    pattern = FastPattern.for_rule(r"\brun shell commands\b|\bRAG pipelines?\b")
    for sentence in (
        "Run the checks against your RAG pipelines or agents.",
        "It evaluates your agents that run shell commands.",
        "Benchmark your own RAG pipeline before release.",
    ):
        assert not ScanText(_listing(f"# Probe\n\n{sentence}\n")).find_all(pattern), sentence
    for own in ("Probe is an agent that can run shell commands.", "It edits files, tests your app and can run shell commands."):
        assert ScanText(_listing(f"# Probe\n\n{own}\n")).find_all(pattern), own

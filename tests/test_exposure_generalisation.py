"""Exposure phrasings and sentence structures the offline extractor must read right on listings nobody
tuned it on (round 3: messaging, tickets, payments, SQL, forms, approval scope, stored keys, safeguards).

Every text is invented for the test; each case pins one general cause, with a control sentence that
must come out the other way."""

from __future__ import annotations

import pytest

from analyzer.datafiles import load_data_yaml
from analyzer.errors import ConfigError
from analyzer.extract.heuristic.exposure import NO, NOT_STATED, YES, find_exposure, parse_rules
from analyzer.extract.heuristic.textscan import ScanText
from analyzer.extract.injection import injection_spans
from analyzer.fetch.parse import build_listing
from analyzer.models import Kind, MitigationKind


def _found(body: str, kind: Kind = Kind.AUTONOMOUS_AGENT):
    listing = build_listing(f"# Wren\n\n{body}\n", source="wren.md", source_type="file", name_hint="wren.md")
    return find_exposure(ScanText(listing), kind, blocked=injection_spans(listing), name="Wren")


def _facts(body: str, kind: Kind = Kind.AUTONOMOUS_AGENT) -> dict[str, str]:
    return _found(body, kind).values()


def _mitigations(body: str, kind: Kind = Kind.AUTONOMOUS_AGENT) -> set[MitigationKind]:
    return {m.kind for m in _found(body, kind).mitigations}


def test_what_the_user_can_build_with_a_library_is_not_the_librarys_capability() -> None:
    built = _facts("With Wren you can build bots that send emails, browse the web and run shell commands.", Kind.AGENT_FRAMEWORK)
    assert built["acts_on_external_systems"] == built["executes_code"] == built["controls_browser_or_desktop"] == NOT_STATED
    helper = _facts("Wren is a toolkit for creating assistants that run shell commands.", Kind.AGENT_FRAMEWORK)
    assert helper["executes_code"] == NOT_STATED
    own = _facts("Wren sends emails, drives a headless browser and runs shell commands for you.", Kind.AGENT_FRAMEWORK)
    assert own["acts_on_external_systems"] == own["executes_code"] == own["controls_browser_or_desktop"] == YES


def test_a_safeguard_switched_off_by_default_is_not_a_mitigation_but_an_opt_in_one_is() -> None:
    assert MitigationKind.SANDBOX not in _mitigations("Wren edits your files. The container sandbox is off by default.", Kind.CODING_AGENT)
    assert MitigationKind.SANDBOX not in _mitigations("Wren edits your files. Sandboxing is turned off unless configured.", Kind.CODING_AGENT)
    assert MitigationKind.SANDBOX in _mitigations("Wren edits your files. Start it with `--isolate` to use the sandbox.", Kind.CODING_AGENT)


def test_approval_required_for_every_action_in_the_passive_is_a_default_gate() -> None:
    found = _facts("Wren restarts services. Operator approval is required for every change it proposes.")
    assert found["human_approval_required"] == YES
    after = _facts("Wren restarts services, and applies a rollback only after an engineer approves it.")
    assert after["human_approval_required"] == YES
    preview = _facts("Wren never publishes a post without showing you the draft first.")
    assert preview["human_approval_required"] == YES
    assert MitigationKind.APPROVAL_GATE in _mitigations("Wren never publishes a post without showing you the draft first.")


def test_approval_for_only_the_actions_above_a_threshold_is_a_mitigation_not_a_default() -> None:
    body = "Wren pays supplier bills. Transfers over $1,000 require approval for each payment; the rest go out automatically."
    assert _facts(body)["human_approval_required"] != YES
    assert MitigationKind.APPROVAL_GATE in _mitigations(body)


def test_acting_on_an_outside_service_uses_its_credentials_with_the_same_quote() -> None:
    found = _found("Wren watches your crash reports and files a bug report in the team tracker for each new crash.")
    assert found.facts["acts_on_external_systems"].value == YES
    cred = found.facts["uses_credentials"]
    assert cred.value == YES and cred.evidence == found.facts["acts_on_external_systems"].evidence
    assert "implied" in (cred.rule or "")
    reads = _facts("Wren reads the crash reports your users send and summarises them.")
    assert reads["uses_credentials"] == NOT_STATED
    # Filling in a form is an action a public page takes without a login: alone it implies no credentials.
    assert _facts("Wren fills in web forms for you.")["uses_credentials"] == NOT_STATED
    # A model's actions are its host's (rubric): the implication does not reach a model kind.
    assert _facts("The model files a bug report in the team tracker for each crash.", Kind.TOOL_CALLING_LLM)["uses_credentials"] == NO


def test_a_setup_step_before_a_semicolon_does_not_hide_what_the_system_then_does() -> None:
    body = "Enter your API keys in the config file; Wren keeps them in the system keychain and uses them to update records on your behalf."
    found = _facts(body)
    assert found["uses_credentials"] == found["acts_on_external_systems"] == YES
    assert _facts("Enter your API keys in the config file and save it.")["uses_credentials"] == NOT_STATED


def test_paying_bills_refunding_and_reading_vendor_documents() -> None:
    pays = _facts("Wren extracts totals from supplier invoices and pays the approved bills through your bank.")
    assert pays["acts_on_external_systems"] == pays["processes_untrusted_content"] == YES
    assert _facts("Wren issues refunds to customers whose parcels arrive late.")["acts_on_external_systems"] == YES
    assert _facts("Wren shows you what your invoices add up to.")["acts_on_external_systems"] == NOT_STATED


def test_sql_run_against_a_database_and_a_read_only_role() -> None:
    runs = _found("Wren generates the SQL, runs it against your analytics warehouse and plots the result.")
    assert runs.facts["executes_code"].value == YES
    ro = _found("Wren connects with a read-only warehouse role, so it cannot modify your data.")
    assert ro.facts["acts_on_external_systems"].value == NO
    assert MitigationKind.READ_ONLY in {m.kind for m in ro.mitigations}
    assert MitigationKind.READ_ONLY in _mitigations("Wren lists open tickets. Its permissions are read-only.")


def test_typing_into_fields_and_pressing_submit_drive_a_browser() -> None:
    assert _facts("Wren types into search boxes and clicks Checkout when the basket is ready.", Kind.ASSISTANT_APP)["controls_browser_or_desktop"] == YES
    assert _facts("Wren fills in web forms from your saved profile.", Kind.ASSISTANT_APP)["controls_browser_or_desktop"] == YES
    assert _facts("Wren explains what each field of a tax form means.", Kind.ASSISTANT_APP)["controls_browser_or_desktop"] == NOT_STATED


def test_filing_tickets_and_commenting_act_but_an_invitation_to_file_an_issue_does_not() -> None:
    assert _facts("Wren raises incidents in your paging tool.")["acts_on_external_systems"] == YES
    assert _facts("Wren adds a comment to the related ticket when the build fails.")["acts_on_external_systems"] == YES
    assert _facts("Please file an issue if Wren misreads your logs.")["acts_on_external_systems"] == NOT_STATED
    assert _facts("Wren cannot open issues or comment.")["acts_on_external_systems"] == NOT_STATED


def test_messages_to_a_channel_act_but_a_message_format_does_not() -> None:
    assert _facts("Wren posts alerts to the team channel.")["acts_on_external_systems"] == YES
    assert _facts("Wren sends direct messages to whoever is on call.")["acts_on_external_systems"] == YES
    assert _facts("Wren sends messages in the JSON chat format of your provider.")["acts_on_external_systems"] == NOT_STATED


def test_stored_service_keys_are_credentials_but_the_model_provider_key_is_not() -> None:
    assert _facts("Wren stores your bank credentials encrypted on disk.")["uses_credentials"] == YES
    assert _facts("Wren uses its service credentials to reach the ticket queue.")["uses_credentials"] == YES
    assert _facts("Wren stores your model provider API keys in a local file.")["uses_credentials"] == NOT_STATED


def test_injection_screening_untrusted_handling_action_caps_and_logs_are_safeguards() -> None:
    assert MitigationKind.GUARDRAIL in _mitigations("Wren runs a prompt-injection classifier on every page it fetches.")
    assert MitigationKind.GUARDRAIL in _mitigations("Wren treats every retrieved page as untrusted.")
    assert MitigationKind.GUARDRAIL in _mitigations("Wren sends no more than 30 emails per hour.")
    assert MitigationKind.GUARDRAIL not in _mitigations("Wren can send up to 30 emails per hour.")
    assert MitigationKind.AUDIT_LOG in _mitigations("Each statement Wren runs is recorded in an activity log.")


def test_creating_or_deleting_a_single_file_writes_files() -> None:
    assert _facts("Wren creates a file with the meeting notes.", Kind.ASSISTANT_APP)["writes_files"] == YES
    assert _facts("Wren shows a file preview.", Kind.ASSISTANT_APP)["writes_files"] == NOT_STATED


def test_an_implication_must_name_two_facts_and_rules_of_its_source() -> None:
    raw = load_data_yaml("exposure_rules.yaml")
    with pytest.raises(ConfigError):
        parse_rules({**raw, "implied": [{"fact": "uses_credentials", "from": "uses_credentials"}]})
    with pytest.raises(ConfigError):
        parse_rules({**raw, "implied": [{"fact": "uses_credentials", "from": "acts_on_external_systems", "unless_rules": ["no_such_rule"]}]})


def test_a_one_click_deploy_button_documents_a_network_service() -> None:
    button = "[![Deploy to Cloudrun](https://example.com/button.svg)](https://example.com/new)\n\nA small model that tags bird songs."
    found = _found(button, Kind.CLASSIFIER_EMBEDDING_ASR)
    assert found.facts["network_service"].value == YES
    assert found.facts["network_service"].evidence[0].quote == "Deploy to Cloudrun"
    badge = "[![Downloads](https://example.com/dl.svg)](https://example.com/stats)\n\nA small model that tags bird songs."
    assert _facts(badge, Kind.CLASSIFIER_EMBEDDING_ASR)["network_service"] == NOT_STATED


def test_advice_to_run_it_in_a_vm_is_not_the_system_running_code_there() -> None:
    advice = _found("Wren manages your dotfiles. Run it in a VM or a throwaway container.", Kind.AUTONOMOUS_AGENT)
    assert advice.facts["executes_code"].value == NOT_STATED
    shell = _found("Wren has full access to your shell. Run it in a VM or a throwaway container.", Kind.AUTONOMOUS_AGENT)
    assert shell.facts["executes_code"].value == YES and "full access" in shell.facts["executes_code"].evidence[0].quote


def test_a_comparison_row_mixing_yes_and_partial_names_no_column() -> None:
    table = "Wren keeps your notes.\n\n| Feature | Wren | Other | Third |\n|---|---|---|---|\n| Works offline | Yes | Yes | Partial |\n"
    assert _facts(table, Kind.ASSISTANT_APP)["network_service"] == NOT_STATED
    assert _facts("Wren keeps your notes. It works fully offline.", Kind.ASSISTANT_APP)["network_service"] == NO


def test_tasks_in_a_tracker_merges_releases_uploads_and_rows_change_outside_state() -> None:
    for body in (
        "Wren creates a task in your project board for every failed job.",
        "When the checks pass Wren merges the pull request and tags a release.",
        "Wren publishes the package to the registry.",
        "Wren finds idle virtual machines and deletes them.",
        "Wren uploads the nightly results to a storage bucket.",
        "Wren appends a summary row to the shared spreadsheet.",
        "Wren adds the cheapest match to your cart and checks out with your saved card.",
        "Wren places outbound calls to make restaurant reservations.",
    ):
        assert _facts(body)["acts_on_external_systems"] == YES, body
    # The planning loop's own task list is no outside system.
    assert _facts("Wren creates new tasks from the result of the last one.")["acts_on_external_systems"] == NOT_STATED


def test_a_drafting_assistant_that_never_sends_does_not_act() -> None:
    found = _facts("Wren reads your inbox and drafts replies. It never sends anything; you send drafts yourself.", Kind.ASSISTANT_APP)
    assert found["acts_on_external_systems"] == NO and found["processes_untrusted_content"] == YES
    privacy = _facts("Wren drafts replies. It never sends messages to third-party servers.", Kind.ASSISTANT_APP)
    assert privacy["acts_on_external_systems"] == NOT_STATED


def test_waiting_for_a_keypress_before_each_command_is_a_default_gate() -> None:
    body = "Wren shows you each command it wants to run and waits for you to press y before anything executes."
    assert _facts(body, Kind.CODING_AGENT)["human_approval_required"] == YES
    assert MitigationKind.APPROVAL_GATE in _mitigations(body, Kind.CODING_AGENT)


def test_dry_run_by_default_is_read_only_and_scoped_tokens_are_access_control() -> None:
    assert MitigationKind.READ_ONLY in _mitigations("Wren deletes stale disks. It runs in dry-run mode by default until you pass `--apply`.")
    assert MitigationKind.ACCESS_CONTROL in _mitigations("Wren files tasks for you. Tokens are scoped to the projects you pick.")


def test_internet_access_reads_third_party_content_unless_negated() -> None:
    assert _facts("Wren has internet access for searches and information gathering.")["processes_untrusted_content"] == YES
    assert _facts("Wren has full access to the internet.")["processes_untrusted_content"] == YES
    assert _facts("Wren cannot access the internet.")["processes_untrusted_content"] == NOT_STATED


def test_a_project_created_under_a_local_path_writes_files_also_in_a_code_comment() -> None:
    code = "Wren builds small apps.\n\n```\nwren \"Create a todo app\"  # this will create a repo in ./workspace\n```\n"
    assert _facts(code, Kind.MULTI_AGENT_FRAMEWORK)["writes_files"] == YES
    assert _facts("Wren builds small apps.\n\n```\nwren \"Create a todo app\"\n```\n", Kind.MULTI_AGENT_FRAMEWORK)["writes_files"] == NOT_STATED


def test_a_setup_step_to_run_it_in_a_container_is_no_sandbox() -> None:
    setup = "Wren reads your issues. To run the server in a container, you will need to have Docker installed."
    assert MitigationKind.SANDBOX not in _mitigations(setup, Kind.MCP_SERVER_OR_TOOL)
    own = "Wren reads your issues. Every tool call runs in a container with no network."
    assert MitigationKind.SANDBOX in _mitigations(own, Kind.MCP_SERVER_OR_TOOL)


def test_review_comments_and_sharing_act_but_the_same_words_asked_of_the_reader_do_not() -> None:
    assert _facts("Wren reads the diff, leaves inline review comments and requests changes when tests are missing.")["acts_on_external_systems"] == YES
    assert _facts("Wren sorts new documents and shares them with the teammates who need them.")["acts_on_external_systems"] == YES
    for reader in (
        "Wren summarises articles. Leave a review on the marketplace!",
        "Wren summarises articles. Share it with your friends.",
        "Wren summarises articles. Send us an email at hi@example.com if you have questions.",
        "Wren summarises articles. If you like it, post a comment on the forum.",
    ):
        assert _facts(reader)["acts_on_external_systems"] == NOT_STATED, reader


def test_campaigns_sql_statements_indexed_team_pages_and_drive_access() -> None:
    assert _facts("Wren schedules and sends the campaign to your subscriber list.")["acts_on_external_systems"] == YES
    assert _facts("`run_sql` — executes a SQL statement and returns the rows", Kind.MCP_SERVER_OR_TOOL)["executes_code"] == YES
    assert _facts("Wren indexes pages written by everyone in your workspace.", Kind.ASSISTANT_APP)["processes_untrusted_content"] == YES
    assert _facts("Wren is an assistant with access to your cloud drive.", Kind.ASSISTANT_APP)["uses_credentials"] == YES


def test_auto_approve_off_by_default_and_waiting_to_accept_each_edit_are_a_default_gate() -> None:
    assert _facts("Wren edits code. Auto-approve is off by default.", Kind.CODING_AGENT)["human_approval_required"] == YES
    assert _facts("Wren edits code and waits for you to accept each edit.", Kind.CODING_AGENT)["human_approval_required"] == YES
    assert _facts("Wren edits code. Pass `--yolo` to skip approvals.", Kind.CODING_AGENT)["human_approval_required"] == YES


def test_a_conditional_or_possible_capability_and_other_products_are_no_evidence() -> None:
    assert _facts("Wren would send emails if you connected it to a mail server.")["acts_on_external_systems"] == NOT_STATED
    assert _facts("It could then run shell commands on your server.")["executes_code"] == NOT_STATED
    assert _facts("Other agents run code; Wren only talks.")["executes_code"] == NOT_STATED
    # A described step of its own workflow is no condition.
    assert _facts("Finally, it would go through the checkout process to purchase the items.")["acts_on_external_systems"] == YES
    assert _facts("Most agents need a sandbox, but Wren runs shell commands directly.")["executes_code"] == YES


def test_stated_absences_of_file_writes_and_credentials_are_a_stated_no() -> None:
    assert _facts("Wren never touches your files.")["writes_files"] == NO
    assert _facts("Wren is safe: it cannot delete files.")["writes_files"] == NO
    found = _facts("Wren has no access to your credentials. It files a bug report in the team tracker.")
    assert found["uses_credentials"] == NO  # a stated no is not overruled by the implication


def test_safeguards_in_many_wordings_are_mitigations_of_their_kind() -> None:
    cases = {
        "Network egress is blocked by default.": MitigationKind.SANDBOX,
        "Execution happens in a Firecracker microVM.": MitigationKind.SANDBOX,
        "Wren cannot execute code outside its container.": MitigationKind.SANDBOX,
        "Wren only connects to domains on an approved list.": MitigationKind.ALLOW_LIST,
        "Role-based permissions let admins restrict which tools each agent can use.": MitigationKind.ACCESS_CONTROL,
        "Wren requires two-factor authentication for admin accounts.": MitigationKind.ACCESS_CONTROL,
        "Credentials are scoped per workspace.": MitigationKind.ACCESS_CONTROL,
        "Every tool call is logged with its arguments and result.": MitigationKind.AUDIT_LOG,
        "All actions can be undone with one click.": MitigationKind.AUDIT_LOG,
        "Secrets are never shown to the model.": MitigationKind.GUARDRAIL,
        "Wren redacts personal data before sending text to the model.": MitigationKind.GUARDRAIL,
        "Wren has a kill switch that stops every running agent.": MitigationKind.GUARDRAIL,
        "Tool calls are limited to 100 per run.": MitigationKind.GUARDRAIL,
        "Wren blocks requests to internal IP addresses.": MitigationKind.GUARDRAIL,
        "Admins approve new tools before agents can use them.": MitigationKind.APPROVAL_GATE,
    }
    for sentence, kind in cases.items():
        assert kind in _mitigations(sentence), sentence
    # Signing in through a site's 2FA prompt is the agent using an account, not a safeguard of its own.
    assert MitigationKind.ACCESS_CONTROL not in _mitigations("Wren handles 2FA prompts on login pages.")
    assert MitigationKind.SANDBOX not in _mitigations("We recommend running Wren in a sandbox.")


def test_not_running_code_outside_a_container_is_no_stated_no() -> None:
    assert _facts("Wren cannot execute code outside its container.")["executes_code"] != NO
    assert _facts("Wren cannot execute code.")["executes_code"] == NO


def test_nothing_happens_without_you_and_a_review_step_for_every_change_are_default_gates() -> None:
    for sentence in (
        "You stay in the loop: nothing is merged without your review.",
        "Nothing is sent until you approve it.",
        "Every deployment goes through a human reviewer first.",
        "Wren acts only after you click Approve in the dashboard.",
        "Wren drafts the reply and you decide whether to send it.",
    ):
        assert _facts(sentence)["human_approval_required"] == YES, sentence
        assert MitigationKind.APPROVAL_GATE in _mitigations(sentence), sentence
    assert _facts("Wren pauses and asks you whenever it is unsure.")["human_approval_required"] == NOT_STATED


def test_restarting_services_acts_outside_only_in_an_infrastructure_context() -> None:
    assert _facts("Wren restarts failing services and rolls back bad releases.")["acts_on_external_systems"] == YES
    local = _facts("Wren installs software and restarts services on your laptop.")
    assert local["acts_on_external_systems"] == local["uses_credentials"] == NOT_STATED


def test_running_programs_through_a_shell_executes_code() -> None:
    assert _facts("Worker agents run port scanners and other tools through a shell and read their output.")["executes_code"] == YES
    assert _facts("Wren executes its helper programs via the terminal.")["executes_code"] == YES
    assert _facts("Wren runs in your terminal and answers questions about the tools you use.")["executes_code"] == NOT_STATED

"""Exposure facts (tri-state) and mitigations from phrase rules plus sentence logic.

Phrase rules (analyzer/data/exposure_rules.yaml) say which wordings state a capability; this module
decides whether a matched sentence really states it of the system itself:
- a negated clause ("does not run code", "no built-in safety filter", "without approval") is no evidence
  for the capability (and a rule written as a negation is evidence for a stated "no");
- advice to the user ("deploy it behind your own guardrails", "we recommend ...") is not a safeguard the
  system provides, nor a default approval step;
- an optional or opt-in mode is not a default ("you can require approval", "--ask flag");
- a question, or a sentence inside a passage the injection detector flagged, is never evidence;
- nor is a row of a comparison table whose cells mix yes and no (it does not say which column is this
  system); a line of links never reaches this module (ScanText skips every match on one).
Facts the rules do not settle come from the kind (rubric: a model's actions are the host's exposure)
or stay not_stated: "not stated" is never silently "no".
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from functools import cache
from typing import NamedTuple

from analyzer import regexcache
from analyzer.errors import ConfigError
from analyzer.extract.heuristic.fastre import FastPattern
from analyzer.extract.heuristic.textscan import Match, ScanText
from analyzer.models import EXPOSURE_FACTS, Evidence, Kind, MitigationKind
from analyzer.rules import exposure_rules as scoring_exposure_rules
from analyzer.taxonomy import FACT_LABELS, KIND_GROUPS, expand_kinds
from analyzer.datafiles import load_data_yaml

RULES_FILE = "exposure_rules.yaml"
YES, NO, NOT_STATED = "yes", "no", "not_stated"
FACT_VALUES = (YES, NO, NOT_STATED)
MAX_EVIDENCE = 2
_HITS_PER_RULE = 25  # a rule's early matches may all be rejected by the sentence logic

# Where one clause ends and the next begins: negation does not reach across these.
_CLAUSE_BREAK = regexcache.compile(
    r"[;:()\[\]\u2014\u2013]|\s-\s|\bbut\b|\bhowever\b|\bwhile\b|\bwhereas\b|\balthough\b|\bthough\b|\binstead\b"
    r"|,\s+(?:and\s+|so\s+|then\s+)?(?:it|we|you|they|this|which|that)\b",
    re.IGNORECASE,
)
# List markers, emphasis, emoji and a leading "**Step 2** -" / "**Label**:" before a sentence's first word.
_OPT_OUT = regexcache.compile(r"\b(?:unless|except (?:when|if))\b", re.IGNORECASE)
_LEAD_MARKUP = regexcache.compile(r"^[^\w\n*_]*(?:\d+[.)]\s*)?(?:(?:\*\*|__)[^*_\n]{1,40}(?:\*\*|__)\s*[-:\u2013\u2014.]\s*)?[^\w\n]*")


class PhraseRule(NamedTuple):
    id: str
    target: str  # fact name or mitigation kind
    polarity: str  # "yes" / "no" for a fact, "mitigation" for a safeguard
    pattern: FastPattern
    include_code: bool
    kinds: frozenset[Kind] | None  # None: every kind
    default_only: bool  # the statement must be a default, not an optional mode
    badge: bool = False  # searched in the alt text of button images ("[![Deploy on X](button.svg)](...)")

    def applies_to(self, kind: Kind) -> bool:
        return self.kinds is None or kind in self.kinds


class Cues(NamedTuple):
    negation_before: re.Pattern[str]
    negation_after: re.Pattern[str]
    advice: re.Pattern[str]
    advice_clause: re.Pattern[str]
    optional: re.Pattern[str]
    partial: re.Pattern[str]
    hedge: re.Pattern[str]
    hedge_before: re.Pattern[str]
    other_subject: re.Pattern[str]
    aspiration: re.Pattern[str]
    built_by_user: re.Pattern[str]
    reader_address: re.Pattern[str]
    user_action: re.Pattern[str]
    setup_instruction: re.Pattern[str]
    ignored_section: re.Pattern[str]
    contribution: re.Pattern[str]


class KindDefault(NamedTuple):
    value: str
    reason: str


class ClosedToolList(NamedTuple):
    """A tool whose listing enumerates its tools can do nothing else: unmatched facts are "no"."""

    kinds: frozenset[Kind]
    heading: re.Pattern[str]  # a Markdown heading line naming the tool list
    facts: tuple[str, ...]
    reason: str


class Implication(NamedTuple):
    """A stated yes of `source` that makes `fact` yes too, when the listing does not state `fact` itself."""

    fact: str
    source: str
    kinds: frozenset[Kind] | None
    reason: str
    unless_rules: frozenset[str] = frozenset()  # source decided by one of these rules (its first match) implies nothing


class ExposureRules(NamedTuple):
    fact_rules: dict[str, tuple[PhraseRule, ...]]  # per fact: yes rules first, then no rules
    mitigation_rules: tuple[PhraseRule, ...]
    descriptions: dict[MitigationKind, str]
    kind_defaults: dict[Kind, dict[str, KindDefault]]
    cues: Cues
    closed_tool_list: ClosedToolList | None = None
    implied: tuple[Implication, ...] = ()

    def all_rules(self) -> tuple[PhraseRule, ...]:
        return (*(r for rules in self.fact_rules.values() for r in rules), *self.mitigation_rules)

    def without(self, dropped: Iterable[PhraseRule]) -> ExposureRules:
        """The same rules with some phrase rules switched off (held-out calibration)."""
        gone = set(dropped)
        return ExposureRules(
            fact_rules={f: tuple(r for r in rules if r not in gone) for f, rules in self.fact_rules.items()},
            mitigation_rules=tuple(r for r in self.mitigation_rules if r not in gone),
            descriptions=self.descriptions,
            kind_defaults=self.kind_defaults,
            cues=self.cues,
            closed_tool_list=self.closed_tool_list,
            implied=self.implied,
        )


class FactFinding(NamedTuple):
    """One exposure fact as the listing states it (or as the kind settles it)."""

    fact: str
    value: str  # yes / no / not_stated
    evidence: tuple[Evidence, ...]
    source: str  # "stated" (a verified quote), "kind" (the rubric's principle for the kind), "not_stated"
    rule: str | None  # id of the phrase rule that decided it
    reason: str
    implied_by: str | None = None  # the stated fact this one follows from, and why (its quote is that fact's)


class MitigationFinding(NamedTuple):
    kind: MitigationKind
    description: str
    evidence: tuple[Evidence, ...]
    rule: str


class ExposureFindings(NamedTuple):
    facts: dict[str, FactFinding]
    mitigations: tuple[MitigationFinding, ...]

    def values(self) -> dict[str, str]:
        return {name: f.value for name, f in self.facts.items()}


# --------------------------------------------------------------------------- loading


def _compile(source: str, where: str) -> FastPattern:
    try:
        return FastPattern.for_rule(source)
    except re.error as exc:
        raise ConfigError(f"{RULES_FILE}: bad pattern in {where}: {exc}", hint="fix the regular expression") from None


def _cue(source: str, where: str) -> re.Pattern[str]:
    try:
        return regexcache.compile(source, re.IGNORECASE)
    except re.error as exc:
        raise ConfigError(f"{RULES_FILE}: bad pattern in cues.{where}: {exc}", hint="fix the regular expression") from None


def _kinds(item: dict, groups: dict[str, list[str]], where: str) -> frozenset[Kind] | None:
    def expand(names: object) -> set[Kind]:
        out: set[Kind] = set()
        for name in names if isinstance(names, list) else [names]:
            for k in groups.get(str(name), [str(name)]):
                try:
                    out.add(Kind(k))
                except ValueError:
                    raise ConfigError(f"{RULES_FILE}: unknown kind or group {name!r} in {where}", hint="use a kind or a name from `groups`") from None
        return out

    if "kinds" in item:
        return frozenset(expand(item["kinds"]))
    if "not_kinds" in item:
        return frozenset(set(Kind) - expand(item["not_kinds"]))
    return None


def _rule(item: dict, target: str, polarity: str, groups: dict[str, list[str]], where: str) -> PhraseRule:
    patterns = item.get("patterns") or []
    if not patterns:
        raise ConfigError(f"{RULES_FILE}: {where} has no patterns", hint="give at least one pattern")
    return PhraseRule(
        id=str(item.get("id", target)),
        target=target,
        polarity=polarity,
        pattern=_compile("|".join(f"(?:{p})" if not str(p).startswith("\\b") else str(p) for p in patterns), where),
        include_code=bool(item.get("code", False)),
        kinds=_kinds(item, groups, where),
        default_only=bool(item.get("default_only", False)),
        badge=bool(item.get("badge", False)),
    )


def parse_rules(raw: dict) -> ExposureRules:
    groups: dict[str, list[str]] = {name: [k.value for k in Kind if k in members] for name, members in KIND_GROUPS.items()}
    facts_raw = raw.get("facts") or {}
    unknown = set(facts_raw) - set(EXPOSURE_FACTS)
    if unknown:
        raise ConfigError(f"{RULES_FILE}: unknown exposure facts {sorted(unknown)}", hint=f"use one of {', '.join(EXPOSURE_FACTS)}")
    fact_rules: dict[str, tuple[PhraseRule, ...]] = {}
    for fact in EXPOSURE_FACTS:
        entry = facts_raw.get(fact) or {}
        rules = [
            _rule(item, fact, polarity, groups, f"facts.{fact}.{polarity}[{i}]")
            for polarity in (YES, NO)
            for i, item in enumerate(entry.get(polarity) or [])
        ]
        fact_rules[fact] = tuple(rules)
    mitigation_rules: list[PhraseRule] = []
    descriptions: dict[MitigationKind, str] = {}
    for name, item in (raw.get("mitigations") or {}).items():
        try:
            kind = MitigationKind(name)
        except ValueError:
            raise ConfigError(f"{RULES_FILE}: unknown mitigation kind {name!r}", hint=f"use one of {', '.join(m.value for m in MitigationKind)}") from None
        descriptions[kind] = str(item.get("description", name))[:300]
        mitigation_rules.append(_rule({"id": name, **item}, name, "mitigation", groups, f"mitigations.{name}"))
    # What the rubric settles without a quote comes from the scorer's rules (exposure_by_kind.yaml,
    # `settled`): one definition of the model principle for the extractor, the scorer and the reports.
    kind_defaults: dict[Kind, dict[str, KindDefault]] = {k: {} for k in Kind}
    for settled in scoring_exposure_rules().settled:
        for kind in expand_kinds(settled.when.kinds) if settled.when.kinds else Kind:
            for fact in settled.facts:
                kind_defaults[kind].setdefault(fact, KindDefault(NO, settled.reason))
    cues_raw = raw.get("cues") or {}
    try:
        cues = Cues(**{name: _cue(str(cues_raw[name]), name) for name in Cues._fields})
    except KeyError as exc:
        raise ConfigError(f"{RULES_FILE}: cues.{exc.args[0]} is missing", hint="define every sentence cue") from None
    closed = None
    if raw.get("closed_tool_list"):
        c = raw["closed_tool_list"]
        facts = tuple(str(f) for f in c.get("facts") or ())
        if set(facts) - set(EXPOSURE_FACTS):
            raise ConfigError(f"{RULES_FILE}: closed_tool_list names unknown facts {sorted(set(facts) - set(EXPOSURE_FACTS))}", hint="use exposure fact names")
        heading = _cue(r"^#{1,6}[ \t]+(?:[^\w\n]+[ \t]*)?(?:" + str(c["heading"]) + r")[ \t#]*$", "closed_tool_list.heading")
        closed = ClosedToolList(_kinds(c, groups, "closed_tool_list") or frozenset(), regexcache.compile(heading.pattern, re.IGNORECASE | re.MULTILINE), facts, str(c.get("reason", "")))
    implied = []
    for i, item in enumerate(raw.get("implied") or []):
        fact, source = str(item.get("fact")), str(item.get("from"))
        if fact not in EXPOSURE_FACTS or source not in EXPOSURE_FACTS or fact == source:
            raise ConfigError(f"{RULES_FILE}: implied[{i}] needs two different exposure facts in `fact` and `from`", hint=f"use {', '.join(EXPOSURE_FACTS)}")
        unless = frozenset(str(r) for r in item.get("unless_rules") or ())
        known = {r.id for r in fact_rules[source]}
        if unless - known:
            raise ConfigError(f"{RULES_FILE}: implied[{i}].unless_rules names rules {sorted(unless - known)} that {source} does not have", hint="use rule ids of the `from` fact")
        implied.append(Implication(fact, source, _kinds(item, groups, f"implied[{i}]"), str(item.get("reason", ""))[:300], unless))
    return ExposureRules(fact_rules, tuple(mitigation_rules), descriptions, kind_defaults, cues, closed, tuple(implied))


@cache
def load_exposure_rules() -> ExposureRules:
    return parse_rules(load_data_yaml(RULES_FILE))


# --------------------------------------------------------------------------- sentence logic


class _Sentence(NamedTuple):
    text: str  # the quote (the sentence around the match)
    before: str  # the clause up to the match
    after: str  # the rest of the sentence after the match
    clause: str  # the clause holding the match
    at: int  # where the match starts in `text`


def _sentence(scan: ScanText, hit: Match) -> _Sentence:
    quote = hit.quote
    rel_start = max(0, min(len(quote), hit.start - hit.quote_start))
    rel_end = max(rel_start, min(len(quote), hit.end - hit.quote_start))
    head = quote[:rel_start]
    breaks = list(_CLAUSE_BREAK.finditer(head))
    clause_start = breaks[-1].end() if breaks else 0
    tail = quote[rel_end:]
    nxt = _CLAUSE_BREAK.search(tail)
    clause_end = rel_end + (nxt.start() if nxt else len(tail))
    return _Sentence(quote, quote[clause_start:rel_start], tail, quote[clause_start:clause_end], rel_start)


def _part(s: _Sentence) -> str:
    """The stretch of the sentence between semicolons that holds the match."""
    start = s.text.rfind(";", 0, s.at) + 1
    end = s.text.find(";", s.at)
    return s.text[start : end if end >= 0 else len(s.text)]


def _names_other_product(scan: ScanText, hit: Match, name: str | None) -> bool:
    """The match is part of the system's own name ("Open WebUI"), or its sentence starts with another
    product's bold name ("**OtherTool** gives you full-computer autonomy ...")."""
    if not name:
        return False
    text = scan.text
    lowered_name = _NAME_SEPARATORS.sub(" ", name.lower())
    window = _NAME_SEPARATORS.sub(" ", text[max(0, hit.start - len(name)) : hit.end + len(name)].lower())
    at = window.find(lowered_name)
    offset = max(0, hit.start - len(name))
    if at >= 0 and offset + at <= hit.start and hit.end <= offset + at + len(name):
        return True
    line_start = text.rfind("\n", 0, hit.quote_start) + 1
    lead = _BOLD_LEAD.match(text, line_start, max(hit.start, hit.quote_start + 1))
    if lead is None:
        return False
    own = {w for w in re.findall(r"\w+", lowered_name) if len(w) > 2}
    other = {w for w in re.findall(r"\w+", lead.group(1).lower()) if len(w) > 2}
    return bool(other) and not (own & other)


_NAME_SEPARATORS = regexcache.compile(r"[-_.]")  # "browser-use" is "Browser Use" (same length, so offsets hold)
# "**OtherTool** gives you ...": a capitalised bold name followed by its verb (not a "**Label:**").
_BOLD_LEAD = regexcache.compile(r"[\s>*\-+]*\*\*([A-Z][\w.+-]*(?: [A-Z][\w.+-]*){0,3})\*\*[ \t]+(?=(?:[a-z]+s|is|are|has|have|can|will)\b)")


_CELL_NO = regexcache.compile(r"^(?:no|none|n/a|[❌✗✘✖]|:x:)$")
_CELL_PARTIAL = regexcache.compile(r"^(?:partial(?:ly)?|limited|some|⚠️?|~)(?:\b.*)?$")
_CELL_YES = regexcache.compile(r"^(?:yes|[✅✓✔]|:white_check_mark:|:heavy_check_mark:)$")


def _comparison_row(text: str) -> bool:
    """A table row ("Sandboxed execution | Yes | Yes | **No**", "Works offline | Yes | Partial") whose value
    cells mix yes, no and partial."""
    if "|" not in text:
        return False
    cells = [re.sub(r"[*_`\s]+", " ", c).strip().lower() for c in text.strip().strip("|").split("|")]
    values = cells[1:]
    kinds = {"no" if _CELL_NO.match(c) else "yes" if _CELL_YES.match(c) else "partial" if _CELL_PARTIAL.match(c) else None for c in values}
    kinds.discard(None)
    return len(values) >= 2 and len(kinds) > 1


def rejection(
    scan: ScanText, hit: Match, rule: PhraseRule, cues: Cues, blocked: Sequence[tuple[int, int]] = (), name: str | None = None
) -> str | None:
    """Why a matched sentence does not state the rule's fact of the system itself (None: it does)."""
    quote_end = hit.quote_start + len(hit.quote)
    if any(a < quote_end and hit.quote_start < b for a, b in blocked):
        return "inside a passage addressed to AI readers"
    s = _sentence(scan, hit)
    if s.text.rstrip(" *_`").endswith("?"):
        return "a question"
    if _comparison_row(s.text):
        return "a comparison table row: which column is this system is not stated"
    if cues.ignored_section.search(scan.location(hit.start)) or cues.contribution.search(s.text):
        return "in a section or sentence that is not about the system's capabilities"
    if rule.polarity != NO:
        if cues.negation_before.search(s.before) or cues.negation_after.search(s.after):
            return "negated"
        if cues.hedge.search(s.clause) or cues.hedge_before.search(s.before):
            return "hedged (can be ..., may ...), no stated way"
        if cues.other_subject.search(s.clause) or _names_other_product(scan, hit, name):
            return "about another product, or the system's name itself"
        if cues.aspiration.search(s.text):
            return "a plan or wish, not a feature"
        if cues.built_by_user.search(s.before):
            return "what the user builds with it, not the system itself"
        if cues.reader_address.search(_LEAD_MARKUP.sub("", s.text).lstrip()):
            return "addressed to the reader (contact, feedback), not what the system does"
    if rule.polarity in (YES, NO):
        opening = _LEAD_MARKUP.sub("", s.clause).lstrip()
        if rule.polarity == YES and cues.user_action.search(opening):
            return "the user is the subject"
        # "Run it in a VM or a throwaway container": the user's deployment, not what the system does.
        if rule.polarity == YES and cues.advice.search(opening):
            return "advice to the user, not what the system does"
        # The setup step is the part of the sentence holding the match: "Paste your API keys into the
        # settings page; it stores them in the OS keychain" goes on to say what the system does.
        if cues.setup_instruction.search(_LEAD_MARKUP.sub("", _part(s)).lstrip()):
            return "a setup step for the user"
    if rule.polarity == "mitigation" or rule.default_only:
        opening = _LEAD_MARKUP.sub("", s.clause).lstrip()
        sentence_opening = _LEAD_MARKUP.sub("", s.text).lstrip()
        if cues.advice.search(opening) or cues.advice.search(sentence_opening) or cues.advice_clause.search(s.clause):
            return "advice to the user, not the system's own"
    # "X requires approval unless you start it with --yolo": what follows "unless" is the opt-out.
    if rule.default_only and cues.optional.search(_OPT_OUT.split(s.text, 1)[0]):
        return "an optional mode, not the default"
    if rule.default_only and rule.polarity == YES and cues.partial.search(s.text):
        return "only for part of the actions (a threshold), not each one"
    return None


def candidate_hits(scan: ScanText, rule: PhraseRule, limit: int) -> list[Match]:
    """The rule's matches before the sentence logic. A badge rule's pattern starts at a button image's
    "![" and its quote is the alt text: a one-click deploy button is a documented way to serve, though a
    row of badges is no prose (ScanText skips it)."""
    if not rule.badge:
        return scan.find_all(rule.pattern, include_code=rule.include_code, limit=limit)
    out = []
    text = scan.text
    for start, end in rule.pattern.spans(scan.prose_lower, limit=limit):
        close = text.find("]", start, end + 1)
        if not text.startswith("![", start) or close < 0:
            continue
        out.append(Match(start + 2, close, text[start + 2 : close], scan.location(start), start + 2))
    return out


def accepted_hits(scan: ScanText, rule: PhraseRule, cues: Cues, blocked: Sequence[tuple[int, int]], name: str | None = None) -> list[Match]:
    """The rule's matches that survive the sentence logic, in reading order."""
    hits = candidate_hits(scan, rule, _HITS_PER_RULE)
    return [h for h in hits if rejection(scan, h, rule, cues, blocked, name) is None]


def _evidence(hits: Iterable[Match]) -> tuple[Evidence, ...]:
    out: list[Evidence] = []
    seen: set[str] = set()
    for h in hits:
        if h.quote and h.quote not in seen:
            seen.add(h.quote)
            out.append(h.evidence())
        if len(out) >= MAX_EVIDENCE:
            break
    return tuple(out)


# --------------------------------------------------------------------------- extraction


def decide_fact(
    scan: ScanText, fact: str, kind: Kind, rules: ExposureRules, blocked: Sequence[tuple[int, int]] = (), name: str | None = None
) -> FactFinding:
    """yes (a stated capability) beats a stated no, which beats the kind's principle; else not_stated."""
    by_polarity: dict[str, list[tuple[PhraseRule, list[Match]]]] = {YES: [], NO: []}
    for rule in rules.fact_rules.get(fact, ()):
        if not rule.applies_to(kind):
            continue
        hits = accepted_hits(scan, rule, rules.cues, blocked, name)
        if hits:
            by_polarity[rule.polarity].append((rule, hits))
    for polarity in (YES, NO):
        found = by_polarity[polarity]
        if found:
            first_rule = found[0][0]
            hits = [h for _, hs in found for h in hs[:1]] + [h for _, hs in found for h in hs[1:]]
            return FactFinding(fact, polarity, _evidence(hits), "stated", first_rule.id, f"stated ({first_rule.id})")
    default = rules.kind_defaults.get(kind, {}).get(fact)
    if default is not None:
        return FactFinding(fact, default.value, (), "kind", None, default.reason)
    closed = rules.closed_tool_list
    if closed is not None and kind in closed.kinds and fact in closed.facts:
        heading = closed.heading.search(scan.prose)
        if heading is not None:
            name = heading.group(0).strip("# \t")
            return FactFinding(fact, NO, (), "kind", None, closed.reason.replace("{heading}", name))
    return FactFinding(fact, NOT_STATED, (), NOT_STATED, None, "the listing does not state it")


def find_mitigations(
    scan: ScanText, kind: Kind, rules: ExposureRules, blocked: Sequence[tuple[int, int]] = (), name: str | None = None
) -> tuple[MitigationFinding, ...]:
    out = []
    for rule in rules.mitigation_rules:
        if not rule.applies_to(kind):
            continue
        hits = accepted_hits(scan, rule, rules.cues, blocked, name)
        if hits:
            kind_ = MitigationKind(rule.target)
            out.append(MitigationFinding(kind_, rules.descriptions.get(kind_, rule.target), _evidence(hits[:1]), rule.id))
    return tuple(out)


def find_exposure(
    scan: ScanText, kind: Kind, rules: ExposureRules | None = None, blocked: Sequence[tuple[int, int]] = (), name: str | None = None
) -> ExposureFindings:
    """The eight facts and the stated mitigations.

    `blocked`: text spans flagged as prompt injection (never evidence); `name`: the system's own name, so
    that the name itself ("Open WebUI") and sentences about other named products are not evidence."""
    rules = rules or load_exposure_rules()
    facts = {fact: decide_fact(scan, fact, kind, rules, blocked, name) for fact in EXPOSURE_FACTS}
    for imp in rules.implied:
        source, target = facts[imp.source], facts[imp.fact]
        if (imp.kinds is None or kind in imp.kinds) and source.value == YES and source.source == "stated" and source.rule not in imp.unless_rules and target.source != "stated":
            implied_by = f"the stated fact that it {FACT_LABELS[imp.source]}; {imp.reason}"
            facts[imp.fact] = FactFinding(imp.fact, YES, source.evidence, "stated", f"implied by {imp.source}", f"{imp.reason} (stated: {source.rule})", implied_by)
    return ExposureFindings(facts, find_mitigations(scan, kind, rules, blocked, name))


__all__ = [
    "FACT_VALUES",
    "NO",
    "NOT_STATED",
    "YES",
    "ExposureFindings",
    "ExposureRules",
    "FactFinding",
    "MitigationFinding",
    "PhraseRule",
    "accepted_hits",
    "candidate_hits",
    "find_exposure",
    "load_exposure_rules",
    "parse_rules",
    "rejection",
]

"""The one-sentence definition of the system that opens every report.

A listing rarely opens with its definition: READMEs start with announcements ("1.0 is almost here"),
badges, calls to action ("Visit our organization…"), news lines ("accepted by EMNLP 2025") or benchmark
tables. The summary is the sentence that says what the system *is*, chosen by how it is built:

1. "X is a …", "X lets you …", "This newest X is …", "We present X, a …", "X, an open-source …" (the
   listing defines itself: used as written, or as "X is a …" for the appositive forms);
2. a tagline that names a kind of thing ("A Model Context Protocol server that …", "Low-level
   orchestration framework for …", the title's subtitle): "X is a …";
3. otherwise a sentence composed from the detected kind (and the Hugging Face pipeline tag), followed by
   the listing's first readable sentence when there is one.
"""

from __future__ import annotations

import re

from analyzer import regexcache
from analyzer.extract.heuristic.textscan import ScanText
from analyzer.models import Kind
from analyzer.sentences import display_quote
from analyzer.text import article, is_announcement, is_defining_sentence, join, kind_phrase

LEAD_UNITS = 150  # sentences looked at, from the top
LEAD_CHARS = 30_000
MAX_SENTENCE_CHARS = 400
_KIND_NOUN = regexcache.compile(
    r"\b(?:agents?|framework|library|sdk|toolkit|server|tools?|models?|llms?|platform|app|application|assistant|system|interface"
    r"|runtime|engine|layer|protocol|extension|plugin|cli|copilot|service|infrastructure|sandbox|api|family|suite|series|collection"
    r"|transformer|encoder|network|pipeline|bot|chatbot|implementation|ui|client|harness|orchestrator)\b",
    re.IGNORECASE,
)
# Openings that never define: calls to action, greetings, legal text, news lines, notes.
_REJECT_START = regexcache.compile(
    r"^(?:welcome|visit|join|please|check|read|try|click|install|copyright|licensed|note|thanks|thank you|if you|to learn|to use"
    r"|we(?:'re|’re|'d|’d| are| were| would)|our (?:paper|team)|star|follow|see|learn more|get started|for more|\[?\d{1,4}[./-]\d{1,2}|\d{4}\b"
    r"|(?:january|february|march|april|may|june|july|august|september|october|november|december)\b|news|update|important|warning)",
    re.IGNORECASE,
)
_VERB_AFTER_NAME = (
    r"(?:is|are|lets|provides|enables|allows|helps|turns|gives|connects|offers|brings|implements|makes|acts|serves|enhances|adds|powers"
    r"|equips|delivers|automates|orchestrates|builds|creates|generates|converts|exposes|runs|transcribes|translates|embeds|segments)\b"
    # ... but not "is not locked to", "is based on", "are also available", "is source-available", "are significantly better"
    r"(?!\s+(?:not\b|n't|also\b|now\b|still\b|currently\b|available|based\b|built\b|licensed|released|trained on|inspired|source-available"
    r"|\w+ly better|significant|better\b|faster\b|more\b|less\b|compatible|supported|here\b|coming\b|out\b|written|maintained|developed|designed by))"
)
_WE_PRESENT = regexcache.compile(r"^(?:in this [\w ]{1,30}, )?we (?:present|introduce|release|propose|open-source)d?\s+(?:the\s+)?(?P<subject>[^,]{1,80}), (?P<rest>(?:an?|the) .+)$", re.IGNORECASE)


def summary(scan: ScanText, kind: Kind, name: str) -> str:
    """One or two sentences, the first of which says what the system is."""
    candidates = _lead_sentences(scan)
    best, best_score = "", 0
    for text in [*_title_tagline(scan, name), *candidates]:
        score = _score(text, name)
        if score > best_score:
            best, best_score = text, score
        if best_score >= 3:
            break
    if best.endswith(":"):
        best = _with_items(scan, best)
    if best_score >= 3:
        first = _as_definition(best, name)
    elif best_score == 2:
        first = _from_tagline(best, name)
    else:
        first = _composed(scan, kind, name)
        extra = next((c for c in candidates if _readable_lead(c)), "")
        if extra:
            return _limit(f"{first} {_sentence(extra)}")
    return _limit(first)


def _with_items(scan: ScanText, lead_in: str) -> str:
    """ "… use tools to:" followed by list items reads as one sentence: "… use tools to fix issues, …, or any task"."""
    units = scan.units[:LEAD_UNITS]
    texts = [display_quote(scan.text[u.start : u.end]) for u in units]
    try:
        at = next(i for i, t in enumerate(texts) if t.strip(" -–—:·").endswith(lead_in.rstrip(":")))
    except StopIteration:
        return lead_in.rstrip(":")
    items = []
    for unit, text in zip(units[at + 1 : at + 6], texts[at + 1 : at + 6], strict=False):
        if unit.kind != "item":
            break
        items.append(text)
    if not items:
        return lead_in.rstrip(":")
    conjunction = "or" if any(re.search(r",?\s+or$", i) for i in items) else "and"
    items = [re.sub(r"(?:,?\s+(?:or|and))?[,;.]*$", "", i).strip() for i in items]
    return f"{lead_in.rstrip(':')} {join(items, conjunction)}"


def _lead_sentences(scan: ScanText) -> list[str]:
    out = []
    for unit in scan.units[:LEAD_UNITS]:
        if unit.start > LEAD_CHARS:
            break
        if unit.kind not in ("sentence", "item", "quote") or scan.in_setup(unit.start):
            continue
        raw = scan.text[unit.start : unit.end]
        text = display_quote(raw).strip(" -–—·")
        if raw.count("![") >= 2 or len(text) < 0.4 * len(raw):
            continue  # a row of badges or links, not a sentence
        text = re.sub(r"^[^\w\"“(]+", "", text)  # leading emoji, arrows, bullets
        if 4 <= len(text.split()) and len(text) <= MAX_SENTENCE_CHARS:
            out.append(text)
    return out


def _title_tagline(scan: ScanText, name: str) -> list[str]:
    """The subtitle of a title like "CogAgent: An open-sourced VLM-based GUI Agent"."""
    title = scan.listing.title or ""
    m = re.match(r"^(?P<head>[^:–—]{1,80})(?::|\s[-–—]{1,2})\s+(?P<rest>.{8,200})$", title.strip())
    if not m:
        return []
    rest = m.group("rest").strip().rstrip(" -–—>")
    return [rest] if len(rest.split()) >= 3 else []


def _name_pattern(name: str) -> str:
    first = re.split(r"[\s:(]", name.strip(), maxsplit=1)[0]
    # The name, perhaps with a version or variant: "FLUX.1 [dev]", "Stable Diffusion v1", "Qwen3-Instruct-2507".
    return re.escape(first) + r"[\w.\-]*(?:\s+(?!(?:Community|License|Licence|Team|Paper|Repository|Cloud|Enterprise|Hub)\b)(?-i:[A-Z0-9][\w.\-]*|v\d[\w.]*|\[[^\]\s]{1,20}\])){0,3}?" if first else r"\S+"


def _score(text: str, name: str) -> int:
    """3: the listing defines itself; 2: a tagline naming a kind of thing; 1: another definition; 0: none."""
    if _REJECT_START.match(text) or is_announcement(text):
        return 0
    name_re = _name_pattern(name)
    if re.match(rf"^(?:the |this (?:newest |new |latest |open[- ]source )?)?{name_re}\W{{0,3}}(?:\([^)]{{0,60}}\)\s*)?{_VERB_AFTER_NAME}", text, re.IGNORECASE):
        return 3 if len(text) <= MAX_SENTENCE_CHARS else 1
    if (_WE_PRESENT.match(text) or re.match(rf"^{name_re},\s+(?:an?|the)\s", text, re.IGNORECASE)) and _KIND_NOUN.search(text):
        return 3
    if _is_tagline(text):
        return 2
    return 1 if is_defining_sentence(text) and _KIND_NOUN.search(text) else 0


def _is_tagline(text: str) -> bool:
    """A noun phrase naming a kind of thing: "A Go library for building agents.", "The open source coding
    agent in your IDE", "Low-level orchestration framework for …" (no finite "is"/"are", no "we"/"you")."""
    words = re.sub(r"\([^)]{0,60}\)", "", text).split()  # "A Model Context Protocol (MCP) server"
    if not 3 <= len(words) <= 30 or _FINITE.search(text):
        return False
    if ":" in " ".join(words[:4]):
        return False  # a label: "Model type: …"
    if words[0].lower() in ("a", "an", "the"):
        head = " ".join(words[:6])
        # The noun phrase must end at the kind noun: "The base model uses …" is a sentence, not a tagline.
        return any(
            _PHRASE_GOES_ON.match(head[m.end() :] + " " + " ".join(words[6:8])) and not _VERB.search(head[: m.start()])
            for m in _KIND_NOUN.finditer(head)
        )
    # Without an article: adjectives, then the kind noun ("Low-level orchestration framework for …").
    head = " ".join(words[:3])
    noun = _KIND_NOUN.search(head)
    proper_then_noun = words[0][:1].isupper() and words[0].lower() not in _IMPERATIVES and _KIND_NOUN.fullmatch(words[1].strip(",.")) is not None  # "Node.js server …"
    if noun is None or not (noun.start() == 0 or proper_then_noun or _ADJECTIVE.match(words[0])) or not words[1][:1].islower():
        return False
    return _PHRASE_GOES_ON.match(head[noun.end() :] + " " + " ".join(words[3:5])) is not None


_FINITE = regexcache.compile(r"\b(?:is|are|was|were|will|can|could|should|would|has|have|had|does|do|may|must|we|you|our|it|this|these)\b", re.IGNORECASE)
# After the kind noun a tagline goes on with a relative clause, a preposition or a participle, not a verb.
_PHRASE_GOES_ON = regexcache.compile(
    r"^s?(?:[\s,.;:!—–-]*$|\s+[-—–]\s|[\s,—–-]+(?:that|which|for|to|with|in|on|built|designed|capable|powered|based|from|of|and|or|by|using|\w+ing)\b)",
    re.IGNORECASE,
)
_VERB = regexcache.compile(r"\b(?:consists|uses|includes|contains|supports|provides|offers|allows|enables|feeds|runs|works|makes|takes|comes|gives|lets)\b", re.IGNORECASE)
_IMPERATIVES = frozenset("define use run build create make get try add let see deploy install start connect turn give bring check read join".split())
_ADJECTIVE = regexcache.compile(
    r"^(?:[\w]+-[\w-]+|\w+(?:al|ic|ive|able|ible|ous|ful|less|weight|source|level|based|ed|est|er)|open|fast|simple|lightweight|minimal"
    r"|modern|small|tiny|powerful|secure|autonomous|smart|native|local|self-hosted|universal|unified|personal|multimodal|agentic)$",
    re.IGNORECASE,
)


def _as_definition(text: str, name: str) -> str:
    we = _WE_PRESENT.match(text)
    if we:
        return _sentence(f"{name} is {_lower_article(we.group('rest'))}")
    appositive = re.match(rf"^{_name_pattern(name)},\s+(?P<rest>(?:an?|the)\s.+)$", text, re.IGNORECASE)
    if appositive:
        return _sentence(f"{name} is {_lower_article(appositive.group('rest'))}")
    return _sentence(text)


def _from_tagline(text: str, name: str) -> str:
    words = text.split()
    if words[0].lower() in ("a", "an", "the"):
        return _sentence(f"{name} is {_lower_article(text)}")
    first = words[0]
    if first[:1].isupper() and first[1:].islower() and len(words) > 1 and words[1][:1].islower():
        text = first.lower() + text[len(first) :]
    return _sentence(f"{name} is {article(text)} {text}")


def _composed(scan: ScanText, kind: Kind, name: str) -> str:
    task = next(iter(scan.listing.meta("pipeline_tag")), "")
    phrase = kind_phrase(kind, with_art=True) if kind is not Kind.UNKNOWN else "an AI system whose kind the listing does not make clear"
    return f"{name} is {phrase}" + (f" (Hugging Face task: {task})." if task else ".")


def _readable_lead(text: str) -> bool:
    return not _REJECT_START.match(text) and not re.search(r"\b(?:join us|slack|discord|wechat|twitter)\b", text, re.IGNORECASE) and len(text.split()) <= 40 and not re.search(r"\d+(?:\.\d+)?\s*%|\bbenchmark", text, re.IGNORECASE)


def _lower_article(text: str) -> str:
    return re.sub(r"^(A|An|The)\b", lambda m: m.group(1).lower(), text.strip())


def _sentence(text: str) -> str:
    text = re.sub(r"\s+", " ", text).strip().rstrip(" :;,-–—")
    return text if text[-1:] in ".!?" else text + "."


def _limit(text: str) -> str:
    return text[:800]

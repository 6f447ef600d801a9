"""Find phrases in a listing and cut verbatim evidence quotes around them.

Extractors search a *masked* copy of the listing text: code blocks, HTML comments and HTML tags are
blanked to spaces (tags become a line break, so they end a sentence). The mask keeps every character
offset, so a match in the masked text maps straight back to the original and every quote is an exact
substring of `listing.text`.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass, field

from analyzer import regexcache
from analyzer.cpubudget import charge
from analyzer.extract.heuristic.fastre import FastPattern, lower_same_length
from analyzer.fetch.parse import heading_text, plain_text
from analyzer.markup import IMAGE, LINK, TAG
from analyzer.models import Evidence, Listing
from analyzer.sentences import Unit, join_wrapped, split_units

MAX_QUOTE_CHARS = 300
_WINDOW = 2000  # how far around a match quotes and negations look (> MAX_QUOTE_CHARS)

_FENCE_LINE = regexcache.compile(r"^[ \t]*(```|~~~)", re.MULTILINE)
_HTML_COMMENT = regexcache.compile(r"<!--.*?(?:-->|\Z)", re.DOTALL)
_HTML_TAG = regexcache.compile(r"</?[A-Za-z][^<>\n]{0,400}?/?>")
_HEADING = regexcache.compile(r"^(#{1,6})[ \t]+(\S.*)$", re.MULTILINE)  # linear: see parse._ATX_HEADING
# A feature marked as absent ("| Tool calling | ❌ |", "does not support tool use") is not evidence for it.
_NEGATION_MARK = regexcache.compile(r"[❌✗✘🚫]|:x:")
# Not prose, though not blanked (blanking would cut quotes at every inline link): image alt text and
# targets, link targets, raw URLs, reference-link labels and multi-line HTML tags. A badge saying
# "Official Website" or a URL containing "/datasets/" is no statement about the system.
# Bracket classes exclude their opening bracket so an unclosed "![" or "](" costs linear time.
_NOT_PROSE = regexcache.compile(r"!\[[^\[\]\n]*\](?:\([^()\n]*\))?|\]\([^()\n]*\)|https?://[^\s)>\]]+|\]\[[^\[\]\n]*\]|<[A-Za-z!/][^<>]{0,800}>")
# "no-code", "no-ops" and "not only ... but" are not negations of what follows, and a negation does not
# reach past a semicolon ("There is no tool use; each query is answered independently"). A comparison ("Unlike
# agents that run commands on their own, X only suggests them", "instead of editing files") describes
# something else up to the end of its clause.
# A relative clause about other systems ("any agent that supports MCP, including coding agents that run
# shell commands") describes those systems, not this one, and so do the systems a tool tests or monitors
# ("run them against your prompts, RAG pipelines or agents", "evaluates your agents"); not "tests / monitors
# your ...", which a coding or operations agent says of its own work.
_NEGATION_BEFORE = regexcache.compile(
    r"\b(?:not(?! only\b)|n't|cannot|no(?!-)|without|never|lacks?)\b[^.\n|;]{0,40}$|\b(?:unlike|instead of|rather than|compared (?:to|with)|as opposed to)\b[^.\n|,;:]{0,60}$"
    r"|\b(?:including|such as|like|any|other)\b[^.\n|;:]{0,50}\b(?:agents?|clients?|assistants?|apps|IDEs|editors|hosts) (?:that|which|who)\b[^.\n|;:]{0,60}$"
    r"|\b(?:against|(?:evaluat|benchmark|red-team)\w*) (?:your|their|any) (?:own )?[^.\n|;:]{0,50}$",
    re.IGNORECASE,
)
# A match that is itself a negative statement ("never executes code", a rule for a stated "no") is not
# cancelled by another negation before it ("cannot fill forms and never executes code").
_NEGATIVE_MATCH = regexcache.compile(r"(?:not|never|nothing|cannot|can't|no|without|(?:does|do|will|is|are|wo|ca)n't|(?:does|do|will|is|are) not)\b")
_NEGATION_WINDOW = 130  # characters before a match that the negation and other-system cues look at
# A plan is not a feature: an unchecked task-list item ("- [ ] browser control") or a roadmap section,
# except its ticked items ("[x] usage examples"), which are done.
_PLANNED_ITEM = regexcache.compile(r"^[ \t]*(?:(?:[-*+]|\d+[.)])[ \t]+)?\[ \][ \t]", re.MULTILINE)
_DONE_ITEM = regexcache.compile(r"^[ \t]*(?:(?:[-*+]|\d+[.)])[ \t]+)?\[[xX]\][ \t]", re.MULTILINE)
# Sections that say how to install, configure or cite a system, not what it is ("Set the embedding model to
# use", "A CUDA GPU with 16 GB"): their sentences do not define the system (kind, tagline, summary).
SETUP_SECTION = regexcache.compile(
    r"^\W*(?:install\w*|set ?up\b|requirements|prerequisites|configur\w+|build\w*(?: from source)?\b|from source|troubleshoot\w*|licen[cs]e|citation|cite\b|contribut\w+|acknowledg\w+)",
    re.IGNORECASE,
)
_PLANNED_SECTION = regexcache.compile(r"\b(?:roadmap|coming soon|planned features|future (?:work|plans|features)|todo|wish ?list)\b", re.IGNORECASE)


# A line of links: fewer than _MIN_OWN_WORDS words outside its links (HTML anchors, URLs and markup taken
# out too), and either several links or link labels of a few words ("[Web Search](...)"). One link
# whose label is a clause ("* [fix issues in real GitHub repositories](...)") still states something.
_LINKED = regexcache.compile(rf"{IMAGE.pattern}|{LINK.pattern}|<a\b[^<>\n]{{0,400}}>(.{{0,400}}?)</a>|{TAG.pattern}|https?://\S+|&\w+;?")
# An image inside a link ([![badge][img]][url]) is the label of the link around it.
_IMAGE_IN_LINK = regexcache.compile(r"(?<=\[)" + IMAGE.pattern)
_MIN_OWN_WORDS = 3
_LABEL_WORDS = 3
_WORDS = regexcache.compile(r"[^\W\d_]{2,}")


def link_line(text: str) -> bool:
    """A navigation line, not a statement: see _LINKED."""
    text = _IMAGE_IN_LINK.sub(lambda m: m.group(1), text)
    labels = [next(g for g in m.groups() if g is not None) for m in _LINKED.finditer(text) if any(g is not None for g in m.groups())]
    if not labels or len(_WORDS.findall(_LINKED.sub(" ", text))) >= _MIN_OWN_WORDS:
        return False
    return len(labels) > 1 or len(_WORDS.findall(labels[0])) <= _LABEL_WORDS


def _blank(chars: list[str], start: int, end: int, first: str = " ") -> None:
    for i in range(start, end):
        if chars[i] != "\n":
            chars[i] = " "
    if start < end and chars[start] != "\n":
        chars[start] = first


def _blank_spans(text: str, spans: list[tuple[int, int]]) -> str:
    chars = list(text)
    for start, end in spans:
        _blank(chars, max(0, start), min(len(chars), end), "\n")  # a blanked passage ends a sentence
    return "".join(chars)


def mask_text(text: str) -> tuple[str, str]:
    """Return (prose, prose_and_code): same length as `text`, with non-prose blanked.

    `prose` blanks code blocks too; `prose_and_code` keeps code (for rules about commands and keys).
    """
    charge(len(text), "masking markup")
    chars = list(text)
    for m in _HTML_COMMENT.finditer(text):
        _blank(chars, m.start(), m.end(), "\n")
    for m in _HTML_TAG.finditer(text):
        _blank(chars, m.start(), m.end(), "\n")
    with_code = "".join(chars)
    fences = [m.start() for m in _FENCE_LINE.finditer(text)]
    for open_at, close_at in zip(fences[::2], fences[1::2] + [len(text)] * (len(fences) % 2), strict=False):
        line_end = text.find("\n", close_at)
        _blank(chars, open_at, len(text) if line_end < 0 else line_end)
    return "".join(chars), with_code


@dataclass
class Match:
    start: int
    end: int
    quote: str
    location: str
    quote_start: int = -1  # offset of `quote` in the listing text

    def evidence(self) -> Evidence:
        return Evidence(quote=self.quote, location=self.location, verified=True)


@dataclass
class ScanText:
    """A listing prepared for phrase search: masked copies, heading offsets, metadata values.

    `blocked` spans (passages the injection detector flagged) are blanked like code: a sentence written
    to instruct the analyser is no statement about the system, so no kind, factor, layer or exposure rule
    can fire inside one, nor quote it."""

    listing: Listing
    blocked: list[tuple[int, int]] = field(default_factory=list)
    prose: str = field(init=False)
    prose_and_code: str = field(init=False)
    prose_lower: str = field(init=False)
    prose_and_code_lower: str = field(init=False)
    _heading_starts: list[int] = field(init=False)
    _heading_names: list[str] = field(init=False)
    _skip_starts: list[int] = field(init=False)
    _skip_ends: list[int] = field(init=False)
    units: list[Unit] = field(init=False)
    _unit_starts: list[int] = field(init=False)
    # Group rules (model-card or agent phrases) repeat the same pattern for several kinds: search once.
    _found: dict[tuple[str, bool, int, int | None], list[Match]] = field(init=False, default_factory=dict)

    def __post_init__(self) -> None:
        self.prose, self.prose_and_code = mask_text(self.listing.text)
        if self.blocked:
            self.prose, self.prose_and_code = (_blank_spans(t, self.blocked) for t in (self.prose, self.prose_and_code))
        # Rules search text whose soft line wraps are spaces ("repository\nmap" matches "repository map").
        self.prose_lower = lower_same_length(join_wrapped(self.prose))
        self.prose_and_code_lower = lower_same_length(join_wrapped(self.prose_and_code))
        charge(len(self.prose), "splitting sentences")
        self.units = split_units(self.prose)
        self._unit_starts = [u.start for u in self.units]
        self._heading_starts, self._heading_names = [], []
        for m in _HEADING.finditer(self.prose):
            self._heading_starts.append(m.start())
            self._heading_names.append(_clean_heading(heading_text(m.group(2))))
        spans = [(m.start(), m.end()) for m in _NOT_PROSE.finditer(self.listing.text)]
        self._skip_starts = [a for a, _ in spans]
        self._skip_ends = [b for _, b in spans]

    @property
    def text(self) -> str:
        return self.listing.text

    def location(self, offset: int) -> str:
        i = bisect.bisect_right(self._heading_starts, offset) - 1
        if i < 0:
            return "(top of listing)"
        return self._heading_names[i][:200] or "(untitled section)"

    def in_setup(self, offset: int) -> bool:
        """True in an installation / configuration / requirements / licence / citation section."""
        return SETUP_SECTION.match(self.location(offset)) is not None

    def find_all(self, pattern: FastPattern, *, include_code: bool = False, limit: int = 50, end: int | None = None) -> list[Match]:
        """Matches in reading order (at most `limit`, starting before `end`), skipping non-prose and negated ones."""
        key = (pattern.source, include_code, limit, end)
        if key not in self._found:
            self._found[key] = self._find_all(pattern, include_code=include_code, limit=limit, end=end)
        return list(self._found[key])

    def _find_all(self, pattern: FastPattern, *, include_code: bool, limit: int, end: int | None) -> list[Match]:
        haystack = self.prose_and_code if include_code else self.prose
        lowered = self.prose_and_code_lower if include_code else self.prose_lower
        charge(len(lowered) if end is None else min(end, len(lowered)), "a heuristic rule")
        found: list[Match] = []
        for start, stop in pattern.spans(lowered, end=end):
            if stop <= start or self.not_prose(start) or self._negated(start, stop) or self._weak(start, include_code):
                continue
            quote_start, quote_end = self._quote_bounds(haystack, start, stop)
            quote = self.text[quote_start:quote_end]
            if self._in_link_line(start):  # a navigation row names pages, it states nothing about the system
                continue
            found.append(Match(start, stop, quote, self.location(start), quote_start))
            if len(found) >= limit:
                break
        return found

    def _in_link_line(self, offset: int) -> bool:
        # The raw line, not the quote: masking turns HTML tags into breaks, so a quote from a row of
        # <a> anchors is one bare label that no longer looks like a link.
        text = self.text
        floor = max(0, offset - _WINDOW)
        newline = text.rfind("\n", floor, offset)
        start = newline + 1 if newline >= 0 else floor
        end = text.find("\n", offset, offset + _WINDOW)
        return link_line(text[start : end if end >= 0 else min(len(text), offset + _WINDOW)])

    def first(self, pattern: FastPattern, *, include_code: bool = False) -> Match | None:
        hits = self.find_all(pattern, include_code=include_code, limit=1)
        return hits[0] if hits else None

    def not_prose(self, offset: int) -> bool:
        """True inside image alt text, link targets, URLs and HTML tags (spans do not overlap)."""
        i = bisect.bisect_right(self._skip_starts, offset) - 1
        return i >= 0 and offset < self._skip_ends[i]

    def unit_at(self, offset: int) -> Unit | None:
        """The sentence, list item, heading or table row containing `offset` (None in code or markup)."""
        i = bisect.bisect_right(self._unit_starts, offset) - 1
        if i >= 0 and offset < self.units[i].end:
            return self.units[i]
        return None

    def _weak(self, offset: int, include_code: bool) -> bool:
        """A testimonial, a user's opinion or an install command says nothing about what the system does."""
        unit = self.unit_at(offset)
        if unit is None or unit.end - unit.start > 2 * MAX_QUOTE_CHARS:
            return False
        sentence = self.text[unit.start : unit.end]
        if weak_statement(sentence) or (not include_code and _COMMAND.match(sentence.lstrip("`$ ")) is not None):
            return True
        if sentence.rstrip(" \t*_`").endswith("?"):  # "Can it run shell commands?" asks, it does not state
            return True
        line_start = self.text.rfind("\n", 0, unit.start) + 1
        if _PLANNED_ITEM.match(self.text, line_start, unit.end) is not None:
            return True
        return _PLANNED_SECTION.search(self.location(offset)) is not None and _DONE_ITEM.match(self.text, line_start, unit.end) is None

    def _negated(self, start: int, end: int) -> bool:
        # The sentence (or, in code, the line) around the match, at most _WINDOW characters either side:
        # a 5 MB sentence must not be rescanned for every match.
        lo, hi = max(0, start - _WINDOW), min(len(self.text), end + _WINDOW)
        unit = self.unit_at(start)
        if unit is not None:
            line_start, line_end = max(lo, unit.start), min(hi, unit.end)
        else:
            line_start = max(lo, self.text.rfind("\n", lo, start) + 1)
            found = self.text.find("\n", end, hi)
            line_end = hi if found < 0 else found
        line = self.text[line_start:line_end]
        window = self.prose_lower[max(line_start, start - _NEGATION_WINDOW) : start]
        if _NEGATIVE_MATCH.match(self.prose_lower, start, end):
            return False
        return bool(_NEGATION_MARK.search(line) or _NEGATION_BEFORE.search(window))

    def _quote_bounds(self, haystack: str, start: int, end: int) -> tuple[int, int]:
        """The whole sentence, list item or table row around a match; a unit longer than
        MAX_QUOTE_CHARS is narrowed to the clauses around the match (cut at "; ", ", " or a dash)."""
        unit = self.unit_at(start)
        lo, hi = max(0, start - _WINDOW), min(len(haystack), end + _WINDOW)
        if unit is None:  # inside a code block (rules with `code: true`): the code line
            left = max(lo, haystack.rfind("\n", lo, start) + 1)
            found = haystack.find("\n", end, hi)
            right = hi if found < 0 else found
        else:
            left, right = unit.start, max(unit.end, end)
        if right - left > MAX_QUOTE_CHARS:
            left, right = _clauses_around(self.text, left, right, start, end)
        while left < start and (self.text[left] in _QUOTE_TRIM_LEFT or (haystack[left].isspace() and not self.text[left].isspace())):
            left += 1
        while right > end and (self.text[right - 1] in _QUOTE_TRIM_RIGHT or (haystack[right - 1].isspace() and not self.text[right - 1].isspace())):
            right -= 1
        # "- **Label**: sentence" is quoted whole (the label is part of the item); a label left
        # without its opening "**" by the trim above would read "Label**: sentence", so keep the marks.
        if left >= 2 and self.text[left - 2 : left] in ("**", "__") and self.text.count(self.text[left - 2 : left], left, right) % 2:
            left -= 2
        if right <= left:  # degenerate: fall back to the match itself
            return start, end
        return left, right


_QUOTE_TRIM_LEFT = " \t\r\n-#>|•:;,"
_QUOTE_TRIM_RIGHT = " \t\r\n-#>|•;,"  # a lead-in keeps its colon ("… use tools to:")
_CLAUSE_BREAK = regexcache.compile(r"[;,:]\s|\s[\u2013\u2014-]\s")


# A quoted endorsement with its attribution ("… — BeetleB on Hacker News", "… — Jane Doe, CTO"), or a user
# speaking for themselves ("It's a cool workflow... perfect for me"): the listing quoting praise, not
# stating a capability. An attribution names someone (a capitalised name, a @handle or a linked name); a
# quoted example request is followed by what the system does with it ('"Move my appointment" — edits
# calendar events').
_TESTIMONIAL = regexcache.compile(
    r"[—–-]\s*[\w .@'-]{1,40}\b(?:on|via|from)\s+(?:hacker news|hn|twitter|x|reddit|discord|youtube|linkedin|product hunt|mastodon|bluesky)\b"
    r"|^\W{0,3}[\"“][^\"”]{5,400}[\"”]\W{0,3}\s*[—–-]\s*(?-i:\[|(?!(?:It|Its|This|That|The|An?|You|Your|We|They|Then|And|Or)\b)[A-Z@])",
    re.IGNORECASE,
)
_FIRST_PERSON = regexcache.compile(r"(?<![\w/])(?:I|I'm|I’m|I've|I’ve|I'd|I’d)(?![\w/])|\b(?:[Mm]y|me)\b")
_COMMAND = regexcache.compile(r"(?:pip3?|pipx|uv|npm|npx|yarn|pnpm|brew|docker|curl|wget|git|conda|apt(?:-get)?|cargo|go)\s+(?:install|run|clone|add|get|pull|-)", re.IGNORECASE)


# A quoted example of what a user types ("Move my dentist appointment to Friday" — edits calendar events):
# its "my" is the user's request, not the listing speaking for itself.
_QUOTED = regexcache.compile(r"[\"“][^\"”\n]{1,400}[\"”]")
_WORD = regexcache.compile(r"\w")


def weak_statement(sentence: str) -> bool:
    """True for a testimonial or a first-person opinion: praise, not a statement of what the system does.

    First-person words inside a quotation count only when the sentence is nothing but the quotation (an
    unattributed testimonial); beside the listing's own words they quote an example request."""
    if _TESTIMONIAL.search(sentence) is not None:
        return True
    unquoted = _QUOTED.sub(" ", sentence)
    own = unquoted if _WORD.search(unquoted) is not None else sentence
    return _FIRST_PERSON.search(own) is not None


def _clauses_around(text: str, left: int, right: int, start: int, end: int) -> tuple[int, int]:
    """Narrow [left, right) to clause boundaries around [start, end), at most MAX_QUOTE_CHARS long."""
    lo = max(left, start - MAX_QUOTE_CHARS // 2)
    breaks_before = [m.end() for m in _CLAUSE_BREAK.finditer(text, lo, start)]
    new_left = breaks_before[0] if breaks_before and lo > left else left
    if lo > left and not breaks_before:
        new_left = _word_boundary_right(text, lo, start)
    hi = min(right, max(end, new_left + MAX_QUOTE_CHARS))
    if hi < right:
        breaks_after = [m.start() for m in _CLAUSE_BREAK.finditer(text, end, hi)]
        hi = breaks_after[-1] if breaks_after else _word_boundary_left(text, hi, end)
    return new_left, hi


def _word_boundary_right(text: str, pos: int, limit: int) -> int:
    """Move `pos` right to the start of a word, never past `limit`."""
    while 0 < pos < limit and not text[pos - 1].isspace():
        pos += 1
    return pos


def _word_boundary_left(text: str, pos: int, limit: int) -> int:
    """Move `pos` left to the end of a word, never before `limit`."""
    while pos > limit and pos < len(text) and not text[pos].isspace():
        pos -= 1
    return pos


def _clean_heading(raw: str) -> str:
    return plain_text(raw).strip(" *_`").strip()


def metadata_evidence(listing: Listing, key: str, value: str) -> Evidence:
    return Evidence(quote=value[:600], location=f"metadata:{key}"[:200], verified=True)


def verify_quote(listing: Listing, evidence: Evidence) -> bool:
    """True when the quote is a substring of the text or of the named metadata value."""
    if evidence.location.startswith("metadata:"):
        key = evidence.location.split(":", 1)[1]
        return any(evidence.quote in v for v in listing.meta(key))
    return evidence.quote in listing.text

"""Wording helpers for every text the tool composes: articles, plurals, lists, kind phrases, sentences.

Reports, the MAESTRO writer, the batch overview and the extractors compose sentences from pieces ("{a_noun}",
"{n} warnings", "X, Y and Z"); doing it in one place keeps "an LLM", "an MCP server", "1 warning" right
everywhere. `article_slips` is the check the report-quality benchmark and the tests run over output.
"""

from __future__ import annotations

import re

from analyzer import regexcache
from analyzer.models import Kind
from analyzer.taxonomy import KIND_PHRASES, KIND_SHORT

# Acronyms read letter by letter start with a vowel sound when their first letter's name does ("an LLM",
# "an MCP", "an SDK", "an HTTP API", "an RL policy"); acronyms read as a word do not ("a RAG app").
_VOWEL_LETTER_NAMES = frozenset("AEFHILMNORSX")
_WORD_ACRONYMS = frozenset({"RAG", "NASA", "SOTA", "LAN", "RAM", "ROM", "SAM", "LoRA", "LORA", "SIMD", "SaaS", "SAAS", "FAQ", "OCR"})
_LETTER_ACRONYMS_ANYWAY = frozenset({"OCR"})  # "an OCR model": said letter by letter
# Words spelled with a vowel but said with a consonant ("a user", "a unified API", "a one-line install"),
# and words spelled with a consonant but said with a vowel ("an hour", "an honest").
_CONSONANT_SOUND = regexcache.compile(r"^(?:uni(?![nmd])|use|usa|usu|uti|ubiq|ura|uri|uro|eu|ew|one\b|once|onetime|one-)", re.IGNORECASE)
_VOWEL_SOUND = regexcache.compile(r"^(?:hour|honest|honou?r|heir)", re.IGNORECASE)
_NUMBER = regexcache.compile(r"^(\d[\d,.]*)")


def article(word: str) -> str:
    """'a' or 'an' for the word that follows ("an LLM", "a user", "an 8B model", "a RAG app")."""
    word = word.strip().lstrip("\"'“‘(*_`[")
    if not word:
        return "a"
    number = _NUMBER.match(word)
    if number:
        digits = number.group(1).replace(",", "").split(".")[0]
        # eight, eighty, eleven, eighteen (and eleven/eighteen thousand ...) start with a vowel sound.
        return "an" if digits.startswith("8") or (len(digits) in (2, 5) and digits[:2] in ("11", "18")) else "a"
    token = re.split(r"[\s/,-]", word, maxsplit=1)[0]
    letters = re.sub(r"[^A-Za-z]", "", token)
    if letters and _is_acronym(token):
        said_as_word = len(letters) >= 4 and any(c in "AEIOUaeiou" for c in letters[1:]) and letters not in _LETTER_ACRONYMS_ANYWAY
        if said_as_word or (letters in _WORD_ACRONYMS and letters not in _LETTER_ACRONYMS_ANYWAY):  # "a FLUX model", "a RAG app"
            return "an" if letters[0].upper() in "AEIOU" else "a"
        return "an" if letters[0].upper() in _VOWEL_LETTER_NAMES else "a"
    if _VOWEL_SOUND.match(word):
        return "an"
    if _CONSONANT_SOUND.match(word):
        return "a"
    return "an" if word[:1].lower() in "aeiou" else "a"


def _is_acronym(token: str) -> bool:
    """'LLM', 'MCP', 'SDKs', 'LoRA', 'HTTP' — two or more capitals, said as letters or a word."""
    core = re.sub(r"s$", "", re.sub(r"[^A-Za-z]", "", token))
    return token in _WORD_ACRONYMS or (len(core) >= 2 and core[:1].isupper() and sum(1 for c in core if c.isupper()) >= 2)


def with_article(phrase: str) -> str:
    """The phrase with its indefinite article: 'an LLM advertised for tool calling'."""
    return f"{article(phrase)} {phrase}" if phrase else phrase


def plural(count: int, singular: str, plural_form: str | None = None) -> str:
    """'1 warning', '2 warnings', '0 quotes'; irregular plurals passed explicitly."""
    word = singular if count == 1 else (plural_form or _plural_of(singular))
    return f"{count} {word}"


def _plural_of(word: str) -> str:
    if re.search(r"(?:s|x|z|ch|sh)$", word):
        return word + "es"
    if re.search(r"[^aeiou]y$", word):
        return word[:-1] + "ies"
    return word + "s"


def join(items: list[str], conjunction: str = "and") -> str:
    """'A', 'A and B', 'A, B and C'; semicolons when an item has its own commas, so the list stays readable."""
    items = [i for i in items if i]
    if len(items) <= 2:
        return f" {conjunction} ".join(items)
    sep = "; " if any("," in i for i in items) else ", "
    return sep.join(items[:-1]) + f"{sep}{conjunction} " + items[-1]


def capitalise(text: str) -> str:
    return text[:1].upper() + text[1:] if text else text


def kind_phrase(kind: Kind | str, *, with_art: bool = False) -> str:
    """The kind as a noun phrase ('coding agent'; with_art: 'an MCP server or agent tool')."""
    phrase = KIND_PHRASES[Kind(kind)]
    return with_article(phrase) if with_art else phrase


def kind_short(kind: Kind | str) -> str:
    return KIND_SHORT[Kind(kind)]


# --------------------------------------------------------------------------- checks over composed text

_ARTICLE_WORD = regexcache.compile(r"(?<![\w'’-])(a|an|A|An)[ \t]+([A-Za-z0-9][\w.+-]*)")
_NOT_A_WORD = regexcache.compile(r"^(?:[A-Za-z]|[a-z]\.)$")  # "a b", "Plan A or B", "a.k.a."


def article_slips(text: str) -> list[str]:
    """Every 'a X' / 'an X' in `text` whose article is wrong for X (e.g. 'a LLM', 'an user')."""
    slips = []
    for m in _ARTICLE_WORD.finditer(text):
        art, word = m.group(1), m.group(2)
        if _NOT_A_WORD.match(word):
            continue
        before = text[max(0, m.start() - 12) : m.start()].rstrip(" \t*_“\"(")[-1:]
        if art[0] == "A" and before not in ("", "\n", ".", "!", "?", ":", "|", "#", "-", "—"):
            continue  # a capital A mid-sentence is a label ("Plan A or B"), not an article
        if art.lower() != article(word):
            slips.append(m.group(0))
    return slips


_SENTENCE_END = regexcache.compile(r"(?<=[.!?])\s+(?=[A-Z0-9“\"(])")


def first_sentence(text: str) -> str:
    """The first sentence of composed prose (a summary); abbreviations handled by analyzer.sentences."""
    from analyzer.sentences import sentences

    found = sentences(text.strip())
    return found[0] if found else ""


# A definition says what kind of thing the system is: "X is an open-source coding agent …", "An MCP server
# that …", "X (coding agent) …". Announcements, calls to action, badges and benchmark lines do not.
_DEFINES = regexcache.compile(
    r"\b(?:is|are)\s+(?:an?|the|your|our)\s|\b(?:is|are)\s+(?:open[- ]source|lightweight|fast|simple|minimal|multimodal)\b"
    r"|^(?:an?|the)\s+\S|\b(?:provides|lets|enables|allows|helps|turns|connects|automates|enhances|gives|creates|implements|exposes|powers"
    r"|orchestrates|serves\s+as)\s",
    re.IGNORECASE,
)
_NOT_DEFINING = regexcache.compile(
    r"\b(?:is (?:almost )?(?:here|out|coming|live|now available)|coming soon|accepted (?:by|at|to)|we(?:'re| are) (?:excited|happy|thrilled|pleased)"
    r"|(?:join|visit|follow|star|check out|see|read) (?:us|our|the)\b|benchmarks? (?:run|were|are)|all benchmarks|release[sd]? (?:of|on)\b|🔥|🎉|📢|🚀)",
    re.IGNORECASE,
)


def is_announcement(sentence: str) -> bool:
    """An announcement, call to action or benchmark line ("1.0 is almost here", "accepted by EMNLP")."""
    return bool(_NOT_DEFINING.search(sentence))


def is_defining_sentence(sentence: str) -> bool:
    """Does the sentence say what the system is (rather than announce, advertise or benchmark it)?"""
    s = sentence.strip()
    if len(s.split()) < 4 or _NOT_DEFINING.search(s):
        return False
    return bool(_DEFINES.search(s))


__all__ = [
    "KIND_PHRASES",
    "KIND_SHORT",
    "article",
    "article_slips",
    "capitalise",
    "first_sentence",
    "is_announcement",
    "is_defining_sentence",
    "join",
    "kind_phrase",
    "kind_short",
    "plural",
    "with_article",
]

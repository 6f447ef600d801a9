"""Red-team listing texts, generated in code at any size (nothing big is committed).

Each generator takes a target size in characters and returns text built to hit the worst case of some
pattern or parser: long runs that a backtracking regex rescans from every start position, unclosed
brackets, deep nesting, alias bombs. `HOSTILE_TEXTS` names them for tests and benchmarks/bench_hostile.py.
"""

from __future__ import annotations

from collections.abc import Callable


def _repeat(unit: str, size: int, prefix: str = "", suffix: str = "") -> str:
    n = max(1, (size - len(prefix) - len(suffix)) // max(1, len(unit)))
    return prefix + unit * n + suffix


def heading_spaces(size: int) -> str:
    """A heading followed by a long run of spaces and a letter (`(.+?)[ \\t#]*$` backtracks per space)."""
    return _repeat(" ", size, "# Title", "x\n\nSome text.\n")


def heading_hashes(size: int) -> str:
    return _repeat("# ", size, "## Title ", "x\n")


HOSTILE_TEXTS: dict[str, Callable[[int], str]] = {
    "heading_spaces": heading_spaces,
    "heading_hashes": heading_hashes,
    "heading_tabs": lambda n: _repeat("\t", n, "### T", "y"),
    "image_open": lambda n: _repeat("![", n),
    "image_alt_no_close": lambda n: _repeat("![a", n),
    "link_target_open": lambda n: _repeat("](", n),
    "link_target_x": lambda n: _repeat("](x", n),
    "link_open": lambda n: _repeat("[", n),
    "link_text_open": lambda n: _repeat("[a](", n),
    "ref_link": lambda n: _repeat("][", n),
    "badge_nest": lambda n: _repeat("[![", n),
    "tag_open": lambda n: _repeat("<", n),
    "tag_name_open": lambda n: _repeat("<a ", n),
    "tag_bang": lambda n: _repeat("<!", n),
    "comment_open": lambda n: _repeat("<!--", n),
    "entity_open": lambda n: _repeat("&a", n),
    "url_run": lambda n: _repeat("http://", n),
    "hashes": lambda n: _repeat("#", n),
    "spaces": lambda n: _repeat(" ", n, "a", "b"),
    "spaces_lines": lambda n: _repeat(" " * 1000 + "\n", n),
    "newlines": lambda n: _repeat("\n", n, "a", "b"),
    "letters": lambda n: _repeat("a", n),
    "words": lambda n: _repeat("agent ", n),
    "words_no_stop": lambda n: _repeat("is a tool that lets you ", n),
    "dots": lambda n: _repeat(". ", n),
    "pipes": lambda n: _repeat("|", n),
    "stars": lambda n: _repeat("*", n),
    "bold_open": lambda n: _repeat("**a", n),
    "underscores": lambda n: _repeat("_", n),
    "backticks": lambda n: _repeat("`", n),
    "fences": lambda n: _repeat("```\n", n),
    "dashes": lambda n: _repeat("-", n),
    "list_items": lambda n: _repeat("- **a", n),
    "negation": lambda n: _repeat("not ", n),
    "colons": lambda n: _repeat(": ", n),
    "quotes": lambda n: _repeat('"', n),
    "mixed_brackets": lambda n: _repeat("![x](", n),
    "html_attr": lambda n: _repeat('<img src="', n),
    "json_like": lambda n: _repeat('{"a":', n),
    "ignore_words": lambda n: _repeat("ignore ", n),
    "ignore_previous": lambda n: _repeat("ignore all previous ", n),
    "you_are": lambda n: _repeat("you are ", n),
    "system_tag": lambda n: _repeat("<system", n),
    "zero_width": lambda n: _repeat("a\u200b", n),
    "bidi": lambda n: _repeat("\u202e", n),
    "unicode_words": lambda n: _repeat("Ａ ", n),
    "digits": lambda n: _repeat("1", n),
    "version_run": lambda n: _repeat("1.", n),
    "param_run": lambda n: _repeat("7B ", n),
    "at_run": lambda n: _repeat("@", n),
    "slash_run": lambda n: _repeat("/", n),
    "hf_id": lambda n: _repeat("a/", n),
}


def alias_bomb(levels: int = 9) -> str:
    """YAML front matter whose aliases expand to 9**levels leaves in about 550 bytes."""
    lines = ['a0: &a0 ["x","x","x","x","x","x","x","x","x"]']
    for i in range(1, levels + 1):
        prev = f"*a{i - 1}"
        lines.append(f"a{i}: &a{i} [{', '.join([prev] * 9)}]")
    return "---\n" + "\n".join(lines) + "\n---\n# Card\n\nText.\n"


def deep_json(depth: int = 10_000) -> str:
    return "[" * depth + "]" * depth


def deep_yaml_front_matter(depth: int = 10_000) -> str:
    return "---\nx: " + "[" * depth + "]" * depth + "\n---\n# Card\n\nText.\n"

"""Inline Markdown and HTML syntax, defined once for every module that reads through it.

The fetcher's plain-text headings and titles, the offline extractor's scan, the quote shown in a report
(`sentences.display_quote`) and the quote verified against the listing (`extract.grounding`) must agree
on what a link, an image or a tag is: a quote displayed one way and verified another would fail its own
check. Every pattern is line-local and bounded (label 300, target 600, tag 400 characters) and its
bracket classes exclude the opening bracket, so hostile input ("![![![…", "<<<<…") costs linear time.
"""

from __future__ import annotations

from analyzer import regexcache

__all__ = ["AUTOLINK", "CUT_LINK_HEAD", "IMAGE", "LINK", "TAG"]

# ![alt](target) or a reference image ![alt][ref]: group 1 is the alt text.
IMAGE = regexcache.compile(r"!\[([^\[\]\n]{0,300})\](?:\([^()\n]{0,600}\)|\[[^\[\]\n]{0,100}\])")
# [label](target) or a reference link [label][ref]: group 1 is the label.
LINK = regexcache.compile(r"\[([^\[\]\n]{0,300})\](?:\([^()\n]{0,600}\)|\[[^\[\]\n]{0,100}\])")
# "label](target)" at the start of a quote whose "[" lies before it: group 1 is the label.
CUT_LINK_HEAD = regexcache.compile(r"^([^\[\]\n]{0,300})\]\([^()\n]{0,600}\)")
# <https://…> or <mailto:…>: group 1 is the address.
AUTOLINK = regexcache.compile(r"<((?:https?|mailto):[^<>\s]{0,600})>")
# An HTML tag, comment or doctype on one line ("a < b > c" is not a tag).
TAG = regexcache.compile(r"</?[A-Za-z!][^<>\n]{0,400}>")

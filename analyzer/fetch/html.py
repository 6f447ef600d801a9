"""HTML → main content as Markdown-ish text with headings kept, plus page metadata.

BeautifulSoup on lxml: drop script/style/nav/footer/cookie banners, read JSON-LD and OpenGraph first.
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Iterator
from dataclasses import dataclass, field

from bs4 import BeautifulSoup, MarkupResemblesLocatorWarning, Tag

from analyzer import jsonio
from analyzer.fetch.parse import flatten_metadata
from analyzer.models import MetadataField

_DROP_TAGS = ("script", "style", "noscript", "template", "svg", "canvas", "iframe", "nav", "footer", "form", "button", "header")
_BANNER = re.compile(r"cookie|consent|gdpr|banner|newsletter|subscribe|popup|modal|advert|sidebar|breadcrumb", re.I)
_BLOCKS = {"p", "li", "pre", "blockquote", "td", "th", "dd", "dt", "figcaption"}


@dataclass
class HtmlPage:
    markdown: str
    title: str | None
    metadata: list[MetadataField] = field(default_factory=list)


def html_to_markdown(html: str, *, base_url: str | None = None) -> HtmlPage:
    with warnings.catch_warnings():  # a page whose body looks like a file name or URL is still just a page
        warnings.simplefilter("ignore", MarkupResemblesLocatorWarning)
        soup = BeautifulSoup(html, "lxml")
    metadata = _page_metadata(soup)
    title = soup.title.get_text(" ", strip=True) if soup.title else None
    if title:
        metadata.append(MetadataField(key="html:title", value=title, source="html"))
    for tag in soup(_DROP_TAGS):
        if tag.name == "header" and tag.find_parent(("main", "article")) is not None:
            continue  # an article's own header holds its title, unlike the site header
        tag.decompose()
    for tag in soup.find_all(True):
        if not isinstance(tag, Tag) or tag.attrs is None:
            continue
        ident = " ".join([tag.get("id") or "", *(tag.get("class") or [])]) if isinstance(tag.get("class"), list | None) else str(tag.get("id"))
        if ident.strip() and _BANNER.search(ident) and tag.name not in ("body", "html", "main", "article"):
            tag.decompose()
    root = soup.find("main") or soup.find(attrs={"role": "main"}) or soup.find("article") or soup.body or soup
    lines: list[str] = []
    _walk(root, lines)
    text = "\n".join(lines)
    text = re.sub(r"\n{3,}", "\n\n", text).strip()
    return HtmlPage(markdown=text, title=title, metadata=metadata)


_CONTAINERS = {
    "ul", "ol", "table", "tr", "thead", "tbody", "div", "section", "article", "main", "span", "dl", "body", "figure",
    "details", "summary", "a", "em", "strong", "code", "aside", "header",
}
_TEXT_WHEN_EMPTY = {"span", "a", "em", "strong", "code", "div", "summary", "section"}


def _walk(root: Tag, lines: list[str]) -> None:
    """Depth-first over the tree with an explicit stack: deeply nested pages must not hit the recursion limit."""
    stack: list[tuple[Tag, Iterator[object], int]] = [(root, iter(root.children), len(lines))]
    while stack:
        node, children, before = stack[-1]
        child = next(children, None)
        if child is None:
            stack.pop()
            # a container whose children gave no block text still contributes its inline text
            if node is not root and len(lines) == before and node.name in _TEXT_WHEN_EMPTY:
                text = node.get_text(" ", strip=True)
                if text:
                    lines.append(text)
            continue
        if not isinstance(child, Tag):
            continue
        name = child.name or ""
        if re.fullmatch(r"h[1-6]", name):
            heading = child.get_text(" ", strip=True)
            if heading:
                lines.append("")
                lines.append("#" * int(name[1]) + " " + heading)
                lines.append("")
        elif name == "pre":
            code = child.get_text().strip("\n")
            if code.strip():
                # fenced, so a '# comment' in a code sample is not read back as a heading
                fence = "~~~" if "```" in code else "```"
                lines.extend([fence, code, fence, ""])
        elif name in _BLOCKS:
            text = child.get_text(" ", strip=True)
            if text:
                lines.append(("- " if name == "li" else "") + text)
                if name != "li":
                    lines.append("")
        elif name in _CONTAINERS:
            stack.append((child, iter(child.children), len(lines)))
        else:
            text = child.get_text(" ", strip=True)
            if text:
                lines.append(text)


def _page_metadata(soup: BeautifulSoup) -> list[MetadataField]:
    fields: list[MetadataField] = []
    for script in soup.find_all("script", type="application/ld+json"):
        try:
            data = jsonio.loads(script.string or script.get_text() or "")
        except ValueError:
            continue
        fields.extend(flatten_metadata(data, source="json_ld", limit=100))
    for meta in soup.find_all("meta"):
        key = meta.get("property") or meta.get("name")
        value = meta.get("content")
        if isinstance(key, str) and isinstance(value, str) and value.strip():
            if key.startswith(("og:", "twitter:")) or key in ("description", "keywords", "author"):
                fields.append(MetadataField(key=key, value=value.strip()[:2000], source="opengraph" if key.startswith("og:") else "html_meta"))
    return fields

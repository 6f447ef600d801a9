"""Time HTML → Listing parsing for every listing in a directory (default ../shared/listings) rendered as a web page.

Usage: python benchmarks/bench_fetch_parse.py [LISTINGS_DIR] [--repeat N] [--over-http]
Each Markdown listing is rendered to HTML (markdown-it) inside a realistic page shell (head metadata,
JSON-LD, scripts, nav, cookie banner, footer), then parsed with the same code a fetched page goes
through. Prints median and p95 seconds per page (best of N runs each) and the slowest pages.
--over-http also serves the pages from a local server on 127.0.0.1 and times the whole fetch_listing().
"""

from __future__ import annotations

import argparse
import html
import statistics
import sys
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from markdown_it import MarkdownIt

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO_ROOT))

from analyzer.fetch import FetchConfig, fetch_listing  # noqa: E402
from analyzer.fetch.parse import build_listing, split_front_matter  # noqa: E402

SHELL = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{title} — Listings</title>
<meta property="og:title" content="{title}"><meta name="description" content="{title} listing page">
<script type="application/ld+json">{{"@context": "https://schema.org", "@type": "SoftwareApplication", "name": "{title}"}}</script>
<style>body {{ font-family: sans-serif; }} .cookie-banner {{ position: fixed; }}</style>
<script>window.analytics = {{ page: "{slug}" }};</script></head>
<body><header><a href="/">Listings</a></header>
<nav><ul><li><a href="/models">Models</a></li><li><a href="/agents">Agents</a></li></ul></nav>
<div class="cookie-banner">We use cookies. <button>OK</button></div>
<main><article>{body}</article></main>
<footer>© Example listings site</footer></body></html>"""


def render_page(path: Path, md: MarkdownIt) -> str:
    _front, body = split_front_matter(path.read_text("utf-8", errors="replace"))
    title = html.escape(path.stem.replace("-", " ").title())
    return SHELL.format(title=title, slug=path.stem, body=md.render(body))


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))]


def time_parse(pages: dict[str, str], repeat: int) -> dict[str, float]:
    times: dict[str, float] = {}
    for name, page in pages.items():
        best = float("inf")
        for _ in range(repeat):
            start = time.perf_counter()
            build_listing(page, source=f"https://listings.example/{name}", source_type="url", name_hint=name, content_type="text/html; charset=utf-8")
            best = min(best, time.perf_counter() - start)
        times[name] = best
    return times


def time_http(pages: dict[str, str], repeat: int) -> dict[str, float]:
    encoded = {f"/{name}": page.encode("utf-8") for name, page in pages.items()}

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 - http.server API
            body = encoded.get(self.path)
            self.send_response(200 if body is not None else 404)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body or b"")))
            self.end_headers()
            self.wfile.write(body or b"")

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    times: dict[str, float] = {}
    try:
        with tempfile.TemporaryDirectory() as tmp:
            config = FetchConfig(cache_path=Path(tmp) / "cache.sqlite3", min_interval=0.0)
            for name in pages:
                url = f"http://127.0.0.1:{server.server_port}/{name}"
                best = float("inf")
                for _ in range(repeat):
                    start = time.perf_counter()
                    fetch_listing(url, allow_private=True, use_cache=False, config=config)
                    best = min(best, time.perf_counter() - start)
                times[name] = best
    finally:
        server.shutdown()
        server.server_close()
    return times


def report(label: str, times: dict[str, float], sizes: dict[str, int]) -> None:
    values = list(times.values())
    print(f"{label}: {len(values)} pages, median {statistics.median(values) * 1000:.2f} ms, p95 {percentile(values, 0.95) * 1000:.2f} ms, max {max(values) * 1000:.2f} ms, total {sum(values):.3f} s")
    for name, seconds in sorted(times.items(), key=lambda kv: -kv[1])[:3]:
        print(f"  slowest: {name} {seconds * 1000:.2f} ms ({sizes[name] / 1024:.0f} KB of HTML)")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("listings", nargs="?", default=str(REPO_ROOT.parent / "shared" / "listings"))
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--over-http", action="store_true", help="also time fetch_listing() against a local server")
    args = parser.parse_args(argv)
    paths = sorted(Path(args.listings).glob("*.md"))
    if not paths:
        print(f"{args.listings}: no Markdown listings found", file=sys.stderr)
        return 2
    md = MarkdownIt("commonmark").enable("table").enable("strikethrough")
    pages = {p.stem: render_page(p, md) for p in paths}
    sizes = {name: len(page.encode("utf-8")) for name, page in pages.items()}
    print(f"rendered {len(pages)} listings as HTML pages: median {statistics.median(sizes.values()) / 1024:.0f} KB, max {max(sizes.values()) / 1024:.0f} KB")
    report("html → Listing (parse only)", time_parse(pages, args.repeat), sizes)
    if args.over_http:
        report("fetch_listing over 127.0.0.1 (guard, robots, HTTP, parse; no cache)", time_http(pages, args.repeat), sizes)
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Each source type end to end over real HTTP on 127.0.0.1: Hugging Face, GitHub, generic pages."""

from __future__ import annotations

import base64
import gzip
import json

import pytest
from fetch_support import _no_fetch_env, fast_config, fixture_json, fixture_text, paths  # noqa: F401
from werkzeug import Response

from analyzer.errors import ContentError, GatedError, NotFoundError
from analyzer.fetch import fetch_listing

HF_SHA = "3f2a9c1b7d4e5f60718293a4b5c6d7e8f9012345"
GH_SHA = "9d8c7b6a5f4e3d2c1b0a99887766554433221100"


def _hf_config(httpserver, tmp_path, **kw):
    return fast_config(tmp_path, hf_endpoint=httpserver.url_for("").rstrip("/"), **kw)


def _gh_config(httpserver, tmp_path, **kw):
    return fast_config(tmp_path, github_api=httpserver.url_for("").rstrip("/"), **kw)


def _meta(listing, key, source):
    return [m.value for m in listing.metadata if m.key == key and m.source == source]


# ----------------------------------------------------------------------------- Hugging Face


def _serve_hf_model(httpserver) -> None:
    httpserver.expect_request("/api/models/acme/tiny-agent-7b").respond_with_json(fixture_json("hf_model_info.json"))
    httpserver.expect_request(f"/acme/tiny-agent-7b/resolve/{HF_SHA}/README.md").respond_with_data(
        fixture_text("hf_readme.md"), content_type="text/markdown; charset=utf-8"
    )


@pytest.mark.parametrize("form", ["public", "endpoint"])
def test_hf_model_url_gives_card_text_and_api_metadata(httpserver, tmp_path, form):
    _serve_hf_model(httpserver)
    config = _hf_config(httpserver, tmp_path)
    url = "https://huggingface.co/acme/tiny-agent-7b" if form == "public" else httpserver.url_for("/acme/tiny-agent-7b")
    listing = fetch_listing(url, allow_private=True, config=config)

    assert listing.source == url
    assert listing.source_type == "huggingface"
    assert listing.title == "Tiny Agent 7B"
    assert listing.revision == HF_SHA
    assert listing.canonical_url == config.hf_endpoint + "/acme/tiny-agent-7b"
    assert listing.fetched_at is not None
    assert listing.content_hash == listing.hash_text(listing.text)
    assert not listing.text.startswith("---"), "front matter must be split off the card"
    assert "call tools through a JSON function-calling" in listing.text
    assert [s.heading for s in listing.sections] == ["Tiny Agent 7B", "Intended use", "Limitations"]
    assert _meta(listing, "pipeline_tag", "hf_api") == ["text-generation"]
    assert _meta(listing, "library_name", "hf_api") == ["transformers"]
    assert _meta(listing, "license", "hf_api") == ["apache-2.0"]
    assert _meta(listing, "base_model", "hf_api") == ["acme/tiny-base-7b"]
    assert _meta(listing, "gated", "hf_api") == ["false"]
    assert _meta(listing, "parameters", "hf_api") == ["7241732096"]
    assert "tool-use" in _meta(listing, "tags", "hf_api")
    assert _meta(listing, "pipeline_tag", "front_matter") == ["text-generation"]
    assert paths(httpserver) == ["/api/models/acme/tiny-agent-7b", f"/acme/tiny-agent-7b/resolve/{HF_SHA}/README.md"]


def test_hf_token_is_sent_to_the_endpoint_and_kept_out_of_the_listing(httpserver, tmp_path):
    _serve_hf_model(httpserver)
    config = _hf_config(httpserver, tmp_path, hf_token="hf_SECRETtoken123")
    listing = fetch_listing("https://huggingface.co/acme/tiny-agent-7b", allow_private=True, config=config)
    assert all(req.headers.get("Authorization") == "Bearer hf_SECRETtoken123" for req, _ in httpserver.log)
    assert "hf_SECRET" not in listing.model_dump_json()
    assert "hf_SECRET" not in repr(config)
    assert "hf_SECRET" not in (tmp_path / "fetch-cache.sqlite3").read_bytes().decode("latin-1")


def test_hf_revision_in_url_is_used_for_metadata(httpserver, tmp_path):
    info = fixture_json("hf_model_info.json")
    httpserver.expect_request("/api/models/acme/tiny-agent-7b/revision/v1.0").respond_with_json(info)
    httpserver.expect_request(f"/acme/tiny-agent-7b/resolve/{HF_SHA}/README.md").respond_with_data(fixture_text("hf_readme.md"))
    listing = fetch_listing("https://huggingface.co/acme/tiny-agent-7b/tree/v1.0", allow_private=True, config=_hf_config(httpserver, tmp_path))
    assert listing.revision == HF_SHA
    assert listing.canonical_url.endswith("/acme/tiny-agent-7b/tree/v1.0")


def test_hf_repo_without_card_gives_metadata_only_listing(httpserver, tmp_path):
    httpserver.expect_request("/api/models/acme/tiny-agent-7b").respond_with_json(fixture_json("hf_model_info.json"))
    httpserver.expect_request(f"/acme/tiny-agent-7b/resolve/{HF_SHA}/README.md").respond_with_data(
        "Entry not found", status=404, headers={"X-Error-Code": "EntryNotFound"}
    )
    listing = fetch_listing("https://huggingface.co/acme/tiny-agent-7b", allow_private=True, config=_hf_config(httpserver, tmp_path))
    assert listing.text == ""
    assert listing.title == "acme/tiny-agent-7b"
    assert _meta(listing, "cardData.license", "hf_api") == ["apache-2.0"]


def test_hf_gated_repo_is_a_typed_error(httpserver, tmp_path):
    httpserver.expect_request("/api/models/acme/locked-model").respond_with_json(fixture_json("hf_gated_info.json"))
    httpserver.expect_request("/acme/locked-model/resolve/0000aaaa1111bbbb2222cccc3333dddd4444eeee/README.md").respond_with_data(
        "Access to model acme/locked-model is restricted.", status=403,
        headers={"X-Error-Code": "GatedRepo", "X-Error-Message": "Access to model acme/locked-model is restricted."},
    )
    with pytest.raises(GatedError) as exc:
        fetch_listing("https://huggingface.co/acme/locked-model", allow_private=True, config=_hf_config(httpserver, tmp_path))
    assert "acme/locked-model" in str(exc.value) and "HF_TOKEN" in str(exc.value)
    assert exc.value.exit_code == 3


def test_hf_missing_repo_is_not_found(httpserver, tmp_path):
    httpserver.expect_request("/api/models/acme/nope").respond_with_json(
        {"error": "Repository not found"}, status=401, headers={"X-Error-Code": "RepoNotFound"}
    )
    with pytest.raises(NotFoundError, match="acme/nope: no such model"):
        fetch_listing("https://huggingface.co/acme/nope", allow_private=True, config=_hf_config(httpserver, tmp_path))
    assert len(httpserver.log) == 1  # 401 is not retried


# ----------------------------------------------------------------------------- GitHub


def _readme_json(name: str, path: str, text: str) -> dict:
    return {
        "type": "file", "encoding": "base64", "name": name, "path": path, "size": len(text),
        "sha": "1111222233334444555566667777888899990000", "html_url": f"https://github.com/acme/agent-kit/blob/main/{path}",
        "content": base64.encodebytes(text.encode("utf-8")).decode("ascii"),
    }


def _serve_github(httpserver, readme_path: str = "", text: str | None = None) -> None:
    httpserver.expect_request("/repos/acme/agent-kit").respond_with_json(fixture_json("github_repo.json"))
    readme_uri = "/repos/acme/agent-kit/readme" + (f"/{readme_path}" if readme_path else "")
    body = text if text is not None else fixture_text("github_readme.md")
    httpserver.expect_request(readme_uri, query_string="ref=main").respond_with_json(
        _readme_json("README.md", f"{readme_path}/README.md".lstrip("/"), body)
    )
    httpserver.expect_request("/repos/acme/agent-kit/commits/main").respond_with_data(GH_SHA, content_type="application/vnd.github.sha")


def test_github_repo_url_gives_readme_and_repo_metadata(httpserver, tmp_path):
    _serve_github(httpserver)
    config = _gh_config(httpserver, tmp_path, github_token="ghp_SECRETvalue")
    listing = fetch_listing("https://github.com/acme/agent-kit", allow_private=True, config=config)

    assert listing.source_type == "github"
    assert listing.title == "agent-kit"
    assert listing.revision == GH_SHA
    assert listing.canonical_url == "https://github.com/acme/agent-kit"
    assert "clicks, types and reads pages on its own" in listing.text
    assert "Safety" in [s.heading for s in listing.sections]
    assert _meta(listing, "description", "github_api") == ["A toolkit for building browsing agents with MCP servers."]
    assert _meta(listing, "topics", "github_api") == ["agents", "mcp", "browser-automation"]
    assert _meta(listing, "license", "github_api") == ["MIT"]
    assert _meta(listing, "ref", "github_api") == ["main"]
    assert _meta(listing, "commit", "github_api") == [GH_SHA]
    requests = [req for req, _ in httpserver.log]
    assert [r.path for r in requests] == ["/repos/acme/agent-kit", "/repos/acme/agent-kit/readme", "/repos/acme/agent-kit/commits/main"]
    assert all(r.headers.get("Authorization") == "Bearer ghp_SECRETvalue" for r in requests)
    assert all(r.headers.get("User-Agent", "").startswith("analyzer/") for r in requests)
    assert "ghp_SECRET" not in listing.model_dump_json()


def test_github_subfolder_url_reads_that_folders_readme(httpserver, tmp_path):
    _serve_github(httpserver, "packages/mcp-server", fixture_text("github_sub_readme.md"))
    listing = fetch_listing("https://github.com/acme/agent-kit/tree/main/packages/mcp-server", allow_private=True, config=_gh_config(httpserver, tmp_path))
    assert listing.title == "agent-kit MCP server"
    assert "MCP server over stdio" in listing.text
    assert listing.canonical_url == "https://github.com/acme/agent-kit/tree/main/packages/mcp-server"
    assert _meta(listing, "readme_path", "github_api") == ["packages/mcp-server/README.md"]


def test_github_enterprise_host_routes_to_the_configured_api(httpserver, tmp_path):
    _serve_github(httpserver)
    config = _gh_config(httpserver, tmp_path)
    web_url = httpserver.url_for("/acme/agent-kit")  # API base and web host are the same server, as in GHE
    listing = fetch_listing(web_url, allow_private=True, config=config)
    assert listing.source_type == "github" and listing.revision == GH_SHA


def test_github_missing_repo_is_not_found(httpserver, tmp_path):
    httpserver.expect_request("/repos/acme/ghost").respond_with_json({"message": "Not Found"}, status=404)
    with pytest.raises(NotFoundError, match="acme/ghost"):
        fetch_listing("https://github.com/acme/ghost", allow_private=True, config=_gh_config(httpserver, tmp_path))


# ----------------------------------------------------------------------------- generic pages


def _no_robots(httpserver) -> None:
    httpserver.expect_request("/robots.txt").respond_with_data("not found", status=404)


def test_web_page_main_content_metadata_and_revision(httpserver, tmp_path):
    _no_robots(httpserver)
    httpserver.expect_request("/agents/old").respond_with_data("", status=301, headers={"Location": "/agents/helper-bot"})
    httpserver.expect_request("/agents/helper-bot").respond_with_data(
        fixture_text("listing_page.html"), content_type="text/html; charset=utf-8", headers={"ETag": '"page-v7"'}
    )
    listing = fetch_listing(httpserver.url_for("/agents/old"), allow_private=True, config=fast_config(tmp_path))

    assert listing.source_type == "url"
    assert listing.canonical_url == httpserver.url_for("/agents/helper-bot")
    assert listing.revision == '"page-v7"'
    assert listing.title == "Helper Bot"
    assert [s.heading for s in listing.sections] == ["Helper Bot", "Capabilities", "Permissions"]
    assert "Creates calendar events without asking" in listing.text
    for junk in ("SCRIPT-TEXT", "NAV-HEADER-TEXT", "NAV-MENU-TEXT", "COOKIE-TEXT", "FOOTER-TEXT", "font-family"):
        assert junk not in listing.text
    assert ("og:description", "opengraph") in {(m.key, m.source) for m in listing.metadata}
    assert "Example Labs" in [m.value for m in listing.metadata if m.source == "json_ld"]


@pytest.mark.parametrize(
    ("content_type", "body", "expected"),
    [
        ("text/markdown; charset=utf-8", "# Plain Agent\n\nIt sends emails.\n", "It sends emails."),
        ("text/plain", "Plain Agent sends emails.", "Plain Agent sends emails."),
        ("application/json", json.dumps({"name": "Json Agent", "description": "It files tickets."}), "It files tickets."),
    ],
)
def test_web_non_html_content_types(httpserver, tmp_path, content_type, body, expected):
    _no_robots(httpserver)
    httpserver.expect_request("/listing").respond_with_data(body, content_type=content_type)
    listing = fetch_listing(httpserver.url_for("/listing"), allow_private=True, config=fast_config(tmp_path))
    assert expected in listing.text
    assert listing.content_type == content_type


def test_web_gzip_page_is_decoded(httpserver, tmp_path):
    _no_robots(httpserver)
    page = fixture_text("listing_page.html").encode("utf-8")
    httpserver.expect_request("/z").respond_with_response(
        Response(gzip.compress(page), headers={"Content-Encoding": "gzip", "Content-Type": "text/html; charset=utf-8"})
    )
    listing = fetch_listing(httpserver.url_for("/z"), allow_private=True, config=fast_config(tmp_path))
    assert "Reads incoming email" in listing.text
    assert httpserver.log[-1][0].headers["Accept-Encoding"] == "gzip, deflate"


def test_latin1_page_by_header_and_by_meta(httpserver, tmp_path):
    _no_robots(httpserver)
    text = "<html><body><h1>Caf\u00e9 Agent</h1><p>Na\u00efve fa\u00e7ade \u00a9 2025, \u00bd price.</p></body></html>"
    httpserver.expect_request("/header").respond_with_data(text.encode("latin-1"), content_type="text/html; charset=ISO-8859-1")
    meta_page = text.replace("<html>", '<html><head><meta charset="iso-8859-1"></head>')
    httpserver.expect_request("/meta").respond_with_data(meta_page.encode("latin-1"), content_type="text/html")
    for path in ("/header", "/meta"):
        listing = fetch_listing(httpserver.url_for(path), allow_private=True, config=fast_config(tmp_path))
        assert listing.title == "Caf\u00e9 Agent"
        assert "Na\u00efve fa\u00e7ade \u00a9 2025, \u00bd price." in listing.text


def test_malformed_and_deeply_nested_html(httpserver, tmp_path):
    _no_robots(httpserver)
    malformed = "<html><body><h1>Broken <b>Agent<p>It <i>runs shell</table> commands</td><li>one<li>two</ul><div><p>tail"
    nested = "<html><body><h1>Deep Agent</h1>" + "<div><span>" * 5000 + "<p>deep capability text</p>" + "</span></div>" * 5000 + "<p>after the nest</p></body></html>"
    httpserver.expect_request("/malformed").respond_with_data(malformed, content_type="text/html")
    httpserver.expect_request("/nested").respond_with_data(nested, content_type="text/html")
    broken = fetch_listing(httpserver.url_for("/malformed"), allow_private=True, config=fast_config(tmp_path))
    assert "runs shell" in broken.text and "commands" in broken.text and "tail" in broken.text
    deep = fetch_listing(httpserver.url_for("/nested"), allow_private=True, config=fast_config(tmp_path))
    assert deep.title == "Deep Agent"
    assert "deep capability text" in deep.text


@pytest.mark.parametrize("content_type", ["application/pdf", "image/png", "application/zip"])
def test_non_listing_content_types_are_refused(httpserver, tmp_path, content_type):
    _no_robots(httpserver)
    httpserver.expect_request("/file").respond_with_data(b"%PDF-1.7 binary", content_type=content_type)
    with pytest.raises(ContentError, match=f"is {content_type}, not a listing page") as exc:
        fetch_listing(httpserver.url_for("/file"), allow_private=True, config=fast_config(tmp_path))
    assert exc.value.exit_code == 3
    assert paths(httpserver).count("/file") == 1


def test_empty_page_is_a_content_error(httpserver, tmp_path):
    _no_robots(httpserver)
    httpserver.expect_request("/empty").respond_with_data("   ", content_type="text/plain")
    with pytest.raises(ContentError, match="empty"):
        fetch_listing(httpserver.url_for("/empty"), allow_private=True, config=fast_config(tmp_path))


def test_missing_page_is_not_found(httpserver, tmp_path):
    _no_robots(httpserver)
    httpserver.expect_request("/gone").respond_with_data("no", status=404)
    with pytest.raises(NotFoundError, match="page not found"):
        fetch_listing(httpserver.url_for("/gone"), allow_private=True, config=fast_config(tmp_path))

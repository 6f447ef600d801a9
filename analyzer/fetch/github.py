"""GitHub: repo URLs (also /tree/REF/PATH sub-folders and /blob/REF/FILE) → Listing via the REST API.

Reads the repo (description, topics, license, default branch), the preferred README of the repo or the
sub-folder through the readme endpoint, and the commit sha of the ref, so the listing names exactly
what was analysed. GITHUB_TOKEN when set; ANALYZER_GITHUB_API for GitHub Enterprise (or a test server).
"""

from __future__ import annotations

import base64
import binascii
import re
from dataclasses import dataclass
from urllib.parse import quote, urlsplit

from analyzer import jsonio
from analyzer.errors import ContentError, FetchError, GatedError, NotFoundError
from analyzer.fetch.config import FetchConfig
from analyzer.fetch.guard import check_path_segments
from analyzer.fetch.http import Auth, HttpResponse, HttpSession
from analyzer.fetch.parse import metadata_values
from analyzer.fetch.remote import build_remote_listing, decode_body
from analyzer.models import Listing, MetadataField

SOURCE = "github_api"
API_HEADERS = {"X-GitHub-Api-Version": "2022-11-28"}
_JSON = "application/vnd.github+json"
_NOT_OWNERS = {
    "orgs", "topics", "marketplace", "features", "settings", "search", "explore", "sponsors", "apps", "login", "about",
    "pricing", "collections", "trending", "notifications", "new", "organizations", "enterprise", "customer-stories",
    "security", "readme", "site", "join", "events", "codespaces", "issues", "pulls",
}
_NAME = re.compile(r"^[A-Za-z0-9_.-]+$")


@dataclass(frozen=True)
class GithubTarget:
    owner: str
    repo: str
    ref: str | None
    path: str  # a sub-folder ('' for the repo root) or, with is_file, a file
    is_file: bool = False


def parse_github_url(url: str, config: FetchConfig) -> GithubTarget | None:
    parts = urlsplit(url)
    host = (parts.netloc or "").lower()
    segments = [s for s in parts.path.split("/") if s]
    if host == "raw.githubusercontent.com" or host in config.github_web_hosts():
        check_path_segments(url)  # ".." would reach another API path of the host, with GITHUB_TOKEN
    if host == "raw.githubusercontent.com" and len(segments) >= 4 and config.github_web_base() == "https://github.com":
        return GithubTarget(owner=segments[0], repo=segments[1], ref=segments[2], path="/".join(segments[3:]), is_file=True)
    if host not in config.github_web_hosts() or len(segments) < 2 or segments[0].lower() in _NOT_OWNERS:
        return None
    owner, repo = segments[0], segments[1].removesuffix(".git")
    if not (_NAME.match(owner) and _NAME.match(repo)):
        return None
    rest = segments[2:]
    if len(rest) >= 2 and rest[0] in ("tree", "blob"):
        # The ref is taken as one segment: a branch name with '/' in it cannot be told from a path.
        return GithubTarget(owner=owner, repo=repo, ref=rest[1], path="/".join(rest[2:]), is_file=rest[0] == "blob" and len(rest) > 2)
    return GithubTarget(owner=owner, repo=repo, ref=None, path="")


def fetch_github(target: GithubTarget, source_url: str, session: HttpSession) -> Listing:
    cfg = session.config
    api = cfg.github_api.rstrip("/")
    label = f"{target.owner}/{target.repo}"
    repo_api = f"{api}/repos/{quote(target.owner)}/{quote(target.repo)}"
    # the token goes to this repository's API paths only
    auth = Auth.bearer(api, cfg.github_token, paths=(urlsplit(repo_api).path,)) if cfg.github_token else None

    repo_response = session.get(repo_api, accept=_JSON, headers=API_HEADERS, auth=auth, max_bytes=cfg.max_api_bytes)
    _raise_for_github_error(repo_response, label, cfg)
    repo = _json(repo_response, label)
    ref = target.ref or str(repo.get("default_branch") or "main")
    ref_query = f"?ref={quote(ref, safe='')}"

    if target.is_file:
        doc_response = session.get(f"{repo_api}/contents/{quote(target.path)}{ref_query}", accept=_JSON, headers=API_HEADERS, auth=auth)
        what = f"{label}: {target.path}"
    else:
        suffix = f"/{quote(target.path)}" if target.path else ""
        doc_response = session.get(f"{repo_api}/readme{suffix}{ref_query}", accept=_JSON, headers=API_HEADERS, auth=auth)
        what = f"{label}: README{' of ' + target.path if target.path else ''}"
    text, doc_name = "", "README.md"
    if doc_response.status == 200:
        doc = _json(doc_response, label)
        doc_name = str(doc.get("name") or doc_name)
        text = decode_body(_file_content(doc, what), "text/plain; charset=utf-8", what)
    elif doc_response.status == 404 and not target.is_file and (repo.get("description") or repo.get("topics")):
        text = ""  # no README: description and topics are what the repo says about itself
    else:
        _raise_for_github_error(doc_response, what, cfg, missing="no such file at that ref" if target.is_file else "no README found")

    sha = _commit_sha(session, repo_api, ref, auth)
    html_url = str(repo.get("html_url") or f"{cfg.github_web_base()}/{label}")
    canonical = html_url
    if target.path:
        canonical = f"{html_url}/{'blob' if target.is_file else 'tree'}/{ref}/{target.path}"
    elif target.ref:
        canonical = f"{html_url}/tree/{ref}"
    metadata = github_metadata(repo, ref=ref, sha=sha, doc_path=(doc_name if not target.path else f"{target.path}/{doc_name}") if text else None)
    listing = build_remote_listing(
        text, source=source_url, source_type="github", name_hint=doc_name, content_type=None,
        canonical_url=canonical, revision=sha or ref, fetched_at=doc_response.fetched_at, metadata=metadata,
    )
    if listing.title in (doc_name.rsplit(".", 1)[0], "README", "readme"):
        listing = listing.model_copy(update={"title": str(repo.get("full_name") or label)})
    return listing


def github_metadata(repo: dict[str, object], *, ref: str, sha: str | None, doc_path: str | None) -> list[MetadataField]:
    fields: list[MetadataField] = []

    def add(key: str, value: object) -> None:
        fields.extend(metadata_values(key, value, source=SOURCE))

    license_info = repo.get("license") if isinstance(repo.get("license"), dict) else {}
    owner = repo.get("owner") if isinstance(repo.get("owner"), dict) else {}
    add("full_name", repo.get("full_name"))
    add("description", repo.get("description"))
    add("homepage", repo.get("homepage"))
    add("topics", repo.get("topics"))
    add("license", license_info.get("spdx_id") if license_info.get("spdx_id") not in (None, "NOASSERTION") else license_info.get("name"))
    add("license_name", license_info.get("name"))
    add("language", repo.get("language"))
    add("owner_type", owner.get("type"))
    add("default_branch", repo.get("default_branch"))
    add("ref", ref)
    add("commit", sha)
    add("readme_path", doc_path)
    add("stars", repo.get("stargazers_count"))
    add("forks", repo.get("forks_count"))
    add("archived", repo.get("archived"))
    add("fork", repo.get("fork"))
    add("created_at", repo.get("created_at"))
    add("pushed_at", repo.get("pushed_at"))
    return fields


def _commit_sha(session: HttpSession, repo_api: str, ref: str, auth: Auth | None) -> str | None:
    """The commit the ref points at, or None when the API will not say (the ref still names it)."""
    try:
        response = session.get(f"{repo_api}/commits/{quote(ref, safe='')}", accept="application/vnd.github.sha", headers=API_HEADERS, auth=auth, max_bytes=4096)
    except FetchError:
        return None
    sha = response.body.decode("ascii", errors="replace").strip() if response.status == 200 else ""
    return sha if re.fullmatch(r"[0-9a-f]{40}|[0-9a-f]{64}", sha) else None


def _file_content(doc: dict[str, object], what: str) -> bytes:
    content = doc.get("content")
    if doc.get("encoding") != "base64" or not isinstance(content, str):
        raise ContentError(f"{what}: the API did not return the file content (too large, or not a file)", hint="pass the raw file URL or a saved copy")
    try:
        return base64.b64decode(content)
    except (binascii.Error, ValueError):
        raise ContentError(f"{what}: the API returned undecodable content", hint="try again later") from None


def _json(response: HttpResponse, label: str) -> dict[str, object]:
    try:
        data = jsonio.loads(response.body)
    except ValueError:
        data = None
    if not isinstance(data, dict):
        raise ContentError(f"{label}: the GitHub API answered with something that is not a JSON object", hint="check ANALYZER_GITHUB_API points at a GitHub API")
    return data


def _raise_for_github_error(response: HttpResponse, label: str, cfg: FetchConfig, *, missing: str = "no such repository (or it is private)") -> None:
    if response.status == 200:
        return
    try:
        message = str(jsonio.loads(response.body).get("message") or "")
    except (ValueError, AttributeError):
        message = ""
    detail = f" ({message})" if message else ""
    token_hint = "set GITHUB_TOKEN to a token that can read it" if not cfg.github_token else "check that GITHUB_TOKEN can read it"
    if response.status == 404:
        raise NotFoundError(f"{label}: {missing}{detail}", hint=f"check the URL; for a private repository {token_hint}")
    if response.status == 401:
        raise GatedError(f"{label}: GitHub refused the credentials{detail}", hint="GITHUB_TOKEN is invalid or expired; renew it or unset it")
    if response.status == 403:
        if response.header("x-ratelimit-remaining") == "0":
            raise FetchError(f"{label}: GitHub API rate limit exhausted{detail}", hint="set GITHUB_TOKEN for a higher limit, or wait an hour")
        raise GatedError(f"{label}: access forbidden{detail}", hint=token_hint)
    raise FetchError(f"{label}: GitHub answered HTTP {response.status}{detail}", hint="try again later")

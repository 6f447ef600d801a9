"""Hugging Face Hub: model (also dataset and Space) URLs → Listing via the Hub API and the card README.

`GET {endpoint}/api/models/{id}[/revision/{rev}]` gives the metadata and the commit sha; the README is
then read at that sha, so metadata and text describe the same revision. HF_ENDPOINT / HF_TOKEN are
honoured as huggingface_hub does; the token goes to the endpoint's origin only.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal
from urllib.parse import quote, urlsplit

from analyzer import jsonio
from analyzer.errors import ContentError, GatedError, NotFoundError
from analyzer.fetch.config import FetchConfig
from analyzer.fetch.guard import check_path_segments
from analyzer.fetch.http import Auth, HttpResponse, HttpSession
from analyzer.fetch.parse import flatten_metadata, metadata_values
from analyzer.fetch.remote import build_remote_listing, decode_body
from analyzer.models import Listing, MetadataField

RepoType = Literal["model", "dataset", "space"]
SOURCE = "hf_api"
_NOT_REPOS = {
    "api", "docs", "blog", "models", "papers", "collections", "organizations", "settings", "login", "join", "pricing",
    "learn", "tasks", "posts", "chat", "enterprise", "search", "new", "notifications", "changelog", "terms-of-service",
    "privacy", "welcome", "huggingchat", "inference-endpoints", "hardware", "security", "contact",
}
_FILE_VIEWS = {"blob", "resolve", "raw"}
_URL_PREFIX: dict[RepoType, str] = {"model": "", "dataset": "datasets/", "space": "spaces/"}


@dataclass(frozen=True)
class HfTarget:
    repo_type: RepoType
    repo_id: str
    revision: str | None
    file: str | None  # a file named in a /blob/ or /resolve/ URL; None means the card README.md


def parse_hf_url(url: str, config: FetchConfig) -> HfTarget | None:
    """The repo a huggingface.co (or HF_ENDPOINT) URL points at; None when it is not a repo page."""
    parts = urlsplit(url)
    if (parts.netloc or "").lower() not in config.hf_hosts():
        return None
    check_path_segments(url)  # "..", which a client would resolve into another Hub API path, with HF_TOKEN
    segments = [s for s in parts.path.split("/") if s]
    repo_type: RepoType = "model"
    if segments and segments[0] in ("datasets", "spaces"):
        repo_type = "dataset" if segments[0] == "datasets" else "space"
        segments = segments[1:]
        if len(segments) < 2:
            return None
    if not segments or segments[0] in _NOT_REPOS:
        return None
    # org/name, or a legacy single-name model such as "gpt2" (followed by a view like /tree/main)
    two = len(segments) >= 2 and segments[1] not in {"tree", *_FILE_VIEWS, "discussions", "commits", "commit", "edit"}
    repo_id = "/".join(segments[:2]) if two else segments[0]
    rest = segments[2:] if two else segments[1:]
    revision, file = None, None
    if rest and rest[0] in ("tree", *_FILE_VIEWS) and len(rest) >= 2:
        ref_len = 3 if rest[1] == "refs" and len(rest) >= 4 else 1  # refs/pr/1, refs/convert/parquet
        revision = "/".join(rest[1 : 1 + ref_len])
        path = "/".join(rest[1 + ref_len :])
        if rest[0] in _FILE_VIEWS and path:
            file = path
    return HfTarget(repo_type=repo_type, repo_id=repo_id, revision=revision, file=file)


def fetch_hf(target: HfTarget, source_url: str, session: HttpSession) -> Listing:
    cfg = session.config
    endpoint = cfg.hf_endpoint.rstrip("/")
    label = f"{_URL_PREFIX[target.repo_type]}{target.repo_id}"
    # The token goes to this repository's API and files only, never to another path of the Hub.
    scope = (f"/api/{target.repo_type}s/{target.repo_id}", f"/{label}/")
    auth = Auth.bearer(endpoint, cfg.hf_token, paths=_under_endpoint(endpoint, scope)) if cfg.hf_token else None
    api_url = f"{endpoint}/api/{target.repo_type}s/{target.repo_id}"
    if target.revision:
        api_url += f"/revision/{quote(target.revision, safe='')}"
    info_response = session.get(api_url, accept="application/json", auth=auth, max_bytes=cfg.max_api_bytes)
    _raise_for_hub_error(info_response, label, target, cfg)
    try:
        info = jsonio.loads(info_response.body)
    except ValueError:
        raise ContentError(f"{label}: the Hub API answered with invalid JSON", hint="check HF_ENDPOINT points at a Hugging Face Hub") from None
    if not isinstance(info, dict):
        raise ContentError(f"{label}: unexpected Hub API answer", hint="check HF_ENDPOINT points at a Hugging Face Hub")

    sha = info.get("sha") if isinstance(info.get("sha"), str) else None
    file = target.file or "README.md"
    ref = quote(sha or target.revision or "main", safe="")
    file_url = f"{endpoint}/{label}/resolve/{ref}/{'/'.join(quote(part, safe='') for part in file.split('/'))}"
    card = session.get(file_url, accept="text/markdown, text/plain, */*;q=0.5", auth=auth)
    text = ""
    if card.status == 200:
        text = decode_body(card.body, card.content_type or "text/markdown; charset=utf-8", file_url)
    elif card.status == 404 and target.file is None:
        text = ""  # a repo without a card: the API metadata is all there is
    else:
        _raise_for_hub_error(card, f"{label}/{file}", target, cfg)

    metadata = hf_metadata(info, include_card_data=not text.lstrip().startswith("---"))
    canonical = f"{endpoint}/{label}"
    if target.revision:
        canonical += f"/tree/{target.revision}"
    if target.file:
        canonical = f"{endpoint}/{label}/blob/{target.revision or 'main'}/{target.file}"
    listing = build_remote_listing(
        text, source=source_url, source_type="huggingface", name_hint=file, content_type="text/markdown",
        canonical_url=canonical, revision=sha or target.revision, fetched_at=card.fetched_at if card.status == 200 else info_response.fetched_at,
        metadata=metadata,
    )
    if listing.title in (file.rsplit(".", 1)[0], "README"):
        listing = listing.model_copy(update={"title": target.repo_id})
    return listing


def _under_endpoint(endpoint: str, paths: tuple[str, ...]) -> tuple[str, ...]:
    base = urlsplit(endpoint).path.rstrip("/")
    return tuple(base + p for p in paths)


def hf_metadata(info: dict[str, object], *, include_card_data: bool) -> list[MetadataField]:
    """Hub API JSON → metadata facts (source 'hf_api'): what the extractors can cite as evidence."""
    fields: list[MetadataField] = []

    def add(key: str, value: object) -> None:
        fields.extend(metadata_values(key, value, source=SOURCE))

    card = info.get("cardData") if isinstance(info.get("cardData"), dict) else {}
    tags = [t for t in info.get("tags", []) or [] if isinstance(t, str)] if isinstance(info.get("tags"), list) else []
    add("id", info.get("id") or info.get("modelId"))
    add("author", info.get("author"))
    add("sha", info.get("sha"))
    add("pipeline_tag", info.get("pipeline_tag"))
    add("library_name", info.get("library_name") or card.get("library_name"))
    add("tags", tags)
    licenses = card.get("license") or [t.split(":", 1)[1] for t in tags if t.startswith("license:")]
    add("license", licenses)
    add("base_model", card.get("base_model") or [t.split(":", 1)[1] for t in tags if t.startswith("base_model:") and t.count(":") == 1])
    add("datasets", card.get("datasets"))
    add("language", card.get("language"))
    add("gated", info.get("gated", False))
    add("private", info.get("private"))
    add("disabled", info.get("disabled"))
    add("last_modified", info.get("lastModified"))
    add("created_at", info.get("createdAt"))
    add("downloads", info.get("downloads"))
    add("likes", info.get("likes"))
    config = info.get("config") if isinstance(info.get("config"), dict) else {}
    add("model_type", config.get("model_type"))
    add("architectures", config.get("architectures"))
    safetensors = info.get("safetensors") if isinstance(info.get("safetensors"), dict) else {}
    add("parameters", safetensors.get("total"))
    add("sdk", info.get("sdk"))  # Spaces
    if include_card_data and card:
        fields.extend(flatten_metadata(card, source=SOURCE, prefix="cardData", limit=200))
    return fields


def _raise_for_hub_error(response: HttpResponse, label: str, target: HfTarget, cfg: FetchConfig) -> None:
    if response.status == 200:
        return
    code = (response.header("x-error-code") or "").strip()
    message = (response.header("x-error-message") or "").strip()
    detail = f" ({message})" if message else ""
    token_hint = "set HF_TOKEN to a token that can read it" if not cfg.hf_token else "check that HF_TOKEN can read it"
    if code == "GatedRepo" or (response.status == 403 and code != "RepoNotFound"):
        raise GatedError(
            f"{label}: gated — the repository needs accepted terms{detail}",
            hint=f"accept the terms on {cfg.hf_endpoint}/{_URL_PREFIX[target.repo_type]}{target.repo_id} and {token_hint}",
        )
    if code == "RevisionNotFound":
        raise NotFoundError(f"{label}: no revision '{target.revision}'{detail}", hint="check the branch, tag or commit in the URL")
    if code == "EntryNotFound" or (response.status == 404 and target.file):
        raise NotFoundError(f"{label}: no such file in the repository{detail}", hint="check the file path in the URL")
    if code == "RepoNotFound" or response.status in (401, 404):
        raise NotFoundError(
            f"{label}: no such {target.repo_type} on {cfg.hf_endpoint} (or it is private){detail}",
            hint=f"check the id in the URL; for a private repository {token_hint}",
        )
    from analyzer.errors import FetchError

    raise FetchError(f"{label}: the Hub answered HTTP {response.status}{detail}", hint="try again later")

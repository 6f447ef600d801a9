"""The Starlette application: pages, the JSON API and the static files, behind SecurityMiddleware.

    from analyzer.serve import ServeConfig, create_app
    app = create_app(ServeConfig(host="127.0.0.1", port=8000))

Blocking work (fetching, extraction, SQLite) runs in worker threads, never on the event loop.
"""

from __future__ import annotations

import json
import re
import secrets
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

from pydantic import ValidationError
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, PlainTextResponse, Response
from starlette.routing import Route

from analyzer.errors import AnalyzerError, ConfigError, FetchError, InputError, NotFoundError, ProfileError
from analyzer.fetch.local import MAX_LISTING_BYTES
from analyzer.models import Analysis, ScoringOptions
from analyzer.serve import edits, inputs, pages
from analyzer.serve.jobs import Job, JobRunner, error_json
from analyzer.serve.security import BodyTooLarge, SecurityMiddleware, allowed_hosts
from analyzer.serve.store import DraftConflict, DraftNotFound, DraftStore

# An Analysis JSON carries the listing text (≤ 5 MB) plus quotes and JSON escapes: the CLI reads up to 4×.
MAX_BODY_BYTES = MAX_LISTING_BYTES * 4
STATIC_TYPES = {"app.js": "text/javascript; charset=utf-8", "app.css": "text/css; charset=utf-8", "report.css": "text/css; charset=utf-8"}
EXPORT_TYPES = {
    "md": "text/markdown; charset=utf-8", "json": "application/json", "html": "text/html; charset=utf-8",
    "sarif": "application/sarif+json", "cyclonedx": "application/vnd.cyclonedx+json",
}  # fmt: skip
_DRAFT_ID = re.compile(r"^[0-9a-f]{12}$")


@dataclass
class ServeConfig:
    host: str = "127.0.0.1"
    port: int = 8000
    db_path: Path | None = None
    allow_private: bool = False  # let the fetcher reach private addresses (tests, internal mirrors)
    extra_hosts: tuple[str, ...] = ()  # more Host names to accept (a reverse proxy's name)
    workers: int = 2
    csrf_token: str = field(default_factory=lambda: secrets.token_urlsafe(32))

    def hosts(self) -> frozenset[str]:
        return allowed_hosts(self.host, self.port, self.extra_hosts)


@cache
def _static(name: str) -> bytes:
    if name == "report.css":  # the report page's own stylesheet, so a draft looks like the HTML report
        template = resources.files("analyzer.data").joinpath("report_template.html").read_text("utf-8")
        match = re.search(r"<style>(.*?)</style>", template, re.DOTALL)
        return (match.group(1) if match else "").encode()
    return resources.files("analyzer.serve").joinpath("static", name).read_bytes()


def _status(exc: AnalyzerError) -> int:
    if isinstance(exc, DraftNotFound):
        return 404
    if isinstance(exc, DraftConflict):
        return 409
    if isinstance(exc, InputError | ConfigError):
        return 400
    if isinstance(exc, NotFoundError):
        return 404
    if isinstance(exc, FetchError):
        return 400 if exc.exit_code == 2 else 502
    return 500 if type(exc) is AnalyzerError else 502


def api_error(exc: AnalyzerError) -> JSONResponse:
    return JSONResponse({"error": error_json(exc)}, status_code=_status(exc))


async def _json_body(request: Request) -> Any:
    raw = await request.body()
    try:
        return json.loads(raw)
    except ValueError as exc:
        raise InputError(f"the request body is not valid JSON ({exc})", hint="send a JSON object") from None


async def _listing_request(request: Request) -> inputs.ListingRequest:
    ctype = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if ctype == "application/octet-stream":
        data = await request.body()
        return await run_in_threadpool(inputs.request_from_bytes, data, request.query_params.get("filename"), request.query_params.get("provider"))
    return inputs.request_from_json(await _json_body(request))


def parse_analysis(data: dict[str, Any]) -> Analysis:
    try:
        return Analysis.model_validate(data)
    except ValidationError as exc:
        err = exc.errors()[0]
        where = ".".join(str(p) for p in err["loc"])
        raise ProfileError(f"analysis: invalid analysis: {where}: {err['msg']}", hint="send the Analysis JSON from /api/analyze, or fix the field named") from None


def create_app(config: ServeConfig | None = None, store: DraftStore | None = None) -> Starlette:
    config = config or ServeConfig()
    store = store or DraftStore(config.db_path)
    jobs = JobRunner(config.workers)

    def analyse(req: inputs.ListingRequest, stage: Any = lambda _name: None) -> Analysis:
        """The pipeline's stages one by one, so a job can say which one it is in."""
        from analyzer.extract import get_extractor
        from analyzer.pipeline import assemble

        stage("fetch")
        listing = inputs.load(req, allow_private=config.allow_private)
        stage("extract")
        result = get_extractor(req.provider).extract(listing)
        stage("score")
        return assemble(listing, result, ScoringOptions())

    def draft_id(request: Request) -> str:
        value = request.path_params["draft_id"]
        if not _DRAFT_ID.match(value):
            raise DraftNotFound(f"draft {value[:40]!r} not found", hint="open one from the list of drafts")
        return value

    # ------------------------------------------------------------------ pages

    async def start(request: Request) -> Response:
        drafts = await run_in_threadpool(store.list)
        html = pages.start_page(drafts, providers=inputs.available_providers(), csrf_token=config.csrf_token, max_mb=MAX_LISTING_BYTES // 1_048_576)
        return HTMLResponse(html)

    async def draft(request: Request) -> Response:
        from analyzer.report import FORMATS

        d = await run_in_threadpool(store.get, draft_id(request))
        return HTMLResponse(pages.draft_page(d.info, d.analysis, formats=FORMATS, csrf_token=config.csrf_token))

    async def export(request: Request) -> Response:
        from analyzer.report import EXTENSIONS, FORMATS, render

        fmt = request.path_params["fmt"]
        if fmt not in FORMATS:
            raise InputError(f"unknown report format {fmt!r}", hint=f"use one of: {', '.join(FORMATS)}")
        d = await run_in_threadpool(store.get, draft_id(request))
        text = await run_in_threadpool(render, d.analysis, fmt)
        name = re.sub(r"[^A-Za-z0-9._-]+", "-", d.info.title).strip("-.")[:80] or "draft"
        disposition = f'attachment; filename="{name}.{EXTENSIONS.get(fmt, fmt)}"'
        return Response(text, media_type=EXPORT_TYPES.get(fmt, "application/octet-stream"), headers={"content-disposition": disposition})

    async def static(request: Request) -> Response:
        name = request.path_params["name"]
        if name not in STATIC_TYPES:
            raise HTTPException(404)
        return Response(_static(name), media_type=STATIC_TYPES[name], headers={"cache-control": "no-cache"})

    # ------------------------------------------------------------------ API

    async def api_analyze(request: Request) -> Response:
        req = await _listing_request(request)
        analysis = await run_in_threadpool(analyse, req)
        return Response(analysis.model_dump_json(), media_type="application/json")

    async def api_new_draft(request: Request) -> Response:
        req = await _listing_request(request)

        def work(job: Job) -> dict[str, str]:
            info = store.create(analyse(req, job.set_stage))
            return {"draft": info.id, "url": f"/drafts/{info.id}"}

        job = jobs.submit(req.label, work)
        return JSONResponse(job.as_json(), status_code=202)

    async def api_job(request: Request) -> Response:
        job = jobs.get(request.path_params["job_id"])
        if job is None:
            raise DraftNotFound(f"job {request.path_params['job_id'][:40]!r} not found", hint="start the analysis again")
        return JSONResponse(job.as_json())

    async def api_drafts(request: Request) -> Response:
        drafts = await run_in_threadpool(store.list)
        return JSONResponse({"drafts": [_info_json(d) for d in drafts]})

    async def api_draft(request: Request) -> Response:
        if request.method == "DELETE":
            await run_in_threadpool(store.delete, draft_id(request))
            return JSONResponse({"deleted": request.path_params["draft_id"]})
        d = await run_in_threadpool(store.get, draft_id(request))
        return JSONResponse({"draft": _info_json(d.info), "analysis": d.analysis.model_dump(mode="json")})

    async def api_duplicate(request: Request) -> Response:
        info = await run_in_threadpool(store.duplicate, draft_id(request))
        return JSONResponse({"draft": _info_json(info), "url": f"/drafts/{info.id}"}, status_code=201)

    async def api_rename(request: Request) -> Response:
        data = await _json_body(request)
        title = data.get("title") if isinstance(data, dict) else None
        if not isinstance(title, str):
            raise InputError("the request has no 'title'", hint='send {"title": "..."}')
        info = await run_in_threadpool(store.rename, draft_id(request), title)
        return JSONResponse({"draft": _info_json(info)})

    async def api_rescore(request: Request) -> Response:
        data = await _json_body(request)
        if not isinstance(data, dict) or not isinstance(data.get("analysis"), dict):
            raise InputError("the request has no 'analysis' object", hint="send the Analysis JSON from /api/analyze as 'analysis'")
        analysis = parse_analysis(data["analysis"])
        edit = edits.parse_edit({k: v for k, v in data.items() if k != "analysis"})
        result = await run_in_threadpool(edits.apply_edit, analysis, edit)
        return Response(result.model_dump_json(), media_type="application/json")

    async def api_edit(request: Request) -> Response:
        data = await _json_body(request)
        if not isinstance(data, dict):
            raise InputError("the edit must be a JSON object", hint=f"send some of: {', '.join(edits.KEYS)}")
        version = data.get("version")
        if version is not None and (isinstance(version, bool) or not isinstance(version, int)):
            raise InputError("'version' must be the draft's version number", hint="reload the draft")
        edit = edits.parse_edit({k: v for k, v in data.items() if k != "version"})
        if edit.empty:
            raise InputError("the edit changes nothing", hint=f"send some of: {', '.join(edits.KEYS[:-1])}")
        target = draft_id(request)

        def work() -> tuple[Any, Analysis]:
            current = store.get(target)
            result = edits.apply_edit(current.analysis, edit)
            return store.update(target, result, version=version), result

        info, result = await run_in_threadpool(work)
        return JSONResponse({"draft": _info_json(info), "html": pages.report_fragment(result, version=info.version)})

    async def compare(request: Request) -> Response:
        d = await run_in_threadpool(store.get, draft_id(request))
        return HTMLResponse(pages.compare_page(d.info, d.analysis, providers=inputs.available_providers(), csrf_token=config.csrf_token))

    async def api_compare(request: Request) -> Response:
        target = draft_id(request)
        old = (await run_in_threadpool(store.get, target)).analysis
        req = await _listing_request(request)

        def work(job: Job) -> dict[str, str]:
            new = analyse(req, job.set_stage)
            job.kept.update(analysis=new, parent=target)
            return {"html": pages.comparison_fragment(old, new, keep_job=job.id)}

        job = jobs.submit(req.label, work)
        return JSONResponse(job.as_json(), status_code=202)

    async def api_keep(request: Request) -> Response:
        job = jobs.get(request.path_params["job_id"])
        if job is None or "analysis" not in job.kept:
            raise DraftNotFound("that comparison is no longer available", hint="run the comparison again")
        info = await run_in_threadpool(lambda: store.create(job.kept["analysis"], parent=job.kept["parent"]))
        return JSONResponse({"draft": _info_json(info), "url": f"/drafts/{info.id}"}, status_code=201)

    async def on_analyzer_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, AnalyzerError)
        if request.url.path.startswith("/api/"):
            return api_error(exc)
        return HTMLResponse(pages.error_page(str(exc), csrf_token=config.csrf_token), status_code=_status(exc))

    async def on_too_large(request: Request, exc: Exception) -> Response:
        return JSONResponse({"error": {"message": f"{exc} — a listing is one page; pass the model card or README, not a dump", "type": "InputError", "exit_code": 2}}, status_code=413)

    async def on_http(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, HTTPException)
        return PlainTextResponse(exc.detail, status_code=exc.status_code)

    routes = [
        Route("/", start),
        Route("/drafts/{draft_id}", draft),
        Route("/drafts/{draft_id}/export/{fmt}", export),
        Route("/drafts/{draft_id}/compare", compare),
        Route("/static/{name}", static),
        Route("/api/analyze", api_analyze, methods=["POST"]),
        Route("/api/drafts", api_drafts, methods=["GET"]),
        Route("/api/drafts", api_new_draft, methods=["POST"]),
        Route("/api/jobs/{job_id}", api_job),
        Route("/api/drafts/{draft_id}", api_draft, methods=["GET", "DELETE"]),
        Route("/api/drafts/{draft_id}/duplicate", api_duplicate, methods=["POST"]),
        Route("/api/drafts/{draft_id}/rename", api_rename, methods=["POST"]),
        Route("/api/drafts/{draft_id}/edit", api_edit, methods=["POST"]),
        Route("/api/rescore", api_rescore, methods=["POST"]),
        Route("/api/drafts/{draft_id}/compare", api_compare, methods=["POST"]),
        Route("/api/jobs/{job_id}/keep", api_keep, methods=["POST"]),
    ]
    app = Starlette(
        routes=routes,
        middleware=[Middleware(
                SecurityMiddleware, hosts=config.hosts, csrf_token=config.csrf_token, max_body_bytes=MAX_BODY_BYTES,
                tls_hosts=_proxy_hosts(config.extra_hosts),
            )],
        exception_handlers={AnalyzerError: on_analyzer_error, BodyTooLarge: on_too_large, HTTPException: on_http},
    )
    app.state.config = config
    app.state.store = store
    app.state.jobs = jobs
    return app


def _proxy_hosts(names: tuple[str, ...]) -> set[str]:
    # A name given with --allowed-host may be a TLS-terminating proxy's: its page's origin is https://NAME.
    return {n.lower() for n in names} | {f"{n.lower()}:443" for n in names}


def _info_json(d: Any) -> dict[str, Any]:
    return {
        "id": d.id, "title": d.title, "source": d.source, "created_at": d.created_at, "updated_at": d.updated_at,
        "version": d.version, "parent": d.parent, "score": d.score, "band": d.band, "url": f"/drafts/{d.id}",
    }  # fmt: skip

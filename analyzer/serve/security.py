"""The web app's security rules, as one ASGI middleware in front of every route.

- Host: a request whose Host header is not one of the bound names (with the bound port) is refused, so a
  page on another site cannot reach the app by pointing its own DNS name at 127.0.0.1 (DNS rebinding).
- Writes (every method but GET/HEAD): refused when the browser says they come from another origin (Origin,
  Sec-Fetch-Site); a request a browser sent must also carry the page's CSRF token in X-CSRF-Token, and the
  body must be JSON or raw bytes — content types a cross-origin page can only send after a CORS preflight,
  which this app never grants. Scripts (curl, Python) send no Origin and need no token.
- Bodies are capped (Content-Length and the bytes actually read), as the CLI caps a listing file.
- Every response gets a strict Content-Security-Policy (scripts and styles only from this origin, no inline
  code, no frames, no remote anything) and the usual no-sniff / no-referrer / same-origin headers.
- The LLM API key never reaches the browser: a response that would contain it has it replaced.
"""

from __future__ import annotations

import hmac
import json
import os
from collections.abc import Awaitable, Callable, Iterable
from typing import Any

Scope = dict[str, Any]
Message = dict[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
    "form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
)
SECURITY_HEADERS: tuple[tuple[bytes, bytes], ...] = (
    (b"content-security-policy", CSP.encode()),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
    (b"x-frame-options", b"DENY"),
    (b"cross-origin-opener-policy", b"same-origin"),
    (b"cross-origin-resource-policy", b"same-origin"),
    (b"cache-control", b"no-store"),
)
SAFE_METHODS = frozenset({"GET", "HEAD"})
WRITE_CONTENT_TYPES = frozenset({"application/json", "application/octet-stream"})
LOOPBACK_NAMES = ("127.0.0.1", "localhost", "[::1]")
SECRET_ENV_VARS = ("OPENAI_API_KEY", "HF_TOKEN", "GITHUB_TOKEN")
REDACTED = b"[redacted]"


def is_loopback(host: str) -> bool:
    return host in ("127.0.0.1", "localhost", "::1", "[::1]") or host.startswith("127.")


def allowed_hosts(host: str, port: int, extra: Iterable[str] = ()) -> frozenset[str]:
    """Host header values accepted for a server bound to host:port (lower case, with the port)."""
    names = {host if ":" not in host or host.startswith("[") else f"[{host}]"}
    if is_loopback(host) or host in ("0.0.0.0", "::", ""):
        names.update(LOOPBACK_NAMES)
    names.update(extra)
    names.discard("0.0.0.0")
    names.discard("[::]")
    values = {f"{n.lower()}:{port}" for n in names if n}
    if port == 80:
        values.update(n.lower() for n in names if n)
    return frozenset(values)


def _secrets() -> list[bytes]:
    return [v.encode() for v in (os.environ.get(name, "") for name in SECRET_ENV_VARS) if len(v) >= 8]


class SecurityMiddleware:
    def __init__(
        self, app: ASGIApp, *, hosts: Callable[[], frozenset[str]], csrf_token: str, max_body_bytes: int, tls_hosts: Iterable[str] = ()
    ) -> None:
        self.app = app
        self.tls_hosts = frozenset(tls_hosts)
        self.hosts = hosts  # a callable: with port 0 the real port is known only after the socket is bound
        self.csrf_token = csrf_token
        self.max_body_bytes = max_body_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope.get("headers", [])}
        refusal = self._refusal(scope, headers)
        if refusal:
            status, message, hint = refusal
            await _json_error(send, status, message, hint)
            return
        await self.app(scope, self._capped(receive, headers), self._secured(send))

    def _refusal(self, scope: Scope, headers: dict[str, str]) -> tuple[int, str, str] | None:
        host = headers.get("host", "").strip().lower()
        if host not in self.hosts():
            return 421, f"Host {host or '(none)'!r} is not the address this server is bound to", "open the address `analyzer serve` printed"
        method = scope["method"].upper()
        if method in SAFE_METHODS:
            return None
        origin = headers.get("origin")
        if origin is not None and not self._same_origin(origin):
            return 403, f"cross-origin request from {origin!r} refused", "use the page served by `analyzer serve`"
        site = headers.get("sec-fetch-site")
        if site is not None and site not in ("same-origin", "none"):
            return 403, f"cross-site request refused (Sec-Fetch-Site: {site})", "use the page served by `analyzer serve`"
        from_browser = origin is not None or site is not None
        if from_browser and not hmac.compare_digest(headers.get("x-csrf-token", ""), self.csrf_token):
            return 403, "missing or wrong CSRF token", "reload the page and try again"
        ctype = headers.get("content-type", "").split(";")[0].strip().lower()
        if method != "DELETE" and ctype not in WRITE_CONTENT_TYPES:
            return 415, f"content type {ctype or '(none)'!r} not accepted for {method}", "send application/json (or the listing's raw bytes as application/octet-stream)"
        length = headers.get("content-length")
        if length is not None:
            try:
                size = int(length)
            except ValueError:
                return 400, f"bad Content-Length {length!r}", "send a valid request"
            if size > self.max_body_bytes:
                return 413, _too_large(size, self.max_body_bytes), "a listing is one page; pass the model card or README, not a dump"
        return None

    def _same_origin(self, origin: str) -> bool:
        """The page's own origin: http:// and an accepted Host (https:// too behind a TLS proxy's name)."""
        scheme, _, rest = origin.lower().partition("://")
        if scheme not in ("http", "https") or "/" in rest:
            return False
        host = rest if ":" in rest.rsplit("]", 1)[-1] else f"{rest}:{80 if scheme == 'http' else 443}"
        hosts = self.hosts()
        if host not in hosts and rest not in hosts:
            return False
        return scheme == "http" or bool(self.tls_hosts & {host, rest})

    def _capped(self, receive: Receive, headers: dict[str, str]) -> Receive:
        seen = 0
        limit = self.max_body_bytes

        async def capped() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > limit:
                    raise BodyTooLarge(_too_large(seen, limit))
            return message

        return capped

    def _secured(self, send: Send) -> Send:
        secrets = _secrets()

        async def secured(message: Message) -> None:
            if message["type"] == "http.response.start":
                present = {k.lower() for k, _ in message.get("headers", [])}
                extra = [(k, v) for k, v in SECURITY_HEADERS if k not in present]
                message = {**message, "headers": [*message.get("headers", []), *extra]}
                if secrets:  # a redacted body changes length: let the server frame it
                    message["headers"] = [(k, v) for k, v in message["headers"] if k.lower() != b"content-length"]
            elif message["type"] == "http.response.body" and secrets:
                body = message.get("body", b"")
                for secret in secrets:
                    body = body.replace(secret, REDACTED)
                message = {**message, "body": body}
            await send(message)

        return secured


class BodyTooLarge(Exception):
    """Raised from receive() when a body without Content-Length grows past the cap; the app maps it to 413."""


def _too_large(size: int, limit: int) -> str:
    return f"the request body is {size / 1_048_576:.1f} MB, over the {limit / 1_048_576:.0f} MB limit"


async def _json_error(send: Send, status: int, message: str, hint: str) -> None:
    body = json.dumps({"error": {"message": f"{message} — {hint}", "type": "RequestRefused", "exit_code": 2}}).encode()
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode()), *SECURITY_HEADERS]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})

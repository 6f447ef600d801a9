"""Bind the socket and run the app under uvicorn.

The socket is bound here, before the app starts, so that with port 0 the Host check knows the real port,
and so a port in use is one clear error instead of a traceback from inside the server.
"""

from __future__ import annotations

import errno
import logging
import socket

from analyzer.errors import InputError
from analyzer.serve.app import ServeConfig, create_app
from analyzer.serve.security import is_loopback

log = logging.getLogger("analyzer.serve")


def bind(config: ServeConfig) -> socket.socket:
    """A listening socket on config.host:config.port; config.port is set to the bound port."""
    family = socket.AF_INET6 if ":" in config.host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((config.host.strip("[]"), config.port))
    except OSError as exc:
        sock.close()
        if exc.errno == errno.EADDRINUSE:
            raise InputError(f"{config.host}:{config.port} is already in use", hint="pass another --port, or stop the other server") from None
        raise InputError(f"cannot listen on {config.host}:{config.port} ({exc.strerror})", hint="check --host and --port") from None
    sock.listen(128)
    sock.set_inheritable(True)
    config.port = sock.getsockname()[1]
    return sock


def public_warning(config: ServeConfig) -> str | None:
    if is_loopback(config.host):
        return None
    names = "" if config.extra_hosts else " Requests must name an accepted host: pass --allowed-host NAME for the name or address clients use."
    return (
        f"serving on {config.host}, not 127.0.0.1: anyone who can reach this address can run analyses (and spend the "
        f"server's LLM budget) and read every draft — there is no login.{names}"
    )


def run(config: ServeConfig, *, sock: socket.socket | None = None, log_level: str = "warning") -> None:
    """Serve until interrupted (Ctrl-C)."""
    import uvicorn

    sock = sock or bind(config)
    app = create_app(config)
    server = uvicorn.Server(uvicorn.Config(app, log_level=log_level, lifespan="off", server_header=False, access_log=log_level == "info"))
    try:
        server.run(sockets=[sock])
    finally:
        app.state.jobs.shutdown()
        sock.close()

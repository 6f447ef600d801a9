"""`analyzer serve`: a local web app for drafting threat reports — analyse, edit and re-score, keep, export.

    from analyzer.serve import ServeConfig, create_app, run
    run(ServeConfig(host="127.0.0.1", port=8000))
"""

from __future__ import annotations

from analyzer.serve.app import ServeConfig, create_app
from analyzer.serve.server import bind, run
from analyzer.serve.store import DraftStore

__all__ = ["DraftStore", "ServeConfig", "bind", "create_app", "run"]

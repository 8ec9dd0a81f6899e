"""Serve the WSGI app with waitress (a production server, unlike Flask's dev server)."""

from __future__ import annotations

import logging

from flask import Flask
from waitress import serve as waitress_serve

logger = logging.getLogger(__name__)


def serve(app: Flask, *, host: str, port: int, threads: int = 8) -> None:
    """Serve until interrupted (Ctrl-C stops cleanly)."""
    logger.info("Serving on http://%s:%d", host, port)
    waitress_serve(app, host=host, port=port, threads=threads, ident="GrantRadar")

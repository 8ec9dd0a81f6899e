"""The GrantRadar web application: ``create_app()`` builds and wires a Flask app."""

from __future__ import annotations

import logging
import secrets
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

from flask import Flask, Response, render_template
from flask_wtf.csrf import CSRFProtect
from werkzeug.exceptions import HTTPException

from config.institution import load_institution
from config.settings import Settings, load_settings
from indexer.backend import SearchBackend
from indexer.factory import make_backend
from indexer.records import utcnow
from indexer.store import Store
from webapp import (
    api,
    auth,
    bids,
    feeds,
    health,
    matches,
    opportunity,
    partners,
    profile,
    saved,
    search,
)
from webapp.cli import register_cli
from webapp.services import Services, init_services
from webapp.views_util import init_filters

logger = logging.getLogger(__name__)

csrf = CSRFProtect()

# No inline scripts or styles anywhere: pages work without JavaScript, and the CSS is a file.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)


def create_app(
    settings: Settings | None = None,
    *,
    store: Store | None = None,
    backend: SearchBackend | None = None,
    clock: Callable[[], datetime] | None = None,
) -> Flask:
    """Create and configure an instance of the Flask application."""
    settings = settings if settings is not None else load_settings()
    app = Flask(__name__, instance_path=str(Path(settings.instance_dir).resolve()))
    app.config.update(
        SECRET_KEY=settings.secret_key or _instance_secret(Path(app.instance_path)),
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=settings.secure_cookies,
        PREFERRED_URL_SCHEME="https" if settings.secure_cookies else "http",
        WTF_CSRF_TIME_LIMIT=None,  # the token lives as long as the session
    )
    services = Services(
        settings=settings,
        store=store if store is not None else Store(settings.resolved_database_url()),
        backend=backend if backend is not None else _ready_backend(settings),
        institution=load_institution(settings.institution),
        clock=clock or utcnow,
    )
    init_services(app, services)
    csrf.init_app(app)
    auth.init_limiter(app)
    init_filters(app)
    for blueprint in (
        auth.bp,
        search.bp,
        opportunity.bp,
        health.bp,
        profile.bp,
        matches.bp,
        saved.bp,
        api.bp,
        feeds.bp,
        bids.bp,
        partners.bp,
    ):
        app.register_blueprint(blueprint)
    register_cli(app)
    app.before_request(auth.load_current_user)
    app.context_processor(auth.template_context)
    app.after_request(_security_headers)
    # Unhandled exceptions reach this handler as InternalServerError (Flask logs them).
    app.register_error_handler(HTTPException, _http_error)
    return app


def _ready_backend(settings: Settings) -> SearchBackend:
    """Build the configured backend and prepare it; an unreachable engine is only logged."""
    backend = make_backend(settings)
    try:
        backend.ensure_ready()
    except Exception:
        # Elasticsearch may come up after the web app; pages then answer 503 until it does.
        logger.exception("search backend not ready at start-up")
    return backend


def _instance_secret(instance_dir: Path) -> str:
    """Return the secret key kept in the instance folder, creating it on first use."""
    path = instance_dir / "secret_key"
    if path.exists():
        return path.read_text(encoding="utf-8").strip()
    instance_dir.mkdir(parents=True, exist_ok=True)
    key = secrets.token_hex(32)
    path.touch(mode=0o600)
    path.write_text(key, encoding="utf-8")
    return key


def _security_headers(response: Response) -> Response:
    """Add the security headers every response carries."""
    response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("Referrer-Policy", "strict-origin-when-cross-origin")
    response.headers.setdefault("X-Frame-Options", "DENY")
    return response


def _http_error(error: HTTPException) -> tuple[str, int] | HTTPException:
    """Render 4xx/5xx pages in the site layout; redirects and the like pass through."""
    code = error.code or 500
    if code < 400:
        return error
    return render_template("errors/error.html", error=error, code=code), code

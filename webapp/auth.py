"""Sign-in, sign-out, the current user in ``g.user``, and access decorators.

Searching and reading calls are public (the calls themselves are public documents);
personal features (profiles, saved searches, bids) use :func:`login_required`.
"""

from __future__ import annotations

import functools
import logging
import threading
import time
from collections import deque
from collections.abc import Callable
from typing import Any, TypeVar, cast
from urllib.parse import urlsplit

from flask import (
    Blueprint,
    Flask,
    abort,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from werkzeug.wrappers.response import Response

from webapp.forms import LoginForm
from webapp.services import get_institution, get_now, get_store
from webapp.stores.users import Role, User, get_user, normalize_email, record_login, verify_password

logger = logging.getLogger(__name__)

bp = Blueprint("auth", __name__)

F = TypeVar("F", bound=Callable[..., Any])
LIMITER_KEY = "grantradar_login_limiter"


class LoginLimiter:
    """Count failed sign-ins per key in a sliding window, in process memory.

    In-process is enough for one server process; behind several workers each keeps its
    own count, which still bounds guessing to ``workers * max_failures`` per window.
    """

    def __init__(
        self,
        max_failures: int = 5,
        window_seconds: float = 15 * 60,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.max_failures = max_failures
        self.window_seconds = window_seconds
        self.clock = clock
        self._failures: dict[tuple[str, str], deque[float]] = {}
        self._lock = threading.Lock()

    def _recent(self, key: tuple[str, str], now: float) -> deque[float]:
        failures = self._failures.setdefault(key, deque())
        while failures and failures[0] <= now - self.window_seconds:
            failures.popleft()
        return failures

    def retry_after(self, key: tuple[str, str]) -> float:
        """Return seconds until this key may try again (0 when not blocked)."""
        with self._lock:
            now = self.clock()
            failures = self._recent(key, now)
            if len(failures) < self.max_failures:
                return 0.0
            return failures[0] + self.window_seconds - now

    def fail(self, key: tuple[str, str]) -> None:
        """Record one failed attempt."""
        with self._lock:
            self._recent(key, self.clock()).append(self.clock())

    def reset(self, key: tuple[str, str]) -> None:
        """Forget the failures of a key after a successful sign-in."""
        with self._lock:
            self._failures.pop(key, None)


def init_limiter(app: Flask, limiter: LoginLimiter | None = None) -> None:
    """Attach a login limiter to the app (tests pass one with their own clock)."""
    app.extensions[LIMITER_KEY] = limiter or LoginLimiter()


def get_limiter() -> LoginLimiter:
    """Return the current app's login limiter."""
    limiter: LoginLimiter = current_app.extensions[LIMITER_KEY]
    return limiter


def is_safe_next(target: str | None) -> bool:
    """Return whether ``target`` is a path on this site (no scheme, host or ``//``)."""
    if not target or not target.startswith("/") or target.startswith(("//", "/\\")):
        return False
    if any(ord(ch) < 32 or ch == "\\" for ch in target):
        return False
    parts = urlsplit(target)
    return not parts.scheme and not parts.netloc


def load_current_user() -> None:
    """Put the signed-in, active user (or None) in ``g.user``."""
    user_id = session.get("user_id")
    user = get_user(get_store().engine, user_id) if isinstance(user_id, int) else None
    g.user = user if user is not None and user.active else None


def template_context() -> dict[str, Any]:
    """Give every template the current user and the institution."""
    return {"current_user": g.get("user"), "institution": get_institution()}


def login_required(view: F) -> F:
    """Send anonymous visitors to the sign-in page, then back."""

    @functools.wraps(view)
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        if g.get("user") is None:
            return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))
        return view(*args, **kwargs)

    return cast(F, wrapped)


def role_required(*roles: Role | str) -> Callable[[F], F]:
    """Allow only signed-in users with one of these roles (403 for the others)."""
    allowed = {Role(r) for r in roles}

    def decorator(view: F) -> F:
        @functools.wraps(view)
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            user: User | None = g.get("user")
            if user is None:
                return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))
            if user.role not in allowed:
                abort(403)
            return view(*args, **kwargs)

        return cast(F, wrapped)

    return decorator


@bp.route("/login", methods=["GET", "POST"])
def login() -> str | Response | tuple[str, int]:
    """Show the sign-in form; on POST check the password (rate-limited)."""
    form = LoginForm()
    if not form.is_submitted():
        form.next.data = request.args.get("next", "")
    if not form.validate_on_submit():
        return render_template("login.html", form=form), 400 if form.is_submitted() else 200
    key = (normalize_email(form.email.data or ""), request.remote_addr or "")
    wait = get_limiter().retry_after(key)
    if wait > 0:
        minutes = max(1, round(wait / 60))
        error = f"Too many failed sign-in attempts. Try again in about {minutes} minute(s)."
        return render_template("login.html", form=form, error=error), 429
    return _finish_login(form, key)


def _finish_login(form: LoginForm, key: tuple[str, str]) -> Response | tuple[str, int]:
    engine = get_store().engine
    user = verify_password(engine, form.email.data or "", form.password.data or "")
    if user is None:
        get_limiter().fail(key)
        logger.info("failed sign-in", extra={"email": key[0], "ip": key[1]})
        error = "Wrong e-mail address or password."
        return render_template("login.html", form=form, error=error), 401
    get_limiter().reset(key)
    session.clear()  # a fresh session on sign-in defeats session fixation
    session["user_id"] = user.id
    record_login(engine, user.id, get_now())
    flash(f"Signed in as {user.name}.", "info")
    target = form.next.data
    return redirect(target if target and is_safe_next(target) else url_for("search.index"))


@bp.post("/logout")
def logout() -> Response:
    """Sign out (POST only, so a link or image cannot sign anyone out)."""
    session.clear()
    flash("Signed out.", "info")
    return redirect(url_for("search.index"))

"""Absolute links for e-mails (made outside any request): profile, matches, unsubscribe."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import quote

from config.settings import Settings
from webapp.tokens import Purpose, make_token

UNSUBSCRIBE_PATHS = {
    Purpose.UNSUBSCRIBE_DIGEST: "/unsubscribe/digest/{token}",
    Purpose.UNSUBSCRIBE_ALERTS: "/unsubscribe/alerts/{token}",
}
PROFILE_PATH = "/profile"
MATCHES_PATH = "/matches"
SAVED_PATH = "/saved-searches"
FOLLOWING_PATH = "/following"


def signing_key(settings: Settings) -> str:
    """Return the app's secret key: from settings, else the one kept in the instance folder.

    :raises RuntimeError: when neither exists (the app has never been started).
    """
    if settings.secret_key:
        return settings.secret_key
    path = Path(settings.instance_dir).resolve() / "secret_key"
    try:
        return path.read_text(encoding="utf-8").strip()
    except OSError as exc:
        raise RuntimeError(f"no secret key: set GRANTRADAR_SECRET_KEY or create {path}") from exc


def absolute(settings: Settings, path: str) -> str:
    """Return ``path`` on the public base URL (GRANTRADAR_BASE_URL)."""
    return settings.base_url.rstrip("/") + path


def unsubscribe_url(settings: Settings, user_id: int, purpose: Purpose) -> str:
    """Return the signed one-click unsubscribe URL of one person."""
    token = make_token(signing_key(settings), user_id, purpose)
    return absolute(settings, UNSUBSCRIBE_PATHS[purpose].format(token=quote(token, safe="")))


def profile_url(settings: Settings) -> str:
    """Return the absolute URL of the profile page."""
    return absolute(settings, PROFILE_PATH)


def list_unsubscribe_headers(url: str) -> dict[str, str]:
    """Return the RFC 2369 / RFC 8058 headers for a one-click unsubscribe URL."""
    return {
        "List-Unsubscribe": f"<{url}>",
        "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
    }

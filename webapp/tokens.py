"""Signed tokens for links that work without signing in (unsubscribe, personal feeds).

The tokens carry a user id and are signed with the app's secret key, salted per purpose so
that a feed token can never unsubscribe anyone. They do not expire: RFC 8058 one-click
unsubscribe links in old e-mails must keep working.
"""

from __future__ import annotations

from enum import StrEnum

from itsdangerous import BadSignature, URLSafeSerializer


class Purpose(StrEnum):
    """What a token may be used for."""

    UNSUBSCRIBE_DIGEST = "unsubscribe-digest"
    UNSUBSCRIBE_ALERTS = "unsubscribe-alerts"
    FEED = "feed"


def _serializer(secret_key: str, purpose: Purpose) -> URLSafeSerializer:
    return URLSafeSerializer(secret_key, salt=f"grantradar.{purpose.value}")


def make_token(secret_key: str, user_id: int, purpose: Purpose) -> str:
    """Return a URL-safe token naming ``user_id`` for one purpose."""
    return str(_serializer(secret_key, purpose).dumps({"u": user_id}))


def read_token(secret_key: str, token: str, purpose: Purpose) -> int | None:
    """Return the user id in a valid token for this purpose, else None."""
    try:
        data = _serializer(secret_key, purpose).loads(token)
    except BadSignature:
        return None
    user_id = data.get("u") if isinstance(data, dict) else None
    return user_id if isinstance(user_id, int) and not isinstance(user_id, bool) else None

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


def make_token(secret_key: str, user_id: int, purpose: Purpose, *, version: int = 0) -> str:
    """Return a URL-safe token naming ``user_id`` for one purpose.

    :param version: the person's current link version; bumping it revokes older tokens.
    """
    claims = {"u": user_id, "v": version} if version else {"u": user_id}
    return str(_serializer(secret_key, purpose).dumps(claims))


def _int(value: object) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def read_claims(secret_key: str, token: str, purpose: Purpose) -> tuple[int, int] | None:
    """Return ``(user id, link version)`` from a valid token for this purpose, else None."""
    try:
        data = _serializer(secret_key, purpose).loads(token)
    except BadSignature:
        return None
    if not isinstance(data, dict):
        return None
    user_id, version = _int(data.get("u")), _int(data.get("v", 0))
    return (user_id, version) if user_id is not None and version is not None else None


def read_token(secret_key: str, token: str, purpose: Purpose) -> int | None:
    """Return the user id in a valid token for this purpose, else None."""
    claims = read_claims(secret_key, token, purpose)
    return claims[0] if claims else None

"""Matches page, follow/mute buttons, the followed-calls page and the staff digest preview."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from email.message import EmailMessage
from typing import Any

from flask import Blueprint, abort, flash, g, redirect, render_template, url_for
from sqlalchemy import Engine
from werkzeug.wrappers.response import Response

from webapp.auth import is_safe_next, login_required, role_required
from webapp.digests import preview_digest
from webapp.matchmaking import rank_profile
from webapp.personal_forms import CallActionForm
from webapp.services import get_institution, get_now, get_services, get_store
from webapp.stores.follows import follow, followed_ids, mute, muted_ids, unfollow, unmute
from webapp.stores.profiles import active_people, get_profile
from webapp.stores.users import User, get_user

bp = Blueprint("matches", __name__)

MATCH_LIMIT = 50
PREVIEW_CSP = (
    "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; "
    "frame-ancestors 'self'; base-uri 'none'; form-action 'none'"
)

_Action = Callable[[Engine, int, str, datetime], bool]
ACTIONS: dict[str, tuple[_Action, str]] = {
    "follow": (
        lambda e, u, i, now: follow(e, u, i, now=now),
        "Following this call: you get an e-mail when it changes or closes soon.",
    ),
    "unfollow": (lambda e, u, i, now: unfollow(e, u, i), "No longer following this call."),
    "mute": (
        lambda e, u, i, now: mute(e, u, i, now=now),
        "Muted: this call will not appear in your matches again.",
    ),
    "unmute": (
        lambda e, u, i, now: unmute(e, u, i),
        "Unmuted: this call can appear in your matches again.",
    ),
}


@bp.get("/matches")
@login_required
def index() -> str:
    """Show the signed-in person's ranked matches with reasons and eligibility."""
    profile = get_profile(get_store().engine, g.user)
    now = get_now()
    matches = rank_profile(get_services(), profile, now=now, limit=MATCH_LIMIT)
    return render_template(
        "matches.html", matches=matches, profile=profile, now=now, tz=get_institution().tz
    )


@bp.post("/calls/<action>")
@login_required
def call_action(action: str) -> Response:
    """Follow, unfollow, mute or unmute a call, then go back where the button was."""
    form = CallActionForm()
    if action not in ACTIONS or not form.validate_on_submit():
        abort(400)
    opportunity_id = form.opportunity_id.data or ""
    if get_store().get(opportunity_id) is None:
        abort(404)
    apply, message = ACTIONS[action]
    apply(get_store().engine, g.user.id, opportunity_id, get_now())
    flash(message, "info")
    target = form.next.data
    return redirect(target if target and is_safe_next(target) else url_for("matches.following"))


@bp.get("/following")
@login_required
def following() -> str:
    """List the calls the person follows and the calls they muted."""
    store, user, now = get_store(), g.user, get_now()
    followed = store.get_many(sorted(followed_ids(store.engine, user.id)))
    far = datetime.max.replace(tzinfo=now.tzinfo)

    def deadline_key(opp: Any) -> tuple[datetime, str]:
        nd = opp.next_deadline(now)
        return (nd.at if nd else far, opp.title)

    followed.sort(key=deadline_key)
    muted = store.get_many(sorted(muted_ids(store.engine, user.id)))
    return render_template(
        "following.html", followed=followed, muted=muted, now=now, tz=get_institution().tz
    )


@bp.get("/admin/digest-preview")
@role_required("staff", "admin")
def preview_index() -> str:
    """List the people whose digest staff can preview."""
    people = active_people(get_store().engine)
    return render_template("digest_preview_index.html", people=people)


@bp.get("/admin/digest-preview/<int:user_id>")
@role_required("staff", "admin")
def preview(user_id: int) -> str:
    """Show what this week's digest of one person would say (nothing is sent)."""
    user, msg = _preview(user_id)
    text = None
    if msg is not None:
        part = msg.get_body(("plain",))
        text = part.get_content() if part is not None else ""
    return render_template("digest_preview.html", person=user, msg=msg, text=text)


@bp.get("/admin/digest-preview/<int:user_id>/html")
@role_required("staff", "admin")
def preview_html(user_id: int) -> Response:
    """Return the digest's HTML part as is, in a sandbox (e-mail HTML uses inline styles)."""
    _, msg = _preview(user_id)
    part = msg.get_body(("html",)) if msg is not None else None
    if part is None:
        abort(404)
    response = Response(part.get_content(), mimetype="text/html")
    # This one response may use inline styles, but runs no script and submits no form.
    response.headers["Content-Security-Policy"] = PREVIEW_CSP
    response.headers["X-Frame-Options"] = "SAMEORIGIN"
    return response


def _preview(user_id: int) -> tuple[User, EmailMessage | None]:
    """Return a person (404 when unknown) and the digest they would get this week."""
    user = get_user(get_store().engine, user_id)
    if user is None:
        abort(404)
    profile = get_profile(get_store().engine, user)
    return user, preview_digest(get_services(), user, profile, now=get_now())


@bp.app_context_processor
def personal_state() -> dict[str, Any]:
    """Give templates the signed-in person's followed and muted call ids (looked up once)."""

    def state() -> tuple[frozenset[str], frozenset[str]]:
        if g.get("user") is None:
            return frozenset(), frozenset()
        if "personal_state" not in g:
            engine = get_store().engine
            g.personal_state = (followed_ids(engine, g.user.id), muted_ids(engine, g.user.id))
        found: tuple[frozenset[str], frozenset[str]] = g.personal_state
        return found

    return {"personal_state": state}

"""The profile page, keywords proposed from a pasted CV, and one-click unsubscribe."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, g, redirect, render_template, url_for
from flask.blueprints import BlueprintSetupState
from werkzeug.wrappers.response import Response

from matching.cv import extract_key_phrases
from matching.profiles import DigestFrequency, format_keywords, parse_keywords
from webapp.auth import login_required
from webapp.personal_forms import CvForm, ProfileForm
from webapp.services import get_now, get_store
from webapp.stores.profiles import (
    alerts_enabled,
    get_profile,
    save_profile,
    set_alerts_enabled,
    set_digest_frequency,
)
from webapp.stores.saved_searches import turn_off_alerts
from webapp.stores.users import get_user, reset_feed_links
from webapp.tokens import Purpose, read_token

bp = Blueprint("profile", __name__)

CV_PROPOSALS = 15
_PURPOSES = {"digest": Purpose.UNSUBSCRIBE_DIGEST, "alerts": Purpose.UNSUBSCRIBE_ALERTS}


@bp.route("/profile", methods=["GET", "POST"])
@login_required
def edit() -> str | Response | tuple[str, int]:
    """Show and save the signed-in person's matching profile."""
    engine, user = get_store().engine, g.user
    form = ProfileForm()
    if not form.is_submitted():
        form.fill(get_profile(engine, user), alerts_enabled(engine, user.id))
    elif form.validate():
        save_profile(engine, user.id, form.to_profile(user.email, user.name), now=get_now())
        set_alerts_enabled(engine, user.id, bool(form.alerts.data), now=get_now())
        flash("Profile saved. Your matches are updated.", "info")
        return redirect(url_for("profile.edit"))
    else:
        return _page(form, CvForm()), 400
    return _page(form, CvForm())


@bp.post("/profile/cv")
@login_required
def propose() -> str | tuple[str, int]:
    """Propose keywords from a pasted CV; nothing is saved until the profile form is."""
    engine, user = get_store().engine, g.user
    cv_form = CvForm()
    form = ProfileForm(formdata=None)
    form.fill(get_profile(engine, user), alerts_enabled(engine, user.id))
    if not cv_form.validate_on_submit():
        return _page(form, cv_form), 400
    current = parse_keywords(form.keywords.data or "")
    known = {t.text.casefold() for t in current}
    proposed = [
        p
        for p in extract_key_phrases(cv_form.cv.data or "", CV_PROPOSALS)
        if p.casefold() not in known
    ]
    form.keywords.data = ", ".join(filter(None, [format_keywords(current), *proposed]))
    return _page(form, cv_form, proposed=proposed)


@bp.post("/profile/feed-links/reset")
@login_required
def reset_feeds() -> Response:
    """Issue new calendar and feed links; the old ones stop working at once."""
    reset_feed_links(get_store().engine, g.user.id)
    flash("New calendar and feed links issued: the old ones no longer work.", "info")
    return redirect(url_for("profile.edit") + "#feed-links-title")


def _page(form: ProfileForm, cv_form: CvForm, proposed: list[str] | None = None) -> str:
    return render_template("profile.html", form=form, cv_form=cv_form, proposed=proposed)


def _token_user(kind: str, token: str) -> tuple[Purpose, int]:
    purpose = _PURPOSES.get(kind)
    if purpose is None:
        abort(404)
    user_id = read_token(current_app.config["SECRET_KEY"], token, purpose)
    if user_id is None or get_user(get_store().engine, user_id) is None:
        abort(404)
    return purpose, user_id


@bp.get("/unsubscribe/<kind>/<token>")
def unsubscribe_confirm(kind: str, token: str) -> str:
    """Ask to confirm (a GET must not unsubscribe: link scanners follow every link)."""
    purpose, _user_id = _token_user(kind, token)
    return render_template("unsubscribe.html", purpose=purpose.value, done=False)


@bp.post("/unsubscribe/<kind>/<token>")
def unsubscribe(kind: str, token: str) -> str:
    """Unsubscribe without signing in: RFC 8058 one-click POST or the confirm button."""
    purpose, user_id = _token_user(kind, token)
    engine, now = get_store().engine, get_now()
    if purpose is Purpose.UNSUBSCRIBE_DIGEST:
        set_digest_frequency(engine, user_id, DigestFrequency.OFF, now=now)
    else:
        set_alerts_enabled(engine, user_id, False, now=now)
        turn_off_alerts(engine, user_id, now=now)
    return render_template("unsubscribe.html", purpose=purpose.value, done=True)


@bp.record_once
def _exempt_unsubscribe(state: BlueprintSetupState) -> None:
    # Mail clients POST the one-click unsubscribe with no session and no CSRF token
    # (RFC 8058); the signed token in the URL is the proof instead.
    csrf = state.app.extensions.get("csrf")
    if csrf is not None:
        csrf.exempt(unsubscribe)

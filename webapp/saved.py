"""Saved searches: save the search on screen, list, rename, change alerts, delete."""

from __future__ import annotations

from urllib.parse import urlencode

from flask import Blueprint, abort, flash, g, redirect, render_template, request, url_for
from werkzeug.wrappers.response import Response

from matching.profiles import DigestFrequency
from webapp.alerts import remember_current_results
from webapp.auth import login_required
from webapp.forms import parse_search_args, query_args
from webapp.personal_forms import ConfirmForm, EditSavedSearchForm, SaveSearchForm
from webapp.services import get_now, get_services, get_store
from webapp.stores.saved_searches import (
    SavedSearch,
    SavedSearchError,
    create_saved_search,
    delete_saved_search,
    get_saved_search,
    list_saved_searches,
    update_saved_search,
)

bp = Blueprint("saved", __name__)

FREQUENCY_WORDS = {
    DigestFrequency.OFF: "no e-mail",
    DigestFrequency.DAILY: "e-mail once a day when there are new results",
    DigestFrequency.WEEKLY: "e-mail once a week when there are new results",
}


def search_link(search: SavedSearch) -> str:
    """Return the search page URL that runs a saved search."""
    encoded = urlencode(list(search.query))
    return url_for("search.search") + (f"?{encoded}" if encoded else "")


@bp.post("/saved-searches")
@login_required
def create() -> Response:
    """Save the search whose arguments came with the form; alerts start from now."""
    form, now = SaveSearchForm(), get_now()
    pairs = [p for p in query_args(parse_search_args(request.form, now=now)) if p[0] != "page"]
    back = url_for("search.search") + (f"?{urlencode(pairs)}" if pairs else "")
    if not form.validate_on_submit():
        flash(_first_error(form) or "The search could not be saved.", "error")
        return redirect(back)
    frequency = DigestFrequency(form.frequency.data or DigestFrequency.WEEKLY)
    try:
        saved = create_saved_search(
            get_store().engine, g.user.id, form.name.data or "", pairs, frequency, now=now
        )
    except SavedSearchError as exc:
        flash(f"{exc}.", "error")
        return redirect(back)
    remember_current_results(get_services(), saved, now=now)
    flash(f"Saved “{saved.name}”: {FREQUENCY_WORDS[saved.frequency]}.", "info")
    return redirect(url_for("saved.index"))


def _first_error(form: SaveSearchForm | EditSavedSearchForm) -> str | None:
    for errors in form.errors.values():
        for error in errors:
            return str(error)
    return None


@bp.get("/saved-searches")
@login_required
def index() -> str:
    """List the person's saved searches."""
    searches = list_saved_searches(get_store().engine, g.user.id)
    return render_template(
        "saved_searches.html",
        searches=searches,
        search_link=search_link,
        words=FREQUENCY_WORDS,
        delete_form=ConfirmForm(),
    )


@bp.route("/saved-searches/<int:search_id>/edit", methods=["GET", "POST"])
@login_required
def edit(search_id: int) -> str | Response | tuple[str, int]:
    """Rename a saved search or change how often it sends e-mail."""
    engine = get_store().engine
    saved = get_saved_search(engine, g.user.id, search_id)
    if saved is None:
        abort(404)
    form = EditSavedSearchForm(data={"name": saved.name, "frequency": saved.frequency.value})
    if form.validate_on_submit():
        frequency = DigestFrequency(form.frequency.data or DigestFrequency.OFF)
        name = form.name.data or ""
        update_saved_search(
            engine, g.user.id, search_id, name=name, frequency=frequency, now=get_now()
        )
        flash(f"Saved “{' '.join(name.split())}”: {FREQUENCY_WORDS[frequency]}.", "info")
        return redirect(url_for("saved.index"))
    status = 400 if form.is_submitted() else 200
    page = render_template(
        "saved_search_edit.html", form=form, saved=saved, link=search_link(saved)
    )
    return page, status


@bp.post("/saved-searches/<int:search_id>/delete")
@login_required
def delete(search_id: int) -> Response:
    """Delete a saved search (and stop its alerts)."""
    if not ConfirmForm().validate_on_submit():
        abort(400)
    if not delete_saved_search(get_store().engine, g.user.id, search_id):
        abort(404)
    flash("Saved search deleted; it sends no more e-mail.", "info")
    return redirect(url_for("saved.index"))

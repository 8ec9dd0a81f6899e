"""The page of one call: every field, its deadlines in two time zones, history, similar calls."""

from __future__ import annotations

import logging

from flask import Blueprint, abort, render_template

from webapp.services import get_backend, get_institution, get_now, get_store

logger = logging.getLogger(__name__)

bp = Blueprint("opportunity", __name__)

SIMILAR_LIMIT = 5
HISTORY_LIMIT = 50


@bp.get("/opportunities/<path:opportunity_id>")
def detail(opportunity_id: str) -> str:
    """Show one call; 404 when the id is unknown."""
    opp = get_store().get(opportunity_id)
    if opp is None:
        abort(404)
    try:
        similar = list(get_backend().similar(opp.id, limit=SIMILAR_LIMIT))
    except Exception:
        # "Similar calls" is an extra: a search index that is down must not hide the call.
        logger.exception("similar calls unavailable for %s", opp.id)
        similar = []
    changes = get_store().changes(opportunity_ids=[opp.id], limit=HISTORY_LIMIT)
    now = get_now()
    return render_template(
        "opportunity.html",
        opp=opp,
        next_deadline=opp.next_deadline(now),
        similar=similar,
        changes=changes,
        now=now,
        tz=get_institution().tz,
    )

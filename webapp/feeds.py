"""Feeds: a person's deadline calendar and matches as RSS (token URLs), and RSS for any search.

Calendar apps and feed readers cannot sign in, so the personal feeds are reached by a
signed token naming the person (``webapp.tokens``, purpose "feed"). A token that does not
verify, or names a person who no longer exists or was deactivated, gets a plain 404.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import replace
from urllib.parse import urlencode, urlsplit

from flask import Blueprint, Response, abort, current_app, g, request, url_for

from indexer.backend import SortOrder
from indexer.records import Opportunity
from matching.scoring import Match
from webapp.forms import parse_search_args, query_args
from webapp.ical import deadline_events, render_calendar
from webapp.notify import compute_matches
from webapp.rss import FeedChannel, FeedItem, render_rss
from webapp.services import get_now, get_services, get_settings, get_store, search_or_503
from webapp.stores.follows import followed_ids
from webapp.stores.users import User, get_user
from webapp.tokens import Purpose, make_token, read_claims
from webapp.views_util import format_datetime

bp = Blueprint("feeds", __name__, url_prefix="/feeds")

MATCH_LIMIT = 50
SEARCH_FEED_SIZE = 50
# Personal feeds name a person's interests: keep them out of shared caches and search engines.
PRIVATE_HEADERS = {"Cache-Control": "private, max-age=900", "X-Robots-Tag": "noindex"}


def feed_token(user: User) -> str:
    """Return the signed token of one person's feeds (valid until they reset their links)."""
    return make_token(
        current_app.config["SECRET_KEY"], user.id, Purpose.FEED, version=user.feed_version
    )


def _feed_user(token: str) -> User:
    claims = read_claims(current_app.config["SECRET_KEY"], token, Purpose.FEED)
    user = get_user(get_store().engine, claims[0]) if claims is not None else None
    if user is None or not user.active or claims is None or claims[1] != user.feed_version:
        abort(404)
    return user


def _page_url(opportunity_id: str) -> str:
    return url_for("opportunity.detail", opportunity_id=opportunity_id, _external=True)


def _matches(user: User) -> list[Match]:
    return compute_matches(get_services(), user, now=get_now(), limit=MATCH_LIMIT)


def _calendar_calls(user: User) -> list[Opportunity]:
    """Return the followed calls, then the matched ones, each once."""
    followed = get_store().get_many(sorted(followed_ids(get_store().engine, user.id)))
    calls = {opp.id: opp for opp in followed}
    for match in _matches(user):
        calls.setdefault(match.id, match.opportunity)
    return list(calls.values())


@bp.get("/<token>/calendar.ics")
def calendar(token: str) -> Response:
    """Return the deadlines of a person's followed and matched calls as iCalendar."""
    user = _feed_user(token)
    domain = urlsplit(get_settings().base_url).hostname or "grantradar"
    events = deadline_events(
        _calendar_calls(user), page_url=_page_url, domain=domain, stamp=get_now()
    )
    body = render_calendar(events, name="GrantRadar deadlines")
    response = Response(body, mimetype="text/calendar")
    response.headers.update(PRIVATE_HEADERS)
    response.headers["Content-Disposition"] = 'inline; filename="grantradar.ics"'
    return response


def _deadline_text(opp: Opportunity) -> str:
    deadline = opp.next_deadline(get_now())
    if deadline is None:
        return "No upcoming deadline."
    return f"Next deadline: {format_datetime(deadline.at, get_services().institution.tz)}."


def _call_item(opp: Opportunity, reasons: Sequence[str] = ()) -> FeedItem:
    link = _page_url(opp.id)
    why = f"Why: {'; '.join(reasons)}." if reasons else ""
    return FeedItem(
        title=opp.title,
        link=link,
        description="\n".join(p for p in (why, _deadline_text(opp), opp.summary) if p),
        guid=link,
        published=opp.first_seen or opp.posted_at,
        categories=tuple(c for c in (opp.funder, opp.programme) if c),
    )


def _rss_response(channel: FeedChannel, items: Iterable[FeedItem], private: bool) -> Response:
    response = Response(render_rss(channel, items), mimetype="application/rss+xml")
    if private:
        response.headers.update(PRIVATE_HEADERS)
    return response


@bp.get("/<token>/matches.rss")
def matches(token: str) -> Response:
    """Return a person's ranked matches as RSS 2.0."""
    user = _feed_user(token)
    channel = FeedChannel(
        title="GrantRadar: your matching calls",
        link=url_for("matches.index", _external=True),
        description="Funding calls that fit your profile, best first.",
        self_url=request.base_url,
        built_at=get_now(),
    )
    items = [_call_item(m.opportunity, m.reasons) for m in _matches(user)]
    return _rss_response(channel, items, private=True)


@bp.get("/search.rss")
def search() -> Response:
    """Return the newest results of any search as RSS 2.0 (same arguments as the page)."""
    query = parse_search_args(request.args, now=get_now(), per_page=SEARCH_FEED_SIZE)
    # A feed reader wants what is new; an explicit sort argument still wins.
    query = replace(query, page=1, sort=query.sort if "sort" in request.args else SortOrder.NEWEST)
    page = search_or_503(query)
    pairs = [p for p in query_args(query) if p[0] != "sort" or "sort" in request.args]
    search_url = url_for("search.search", _external=True)
    channel = FeedChannel(
        title=f"GrantRadar: {query.text}" if query.text else "GrantRadar: funding calls",
        link=f"{search_url}?{urlencode(pairs)}" if pairs else search_url,
        description="Funding calls matching a saved GrantRadar search, newest first.",
        self_url=request.url,
        built_at=get_now(),
    )
    records = get_store().get_many(hit.id for hit in page.hits)
    return _rss_response(channel, [_call_item(opp) for opp in records], private=False)


@bp.app_template_global("personal_feed_links")
def personal_feed_links() -> dict[str, str] | None:
    """Return the signed-in person's calendar and RSS feed URLs (None when signed out)."""
    user = g.get("user")
    if user is None:
        return None
    token = feed_token(user)
    ics = url_for("feeds.calendar", token=token, _external=True)
    return {
        "calendar": ics,
        "webcal": "webcal://" + ics.split("://", 1)[1],
        "rss": url_for("feeds.matches", token=token, _external=True),
    }

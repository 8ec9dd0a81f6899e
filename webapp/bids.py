"""Consortium bids: dashboard, bid page, create/edit, consortium members, progress (staff edit)."""

from __future__ import annotations

from dataclasses import replace
from typing import NamedTuple

from flask import Blueprint, abort, flash, g, redirect, render_template, request, url_for
from werkzeug.wrappers.response import Response
from wtforms import SelectChoice

from webapp.auth import login_required, role_required
from webapp.bid_forms import BidForm, BidPartnerForm, format_checklist
from webapp.bid_view import bid_view, dashboard
from webapp.personal_forms import ConfirmForm
from webapp.services import get_now, get_services, get_store
from webapp.stores.bids import (
    DEFAULT_CHECKLIST,
    Bid,
    BidError,
    BidInput,
    ChecklistItem,
    add_bid_partner,
    create_bid,
    get_bid,
    remove_bid_partner,
    update_bid,
)
from webapp.stores.partners import get_partner, list_partners
from webapp.stores.users import Role, get_user

bp = Blueprint("bids", __name__)

STAFF = (Role.STAFF, Role.ADMIN)


def _is_staff() -> bool:
    return g.user is not None and g.user.role in STAFF


def _visible_bid(bid_id: int) -> Bid:
    """Return the bid when the current person may see it (staff: all; faculty: theirs)."""
    bid = get_bid(get_store().engine, bid_id)
    if bid is None:
        abort(404)
    if not _is_staff() and not bid.involves(g.user.id):
        abort(403)
    return bid


@bp.get("/bids")
@login_required
def index() -> str:
    """List every open bid (faculty: the bids they are on) by next deadline."""
    rows = dashboard(get_services(), now=get_now(), user_id=None if _is_staff() else g.user.id)
    return render_template("bids.html", rows=rows, now=get_now(), is_staff=_is_staff())


@bp.get("/bids/<int:bid_id>")
@login_required
def detail(bid_id: int) -> str:
    """Show a bid: deadlines, composition check, suggested partners, milestones."""
    services = get_services()
    view = bid_view(services, _visible_bid(bid_id), now=get_now())
    engine = services.store.engine
    lead = get_user(engine, view.bid.lead_user_id) if view.bid.lead_user_id else None
    team = [u for u in (get_user(engine, i) for i in view.bid.team) if u is not None]
    partner_form = BidPartnerForm()
    partner_form.partner_id.choices = _registry_choices()
    return render_template(
        "bid.html", view=view, lead=lead, team=team, now=get_now(),
        tz=services.institution.tz, is_staff=_is_staff(), partner_form=partner_form,
        confirm_form=ConfirmForm(),
    )  # fmt: skip


def _registry_choices() -> list[SelectChoice]:
    found = list_partners(get_store().engine)
    return [
        SelectChoice("0", "— choose a partner —"),
        *(SelectChoice(str(p.id), f"{p.name} ({p.country})") for p in found),
    ]


@bp.route("/bids/new", methods=["GET", "POST"])
@role_required(*STAFF)
def new() -> str | Response | tuple[str, int]:
    """Start a bid for a call (the call id comes from the call page's button)."""
    opp_id = request.args.get("opportunity_id", "")
    opp = get_store().get(opp_id) if opp_id else None
    initial = {"opportunity_id": opp_id, "lead_email": g.user.email}
    if opp is not None:
        initial["title"] = opp.title[:300]
    form = BidForm(data={**initial, "checklist": format_checklist(_default_checklist())})
    return _save(form, None)


def _default_checklist() -> tuple[ChecklistItem, ...]:
    return tuple(ChecklistItem(t) for t in DEFAULT_CHECKLIST)


def _save(form: BidForm, bid: Bid | None) -> str | Response | tuple[str, int]:
    engine, now = get_store().engine, get_now()
    if form.validate_on_submit():
        if get_store().get((form.opportunity_id.data or "").strip()) is None:
            form.opportunity_id.errors = ["No call with this id is stored."]
        done = bid.milestones_done if bid is not None else frozenset()
        data = form.to_input(engine, done) if not form.opportunity_id.errors else None
        if data is not None:
            if bid is None:
                bid_id = create_bid(engine, data, now=now)
            else:
                update_bid(engine, bid.id, data, now=now)
                bid_id = bid.id
            flash(f"Saved the bid “{data.title}”.", "info")
            return redirect(url_for("bids.detail", bid_id=bid_id))
    page = render_template("bid_edit.html", form=form, bid=bid)
    return page, 400 if form.is_submitted() else 200


@bp.route("/bids/<int:bid_id>/edit", methods=["GET", "POST"])
@role_required(*STAFF)
def edit(bid_id: int) -> str | Response | tuple[str, int]:
    """Edit a bid's call, lead, team, role, status, notes and checklist."""
    bid = _visible_bid(bid_id)
    lead = get_user(get_store().engine, bid.lead_user_id) if bid.lead_user_id else None
    team = [u.email for u in (get_user(get_store().engine, i) for i in bid.team) if u]
    form = BidForm(
        data={
            "title": bid.title, "opportunity_id": bid.opportunity_id,
            "lead_email": lead.email if lead else "", "team_emails": ", ".join(team),
            "our_role": bid.our_role.value, "status": bid.status.value, "notes": bid.notes,
            "checklist": format_checklist(bid.checklist),
        }
    )  # fmt: skip
    return _save(form, bid)


@bp.post("/bids/<int:bid_id>/partners")
@role_required(*STAFF)
def add_member(bid_id: int) -> Response:
    """Add a registry partner or a free-text organisation to the consortium."""
    bid = _visible_bid(bid_id)
    form = BidPartnerForm()
    form.partner_id.choices = _registry_choices()
    back = redirect(url_for("bids.detail", bid_id=bid.id) + "#consortium")
    if not form.validate_on_submit():
        flash("Choose a partner from the registry, or name an organisation.", "error")
        return back
    member = _member_from(form)
    if isinstance(member, str):
        flash(member, "error")
        return back
    try:
        add_bid_partner(
            get_store().engine, bid.id, name=member.name, country=member.country,
            kind=member.kind, partner_id=member.partner_id, now=get_now(),
        )  # fmt: skip
    except BidError as exc:
        flash(f"{exc}.", "error")
        return back
    flash(f"Added {member.name} to the consortium.", "info")
    return back


class NewMember(NamedTuple):
    """An organisation about to join a consortium."""

    name: str
    country: str
    kind: str
    partner_id: int | None


def _member_from(form: BidPartnerForm) -> NewMember | str:
    """Return the new member's fields, or the error to show."""
    if form.partner_id.data:
        partner = get_partner(get_store().engine, form.partner_id.data)
        if partner is None:
            return "That partner is no longer in the registry."
        return NewMember(partner.name, partner.country, partner.kind, partner.id)
    name = " ".join((form.name.data or "").split())
    country = (form.country.data or "").strip().upper()
    if not name or len(country) != 2 or not country.isalpha():
        return "Name the organisation and give its country as a two-letter code (e.g. DE)."
    return NewMember(name, country, form.kind.data or "hei", None)


@bp.post("/bids/<int:bid_id>/partners/<int:member_id>/remove")
@role_required(*STAFF)
def remove_member(bid_id: int, member_id: int) -> Response:
    """Take an organisation out of the consortium."""
    if not ConfirmForm().validate_on_submit():
        abort(400)
    if not remove_bid_partner(get_store().engine, bid_id, member_id, now=get_now()):
        abort(404)
    flash("Removed from the consortium.", "info")
    return redirect(url_for("bids.detail", bid_id=bid_id) + "#consortium")


@bp.post("/bids/<int:bid_id>/progress")
@role_required(*STAFF)
def progress(bid_id: int) -> Response:
    """Tick checklist items and milestones done (the boxes on the bid page)."""
    if not ConfirmForm().validate_on_submit():
        abort(400)
    bid = _visible_bid(bid_id)
    ticked = set(request.form.getlist("item"))
    checklist = tuple(replace(item, done=str(n) in ticked) for n, item in enumerate(bid.checklist))
    done = frozenset(k[:40] for k in request.form.getlist("milestone")[:20])
    _store_progress(bid, checklist, done)
    flash("Progress saved.", "info")
    return redirect(url_for("bids.detail", bid_id=bid_id))


def _store_progress(bid: Bid, checklist: tuple[ChecklistItem, ...], done: frozenset[str]) -> None:
    data = BidInput(
        opportunity_id=bid.opportunity_id, title=bid.title, lead_user_id=bid.lead_user_id,
        our_role=bid.our_role, status=bid.status, notes=bid.notes, checklist=checklist,
        team=bid.team, milestones_done=done,
    )  # fmt: skip
    update_bid(get_store().engine, bid.id, data, now=get_now())

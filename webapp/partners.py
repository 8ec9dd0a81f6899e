"""The MoU partner registry pages: list and filter (everyone signed in), edit and import (staff)."""

from __future__ import annotations

from collections.abc import Callable

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from werkzeug.wrappers.response import Response as BaseResponse

from matching.partners import Partner
from webapp.auth import login_required, role_required
from webapp.bid_forms import ImportForm, PartnerForm
from webapp.bid_view import registry_filter
from webapp.matchmaking import local_today
from webapp.partners_csv import parse_partners_csv, partners_csv
from webapp.personal_forms import ConfirmForm
from webapp.services import get_now, get_services, get_store
from webapp.stores.partners import (
    PartnerError,
    PartnerFilter,
    add_partner,
    get_partner,
    import_partners,
    list_partners,
    partner_countries,
    set_partner_active,
    update_partner,
)
from webapp.stores.users import Role

bp = Blueprint("partners", __name__)

STAFF = (Role.STAFF, Role.ADMIN)
MAX_UPLOAD = 2_000_000


@bp.get("/partners")
@login_required
def index() -> str:
    """List the registry, filtered by country, area and MoU in force."""
    args = request.args
    filters = registry_filter(
        args.get("country", ""), args.get("area", ""), args.get("active") == "1"
    )
    today = local_today(get_services(), get_now())
    found = list_partners(get_store().engine, filters, today=today)
    return render_template(
        "partners.html",
        partners=found,
        filters=filters,
        countries=partner_countries(get_store().engine),
        today=today,
        confirm_form=ConfirmForm(),
    )


@bp.route("/partners/new", methods=["GET", "POST"])
@role_required(*STAFF)
def new() -> str | BaseResponse | tuple[str, int]:
    """Add a partner to the registry."""
    return _save(
        PartnerForm(), None, "Added", lambda p: add_partner(get_store().engine, p, now=get_now())
    )


@bp.route("/partners/<int:partner_id>/edit", methods=["GET", "POST"])
@role_required(*STAFF)
def edit(partner_id: int) -> str | BaseResponse | tuple[str, int]:
    """Change a partner's details."""
    engine = get_store().engine
    current = get_partner(engine, partner_id)
    if current is None:
        abort(404)
    form = PartnerForm(data=_form_data(current))
    return _save(
        form, current, "Saved", lambda p: update_partner(engine, partner_id, p, now=get_now())
    )


def _save(
    form: PartnerForm, current: Partner | None, done: str, store: Callable[[Partner], object]
) -> str | BaseResponse | tuple[str, int]:
    """Store a valid form and go back to the registry; otherwise show the form again."""
    if form.validate_on_submit() and (partner := form.to_partner()) is not None:
        try:
            store(partner)
        except PartnerError as exc:
            form.form_errors.append(f"{exc}.")
        else:
            flash(f"{done} {partner.name}.", "info")
            return redirect(url_for("partners.index"))
    page = render_template("partner_edit.html", form=form, partner=current)
    return page, 400 if form.is_submitted() else 200


def _form_data(partner: Partner) -> dict[str, object]:
    data = {k: getattr(partner, k) for k in ("name", "country", "city", "contact", "kind")}
    return {
        **data,
        "areas": "; ".join(partner.areas),
        "mou_since": partner.mou_since,
        "mou_until": partner.mou_until,
        "erasmus_icm": partner.erasmus_icm,
    }


@bp.post("/partners/<int:partner_id>/<any(deactivate, activate):action>")
@role_required(*STAFF)
def set_active(partner_id: int, action: str) -> BaseResponse:
    """Deactivate a partner (kept for old bids, left out of lists and suggestions) or undo it."""
    if not ConfirmForm().validate_on_submit():
        abort(400)
    if not set_partner_active(get_store().engine, partner_id, action == "activate", now=get_now()):
        abort(404)
    flash("Partner reactivated." if action == "activate" else "Partner deactivated.", "info")
    return redirect(url_for("partners.index"))


@bp.route("/partners/import", methods=["GET", "POST"])
@role_required(*STAFF)
def import_csv() -> str | tuple[str, int]:
    """Import a registry CSV and report the rows accepted and rejected, with reasons."""
    form = ImportForm()
    if not form.validate_on_submit():
        page = render_template("partners_import.html", form=form, report=None)
        return page, 400 if form.is_submitted() else 200
    raw = form.file.data.read(MAX_UPLOAD + 1)
    if len(raw) > MAX_UPLOAD:
        form.file.errors = ["The file is larger than 2 MB."]
        return render_template("partners_import.html", form=form, report=None), 400
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        form.file.errors = ["The file is not UTF-8 text: save it as “CSV UTF-8”."]
        return render_template("partners_import.html", form=form, report=None), 400
    parsed = parse_partners_csv(text)
    report = import_partners(
        get_store().engine, parsed.partners, now=get_now(), rejected=parsed.rejected
    )
    return render_template("partners_import.html", form=ImportForm(formdata=None), report=report)


@bp.get("/partners/export.csv")
@login_required
def export_csv() -> Response:
    """Download the active registry in the import format."""
    body = partners_csv(list_partners(get_store().engine, PartnerFilter()))
    return Response(
        body,
        mimetype="text/csv",
        headers={"Content-Disposition": 'attachment; filename="partners.csv"'},
    )

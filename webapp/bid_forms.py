"""Forms of the partner registry and the bid pages, and their conversion to store inputs."""

from __future__ import annotations

from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from sqlalchemy import Engine
from wtforms import (
    BooleanField,
    DateField,
    RadioField,
    SelectChoice,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, Optional

from matching.partners import Partner
from webapp.partners_csv import KINDS, PartnerRowError, partner_from_row
from webapp.stores.bids import BidInput, BidStatus, ChecklistItem, OurRole
from webapp.stores.users import get_user_by_email

KIND_CHOICES = [
    SelectChoice(k, k.upper() if k in ("hei", "ngo") else k.capitalize()) for k in KINDS
]
STATUS_CHOICES = [SelectChoice(s.value, s.value.capitalize()) for s in BidStatus]
ROLE_CHOICES = [
    SelectChoice(OurRole.COORDINATOR.value, "Coordinator (we lead the consortium)"),
    SelectChoice(OurRole.PARTNER.value, "Partner (we join a consortium)"),
]
MAX_CHECKLIST = 40
DONE_MARK = "[x]"


class PartnerForm(FlaskForm):
    """Add or edit one registry partner."""

    name = StringField("Institution name", validators=[DataRequired(), Length(max=300)])
    country = StringField(
        "Country", validators=[DataRequired(), Length(max=2)], description="ISO code, e.g. DE"
    )
    city = StringField("City", validators=[Length(max=200)])
    mou_since = DateField("MoU signed", validators=[Optional()])
    mou_until = DateField(
        "MoU ends", validators=[Optional()], description="Leave empty for an open-ended MoU"
    )
    areas = TextAreaField(
        "Areas", validators=[Length(max=3000)], description="Separated by ';', e.g. irrigation"
    )
    contact = StringField("Contact", validators=[Length(max=500)])
    erasmus_icm = BooleanField("Erasmus+ credit mobility (ICM) partner")
    kind = SelectField("Kind of organisation", choices=KIND_CHOICES, default="hei")
    submit = SubmitField("Save partner")

    def to_partner(self) -> Partner | None:
        """Return the validated partner, or None after adding the error to the form."""
        row = {
            "name": self.name.data or "",
            "country": self.country.data or "",
            "city": self.city.data or "",
            "mou_since": self.mou_since.data.isoformat() if self.mou_since.data else "",
            "mou_until": self.mou_until.data.isoformat() if self.mou_until.data else "",
            "areas": self.areas.data or "",
            "contact": self.contact.data or "",
            "erasmus_icm": "yes" if self.erasmus_icm.data else "no",
            "kind": self.kind.data or "hei",
        }
        try:
            return partner_from_row(row)
        except PartnerRowError as exc:
            self.form_errors.append(f"{str(exc)[:1].upper()}{str(exc)[1:]}.")
            return None


class ImportForm(FlaskForm):
    """Upload a registry CSV."""

    file = FileField("CSV file", validators=[FileRequired("Choose a CSV file to import.")])
    submit = SubmitField("Import")


class BidForm(FlaskForm):
    """Create or edit a bid."""

    title = StringField("Working title", validators=[DataRequired(), Length(max=300)])
    opportunity_id = StringField("Call id", validators=[DataRequired(), Length(max=512)])
    lead_email = StringField("Lead person (e-mail)", validators=[DataRequired(), Length(max=320)])
    team_emails = StringField(
        "Team (e-mails)", validators=[Length(max=2000)], description="Comma-separated"
    )
    our_role = RadioField("Our role", choices=ROLE_CHOICES, default="coordinator")
    status = SelectField("Status", choices=STATUS_CHOICES, default="idea")
    notes = TextAreaField("Notes", validators=[Length(max=10_000)])
    checklist = TextAreaField(
        "Documents checklist",
        validators=[Length(max=8000)],
        description=f"One item per line; start a line with {DONE_MARK} when it is done",
    )
    submit = SubmitField("Save bid")

    def to_input(self, engine: Engine, milestones_done: frozenset[str]) -> BidInput | None:
        """Return the bid fields, or None after adding errors (unknown people, long lists)."""
        lead = get_user_by_email(engine, self.lead_email.data or "")
        if lead is None or not lead.active:
            self.lead_email.errors = [
                *self.lead_email.errors,
                "No active account has this address.",
            ]
        team, unknown = [], []
        for email in filter(None, (e.strip() for e in (self.team_emails.data or "").split(","))):
            user = get_user_by_email(engine, email)
            (team.append(user.id) if user is not None else unknown.append(email))
        if unknown:
            self.team_emails.errors = [
                *self.team_emails.errors,
                f"No account: {', '.join(unknown)}.",
            ]
        items = parse_checklist(self.checklist.data or "")
        if len(items) > MAX_CHECKLIST:
            self.checklist.errors = [*self.checklist.errors, f"At most {MAX_CHECKLIST} items."]
        if lead is None or unknown or len(items) > MAX_CHECKLIST:
            return None
        return BidInput(
            opportunity_id=(self.opportunity_id.data or "").strip(),
            title=" ".join((self.title.data or "").split()),
            lead_user_id=lead.id,
            our_role=OurRole(self.our_role.data or OurRole.COORDINATOR),
            status=BidStatus(self.status.data or BidStatus.IDEA),
            notes=self.notes.data or "",
            checklist=tuple(items),
            team=tuple(team),
            milestones_done=milestones_done,
        )


class BidPartnerForm(FlaskForm):
    """Add a registry partner, or a free-text organisation with its country, to a bid."""

    partner_id = SelectField("From the registry", coerce=int, validate_choice=True, choices=[])
    name = StringField("Or another organisation", validators=[Length(max=300)])
    country = StringField("Its country (ISO code)", validators=[Length(max=2)])
    kind = SelectField("Kind", choices=KIND_CHOICES, default="hei")
    submit = SubmitField("Add to the consortium")


def parse_checklist(text: str) -> list[ChecklistItem]:
    """Read checklist lines; a leading ``[x]`` marks an item done."""
    items = []
    for line in text.splitlines():
        item = " ".join(line.split())
        done = item.lower().startswith(DONE_MARK)
        item = item[len(DONE_MARK) :].strip() if done else item.removeprefix("[ ]").strip()
        if item:
            items.append(ChecklistItem(item[:300], done))
    return items


def format_checklist(items: tuple[ChecklistItem, ...]) -> str:
    """Write checklist items as the edit form's lines."""
    return "\n".join(f"{DONE_MARK} {i.text}" if i.done else i.text for i in items)

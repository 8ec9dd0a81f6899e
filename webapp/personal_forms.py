"""Forms of the personal pages: profile, CV box, saved searches, follow/mute buttons."""

from __future__ import annotations

import re
from typing import Any

from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    Field,
    HiddenField,
    RadioField,
    SelectChoice,
    SelectMultipleField,
    StringField,
    SubmitField,
    TextAreaField,
    ValidationError,
)
from wtforms.validators import DataRequired, Length

from indexer.records import OpportunityKind
from matching import fos
from matching.profiles import (
    DigestFrequency,
    Profile,
    Role,
    format_keywords,
    parse_keywords,
    profile_from_dict,
)

MAX_WEIGHT = 10.0
MAX_KEYWORDS_TEXT = 4000
MAX_CV_TEXT = 60_000
_LANGUAGE = re.compile(r"^[a-z]{2}$")

FREQUENCY_CHOICES = [
    SelectChoice(DigestFrequency.OFF.value, "Off"),
    SelectChoice(DigestFrequency.DAILY.value, "Daily"),
    SelectChoice(DigestFrequency.WEEKLY.value, "Weekly"),
]
ROLE_CHOICES = [
    SelectChoice(Role.COORDINATOR.value, "Coordinator (we lead the bid)"),
    SelectChoice(Role.PARTNER.value, "Partner (we join a consortium)"),
]
KIND_CHOICES = [
    SelectChoice(k.value, k.value.replace("_", " ").capitalize()) for k in OpportunityKind
]
DISCIPLINE_CHOICES = [SelectChoice(f.code, f"{f.code} {f.name}") for f in fos.SUBFIELDS]


def _split(text: str | None) -> list[str]:
    return [part.strip() for part in (text or "").split(",") if part.strip()]


class ProfileForm(FlaskForm):
    """Everything a person tells GrantRadar about what they are looking for."""

    keywords = TextAreaField(
        "Keywords and phrases",
        validators=[Length(max=MAX_KEYWORDS_TEXT)],
        description="Comma-separated. Quote phrases, add ^2 to weigh a term double: "
        'water management, irrigation^2, "climate adaptation"',
    )
    disciplines = SelectMultipleField(
        "Disciplines (OECD Fields of Science)", choices=DISCIPLINE_CHOICES
    )
    kinds = SelectMultipleField("Preferred kinds of call", choices=KIND_CHOICES)
    programmes = StringField(
        "Preferred programmes",
        validators=[Length(max=500)],
        description="Comma-separated, e.g. Erasmus+, Horizon Europe",
    )
    roles = SelectMultipleField("Roles you can take", choices=ROLE_CHOICES)
    languages = StringField(
        "Languages you write proposals in",
        validators=[Length(max=100)],
        description="ISO 639-1 codes, comma-separated, e.g. en, ru",
    )
    department = StringField("Department", validators=[Length(max=200)])
    digest = RadioField("Digest e-mail", choices=FREQUENCY_CHOICES, default="weekly")
    alerts = BooleanField("E-mail me alerts for my saved searches and the calls I follow")
    submit = SubmitField("Save profile")

    def validate_keywords(self, field: Field) -> None:
        """Reject text with no usable term and weights outside 0-10."""
        text = (field.data or "").strip()
        if not text:
            return
        terms = parse_keywords(text)
        if not terms:
            raise ValidationError("No keyword found: separate keywords with commas.")
        heavy = [t.text for t in terms if t.weight > MAX_WEIGHT]
        if heavy:
            raise ValidationError(f"Weights go up to {MAX_WEIGHT:g}: check {', '.join(heavy)}.")

    def validate_roles(self, field: Field) -> None:
        """Require at least one role."""
        if not field.data:
            raise ValidationError("Choose at least one role.")

    def validate_languages(self, field: Field) -> None:
        """Accept two-letter language codes only."""
        bad = [code for code in _split(field.data) if not _LANGUAGE.match(code.lower())]
        if bad:
            raise ValidationError(f"Use two-letter codes such as en or ru, not {', '.join(bad)}.")

    def fill(self, profile: Profile, alerts: bool) -> None:
        """Show a stored profile in the form."""
        self.keywords.data = format_keywords(profile.terms)
        self.disciplines.data = list(profile.disciplines)
        self.kinds.data = [k.value for k in profile.kinds]
        self.programmes.data = ", ".join(profile.programmes)
        self.roles.data = [r.value for r in profile.roles]
        self.languages.data = ", ".join(profile.languages)
        self.department.data = profile.department
        self.digest.data = profile.digest.value
        self.alerts.data = alerts

    def to_profile(self, email: str, name: str) -> Profile:
        """Return the profile the form describes (call after validation)."""
        data: dict[str, Any] = {
            "email": email,
            "name": name,
            "keywords": self.keywords.data or "",
            "disciplines": self.disciplines.data or [],
            "kinds": self.kinds.data or [],
            "programmes": _split(self.programmes.data),
            "roles": self.roles.data or [],
            "languages": [c.lower() for c in _split(self.languages.data)],
            "department": (self.department.data or "").strip(),
            "digest": self.digest.data or DigestFrequency.WEEKLY.value,
        }
        return profile_from_dict(data)


class CvForm(FlaskForm):
    """A pasted CV or publication list to propose keywords from."""

    cv = TextAreaField(
        "Paste your CV or publication list",
        validators=[DataRequired("Paste some text first."), Length(max=MAX_CV_TEXT)],
    )
    submit = SubmitField("Propose keywords")


class SaveSearchForm(FlaskForm):
    """Name and alert frequency of a search being saved (the query comes as hidden fields)."""

    name = StringField(
        "Name", validators=[DataRequired("Give the search a name."), Length(max=200)]
    )
    frequency = RadioField("E-mail alerts", choices=FREQUENCY_CHOICES, default="weekly")
    submit = SubmitField("Save this search")


class EditSavedSearchForm(FlaskForm):
    """Rename a saved search or change how often it sends e-mail."""

    name = StringField(
        "Name", validators=[DataRequired("Give the search a name."), Length(max=200)]
    )
    frequency = RadioField("E-mail alerts", choices=FREQUENCY_CHOICES)
    submit = SubmitField("Save changes")


class CallActionForm(FlaskForm):
    """Follow, unfollow, mute or unmute one call."""

    opportunity_id = HiddenField(validators=[DataRequired(), Length(max=512)])
    next = HiddenField()


class ConfirmForm(FlaskForm):
    """A bare POST with a CSRF token (delete buttons)."""

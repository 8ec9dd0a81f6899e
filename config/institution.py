"""Load the institution GrantRadar serves (name, country, time zone, digest schedule)."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

DEFAULT_INSTITUTION_PATH = Path(__file__).resolve().parent / "institution.toml"


class InstitutionError(ValueError):
    """The institution file is unreadable or one of its values is invalid."""


@dataclass(frozen=True, slots=True)
class Institution:
    """The deploying institution; everything institution-specific comes from here."""

    name: str
    short_name: str
    country: str
    timezone: str
    city: str = ""
    languages: tuple[str, ...] = ("en",)
    digest_day: int = 1
    digest_hour: int = 8
    website: str = ""

    @property
    def tz(self) -> ZoneInfo:
        """Return the institution's time zone."""
        return ZoneInfo(self.timezone)


def _check(data: dict[str, Any]) -> list[str]:
    problems = [f"missing {k!r}" for k in ("name", "country", "timezone") if not data.get(k)]
    country = str(data.get("country", ""))
    if country and not (len(country) == 2 and country.isalpha()):
        problems.append(f"country {country!r} is not an ISO 3166 alpha-2 code")
    try:
        ZoneInfo(str(data.get("timezone") or "UTC"))
    except (ZoneInfoNotFoundError, ValueError):
        problems.append(f"unknown timezone {data.get('timezone')!r}")
    if not 1 <= int(data.get("digest_day", 1)) <= 7:
        problems.append("digest_day must be 1 (Monday) to 7 (Sunday)")
    if not 0 <= int(data.get("digest_hour", 8)) <= 23:
        problems.append("digest_hour must be 0 to 23")
    return problems


def load_institution(path: str | Path | None = None) -> Institution:
    """Read the institution file (default: ``config/institution.toml``).

    :raises InstitutionError: naming the file and every problem found.
    """
    path = Path(path) if path is not None else DEFAULT_INSTITUTION_PATH
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
        problems = _check(data)
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError, TypeError, ValueError) as exc:
        raise InstitutionError(f"{path}: cannot read institution: {exc}") from exc
    if problems:
        raise InstitutionError(f"{path}: {'; '.join(problems)}")
    return Institution(
        name=str(data["name"]),
        short_name=str(data.get("short_name") or data["name"]),
        country=str(data["country"]).upper(),
        timezone=str(data["timezone"]),
        city=str(data.get("city") or ""),
        languages=tuple(str(x) for x in data.get("languages", ["en"])),
        digest_day=int(data.get("digest_day", 1)),
        digest_hour=int(data.get("digest_hour", 8)),
        website=str(data.get("website") or ""),
    )

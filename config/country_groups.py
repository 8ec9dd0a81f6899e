"""Load the country groups (EU, Erasmus+ regions, Horizon Europe lists) from TOML."""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType

DEFAULT_COUNTRY_GROUPS_PATH = Path(__file__).resolve().parent / "country_groups.toml"
EVERY_COUNTRY = "*"


class CountryGroupsError(ValueError):
    """The country-groups file is unreadable or malformed."""


@dataclass(frozen=True, slots=True)
class CountryGroup:
    """One named list of countries, with where the list comes from."""

    key: str
    name: str
    members: frozenset[str]
    aliases: tuple[str, ...] = ()
    source: str = ""
    note: str = ""

    @property
    def is_universal(self) -> bool:
        """Return True for a group that contains every country (``ALL``)."""
        return EVERY_COUNTRY in self.members

    def __contains__(self, country: object) -> bool:
        return self.is_universal or (isinstance(country, str) and country.upper() in self.members)


@dataclass(frozen=True, slots=True)
class CountryGroups:
    """All groups and the names that denote each country in call texts."""

    groups: Mapping[str, CountryGroup]
    country_names: Mapping[str, tuple[str, ...]] = field(
        default_factory=lambda: MappingProxyType({})
    )

    def __getitem__(self, key: str) -> CountryGroup:
        return self.groups[key]

    def __contains__(self, key: object) -> bool:
        return key in self.groups

    def is_member(self, country: str, group: str) -> bool:
        """Return True when ``country`` (ISO code) belongs to ``group``; unknown groups: False."""
        found = self.groups.get(group)
        return found is not None and country in found

    def groups_of(self, country: str) -> tuple[str, ...]:
        """Return the keys of every non-universal group containing ``country``, sorted."""
        code = country.upper()
        return tuple(sorted(k for k, g in self.groups.items() if code in g.members))

    def name_of(self, country: str) -> str:
        """Return the English name of ``country`` (its code when unknown)."""
        names = self.country_names.get(country.upper())
        return names[0] if names else country.upper()


def _strings(value: object, where: str) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise CountryGroupsError(f"{where} must be a list of strings")
    return tuple(value)


def _group(key: str, table: object) -> CountryGroup:
    if not isinstance(table, dict):
        raise CountryGroupsError(f"group {key!r} must be a table")
    members = _strings(table.get("members"), f"group {key!r} members")
    bad = [m for m in members if m != EVERY_COUNTRY and not (len(m) == 2 and m.isupper())]
    if bad:
        raise CountryGroupsError(f"group {key!r}: not ISO 3166 alpha-2 codes: {bad}")
    return CountryGroup(
        key=key,
        name=str(table.get("name") or key),
        members=frozenset(members),
        aliases=_strings(table.get("aliases", []), f"group {key!r} aliases"),
        source=str(table.get("source") or ""),
        note=str(table.get("note") or ""),
    )


def load_country_groups(path: str | Path | None = None) -> CountryGroups:
    """Read the country groups file (default: ``config/country_groups.toml``).

    :raises CountryGroupsError: naming the file and the problem.
    """
    path = Path(path) if path is not None else DEFAULT_COUNTRY_GROUPS_PATH
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise CountryGroupsError(f"{path}: cannot read country groups: {exc}") from exc
    try:
        groups = {key: _group(key, table) for key, table in data.get("groups", {}).items()}
        names = {
            code.upper(): _strings(value, f"country {code!r}")
            for code, value in data.get("countries", {}).items()
        }
    except CountryGroupsError as exc:
        raise CountryGroupsError(f"{path}: {exc}") from exc
    return CountryGroups(MappingProxyType(groups), MappingProxyType(names))

"""Adapt configuration to matching's plain data and keep a ranked-call index per day.

Building a :class:`matching.index.CallIndex` tokenizes every live call, which is far too
slow to repeat on each page view; the index is cached per store state and local day and
shared by the matches page, the CLI and the digest job.
"""

from __future__ import annotations

import threading
import tomllib
from collections import OrderedDict
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import lru_cache
from pathlib import Path
from typing import Any

from config.institution import Institution as ConfigInstitution
from matching.eligibility import CountryGroups, Institution
from matching.index import CallIndex
from matching.profiles import Profile
from matching.scoring import Match
from webapp.services import Services
from webapp.stores.profiles import get_profile
from webapp.stores.users import User

LIVE_STATUSES = ("open", "forthcoming")
INDEX_TTL = timedelta(minutes=15)  # a safety net; the store state key catches most changes
_CACHE_SIZE = 4


@lru_cache(maxsize=8)
def _groups_file(path: Path) -> dict[str, Any]:
    # Read once per path: the groups, the country names and the institution all come from it.
    with path.open("rb") as fh:
        return tomllib.load(fh)


@lru_cache(maxsize=8)
def load_groups(path: Path) -> CountryGroups:
    """Read ``config/country_groups.toml`` into matching's CountryGroups."""
    return CountryGroups.from_mapping(_groups_file(path))


def _country_names(path: Path, country: str) -> tuple[str, ...]:
    names = _groups_file(path).get("countries", {}).get(country.upper(), [])
    return tuple(str(n) for n in names)


@lru_cache(maxsize=8)
def country_names(path: Path) -> dict[str, str]:
    """Return each ISO code's English name from ``country_groups.toml``."""
    table = _groups_file(path).get("countries", {})
    return {code: str(names[0]).rstrip("*") for code, names in table.items() if names}


@lru_cache(maxsize=8)
def matching_institution(institution: ConfigInstitution, groups_path: Path) -> Institution:
    """Return matching's view of the institution: country, zone, and the country's names."""
    names = _country_names(groups_path, institution.country)
    return Institution(
        country=institution.country,
        timezone=institution.timezone,
        name=institution.name,
        country_name=names[0].rstrip("*") if names else institution.country,
        country_aliases=names[1:],
    )


def local_today(services: Services, now: datetime) -> date:
    """Return the institution's calendar day at ``now``."""
    return now.astimezone(services.institution.tz).date()


@dataclass(slots=True)
class _Entry:
    index: CallIndex
    built_at: datetime


_cache: OrderedDict[tuple[object, ...], _Entry] = OrderedDict()
_lock = threading.Lock()


def _store_state(services: Services) -> tuple[object, ...]:
    # New calls change the count; updates and status refreshes write change rows.
    store = services.store
    newest = store.changes(limit=1)
    return (store.count(statuses=LIVE_STATUSES), newest[0].changed_at if newest else None)


def call_index(services: Services, now: datetime) -> CallIndex:
    """Return the index of live, enterable calls for the institution's day at ``now``."""
    today = local_today(services, now)
    settings = services.settings
    key = (
        settings.resolved_database_url(),
        services.institution,
        settings.country_groups,
        today,
        _store_state(services),
    )
    with _lock:
        entry = _cache.get(key)
        if entry is not None and now - entry.built_at < INDEX_TTL:
            _cache.move_to_end(key)
            return entry.index
    index = build_index(services, today)
    with _lock:
        _cache[key] = _Entry(index, now)
        while len(_cache) > _CACHE_SIZE:
            _cache.popitem(last=False)
    return index


def build_index(services: Services, today: date) -> CallIndex:
    """Prepare every open or forthcoming call in the store for ranking."""
    groups_path = Path(services.settings.country_groups)
    calls = (opp for batch in services.store.iter_batches(statuses=LIVE_STATUSES) for opp in batch)
    return CallIndex(
        calls,
        institution=matching_institution(services.institution, groups_path),
        groups=load_groups(groups_path),
        today=today,
    )


def rank_profile(
    services: Services, profile: Profile, *, now: datetime, limit: int | None
) -> list[Match]:
    """Return a profile's matches among the live calls, best first."""
    return call_index(services, now).rank(profile, limit=limit)


def compute_matches(
    services: Services, user: User, *, now: datetime, limit: int | None = 50
) -> list[Match]:
    """Return a person's matches (never closed, ineligible or muted calls), best first."""
    return rank_profile(services, get_profile(services.store.engine, user), now=now, limit=limit)

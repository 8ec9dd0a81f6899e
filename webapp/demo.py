"""The demo: funding calls written for this project, crawled for real into the store.

:func:`load_demo` starts a :class:`~webapp.demo_server.DemoServer` over ``demo/feeds``,
renders ``demo/sources.toml`` to point at it, crawls every demo source through the ordinary
crawler path (``crawlers.runner.run_sources``) and creates the demo accounts of
``demo/accounts.toml``. Everything but serving the web app, which the CLI does.
"""

from __future__ import annotations

import logging
import tomllib
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from config.settings import PROJECT_ROOT, Settings
from crawlers.runner import SourceRunResult, run_sources
from crawlers.sources import load_sources
from indexer.backend import SearchBackend
from indexer.records import IngestOutcome, RunStatus
from indexer.store import Store
from webapp.demo_server import DemoServer, DemoTemplateError, render_placeholders
from webapp.stores.users import create_user, get_user_by_email

__all__ = [
    "DEMO_ROOT",
    "DemoAccount",
    "DemoLoadReport",
    "DemoServer",
    "demo_sources",
    "load_demo",
    "load_demo_accounts",
    "render_placeholders",
]

logger = logging.getLogger(__name__)

DEMO_ROOT = PROJECT_ROOT / "demo"


def demo_sources(base_url: str, dest: Path, *, root: Path = DEMO_ROOT) -> Path:
    """Write ``root/sources.toml`` with ``{{base_url}}`` filled in to ``dest``; return ``dest``."""
    template = (root / "sources.toml").read_text(encoding="utf-8")
    rendered = template.replace("{{base_url}}", base_url.rstrip("/"))
    if "{{" in rendered:
        raise DemoTemplateError(f"{root / 'sources.toml'}: unknown placeholder left")
    dest.parent.mkdir(parents=True, exist_ok=True)
    dest.write_text(rendered, encoding="utf-8")
    return dest


@dataclass(frozen=True, slots=True)
class DemoAccount:
    """One demo login; the password is for a local demo only."""

    email: str
    role: str
    password: str
    display_name: str
    keywords: tuple[str, ...] = ()


def load_demo_accounts(path: Path = DEMO_ROOT / "accounts.toml") -> list[DemoAccount]:
    """Read the ``[[accounts]]`` of a demo accounts file.

    :raises ValueError: when an account lacks an e-mail address, role or password.
    """
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    accounts = []
    for index, entry in enumerate(data.get("accounts", [])):
        missing = [k for k in ("email", "role", "password") if not entry.get(k)]
        if missing:
            raise ValueError(f"{path}: account {index + 1} lacks {', '.join(missing)}")
        accounts.append(
            DemoAccount(
                email=str(entry["email"]),
                role=str(entry["role"]),
                password=str(entry["password"]),
                display_name=str(entry.get("display_name") or entry["email"]),
                keywords=tuple(str(k) for k in entry.get("keywords", ())),
            )
        )
    return accounts


@dataclass
class DemoLoadReport:
    """What loading the demo did: one crawl result per source and the accounts created."""

    base_url: str
    sources_path: Path
    results: list[SourceRunResult] = field(default_factory=list)
    accounts: list[DemoAccount] = field(default_factory=list)
    created: list[str] = field(default_factory=list)

    @property
    def counts(self) -> Counter[IngestOutcome]:
        """Return the ingest outcomes summed over every source."""
        total: Counter[IngestOutcome] = Counter()
        for result in self.results:
            total.update(result.counts)
        return total

    @property
    def failed(self) -> list[SourceRunResult]:
        """Return the sources whose crawl failed."""
        return [r for r in self.results if r.status is RunStatus.FAILED]


def create_demo_account(store: Store, account: DemoAccount, now: datetime) -> bool:
    """Create one demo account unless its address already has one; return True if created."""
    if get_user_by_email(store.engine, account.email) is not None:
        return False
    create_user(
        store.engine, account.email, account.role, account.password, account.display_name, now=now
    )
    return True


def load_demo(
    settings: Settings,
    *,
    store: Store,
    backend: SearchBackend | None,
    now: datetime,
    progress: Callable[[SourceRunResult], None] | None = None,
    root: Path = DEMO_ROOT,
    create_account: Callable[[DemoAccount], bool] | None = None,
) -> DemoLoadReport:
    """Serve the demo feeds locally, crawl them into the store and create the demo accounts.

    Idempotent: a second load on the same day adds nothing (the feeds answer 304 or every
    item is unchanged) and existing accounts are kept. The schemas must exist (init-db).

    :param progress: called with each source's crawl result as soon as it is known.
    :param create_account: creates one account and returns True when it was new; the
        default creates a bare account with :func:`create_demo_account` (no profile).
    """
    accounts = load_demo_accounts(root / "accounts.toml")
    with DemoServer(root, now.date()) as server:
        sources_path = demo_sources(
            server.base_url, settings.instance_dir / "demo-sources.toml", root=root
        )
        report = DemoLoadReport(server.base_url, sources_path, accounts=accounts)
        sources = load_sources(sources_path)
        # Two crawl subprocesses at a time: the demo server answers both, and the store
        # work still happens one source after the other in this thread.
        report.results = run_sources(
            sources,
            store=store,
            backend=backend,
            settings=settings,
            now=now,
            progress=progress,
            parallel=2,
        )
    make = create_account or (lambda account: create_demo_account(store, account, now))
    report.created = [a.email for a in accounts if make(a)]
    logger.info(
        "Loaded the demo: %d sources, %d failed, outcomes %s, %d new accounts",
        len(report.results),
        len(report.failed),
        dict(report.counts),
        len(report.created),
        extra={"sources": len(report.results), "failed": len(report.failed)},
    )
    return report

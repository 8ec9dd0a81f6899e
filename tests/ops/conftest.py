"""Operations fixtures: a throwaway PostgreSQL server, databases on both engines, sources.

The PostgreSQL server is Debian's ``postgresql`` binaries (initdb + pg_ctl) in a temporary
folder on a free port, started once per session; as root it runs as the ``postgres`` user
(PostgreSQL refuses to run as root). With GRANTRADAR_TEST_DATABASE_URL set (an empty
database the tests may create databases from), that server is used instead. Without
either, the PostgreSQL tests skip.
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from config.settings import Settings

PG_URL_ENV = "GRANTRADAR_TEST_DATABASE_URL"


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def pg_binary(name: str) -> str | None:
    """Return a PostgreSQL server binary from PATH or Debian's versioned folders."""
    found = shutil.which(name)
    if found:
        return found
    candidates = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"))
    return candidates[-1] if candidates else None


def _as_postgres_prefix(folder: Path) -> list[str]:
    if os.geteuid() != 0:
        return []
    runuser = shutil.which("runuser")
    try:
        account = pwd.getpwnam("postgres")
    except KeyError:
        pytest.skip("running as root and there is no postgres user to run PostgreSQL as")
    if runuser is None:
        pytest.skip("running as root and runuser is missing")
    for path in (folder, *folder.rglob("*")):
        os.chown(path, account.pw_uid, account.pw_gid)
    return [runuser, "-u", "postgres", "--"]


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[str]:
    """Yield the URL of a PostgreSQL server's maintenance database."""
    url = os.environ.get(PG_URL_ENV, "")
    if url:
        yield url
        return
    initdb, pg_ctl = pg_binary("initdb"), pg_binary("pg_ctl")
    if not initdb or not pg_ctl:
        pytest.skip("PostgreSQL is not installed (apt-get install postgresql)")
    # Not under pytest's tmp folder: that one is private to root, the server runs as postgres.
    folder = Path(tempfile.mkdtemp(prefix="grantradar-pg-"))
    as_postgres = _as_postgres_prefix(folder)
    data, port = folder / "data", free_port()
    quiet = {"check": True, "stdout": subprocess.DEVNULL, "stderr": subprocess.PIPE}
    subprocess.run(
        [*as_postgres, initdb, "-D", str(data), "-A", "trust", "-U", "postgres", "-E", "UTF8",
         "--locale=C", "--no-sync"],
        **quiet,
    )  # fmt: skip
    options = (
        f"-p {port} -k {folder} -c listen_addresses=127.0.0.1 -c fsync=off "
        "-c full_page_writes=off -c synchronous_commit=off"
    )
    log = folder / "server.log"
    subprocess.run(
        [*as_postgres, pg_ctl, "-D", str(data), "-l", str(log), "-o", options, "-w", "-t", "60",
         "start"],
        **quiet,
    )  # fmt: skip
    try:
        yield f"postgresql+psycopg://postgres@127.0.0.1:{port}/postgres"
    finally:
        subprocess.run(
            [*as_postgres, pg_ctl, "-D", str(data), "-m", "immediate", "stop"],
            check=False,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture
def postgres_url(postgres_server: str) -> Iterator[str]:
    """Yield the URL of a new, empty database on the PostgreSQL server (dropped afterwards)."""
    name = f"grantradar_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(postgres_server, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        yield make_url(postgres_server).set(database=name).render_as_string(hide_password=False)
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    finally:
        admin.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database_url(request, tmp_path: Path) -> str:
    """Return an empty database URL on each engine in turn."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'grantradar.db'}"
    return request.getfixturevalue("postgres_url")


def write_institution(folder: Path) -> Path:
    path = folder / "institution.toml"
    path.write_text(
        'name = "Test University of Bishkek"\nshort_name = "TUB"\ncountry = "KG"\n'
        'timezone = "Asia/Bishkek"\ndigest_day = 1\ndigest_hour = 8\n',
        encoding="utf-8",
    )
    return path


def write_sources(folder: Path, sources: dict[str, tuple[str, str]]) -> Path:
    """Write a sources file: key -> (feed url, cron schedule)."""
    lines = []
    for key, (url, schedule) in sources.items():
        lines += [f"[sources.{key}]", 'type = "feed"', f'url = "{url}"', f'schedule = "{schedule}"',
                  'funder = "Example Funder"', ""]  # fmt: skip
    path = folder / "sources.toml"
    path.write_text("\n".join(lines), encoding="utf-8")
    return path


def make_ops_settings(folder: Path, database_url: str, **overrides) -> Settings:
    values = {
        "instance_dir": folder / "instance",
        "database_url": database_url,
        "search_path": str(folder / "search.db"),
        "institution": write_institution(folder),
        "user_agent": "GrantRadar-test/0.1 (+https://example.org/grantradar)",
        "contact_email": "grants-test@example.org",
        "crawl_timeout": 5.0,
        "crawl_time_limit": 60.0,
    }
    values.update(overrides)
    if "sources" not in values:
        values["sources"] = write_sources(folder, {})
    return Settings(**values)


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def new_database(request, tmp_path: Path) -> Iterator[Callable[[], str]]:
    """Yield a factory of new, empty databases on each engine in turn."""
    created: list[str] = []
    admin = None
    if request.param == "postgres":
        server = request.getfixturevalue("postgres_server")
        admin = create_engine(server, isolation_level="AUTOCOMMIT")

    def make() -> str:
        name = f"grantradar_test_{uuid.uuid4().hex[:12]}"
        if admin is None:
            return f"sqlite:///{tmp_path / (name + '.db')}"
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        created.append(name)
        return admin.url.set(database=name).render_as_string(hide_password=False)

    yield make
    if admin is not None:
        with admin.connect() as conn:
            for name in created:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()

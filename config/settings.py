"""Typed settings, read from ``GRANTRADAR_*`` environment variables and ``.env``.

Only entry points (the CLI, the WSGI factory, the scheduler) call :func:`load_settings`;
everything below them receives a :class:`Settings` instance.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parent.parent
CONFIG_DIR = Path(__file__).resolve().parent
DEFAULT_INSTANCE = PROJECT_ROOT / "instance"


class Settings(BaseSettings):
    """Every knob of a GrantRadar deployment."""

    model_config = SettingsConfigDict(
        env_prefix="GRANTRADAR_", env_file=".env", extra="ignore", frozen=True
    )

    instance_dir: Path = DEFAULT_INSTANCE  # GRANTRADAR_INSTANCE_DIR
    database_url: str = ""  # GRANTRADAR_DATABASE_URL (default: sqlite file in instance/)
    search_path: str = ""  # GRANTRADAR_SEARCH_PATH (the derived FTS5 file; default instance/)
    sources: Path = CONFIG_DIR / "sources.toml"  # GRANTRADAR_SOURCES
    institution: Path = CONFIG_DIR / "institution.toml"  # GRANTRADAR_INSTITUTION
    country_groups: Path = CONFIG_DIR / "country_groups.toml"  # GRANTRADAR_COUNTRY_GROUPS
    elasticsearch_url: str = ""  # GRANTRADAR_ELASTICSEARCH_URL
    elasticsearch_index: str = "grantradar"  # GRANTRADAR_ELASTICSEARCH_INDEX (the alias)
    elasticsearch_plain_json: bool = False  # GRANTRADAR_ELASTICSEARCH_PLAIN_JSON
    elasticsearch_timeout: float = 10.0  # GRANTRADAR_ELASTICSEARCH_TIMEOUT (seconds)
    smtp_url: str = ""  # GRANTRADAR_SMTP_URL (smtp://, smtps://, smtp+starttls://)
    mail_from: str = "GrantRadar <grantradar@localhost>"  # GRANTRADAR_MAIL_FROM
    outbox_dir: Path | None = None  # GRANTRADAR_OUTBOX_DIR (default instance/outbox)
    secret_key: str = ""  # GRANTRADAR_SECRET_KEY (default: generated into instance/)
    base_url: str = "http://127.0.0.1:5000"  # GRANTRADAR_BASE_URL (links in mail and feeds)
    # GRANTRADAR_USER_AGENT: identifies us to funders' servers; keep a contact address in it
    user_agent: str = "GrantRadar/0.1 (funding-call radar; contact: grants-office@localhost)"
    contact_email: str = "grants-office@localhost"  # GRANTRADAR_CONTACT_EMAIL
    crawl_timeout: float = 30.0  # GRANTRADAR_CRAWL_TIMEOUT (seconds per request)
    crawl_max_bytes: int = 20_000_000  # GRANTRADAR_CRAWL_MAX_BYTES (per response)
    crawl_time_limit: float = 600.0  # GRANTRADAR_CRAWL_TIME_LIMIT (seconds per source run)
    obey_robots: bool = True  # GRANTRADAR_OBEY_ROBOTS
    secure_cookies: bool = False  # GRANTRADAR_SECURE_COOKIES (set true behind HTTPS)
    log_level: str = Field(default="INFO")  # GRANTRADAR_LOG_LEVEL

    def resolved_database_url(self) -> str:
        """Return the database URL, defaulting to a SQLite file in the instance folder."""
        return self.database_url or f"sqlite:///{self.instance_dir / 'grantradar.db'}"

    def resolved_search_path(self) -> Path:
        """Return the path of the embedded FTS5 index file."""
        return Path(self.search_path) if self.search_path else self.instance_dir / "search.db"

    def resolved_outbox_dir(self) -> Path:
        """Return the folder where mail goes when no SMTP server is configured."""
        return self.outbox_dir or self.instance_dir / "outbox"


def load_settings(**overrides: object) -> Settings:
    """Read settings from the environment and ``.env``; keyword overrides win."""
    return Settings(**overrides)  # type: ignore[arg-type]

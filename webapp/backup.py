"""Backup and restore: every table as JSON lines in a tar.gz, plus the settings files.

The archive is portable between SQLite and PostgreSQL: values are plain JSON, datetimes
ISO 8601 in UTC. The search index is not in it (it is derived: restore rebuilds it), nor
the scheduler's job store (rebuilt from the sources file) or its lease (transient).
"""

from __future__ import annotations

import io
import json
import logging
import tarfile
import tempfile
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import Connection, Engine, MetaData, Table, func, inspect, select, text
from sqlalchemy.types import DateTime

from config.settings import Settings
from indexer.store import MIGRATIONS as STORE_MIGRATIONS
from webapp.stores.schema import MIGRATIONS_DIR as WEBAPP_MIGRATIONS
from webapp.stores.schema import VERSION_TABLE as WEBAPP_VERSION_TABLE

logger = logging.getLogger(__name__)

ARCHIVE_FORMAT = 1
# Alembic version table -> migration scripts of that history.
HISTORIES = {"alembic_version": STORE_MIGRATIONS, WEBAPP_VERSION_TABLE: WEBAPP_MIGRATIONS}
SKIPPED_TABLES = frozenset({*HISTORIES, "apscheduler_jobs", "scheduler_lease"})
BATCH = 1000


class BackupError(RuntimeError):
    """A backup could not be written or restored; the message says why."""


@dataclass
class BackupReport:
    """What an archive holds: rows per table, settings files and schema revisions."""

    path: Path
    rows: dict[str, int] = field(default_factory=dict)
    settings_files: list[str] = field(default_factory=list)
    revisions: dict[str, str | None] = field(default_factory=dict)


def _reflect(conn: Connection) -> list[Table]:
    meta = MetaData()
    meta.reflect(conn)
    return [t for t in meta.sorted_tables if t.name not in SKIPPED_TABLES]


def _revisions(conn: Connection) -> dict[str, str | None]:
    tables = set(inspect(conn).get_table_names())
    found: dict[str, str | None] = {}
    for name in HISTORIES:
        found[name] = (
            conn.execute(text(f"SELECT version_num FROM {name}")).scalar()
            if name in tables
            else None
        )
    return found


def _datetime_columns(table: Table) -> list[str]:
    return [c.name for c in table.columns if isinstance(c.type, DateTime)]


def _encode(value: Any) -> Any:
    if isinstance(value, datetime):
        aware = value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
        return aware.isoformat()
    return value


def write_backup(
    engine: Engine, settings: Settings, output: Path, *, now: datetime
) -> BackupReport:
    """Write every table and the settings files into a tar.gz archive at ``output``."""
    report = BackupReport(path=output)
    manifest: dict[str, Any] = {"format": ARCHIVE_FORMAT, "created_at": now.isoformat()}
    output.parent.mkdir(parents=True, exist_ok=True)
    partial = output.with_name(output.name + ".partial")
    with tempfile.TemporaryDirectory(prefix="grantradar-backup-") as tmp, engine.connect() as conn:
        report.revisions = _revisions(conn)
        tables = _reflect(conn)
        with tarfile.open(partial, "w:gz") as archive:
            for table in tables:
                path = Path(tmp) / f"{table.name}.jsonl"
                report.rows[table.name] = _dump_table(conn, table, path)
                archive.add(path, arcname=f"tables/{table.name}.jsonl")
            for label, source in (
                ("sources", settings.sources),
                ("institution", settings.institution),
            ):
                if Path(source).is_file():
                    archive.add(source, arcname=f"settings/{label}.toml")
                    report.settings_files.append(f"{label}.toml")
            manifest |= {
                "revisions": report.revisions,
                "tables": [
                    {"name": t.name, "rows": report.rows[t.name], "datetimes": _datetime_columns(t)}
                    for t in tables
                ],
                "settings": report.settings_files,
            }
            _add_bytes(archive, "manifest.json", json.dumps(manifest, indent=2).encode())
    partial.replace(output)  # never leave a half-written archive under the final name
    logger.info("Backup of %d table(s) written to %s", len(report.rows), output)
    return report


def _dump_table(conn: Connection, table: Table, path: Path) -> int:
    order = list(table.primary_key.columns) or list(table.columns)
    rows = 0
    with path.open("w", encoding="utf-8") as handle:
        result = conn.execution_options(yield_per=BATCH).execute(select(table).order_by(*order))
        for row in result.mappings():
            record = {key: _encode(value) for key, value in row.items()}
            handle.write(json.dumps(record, ensure_ascii=False) + "\n")
            rows += 1
    return rows


def _add_bytes(archive: tarfile.TarFile, name: str, data: bytes) -> None:
    info = tarfile.TarInfo(name)
    info.size = len(data)
    archive.addfile(info, io.BytesIO(data))


def read_manifest(archive_path: Path) -> dict[str, Any]:
    """Return the archive's manifest.

    :raises BackupError: when the file is not a GrantRadar backup.
    """
    try:
        with tarfile.open(archive_path, "r:gz") as archive:
            member = archive.extractfile("manifest.json")
            if member is None:
                raise KeyError("manifest.json")
            manifest: dict[str, Any] = json.loads(member.read())
    except (OSError, KeyError, tarfile.TarError, ValueError) as exc:
        raise BackupError(f"{archive_path} is not a GrantRadar backup: {exc}") from exc
    if manifest.get("format") != ARCHIVE_FORMAT:
        raise BackupError(f"{archive_path}: unsupported backup format {manifest.get('format')!r}")
    return manifest


def migrate(engine: Engine, revisions: Mapping[str, str | None]) -> None:
    """Upgrade each migration history to the given revision ("head" when None is given)."""
    for version_table, scripts in HISTORIES.items():
        config = Config()
        config.set_main_option("script_location", str(scripts))
        with engine.begin() as conn:
            config.attributes["connection"] = conn
            command.upgrade(config, revisions.get(version_table) or "head")


def restore_backup(
    engine: Engine, archive_path: Path, *, settings_dir: Path | None
) -> BackupReport:
    """Load an archive into an empty database, then upgrade it to the newest schema.

    The schema is first built at the archive's revisions, so an archive written by an
    older GrantRadar loads as it was and then goes through the normal migrations.

    :raises BackupError: when the database already holds data or has a different schema.
    """
    manifest = read_manifest(archive_path)
    revisions: dict[str, str | None] = dict(manifest["revisions"])
    _check_target(engine, revisions)
    migrate(engine, revisions)
    report = BackupReport(path=archive_path, revisions=revisions)
    with tarfile.open(archive_path, "r:gz") as archive, engine.begin() as conn:
        tables = {t.name: t for t in _reflect(conn)}
        for entry in manifest["tables"]:
            table = tables.get(entry["name"])
            if table is None:
                raise BackupError(f"table {entry['name']} of the archive is not in the schema")
            lines = _member_lines(archive, f"tables/{entry['name']}.jsonl")
            report.rows[table.name] = _load_table(conn, table, lines, entry["datetimes"])
        _reset_sequences(conn, list(tables.values()))
        if settings_dir is not None:
            report.settings_files = _extract_settings(archive, manifest, settings_dir)
    migrate(engine, {})
    logger.info("Restored %d table(s) from %s", len(report.rows), archive_path)
    return report


def _check_target(engine: Engine, revisions: Mapping[str, str | None]) -> None:
    with engine.connect() as conn:
        present = _revisions(conn)
        for table in _reflect(conn):
            if conn.execute(select(func.count()).select_from(table)).scalar():
                raise BackupError(f"the database is not empty (table {table.name} has rows)")
    for name, revision in present.items():
        if revision is not None and revision != revisions.get(name):
            raise BackupError(
                f"the database schema is at {revision} but the archive at "
                f"{revisions.get(name)}; restore into a new, empty database"
            )


def _member_lines(archive: tarfile.TarFile, name: str) -> Iterator[str]:
    member = archive.extractfile(name)
    if member is None:
        raise BackupError(f"the archive lacks {name}")
    yield from io.TextIOWrapper(member, encoding="utf-8")


def _load_table(conn: Connection, table: Table, lines: Iterator[str], datetimes: list[str]) -> int:
    batch: list[dict[str, Any]] = []
    rows = 0
    for line in lines:
        if not line.strip():
            continue
        record = json.loads(line)
        for name in datetimes:
            if record.get(name) is not None:
                record[name] = datetime.fromisoformat(record[name]).astimezone(UTC)
        batch.append(record)
        if len(batch) >= BATCH:
            conn.execute(table.insert(), batch)
            rows, batch = rows + len(batch), []
    if batch:
        conn.execute(table.insert(), batch)
        rows += len(batch)
    return rows


def _reset_sequences(conn: Connection, tables: list[Table]) -> None:
    """Move PostgreSQL id sequences past the restored ids (SQLite needs nothing)."""
    if conn.dialect.name != "postgresql":
        return
    for table in tables:
        keys = list(table.primary_key.columns)
        if len(keys) != 1 or keys[0].autoincrement is False:
            continue
        column = keys[0].name
        sequence = conn.execute(
            text("SELECT pg_get_serial_sequence(:t, :c)"), {"t": table.name, "c": column}
        ).scalar()
        if sequence:
            conn.execute(
                text(
                    f"SELECT setval(:s, COALESCE((SELECT MAX({column}) FROM {table.name}), 1), "
                    f"(SELECT MAX({column}) FROM {table.name}) IS NOT NULL)"
                ),
                {"s": sequence},
            )


def _extract_settings(
    archive: tarfile.TarFile, manifest: Mapping[str, Any], settings_dir: Path
) -> list[str]:
    settings_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for name in manifest.get("settings", []):
        member = archive.extractfile(f"settings/{name}")
        if member is not None:
            (settings_dir / Path(name).name).write_bytes(member.read())
            written.append(str(settings_dir / Path(name).name))
    return written

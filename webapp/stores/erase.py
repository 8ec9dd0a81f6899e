"""Deleting an account without leaving dangling rows or touching shared history."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, Engine, delete, select, update

from webapp.stores.schema import metadata, users


class UserInUseError(ValueError):
    """An account cannot be deleted because a table refers to it without a delete rule."""


def delete_user(engine: Engine, user_id: int) -> bool:
    """Delete an account and what belongs to it; return False when it does not exist.

    Rows that exist only for this person (profile, saved searches and their alert state,
    follows, notices) go with the account, following each foreign key's ``ondelete`` rule
    (CASCADE deletes, SET NULL keeps the row without the person). Shared history, such as
    the opportunities' change history, refers to no account and is untouched. The rules
    are applied here rather than left to the database because SQLite only enforces them
    when the connection turned foreign keys on.

    :raises UserInUseError: when a table refers to accounts without a delete rule.
    """
    with engine.begin() as conn:
        if conn.execute(select(users.c.id).where(users.c.id == user_id)).first() is None:
            return False
        for table in reversed(metadata.sorted_tables):
            for fk in table.foreign_keys:
                _apply_delete_rule(conn, fk, user_id)
        conn.execute(delete(users).where(users.c.id == user_id))
    return True


def _apply_delete_rule(conn: Connection, fk: Any, user_id: int) -> None:
    parent = fk.column.table
    if parent is users:
        owned = fk.parent == user_id
    elif "user_id" in parent.c and parent.c.user_id.references(users.c.id):
        owned = fk.parent.in_(select(fk.column).where(parent.c.user_id == user_id))
    else:
        return
    rule = (fk.ondelete or "").upper()
    if rule == "CASCADE":
        conn.execute(delete(fk.parent.table).where(owned))
    elif rule == "SET NULL":
        conn.execute(update(fk.parent.table).where(owned).values({fk.parent.name: None}))
    else:
        raise UserInUseError(f"table {fk.parent.table.name} refers to accounts; cannot delete")

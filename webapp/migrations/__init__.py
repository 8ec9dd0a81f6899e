"""Alembic environment for the web app's own tables (users, ...)."""

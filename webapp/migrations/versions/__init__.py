"""Web app migration scripts, oldest first."""

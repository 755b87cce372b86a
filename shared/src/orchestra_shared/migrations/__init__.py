"""Alembic migrations for the tables declared in ``orchestra_shared.tables``."""

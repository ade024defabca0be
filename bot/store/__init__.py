"""Persistence: one protocol (`Store`), one SQLAlchemy implementation for SQLite and PostgreSQL."""

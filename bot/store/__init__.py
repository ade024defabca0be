"""Persistence: the SQLAlchemy implementation (SQLite and PostgreSQL) of the `Store` protocol
(bot/storage.py) and of the features' store ports (bot/coffee/store.py, bot/onboarding/store.py)."""

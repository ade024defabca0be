"""A partial index of the deliveries waiting for a retry, so that a claim takes the retries
that are due before the first attempts still waiting in a large fan-out.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-28

Written by hand to match bot/store/tables.py (tests/store/test_schema.py compares them).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | None = None
depends_on: str | None = None

_WHERE = "state = 'pending' AND attempts > 0"


def upgrade() -> None:
    op.create_index(
        "ix_deliveries_retry_due",
        "deliveries",
        ["state", "next_attempt_at", "id"],
        sqlite_where=sa.text(_WHERE),
        postgresql_where=sa.text(_WHERE),
    )


def downgrade() -> None:
    op.drop_index("ix_deliveries_retry_due", table_name="deliveries")

"""The senders running now, so that several replicas split the tenant's send budget.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-28

Written by hand to match bot/store/tables.py (tests/store/test_schema.py compares them).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    op.create_table(
        "senders",
        sa.Column("owner", sa.Text(), primary_key=True),
        sa.Column("seen_at", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("senders")

"""Searches that found nothing: the query (folded, as the key, and as first typed), how often, first and last
seen. Nothing about the client.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "search_miss",
        sa.Column("key", sa.String(200), nullable=False),
        sa.Column("query", sa.String(200), nullable=False),
        sa.Column("count", sa.BigInteger(), nullable=False),
        sa.Column("first_seen", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_seen", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("key", name="pk_search_miss"),
    )
    op.create_index("ix_search_miss_count", "search_miss", ["count"])


def downgrade() -> None:
    op.drop_index("ix_search_miss_count", table_name="search_miss")
    op.drop_table("search_miss")

"""Source documents as data (title, English title, date, place, kind, full text), and a status per concept
(approved, or a draft awaiting review).

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "document",
        sa.Column("id", sa.String(80), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("title_en", sa.Text(), nullable=False),
        sa.Column("date", sa.Date(), nullable=True),
        sa.Column("place", sa.Text(), nullable=True),
        sa.Column("kind", sa.String(40), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_document"),
        sa.UniqueConstraint("title", name="uq_document_title"),
    )
    with op.batch_alter_table("concept") as batch:
        batch.add_column(sa.Column("status", sa.String(10), nullable=False, server_default="approved"))


def downgrade() -> None:
    with op.batch_alter_table("concept") as batch:
        batch.drop_column("status")
    op.drop_table("document")

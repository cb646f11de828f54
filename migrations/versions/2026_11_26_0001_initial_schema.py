"""The termbase: concepts, their terms, definitions, components, sources, relations and lookup keys.

Revision ID: 0001
Revises:
Create Date: 2026-11-26
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def _concept_fk(table: str) -> sa.Column:
    return sa.Column(
        "concept_id",
        sa.Integer(),
        sa.ForeignKey("concept.id", name=f"fk_{table}_concept_id_concept", ondelete="CASCADE"),
        nullable=False,
    )


def upgrade() -> None:
    op.create_table(
        "concept",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("slug", sa.String(80), nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("footnote", sa.Integer(), nullable=True),
        sa.Column("pinyin", sa.Text(), nullable=False),
        sa.Column("hant", sa.Text(), nullable=True),
        sa.Column("en_origin", sa.Text(), nullable=True),
        sa.Column("definition_basis", sa.String(16), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("deleted_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_concept"),
        sa.UniqueConstraint("slug", name="uq_concept_slug"),
    )
    op.create_index("ix_concept_revision", "concept", ["revision"])
    op.create_table(
        "term",
        _concept_fk("term"),
        sa.Column("lang", sa.String(8), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("status", sa.String(10), nullable=False),
        sa.PrimaryKeyConstraint("concept_id", "lang", "position", name="pk_term"),
    )
    op.create_table(
        "definition",
        _concept_fk("definition"),
        sa.Column("lang", sa.String(8), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("concept_id", "lang", name="pk_definition"),
    )
    op.create_table(
        "component",
        _concept_fk("component"),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("hans", sa.Text(), nullable=False),
        sa.Column("en", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("concept_id", "position", name="pk_component"),
    )
    op.create_table(
        "source",
        _concept_fk("source"),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("document", sa.Text(), nullable=False),
        sa.Column("date", sa.Date(), nullable=True),
        sa.Column("section", sa.Text(), nullable=True),
        sa.Column("quote", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("concept_id", "position", name="pk_source"),
    )
    op.create_table(
        "relation",
        _concept_fk("relation"),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column(
            "related_id",
            sa.Integer(),
            sa.ForeignKey("concept.id", name="fk_relation_related_id_concept", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.PrimaryKeyConstraint("concept_id", "position", name="pk_relation"),
    )
    op.create_table(
        "lookup_key",
        sa.Column("key", sa.String(400), nullable=False),
        _concept_fk("lookup_key"),
        sa.PrimaryKeyConstraint("key", name="pk_lookup_key"),
    )
    op.create_index("ix_lookup_key_concept_id", "lookup_key", ["concept_id"])
    op.create_table(
        "glossary_state",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_glossary_state"),
    )
    op.bulk_insert(sa.table("glossary_state", sa.column("id"), sa.column("revision")), [{"id": 1, "revision": 0}])


def downgrade() -> None:
    for table in ("glossary_state", "lookup_key", "relation", "source", "component", "definition", "term"):
        op.drop_table(table)
    op.drop_index("ix_concept_revision", table_name="concept")
    op.drop_table("concept")

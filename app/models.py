"""The termbase schema, concept-oriented as TBX is: a concept entry, its language sections and terms.

    concept ─┬─ term         (zh headword and aliases; en preferred / admitted / avoid renderings)
             ├─ definition   (one per language)
             ├─ component    (ordered parts of a numbered formula)
             ├─ source       (document, date, section, verbatim quote)
             ├─ relation     (ordered links to related concepts)
             └─ lookup_key   (the folded forms of headword and aliases: unique across the glossary)
    search_miss               queries that searches found nothing for (the query only), with counts
    glossary_state            one row: the revision counter that other processes poll to see edits

Each write bumps `glossary_state.revision` and stamps the concept with it, so a process can load just the
concepts that changed since the revision it holds.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import BigInteger, Column, DateTime, ForeignKey, Integer, MetaData, String, Text
from sqlmodel import Field, SQLModel

from app.terms.schemas import MAX_KEY_LENGTH

SQLModel.metadata = MetaData(
    naming_convention={
        "ix": "ix_%(column_0_label)s",
        "uq": "uq_%(table_name)s_%(column_0_name)s",
        "ck": "ck_%(table_name)s_%(constraint_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _concept_fk() -> Column[int]:
    return Column(Integer, ForeignKey("concept.id", ondelete="CASCADE"), primary_key=True)


class Concept(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    slug: str = Field(sa_column=Column(String(80), unique=True, nullable=False))
    kind: str = Field(max_length=20)
    footnote: int | None = None
    pinyin: str = Field(sa_column=Column(Text, nullable=False))
    hant: str | None = Field(default=None, sa_column=Column(Text))
    en_origin: str | None = Field(default=None, sa_column=Column(Text))
    definition_basis: str = Field(default="editorial", max_length=16)
    note: str | None = Field(default=None, sa_column=Column(Text))
    status: str = Field(default="approved", sa_column=Column(String(10), nullable=False, server_default="approved"))
    # The hash of the entry the seed last applied to this concept (`app.seeding`); NULL if it never did.
    seed_hash: str | None = Field(default=None, sa_column=Column(String(64)))
    version: int = 1
    revision: int = Field(default=0, index=True)
    created_at: dt.datetime = Field(default_factory=utcnow, sa_column=Column(DateTime(timezone=True), nullable=False))
    updated_at: dt.datetime = Field(default_factory=utcnow, sa_column=Column(DateTime(timezone=True), nullable=False))
    deleted_at: dt.datetime | None = Field(default=None, sa_column=Column(DateTime(timezone=True)))


class Term(SQLModel, table=True):
    """A term of a concept's language section: `lang` zh or en; `status` preferred, admitted or avoid."""

    concept_id: int = Field(sa_column=_concept_fk())
    lang: str = Field(primary_key=True, max_length=8)
    position: int = Field(primary_key=True)
    text: str = Field(sa_column=Column(Text, nullable=False))
    status: str = Field(max_length=10)


class Definition(SQLModel, table=True):
    concept_id: int = Field(sa_column=_concept_fk())
    lang: str = Field(primary_key=True, max_length=8)
    text: str = Field(sa_column=Column(Text, nullable=False))


class Component(SQLModel, table=True):
    concept_id: int = Field(sa_column=_concept_fk())
    position: int = Field(primary_key=True)
    hans: str = Field(sa_column=Column(Text, nullable=False))
    en: str = Field(sa_column=Column(Text, nullable=False))


class Source(SQLModel, table=True):
    concept_id: int = Field(sa_column=_concept_fk())
    position: int = Field(primary_key=True)
    document: str = Field(sa_column=Column(Text, nullable=False))
    date: dt.date | None = None
    section: str | None = Field(default=None, sa_column=Column(Text))
    quote: str = Field(sa_column=Column(Text, nullable=False))


class Relation(SQLModel, table=True):
    concept_id: int = Field(sa_column=_concept_fk())
    position: int = Field(primary_key=True)
    related_id: int = Field(sa_column=Column(Integer, ForeignKey("concept.id", ondelete="CASCADE"), nullable=False))


class LookupKey(SQLModel, table=True):
    """A folded headword or alias; the primary key makes two concepts owning one form impossible."""

    __tablename__ = "lookup_key"
    key: str = Field(sa_column=Column(String(MAX_KEY_LENGTH), primary_key=True))
    concept_id: int = Field(
        sa_column=Column(Integer, ForeignKey("concept.id", ondelete="CASCADE"), nullable=False, index=True)
    )


class Document(SQLModel, table=True):
    """A source document: a report whose quotes the glossary cites, with its full text (quotes are checked
    verbatim against it)."""

    id: str = Field(sa_column=Column(String(80), primary_key=True))
    title: str = Field(sa_column=Column(Text, unique=True, nullable=False))
    title_en: str = Field(sa_column=Column(Text, nullable=False))
    date: dt.date | None = None
    place: str | None = Field(default=None, sa_column=Column(Text))
    kind: str = Field(max_length=40)
    text: str = Field(sa_column=Column(Text, nullable=False))
    created_at: dt.datetime = Field(default_factory=utcnow, sa_column=Column(DateTime(timezone=True), nullable=False))


class SearchMiss(SQLModel, table=True):
    """A query that searches found nothing for (`app.search.misses`): the query only, nothing about who asked.
    Every replica adds its counts to the row."""

    __tablename__ = "search_miss"
    key: str = Field(sa_column=Column(String(200), primary_key=True))  # the folded query
    query: str = Field(sa_column=Column(String(200), nullable=False))  # as first typed
    count: int = Field(sa_column=Column(BigInteger, nullable=False, index=True))
    first_seen: dt.datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False))
    last_seen: dt.datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False))


class GlossaryState(SQLModel, table=True):
    __tablename__ = "glossary_state"
    id: int = Field(default=1, primary_key=True)
    revision: int = 0


class ApiKey(SQLModel, table=True):
    """An API key: only a SHA-256 hash of it is stored; `prefix` (its first characters) finds the row."""

    __tablename__ = "api_key"
    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=100)
    scope: str = Field(max_length=16)
    prefix: str = Field(sa_column=Column(String(16), unique=True, nullable=False))
    key_hash: str = Field(max_length=64)
    created_at: dt.datetime = Field(default_factory=utcnow, sa_column=Column(DateTime(timezone=True), nullable=False))
    revoked_at: dt.datetime | None = Field(default=None, sa_column=Column(DateTime(timezone=True)))


class History(SQLModel, table=True):
    """One change to a concept: who, when, and the entry before and after (JSON; null for none)."""

    __tablename__ = "concept_history"
    id: int | None = Field(default=None, primary_key=True)
    concept_id: int = Field(
        sa_column=Column(Integer, ForeignKey("concept.id", ondelete="CASCADE"), nullable=False, index=True)
    )
    version: int
    action: str = Field(max_length=10)
    actor: str = Field(max_length=100)
    at: dt.datetime = Field(default_factory=utcnow, sa_column=Column(DateTime(timezone=True), nullable=False))
    before: str | None = Field(default=None, sa_column=Column(Text))
    after: str | None = Field(default=None, sa_column=Column(Text))

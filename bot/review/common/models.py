"""The review app's own tables, in the CX database beside the conversations they describe.

Created by the ``review*`` migrations in ``bot/cxlog/migrations`` (a branch on the CX log's schema:
``review0001`` the tables, ``review0002`` display names, ``review0003`` canned replies). Tags and
notes hang on conversations with ``ON DELETE CASCADE``, so retention purges and erasure requests
take them along.
"""

from __future__ import annotations

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Column,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)

from bot.cxlog.models import Base, UTCDateTime

ROLE_NAMES = ("viewer", "annotator", "agent", "admin")


class ReviewUser(Base):
    """A CX team member; ``password_hash`` is an argon2id hash, never the password.

    ``display_name`` (``review0002``) is what customers read when this person answers them in
    the agent inbox; without one they read the username.
    """

    __tablename__ = "review_users"

    id = Column(Integer, primary_key=True)
    username = Column(String(64), nullable=False, unique=True)
    display_name = Column(String(64))
    password_hash = Column(String(255), nullable=False)
    role = Column(String(16), nullable=False)
    is_active = Column(Boolean, nullable=False, default=True)
    created_at = Column(UTCDateTime, nullable=False)

    __table_args__ = (
        CheckConstraint("role IN ('viewer', 'annotator', 'agent', 'admin')", name="role"),
    )


class ReviewSession(Base):
    """A signed-in browser. Only a SHA-256 of the cookie's token is kept, so reading this table
    does not let anyone sign in; deleting a row signs that browser out."""

    __tablename__ = "review_sessions"

    token_hash = Column(String(64), primary_key=True)
    user_id = Column(
        Integer, ForeignKey("review_users.id", ondelete="CASCADE"), nullable=False, index=True
    )
    csrf_token = Column(String(64), nullable=False)
    created_at = Column(UTCDateTime, nullable=False)
    expires_at = Column(UTCDateTime, nullable=False, index=True)


class LoginThrottle(Base):
    """Consecutive failed logins per key (``user:<name>`` or ``ip:<address>``), shared by every
    review-app process and kept across restarts, so a lockout cannot be waited out by a restart."""

    __tablename__ = "review_login_throttle"

    key = Column(String(200), primary_key=True)
    failures = Column(Integer, nullable=False)
    locked_until = Column(UTCDateTime)
    last_failure_at = Column(UTCDateTime, nullable=False)


class ConversationTag(Base):
    """A label a reviewer put on a conversation ("refund-bug", "good-example")."""

    __tablename__ = "review_conversation_tags"

    id = Column(Integer, primary_key=True)
    conversation_id = Column(
        Integer, ForeignKey("conversations.id", ondelete="CASCADE"), nullable=False
    )
    tag = Column(String(40), nullable=False)
    created_by = Column(String(64), nullable=False)
    created_at = Column(UTCDateTime, nullable=False)

    __table_args__ = (
        UniqueConstraint("conversation_id", "tag", name="uq_review_conversation_tags_tag"),
        # The tag filter of the conversation list looks conversations up by tag.
        Index("ix_review_conversation_tags_tag_conversation_id", "tag", "conversation_id"),
    )


class ConversationNote(Base):
    """A reviewer's note on a conversation, or on one message of it when ``turn_id`` is set."""

    __tablename__ = "review_conversation_notes"

    id = Column(Integer, primary_key=True)
    conversation_id = Column(
        Integer, ForeignKey("conversations.id", ondelete="CASCADE"), nullable=False, index=True
    )
    turn_id = Column(Integer, ForeignKey("turns.id", ondelete="CASCADE"))
    author = Column(String(64), nullable=False)
    body = Column(Text, nullable=False)
    created_at = Column(UTCDateTime, nullable=False)


class CannedReply(Base):
    """A ready answer admins keep for agents (``review0003``); the inbox inserts ``body`` into
    the reply box, where the agent may still edit it before sending."""

    __tablename__ = "review_canned_replies"

    id = Column(Integer, primary_key=True)
    title = Column(String(80), nullable=False)
    body = Column(Text, nullable=False)
    updated_by = Column(String(64), nullable=False)
    updated_at = Column(UTCDateTime, nullable=False)

"""Tables of the NLU inbox, in the CX database beside the conversations they come from.

``nlu_annotations`` holds one decision per distinct message (keyed by its normalised text):
labelled with an intent (and entities), ignored, or exported to data/nlu. ``nlu_marks`` are
turns a reviewer sent to the inbox from a transcript. ``nlu_new_intents`` are intents created in
the inbox, with the answer the bot should give. Texts here are the redacted texts of the CX log.
"""

from __future__ import annotations

from sqlalchemy import JSON, CheckConstraint, Column, ForeignKey, Integer, String, Text

from bot.cxlog.models import Base, UTCDateTime

ANNOTATION_STATUSES = ("labelled", "ignored", "exported")


class NluAnnotation(Base):
    __tablename__ = "nlu_annotations"

    id = Column(Integer, primary_key=True)
    text_key = Column(String(512), nullable=False, unique=True)
    example_text = Column(Text, nullable=False)
    status = Column(String(16), nullable=False, index=True)
    intent = Column(String(100), index=True)
    # [{"start": int, "end": int, "entity": str, "value": str}] over example_text
    entities = Column(JSON, nullable=False, default=list)
    annotated_by = Column(String(100), nullable=False)
    annotated_at = Column(UTCDateTime, nullable=False)
    exported_at = Column(UTCDateTime)

    __table_args__ = (
        CheckConstraint("status IN ('labelled', 'ignored', 'exported')", name="status"),
    )


class NluMark(Base):
    __tablename__ = "nlu_marks"

    id = Column(Integer, primary_key=True)
    turn_id = Column(
        Integer, ForeignKey("turns.id", ondelete="CASCADE"), nullable=False, unique=True
    )
    marked_by = Column(String(100), nullable=False)
    marked_at = Column(UTCDateTime, nullable=False)


class NluNewIntent(Base):
    __tablename__ = "nlu_new_intents"

    id = Column(Integer, primary_key=True)
    name = Column(String(100), nullable=False, unique=True)
    response_text = Column(Text, nullable=False)
    created_by = Column(String(100), nullable=False)
    created_at = Column(UTCDateTime, nullable=False)

"""What the official account remembers: each message WeChat pushed (to answer it once) and residents' images."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from backend.core.models import UTCDateTime, utcnow
from backend.extensions import db

# received: being answered; answered: answered passively (reply kept for WeChat's retries);
# deferred: answered `success`, the reply goes by customer-service message; silent: nothing to say.
STATES = ("received", "answered", "deferred", "silent")


class InboundMessage(db.Model):
    """One message or event WeChat pushed; its unique key makes WeChat's retries find the first delivery."""

    __tablename__ = "oa_inbound_messages"

    id: Mapped[int] = mapped_column(primary_key=True)
    # msg:<MsgId>, or event:<openid>:<CreateTime>:<event> for events (they have no MsgId).
    dedupe_key: Mapped[str] = mapped_column(String(128), unique=True)
    openid: Mapped[str] = mapped_column(String(64), index=True)
    msg_type: Mapped[str] = mapped_column(String(32))
    state: Mapped[str] = mapped_column(String(16), default="received")
    # The passive reply's text, so that a retry of an answered message gets the same answer.
    reply: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)


class InboundImage(db.Model):
    """An image a follower sent, kept to go with the petition they describe next."""

    __tablename__ = "oa_images"

    id: Mapped[int] = mapped_column(primary_key=True)
    resident_id: Mapped[int] = mapped_column(ForeignKey("residents.id", ondelete="CASCADE"), index=True)
    msg_id: Mapped[str] = mapped_column(String(32), unique=True)
    # WeChat keeps the media (media/get) for 3 days; PicUrl is WeChat's own copy.
    media_id: Mapped[str] = mapped_column(String(128))
    pic_url: Mapped[str] = mapped_column(String(1000), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

"""Official-account services: followers as residents, answering each push once, locations and images."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError

from backend.directory import service as directory
from backend.directory.models import Street
from backend.extensions import db
from backend.officialaccount.models import InboundImage, InboundMessage
from backend.officialaccount.protocol import Incoming
from backend.residents import service as residents
from backend.residents.models import Resident

# Official-account openids live in another namespace than the mini-program's: the prefix keeps them apart
# in residents.openid (and away from mini-program APIs, which would refuse them anyway).
OPENID_PREFIX = "oa:"


def resident_for(*, openid: str) -> int:
    """The id of the resident behind a follower's openid, created on their first message; commits."""
    resident_id = residents.get_or_create(openid=OPENID_PREFIX + openid).id
    db.session.commit()
    return resident_id


def claim(*, incoming: Incoming) -> InboundMessage | None:
    """Records a push under its dedupe key in a transaction the caller commits; None when it was recorded before
    (a retry of WeChat's, possibly still being answered elsewhere)."""
    message = InboundMessage(dedupe_key=incoming.dedupe_key, openid=incoming.openid, msg_type=incoming.msg_type)
    try:
        with db.session.begin_nested():
            db.session.add(message)
    except IntegrityError:
        return None
    return message


def get_by_key(*, dedupe_key: str) -> InboundMessage | None:
    """The push recorded under a dedupe key."""
    return db.session.scalar(select(InboundMessage).where(InboundMessage.dedupe_key == dedupe_key))


def mark(*, message_id: int, state: str, reply: str | None = None) -> None:
    """Records how a push was answered, in the caller's transaction."""
    db.session.execute(update(InboundMessage).where(InboundMessage.id == message_id).values(state=state, reply=reply)
                       .execution_options(synchronize_session=False))


def set_street(*, resident: Resident, latitude: float, longitude: float) -> Street | None:
    """Moves the resident to the street nearest to a position (None, unchanged, when it is outside the county);
    in the caller's transaction."""
    street = directory.nearest_street(latitude=latitude, longitude=longitude)
    if street is not None and resident.street_id != street.id:
        resident.street = street
        resident.community = None
    return street


def keep_image(*, resident_id: int, incoming: Incoming) -> InboundImage:
    """Keeps an image's media id and URL for the resident's petition, in the caller's transaction."""
    image = InboundImage(resident_id=resident_id, msg_id=incoming.msg_id or incoming.dedupe_key[:32],
                         media_id=incoming.media_id, pic_url=incoming.pic_url or "")
    db.session.add(image)
    return image


def images_of(*, resident_id: int) -> list[InboundImage]:
    """A resident's kept images, oldest first."""
    return list(db.session.scalars(select(InboundImage).where(InboundImage.resident_id == resident_id)
                                   .order_by(InboundImage.id)))


def prune(*, before: datetime) -> int:
    """Forgets pushes received before a moment (WeChat retries within seconds); commits; returns how many."""
    result = db.session.execute(delete(InboundMessage).where(InboundMessage.created_at < before))
    db.session.commit()
    return result.rowcount

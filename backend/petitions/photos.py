"""Photo uploads: size limit, type sniffed from the bytes, storage under a random key."""

from __future__ import annotations

import hashlib
import uuid
from dataclasses import dataclass

from backend.core.models import utcnow
from backend.petitions.errors import PetitionError, invalid
from backend.storage.service import get_storage

MAX_PHOTOS = 9


@dataclass(frozen=True)
class Upload:
    """One photo's bytes as received, checked."""

    data: bytes
    content_type: str
    sha256: str

    @property
    def extension(self) -> str:
        return self.content_type.rsplit("/", 1)[1].replace("jpeg", "jpg")


def sniff(data: bytes) -> str | None:
    """The image type from its magic number (JPEG, PNG, WebP), whatever the file claims to be."""
    if data[:3] == b"\xff\xd8\xff":
        return "image/jpeg"
    if data[:8] == b"\x89PNG\r\n\x1a\n":
        return "image/png"
    if len(data) >= 12 and data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    return None


def read_uploads(files, *, max_bytes: int) -> list[Upload]:
    """Reads and checks uploaded files (werkzeug FileStorage); nothing is stored yet."""
    files = [f for f in files if f is not None and (f.filename or f.content_length)]
    if len(files) > MAX_PHOTOS:
        raise invalid("photos", f"最多上传 {MAX_PHOTOS} 张照片")
    uploads = []
    for index, file in enumerate(files, start=1):
        data = file.stream.read(max_bytes + 1)
        if len(data) > max_bytes:
            raise PetitionError(413, f"第 {index} 张照片超过 {max_bytes // (1024 * 1024)} MB，请压缩后再上传",
                                {"photos": [f"第 {index} 张照片过大"]})
        if not data:
            raise invalid("photos", f"第 {index} 张照片是空文件")
        content_type = sniff(data)
        if content_type is None:
            raise invalid("photos", f"第 {index} 张照片不是有效的 JPEG、PNG 或 WebP 图片")
        uploads.append(Upload(data, content_type, hashlib.sha256(data).hexdigest()))
    return uploads


def store(uploads: list[Upload]) -> list[tuple[Upload, str]]:
    """Writes the photos to storage; returns (upload, key) pairs."""
    storage = get_storage()
    now = utcnow()
    stored = []
    try:
        for upload in uploads:
            key = f"petitions/{now:%Y/%m}/{uuid.uuid4().hex}.{upload.extension}"
            storage.save(key, upload.data)
            stored.append((upload, key))
    except Exception:
        discard([key for _, key in stored])
        raise
    return stored


def discard(keys: list[str]) -> None:
    """Removes stored photos whose petition was not saved."""
    storage = get_storage()
    for key in keys:
        storage.delete(key)

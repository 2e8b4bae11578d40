"""Storage of uploaded bytes by key; local disk under UPLOAD_DIR unless another backend is set."""

from __future__ import annotations

import os
import re
import tempfile
from pathlib import Path
from typing import Protocol

from flask import current_app

_KEY = re.compile(r"^[a-z0-9][a-z0-9/_-]*\.[a-z0-9]{2,5}$")


class Storage(Protocol):
    """What a storage backend offers."""

    def save(self, key: str, data: bytes) -> None: ...
    def read(self, key: str) -> bytes: ...
    def delete(self, key: str) -> None: ...


class LocalDiskStorage:
    """Files under one root directory; writes are atomic (temporary file, then rename)."""

    def __init__(self, root: str):
        self.root = Path(root)

    def _path(self, key: str) -> Path:
        if not _KEY.match(key) or ".." in key:
            raise ValueError(f"invalid storage key {key!r}")
        return self.root / key

    def save(self, key: str, data: bytes) -> None:
        """Writes the bytes under key."""
        path = self._path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".upload-")
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.replace(tmp, path)

    def read(self, key: str) -> bytes:
        """Returns the bytes stored under key (FileNotFoundError when missing)."""
        return self._path(key).read_bytes()

    def delete(self, key: str) -> None:
        """Removes key; a missing file is not an error."""
        self._path(key).unlink(missing_ok=True)


def get_storage() -> Storage:
    """The app's storage backend (tests may put another one in app.extensions['storage'])."""
    storage = current_app.extensions.get("storage")
    if storage is None:
        storage = LocalDiskStorage(current_app.config["SETTINGS"].upload_dir)
        current_app.extensions["storage"] = storage
    return storage

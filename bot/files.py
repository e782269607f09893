"""Local files that hold conversations or customer data are for the service account only.

SQLite creates a database file with the process umask (usually 0644: world-readable), and so
does ``open()``. The backend, CX log and tracker databases and the CX spool are created here
instead, mode 0600, in directories created 0700; SQLite gives its ``-wal``/``-shm``/``-journal``
files the mode of the database file. A file that already exists is tightened to 0600; a
directory that already exists is left alone (it may be shared on purpose).
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path
from typing import TextIO

from sqlalchemy.engine import URL, make_url

PRIVATE_FILE_MODE = 0o600
PRIVATE_DIRECTORY_MODE = 0o700
SQLITE_SIDECARS = ("-wal", "-shm", "-journal")


def private_directory(path: Path) -> None:
    """Create ``path`` and its missing parents with mode 0700."""
    missing = [directory for directory in (path, *path.parents) if not directory.exists()]
    path.mkdir(mode=PRIVATE_DIRECTORY_MODE, parents=True, exist_ok=True)
    for directory in missing:  # mkdir applies the mode to the last one only, after the umask
        directory.chmod(PRIVATE_DIRECTORY_MODE)


def open_private(path: Path) -> TextIO:
    """Open ``path`` for appending text, creating it 0600 (its directory 0700) if needed."""
    private_directory(path.parent)
    descriptor = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, PRIVATE_FILE_MODE)
    return os.fdopen(descriptor, "a", encoding="utf-8")


def sqlite_path(url: URL) -> Path | None:
    """The file of a SQLite URL; ``None`` for in-memory SQLite and other databases."""
    if url.get_backend_name() == "sqlite" and url.database not in (None, "", ":memory:"):
        return Path(url.database)
    return None


def prepare_sqlite_file(database_url: str) -> None:
    """Before SQLite opens a file database: create it empty with mode 0600, or tighten it."""
    path = sqlite_path(make_url(database_url))
    if path is None:
        return
    if not path.exists():
        # Never open an existing database file here: closing any descriptor of a file drops
        # every POSIX lock this process holds on it, including those of live SQLite connections.
        private_directory(path.parent)
        with contextlib.suppress(FileExistsError):
            os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, PRIVATE_FILE_MODE))
    for candidate in (path, *(path.with_name(path.name + end) for end in SQLITE_SIDECARS)):
        if candidate.exists():
            candidate.chmod(PRIVATE_FILE_MODE)

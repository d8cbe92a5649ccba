"""One writer at a time: an exclusive lock beside the archive (<db>.lock).

The lock is an flock(2) on the file, so the kernel releases it when the
holder dies, SIGKILL included: a killed crawl never leaves a stale lock.
The file names the holder (pid and start time) for the error message.
It sits beside the real database file (symlinks resolved): one archive
reached through two paths is still one archive with one writer.
The crawl's archive writer process inherits the descriptor, so the lock
lasts until both have let go: a crawl killed mid-batch stays locked until
its writer has stored that batch. Within one process the lock is shared
(the `scrapy crawl` command takes it first to fail fast with a clear
message; the spider takes it again).
"""

from __future__ import annotations

import datetime as dt
import fcntl
import os
import time
from pathlib import Path

from herts_scraper.archive.store import ArchiveError


class ArchiveLocked(RuntimeError):
    """Another process holds the archive's lock; `holder` is what its lock file says."""

    def __init__(self, db_path: str | Path, holder: str):
        super().__init__(f"another crawl is writing to {db_path} ({holder}); not starting a second one")
        self.db_path, self.holder = db_path, holder


_held: dict[Path, ArchiveLock] = {}


class ArchiveLock:
    def __init__(self, path: Path, fd: int):
        self._fd: int | None  # None once released
        self.path, self._fd, self.users = path, fd, 1

    def fileno(self) -> int | None:
        """The locked file's descriptor: a child process given it holds the lock with us,
        and keeps holding it if we die first (the archive writer, finishing its batch)."""
        return self._fd

    def release(self) -> None:
        self.users -= 1
        if self.users == 0 and self._fd is not None:
            _held.pop(self.path, None)
            os.ftruncate(self._fd, 0)
            # Closing, not LOCK_UN: a child given the descriptor (the archive writer) keeps
            # the lock until it is done too; with no child, the lock goes now.
            os.close(self._fd)
            self._fd = None


def lock_path(db_path: str | Path) -> Path:
    """<real db>.lock: keyed by the file itself, however the path to it is spelled."""
    real = Path(db_path).resolve()
    return real.with_name(real.name + ".lock")


def lock_archive(db_path: str | Path, wait: float = 0) -> ArchiveLock:
    """Take the archive's lock, waiting up to `wait` seconds for its holder to let go, or raise
    ArchiveLocked naming the holder (ArchiveError if the lock file cannot be made)."""
    path = lock_path(db_path)
    if path in _held:
        _held[path].users += 1
        return _held[path]
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    except OSError as exc:
        raise ArchiveError(f"cannot lock the archive {db_path}: cannot create {path}: {exc.strerror}") from None
    deadline = time.monotonic() + wait
    while True:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            break
        except BlockingIOError:
            if time.monotonic() >= deadline:
                holder = os.pread(fd, 200, 0).decode("utf-8", "replace").strip() or "another process"
                os.close(fd)
                raise ArchiveLocked(db_path, holder) from None
            time.sleep(0.2)
    os.ftruncate(fd, 0)
    os.pwrite(fd, f"pid {os.getpid()}, started {dt.datetime.now().isoformat(timespec='seconds')}\n".encode(), 0)
    _held[path] = ArchiveLock(path, fd)
    return _held[path]

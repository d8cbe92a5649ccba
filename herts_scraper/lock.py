"""One writer at a time: an exclusive lock beside the archive (<db>.lock).

The lock is an flock(2) on the file, so the kernel releases it when the
holder dies, SIGKILL included: a killed crawl never leaves a stale lock.
The file names the holder (pid and start time) for the error message.
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
from pathlib import Path


class ArchiveLocked(RuntimeError):
    """Another process holds the archive's lock."""


_held: dict[Path, "ArchiveLock"] = {}


class ArchiveLock:
    def __init__(self, path: Path, fd: int):
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


def lock_archive(db_path: str | Path) -> ArchiveLock:
    """Take the archive's lock, or raise ArchiveLocked naming the holder."""
    path = Path(str(db_path) + ".lock").resolve()
    if path in _held:
        _held[path].users += 1
        return _held[path]
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        holder = os.pread(fd, 200, 0).decode("utf-8", "replace").strip() or "another process"
        os.close(fd)
        raise ArchiveLocked(f"another crawl is writing to {db_path} ({holder}); not starting a second one") from None
    os.ftruncate(fd, 0)
    os.pwrite(fd, f"pid {os.getpid()}, started {dt.datetime.now().isoformat(timespec='seconds')}\n".encode(), 0)
    _held[path] = ArchiveLock(path, fd)
    return _held[path]

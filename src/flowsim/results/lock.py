"""A lock on a results folder, so two commands never write (or read half-written) it at once.

The lock is ``flock(2)`` on ``<folder>/.flowsim.lock``: writers (``flowsim run``,
``flowsim sweep``) hold it exclusively, readers (``flowsim compare``) shared. The kernel
releases it when the holder exits for any reason (even ``kill -9``), so a lock is never
left stale. The file records who holds it (pid, host, command, start time) for the message
another command prints when it finds the folder in use. The file is never deleted:
deleting a lock file while another process waits on it would let two holders in.
"""

from __future__ import annotations

import fcntl
import json
import os
import socket
import sys
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType

from flowsim.errors import ResultsError

LOCK_FILE = ".flowsim.lock"


def _holder(fd: int) -> str:
    try:
        data = json.loads(os.pread(fd, 4096, 0).decode("utf-8") or "{}")
    except (OSError, ValueError):
        data = {}
    if not data:
        return "another flowsim command"
    return (
        f"'{data.get('command', 'flowsim')}' (pid {data.get('pid')} on {data.get('host')}, "
        f"since {data.get('started')})"
    )


class FolderLock:
    """Exclusive (writer) or shared (reader) lock on a results folder.

    Args:
        root: The results folder (must exist).
        shared: Take a shared lock (readers) instead of an exclusive one.
    """

    def __init__(self, root: str | Path, *, shared: bool = False) -> None:
        self.root = Path(root)
        self.path = self.root / LOCK_FILE
        self.shared = shared
        self._fd: int | None = None

    def acquire(self) -> FolderLock:
        """Take the lock without waiting.

        Raises:
            ResultsError: The folder is in use (naming the holder) or cannot be locked.
        """
        if self._fd is not None:
            return self
        try:
            if self.shared:
                if not self.path.exists():
                    return self  # no writer ever locked it; nothing to wait for
                fd = os.open(self.path, os.O_RDONLY)
            else:
                fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        except OSError as exc:
            raise ResultsError(f"{self.path}: cannot open the lock file ({exc.strerror})") from None
        try:
            fcntl.flock(fd, (fcntl.LOCK_SH if self.shared else fcntl.LOCK_EX) | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = _holder(fd)
            os.close(fd)
            raise ResultsError(
                f"{self.root} is in use by {holder}; wait for it to finish, or use another folder"
            ) from None
        if not self.shared:
            info = {
                "pid": os.getpid(),
                "host": socket.gethostname(),
                "command": " ".join(["flowsim", *sys.argv[1:]])[:300],
                "started": datetime.now(UTC).isoformat(timespec="seconds"),
            }
            os.ftruncate(fd, 0)
            os.pwrite(fd, json.dumps(info).encode("utf-8"), 0)
        self._fd = fd
        return self

    def release(self) -> None:
        """Release the lock (closing the file releases it)."""
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None

    def __enter__(self) -> FolderLock:
        return self if self._fd is not None else self.acquire()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.release()

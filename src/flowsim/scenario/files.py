"""Reading scenario and experiment files safely: regular files only, bounded, UTF-8.

A FIFO, a device or a link to one (``/dev/zero``) is never opened for reading, since that
can block forever or never end; files above ``MAX_FILE_BYTES`` are refused before being
read. A UTF-8 byte-order mark is ignored, Windows line ends are accepted.
"""

from __future__ import annotations

import os
import stat
import tomllib
from pathlib import Path
from typing import Any

from flowsim.errors import Problem, ScenarioError

#: Largest scenario or experiment file read: the largest shipped file is under 10 kB.
MAX_FILE_BYTES = 1_000_000


def check_regular(path: Path, shown: str | None = None, limit: int = MAX_FILE_BYTES) -> None:
    """Raise unless ``path`` is a regular file no larger than ``limit`` bytes.

    Raises:
        ScenarioError: Naming the file and what it is instead.
    """
    shown = shown or str(path)
    try:
        info = os.stat(path)
    except FileNotFoundError:
        raise ScenarioError([Problem(shown, "file", "no such file")]) from None
    except OSError as exc:
        raise ScenarioError([Problem(shown, "file", f"cannot read ({exc.strerror})")]) from None
    if stat.S_ISDIR(info.st_mode):
        raise ScenarioError([Problem(shown, "file", "is a folder (allowed: a .toml file)")])
    if not stat.S_ISREG(info.st_mode):
        raise ScenarioError(
            [Problem(shown, "file", "is not a regular file (a pipe or device; allowed: a file)")]
        )
    if info.st_size > limit:
        raise ScenarioError(
            [
                Problem(
                    shown,
                    "file",
                    f"is {info.st_size:,} bytes (allowed: at most {limit:,} bytes)",
                )
            ]
        )


def read_text(path: Path, shown: str | None = None) -> str:
    """Return the text of a small regular UTF-8 file (a leading BOM removed).

    Raises:
        ScenarioError: The file is missing, not a regular file, too large, unreadable or
            not UTF-8.
    """
    shown = shown or str(path)
    check_regular(path, shown)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise ScenarioError([Problem(shown, "file", f"cannot read ({exc.strerror})")]) from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ScenarioError(
            [Problem(shown, "file", f"not UTF-8 text (byte {exc.start}; allowed: UTF-8)")]
        ) from None
    return text.removeprefix("\ufeff")


def read_toml(path: Path, shown: str | None = None) -> dict[str, Any]:
    """Return a TOML file's content.

    Raises:
        ScenarioError: As :func:`read_text`, or when the file is empty or not valid TOML.
    """
    shown = shown or str(path)
    text = read_text(path, shown)
    if not text.strip():
        raise ScenarioError([Problem(shown, "file", "the file is empty")])
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ScenarioError([Problem(shown, "toml", f"not valid TOML: {exc}")]) from None

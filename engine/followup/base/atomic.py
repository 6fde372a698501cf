"""Replacing a file's contents all at once: readers see the old file or the new one, never half.

The new bytes go to a temporary file beside the target (same directory, so the same file
system and ``os.replace`` is an atomic rename), which is flushed and fsynced, given the
target's permission bits, then renamed over it; the directory is fsynced so the rename
survives a crash. If anything fails on the way (a full disk, an interrupt), the temporary
file is removed and the target is untouched.

A general atomic-output helper is being written for ``base/output.py``; this module is
deliberately one function with the same contract, so it can be swapped for that one.
"""

from __future__ import annotations

import os
import stat
import tempfile
from pathlib import Path

from followup.base.errors import InputError, Location

#: Permission bits for a new file before the umask, as ``open()`` gives it.
NEW_FILE_MODE = 0o666


def write_atomic(path: str | os.PathLike[str], data: bytes, *, expect: bytes | None = None) -> None:
    """Replace ``path``'s contents with ``data`` atomically, keeping its permission bits.

    ``expect``: the bytes the caller read; if the file no longer holds them (someone else
    wrote it meanwhile), nothing is written and an ``InputError`` says so. A symbolic link is
    followed: the file it points to is replaced, the link stays.
    """
    target = Path(os.path.realpath(path))
    mode = _mode_of(target)
    handle, temporary = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        os.chmod(temporary, mode)
        if expect is not None and _current(target) != expect:
            raise InputError("the file changed while it was being updated; nothing was written, run it again",
                             Location(str(path)))
        os.replace(temporary, target)
    except BaseException:
        try:
            os.unlink(temporary)
        except FileNotFoundError:
            pass
        raise
    _sync_directory(target.parent)


def _mode_of(target: Path) -> int:
    try:
        return stat.S_IMODE(target.stat().st_mode)
    except FileNotFoundError:
        umask = os.umask(0)
        os.umask(umask)
        return NEW_FILE_MODE & ~umask


def _current(target: Path) -> bytes | None:
    try:
        return target.read_bytes()
    except FileNotFoundError:
        return None


def _sync_directory(directory: Path) -> None:
    """Make the rename durable; a platform that cannot open a directory (Windows) skips it."""
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)

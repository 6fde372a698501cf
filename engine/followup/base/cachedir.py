"""The one folder where followup keeps its caches (validated rulesets, holiday tables), and how
its entries are read and written.

Both caches only ever save work: deleting the folder, or ``FOLLOWUP_CACHE=0``, changes no
advice. So nothing read from the folder is trusted:

- The folder is the platform's user cache folder (``platformdirs``: ``$XDG_CACHE_HOME/followup``
  or ``~/.cache/followup`` on Linux, as the XDG spec says, ignoring a relative
  ``$XDG_CACHE_HOME``; ``~/Library/Caches/followup`` on macOS; ``%LOCALAPPDATA%`` on Windows).
  It is used only if it is a real folder (not a link) owned by the user and writable by no one
  else; it is made (mode 0700) only where at most two folders are missing, so a home that does
  not exist is never made. With no usable folder, followup runs without a cache, silently.
- An entry is read only if it is a regular file owned by the user, with one link and at most
  the size its caller allows (``lstat``, then ``open`` with ``O_NOFOLLOW|O_NONBLOCK``, then
  ``fstat`` of the same file): a link to ``/dev/zero`` or a FIFO is passed over at once.
- Every entry carries an HMAC-SHA256 of its name and content, keyed by 32 random bytes in
  ``key`` (mode 0600) in the folder, made on first use. Anyone who could write the folder
  could read the key, hence the checks of the folder above. An entry whose HMAC does not
  match is treated as missing; its caller rebuilds it, and the rebuilt entry replaces it.
- Writes go to a new temporary file (``mkstemp``: ``O_EXCL``, mode 0600) renamed over the
  entry: readers see all of it or nothing, and a link at the entry is replaced, never followed.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import re
import stat
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import platformdirs

APP = "followup"
KEY_FILE = "key"
KEY_BYTES = 32
#: Folders ``cache_dir`` may make: the app's folder and the cache base (``~/.cache``), never a home.
MAKE_AT_MOST = 2
#: An entry starts ``{"mac":"<64 hex digits>",``: the rest of the JSON object is what is signed.
_HEAD = b'{"mac":"'
_MAC_END = len(_HEAD) + 64
_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._+-]*")
_OPEN_FLAGS = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0)


def cache_dir() -> Path | None:
    """The cache folder, made if need be; None when the cache is off or no safe folder can be had."""
    if os.environ.get("FOLLOWUP_CACHE", "1") == "0":
        return None
    folder = _location()
    if folder is None or not _make(folder):
        return None
    return folder if _private_folder(folder) else None


def _location() -> Path | None:
    """Where the platform keeps a user's caches, for followup; None if that is not an absolute path."""
    xdg = os.environ.get("XDG_CACHE_HOME", "")
    if xdg and not os.path.isabs(xdg) and sys.platform not in ("win32", "darwin"):
        # The XDG spec: a relative path is invalid and is ignored. Older platformdirs releases
        # would use it (writing into the working directory); the spec's default is this one.
        path = os.path.join(os.path.expanduser("~"), ".cache", APP)
    else:
        path = platformdirs.user_cache_dir(APP, appauthor=False)
    return Path(path) if os.path.isabs(path) else None


def _make(folder: Path) -> bool:
    """Make ``folder`` (0700) if it is missing and at most ``MAKE_AT_MOST`` folders are."""
    missing: list[Path] = []
    current = folder
    while not os.path.lexists(current):
        missing.append(current)
        if len(missing) > MAKE_AT_MOST or current.parent == current:
            return False  # HOME=/nonexistent: make nothing rather than a whole tree
        current = current.parent
    try:
        for path in reversed(missing):
            path.mkdir(mode=0o700)
    except OSError:
        return False
    return True


def _private_folder(folder: Path) -> bool:
    """A real folder (not a link to one), owned by this user, that no one else may write."""
    try:
        info = os.lstat(folder)
    except OSError:
        return False
    return stat.S_ISDIR(info.st_mode) and _owned(info) and not (_POSIX and info.st_mode & (stat.S_IWGRP | stat.S_IWOTH))


#: Owners and mode bits mean something (on Windows, ACLs do instead, and stat shows neither).
_POSIX = hasattr(os, "geteuid")


def _owned(info: os.stat_result) -> bool:
    return not _POSIX or info.st_uid == os.geteuid()


@dataclass(frozen=True)
class Cache:
    """The usable cache folder and its key; ``open_cache()`` makes one."""

    folder: Path
    secret: bytes

    def read(self, name: str, limit: int) -> Any | None:
        """The JSON object stored as ``name``, if it is a sound entry of at most ``limit`` bytes."""
        raw = read_regular(self.folder / _checked(name), limit)
        if raw is None or not raw.startswith(_HEAD) or raw[_MAC_END:_MAC_END + 2] != b'",':
            return None
        signed = raw[_MAC_END + 2:]
        if not hmac.compare_digest(raw[len(_HEAD):_MAC_END], self._mac(name, signed).encode()):
            return None
        try:
            data = json.loads(b"{" + signed)
        except ValueError:
            return None
        return data if isinstance(data, dict) else None

    def write(self, name: str, data: dict[str, Any], limit: int) -> bool:
        """Store ``data`` (a non-empty JSON object) as ``name``, if it fits in ``limit`` bytes."""
        body = json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
        if not data or len(body) + _MAC_END + 1 > limit:
            return False
        signed = body[1:]
        return write_atomic(self.folder / _checked(name), _HEAD + self._mac(name, signed).encode() + b'",' + signed)

    def _mac(self, name: str, signed: bytes) -> str:
        return hmac.new(self.secret, name.encode() + b"\0" + signed, hashlib.sha256).hexdigest()

    def prune(self, pattern: str, keep: int) -> None:
        """Remove all but the ``keep`` newest entries matching ``pattern``."""
        try:
            found = [(os.lstat(path).st_mtime, path) for path in self.folder.glob(pattern)]
            for _, old in sorted(found, reverse=True)[keep:]:
                old.unlink(missing_ok=True)
        except OSError:
            pass  # pruning only saves disk space


def open_cache() -> Cache | None:
    """The cache, with its key (made on first use); None if there is no safe cache to be had."""
    folder = cache_dir()
    if folder is None:
        return None
    secret = _key(folder)
    return Cache(folder, secret) if secret is not None else None


def _key(folder: Path) -> bytes | None:
    """The folder's HMAC key: read if it is sound (a private regular file of 32 bytes), else made anew."""
    path = folder / KEY_FILE
    found = read_regular(path, KEY_BYTES, private=True)
    if found is not None and len(found) == KEY_BYTES:
        return found
    secret = os.urandom(KEY_BYTES)
    if not write_atomic(path, secret):
        return None
    # Two processes may make a key at once: the one on disk wins, so entries agree with it.
    found = read_regular(path, KEY_BYTES, private=True)
    return found if found is not None and len(found) == KEY_BYTES else None


def _checked(name: str) -> str:
    if not _NAME.fullmatch(name) or name == KEY_FILE:
        raise ValueError(f"not a cache entry name: {name!r}")
    return name


def read_regular(path: Path, limit: int, private: bool = False) -> bytes | None:
    """The bytes of ``path`` if it is a regular file of this user's, with one link, of at most
    ``limit`` bytes (and, if ``private``, readable by no one else); else None, without blocking."""
    try:
        before = os.lstat(path)
        if not _sound(before, limit, private):
            return None
        fd = os.open(path, _OPEN_FLAGS)
    except OSError:
        return None
    try:
        now = os.fstat(fd)
        if (now.st_dev, now.st_ino) != (before.st_dev, before.st_ino) or not _sound(now, limit, private):
            return None  # replaced between lstat and open
        chunks: list[bytes] = []
        size = 0
        while size <= limit:
            chunk = os.read(fd, min(1 << 20, limit + 1 - size))
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
        return b"".join(chunks) if size <= limit else None  # it grew while being read
    except OSError:
        return None
    finally:
        os.close(fd)


def _sound(info: os.stat_result, limit: int, private: bool) -> bool:
    return (stat.S_ISREG(info.st_mode) and _owned(info) and info.st_nlink == 1 and info.st_size <= limit
            and not (private and _POSIX and info.st_mode & 0o077))


def write_atomic(path: Path, data: bytes) -> bool:
    """Write ``data`` to a new private temporary file and rename it over ``path``; False on failure."""
    temp: str | None = None
    try:
        fd, temp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")  # O_EXCL, mode 0600
        with os.fdopen(fd, "wb") as out:
            out.write(data)
        os.replace(temp, path)  # a link at path is replaced, not followed
        temp = None
        return True
    except OSError:
        return False  # a read-only or full disk only costs speed
    finally:
        if temp is not None:
            Path(temp).unlink(missing_ok=True)

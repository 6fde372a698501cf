"""Writing an output file whole or not at all, without breaking what its path is.

``writing(path)`` is the one way followup writes a file it was asked to produce (``batch -o``;
later ``followup done`` rewriting a situation file). What happens depends on what is there:

- **a regular file, or nothing**: the content goes to a temporary file beside it (same folder,
  so the rename stays on one file system), is flushed to disk (``fsync``) and renamed over it.
  A reader sees the old content or the new, never half of it; an interrupted or failed run
  leaves the old file (or none) and no temporary file. An existing file keeps its mode (and,
  where we may, its owner and group); a new one gets the mode ``open()`` would give it.
- **a symbolic link**: followed; its target is replaced and the link stays a link.
- **a regular file with other hard links**: renaming would cut it off from its other names,
  so once the new content is complete it is copied into the file in place.
- **anything else** (a FIFO, a terminal, ``/dev/stdout``, a socket): there is no file to
  replace, so it is written directly, as a shell's ``>`` would.
- **"-"**: standard output.

A folder, a path that cannot be written, or a write that fails (a full disk, ``/dev/full``, a
closed standard output) is an ``InputError`` naming the path: exit 2, never an internal error.
"""

from __future__ import annotations

import errno
import os
import secrets
import stat
import sys
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, Iterator

from followup.base.errors import InputError, Location, OutputError

#: How the standard output is named in messages.
STDOUT = "<stdout>"


class Output:
    """What ``writing`` yields: ``write(bytes)``; a failed write is an ``InputError`` naming the file."""

    def __init__(self, handle: BinaryIO, name: str) -> None:
        self._handle = handle
        self.name = name

    def write(self, data: bytes) -> None:
        """Write ``data`` (buffered)."""
        try:
            self._handle.write(data)
        except OSError as exc:
            raise _failed(self.name, exc) from None

    def flush(self) -> None:
        """Hand what is buffered to the operating system."""
        try:
            self._handle.flush()
        except OSError as exc:
            raise _failed(self.name, exc) from None


@contextmanager
def writing(path: str | Path) -> Iterator[Output]:
    """Write the file at ``path`` (see the module docstring): whole when the block ends without
    an exception, untouched (for a regular file) when it raises one, even ``KeyboardInterrupt``."""
    name = str(path)
    if name == "-":
        with _stdout() as out:
            yield out
        return
    target = _inspect(name)
    if target.direct:
        with _direct(name) as out:
            yield out
    else:
        with _replacing(name, target) as out:
            yield out


def write_bytes(path: str | Path, data: bytes, *, expect: bytes | None = None) -> None:
    """Write ``data`` as the whole content of ``path``, the way ``writing`` does.

    ``expect``: the bytes the caller read and edited; if the file no longer holds them
    (someone wrote it meanwhile), nothing is written and an ``InputError`` says so.
    """
    with writing(path) as out:
        out.write(data)
        if expect is not None and _current(path) != expect:
            raise InputError("the file changed while it was being edited; nothing was written: run again",
                             Location(str(path)))


def _current(path: str | Path) -> bytes | None:
    try:
        with open(path, "rb") as handle:
            return handle.read()
    except OSError:
        return None


@dataclass(frozen=True)
class _Target:
    """What is at an output path: where to put the file, and what to keep of the old one."""

    direct: bool  # not a regular file: write to it as it is
    real: str = ""  # the path to replace, links followed
    old: os.stat_result | None = None  # the file replaced, if there is one


def _inspect(name: str) -> _Target:
    try:
        st = os.stat(name)  # follows links: what a write would reach
    except FileNotFoundError:
        st = None
    except OSError as exc:
        raise InputError(f"cannot write: {exc.strerror}", Location(name)) from None
    if st is not None and stat.S_ISDIR(st.st_mode):
        raise InputError("is a folder, not a file", Location(name))
    if st is not None and not stat.S_ISREG(st.st_mode):
        return _Target(direct=True)
    real = os.path.realpath(name)
    if st is not None:
        # A "magic" link (/dev/stdout -> /proc/self/fd/1 -> a deleted file) can reach a file
        # that has no name realpath could give: then there is nothing to rename over.
        try:
            same = os.stat(real)
        except OSError:
            return _Target(direct=True)
        if (same.st_dev, same.st_ino) != (st.st_dev, st.st_ino):
            return _Target(direct=True)
    return _Target(direct=False, real=real, old=st)


@contextmanager
def _direct(name: str) -> Iterator[Output]:
    try:  # no O_CREAT, no O_TRUNC: a device or FIFO is used as it is
        fd = os.open(name, os.O_WRONLY | os.O_NOCTTY | os.O_CLOEXEC)
    except OSError as exc:
        raise InputError(f"cannot write: {exc.strerror}", Location(name)) from None
    handle = os.fdopen(fd, "wb")
    out = Output(handle, name)
    try:
        yield out
        out.flush()
    except BaseException:
        # Closing flushes what a failed write left in the buffer, and fails again (/dev/full):
        # that second failure must not replace the first, which names the file.
        try:
            handle.close()
        except OSError:
            pass
        raise
    try:
        handle.close()
    except OSError as exc:
        raise _failed(name, exc) from None


@contextmanager
def _replacing(name: str, target: _Target) -> Iterator[Output]:
    folder, base = os.path.split(target.real)
    old = target.old
    # An existing file's permissions from the first byte (no window in which it is wider); a
    # new file's are 0666 less the umask, which the kernel applies to os.open's mode.
    mode = stat.S_IMODE(old.st_mode) if old else 0o666
    fd, temp = _temporary(folder or ".", base, mode, name)
    try:
        with os.fdopen(fd, "wb") as handle:
            out = Output(handle, name)
            yield out
            out.flush()
            try:
                if old:
                    os.fchmod(handle.fileno(), mode)  # the umask may have narrowed the creation mode
                    _keep_owner(handle.fileno(), old)
                os.fsync(handle.fileno())
            except OSError as exc:
                raise _failed(name, exc) from None
        try:
            if old and old.st_nlink > 1:
                _copy_into(temp, target.real)
            else:
                os.replace(temp, target.real)
                _sync_folder(folder or ".")
        except OSError as exc:
            raise _failed(name, exc) from None
    finally:
        try:
            os.unlink(temp)
        except FileNotFoundError:
            pass


def _temporary(folder: str, base: str, mode: int, name: str) -> tuple[int, str]:
    """A new file beside the target, ``.<name>.<random>.tmp``; O_EXCL so it is ours alone."""
    for _ in range(100):
        temp = os.path.join(folder, f".{base}.{secrets.token_hex(4)}.tmp")
        try:
            return os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC, mode), temp
        except FileExistsError:
            continue
        except OSError as exc:
            raise InputError(f"cannot write: {exc.strerror}", Location(name)) from None
    raise InputError("cannot write: no free temporary name beside it", Location(name))


def _keep_owner(fd: int, old: os.stat_result) -> None:
    """The replaced file's owner and group, where we may set them (root may, others mostly not)."""
    st = os.fstat(fd)
    if (st.st_uid, st.st_gid) != (old.st_uid, old.st_gid):
        try:
            os.fchown(fd, old.st_uid, old.st_gid)
        except PermissionError:
            pass


def _copy_into(temp: str, real: str) -> None:
    """Rewrite ``real`` in place with ``temp``'s content, keeping its inode and so its hard links."""
    with open(temp, "rb") as source, open(real, "r+b") as dest:
        while block := source.read(1 << 20):
            dest.write(block)
        dest.truncate()
        dest.flush()
        os.fsync(dest.fileno())


def _sync_folder(folder: str) -> None:
    """Make the rename itself durable; a file system that cannot sync a folder is no error."""
    try:
        fd = os.open(folder, os.O_RDONLY | os.O_CLOEXEC)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


@contextmanager
def _stdout() -> Iterator[Output]:
    stream = sys.stdout
    if stream is None:  # started with stdout closed (>&-): Python sets it to None
        raise OutputError("cannot write the output: standard output is closed")
    stream.flush()  # what click may have written before comes first
    out = Output(stream.buffer, STDOUT)
    try:
        yield out
        out.flush()
    except OutputError:
        # The interpreter flushes stdout once more when it exits; pointed at /dev/null, that
        # last flush cannot fail again and print a traceback after our message.
        silence_stdout()
        raise


def silence_stdout() -> None:
    """Point standard output at ``/dev/null``: after a failed write, the interpreter's last
    flush at exit cannot fail again and print a traceback after our message."""
    try:
        null = os.open(os.devnull, os.O_WRONLY)
        os.dup2(null, sys.stdout.fileno())
        os.close(null)
    except (OSError, ValueError):
        pass


def _failed(name: str, exc: OSError) -> BaseException:
    """A failed write as what the user should see; a reader that went away (``| head``) stays
    a ``BrokenPipeError``, which click ends quietly."""
    if exc.errno == errno.EPIPE:
        return exc
    return OutputError(f"cannot write the output: {exc.strerror or exc}", Location(name))

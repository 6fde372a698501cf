"""A cache of validated ruleset layers, so a cold ``followup advise`` skips YAML and schema work.

Loading the rulesets (parsing YAML, validating each layer against the ruleset schema) is the
one expensive step of a cold start that depends only on files. Its result is cached as JSON,
never pickled, in ``$XDG_CACHE_HOME/followup/`` (``~/.cache/followup/`` by default), under a
key that changes whenever anything that could change the result changes:

- every ruleset file the library would read (path, shipped or not, and its bytes);
- the JSON Schemas and the source of the ``followup`` package itself;
- the versions of Python and PyYAML.

A cache entry that is missing, unreadable, corrupt or for another key is ignored, and the
library is loaded from the files as if there were no cache; a cache that cannot be written is
not an error. Only libraries that loaded without errors are cached, so every error message
comes from the files themselves. ``FOLLOWUP_CACHE=0`` turns the cache off.
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
import tempfile
from pathlib import Path
from typing import Any, Iterable

import yaml

from followup.base.errors import InputError, InputErrors
from followup.base.cachedir import cache_dir
from followup.base.paths import schemas_dir
from followup.rules.catalogue import catalogue_name, is_catalogue
from followup.rules.ruleset import Layer, Library, is_ruleset_file, library_folders, load_folder
from followup.load.yamlio import MAX_BYTES, Document

#: Cache files kept; older ones are removed when a new one is written.
KEEP = 16
_FORMAT = "followup-layers/1"
_PACKAGE = Path(__file__).resolve().parent.parent  # the followup package (this module is in rules/)


def load_library(user_dirs: Iterable[str | Path] = ()) -> Library:
    """``Library.load(user_dirs)``, from the cache when the files are unchanged."""
    user_dirs = tuple(user_dirs)
    folder = cache_dir()
    sources = _sources(user_dirs) if folder is not None else None
    if folder is None or sources is None:
        return Library.load(user_dirs)
    key = _key(sources)
    layers = _read(folder / f"layers-{key[:32]}.json", key)
    if layers is not None:
        return Library(layers)
    layers = _load(user_dirs)
    library = Library(layers)
    _write(folder, key, layers)
    return library


def _load(user_dirs: tuple[str | Path, ...]) -> list[Layer]:
    """Every layer of the folders, in order; all the files' errors at once, as ``Library.load``."""
    layers: list[Layer] = []
    errors: list[InputError] = []
    for folder, shipped in library_folders(user_dirs):
        found, bad = load_folder(folder, shipped)
        layers += found
        errors += bad
    if errors:
        raise InputErrors(errors)
    return layers


def _sources(user_dirs: tuple[str | Path, ...]) -> list[tuple[str, bool, bytes]] | None:
    """``(path, shipped, bytes)`` of each ruleset file; None if any is missing or too big (no caching)."""
    out: list[tuple[str, bool, bytes]] = []
    try:
        for folder, shipped in library_folders(user_dirs):
            for path in sorted(Path(folder).iterdir()):
                if is_ruleset_file(path):
                    data = path.read_bytes()
                    if len(data) > MAX_BYTES:
                        return None
                    out.append((str(path), shipped, data))
    except OSError:
        return None
    return out


def _key(sources: list[tuple[str, bool, bytes]]) -> str:
    digest = hashlib.sha256(f"{_FORMAT}\0{sys.version}\0{yaml.__version__}\0".encode())
    for path, shipped, data in sources:
        digest.update(f"{path}\0{shipped}\0{len(data)}\0".encode("utf-8", "surrogateescape"))
        digest.update(data)
    digest.update(_code_digest().encode())
    return digest.hexdigest()


def _code_digest() -> str:
    """The schemas and this package's source: a change to either may change what loads."""
    digest = hashlib.sha256()
    for folder, pattern in ((schemas_dir(), "*.json"), (_PACKAGE, "*.py")):
        for path in sorted(folder.rglob(pattern)):
            digest.update(path.relative_to(folder).as_posix().encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()


def _read(path: Path, key: str) -> list[Layer] | None:
    try:
        with open(path, encoding="utf-8") as handle:
            entry = json.load(handle)
        if entry.get("format") != _FORMAT or entry.get("key") != key:
            return None
        return [_layer(item) for item in entry["layers"]]
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return None  # no cache, or a corrupt one: load from the files


def _layer(item: dict[str, Any]) -> Layer:
    lines = {tuple(path): int(line) for path, line in item["lines"]}
    document = Document(item["data"], str(item["file"]), lines)
    data = document.data
    if is_catalogue(data):
        return Layer(catalogue_name(data), "", document, bool(item["shipped"]))
    return Layer(data["ruleset"], str(data["version"]), document, bool(item["shipped"]))


def _write(folder: Path, key: str, layers: list[Layer]) -> None:
    entry = {"format": _FORMAT, "key": key,
             "layers": [{"file": layer.file, "shipped": layer.shipped, "data": layer.data,
                         "lines": [[list(path), line] for path, line in layer.document.lines.items()]}
                        for layer in layers]}
    temp: str | None = None
    try:
        folder.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile("w", encoding="utf-8", dir=folder, prefix=".tmp-", suffix=".json",
                                         delete=False) as handle:
            temp = handle.name
            json.dump(entry, handle, ensure_ascii=False, separators=(",", ":"))
        os.replace(temp, folder / f"layers-{key[:32]}.json")  # atomic: readers see all of it or nothing
        temp = None
        _prune(folder)
    except (OSError, TypeError, ValueError):
        pass  # a read-only or full disk only costs speed
    finally:
        if temp is not None:
            Path(temp).unlink(missing_ok=True)


def _prune(folder: Path) -> None:
    entries = sorted(folder.glob("layers-*.json"), key=lambda p: p.stat().st_mtime, reverse=True)
    for old in entries[KEEP:]:
        old.unlink(missing_ok=True)

"""A cache of validated ruleset layers, so a cold ``followup advise`` skips YAML and schema work.

Loading the rulesets (parsing YAML, validating each layer against the ruleset schema) is the
one expensive step of a cold start that depends only on files. Its result is cached as JSON,
never pickled, in the user's cache folder (``base/cachedir.py``: ``~/.cache/followup/`` on
Linux), under a key that changes whenever anything that could change the result changes:

- every ruleset file the library would read (path, shipped or not, and its bytes);
- the JSON Schemas and the source of the ``followup`` package itself;
- the versions of Python and PyYAML.

That key can be computed by anyone from the installed files, so it only names an entry; it
is the entry's HMAC (``cachedir.Cache``) that says the entry was written by this user's
followup, and an entry is used only if its layers are those of the files, in order. An entry
that is missing, unreadable, not a private regular file, corrupt, unsigned or for another key
is ignored, the library is loaded from the files as if there were no cache, and the entry is
written anew; a cache that cannot be written is not an error. Only libraries that loaded
without errors are cached, so every error message comes from the files themselves.
``FOLLOWUP_CACHE=0`` turns the cache off.
"""

from __future__ import annotations

import hashlib
import sys
from pathlib import Path
from typing import Any, Iterable

import yaml

from followup.base.errors import InputError, InputErrors
from followup.base.cachedir import Cache, open_cache
from followup.base.paths import schemas_dir
from followup.rules.catalogue import catalogue_name, is_catalogue
from followup.rules.ruleset import Layer, Library, folder_files, library_folders, load_folder
from followup.load.yamlio import MAX_BYTES, Document

#: Cache files kept; older ones are removed when a new one is written.
KEEP = 16
_FORMAT = "followup-layers/1"
_PACKAGE = Path(__file__).resolve().parent.parent  # the followup package (this module is in rules/)
#: An entry is about twice the size of its YAML (data and a line table); far more is not ours.
_SIZE_FACTOR = 8
_SIZE_SLACK = 1 << 20

Source = tuple[str, bool, bytes]


def load_library(user_dirs: Iterable[str | Path] = ()) -> Library:
    """``Library.load(user_dirs)``, from the cache when the files are unchanged."""
    user_dirs = tuple(user_dirs)
    cache = open_cache()
    sources = _sources(user_dirs) if cache is not None else None
    if cache is None or sources is None:
        return Library.load(user_dirs)
    key = _key(sources)
    name, limit = f"layers-{key[:32]}.json", _limit(sources)
    layers = _read(cache, name, limit, key, sources)
    if layers is not None:
        return Library(layers)
    layers = _load(user_dirs)
    library = Library(layers)
    _write(cache, name, limit, key, layers)
    return library


def _limit(sources: list[Source]) -> int:
    return _SIZE_FACTOR * sum(len(data) for _, _, data in sources) + _SIZE_SLACK


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


def _sources(user_dirs: tuple[str | Path, ...]) -> list[Source] | None:
    """``(path, shipped, bytes)`` of each ruleset file; None if any is missing or too big (no caching)."""
    out: list[Source] = []
    try:
        for folder, shipped in library_folders(user_dirs):
            paths, refused = folder_files(Path(folder))
            if refused:
                return None  # loading reports them
            for path in paths:
                data = path.read_bytes()
                if len(data) > MAX_BYTES:
                    return None
                out.append((str(path), shipped, data))
    except OSError:
        return None
    return out


def _key(sources: list[Source]) -> str:
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


def _read(cache: Cache, name: str, limit: int, key: str, sources: list[Source]) -> list[Layer] | None:
    """The layers of a sound entry for ``key`` whose layers are the ``sources``, in order; else None."""
    entry = cache.read(name, limit)
    if entry is None or entry.get("format") != _FORMAT or entry.get("key") != key:
        return None
    try:
        layers = [_layer(item) for item in entry["layers"]]
    except (ValueError, KeyError, TypeError, AttributeError):
        return None  # signed by us but not in this format: load from the files
    # Each file is one layer when the library loads without errors: anything else is not ours.
    if [(layer.file, layer.shipped) for layer in layers] != [(path, shipped) for path, shipped, _ in sources]:
        return None
    return layers


def _layer(item: dict[str, Any]) -> Layer:
    lines = {tuple(path): int(line) for path, line in item["lines"]}
    document = Document(item["data"], str(item["file"]), lines)
    data = document.data
    if is_catalogue(data):
        return Layer(catalogue_name(data), "", document, bool(item["shipped"]))
    return Layer(data["ruleset"], str(data["version"]), document, bool(item["shipped"]))


def _write(cache: Cache, name: str, limit: int, key: str, layers: list[Layer]) -> None:
    entry = {"format": _FORMAT, "key": key,
             "layers": [{"file": layer.file, "shipped": layer.shipped, "data": layer.data,
                         "lines": [[list(path), line] for path, line in layer.document.lines.items()]}
                        for layer in layers]}
    try:
        written = cache.write(name, entry, limit)
    except (TypeError, ValueError):
        return  # data JSON cannot hold: not cached
    if written:
        cache.prune("layers-*.json", KEEP)

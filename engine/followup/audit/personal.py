"""No personal data in a decision log unless asked: names, e-mail addresses, phone numbers and
notes are kept as keyed hashes.

A log kept for years by a counsellor or a platform must hold no more about people than it
needs (GDPR art. 5(1)(c)). What the advice depends on is whether there is a name, an address
or a number and of what kind (``phone_kind`` stays), never what they say; so each value is
replaced by a pseudonym of the same kind, which the situation's schema still accepts:

=================  ==========================================  ============================
field              pseudonym                                   why this shape
=================  ==========================================  ============================
a name             ``name-<12 hex>``                           any text is a name
an e-mail address  ``email-<12 hex>@hashed.invalid``           the schema wants one ``@``
a phone number     ``+<12 digits>``                            the schema wants digits
notes              ``notes-<12 hex>``                          free text
=================  ==========================================  ============================

The hex is HMAC-SHA256 of the value under a random key kept in the user's config folder
(``platformdirs.user_config_dir("followup")/personal-data-key``, mode 0600, made on first
use): one person hashes the same within an installation, so ``followup log erase --email``
finds her decisions, but no one without the key can test a guess. Every value equal to one
(the traces' facts) becomes its pseudonym, and so does each in the advice's sentence, and
``personal_data.situation_digest`` names the situation as logged (``decision.situation_digest``
stays the digest of the one advised on). Replaying the logged situation gives the same advice
(``tests/test_personal_data.py``, on generated situations).
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
from pathlib import Path
from typing import Any, Mapping

import platformdirs

from followup.base.canonical import digest_of
from followup.base.errors import InputError, Location

#: The fields of a normalised situation that hold personal data, and their kind.
FIELDS: tuple[tuple[tuple[str, ...], str], ...] = (
    (("applicant", "name"), "name"), (("contact", "name"), "name"), (("contact", "email"), "email"),
    (("contact", "phone"), "phone"), (("notes",), "notes"),
)
KEY_NAME = "personal-data-key"


def key_path() -> Path:
    """Where the HMAC key is kept: the user's config folder for followup."""
    return Path(platformdirs.user_config_dir("followup")) / KEY_NAME


def load_key(path: Path | None = None) -> bytes:
    """The installation's key, made (32 random bytes, 0600) on first use; a key others may read is refused."""
    path = path or key_path()
    try:
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        if not path.exists():
            # Written whole beside it, then linked into place: a process starting at the same
            # moment sees no key or the whole key, never an empty file; the first link wins.
            spare = path.with_name(f".{KEY_NAME}.{os.getpid()}.{secrets.token_hex(4)}")
            fd = os.open(spare, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC, 0o600)
            try:
                with os.fdopen(fd, "wb") as handle:
                    handle.write(secrets.token_bytes(32))
                    handle.flush()
                    os.fsync(handle.fileno())
                try:
                    os.link(spare, path)
                except FileExistsError:
                    pass
            finally:
                os.unlink(spare)
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC)
        with os.fdopen(fd, "rb") as handle:
            if os.fstat(handle.fileno()).st_mode & 0o077:
                raise InputError("the personal-data key may be read by others; make it owner-only (chmod 600)",
                                 Location(str(path)))
            key = handle.read(64)
    except OSError as exc:
        raise InputError(f"cannot use the personal-data key: {exc.strerror}", Location(str(path))) from None
    if len(key) < 16:
        raise InputError("the personal-data key is too short (damaged?); remove it to make a new one",
                         Location(str(path)))
    return key


def pseudonym(value: str, kind: str, key: bytes) -> str:
    """The keyed hash of ``value`` in the shape of its ``kind`` (see the module docstring)."""
    mac = hmac.new(key, f"{kind}\0{value}".encode("utf-8", "surrogatepass"), hashlib.sha256).digest()
    if kind == "email":
        return f"email-{mac.hex()[:12]}@hashed.invalid"
    if kind == "phone":
        return "+" + str(int.from_bytes(mac[:8], "big") % 10**12).zfill(12)
    return f"{kind}-{mac.hex()[:12]}"


def personal_values(situation: Mapping[str, Any], key: bytes) -> dict[str, str]:
    """Each personal value of a normalised situation, and its pseudonym."""
    found: dict[str, str] = {}
    for path, kind in FIELDS:
        value: Any = situation
        for part in path:
            value = value.get(part) if isinstance(value, Mapping) else None
        if isinstance(value, str) and value:
            found[value] = pseudonym(value, kind, key)
    return found


#: The same fields as fact paths, as the traces name them.
_FACTS = {".".join(path): kind for path, kind in FIELDS}


def pseudonymize(document: Mapping[str, Any], key: bytes) -> dict[str, Any]:
    """The audit document with every personal value of its situation replaced (module docstring).

    Only where a personal value is: its field of the situation, the traces' facts of that
    path, and the advice's sentence. A value equal to one elsewhere (a name that is also a
    stage, ``applied``) stays, or the situation would no longer be one.
    """
    situation = document.get("situation")
    values = personal_values(situation, key) if isinstance(situation, Mapping) else {}

    def hashed(path: str, value: Any) -> Any:
        return pseudonym(value, _FACTS[path], key) if path in _FACTS and isinstance(value, str) and value else value

    def clean(value: Any) -> Any:
        if isinstance(value, dict):
            out = {k: clean(v) for k, v in value.items()}
            if isinstance(out.get("fact"), str) and "actual" in out:  # a condition of the full trace
                out["actual"] = hashed(out["fact"], out["actual"])
            for name in ("facts",):  # the fired rules' and the compact trace's facts, by path
                if isinstance(out.get(name), dict):
                    out[name] = {k: hashed(k, v) for k, v in out[name].items()}
            return out
        if isinstance(value, list):
            return [clean(v) for v in value]
        return value

    out = {k: (clean(v) if k != "situation" else v) for k, v in document.items()}
    if isinstance(situation, Mapping):
        logged = json_copy(situation)
        for path, kind in FIELDS:
            holder: Any = logged
            for part in path[:-1]:
                holder = holder.get(part) if isinstance(holder, dict) else None
            if isinstance(holder, dict) and isinstance(holder.get(path[-1]), str) and holder[path[-1]]:
                holder[path[-1]] = pseudonym(holder[path[-1]], kind, key)
        out["situation"] = logged
    if isinstance(out.get("verdict"), str):  # the one sentence a name or address is written into
        for original in sorted((v for v in values if len(v) >= 3), key=len, reverse=True):
            out["verdict"] = out["verdict"].replace(original, values[original])
    out["personal_data"] = {"kept": False, "situation_digest": digest_of(out["situation"])} \
        if isinstance(out.get("situation"), Mapping) else {"kept": False}
    return out


def json_copy(value: Any) -> Any:
    """A deep copy of JSON data (dicts and lists new, the rest shared)."""
    if isinstance(value, Mapping):
        return {k: json_copy(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [json_copy(v) for v in value]
    return value


def erasure_matches(document: Mapping[str, Any], key: bytes, *, email: str | None = None,
                    name: str | None = None, decision_id: str | None = None) -> bool:
    """Whether a logged decision concerns this person (by address or name, kept or hashed) or has this id."""
    decision = document.get("decision")
    if decision_id is not None and isinstance(decision, Mapping) and decision.get("id") == decision_id:
        return True
    situation = document.get("situation")
    if not isinstance(situation, Mapping):
        return False
    wanted = set()
    if email is not None:
        wanted |= {email, pseudonym(email, "email", key)}
    if name is not None:
        wanted |= {name, pseudonym(name, "name", key)}
    held = set()
    for path, _ in FIELDS:
        value: Any = situation
        for part in path:
            value = value.get(part) if isinstance(value, Mapping) else None
        if isinstance(value, str):
            held.add(value)
    return bool(wanted & held)

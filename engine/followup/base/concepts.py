"""followup's concepts, each defined once: the channels, actions, purposes, stages, outcomes
and languages that situations, rules, rule tests and advice share.

The code uses these enums (they are ``str``, so ``Channel.EMAIL == "email"``). Each JSON
Schema carries the same lists once, as ``$defs`` that its properties reference
(``{"$ref": "#/$defs/channel"}``): the schemas are published on their own (editors, the
HTTP API's OpenAPI document), where a reference to another file would not resolve, so each
is self-contained. ``tests`` check that every schema's ``$defs`` are ``SCHEMA_DEFS`` and that
no schema spells a list out anywhere else.
"""

from __future__ import annotations

from enum import Enum
from typing import Any


class Concept(str, Enum):
    """A value of one of followup's concepts: compares equal to its text."""

    def __str__(self) -> str:
        return self.value


class Channel(Concept):
    """A way to follow up, in the order the resolver ranks them when nothing else decides."""

    EMAIL = "email"
    PHONE = "phone"
    LINKEDIN = "linkedin"
    IN_PERSON = "in_person"
    LETTER = "letter"
    INSIDER = "insider"  # a contact inside the company puts in a word


class Action(Concept):
    """What the advice says to do."""

    FOLLOW_UP = "follow_up"
    WAIT = "wait"
    STOP = "stop"


class Purpose(Concept):
    """What a follow-up is for."""

    THANK_YOU = "thank_you"
    STATUS = "status"
    PROCESS_QUESTION = "process_question"
    COMPETING_OFFER = "competing_offer"


class Stage(Concept):
    """Where the application is."""

    CONSIDERING = "considering"
    APPLIED = "applied"
    INTERVIEWED = "interviewed"


class Outcome(Concept):
    """What the employer decided, if anything yet."""

    PENDING = "pending"
    REJECTED = "rejected"
    HIRED = "hired"


class Language(Concept):
    """A language advice and drafts are written in."""

    EN = "en"
    DA = "da"
    SV = "sv"
    NB = "nb"


def values(concept: type[Concept]) -> tuple[str, ...]:
    """The concept's values, in their order."""
    return tuple(member.value for member in concept)


#: The ``$defs`` every schema that uses a concept carries, by name.
SCHEMA_DEFS: dict[str, dict[str, Any]] = {
    "channel": {"type": "string", "enum": list(values(Channel)), "description": "A way to follow up."},
    "action": {"type": "string", "enum": list(values(Action)), "description": "What the advice says to do."},
    "purpose": {"type": "string", "enum": list(values(Purpose)), "description": "What a follow-up is for."},
    "stage": {"type": "string", "enum": list(values(Stage)), "description": "Where the application is."},
    "outcome": {"type": "string", "enum": list(values(Outcome)), "description": "What the employer decided."},
    "language": {"type": "string", "enum": list(values(Language)),
                 "description": "A language: en, da (Danish), sv (Swedish), nb (Norwegian Bokmål)."},
}

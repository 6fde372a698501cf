"""followup's public Python API: advice for a situation, from a program.

    >>> import followup
    >>> decision = followup.advise({"country": "DK", "stage": "applied", ...}, today="2026-11-21")
    >>> decision.action, decision.channel, decision.timing.earliest
    ('follow_up', 'email', datetime.date(2026, 11, 21))

``advise`` takes a situation as a mapping (what ``json.load`` or ``yaml.safe_load`` gives) or
as the path of a YAML or JSON file, and returns a frozen ``Decision``. ``Rules`` holds the
merged and compiled rulesets (the shipped ones and your own folders) and is meant to be made
once and reused: from many threads at once, too. Every command of the ``followup`` CLI is a
thin layer over this module, and the authoring tools (lint, rule tests) advise through it too.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterable, Mapping
import re
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from typing import Any, Union

from followup.base.concepts import Language, values
from followup.audit.log import DecisionLog
from followup.audit.personal import load_key, pseudonymize
from followup.audit.record import DecisionRecord, new_record
from followup.audit.compact import TRACES
from followup.audit.explain import Explanation
from followup.audit.explain import explain as explain_advice
from followup.audit.whynot import SUBJECTS, WhyNot
from followup.audit.whynot import why_not as why_not_advice
from followup.base.errors import InputError, InputErrors, Location
from followup.engine.advice import Advice, Assumption, Conflict, Point, Timing
from followup.engine.engine import Engine
from followup.load.situation import Situation, load_situation, situation_from_data
from followup.render.draft import Draft, make_draft
from followup.render.encode import advice_text
from followup.render.text import advice_document, audit_document, render_text, verdict
from followup.rules.ruleset import Library, MergedRuleset

#: What ``advise`` accepts as a situation: parsed data, or the path of a YAML or JSON file.
SituationInput = Union[Mapping[str, Any], str, "os.PathLike[str]"]
#: The languages advice can be written in (the reader's: verdict, reasons, points, dates).
LANGUAGES = values(Language)
_ISO_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")


@dataclass(frozen=True)
class Decision:
    """The advice for one situation, and the record that names this decision.

    The attributes are the advice's structured fields; ``verdict`` and ``text()`` render them
    in ``lang`` when asked. ``to_json()`` is exactly what ``followup advise --format json``
    prints for the same situation (its decision ``id`` and ``timestamp`` aside).
    """

    action: str
    channel: str | None
    alternatives: tuple[str, ...]
    forbidden: tuple[str, ...]
    timing: Timing
    purpose: str | None
    say: tuple[Point, ...]
    avoid: tuple[Point, ...]
    cautions: tuple[Point, ...]
    warnings: tuple[str, ...]
    conflicts: tuple[Conflict, ...]
    record: DecisionRecord
    lang: str = "en"
    advice: Advice = field(repr=False, compare=False, default=None)  # type: ignore[assignment]
    #: What the advice assumed for fields the situation left out (``engine/assumptions.py``).
    assumptions: tuple[Assumption, ...] = ()

    @classmethod
    def of(cls, advice: Advice, record: DecisionRecord, lang: str = "en") -> "Decision":
        """The decision for an advice the engine made, under ``record``."""
        return cls(advice.action, advice.channel, advice.alternatives, advice.forbidden, advice.timing,
                   advice.purpose, advice.say, advice.avoid, advice.cautions, advice.warnings, advice.conflicts,
                   record, lang, advice, advice.assumptions)

    @property
    def id(self) -> str:
        """The decision's id (a UUID), as in its record and the audit log."""
        return self.record.id

    @property
    def verdict(self) -> str:
        """The advice in one sentence, in ``lang``."""
        return verdict(self.advice, self.lang)

    def text(self) -> str:
        """The advice for people, as ``followup advise`` prints it, in ``lang``."""
        return render_text(self.advice, lang=self.lang)

    def draft(self, language: str | None = None, channel: str | None = None) -> Draft | None:
        """The message to send (or what to say on the phone), for an advice to follow up; else None.

        It is written in ``language`` if given, else the situation's ``language`` (by default
        the country's: da, sv, nb; en elsewhere), whatever the reader's ``lang``. ``channel``
        asks for it by one of the advice's alternatives (e.g. ``insider``) instead.
        """
        return make_draft(self.advice, check_lang(language) if language is not None else None, channel)

    def to_dict(self, *, explanation: bool = True, trace: str | None = None) -> dict[str, Any]:
        """The advice document as data (``schemas/advice.schema.json``).

        ``trace`` is ``"full"`` (the default: every rule, condition by condition),
        ``"compact"`` (what this situation decided; ``followup.audit.compact.expand_document``
        gives the full one back from the ruleset) or ``"none"``; ``explanation=False`` is ``"none"``.
        """
        return advice_document(self.advice, self.record, explanation=explanation, trace=check_trace(trace),
                               lang=self.lang)

    def to_json(self, *, trace: str | None = None) -> str:
        """The advice document as JSON text, exactly as ``followup advise --format json [--trace T]`` prints it."""
        return self.to_json_bytes(trace=trace).decode("utf-8")

    def to_json_bytes(self, *, trace: str | None = None) -> bytes:
        """``to_json()`` as UTF-8: for a file or a socket, without the text's round trip."""
        return advice_text(self.advice, self.record, trace=check_trace(trace), lang=self.lang)

    def audit_document(self, *, personal_data: bool = False) -> dict[str, Any]:
        """What a decision log keeps of this decision: the document, with the compact trace, and the
        normalised situation (append it with the ruleset, ``advice.basis.merged``, which the log stores once).

        Names, e-mail addresses, phone numbers and notes are keyed hashes (``audit/personal.py``)
        unless ``personal_data=True``.
        """
        document = audit_document(self.advice, self.record)
        if personal_data:
            return {**document, "personal_data": {"kept": True}}
        return pseudonymize(document, load_key())

    def explain(self) -> Explanation:
        """Every rule of the ruleset, fired or not, condition by condition."""
        return explain_advice(self.advice)

    def why_not(self, subject: str) -> WhyNot:
        """Why the advice is not to use channel ``subject``, or (``"follow_up"``) not to follow up now."""
        if subject not in SUBJECTS:
            raise _errors(InputError(f"'{str(subject)[:40]}' is not a channel; choose one of: {', '.join(SUBJECTS)}",
                                     Location(None, None, "subject")))
        return why_not_advice(self.advice, subject)


class Rules:
    """The shipped rulesets and your own folders, merged and compiled once, then reused.

    ``dirs`` are folders of your own rulesets; a layer there wins over the shipped layer of the
    same name. ``library`` is instead a ``Library`` already loaded: what the authoring tools
    (lint, rule tests) advise with for the rules under test, as lint loads them leniently
    (``strict=False``) to report their problems as findings; ``dirs`` is then empty. One
    ``Rules`` may serve many threads at once (the engine serialises matching, since
    durable_rules' C core has no locks of its own).
    """

    def __init__(self, dirs: Iterable[str | os.PathLike[str]] = (), *, library: Library | None = None) -> None:
        self.dirs = tuple(str(d) for d in dirs)
        if library is not None and self.dirs:
            # One source of rules: folders named beside a library would silently be ignored.
            raise ValueError("Rules takes rules folders or a loaded library, not both")
        try:
            self._engine = Engine(self.dirs, library=library)
        except InputError as exc:  # a folder that is missing or holds a bad ruleset: as every input problem
            raise _errors(exc) from None

    def situation(self, situation: SituationInput | Situation, today: date | str | None = None) -> Situation:
        """The validated ``Situation`` for a mapping or a file; ``today`` wins over the file's own."""
        day = as_day(today)
        try:
            if isinstance(situation, Situation):
                return situation if day is None else replace(situation, today=day)
            if isinstance(situation, Mapping):
                return situation_from_data(situation, "<situation>", day)
            if isinstance(situation, (str, os.PathLike)):
                return load_situation(os.fspath(situation), day)
        except InputError as exc:
            raise _errors(exc) from None
        raise _errors(InputError(f"a situation is a mapping or the path of a file, not {type(situation).__name__}"))

    def ruleset(self, country: str) -> MergedRuleset:
        """The merged ruleset used for ``country``."""
        return self._engine.ruleset_for(country)

    def advice(self, situation: SituationInput | Situation, *, today: date | str | None = None) -> Advice:
        """The engine's advice record for a situation (``advise`` wraps it in a ``Decision``)."""
        return self._engine.advise(self.situation(situation, today))

    def advise(self, situation: SituationInput | Situation, *, today: date | str | None = None,
               lang: str = "en", log: DecisionLog | None = None, log_personal_data: bool = False) -> Decision:
        """Advise on one situation; with ``log``, the decision is kept there before it is returned
        (personal data as keyed hashes unless ``log_personal_data``)."""
        language = check_lang(lang)
        advice = self.advice(situation, today=today)
        decision = Decision.of(advice, new_record(advice), language)
        if log is not None:  # logged before anyone sees it: no advice leaves without its record
            log.append(decision.audit_document(personal_data=log_personal_data), advice.basis.merged if advice.basis else None)
        return decision

    def explain(self, situation: SituationInput | Situation, *, today: date | str | None = None) -> Explanation:
        """Every rule of the merged ruleset, fired or not, for one situation."""
        return explain_advice(self.advice(situation, today=today))

    def why_not(self, situation: SituationInput | Situation, subject: str, *,
                today: date | str | None = None) -> WhyNot:
        """Why not channel ``subject`` (or ``"follow_up"``) for one situation."""
        return self.advise(situation, today=today).why_not(subject)

    def countries(self) -> dict[str, str]:
        """Each country with rules of its own, and the name of its ruleset (for listings such as the HTTP API's)."""
        return self._engine.library.countries()


def as_day(value: date | str | None, name: str = "today") -> date | None:
    """A date from a ``date`` or ``YYYY-MM-DD`` text; None stays None."""
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = str(value)
    if _ISO_DAY.fullmatch(text):
        try:
            return date.fromisoformat(text)
        except ValueError:
            pass
    raise _errors(InputError(f"'{text[:40]}' is not a date: write it as YYYY-MM-DD, e.g. 2026-11-21",
                             Location(None, None, name)))


def check_lang(lang: str) -> str:
    """``lang`` if advice can be written in it, else ``InputErrors`` naming the choices."""
    if lang not in LANGUAGES:
        raise _errors(InputError(f"advice is not available in '{str(lang)[:20]}'; choose one of: "
                                 f"{', '.join(LANGUAGES)}", Location(None, None, "lang")))
    return lang


def check_trace(trace: str | None) -> str | None:
    """``trace`` if it is one of ``TRACES`` (or None, the default), else ``InputErrors`` naming the choices."""
    if trace is not None and trace not in TRACES:
        raise _errors(InputError(f"'{str(trace)[:20]}' is not a trace form; choose one of: {', '.join(TRACES)}",
                                 Location(None, None, "trace")))
    return trace


def _errors(error: InputError) -> InputErrors:
    """Every input problem reaches a caller as ``InputErrors``, one ``.errors`` entry each."""
    return error if isinstance(error, InputErrors) else InputErrors(error.each())


_DEFAULT: dict[tuple[str, ...], Rules] = {}
_DEFAULT_LOCK = threading.Lock()


def rules(dirs: Iterable[str | os.PathLike[str]] = ()) -> Rules:
    """The ``Rules`` for ``dirs``, made on first use and shared by the module functions."""
    key = tuple(str(d) for d in dirs)
    with _DEFAULT_LOCK:
        if key not in _DEFAULT:
            _DEFAULT[key] = Rules(key)
        return _DEFAULT[key]


def advise(situation: SituationInput, *, today: date | str | None = None,
           rules: Iterable[str | os.PathLike[str]] = (), lang: str = "en") -> Decision:
    """Advise on a situation: a mapping (parsed JSON or YAML) or the path of a YAML or JSON file.

    ``today`` (a date or ``YYYY-MM-DD``) is the day to advise for; by default the file's
    ``today``, else the current date in the situation's country. ``rules`` are folders of your
    own rulesets. Bad input raises ``InputErrors``: each of its ``.errors`` has ``field``,
    ``line`` (None for a mapping) and ``message``.
    """
    return _rules_for(rules).advise(situation, today=today, lang=lang)


def explain(situation: SituationInput, *, today: date | str | None = None,
            rules: Iterable[str | os.PathLike[str]] = ()) -> Explanation:
    """Every rule of the merged ruleset, fired or not, condition by condition, for a situation."""
    return _rules_for(rules).explain(situation, today=today)


def why_not(situation: SituationInput, subject: str, *, today: date | str | None = None,
            rules: Iterable[str | os.PathLike[str]] = ()) -> WhyNot:
    """Why the advice is not to use channel ``subject``, or (``"follow_up"``) not to follow up now."""
    return _rules_for(rules).why_not(situation, subject, today=today)


_rules_for = rules

__all__ = ["Decision", "DecisionLog", "Draft", "InputError", "InputErrors", "LANGUAGES", "Rules", "TRACES", "advise", "explain",
           "rules", "why_not"]

"""The draft: the message to send (or what to say on the phone), ready to paste.

Every advice to follow up gets one. The template is the ruleset's (``rules/templates.py``)
for the advice's purpose and channel; it is written in the language the situation writes to
the employer in (``language``, by default the country's: da, sv, nb; en elsewhere) and
rendered in Jinja2's ``ImmutableSandboxedEnvironment`` with only plain text values:

- every value the situation gives is filled in: names, the position, the employer, and the
  dates with their weekday in the draft's language ("onsdag den 18. november");
- a value it does not give is printed as a placeholder in brackets, ``[stillingens titel]``,
  as are the template's own placeholders for what only you know (``[en specifik
  kompetens]``); ``Draft.placeholders`` lists them all, in order;
- a value is text, never markup or code: control characters become U+FFFD, brackets become
  parentheses (so a placeholder is always one of ours), and Jinja2 never reads a value as a
  template.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date
from functools import cache
from typing import Any, Collection

from followup.base.records import to_json_data
from followup.engine.advice import Advice
from followup.engine.facts import anchor_dates
from followup.load.situation import Situation
from followup.render.dates import format_day
from followup.render.words import say
from followup.rules.rule import Source
from followup.rules.ruleset import MergedRuleset
from followup.rules.templates import DATES, SCRIPT_FIELDS, Template, choose, parse_environment

#: The language a draft is written in when the situation does not say: the country's.
COUNTRY_LANGUAGE = {"DK": "da", "SE": "sv", "NO": "nb"}
PLACEHOLDER = re.compile(r"\[[^\[\]\n]+\]")
_BIDI = {0x202A, 0x202B, 0x202C, 0x202D, 0x202E, 0x2066, 0x2067, 0x2068, 0x2069}


@dataclass(frozen=True)
class Draft:
    """A message (subject and body) or a script (its body: the opening, the question, the close)."""

    channel: str
    language: str
    subject: str | None
    body: str
    placeholders: tuple[str, ...]
    sources: tuple[Source, ...]
    template: str

    def to_json(self) -> dict[str, Any]:
        """The draft as JSON data, as the advice document's ``draft``."""
        return to_json_data(self)

    def text(self) -> str:
        """The draft alone, ready to paste: the subject line (for a message), a blank line, the body."""
        head = f"{say(self.language, 'draft.subject')}: {self.subject}\n\n" if self.subject is not None else ""
        return head + self.body + "\n"


class Blank(str):
    """A value the situation does not give: printed as its placeholder, false in ``{% if %}``."""

    def __bool__(self) -> bool:
        return False


def draft_language(situation: Situation) -> str:
    """The language to write to the employer in."""
    return situation.language or COUNTRY_LANGUAGE.get(situation.country, "en")


def make_draft(advice: Advice, lang: str | None = None, channel: str | None = None) -> Draft | None:
    """The draft for an advice to follow up (None for any other advice), in ``lang`` or the situation's language.

    ``channel`` asks for the draft by one of the advice's alternatives instead (``insider``: the
    word with the person you know there, C23); a channel the advice does not offer gives None.
    """
    basis = advice.basis
    channel = channel or advice.channel
    if (advice.action != "follow_up" or basis is None or channel is None
            or channel not in (advice.channel, *advice.alternatives)):
        return None
    key = ("draft", lang, channel)
    if key not in basis.cache:
        template = choose(basis.merged.templates, advice.purpose, channel, basis.facts)
        basis.cache[key] = None if template is None else render(template, basis.situation, channel,
                                                                 lang or draft_language(basis.situation))
    return basis.cache[key]


def render(template: Template, situation: Situation, channel: str, language: str) -> Draft:
    """``template`` for ``situation`` and ``channel``, in ``language`` (English if it has no text in it)."""
    if language not in template.text:
        language = "en"
    texts = template.text[language]
    compiled = {name: _compiled(text) for name, text in texts.items()}
    context = values(situation, language, channel, frozenset().union(*(c.names for c in compiled.values())))
    done = {name: _tidy(c.template.render(context)) for name, c in compiled.items()}
    if template.kind_of(channel) == "script":
        subject = None
        body = "\n\n".join(f"{say(language, 'draft.' + name)}: {done[name]}" for name in SCRIPT_FIELDS)
    else:
        subject, body = done["subject"], done["body"]
    found = PLACEHOLDER.findall(f"{subject or ''}\n{body}")
    return Draft(channel, language, subject, body, tuple(dict.fromkeys(found)), (template.source, *template.also), template.id)


def values(situation: Situation, language: str, channel: str,
           wanted: Collection[str] | None = None) -> dict[str, Any]:
    """Every value a template may name (``templates.VALUES``), as plain text in ``language``.

    With ``wanted`` (the names the texts to render read), dates no text reads are not written out.
    """
    def blank(name: str) -> Blank:
        return _blank(language, name)

    def text(value: str | None, name: str) -> str:
        return clean(value) if value else blank(name)

    contact = situation.contact.name
    out: dict[str, Any] = {
        "position": text(situation.position, "position"),
        "employer": text(situation.employer.name, "employer"),
        "contact_name": text(contact, "contact_name"),
        "contact_first_name": text(contact.split()[0] if contact and contact.split() else None, "contact_first_name"),
        "applicant_name": text(situation.applicant_name, "applicant_name"),
        "applicant_phone": text(situation.applicant_phone, "applicant_phone"),
        "competing_kind": situation.competing_offer.kind if situation.competing_offer else Blank(""),
        "stage": situation.stage,
        "channel": channel,
    }
    dates = anchor_dates(situation)
    for name, anchor in DATES.items():
        if wanted is not None and f"{name}_on" not in wanted and f"{name}_date" not in wanted:
            continue
        day = dates.get(anchor)
        out[f"{name}_on"] = format_day(day, language, "weekday_date") if day else blank("date")
        out[f"{name}_date"] = format_day(day, language, "date") if day else blank("date")
    interview = situation.interview
    out["interview_weekday"] = format_day(interview.day, language, "weekday") if interview else blank("interview_weekday")
    if interview and (interview.date.hour, interview.date.minute) != (0, 0):
        out["interview_time"] = f"{interview.date.hour:02d}{':' if language == 'en' else '.'}{interview.date.minute:02d}"
    else:
        out["interview_time"] = blank("interview_time")
    return out


@cache
def _blank(language: str, name: str) -> Blank:
    """The placeholder of a value the situation does not give (``[kontaktperson]``), made once."""
    return Blank(f"[{say(language, 'draft.blank.' + name)}]")


def clean(value: str) -> str:
    """A value from the situation as plain text: no control or direction characters, no brackets."""
    if value.isprintable():  # neither a control (Cc) nor a direction (Cf) character is printable
        return value.replace("[", "(").replace("]", ")")
    out = []
    for char in value:
        if unicodedata.category(char) == "Cc" or ord(char) in _BIDI:
            out.append("\ufffd")
        else:
            out.append(char)
    return "".join(out).replace("[", "(").replace("]", ")")


@dataclass(frozen=True)
class _Compiled:
    """A text's sandboxed Jinja2 template and the values it names."""

    template: Any
    names: frozenset[str]


_COMPILED: dict[str, _Compiled] = {}


def _compiled(text: str) -> _Compiled:
    """The sandboxed Jinja2 template for a (checked) text, compiled once per process."""
    found = _COMPILED.get(text)
    if found is None:
        from jinja2 import nodes

        if len(_COMPILED) > 512:
            _COMPILED.clear()
        environment = parse_environment()
        tree = environment.parse(text)  # parsed once, for the names it reads and for the code
        # Every name read, not only those read before being set (``meta.find_undeclared_variables``,
        # a third of a compile): ``values`` writes a few dates more at worst.
        names = frozenset(node.name for node in tree.find_all(nodes.Name) if node.ctx == "load")
        found = _COMPILED[text] = _Compiled(environment.from_string(tree), names)
    return found


def compile_templates(merged: MergedRuleset) -> int:
    """Compile every text of ``merged``'s templates now, in every language (a server does, so
    that no request waits for it); how many texts that was."""
    texts = {text for template in merged.templates for fields in template.text.values() for text in fields.values()}
    for text in texts:
        _compiled(text)
    return len(texts)


_SPACES = re.compile(r"[ \t]+\n")
_BLANK_LINES = re.compile(r"\n{3,}")


def _tidy(text: str) -> str:
    """Trailing spaces gone, at most one blank line in a row, no blank line at either end."""
    # Each pattern is tried only where it can match: ``[ \t]+\n`` is tried at every space
    # of the text, and most texts have neither a trailing space nor three line breaks.
    if " \n" in text or "\t\n" in text:
        text = _SPACES.sub("\n", text)
    if "\n\n\n" in text:
        text = _BLANK_LINES.sub("\n\n", text)
    return text.strip()


def weekday_date(day: date, language: str) -> str:
    """``onsdag den 18. november``: how drafts write a day."""
    return format_day(day, language, "weekday_date")

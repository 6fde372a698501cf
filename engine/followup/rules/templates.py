"""Draft templates: the message to send (or the call to make), as data in a ruleset layer.

A layer's ``templates`` are chosen by the advice's purpose and channel (and an optional
``when`` on the facts, in the same form as a rule's); ``override_templates`` replaces parts
of a lower layer's template by id and ``disable_templates`` switches one off, exactly as
``override``/``disable`` do for rules. Each template carries its text in every language it is
written in: for a message channel (e-mail, LinkedIn, letter, a contact inside the company) a
``subject`` and a ``body``; for a call or a visit an ``opening``, the one ``question`` and a
``close``.

The texts are Jinja2, checked here when the layer loads, never run: a text may only print
the values of ``VALUES`` and test them (``{% if position %}``, ``==`` a constant). Attribute
and item access, filters, calls, loops, assignments, includes and every other construct are
refused with the file, the line and the template's id, so nothing in a ruleset can reach a
Python object. The renderer (``render/draft.py``) renders the checked text in Jinja2's
``ImmutableSandboxedEnvironment`` as a second wall.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field, replace
from typing import Any

from followup.base.records import to_json_data
from followup.rules.ids import duplicate_ids
from followup.base.concepts import Language, values
from followup.base.errors import InputError, InputErrors, Location
from followup.load.yamlio import Document
from followup.rules.condition import Condition, condition_to_data, parse_condition
from followup.rules.rule import Disabled, Origin, Override, Source, missing_from, source_from_data

#: The languages a template (and advice) can be written in.
LANGUAGES = values(Language)
#: Channels whose draft is a message (a subject and a body) and those whose draft is a script.
MESSAGE_CHANNELS = ("email", "linkedin", "letter", "insider")
SCRIPT_CHANNELS = ("phone", "in_person")
MESSAGE_FIELDS = ("subject", "body")
SCRIPT_FIELDS = ("opening", "question", "close")

#: Every value a template may name, and what it holds. A value the situation does not give is
#: printed as a placeholder in the draft's language (``[stillingens titel]``) and is false in
#: ``{% if %}``; dates come with their weekday, written in the draft's language.
VALUES: dict[str, str] = {
    "position": "the job title (position)",
    "employer": "the employer's name (employer.name)",
    "contact_name": "the contact's full name (contact.name)",
    "contact_first_name": "the contact's first name, as a greeting uses it",
    "applicant_name": "your full name (applicant.name)",
    "applicant_phone": "your phone number (applicant.phone)",
    "interview_weekday": "the interview's weekday alone",
    "interview_time": "the interview's time of day (13.00), if the file gives one",
    "competing_kind": "'offer' or 'interview': what the other employer gave you (competing_offer.kind)",
    "stage": "considering, applied or interviewed",
    "channel": "the channel of the draft (email, phone, ...)",
}
#: The situation's dates: each as ``<name>_on`` (with its weekday: "onsdag den 18. november")
#: and ``<name>_date`` (without: "18. november"), in the draft's language.
DATES: dict[str, str] = {
    "applied": "application.sent_on", "deadline": "application.deadline",
    "answer_expected": "posting.answer_expected_by", "interview": "interview.date",
    "answer_promised": "interview.answer_promised_by", "competing_answer": "competing_offer.answer_by",
}
VALUES.update({f"{name}_{form}": f"{source}, {'with' if form == 'on' else 'without'} its weekday"
               for name, source in DATES.items() for form in ("on", "date")})

#: Jinja2 nodes a template may contain: text, values, and tests of values against constants.
_ALLOWED_NODES = frozenset({"Template", "Output", "TemplateData", "Name", "If", "Not", "And", "Or", "CondExpr",
                            "Const", "Compare", "Operand", "Concat"})
_ALLOWED_COMPARE = frozenset({"eq", "ne"})
#: What each refused construct is, in the error message.
_REFUSED_WORDS = {"Getattr": "attribute access ('.')", "Getitem": "item access ('[ ]')",
                  "Filter": "a filter ('|')", "Call": "a call ('( )')", "Test": "a test ('is')",
                  "For": "a loop", "Macro": "a macro", "Assign": "an assignment ('set')",
                  "AssignBlock": "an assignment ('set')", "With": "'with'", "Include": "an include",
                  "Import": "an import", "FromImport": "an import", "Extends": "'extends'",
                  "Block": "a block", "CallBlock": "a call block", "FilterBlock": "a filter block",
                  "ExprStmt": "an expression statement", "Scope": "a scope", "ScopedEvalContextModifier": "autoescape",
                  "EvalContextModifier": "autoescape"}


@dataclass(frozen=True, eq=False)
class Template:
    """A template of a merged ruleset, with where it came from and what overrode it."""

    id: str
    title: str
    purposes: tuple[str, ...]
    channels: tuple[str, ...]
    when: Condition | None
    priority: int
    text: dict[str, dict[str, str]]
    source: Source
    origin: Origin
    overrides: tuple[Override, ...] = field(default=())
    #: Further sources its texts follow (another article's wording for another language).
    also: tuple[Source, ...] = ()
    #: Where each language's text is written (file, line), for messages about it.
    text_origin: dict[str, Origin] = field(default_factory=dict)

    @classmethod
    def from_data(cls, data: dict[str, Any], origin: Origin) -> "Template":
        return cls(id=data["id"], title=data["title"], purposes=tuple(data["purposes"]),
                   channels=tuple(data["channels"]),
                   when=parse_condition(data["when"]) if "when" in data else None,
                   priority=data.get("priority", 0), text={k: dict(v) for k, v in data["text"].items()},
                   source=source_from_data(data["source"]), origin=origin,
                   also=tuple(source_from_data(item) for item in data.get("also", ())),
                   text_origin={lang: origin for lang in data["text"]})

    @property
    def layer(self) -> str:
        """The layer whose version of this template is in force."""
        return self.overrides[-1].layer if self.overrides else self.origin.layer

    def with_override(self, data: dict[str, Any], override: Override) -> "Template":
        changes: dict[str, Any] = {"overrides": self.overrides + (override,), "source": override.source}
        for name in ("title", "priority"):
            if name in data:
                changes[name] = data[name]
        for name in ("purposes", "channels"):
            if name in data:
                changes[name] = tuple(data[name])
        if "when" in data:
            changes["when"] = parse_condition(data["when"])
        if "text" in data:  # languages given replace those languages; the others stay
            where = Origin(override.layer, override.file, override.line)
            changes["text"] = {**self.text, **{k: dict(v) for k, v in data["text"].items()}}
            changes["text_origin"] = {**self.text_origin, **{lang: where for lang in data["text"]}}
        return replace(self, **changes)

    def kind_of(self, channel: str) -> str:
        """``message`` or ``script``: what a draft for ``channel`` is made of."""
        return "script" if channel in SCRIPT_CHANNELS else "message"

    def fits(self, purpose: str | None, channel: str | None, facts: dict[str, Any]) -> bool:
        """Whether this template is one for the advice's purpose and channel, here."""
        return (purpose in self.purposes and channel in self.channels
                and (self.when is None or self.when.explain(facts).held))

    def to_data(self) -> dict[str, Any]:
        out: dict[str, Any] = {"id": self.id, "title": self.title, "purposes": list(self.purposes),
                               "channels": list(self.channels), "priority": self.priority,
                               "text": self.text, "source": to_json_data(self.source), "layer": self.layer,
                               "defined_in": self.origin.layer}
        if self.when is not None:
            out["when"] = condition_to_data(self.when)
        return out


@dataclass(frozen=True)
class TemplateMerge:
    templates: tuple[Template, ...]
    disabled: tuple[Disabled, ...]
    errors: tuple[InputError, ...]


class TemplateError(InputError):
    """A template that cannot be loaded: the message names it; ``rule_id`` and ``kind`` are for lint."""

    def __init__(self, message: str, location: Location, template_id: str, kind: str = "template") -> None:
        super().__init__(message, location)
        self.rule_id = template_id
        self.kind = kind


# --- Checking a layer's templates when it loads ----------------------------------------------------


def check_templates(document: Document) -> None:
    """Refuse a layer whose templates do not parse, name an unknown value, or reach past the values."""
    errors: list[InputError] = [
        TemplateError(f"duplicate template id '{template_id}' in '{section}' (first at line {first})",
                      document.location((section, i, "id")), template_id, "duplicate-id")
        for section, i, template_id, first in duplicate_ids(document, ("templates", "override_templates",
                                                                       "disable_templates"))]
    for section in ("templates", "override_templates"):
        for i, entry in enumerate(document.data.get(section, [])):
            template_id = entry["id"]
            for lang, fields in entry.get("text", {}).items():
                for name, text in fields.items():
                    where = document.location((section, i, "text", lang, name))
                    errors += [TemplateError(f"template '{template_id}' ({lang} {name}): {problem}", where, template_id)
                               for problem in text_problems(text)]
            if section == "templates":
                errors += _missing_fields(document, i, entry)
    if errors:
        raise InputErrors(errors)


def _missing_fields(document: Document, i: int, entry: dict[str, Any]) -> list[InputError]:
    needed = set()
    if any(c in MESSAGE_CHANNELS for c in entry["channels"]):
        needed |= set(MESSAGE_FIELDS)
    if any(c in SCRIPT_CHANNELS for c in entry["channels"]):
        needed |= set(SCRIPT_FIELDS)
    out: list[InputError] = []
    for lang, fields in entry["text"].items():
        missing = sorted(needed - set(fields))
        if missing:
            out.append(TemplateError(f"template '{entry['id']}' ({lang}) has no {', '.join(missing)}: its channels "
                                     f"({', '.join(entry['channels'])}) need {', '.join(sorted(needed))}",
                                     document.location(("templates", i, "text", lang)), entry["id"]))
    return out


def text_problems(text: str) -> list[str]:
    """What is wrong with one template text: a syntax error, an unknown value, a refused construct."""
    import jinja2  # only when a layer is read from its file; a cached library never parses again
    from jinja2 import nodes

    try:
        tree = parse_environment().parse(text)
    except jinja2.TemplateSyntaxError as exc:
        return [f"does not parse: {exc.message} (line {exc.lineno} of the text)"]
    problems: list[str] = []
    for node in _walk(tree):
        kind = type(node).__name__
        if kind not in _ALLOWED_NODES:
            words = _REFUSED_WORDS.get(kind, f"'{kind}'")
            problems.append(f"{words} is not allowed in a template (line {node.lineno} of the text): "
                            "a template may only print values and test them ({% if position %})")
        elif isinstance(node, nodes.Name) and node.name not in VALUES:
            close = difflib.get_close_matches(node.name, VALUES, n=1)
            problems.append(f"names an unknown value '{node.name}' (line {node.lineno} of the text)"
                            + (f"; did you mean '{close[0]}'?" if close else "")
                            + f"; the values are: {', '.join(VALUES)}")
        elif isinstance(node, nodes.Name) and node.ctx != "load":
            problems.append(f"assigns to '{node.name}' (line {node.lineno} of the text)")
        elif isinstance(node, nodes.Operand) and node.op not in _ALLOWED_COMPARE:
            problems.append(f"compares with '{node.op}' (line {node.lineno} of the text); only == and != are allowed")
        elif isinstance(node, nodes.Const) and not isinstance(node.value, (str, bool, int, type(None))):
            problems.append(f"a constant of type {type(node.value).__name__} is not allowed (line {node.lineno} of the text)")
    return list(dict.fromkeys(problems))


def _walk(node: Any):
    yield node
    for child in node.iter_child_nodes():
        yield from _walk(child)


_ENV: list[Any] = []


def parse_environment() -> Any:
    """The sandboxed environment templates are parsed and rendered in (made once)."""
    if not _ENV:
        from jinja2 import StrictUndefined
        from jinja2.sandbox import ImmutableSandboxedEnvironment

        environment = ImmutableSandboxedEnvironment(autoescape=False, undefined=StrictUndefined, trim_blocks=False,
                                                    lstrip_blocks=False, keep_trailing_newline=False,
                                                    auto_reload=False, cache_size=0)
        # A text reads the values (``VALUES``) and nothing else: no ``range``, ``lipsum``,
        # ``cycler``... And every render copies the globals into its context: none to copy.
        environment.globals.clear()
        _ENV.append(environment)
    return _ENV[0]


# --- Merging templates along a chain of layers -----------------------------------------------------


def merge_templates(chain: list[Any]) -> TemplateMerge:
    """Apply each layer's disable_templates, override_templates and templates, base first."""
    found: dict[str, Template] = {}
    disabled: dict[str, Disabled] = {}
    errors: list[InputError] = []
    for layer in chain:
        data = layer.data
        for i, entry in enumerate(data.get("disable_templates", [])):
            line = layer.line("disable_templates", i, "id")
            if entry["id"] not in found:
                errors.append(TemplateError(f"disables template '{entry['id']}', {missing_from(entry['id'], disabled)}",
                                            Location(layer.file, line, "disable_templates.id"), entry["id"],
                                            "unknown-id"))
                continue
            del found[entry["id"]]
            disabled[entry["id"]] = Disabled(entry["id"], layer.name, entry["reason"], layer.file, line)
        for i, entry in enumerate(data.get("override_templates", [])):
            line = layer.line("override_templates", i, "id")
            template = found.get(entry["id"])
            if template is None:
                errors.append(TemplateError(f"overrides template '{entry['id']}', {missing_from(entry['id'], disabled)}",
                                            Location(layer.file, line, "override_templates.id"), entry["id"],
                                            "unknown-id"))
                continue
            fields = tuple(k for k in ("title", "purposes", "channels", "when", "priority", "text") if k in entry)
            record = Override(layer.name, template.layer, fields, entry["because"], source_from_data(entry["source"]),
                              layer.file, line)
            found[entry["id"]] = template.with_override(entry, record)
        for i, entry in enumerate(data.get("templates", [])):
            where = Location(layer.file, layer.line("templates", i, "id"), "id")
            if entry["id"] in found or entry["id"] in disabled:
                other = found[entry["id"]].origin.layer if entry["id"] in found else disabled[entry["id"]].layer
                errors.append(TemplateError(f"template id '{entry['id']}' is already used by layer '{other}'; use "
                                            "'override_templates' to change it", where, entry["id"], "duplicate-id"))
                continue
            found[entry["id"]] = Template.from_data(entry, Origin(layer.name, layer.file, layer.line("templates", i)))
    return TemplateMerge(tuple(found.values()), tuple(disabled.values()), tuple(errors))


def choose(templates: tuple[Template, ...], purpose: str | None, channel: str | None,
           facts: dict[str, Any]) -> Template | None:
    """The template for a purpose and channel here: the highest priority that fits, then the last defined."""
    best: Template | None = None
    for template in templates:
        if template.fits(purpose, channel, facts) and (best is None or template.priority >= best.priority):
            best = template
    return best

"""What lint reports: findings (``file:line: rule-id: message``) and the report that holds them."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from followup.base.errors import InputError
from followup.base.paths import rulesets_dir
from followup.load.yamlio import load_document

#: Every kind of finding, for the authoring guide and ``--format json``; all are errors except
#: those in ``WARNING_KINDS``.
KINDS = {
    "load": "the file cannot be read as YAML or JSON",
    "schema": "the file does not follow schemas/ruleset.schema.json",
    "no-source": "a rule or override without a source",
    "duplicate-id": "a rule id used twice",
    "unknown-id": "an override or disable of a rule no lower layer has",
    "layer": "a layer that extends a missing layer, goes round in a circle, or clashes with another",
    "limits": "more rules or conditions than durable_rules can take safely",
    "unknown-fact": "a condition on a fact that does not exist",
    "type": "a condition comparing a fact with a value of the wrong type",
    "enum": "a condition comparing a fact with a value it can never have",
    "anchor": "timing counted from a date the rule's condition does not guarantee",
    "never-holds": "a condition no situation can satisfy",
    "conflict": "two rules of one layer and priority that fire together and disagree",
    "tests": "a rule test file that cannot be read",
    "untested": "a rule no rule test fires",
    "template": "a draft template that does not parse, names an unknown value, or reaches past the values",
    "template-language": "a template without a text in one of the languages drafts are written in (en, da, sv, nb)",
    "missing-language": "a layer that declares a language (languages: [...]) with no catalogue for it",
    "catalogue-unknown-rule": "a catalogue entry for a rule (or text) its layer does not have",
    "catalogue-unknown-layer": "a catalogue for a layer no rules folder defines",
    "catalogue-points": "a catalogue with another number of say/avoid/caution points than the rule",
}
WARNING_KINDS = frozenset({"untested", "template-language", "missing-language", "catalogue-unknown-rule",
                           "catalogue-unknown-layer", "catalogue-points"})


@dataclass(frozen=True)
class Finding:
    """One problem, where it is, and (for conflicts) a situation that shows it."""

    file: str
    line: int | None
    rule: str | None
    kind: str
    message: str
    example: dict[str, Any] | None = field(default=None, compare=False)

    @property
    def severity(self) -> str:
        return "warning" if self.kind in WARNING_KINDS else "error"

    def text(self) -> str:
        """``file:line: rule-id: message`` (``warning:`` before the message of a warning)."""
        where = f"{self.file}:{self.line}" if self.line else self.file
        head = ": ".join([where] + ([self.rule] if self.rule else []))
        out = f"{head}: {'warning: ' if self.severity == 'warning' else ''}{self.message}"
        if self.example is not None:
            out += "\n    example: " + json.dumps(self.example, ensure_ascii=False, separators=(", ", ": "))
        return out

    def to_json(self) -> dict[str, Any]:
        return {"file": self.file, "line": self.line, "rule": self.rule, "kind": self.kind,
                "severity": self.severity, "message": self.message, "example": self.example}

    def sort_key(self) -> tuple[Any, ...]:
        return (self.file, self.line or 0, self.rule or "", self.kind, self.message)


@dataclass(frozen=True)
class LintReport:
    """Every finding, sorted by file and line, and what was linted."""

    findings: tuple[Finding, ...]
    rulesets: tuple[str, ...]
    files: tuple[str, ...]

    @property
    def errors(self) -> tuple[Finding, ...]:
        return tuple(f for f in self.findings if f.severity == "error")

    @property
    def warnings(self) -> tuple[Finding, ...]:
        return tuple(f for f in self.findings if f.severity == "warning")

    def summary(self) -> str:
        """``0 errors, 1 warning in 2 files of yours and 16 shipped (1 merged ruleset: fi)``."""
        return (f"{_count(len(self.errors), 'error')}, {_count(len(self.warnings), 'warning')} in "
                f"{self._files()} ({_count(len(self.rulesets), 'merged ruleset')}: "
                f"{', '.join(self.rulesets) or 'none'})")

    def _files(self) -> str:
        # An author counts their own files: the shipped ones their overlay builds on are named apart.
        shipped = rulesets_dir().resolve()
        theirs = sum(1 for f in self.files if not Path(f).resolve().is_relative_to(shipped))
        if theirs == 0:
            return _count(len(self.files), "shipped file")
        return f"{_count(theirs, 'file')} of yours and {len(self.files) - theirs} shipped"

    def to_json(self) -> dict[str, Any]:
        return {"ok": not self.errors, "errors": len(self.errors), "warnings": len(self.warnings),
                "rulesets": list(self.rulesets), "files": list(self.files),
                "findings": [f.to_json() for f in self.findings]}


def _count(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


_ENTRY = re.compile(r"^(rules|override|disable)\[(\d+)\]\.?(.*)$")


def from_error(error: InputError) -> Finding:
    """A finding for an error raised while loading or merging rulesets."""
    where = error.location
    file = where.file or "<rules>"
    rule = getattr(error, "rule_id", None)  # RuleError, and templates' TemplateError
    kind = getattr(error, "kind", None) or _kind(error.message)
    message = error.message
    match = _ENTRY.match(where.field or "")
    if match and rule is None:
        rule = _entry_id(file, match.group(1), int(match.group(2)))
        if message == "'source' is required":
            kind, message = "no-source", "has no source: cite the article it comes from (source: {seed, items, quote})"
        elif match.group(3):
            message = f"{match.group(3)}: {message}"
    elif where.field and not match and kind == "schema":
        message = f"{where.field}: {message}"
    return Finding(file, where.line, rule, kind, message)


def _kind(message: str) -> str:
    if message.startswith(("malformed", "no such file", "not valid UTF-8", "binary data", "file is larger",
                           "the file is empty", "duplicate key", "tag ", "nested deeper", "document expands",
                           "symbolic link")):
        return "load"
    if message.startswith(("extends", "'extends'", "layer '", "country ")):
        return "layer"
    if "at most" in message:  # ruleset.check_limits: every limit says what the most is
        return "limits"
    return "schema"


def _entry_id(file: str, section: str, index: int) -> str | None:
    try:
        entry = load_document(file).data[section][index]
    except (InputError, LookupError, TypeError):
        return None
    rule_id = entry.get("id") if isinstance(entry, dict) else None
    return rule_id if isinstance(rule_id, str) else None

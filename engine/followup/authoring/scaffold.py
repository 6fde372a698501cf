"""``followup rules new``: the skeleton of a country overlay and its rule tests.

The skeleton is meant to be read by someone who has never seen a ruleset: every part is
commented, it holds one example rule (with its source) and commented examples of an
override and a disable taken from the real rules it extends, and its test file fires the
example rule. Both pass ``followup rules lint`` and ``followup rules test`` as written.
"""

from __future__ import annotations

import errno
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

import yaml

from followup.base.records import to_json_data
from followup.base.errors import InputError, Location
from followup.rules.rule import Rule
from followup.rules.ruleset import BASE, Library, country_code
from followup.engine.workdays import knows_country

#: The day the skeleton's test situations are advised for (fixed, so they never go stale).
EXAMPLE_TODAY = "2026-03-11"


@dataclass(frozen=True)
class Skeleton:
    """The files of a new overlay: its name, what it extends, and the text of both files."""

    layer: str
    extends: str
    country: str
    overlay: str
    tests: str

    def paths(self, folder: Path) -> tuple[Path, Path]:
        return folder / f"{self.layer}.yaml", folder / "tests" / f"{self.layer}.yaml"


def skeleton(country: str, library: Library) -> Skeleton:
    """The skeleton for ``country``: a new layer on the base, or a local layer on a shipped country."""
    country = country.upper()
    shipped = next((l.name for l in library.layers.values() if l.shipped and l.country == country), None)
    layer, extends = (f"{shipped}-local", shipped) if shipped else (country.lower(), BASE)
    parent = library.merged_layer(extends)
    return Skeleton(layer, extends, country, _overlay(layer, extends, country, list(parent.rules)),
                    _tests(layer, country))


def write_skeleton(country: str, folder: str | Path, library: Library) -> tuple[Path, ...]:
    """Write the skeleton into ``folder``; refuse (exit 2) to overwrite anything or to claim a taken country.

    Both files are written whole or not at all: each goes to a temporary file beside it first,
    and is then hard-linked into place, which fails rather than replace anything that appeared
    meanwhile (a symbolic link included, dangling or not: it is never written through). A
    folder that cannot be written, or a file where a folder should be, is bad input, and
    whatever this call made (files, folders) is removed again.
    """
    folder = Path(folder)
    made = skeleton(country_code(country), library)
    paths = made.paths(folder)
    for path in paths:
        if os.path.lexists(path):  # lexists: a dangling link "exists" too
            raise InputError("already exists; refusing to overwrite it", Location(str(path)))
    theirs = next((l for l in library.layers.values() if not l.shipped and l.country == made.country), None)
    if theirs is not None:
        raise InputError(f"layer '{theirs.name}' already has the rules for {made.country}; edit it instead",
                         Location(theirs.file, theirs.line("country"), "country"))
    tests = paths[1].parent
    if tests.is_symlink():
        raise InputError("is a symbolic link; refusing to write through it", Location(str(tests)))
    created: list[Path] = []
    try:
        created += _make_folders(tests)
        _install([(paths[0], made.overlay), (paths[1], made.tests)])
    except OSError as exc:
        for made_folder in reversed(created):
            _remove_folder(made_folder)
        raise InputError(f"cannot write the skeleton here: {exc.strerror or exc}",
                         Location(exc.filename or str(folder))) from None
    return paths


def _make_folders(folder: Path) -> list[Path]:
    """Make ``folder`` and its missing parents; return the ones made, outermost first."""
    missing: list[Path] = []
    current = folder
    while not os.path.lexists(current):
        missing.append(current)
        current = current.parent
    if not current.is_dir():
        raise NotADirectoryError(errno.ENOTDIR, "not a folder", str(current))
    made: list[Path] = []
    for path in reversed(missing):
        path.mkdir(mode=0o777)  # the umask applies, as for any folder the user makes
        made.append(path)
    return made


def _remove_folder(folder: Path) -> None:
    try:
        folder.rmdir()  # only if empty: never anything this call did not make
    except OSError:
        pass


def _install(files: list[tuple[Path, str]]) -> None:
    """Write every file to a temporary one, then link each into place; on failure, undo all."""
    temps: list[str] = []
    placed: list[Path] = []
    try:
        for path, text in files:
            temps.append(_temporary(path, text))
        for (path, _), temp in zip(files, temps):
            os.link(temp, path)  # fails if anything is at path: nothing is replaced or followed
            placed.append(path)
    except OSError:
        for path in placed:
            path.unlink(missing_ok=True)
        raise
    finally:
        for temp in temps:
            Path(temp).unlink(missing_ok=True)


def _temporary(path: Path, text: str) -> str:
    """``text`` in a new temporary file beside ``path``, with the mode a new file of the user's gets."""
    fd, name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        if hasattr(os, "fchmod"):  # POSIX: mkstemp makes 0600; a ruleset is shared like any file
            umask = os.umask(0)
            os.umask(umask)
            os.fchmod(fd, 0o666 & ~umask)
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            fd = -1
            out.write(text)
    except BaseException:
        if fd >= 0:
            os.close(fd)
        Path(name).unlink(missing_ok=True)
        raise
    return name


def example_rule_id(layer: str) -> str:
    """The id of the skeleton's example rule."""
    return f"{layer}-thank-you-note"


def _overlay(layer: str, extends: str, country: str, parent_rules: list[Rule]) -> str:
    calendar = ("" if knows_country(country) else
                f"\n# Note: no public holidays are known for {country}; working days skip weekends only.")
    if extends != BASE:
        calendar += (f"\n# It extends the shipped '{extends}' layer: every rule you do not change here stays as shipped."
                     f"\n# (A layer for {country} that does not extend '{extends}' would replace it instead.)")
    override, disable = _examples(parent_rules)
    return f"""\
# Rules for {country}: an overlay on the '{extends}' rules.{calendar}
#
# An overlay changes the rules below it for one country, in three ways:
#   rules:     rules of its own (one example below: replace it with yours);
#   override:  new parts (when, then, title, priority) for a rule of a lower layer, by its id;
#   disable:   a rule of a lower layer switched off, with the reason.
# See the merged result, rule by rule, with its layer:
#   followup rules show --country {country} --rules <this folder>
# Check it and run its tests (tests/{layer}.yaml) before you share it:
#   followup rules lint <this folder>
#   followup rules test <this folder>
# The guide to the format: docs/authoring.md in the followup repository.
ruleset: {layer}
version: "0.1.0"
extends: {extends}
country: {country}
title: Following up on a job application ({country})
description: >
  What the advice for {country} changes in the '{extends}' rules.

rules:
  # Every rule has an id (lower case and dashes, unique), a title, 'when' (its conditions),
  # 'then' (what it does), 'because' (one sentence the job seeker reads) and the source it
  # comes from: the seed article, the advice-catalogue items and the article's own words.
  - id: {example_rule_id(layer)}
    title: Thank the interviewer after the interview
    when:
      all:
        - {{fact: stage, equals: interviewed}}
        - not: {{fact: interview.thanked, equals: true}}
    then:
      say:
        - Thank them for the interview and say that you are still interested in the job.
    because: A short thank-you straight after the interview is polite and keeps you in mind.
    source:
      seed: "003"
      items: [T7]
      quote: "Skicka ett tackmejl inom 24 timmar"

# To change a rule of a lower layer, uncomment and edit (it replaces only the parts you give):
{override}
# To switch a rule of a lower layer off:
{disable}
"""


def _examples(rules: list[Rule]) -> tuple[str, str]:
    """Commented override and disable examples, using real rules of the layer extended."""
    if not rules:
        return "# (the layer extended has no rules yet)", "# (the layer extended has no rules yet)"
    target = next((r for r in rules if r.then.earliest or r.then.latest), rules[0])
    entry = {"id": target.id, "then": to_json_data(target.then),
             "because": "Say why this country's advice differs (one sentence the job seeker reads).",
             "source": to_json_data(target.source)}
    override = yaml.safe_dump({"override": [entry]}, sort_keys=False, allow_unicode=True, width=96,
                              default_flow_style=None)
    # Switching off a rule that only adds words is the gentlest example; an action is not.
    victim = next((r for r in reversed(rules) if r.id != target.id and not r.then.action and not r.then.forbid),
                  next((r for r in rules if r.id != target.id), target))
    disable = yaml.safe_dump({"disable": [{"id": victim.id, "reason": "Say why this advice does not hold here."}]},
                             sort_keys=False, allow_unicode=True, width=96)
    return _commented(override), _commented(disable)


def _commented(text: str) -> str:
    return "\n".join(f"# {line}" for line in text.rstrip("\n").splitlines())


def _tests(layer: str, country: str) -> str:
    rule_id = example_rule_id(layer)
    return f"""\
# Rule tests for the '{layer}' layer: each case is a situation and what the advice must be.
# Run them with: followup rules test <the rules folder>
# A case can also start from a shipped example and change parts of it:
#   example: dk-applied-email
#   patch: {{country: {country}, contact: null}}     # null removes a field
# 'expect' can check action, channel, purpose, earliest, latest, alternatives, forbidden,
# conflicts, and the rules that must (fired) or must not (not_fired) fire.
description: Cases for the {country} rules.
cases:
  - name: after the interview, the thank-you is suggested
    situation:
      country: {country}
      today: {EXAMPLE_TODAY}
      stage: interviewed
      application: {{sent_on: 2026-02-20, via: email}}
      contact: {{name: Alex Example, email: alex@example.com}}
      interview: {{date: 2026-03-10, format: in_person}}
    expect:
      fired: [{rule_id}]
  - name: once you have thanked them, it is not
    situation:
      country: {country}
      today: {EXAMPLE_TODAY}
      stage: interviewed
      application: {{sent_on: 2026-02-20, via: email}}
      interview: {{date: 2026-03-10, format: in_person, thanked: true}}
    expect:
      not_fired: [{rule_id}]
"""

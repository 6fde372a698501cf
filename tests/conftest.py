"""Shared helpers: run the CLI in-process, build situations, reach the repository's files.

Tests import the *installed* ``followup`` package (CI installs the wheel), so they check
what a user gets, with the shipped rulesets inside it.
"""

from __future__ import annotations

import json
import os
import resource
import textwrap
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any, Callable, Iterator

import pytest
import yaml
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

from followup.authoring.ruletest import SuiteReport, patched, run_suite
from followup.base.concepts import Channel, Stage, values
from followup.cli import cli
from followup.cli.common import run_guarded
from followup.engine.advice import Advice
from followup.engine.engine import Engine
from followup.load.schema import inlined_schema, local_definition
from followup.load.situation import parse_situation, situation_from_data
from followup.load.yamlio import load_document

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"

# Hypothesis' defaults are wall-clock bounds (a 200 ms deadline per example, a health check
# that fails when generating examples is "too slow"): on a shared, busy machine they fail
# tests for the machine's load, not for followup. A test's own settings still win.
settings.register_profile("followup", deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile("followup")


@contextmanager
def cpu_seconds() -> Iterator[Callable[[], float]]:
    """Time a block in CPU seconds, of this process and of the child processes it waited for.

    ``with cpu_seconds() as spent: ...`` then ``spent()``. A bound in CPU seconds measures
    the work followup does; wall-clock time also counts whatever else the machine is running.
    """

    def now() -> float:
        own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
        return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime

    started = now()
    ended: list[float] = []
    try:
        yield lambda: (ended[0] if ended else now()) - started
    finally:
        ended.append(now())


@dataclass(frozen=True)
class CliResult:
    code: int
    out: str
    err: str

    def json(self) -> Any:
        return json.loads(self.out)


@pytest.fixture
def run(capsys: pytest.CaptureFixture[str]):
    """``run('advise', 'file.yaml')`` → exit code, stdout, stderr of the real CLI."""

    def _run(*args: str) -> CliResult:
        code = run_guarded(cli, list(args))
        captured = capsys.readouterr()
        return CliResult(code, captured.out, captured.err)

    return _run


@pytest.fixture(scope="session")
def engine() -> Engine:
    return Engine()


@pytest.fixture(scope="session")
def shipped_suite() -> SuiteReport:
    """The shipped rule tests (rulesets/tests/*.yaml), run once per test session.

    tests/authoring/test_ruletests.py asserts each case passed; the tests of coverage and of
    what the cases show read this same run instead of running the cases again.
    """
    return run_suite()


def situation(**fields: Any):
    """A ``Situation`` from keyword fields (nested dicts allowed), validated like a file."""
    return parse_situation(json.dumps(fields), "<test>.json")


#: A valid situation file for tests that break one thing in it; their expected line numbers count from it.
GOOD_SITUATION = """\
country: DK
today: 2026-11-21
stage: applied
application:
  sent_on: 2026-11-11
  via: online_portal
"""


def write(tmp_path: Path, name: str, text: str) -> Path:
    """Write dedented text to ``tmp_path/name`` and return the path."""
    path = tmp_path / name
    path.write_text(textwrap.dedent(text).lstrip(), encoding="utf-8")
    return path


def write_yaml(tmp_path: Path, name: str, data: Any) -> Path:
    path = tmp_path / name
    path.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True), encoding="utf-8")
    return path


# --- Audit (explain, why-not, decision records, replay) ------------------------------------

AUDIT_SOURCE = {"seed": "000", "items": ["T2"], "quote": "En testkilde"}


def audit_rule(rule_id: str, when: Any, then: dict[str, Any], priority: int = 0, because: str = "A test reason.") -> dict[str, Any]:
    """One rule as ruleset data, citing a test source."""
    return {"id": rule_id, "title": f"Title of {rule_id}", "when": when, "then": then, "because": because,
            "priority": priority, "source": AUDIT_SOURCE}


def write_overlay(folder: Path, layer: str, country: str, **sections: Any) -> Path:
    """An overlay ``layer`` for ``country`` extending the shipped base (rules, override, disable)."""
    folder.mkdir(parents=True, exist_ok=True)
    return write_yaml(folder, f"{layer}.yaml", {"ruleset": layer, "version": "1.0", "extends": "base",
                                                 "country": country, **sections})


# --- Robustness (cache isolation) -----------------------------------------------------------


@pytest.fixture(scope="session", autouse=True)
def _private_dirs(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """This test run's own config and cache folders, never the user's: the personal-data key
    (audit/personal.py) and the ruleset cache of every test, and of every ``followup`` it starts.

    ``MonkeyPatch`` puts back (or removes) each variable afterwards, as it found it.
    """
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("XDG_CONFIG_HOME", str(tmp_path_factory.mktemp("xdg-config")))
        patch.setenv("XDG_CACHE_HOME", str(tmp_path_factory.mktemp("xdg-cache")))
        yield


# --- Rulesets written for a test (limits, hostile rulesets, numbers, lint) -----------------

SOURCE = {"seed": "000", "items": ["T2"], "quote": "Opfølgning"}


def rule(rule_id: str, when: Any, then: dict[str, Any] | None = None, priority: int | None = None) -> dict[str, Any]:
    """One valid rule entry."""
    out = {"id": rule_id, "title": f"Rule {rule_id}", "when": when, "then": then or {"say": [f"said by {rule_id}"]},
           "because": "A test rule.", "source": SOURCE}
    if priority is not None:
        out["priority"] = priority
    return out


def write_layer(folder: Path, rules: list[dict[str, Any]], name: str = "base", extends: str | None = None,
                country: str | None = None) -> Path:
    """A ruleset file ``folder/<name>.yaml``."""
    folder.mkdir(parents=True, exist_ok=True)
    data: dict[str, Any] = {"ruleset": name, "version": "1.0.0"}
    if extends:
        data["extends"] = extends
    if country:
        data["country"] = country
    data["rules"] = rules
    path = folder / f"{name}.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True), encoding="utf-8")
    return path


# --- Scenarios: the advice for a shipped example, patched ------------------------------------

def advise(engine, example: str, **patch: Any) -> Advice:
    """The advice for ``examples/<example>.yaml`` with ``patch`` merged in (None removes a key)."""
    data = load_document(EXAMPLES / f"{example}.yaml").data  # the project's YAML: `on:` stays a key
    return engine.advise(parse_situation(json.dumps(patched(data, patch), default=str), f"{example}.json"))


def dates(advice: Advice) -> tuple[str | None, str | None]:
    t = advice.timing
    return (t.earliest.isoformat() if t.earliest else None, t.latest.isoformat() if t.latest else None)


def said(advice: Advice) -> str:
    return " | ".join(p.text for p in (*advice.say, *advice.avoid, *advice.cautions))


def fired(advice: Advice) -> dict[str, Any]:
    return {entry.id: entry for entry in advice.trace}


# --- Generated situations: valid ones from the schema (properties, plan, done, drafts) -------

#: How many examples the property tests generate, against the default: ``FOLLOWUP_LONG=1``
#: runs 25 times as many (README); ``FOLLOWUP_EXAMPLES=0.1`` a tenth, as ``.ci/run`` does for
#: the lowest versions and the other Pythons, where the point is that everything runs at all.
SCALE = 25.0 if os.environ.get("FOLLOWUP_LONG") == "1" else float(os.environ.get("FOLLOWUP_EXAMPLES") or 1)


def examples(n: int) -> int:
    """``n`` examples, scaled by ``SCALE`` (never fewer than 3, so a property still gets a few)."""
    return max(3, round(n * SCALE))
COMMON = dict(deadline=None, print_blob=True,
              suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much])
SCHEMA = inlined_schema("situation")
COUNTRIES = ("DK", "SE", "NO", "DE", "FI", "GB", "US")
PER_RUN = ("id", "timestamp")

# --- valid situations, from the schema ---------------------------------------------------------------

#: Patterned text fields: values the pattern admits.
PATTERNED: dict[str, st.SearchStrategy[str]] = {
    "country": st.sampled_from(COUNTRIES),
    "employer.sector": st.from_regex(r"[a-z_]{1,40}", fullmatch=True),
    "contact.email": st.sampled_from(["mj@example.dk", "a.b+c@firma.se", "ærlig@post.no"]),
    "contact.phone": st.sampled_from(["+45 12 34 56 78", "070-123 45 67", "(22) 33.44.55"]),
}
TEXT = st.text(st.characters(blacklist_categories=("Cs", "Cc")), min_size=1, max_size=40)


@dataclass(frozen=True)
class _DateSlot:
    """Where a timeline's date goes in a drawn situation (``_filled`` puts it there)."""

    path: str


def _value(path: str, spec: dict[str, Any], dated: frozenset[str]) -> st.SearchStrategy[Any]:
    if path in dated:
        return st.just(_DateSlot(path))
    spec = local_definition(spec, SCHEMA)
    if "enum" in spec:
        return st.sampled_from(spec["enum"])
    if spec.get("type") == "boolean":
        return st.booleans()
    if spec.get("type") == "object":
        return _object(path + ".", spec, dated)
    if path in PATTERNED:
        return PATTERNED[path]
    return TEXT.filter(lambda s: s.strip()) if spec.get("type") == "string" else st.nothing()


def _object(prefix: str, spec: dict[str, Any], dated: frozenset[str]) -> st.SearchStrategy[dict[str, Any]]:
    """Every property optional, except the schema's required ones."""
    required = set(spec.get("required", ()))
    fields = {name: _value(prefix + name, sub, dated) for name, sub in spec["properties"].items()
              if sub.get("type") != "array" and (prefix + name in dated or not _is_date(sub))}
    optional = {k: v for k, v in fields.items() if k not in required}
    return st.fixed_dictionaries({k: v for k, v in fields.items() if k in required}, optional=optional)


def _filled(value: Any, dates: dict[str, str]) -> Any:
    if isinstance(value, _DateSlot):
        return dates[value.path]
    if isinstance(value, dict):
        return {k: _filled(v, dates) for k, v in value.items()}
    return value


def _is_date(spec: dict[str, Any]) -> bool:
    return str(spec.get("format", "")).startswith("date")


@st.composite
def timelines(draw: Any) -> dict[str, str]:
    """Dates that ``check_dates`` accepts: what happened lies between the application and today."""
    today = date(2024, 1, 1) + timedelta(days=draw(st.integers(0, 7 * 365)))
    sent = today - timedelta(days=draw(st.integers(0, 120)))
    interview = sent + timedelta(days=draw(st.integers(0, (today - sent).days)))
    near = lambda base, lo, hi: (base + timedelta(days=draw(st.integers(lo, hi)))).isoformat()
    hour = draw(st.sampled_from(["", "T09:00", "T14:30"]))
    return {"today": today.isoformat(), "application.sent_on": sent.isoformat(),
            "application.deadline": near(sent, -30, 30), "posting.answer_expected_by": near(sent, -10, 60),
            "interview.date": interview.isoformat() + hour, "interview.answer_promised_by": near(interview, -5, 30),
            "competing_offer.answer_by": near(today, -5, 30)}


#: The timeline's fields: each gets its date from ``timelines`` after the draw.
_DATED = frozenset({"today", "application.sent_on", "application.deadline", "posting.answer_expected_by",
                    "interview.date", "interview.answer_promised_by", "competing_offer.answer_by"})
#: Built once, not per situation: hypothesis works out a strategy's properties when it is
#: first drawn from, and a new tree of them per example was most of the generation's time.
_SCHEMA_FIELDS = _object("", SCHEMA, _DATED)


@st.composite
def _earlier_rounds(draw: Any, dates: dict[str, str], data: dict[str, Any]) -> list[dict[str, Any]]:
    """Rounds before the latest one, oldest first, between the application and that round."""
    sent = date.fromisoformat(dates["application.sent_on"])
    latest = date.fromisoformat(data["interview"]["date"][:10])
    days = sorted(draw(st.lists(st.integers(0, (latest - sent).days), min_size=1, max_size=3)))
    return [{"date": (sent + timedelta(days=n)).isoformat(), "thanked": draw(st.booleans())} for n in days]


@st.composite
def situations(draw: Any) -> dict[str, Any]:
    """A valid situation as a file would hold it."""
    dates = draw(timelines())
    assert dates.keys() == _DATED, "timelines() and _DATED name the same fields"
    data = _filled(draw(_SCHEMA_FIELDS), dates)
    data["today"] = dates["today"]  # without it, the clock's date would not fit the timeline
    stage = data["stage"]
    data.pop("interviews", None)
    if stage == "considering":
        data.get("application", {}).pop("sent_on", None)
    if stage != "interviewed":  # a field of a later stage than ``stage`` is refused
        data.pop("interview", None)
    if stage == "interviewed" and "interview" not in data:
        data["interview"] = {"date": dates["interview.date"]}
    if stage == "interviewed" and draw(st.booleans()):
        data["interviews"] = draw(_earlier_rounds(dates, data)) + [data.pop("interview")]
    if stage != "considering" and draw(st.booleans()):
        data["follow_ups"] = draw(_follow_ups(dates, data))
    return data


def _follow_ups(dates: dict[str, str], data: dict[str, Any]) -> st.SearchStrategy[list[dict[str, Any]]]:
    start = date.fromisoformat(data.get("application", {}).get("sent_on", dates["today"]))
    span = (date.fromisoformat(dates["today"]) - start).days
    one = st.fixed_dictionaries({"via": st.sampled_from(CHANNELS)},
                                optional={"answered": st.booleans()})
    return st.lists(st.tuples(st.integers(0, span), one), max_size=4).map(
        lambda pairs: [{"date": (start + timedelta(days=n)).isoformat(), **f} for n, f in sorted(pairs, key=lambda p: p[0])])


TODAY = date(2026, 3, 11)
CHANNELS = list(values(Channel))  # the concept's own list, so a new channel is generated too

ENUMS = {"stage": list(values(Stage)),
         "application.via": ["online_portal", "job_board", "email", "post", "in_person"],
         "contacts.last_via": CHANNELS, "interview.tone": ["warm", "neutral", "cold"]}


def day(offset: int) -> str:
    return (TODAY + timedelta(days=offset)).isoformat()


@st.composite
def dk_situations(draw) -> dict:
    """A valid DK situation around ``TODAY`` (follow-ups in order, none after it): few facts, many values."""
    stage = draw(st.sampled_from(ENUMS["stage"]))
    data: dict = {"country": "DK", "today": TODAY.isoformat(), "stage": stage}
    if stage != "considering":
        sent = draw(st.integers(-30, 0))
        data["application"] = {"sent_on": day(sent), "via": draw(st.sampled_from(ENUMS["application.via"]))}
        if draw(st.booleans()):
            data["application"]["deadline"] = day(draw(st.integers(-25, 5)))
        if stage == "interviewed":
            data["interview"] = {"date": day(draw(st.integers(sent, 0))), "tone": draw(st.sampled_from(ENUMS["interview.tone"]))}
        follow = draw(st.lists(st.tuples(st.sampled_from(CHANNELS), st.booleans()), max_size=3))
        data["follow_ups"] = [{"date": day(min(sent + i, 0)), "via": v, "answered": a} for i, (v, a) in enumerate(follow)]
    if draw(st.booleans()):
        data["posting"] = {"forbids_calls": draw(st.booleans())}
    if draw(st.booleans()):
        data["contact"] = {"email": draw(st.sampled_from(["kim@example.com", "x@y.z"]))}
    return data


# --- Property tests count what they skip ------------------------------------------------------


class Tally:
    """What a property test checked and what it skipped, over all its generated examples.

    A property test that returns early on some examples passes without checking anything if a
    bug makes every example skip; ``tally.assert_checked()`` after the run turns that red.
    """

    def __init__(self) -> None:
        self.checked = 0
        self.skipped: dict[str, int] = {}

    def check(self) -> None:
        self.checked += 1

    def skip(self, reason: str) -> None:
        self.skipped[reason] = self.skipped.get(reason, 0) + 1

    @property
    def total(self) -> int:
        return self.checked + sum(self.skipped.values())

    def assert_checked(self, at_least: int, most_skipped: float = 0.1, besides: tuple[str, ...] = ()) -> None:
        """At least ``at_least`` examples checked, and at most ``most_skipped`` of all skipped.

        Skips for a reason in ``besides`` are outcomes the property allows (a rule that does
        not fire) rather than gaps: they count toward neither the total nor the skipped.
        """
        skipped = sum(n for reason, n in self.skipped.items() if reason not in besides)
        total = self.checked + skipped
        assert self.checked >= at_least, f"checked {self.checked} of {self.total} (skipped: {self.skipped})"
        assert skipped <= most_skipped * total, f"skipped {skipped} of {total}: {self.skipped}"


def parse_generated(data: dict[str, Any]) -> Any:
    """A generated situation through the loader every situation goes through (never re-parsed text)."""
    return situation_from_data(data, "<generated>")


#: One engine for the property tests of every module (hypothesis cannot take function fixtures).
GENERATED_ENGINE = Engine()

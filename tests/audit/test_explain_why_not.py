"""``explain --why-not``: the rules that forbid, outrank or delay, and what would have to change."""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import audit_rule, situation, write_yaml
from followup.engine.engine import Engine
from followup.rules.ruleset import Library
from followup.audit.whynot import Change, why_not

SITUATION = dict(country="DE", today="2026-11-23", stage="applied", employer={"size": "small"},
                 application={"sent_on": "2026-11-11"},
                 posting={"forbids_calls": True, "forbids_emails": True},
                 contact={"name": "Mette Jensen", "email": "mj@example.dk", "phone": "+45 12 34 56 78", "insider": True})

RULES = [
    audit_rule("always", {"fact": "stage", "exists": True}, {"say": ["Be brief."]}),
    audit_rule("act", {"fact": "stage", "equals": "applied"}, {"action": "follow_up"}),
    audit_rule("stop-if-rejected", {"fact": "outcome", "equals": "rejected"}, {"action": "stop"}, priority=900),
    audit_rule("wait-if-cold", {"fact": "interview.tone", "equals": "cold"}, {"action": "wait"}, priority=50),
    audit_rule("window", {"fact": "application.sent_on", "exists": True},
               {"earliest": "7 days after application.sent_on", "latest": "20 days after application.sent_on"}),
    audit_rule("prefer-email", {"fact": "contact.email", "exists": True}, {"prefer": ["email"]}, priority=10),
    audit_rule("prefer-phone", {"fact": "contact.phone", "exists": True}, {"prefer": ["phone", "letter"]}),
    audit_rule("prefer-linkedin", {"fact": "contact.linkedin", "equals": True}, {"prefer": ["linkedin"]}),
    audit_rule("prefer-insider", {"fact": "contact.insider", "equals": True}, {"prefer": ["insider"]}),
    audit_rule("no-letter", {"any": [{"fact": "posting.forbids_calls", "equals": True},
                                     {"fact": "posting.forbids_emails", "equals": True}]}, {"forbid": ["letter"]}),
    audit_rule("no-insider", {"all": [{"fact": "contact.insider", "equals": True},
                                      {"fact": "employer.size", "equals": "small"}]}, {"forbid": ["insider"]}),
    audit_rule("in-person-only-if-handed-in", {"not": {"fact": "application.via", "equals": "in_person"}},
               {"forbid": ["in_person"]}, priority=100),
]


@pytest.fixture(scope="module")
def engine(tmp_path_factory: pytest.TempPathFactory) -> Engine:
    folder = tmp_path_factory.mktemp("whynot-rules")
    write_yaml(folder, "base.yaml", {"ruleset": "base", "version": "1", "rules": RULES})
    return Engine(library=Library.load([folder], include_shipped=False))


def ask(engine: Engine, subject: str, **changes: object):
    return why_not(engine.advise(situation(**{**SITUATION, **changes})), subject)


def test_forbidden_by_an_any_needs_every_part_to_change(engine: Engine) -> None:
    answer = ask(engine, "letter")
    assert answer.answer == "Letter is ruled out: 1 rule forbids it."
    (reason,) = answer.reasons
    assert (reason.kind, reason.rule.id) == ("forbids", "no-letter")
    assert reason.changes == ((Change("posting.forbids_calls", True, True, "false or not given"),
                               Change("posting.forbids_emails", True, True, "false or not given")),)


def test_forbidden_by_an_all_needs_one_part_to_change(engine: Engine) -> None:
    (reason,) = ask(engine, "insider").reasons
    assert reason.rule.id == "no-insider"
    assert [str(c) for (c,) in reason.changes] == [
        "contact.insider is true; it would have to be false or not given",
        "employer.size is 'small'; it would have to be other than 'small' or not given"]


def test_forbidden_by_a_not_turns_the_question_round(engine: Engine) -> None:
    (reason,) = ask(engine, "in_person").reasons
    assert reason.rule.id == "in-person-only-if-handed-in"
    assert [str(c) for (c,) in reason.changes] == ["application.via is not given; it would have to be 'in_person'"]


def test_an_alternative_is_outranked_by_a_higher_priority_rule(engine: Engine) -> None:
    answer = ask(engine, "phone")
    assert answer.answer == "Phone is an alternative; e-mail ranks above it."
    (reason,) = answer.reasons
    assert (reason.kind, reason.rule.id) == ("outranks", "prefer-email")
    assert reason.message == "prefers e-mail (priority 10), which ranks above phone"
    assert [str(c) for (c,) in reason.changes] == ["contact.email is 'mj@example.dk'; it would have to be not given"]


def test_a_channel_no_rule_recommends_names_the_rules_that_would(engine: Engine) -> None:
    answer = ask(engine, "linkedin")
    assert answer.answer == "No rule that applies here recommends LinkedIn message."
    (reason,) = answer.reasons
    assert (reason.kind, reason.rule.id) == ("would_recommend", "prefer-linkedin")
    assert [str(c) for (c,) in reason.changes] == ["contact.linkedin is not given; it would have to be true"]


def test_the_channel_advised_needs_no_reasons(engine: Engine) -> None:
    answer = ask(engine, "email")
    assert answer.answer == "E-mail is the channel advised." and answer.reasons == ()


def test_not_yet_names_the_window_rule_and_the_day(engine: Engine) -> None:
    answer = ask(engine, "follow_up", today="2026-11-15")
    assert answer.answer == "Not yet: the earliest day to follow up is 18 November."
    (reason,) = answer.reasons
    assert (reason.kind, reason.rule.id) == ("delays", "window")
    assert reason.message == "not before 18 November (7 days after application.sent_on)"
    assert str(reason.changes[0][0]) == "today is '2026-11-15'; it would have to be 2026-11-18 or later"
    assert ask(engine, "email", today="2026-11-15").answer == "E-mail is the channel advised, but not before 18 November."


def test_stop_names_the_rule_and_what_would_have_to_change(engine: Engine) -> None:
    answer = ask(engine, "follow_up", outcome="rejected")
    assert answer.answer == "Do not follow up: 1 rule says so."
    (reason,) = answer.reasons
    assert (reason.kind, reason.rule.id) == ("stops", "stop-if-rejected")
    # outcome is always given (it has a default), so "not given" is no way out
    assert [str(c) for (c,) in reason.changes] == ["outcome is 'rejected'; it would have to be other than 'rejected'"]
    letter = ask(engine, "letter", outcome="rejected")
    assert letter.answer == "Letter is ruled out: 1 rule forbids it. Besides, do not follow up: 1 rule says so."
    assert [r.rule.id for r in letter.reasons] == ["no-letter", "stop-if-rejected"]


def test_a_rule_that_says_wait(engine: Engine) -> None:
    answer = ask(engine, "follow_up", stage="interviewed", interview={"date": "2026-11-12", "tone": "cold"})
    assert answer.answer == "Wait: 1 rule says so."
    assert [(r.kind, r.rule.id) for r in answer.reasons] == [("waits", "wait-if-cold")]


def test_no_rule_says_follow_up(engine: Engine) -> None:
    answer = ask(engine, "follow_up", stage="considering", application={"via": "email"})
    assert answer.answer == "Wait: no rule that applies here says to follow up."
    assert [(r.kind, r.rule.id, str(r.changes[0][0])) for r in answer.reasons] == [
        ("would_follow_up", "act", "stage is 'considering'; it would have to be 'applied'")]


def test_why_not_a_forbidden_channel_from_the_command_line(run, tmp_path: Path) -> None:
    # The shipped base rules: the posting discourages calls (C1, seed 003).
    file = write_yaml(tmp_path, "s.yaml", {**SITUATION, "posting": {"forbids_calls": True}})
    result = run("explain", str(file), "--why-not", "phone")
    assert result.code == 0, result.err
    assert result.out.startswith("Why not phone?\nPhone is ruled out:")
    assert "[no-calls-if-posting-forbids] Do not call if the posting says not to: forbids phone" in result.out
    assert "source: seed 003, C1: “om annonsen uttryckligen avråder från telefonsamtal”" in result.out
    assert "posting.forbids_calls is true; it would have to be false or not given" in result.out
    markdown = run("explain", str(file), "--why-not", "phone", "--format", "markdown")
    assert "- **Do not call if the posting says not to** (`no-calls-if-posting-forbids`" in markdown.out
    assert "`posting.forbids_calls` is `true`; it would have to be false or not given" in markdown.out
    as_json = run("explain", str(file), "--why-not", "phone", "--format", "json").json()
    reason = next(r for r in as_json["why_not"][0]["reasons"] if r["rule"] == "no-calls-if-posting-forbids")
    assert reason["kind"] == "forbids" and reason["source"]["items"] == ["C1"]
    assert reason["changes"] == [[{"fact": "posting.forbids_calls", "now": True, "needed": "false or not given",
                                   "text": "posting.forbids_calls is true; it would have to be false or not given"}]]


def test_why_not_something_that_is_not_a_channel_is_a_usage_error(run, tmp_path: Path) -> None:
    file = write_yaml(tmp_path, "s.yaml", SITUATION)
    result = run("explain", str(file), "--why-not", "pigeon")
    assert result.code == 2 and "pigeon" in result.err and result.out == ""

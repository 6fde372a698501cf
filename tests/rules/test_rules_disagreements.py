"""Where the articles disagree, the rulesets settle it, and the trace shows how.

Settled by priority or a forbid: the losing rule fires and its trace entry names the rule
that beat it. Settled by an overlay's override: the rule in force names its layer and the
layer it replaced. Settled by a narrower condition: the losing rule does not fire at all.
"""

from __future__ import annotations

from typing import Any

import pytest

from followup.render.text import verdict

from followup.engine.advice import Advice
from conftest import advise, dates, fired, said


def beaten(advice: Advice, rule: str) -> list[tuple[str, str]]:
    """``(part, by)`` for each part of ``rule``'s effect that did not make it into the advice."""
    return [(o.part, o.by) for o in fired(advice)[rule].overridden_by]


def layers(advice: Advice, rule: str) -> tuple[str, str, list[tuple[str, str]]]:
    entry = fired(advice)[rule]
    return entry.layer, entry.defined_in, [(o.layer, o.replaced_layer) for o in entry.layer_overrides]


ONE_UNANSWERED_SINCE_INTERVIEW: dict[str, Any] = {"follow_ups": [{"date": "2026-11-28", "via": "email", "answered": False}]}


# --- How many contacts are too many: L1 three, L2 one unanswered after an interview, L3 two calls, L6 one

def test_dk_l2_one_unanswered_message_after_an_interview_beats_t10_try_again(engine) -> None:
    advice = advise(engine, "dk-interview-date-passed", **ONE_UNANSWERED_SINCE_INTERVIEW)
    assert (advice.action, advice.channel) == ("stop", None)
    assert verdict(advice) == "Do not follow up: after an interview, never more than one message without an answer."
    assert ("action follow_up", "one-unanswered-message-after-an-interview") in beaten(advice, "three-days-to-answer")
    assert "no-more-than-three-contacts" not in fired(advice)  # L1 counts three; L2 is the narrower limit


def test_no_without_l2_tries_again_three_days_after_the_unanswered_message(engine) -> None:
    advice = advise(engine, "dk-interview-date-passed", country="NO", **ONE_UNANSWERED_SINCE_INTERVIEW)
    assert (advice.action, advice.channel, dates(advice)) == ("wait", "phone", ("2026-12-01", None))
    assert beaten(advice, "three-days-to-answer") == []


def test_se_l6_one_follow_up_is_enough_beats_t10(engine) -> None:
    advice = advise(engine, "se-interview-date-passed", **ONE_UNANSWERED_SINCE_INTERVIEW)
    assert advice.action == "stop"
    assert ("action follow_up", "one-follow-up-is-enough") in beaten(advice, "three-days-to-answer")


def test_dk_l3_two_calls_forbid_a_third_but_l1_still_allows_an_email(engine) -> None:
    advice = advise(engine, "dk-applied-email", today="2026-12-01",
                    application={"sent_on": "2026-10-19"},
                    follow_ups=[{"date": "2026-11-02", "via": "phone", "answered": True},
                                {"date": "2026-11-16", "via": "phone", "answered": False}])
    assert (advice.action, advice.channel) == ("follow_up", "email")
    assert "phone" in advice.forbidden and "phone" not in advice.alternatives
    assert beaten(advice, "phone-if-you-have-the-number") == [("prefer phone", "no-third-call")]
    assert "no-more-than-three-contacts" not in fired(advice)


def test_l1_three_contacts_is_the_outer_limit_even_with_a_competing_offer(engine) -> None:
    advice = advise(engine, "dk-three-unanswered", competing_offer={"answer_by": "2026-12-18"})
    assert advice.action == "stop" and "no-more-than-three-contacts" in fired(advice)
    # Three answered contacts: the offer would be told, but the three-contact limit beats it.
    answered = [{**f, "answered": True} for f in advise(engine, "dk-three-unanswered").basis.situation.to_dict()["follow_ups"]]
    advice = advise(engine, "dk-three-unanswered", competing_offer={"answer_by": "2026-12-18"}, follow_ups=answered)
    assert advice.action == "stop"
    assert ("action follow_up", "no-more-than-three-contacts") in beaten(advice, "competing-offer-follow-up-now")


@pytest.mark.parametrize("example, limit", [
    ("dk-interview-date-passed", "one-unanswered-message-after-an-interview"),
    ("se-interview-date-passed", "one-follow-up-is-enough"),
])
def test_t12_a_competing_offer_beats_the_one_unanswered_message_limits(engine, example: str, limit: str) -> None:
    # The unanswered message is two weeks old: the offer is news, and is told.
    advice = advise(engine, example, today="2026-12-02", competing_offer={"answer_by": "2026-12-04"},
                    follow_ups=[{"on": "2026-11-18", "via": "email", "answered": False}])
    assert (advice.action, advice.purpose) == ("follow_up", "competing_offer")
    assert beaten(advice, limit) == [("action stop", "competing-offer-follow-up-now")]
    # A message of the last two weeks still awaits its answer (the offer's own, once told): the
    # limit stands, so the offer is told once, not every day until three contacts.
    advice = advise(engine, example, competing_offer={"answer_by": "2026-12-03"}, **ONE_UNANSWERED_SINCE_INTERVIEW)
    assert advice.action == "stop" and "competing-offer-follow-up-now" not in fired(advice)


# --- How long to wait after a stated date: T5 four or five days (DK), T9 one or two working days (SE)

@pytest.mark.parametrize("country, layer, expected", [
    ("DK", "dk", ("wait", ("2026-12-01", "2026-12-02"))),
    ("SE", "se", ("follow_up", ("2026-11-30", "2026-12-01"))),
    ("NO", "base", ("follow_up", ("2026-11-30", None))),
])
def test_t5_t9_the_wait_after_a_promised_date_is_each_countrys_own(engine, country: str, layer: str,
                                                                   expected: tuple[str, tuple]) -> None:
    advice = advise(engine, "se-interview-date-passed", country=country)  # promised Friday 27 November
    assert (advice.action, dates(advice)) == expected
    in_force, defined_in, overrides = layers(advice, "wait-for-the-date-promised-at-the-interview")
    assert (in_force, defined_in) == (layer, "base")
    assert overrides == ([] if layer == "base" else [(layer, "base")])


def test_t5_dk_also_waits_four_or_five_days_after_a_date_the_posting_gave(engine) -> None:
    patch = {"posting": {"answer_expected_by": "2026-11-18"}, "employer": {"size": "medium"}}
    dk = advise(engine, "dk-applied-email", **patch)
    se = advise(engine, "dk-applied-email", country="SE", **patch)
    assert dates(dk) == ("2026-11-22", "2026-11-23") and layers(dk, "wait-until-after-the-date-given")[0] == "dk"
    assert dates(se) == ("2026-11-21", None) and layers(se, "wait-until-after-the-date-given")[0] == "base"


def test_t2_t4_without_a_deadline_sweden_waits_about_two_weeks(engine) -> None:
    dk = advise(engine, "dk-applied-email", today="2026-11-18")
    se = advise(engine, "dk-applied-email", country="SE", today="2026-11-18")
    assert (dk.action, dates(dk)) == ("follow_up", ("2026-11-18", "2026-11-25"))
    assert (se.action, dates(se)) == ("wait", ("2026-11-25", None))
    assert layers(se, "wait-one-to-two-weeks")[2] == [("se", "base")]


# --- Whether to phone after an interview: C7 (DK: if they phoned you) vs C18 (SE: always e-mail) ----

def test_c7_c18_phone_after_an_interview_in_denmark_not_in_sweden(engine) -> None:
    dk = advise(engine, "se-interview-date-passed", country="DK")
    se = advise(engine, "se-interview-date-passed")
    assert dk.channel == "phone" and beaten(dk, "phone-if-they-invited-you-by-phone") == []
    assert se.channel == "email" and "phone" in se.forbidden
    assert beaten(se, "phone-if-they-invited-you-by-phone") == [("prefer phone", "always-email-after-an-interview")]


def test_c18_c14_in_sweden_a_contact_who_asks_for_a_call_gets_one(engine) -> None:
    advice = advise(engine, "se-interview-date-passed", contact={"asked_for": "phone"})
    assert advice.channel == "phone" and "always-email-after-an-interview" not in fired(advice)


def test_c7_c8_after_an_online_interview_email_comes_first_even_if_they_phoned(engine) -> None:
    advice = advise(engine, "dk-interview-thank-you", interview={"invited_by": "phone"})
    assert (advice.channel, advice.alternatives) == ("email", ("phone",))
    assert "phone-if-they-invited-you-by-phone" in fired(advice)


# --- Other disagreements ---------------------------------------------------------------------------------

def test_c14_c13_dk_a_phone_only_contact_is_not_emailed_even_after_an_online_interview(engine) -> None:
    advice = advise(engine, "dk-interview-thank-you", contact={"email": None}, interview={"invited_by": "phone"})
    assert (advice.channel, advice.purpose) == ("phone", "thank_you")
    by_email = advise(engine, "dk-interview-thank-you", contact={"email": None})
    assert by_email.channel == "email"  # they wrote to invite you: that is an address you were given
    # Two rules forbid the e-mail here (no address; C14, a phone number given): the trace names
    # the higher-ranked one, and both fired.
    assert beaten(advice, "email-first-after-an-online-interview") == [("prefer email", "email-needs-an-address")]
    assert "no-email-if-they-gave-you-a-phone-number" in fired(advice)


def test_c14_c1_the_posting_forbidding_calls_beats_the_phone_only_contact(engine) -> None:
    advice = advise(engine, "dk-private-phone-only", posting={"forbids_calls": True}, contact={"email": "lene@example.dk"})
    assert advice.channel == "email" and "no-email-if-they-gave-you-a-phone-number" not in fired(advice)
    # Without an address there is no way left: wait, and find it first (issue 11).
    advice = advise(engine, "dk-private-phone-only", posting={"forbids_calls": True})
    assert (advice.action, advice.channel) == ("wait", None) and "find-a-way-to-reach-them-first" in fired(advice)


def test_c6_c15_in_person_after_an_interview_only_if_they_asked(engine) -> None:
    handed_in = advise(engine, "dk-interview-thank-you", application={"via": "in_person"})
    asked = advise(engine, "dk-interview-thank-you", application={"via": "in_person"},
                   contact={"asked_for": "in_person"})
    assert "in_person" in handed_in.forbidden and "no-unannounced-visits" in fired(handed_in)
    assert asked.channel == "in_person" and "no-unannounced-visits" not in fired(asked)


def test_c6_c14_applied_online_never_in_person_even_if_asked(engine) -> None:
    advice = advise(engine, "dk-interview-thank-you", contact={"asked_for": "in_person"})
    assert advice.channel == "email" and "in_person" in advice.forbidden
    assert beaten(advice, "asked-for-in-person") == [("prefer in_person", "in-person-only-if-handed-in")]


def test_c16_c17_a_large_company_means_email_even_for_a_sales_role(engine) -> None:
    advice = advise(engine, "se-applied-deadline", today="2026-11-16", role_kind="sales",
                    employer={"size": "large"}, contact={"phone": "+46 8 123 456 78", "phone_kind": "work"})
    small = advise(engine, "se-applied-deadline", today="2026-11-16", role_kind="sales",
                   employer={"size": "small"}, contact={"phone": "+46 8 123 456 78", "phone_kind": "work"})
    assert (advice.channel, advice.alternatives) == ("email", ("phone",))
    assert (small.channel, small.alternatives) == ("phone", ("email",))


def test_t12_c20_an_interview_elsewhere_counts_in_norway_not_in_sweden(engine) -> None:
    patch = {"competing_offer": {"answer_by": "2026-11-27", "kind": "interview"}}
    se = advise(engine, "se-competing-offer", **patch)
    no = advise(engine, "se-competing-offer", country="NO", **patch)
    assert (se.action, se.purpose, dates(se)) == ("wait", "status", ("2026-12-07", "2026-12-08"))
    assert "An interview elsewhere is not yet an offer" in said(se)
    assert (no.action, no.channel, no.purpose, dates(no)) == ("follow_up", "phone", "process_question",
                                                             ("2026-11-23", "2026-11-27"))


def test_c19_g5_norway_calls_before_applying_where_the_base_waits(engine) -> None:
    advice = advise(engine, "no-before-applying")
    assert advice.action == "follow_up"
    assert beaten(advice, "nothing-to-follow-up-before-applying") == [("action wait", "call-before-you-apply")]


def test_m15_m10_asking_when_they_decide(engine) -> None:
    patch = {"today": "2026-11-27", "interview": {"answer_promised_by": None}}
    dk = advise(engine, "se-interview-date-passed", country="DK", **patch)
    se = advise(engine, "se-interview-date-passed", **patch)
    assert "don't be afraid to ask when you can expect a decision" in said(dk)
    assert layers(dk, "ask-about-their-timeline")[2] == [("dk", "base")]
    assert "Asking exactly when they will decide" in said(se)
    assert "ask about their timeline and the next steps" in said(se)


def test_m1_m14_restate_your_fit_in_denmark_sell_nothing_in_sweden(engine) -> None:
    dk = advise(engine, "dk-interview-thank-you")
    se = advise(engine, "dk-interview-thank-you", country="SE")
    assert "say again, briefly, why you are qualified" in said(dk) and "selling yourself again" not in said(dk)
    assert "selling yourself again" in said(se) and "why you are qualified" not in said(se)


def test_thank_you_outranks_the_status_question_while_it_is_due(engine) -> None:
    advice = advise(engine, "dk-interview-thank-you", country="NO")
    assert advice.purpose == "thank_you"
    assert beaten(advice, "status-follow-up-after-interview") == [("purpose status", "thank-you-within-24-hours")]


def test_m1_m4_the_danish_thank_you_says_why_you_fit_and_the_trace_shows_what_it_beat(engine) -> None:
    # M1 ("say again briefly why you fit") against M4 ("don't repeat your application"): dk.yaml
    # keeps M4's points for the status question and the offer; in the thank-you they are set aside.
    advice = advise(engine, "dk-interview-thank-you")
    assert advice.purpose == "thank_you"
    assert "why you are qualified and suited" in said(advice)
    assert "Repeating your application" not in said(advice)
    assert beaten(advice, "do-not-oversell") == [("say", "thank-you-within-24-hours")]
    entry = next(e for e in advice.trace if e.id == "do-not-oversell")
    assert entry.layer == "dk" and "M1" in entry.source.items
    status = advise(engine, "dk-interview-date-passed")
    assert "Repeating your application" in said(status)

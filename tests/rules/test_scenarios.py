"""Realistic situations per country: the action, channel, dates and words a job seeker gets.

Each test reads like a counsellor's check of the advice for one situation; most start from
an example in ``examples/`` and change what the scenario is about.
"""

from __future__ import annotations


import pytest

from followup.render.text import verdict
from conftest import advise, dates, fired, said
from followup.engine.advice import Advice




def beaten_by(advice: Advice, rule: str) -> set[str]:
    return {o.by for o in fired(advice)[rule].overridden_by}


# --- Applied ------------------------------------------------------------------------------------

def test_se_applied_online_with_a_deadline_and_no_timeline_waits_7_to_14_days_after_it(engine) -> None:
    advice = advise(engine, "se-applied-deadline")  # deadline 8 November, today the 12th
    assert (advice.action, advice.channel, advice.purpose) == ("wait", "email", "status")
    assert dates(advice) == ("2026-11-15", "2026-11-22")
    assert verdict(advice).startswith("Wait. E-mail Anna Svensson")
    assert "Subject: the position's title" in said(advice)
    on_time = advise(engine, "se-applied-deadline", today="2026-11-16")
    assert (on_time.action, dates(on_time)) == ("follow_up", ("2026-11-16", "2026-11-22"))


def test_dk_applied_in_person_may_follow_up_in_person(engine) -> None:
    advice = advise(engine, "dk-handed-in-person")
    assert (advice.action, advice.channel) == ("follow_up", "in_person")
    assert dates(advice) == ("2026-11-23", "2026-11-25")
    assert "in_person" not in advice.forbidden
    assert "Dress appropriately" in said(advice) and "keep the visit short" in said(advice)
    online = advise(engine, "dk-handed-in-person", application={"via": "online_portal"})
    assert online.channel != "in_person" and "in_person" in online.forbidden


@pytest.mark.parametrize("country", ["DK", "SE", "NO"])
def test_a_posting_that_forbids_calls_and_emails_means_stop(engine, country: str) -> None:
    advice = advise(engine, "se-posting-forbids-contact", country=country)
    assert (advice.action, advice.channel, dates(advice)) == ("stop", None, (None, None))
    assert verdict(advice) == "Do not follow up: the posting asks applicants not to call or e-mail."
    assert advice.say == () and not advice.conflicts


@pytest.mark.parametrize("country", ["DK", "SE", "NO"])
def test_three_unanswered_contacts_mean_stop(engine, country: str) -> None:
    advice = advise(engine, "dk-three-unanswered", country=country)
    assert (advice.action, advice.channel) == ("stop", None)
    assert verdict(advice) == "Do not follow up: you have contacted them three times already."
    assert "Turn your focus to other job applications." in said(advice)


def test_only_a_private_phone_number_is_never_called(engine) -> None:
    dk = advise(engine, "dk-private-phone-only")
    # Denmark: the contact gave a phone number, so no e-mail (C14); the company's main number,
    # never the private one (C12).
    assert (dk.action, dk.channel, dates(dk)) == ("follow_up", "phone", ("2026-11-23", "2026-11-25"))
    assert "phone-if-you-have-the-number" not in fired(dk)
    assert "Never call the private number" in said(dk)
    assert "main number" in said(dk)
    se = advise(engine, "dk-private-phone-only", country="SE", contact={"email": "lene@example.se"})
    assert (se.channel, se.alternatives) == ("email", ("phone",))
    assert "Never call the private number" in said(se)


def test_the_phone_waits_for_a_working_day(engine) -> None:
    saturday = advise(engine, "dk-private-phone-only", today="2026-11-21")
    assert (saturday.action, saturday.channel, dates(saturday)) == ("wait", "phone", ("2026-11-23", "2026-11-25"))
    email_on_saturday = advise(engine, "dk-applied-email")  # 21 November 2026 is a Saturday
    assert (email_on_saturday.action, dates(email_on_saturday)[0]) == ("follow_up", "2026-11-21")


# --- After an interview -----------------------------------------------------------------------

@pytest.mark.parametrize("country, own_point", [
    ("DK", "say again, briefly, why you are qualified"),
    ("SE", "Asking new questions, or selling yourself again"),
    ("NO", "Refer briefly to something specific"),
])
def test_thank_you_the_day_after_an_online_interview(engine, country: str, own_point: str) -> None:
    advice = advise(engine, "dk-interview-thank-you", country=country)
    assert (advice.action, advice.channel, advice.purpose) == ("follow_up", "email", "thank_you")
    assert dates(advice) == ("2026-11-19", "2026-11-19")
    assert verdict(advice) == "E-mail Mette Jensen to thank them for the interview today."
    text = said(advice)
    assert "Thank them for their time." in text and own_point in text
    assert "Subject: the day and time of your interview" not in text  # the status e-mail is for later
    # The status question's wait is not the thank-you's: it is set aside and says so.
    status_wait = fired(advice)["wait-for-the-date-promised-at-the-interview"]
    assert [(o.part, o.by) for o in status_wait.overridden_by] == [("timing", "thank-you-within-24-hours")]


def test_se_promised_date_passed_email_one_or_two_working_days_after(engine) -> None:
    advice = advise(engine, "se-interview-date-passed")  # promised Friday 27 November
    assert (advice.action, advice.channel, advice.purpose) == ("follow_up", "email", "status")
    assert dates(advice) == ("2026-11-30", "2026-12-01")
    assert "phone" in advice.forbidden and advice.alternatives == ()
    assert "Subject: \"Follow-up regarding [position]\"." in said(advice)


def test_dk_promised_date_passed_four_or_five_days_after_by_phone(engine) -> None:
    advice = advise(engine, "dk-interview-date-passed")  # the same, in Denmark
    assert (advice.action, advice.channel) == ("wait", "phone")
    assert dates(advice) == ("2026-12-01", "2026-12-02")
    assert "Remind them of the day of your interview" in said(advice)
    assert "Call in office hours" in said(advice)


def test_no_promised_date_passed_follow_up_from_the_day_after(engine) -> None:
    advice = advise(engine, "dk-interview-date-passed", country="NO")
    assert (advice.action, advice.channel, dates(advice)) == ("follow_up", "phone", ("2026-11-30", None))


def test_a_cold_interviewer_gets_no_more_calls(engine) -> None:
    advice = advise(engine, "dk-cold-interviewer")
    assert (advice.action, advice.channel, dates(advice)) == ("follow_up", "email", ("2026-11-25", "2026-11-25"))
    assert "phone" in advice.forbidden and "phone" not in advice.alternatives
    assert beaten_by(advice, "phone-if-they-invited-you-by-phone") == {"no-more-calls-if-they-sounded-cold"}
    assert "chances are you will not be hired" in said(advice)


@pytest.mark.parametrize("country, channel, alternatives", [
    ("SE", "email", ("phone",)),      # C18: e-mail first, call only if you need a faster answer
    ("NO", "phone", ("email",)),      # C20: call and ask about the process
    ("DK", "email", ("phone",)),      # the base channel rules (online interview, invited by e-mail)
])
def test_a_competing_offer_means_follow_up_now_and_say_so(engine, country: str, channel: str,
                                                         alternatives: tuple[str, ...]) -> None:
    advice = advise(engine, "se-competing-offer", country=country)
    assert (advice.action, advice.channel, advice.alternatives) == ("follow_up", channel, alternatives)
    assert advice.purpose == "competing_offer"
    assert dates(advice) == ("2026-11-23", "2026-11-27")  # from today, before you must answer the other offer
    assert "this job is still your first choice" in said(advice)
    assert verdict(advice).endswith("to tell them about your other offer between 23 and 27 November.")


def test_rejected_closes_politely(engine) -> None:
    advice = advise(engine, "dk-rejected")
    assert (advice.action, advice.channel, advice.purpose) == ("stop", None, None)
    assert "If other positions open up, I'm definitely interested." in said(advice)
    assert "Subject" not in said(advice)  # nothing about writing a follow-up


def test_hired_stops_and_lifts_the_linkedin_wait(engine) -> None:
    advice = advise(engine, "dk-rejected", outcome="hired")
    assert (advice.action, verdict(advice)) == ("stop", "Do not follow up: you got the job.")
    assert "LinkedIn invitation" in said(advice)


def test_if_it_does_not_feel_right_dont(engine) -> None:
    advice = advise(engine, "dk-interview-thank-you", feels_right=False)
    assert (advice.action, verdict(advice)) == ("stop", "Do not follow up: following up does not feel right to you.")
    assert "not something every employer expects" in said(advice)


# --- Before applying ---------------------------------------------------------------------------

def test_no_before_applying_calls_to_ask_about_the_process(engine) -> None:
    advice = advise(engine, "no-before-applying")
    assert (advice.action, advice.channel, advice.purpose) == ("follow_up", "phone", "process_question")
    assert dates(advice) == ("2026-11-23", "2026-12-01")  # before the application deadline
    assert verdict(advice) == ("Call Kari Nordmann to ask about the job and how hiring will proceed "
                              "between 23 November and 1 December.")
    assert "when they will call in for first interviews" in said(advice)


@pytest.mark.parametrize("country", ["DK", "SE"])
def test_elsewhere_there_is_nothing_to_follow_up_before_applying(engine, country: str) -> None:
    advice = advise(engine, "no-before-applying", country=country)
    assert (advice.action, advice.channel, advice.purpose, dates(advice)) == ("wait", None, None, (None, None))
    assert "end your cover letter by saying you will call" in said(advice)

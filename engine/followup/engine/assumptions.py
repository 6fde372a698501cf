"""What an advice assumed because the situation did not say, so the advice can say it too.

Advice for ``country: DK, stage: applied`` and nothing else reads "E-mail the hiring manager
... from today": it rests on guesses (the application went out today, there is no contact,
no deadline, no date for an answer). Each guess is an ``Assumption``: the missing field, what
was assumed in its place (``"today"``, ``"the hiring manager"``, ``"none"``) and, where it has
one, the value that stood in for it. They are in the advice's JSON (``assumptions``) and the
text says them in a sentence under the verdict.

An advice not to follow up rests on none of them: a stop is decided by what the situation
does say (a rejection, three unanswered contacts, a posting that asks for no contact).
"""

from __future__ import annotations

from followup.base.records import make
from followup.engine.advice import Advice, Assumption
from followup.load.situation import Situation

#: Who a message goes to when the situation names nobody (the articles' "hiring manager").
NOBODY_NAMED = "the hiring manager"


def assumptions_for(situation: Situation, action: str) -> tuple[Assumption, ...]:
    """The assumptions an advice with ``action`` makes for ``situation``, in a fixed order."""
    if action == "stop":
        return ()
    s = situation
    found: list[Assumption] = []
    if s.stage == "applied" and s.application.sent_on is None:
        found.append(Assumption("application.sent_on", "today", s.today.isoformat()))
    if s.stage != "considering" and s.contact.name is None:
        found.append(Assumption("contact.name", NOBODY_NAMED, s.employer.name))
    if s.stage == "applied" and s.application.deadline is None:
        found.append(Assumption("application.deadline", "none"))
    if s.stage == "applied" and s.posting.answer_expected_by is None:
        found.append(Assumption("posting.answer_expected_by", "none"))
    if s.stage == "interviewed" and s.interview is not None and s.interview.answer_promised_by is None:
        found.append(Assumption("interview.answer_promised_by", "none"))
    return tuple(found)


def annotated(advice: Advice, situation: Situation) -> Advice:
    """``advice`` with its assumptions, and the loader's notes (an old field name) first among its warnings."""
    return make(Advice, {**advice.__dict__, "assumptions": assumptions_for(situation, advice.action),
                         "warnings": situation.load_notes + tuple(advice.warnings)})

"""The page: a form for the situation (or a pasted file), and the advice rendered for people.

Everything works without JavaScript: "add a row" is a submit button that renders the form
again with one more empty row, the language links are plain links, and the calendar and the
YAML file are downloads posted from hidden fields holding the situation, so the server keeps
nothing between two requests. The only script is ``static/copy.js``, for the copy button,
which stays hidden without it. Jinja2 escapes every value (``autoescape``); no template
marks user text safe.
"""

from __future__ import annotations

import re

from datetime import date, time
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl

from jinja2 import Environment, FileSystemLoader, StrictUndefined
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response

from followup.api import LANGUAGES, Decision
from followup.audit.whynot import SUBJECTS
from followup.base.errors import InputError
from followup.load.situation import Interview, Situation, situation_from_document
from followup.load.yamlio import Document, parse_text
from followup.plan import deciding_rules, make_plan, rule_json
from followup.render.ics import plan_calendar
from followup.render.plan import draft_text
from followup.agenda import agenda_of_texts, timeline_rows
from followup.render.agenda import agenda_text
from followup.render.timeline import timeline_row, timeline_svg
from followup.serve import form
from followup.serve.http import read_body, require_type
from followup.serve.v1 import decision_headers, service
from followup.serve.words import NAMES, PAGE_LANGUAGES, day_words, has, pick_language, word

TEMPLATES = Path(__file__).parent / "templates"
FORM_TYPE = "application/x-www-form-urlencoded"
#: A country to preselect for the page's language (a Danish page is most often about Denmark).
COUNTRY_OF = {"da": "DK", "sv": "SE", "nb": "NO"}

_env = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=True, undefined=StrictUndefined,
                   trim_blocks=True, lstrip_blocks=True)


def render(name: str, status: int = 200, **context: Any) -> HTMLResponse:
    lang = context["lang"]
    context.update(w=lambda key, **v: word(key, lang, **v), languages=[(code, NAMES[code]) for code in PAGE_LANGUAGES],
                   sections=form.SECTIONS, row_groups=form.ROW_GROUPS, field_id=form.field_id,
                   label_words=form.label_words, has=has)
    return HTMLResponse(_env.get_template(name).render(**context), status)


def _logged(request: Request) -> bool:
    return service(request).log is not None


async def form_page(request: Request) -> Response:
    """``GET /``: the empty form, in the language asked for or the browser's."""
    lang = pick_language(request.query_params.get("lang"), request.headers.get("accept-language"))
    values = {name: "on" for name in form.CHECKED_AT_FIRST}
    values["country"] = COUNTRY_OF.get(lang, "")
    return render("page.html", lang=lang, values=values, counts=form.row_counts(values), errors={}, result=None,
                  logged=_logged(request))


async def read_form(request: Request) -> dict[str, str]:
    """The posted fields (url-encoded: the form sends no files), the last of each name winning."""
    require_type(request, (FORM_TYPE,))
    text = (await read_body(request)).decode("utf-8", errors="replace")
    return dict(parse_qsl(text, keep_blank_values=True, max_num_fields=1000))


async def advice_page(request: Request) -> Response:
    """``POST /advice``: the advice for the form (or the pasted file), or the form again with its errors."""
    values = await read_form(request)
    lang = pick_language(values.get("lang"), request.headers.get("accept-language"))
    counts = form.row_counts(values)
    if form.adds_a_row(values):
        return render("page.html", lang=lang, values=values, counts=counts, errors={}, result=None,
                      logged=_logged(request))
    pasted = values.get("situation", "").strip()
    if pasted:
        situation, errors, text = _from_file(values["situation"], lang)
    else:
        situation, errors, text = _from_fields(values, lang)
    if situation is None:
        return render("page.html", 422, lang=lang, values=values, counts=counts, errors=errors, result=None,
                      logged=_logged(request))
    svc = service(request)
    decision = svc.rules.advise(situation, lang=_advice_lang(lang), log=svc.log)
    result = result_of(request, decision, situation, text, lang)
    page = render("page.html", lang=lang, values=values, counts=counts, errors={}, result=result,
                  logged=_logged(request))
    page.headers.update(decision_headers(decision))  # the page names its decision as the API does
    return page


def _advice_lang(lang: str) -> str:
    """The advice in the page's language where the engine writes it, else in English."""
    return lang if lang in LANGUAGES else "en"


def _from_fields(values: dict[str, str], lang: str) -> tuple[Situation | None, dict[str, list[str]], str]:
    data = form.situation_data(values)
    problems = form.schema_errors(data, lang)
    if not problems:
        try:
            document = Document(data, "form", {})
            return situation_from_document(document), {}, form.situation_yaml(data)
        except InputError as exc:
            problems = form.engine_errors(exc)
    errors: dict[str, list[str]] = {}
    for name, messages in problems.items():
        errors.setdefault(form.field_of_error(name), []).extend(messages)
    return None, errors, ""


def _from_file(text: str, lang: str) -> tuple[Situation | None, dict[str, list[str]], str]:
    """A pasted file: every problem is shown beside the box, with its line where the file has one."""
    try:
        document = parse_text(text, "pasted.yaml")
    except InputError as exc:
        return None, {"situation": sum(form.engine_errors(exc).values(), [])}, ""
    problems = form.schema_errors(document.data, lang, document)
    if problems:
        return None, {"situation": sum(problems.values(), [])}, ""
    try:
        return situation_from_document(document), {}, text
    except InputError as exc:
        return None, {"situation": sum(form.engine_errors(exc).values(), [])}, ""


def result_of(request: Request, decision: Decision, situation: Situation, text: str, lang: str) -> dict[str, Any]:
    """What the result shows, as plain values for the template (every text escaped there)."""
    document = decision.to_dict(explanation=False)
    timing = decision.timing
    window = None
    if timing.earliest is not None:
        a = day_words(timing.earliest, lang)
        window = word("from_to", lang, a=a, b=day_words(timing.latest, lang)) if timing.latest else word(
            "from", lang, a=a)
    plan = make_plan(service(request).rules, situation, lang=_advice_lang(lang)).reader_dict()
    steps = []
    for step in plan["steps"]:
        first, last = step["window"]["first"], step["window"]["last"]
        when = _window_words(first, last, lang)
        steps.append({"when": when, "phrased": step["phrased"], "draft": draft_text(step["draft"])
                      if step.get("draft") is not None else None})
    others = [s for s in SUBJECTS if s != "follow_up" and s != decision.channel]
    return {
        "verdict": decision.verdict,
        "note": word("english_note", lang) if _advice_lang(lang) != lang else "",
        "assumptions": [_plain(a) for a in document.get("assumptions") or ()],
        "window": window,
        "channel": word(f"channel.{decision.channel}", lang) if decision.channel else None,
        "draft": draft_text(document["draft"]) if document.get("draft") is not None else None,
        # From the document, not the records: there the points are in the reader's language.
        "say": [p["text"] for p in document["say"]], "avoid": [p["text"] for p in document["avoid"]],
        "cautions": [p["text"] for p in document["cautions"]], "warnings": list(document["warnings"]),
        "rules": [rule_json(r) for r in deciding_rules(decision)],
        "fired": [rule_json(r) for r in decision.advice.trace],
        "why_not": [{"channel": word(f"channel.{s}", lang), "answer": decision.why_not(s).answer} for s in others],
        "plan": steps, "plan_end": plan["end"]["message"],
        # Made here from the plan, every label escaped by the renderer; no script, no style attribute.
        "timeline": timeline_svg([timeline_row(plan)], situation.today, title=word("plan", lang), lang=plan["lang"])
        if plan["steps"] else None,
        "situation_yaml": text, "id": decision.id, "digest": decision.record.ruleset_digest,
        "rounds": [_round_words(r, lang) for r in situation.interviews],
    }


def _round_words(interview: Interview, lang: str) -> str:
    """``tirsdag den 10. november 2026, 10:00 · Ved fremmøde``: a round as the result lists it."""
    text = day_words(interview.day, lang)
    if interview.date.time() != time(0):  # a round given as a day alone is read as midnight
        text += interview.date.strftime(", %H:%M")
    return f"{text} · {word(f'format.{interview.format}', lang)}" if interview.format else text


def _window_words(first: str | None, last: str | None, lang: str) -> str:
    if first is None:
        return ""
    a = day_words(date.fromisoformat(first), lang)
    return word("from_to", lang, a=a, b=day_words(date.fromisoformat(last), lang)) if last else word("from", lang, a=a)


def _plain(item: Any) -> str:
    """An assumption as a sentence, whatever its shape (a text, or a mapping with one)."""
    if isinstance(item, dict):
        for key in ("text", "message", "assumption", "because"):
            if isinstance(item.get(key), str):
                return item[key]
    return str(item)


async def _posted_situation(request: Request) -> tuple[Situation, str, str]:
    values = await read_form(request)
    text = values.get("situation", "")
    document = parse_text(text, "situation.yaml")
    return situation_from_document(document), text, pick_language(values.get("lang"), None)


async def calendar_download(request: Request) -> Response:
    """``POST /calendar.ics``: the plan's reminders for the situation in the hidden field."""
    try:
        situation, _, lang = await _posted_situation(request)
    except InputError as exc:
        return Response(exc.format_message() + "\n", 422, media_type="text/plain; charset=utf-8")
    document = make_plan(service(request).rules, situation, lang=_advice_lang(lang)).reader_dict()
    return Response(plan_calendar(document), 200, media_type="text/calendar; charset=utf-8",
                    headers={"Content-Disposition": 'attachment; filename="followup-plan.ics"'})


async def situation_download(request: Request) -> Response:
    """``POST /situation.yaml``: the situation as a file, checked first, for ``followup advise``."""
    try:
        _, text, _ = await _posted_situation(request)
    except InputError as exc:
        return Response(exc.format_message() + "\n", 422, media_type="text/plain; charset=utf-8")
    return Response(text, 200, media_type="application/yaml; charset=utf-8",
                    headers={"Content-Disposition": 'attachment; filename="situation.yaml"'})


async def agenda_page(request: Request) -> Response:
    """``GET /agenda``: a box to paste several situation files; ``POST``: their agenda and timeline."""
    if request.method == "GET":
        lang = pick_language(request.query_params.get("lang"), request.headers.get("accept-language"))
        return render("agenda.html", lang=lang, agenda=None, timeline=None, files="", logged=_logged(request))
    values = await read_form(request)
    lang = pick_language(values.get("lang"), request.headers.get("accept-language"))
    files = values.get("files", "")
    texts = [(f"situation {i}", text) for i, text in enumerate(_documents(files), 1)]
    agenda = agenda_of_texts(service(request).rules, texts, date.today())
    rows = timeline_rows(agenda)
    timeline = timeline_svg(rows, agenda.today, title=word("agenda_title", lang)) if rows else None
    return render("agenda.html", lang=lang, agenda=agenda_text(agenda.to_dict()), timeline=timeline, files=files,
                  logged=_logged(request))


def _documents(text: str) -> list[str]:
    """The pasted files: YAML documents separated by lines of ``---`` (empty ones dropped)."""
    parts = re.split(r"^---[ \t]*$", text.replace("\r\n", "\n"), flags=re.M)
    return [part for part in parts if part.strip()][:MAX_AGENDA_FILES]


#: Situations one agenda page takes: a counsellor's caseload, not a batch job (that is /v1/batch).
MAX_AGENDA_FILES = 100

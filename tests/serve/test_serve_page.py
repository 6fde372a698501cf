"""The page over a real server: the form, its errors beside their fields in the page's language,
every user string escaped, rows added without JavaScript, the downloads, the languages."""

from __future__ import annotations

import re
from pathlib import Path
from xml.etree import ElementTree
from typing import Any

import httpx
import pytest
import yaml
from markupsafe import escape

from followup.serve import form
from followup.serve.words import PAGE_LANGUAGES, _W, pick_language, word
from serving import running

ROOT = Path(__file__).resolve().parents[2]
DANISH = {"lang": "da", "country": "DK", "stage": "applied", "today": "2026-11-21", "application.sent_on": "2026-11-11",
          "application.via": "online_portal", "contact.name": "Mette Jensen", "contact.email": "mj@example.dk",
          "feels_right": "on", "do": "advise"}
HOSTILE = ('<script>alert(1)</script>', '"><img src=x onerror=alert(1)>')


@pytest.fixture(scope="module")
def base() -> Any:
    with running() as address:
        yield address


def post(base: str, values: dict[str, str], path: str = "/advice") -> httpx.Response:
    return httpx.post(f"{base}{path}", data=values, timeout=60)


def field_error(html: str, name: str) -> str:
    """The error text shown beside field ``name`` (empty if none)."""
    identifier = "f-" + name.replace(".", "-").replace("[", "-").replace("]", "")
    match = re.search(rf'<p class="field-error" id="{re.escape(identifier)}-error">(.*?)</p>', html, re.S)
    return match.group(1) if match else ""


def test_every_page_text_is_written_in_every_language() -> None:
    assert all(len(texts) == len(PAGE_LANGUAGES) for texts in _W.values())
    missing = [key for key, texts in _W.items() if key != "english_note" and not all(texts)]
    assert not missing
    named = [(field.name, field) for _, fields in form.SECTIONS for field in fields]
    named += [(f"{rows.key}.{field.name}", field) for rows in form.ROW_GROUPS for field in rows.fields]
    for name, field in named:
        for lang in PAGE_LANGUAGES:
            word(f"{name}.label", lang)
            for option in field.options:
                field.option_words(option, lang)
    for rows, lang in ((rows, lang) for rows in form.ROW_GROUPS for lang in PAGE_LANGUAGES):
        assert str(3) in word(f"{rows.key}.row", lang, n=3) and word(f"{rows.key}.add", lang)


def test_the_language_comes_from_the_link_then_the_browser() -> None:
    assert pick_language(None, "sv-SE,sv;q=0.9,en;q=0.8") == "sv"
    assert pick_language(None, "de,no;q=0.5") == "nb"
    assert pick_language(None, "fr") == "en"
    assert pick_language("da", "sv") == "da"


def test_the_form_in_the_browsers_language(base: str) -> None:
    page = httpx.get(f"{base}/", headers={"accept-language": "nb-NO,nb;q=0.9"}, timeout=30)
    assert page.status_code == 200 and '<html lang="nb">' in page.text
    assert "Følg opp en jobbsøknad" in page.text
    assert "<script src=\"/static/copy.js\"" in page.text and "<script>" not in page.text  # no inline script
    for label in re.findall(r'<label for="([^"]+)"', page.text):  # every label names an input that exists
        assert f'id="{label}"' in page.text


def test_advice_from_the_form(base: str) -> None:
    page = post(base, DANISH)
    assert page.status_code == 200
    assert "Send en e-mail til Mette Jensen" in page.text and "E-mail Mette" not in page.text  # verdict and plan: Danish
    assert page.headers["x-decision-id"] in page.text and page.headers["x-ruleset-digest"].startswith("sha256:")
    assert "lørdag den 21. november 2026" in page.text  # the window, with its weekday, in Danish
    assert page.text.count("<details") >= 3
    assert 'action="/calendar.ics"' in page.text and 'action="/situation.yaml"' in page.text


def test_errors_are_shown_beside_their_fields_in_the_pages_language_and_the_form_keeps_them(base: str) -> None:
    values = {**DANISH, "contact.email": "not an address", "application.sent_on": "2026-13-45",
              "follow_ups[0].date": "2026-11-15"}
    page = post(base, values)
    assert page.status_code == 422
    assert "Det er ikke en e-mailadresse" in field_error(page.text, "contact.email")
    assert "Den dag findes ikke i kalenderen: 2026-13-45." in field_error(page.text, "application.sent_on")
    assert "Udfyld venligst" in field_error(page.text, "follow_ups[0].via")
    assert 'value="not an address"' in page.text and 'value="Mette Jensen"' in page.text
    swedish = post(base, {**values, "lang": "sv"})
    assert "Det är inte en e-postadress" in field_error(swedish.text, "contact.email")


def test_every_user_string_is_escaped(base: str) -> None:
    text_fields = [n for n, f in form.FIELDS.items() if f.kind in ("text", "email", "tel", "date", "time")]
    for hostile in HOSTILE:
        values = {**DANISH, **{name: hostile for name in text_fields}, "situation": ""}
        for page in (post(base, values), post(base, {**DANISH, "position": hostile, "contact.name": hostile,
                                                      "employer.name": hostile, "applicant.name": hostile}),
                     post(base, {"lang": "da", "situation": f"country: DK\nstage: applied\nposition: '{hostile}'\n"
                                                            f"contact: {{email: '{hostile}'}}\n"})):
            assert "<script>alert" not in page.text and "<img src=x" not in page.text
            assert 'onerror=alert(1)>' not in page.text.replace("&gt;", "")  # only as escaped text


def test_a_row_is_added_without_javascript_and_typed_values_stay(base: str) -> None:
    page = post(base, {**DANISH, "do": "add_row", "rows": "2", "follow_ups[0].date": "2026-11-15"})
    assert page.status_code == 200
    assert 'name="follow_ups[2].date"' in page.text and 'name="rows" value="3"' in page.text
    assert 'value="2026-11-15"' in page.text and "<section class=\"result\"" not in page.text
    assert 'name="rounds" value="2"' in page.text and 'name="interviews[2].date"' not in page.text


def test_a_pasted_file_is_advised_and_its_errors_have_lines(base: str) -> None:
    text = (ROOT / "examples/se-interview-date-passed.yaml").read_text()
    page = post(base, {"lang": "sv", "situation": text})
    assert page.status_code == 200 and 'id="verdict"' in page.text
    bad = post(base, {"lang": "sv", "situation": "country: SE\nstage: interviewed\ncontact:\n  email: nope\n"})
    assert bad.status_code == 422
    assert "rad 4" in field_error(bad.text, "situation") and "e-postadress" in field_error(bad.text, "situation")


def test_a_swedish_page_gives_the_points_and_the_plan_in_swedish_as_the_cli_does(base: str, run: Any) -> None:
    path = ROOT / "examples/se-interview-date-passed.yaml"
    page = post(base, {"lang": "sv", "situation": path.read_text()}).text
    cli = run("advise", str(path), "--lang", "sv", "--format", "json").json()
    plan = run("plan", str(path), "--lang", "sv", "--format", "json").json()
    for point in (*cli["say"], *cli["avoid"], *cli["cautions"]):
        assert str(escape(point["text"])) in page, point["id"]
    assert str(escape(plan["steps"][0]["phrased"])) in page
    assert "Mejla Anna Svensson" in plan["steps"][0]["phrased"]
    ending = next(line for line in run("plan", str(path), "--lang", "sv").out.splitlines()
                  if line.startswith("Från 1 december: "))  # how the plan ends, in Swedish
    assert str(escape(ending.split(": ", 1)[1])) in page


def test_the_downloads_are_the_calendar_and_the_situation_file(base: str) -> None:
    page = post(base, DANISH)
    hidden = re.search(r'<input type="hidden" name="situation" value="([^"]*)"', page.text).group(1)
    import html
    situation = html.unescape(hidden)
    assert yaml.safe_load(situation)["contact"]["name"] == "Mette Jensen"
    calendar = post(base, {"situation": situation, "lang": "da"}, "/calendar.ics")
    assert calendar.headers["content-type"].startswith("text/calendar")
    assert "attachment" in calendar.headers["content-disposition"] and b"BEGIN:VEVENT" in calendar.content
    file = post(base, {"situation": situation}, "/situation.yaml")
    assert file.text == situation and "attachment" in file.headers["content-disposition"]


def test_the_result_shows_the_plan_as_a_timeline(base: str) -> None:
    page = post(base, DANISH)
    figure = re.search(r'<figure id="timeline">(.*?)</figure>', page.text, re.S)
    assert figure, "no timeline on the result page"
    svg = ElementTree.fromstring(figure.group(1))  # well-formed XML, drawn on the server
    bars = [r for r in svg.iter("{http://www.w3.org/2000/svg}rect") if "window" in (r.get("class") or "").split()]
    assert bars and svg.get("role") == "img"


def test_an_agenda_page_for_pasted_files_lists_them_and_draws_their_timeline(base: str) -> None:
    assert "f-files" in httpx.get(f"{base}/agenda?lang=sv", timeout=30).text
    files = [(ROOT / "examples" / name).read_text(encoding="utf-8")
             for name in ("dk-applied-email.yaml", "se-competing-offer.yaml")]
    hostile = "country: DK\nstage: applied\nposition: '<script>alert(1)</script>'\n"
    broken = "country: DK\nstage: sent\n"
    pasted = "\n".join(f"---\n{text}" for text in [*files, hostile, broken])
    page = httpx.post(f"{base}/agenda", data={"files": pasted, "lang": "en"}, timeout=60)
    assert page.status_code == 200
    table = re.search(r'<pre id="agenda-table">(.*?)</pre>', page.text, re.S).group(1)
    assert "Nordhavn A/S" in table and "Byggbolaget AB" in table and "ERROR" in table  # the broken one, listed
    assert "<script>" not in page.text and "&lt;script&gt;" in page.text
    svg = ElementTree.fromstring(re.search(r'<figure id="timeline">(.*?)</figure>', page.text, re.S).group(1))
    labels = ["".join(t.itertext()) for t in svg.iter("{http://www.w3.org/2000/svg}text")]
    assert any("Nordhavn" in label for label in labels)
    assert [r for r in svg.iter("{http://www.w3.org/2000/svg}rect") if "window" in (r.get("class") or "").split()]


# Three interview rounds, as a file and as the form's fields: the last round (not yet thanked)
# is the one the advice is about.
ROUNDS_FILE = """\
country: DK
stage: interviewed
today: '2026-11-30'
feels_right: true
position: Bogholder
employer: {name: Nordhavn A/S}
application: {sent_on: '2026-11-02'}
contact: {name: Mette Jensen, email: mj@example.dk}
interviews:
- {date: '2026-11-09', format: phone, invited_by: email, thanked: true}
- {date: '2026-11-16T10:00', format: online, tone: neutral, thanked: true}
- {date: '2026-11-27T13:00', format: in_person, answer_promised_by: '2026-12-04', tone: warm}
"""
ROUNDS_FORM = {"lang": "da", "country": "DK", "stage": "interviewed", "today": "2026-11-30", "feels_right": "on",
               "position": "Bogholder", "employer.name": "Nordhavn A/S", "application.sent_on": "2026-11-02",
               "contact.name": "Mette Jensen", "contact.email": "mj@example.dk", "rounds": "3",
               "interviews[0].date": "2026-11-09", "interviews[0].format": "phone",
               "interviews[0].invited_by": "email", "interviews[0].thanked": "on",
               "interviews[1].date": "2026-11-16", "interviews[1].time": "10:00", "interviews[1].format": "online",
               "interviews[1].tone": "neutral", "interviews[1].thanked": "on",
               "interviews[2].date": "2026-11-27", "interviews[2].time": "13:00",
               "interviews[2].format": "in_person", "interviews[2].answer_promised_by": "2026-12-04",
               "interviews[2].tone": "warm", "do": "advise"}


def hidden_situation(page: str) -> str:
    import html
    return html.unescape(re.search(r'<input type="hidden" name="situation" value="([^"]*)"', page).group(1))


def shown(page: str, element: str) -> str:
    import html
    return html.unescape(re.search(rf'id="{element}"[^>]*>(.*?)</', page, re.S).group(1))


def test_interview_rounds_in_the_form_are_the_files_rounds_and_get_the_clis_advice(base: str, run: Any,
                                                                                   tmp_path: Path) -> None:
    from followup.render.plan import draft_text

    page = post(base, ROUNDS_FORM)
    assert page.status_code == 200
    situation = hidden_situation(page.text)
    assert yaml.safe_load(situation) == yaml.safe_load(ROUNDS_FILE)
    assert post(base, {"situation": situation}, "/situation.yaml").text == situation  # the download, rounds and all
    path = tmp_path / "rounds.yaml"
    path.write_text(ROUNDS_FILE, encoding="utf-8")
    cli = run("advise", str(path), "--lang", "da", "--format", "json", "--trace", "none")
    assert cli.code == 0
    advice = cli.json()
    assert shown(page.text, "verdict") == advice["verdict"]
    assert shown(page.text, "draft") == draft_text(advice["draft"])
    assert "27. november" in advice["draft"]["body"]  # the last round, the one not yet thanked
    rounds = re.findall(r"<li>(.*?)</li>", re.search(r'<ol id="rounds">(.*?)</ol>', page.text, re.S).group(1))
    assert rounds == ["mandag den 9. november 2026 · Over telefonen",
                      "mandag den 16. november 2026, 10:00 · Online (video)",
                      "fredag den 27. november 2026, 13:00 · Ved fremmøde"]


def test_the_form_maps_each_round_and_asks_for_a_date_a_round_lacks() -> None:
    data = form.situation_data({**ROUNDS_FORM, "rounds": "2"})  # a filled row counts even past the counter
    assert [r["date"] for r in data["interviews"]] == ["2026-11-09", "2026-11-16T10:00", "2026-11-27T13:00"]
    assert "thanked" not in data["interviews"][2]  # an unticked box says nothing
    lacking = form.situation_data({**ROUNDS_FORM, "interviews[1].date": ""})
    assert lacking["interviews"][1] == {"format": "online", "tone": "neutral", "thanked": True}
    assert "Udfyld venligst" in form.schema_errors(lacking, "da")["interviews[1].date"][0]
    assert "interviews" not in form.situation_data({**ROUNDS_FORM, **{k: "" for k in ROUNDS_FORM if "[" in k}})


def round_fieldset(page: str, index: int) -> str:
    return re.search(rf'<fieldset class="row" id="interviews-{index}">(.*?)</fieldset>', page, re.S).group(1)


@pytest.mark.parametrize(("typed", "message"), [
    ("16/11/2026", "Skriv en dato"),  # the schema's pattern
    ("2026-11-05", "oldest first"),  # the engine's check, after the schema: before round 1
])
def test_an_error_in_round_2s_date_is_shown_beside_round_2s_date(base: str, typed: str, message: str) -> None:
    page = post(base, {**ROUNDS_FORM, "interviews[1].date": typed})
    assert page.status_code == 422
    second = round_fieldset(page.text, 1)
    assert message in field_error(second, "interviews[1].date")
    date_input = re.search(r'<input type="date" id="f-interviews-1-date"[^>]*>', second).group(0)
    assert f'value="{typed}"' in date_input and 'aria-invalid="true"' in date_input
    assert 'aria-describedby="f-interviews-1-date-error"' in date_input
    assert 'class="field-error"' not in round_fieldset(page.text, 0) + round_fieldset(page.text, 2)
    assert 'value="2026-11-27"' in round_fieldset(page.text, 2)  # the other rounds as typed
    summary = re.search(r'<div class="error-summary".*?</div>', page.text, re.S).group(0)
    assert 'href="#f-interviews-1-date">2. samtale, Dato: ' in summary  # which round, which field


def test_rounds_given_before_the_interview_stage_are_shown_beside_the_stage(base: str) -> None:
    page = post(base, {**ROUNDS_FORM, "stage": "applied"})
    assert page.status_code == 422 and "stage is 'applied'" in field_error(page.text, "stage").replace("&#39;", "'")


def test_an_interview_round_is_added_without_javascript_and_typed_values_stay(base: str) -> None:
    page = post(base, {**ROUNDS_FORM, "do": "add_round"})
    assert page.status_code == 200 and "<section class=\"result\"" not in page.text
    assert 'name="rounds" value="4"' in page.text and 'name="rows" value="2"' in page.text
    assert 'name="interviews[3].date"' in page.text and 'value="2026-11-27"' in round_fieldset(page.text, 2)
    assert "<legend>4. samtale</legend>" in round_fieldset(page.text, 3)
    assert 'formaction="/advice#f-interviews-4-date"' in page.text  # the next one lands on its new row
    full = post(base, {**ROUNDS_FORM, "do": "add_round", "rounds": str(form.ROUNDS.limit - 1)})
    assert 'name="interviews[19].date"' in full.text and 'value="add_round"' not in full.text  # the schema's limit


def test_user_text_in_the_rounds_is_escaped(base: str) -> None:
    names = [form.ROUNDS.name(i, f.name) for i in range(3) for f in form.ROUNDS.fields]
    for hostile in HOSTILE:
        page = post(base, {**ROUNDS_FORM, **{name: hostile for name in names}, "rounds": hostile})
        assert page.status_code == 422 and str(escape(hostile)) in page.text  # kept as typed, as text
        assert "<script>alert" not in page.text and "<img src=x" not in page.text
        assert 'onerror=alert(1)>' not in page.text.replace("&gt;", "")


def test_a_day_the_calendar_lacks_is_named_as_such_beside_its_field(base: str) -> None:
    page = post(base, {**DANISH, "application.sent_on": "2026-11-31"})
    assert page.status_code == 422
    assert "Den dag findes ikke i kalenderen: 2026-11-31." in field_error(page.text, "application.sent_on")
    assert 'value="2026-11-31"' in page.text  # kept as typed
    pasted = post(base, {"lang": "sv", "situation": "country: SE\nstage: applied\napplication:\n  sent_on: 2026-02-30\n"})
    assert "rad 4" in field_error(pasted.text, "situation")
    assert "Den dagen finns inte i kalendern: 2026-02-30." in field_error(pasted.text, "situation")

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
    for _, fields in form.SECTIONS:
        for field in fields:
            for lang in PAGE_LANGUAGES:
                word(f"{field.name}.label", lang)
                for option in field.options:
                    field.option_words(option, lang)


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
    assert "E-mail Mette Jensen" in page.text
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
    assert "Skriv en dato" in field_error(page.text, "application.sent_on")
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


def test_a_pasted_file_is_advised_and_its_errors_have_lines(base: str) -> None:
    text = (ROOT / "examples/se-interview-date-passed.yaml").read_text()
    page = post(base, {"lang": "sv", "situation": text})
    assert page.status_code == 200 and 'id="verdict"' in page.text
    bad = post(base, {"lang": "sv", "situation": "country: SE\nstage: interviewed\ncontact:\n  email: nope\n"})
    assert bad.status_code == 422
    assert "rad 4" in field_error(bad.text, "situation") and "e-postadress" in field_error(bad.text, "situation")


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
